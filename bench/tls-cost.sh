#!/usr/bin/env bash
# What TLS costs through pgsteer: pgbench select-only through pgsteer with TLS on neither side, on
# the client side, on the backend side and on both, beside a direct connection with and without TLS,
# interleaved. Prints transactions per second and each one's ratio to "pgsteer, no TLS".
#
#   bench/tls-cost.sh
#   DURATION=10 ROUNDS=3 CLIENTS=8 bench/tls-cost.sh
#
# Environment: DURATION seconds per run (default 10), ROUNDS (default 2), CLIENTS (default 8),
# MODE pgbench -M (default simple), POOL_SIZE (default 20), BASE_PORT (default 26430: PG, +1 pgsteer
# with plain backend links, +2 pgsteer with TLS backend links). Needs root (or sudo) to run
# PostgreSQL as the postgres OS user, and openssl for PostgreSQL's certificate.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-2}
CLIENTS=${CLIENTS:-8}
MODE=${MODE:-simple}
POOL_SIZE=${POOL_SIZE:-20}
BASE_PORT=${BASE_PORT:-26430}
PG_PORT=$BASE_PORT; PLAIN_PORT=$((BASE_PORT + 1)); TLS_PORT=$((BASE_PORT + 2))
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
WORK=$(mktemp -d /tmp/pgsteer-tls-bench.XXXXXX)
chmod 755 "$WORK"
if [ "$(id -u)" -eq 0 ]; then AS_PG=(runuser -u postgres --); chown postgres "$WORK"; else AS_PG=(sudo -u postgres --); sudo chown postgres "$WORK"; fi
log() { echo "[tls-cost $(date +%H:%M:%S)] $*" >&2; }

PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  [ -d "$WORK/pgdata" ] && "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pgdata" -m fast stop >/dev/null 2>&1
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=/dev/null
. "$ROOT/.ci/jdk.sh"
JAR="$ROOT/proxy-core/target/pgsteer.jar"
if [ ! -f "$JAR" ]; then
  log "building pgsteer.jar"
  (cd "$ROOT" && ./mvnw -q -B -ntp -DskipTests -Dmaven.test.skip=true package >&2)
fi
mkdir -p "$WORK/jar" && cp -r "$JAR" "$ROOT/proxy-core/target/lib" "$WORK/jar/"
JAR="$WORK/jar/pgsteer.jar"

# One certificate for PostgreSQL and pgsteer alike (the clients do not verify: sslmode=require).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -keyout "$WORK/server.key" -out "$WORK/server.crt" 2>/dev/null
chmod 600 "$WORK/server.key"; chown postgres "$WORK/server.key" "$WORK/server.crt" 2>/dev/null || sudo chown postgres "$WORK/server.key" "$WORK/server.crt"

log "PostgreSQL on $PG_PORT, ssl on"
"${AS_PG[@]}" "$PGBIN/initdb" -D "$WORK/pgdata" -U postgres --auth-local=trust --auth-host=scram-sha-256 >"$WORK/initdb.log" 2>&1
cat >> "$WORK/pgdata/postgresql.conf" <<EOF
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK'
max_connections = 200
shared_buffers = 256MB
ssl = on
ssl_cert_file = '$WORK/server.crt'
ssl_key_file = '$WORK/server.key'
log_min_messages = warning
EOF
"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pgdata" -l "$WORK/pg.log" -w start >/dev/null
"${AS_PG[@]}" psql -h "$WORK" -p "$PG_PORT" -U postgres -q -d postgres \
  -c "CREATE ROLE bench LOGIN PASSWORD 'bench'" -c "CREATE DATABASE bench OWNER bench"
export PGPASSWORD=bench
pgbench -i -s 10 -q -h 127.0.0.1 -p "$PG_PORT" -U bench bench >"$WORK/init.log" 2>&1

wait_port() {
  local i
  for ((i = 0; i < $2 * 20; i++)); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done
  return 1
}
start_pgsteer() {  # start_pgsteer PORT BACKEND_SSLMODE
  cat > "$WORK/pgsteer-$1.yaml" <<EOF
listen: 127.0.0.1:$1
http: off
tls: { cert: $WORK/server.crt, key: $WORK/server.key }
users:
  bench: { password: bench }
backends:
  main: { url: "postgresql://bench:bench@127.0.0.1:$PG_PORT/bench", sslmode: $2 }
databases:
  bench: { shards: [main], pool: { mode: transaction, size: $POOL_SIZE } }
EOF
  "$JAVA_HOME/bin/java" -jar "$JAR" --config "$WORK/pgsteer-$1.yaml" >"$WORK/pgsteer-$1.log" 2>&1 &
  PIDS+=("$!")
  wait_port "$1" 60 || { tail -n 30 "$WORK/pgsteer-$1.log"; exit 1; }
}
start_pgsteer "$PLAIN_PORT" disable
start_pgsteer "$TLS_PORT" require

# name port client-sslmode
TARGETS=("pgsteer-no-tls $PLAIN_PORT disable" "pgsteer-client-tls $PLAIN_PORT require"
         "pgsteer-backend-tls $TLS_PORT disable" "pgsteer-both-tls $TLS_PORT require"
         "direct-no-tls $PG_PORT disable" "direct-tls $PG_PORT require")
declare -A SUM
run() {  # run PORT SSLMODE SECONDS -> tps
  PGSSLMODE=$2 pgbench -n -S -M "$MODE" -c "$CLIENTS" -j 2 -T "$3" -h 127.0.0.1 -p "$1" -U bench bench 2>&1 \
    | awk '/^tps = / { print $3; exit }'
}
log "warm-up"
for t in "${TARGETS[@]}"; do read -r _ port ssl <<< "$t"; run "$port" "$ssl" 2 >/dev/null; done
for ((r = 1; r <= ROUNDS; r++)); do
  for t in "${TARGETS[@]}"; do
    read -r name port ssl <<< "$t"
    tps=$(run "$port" "$ssl" "$DURATION")
    log "round $r $name: $tps tps"
    SUM[$name]=$(awk -v a="${SUM[$name]:-0}" -v b="$tps" 'BEGIN { print a + b }')
  done
done
echo
echo "pgbench -S -M $MODE -c $CLIENTS, ${DURATION}s x $ROUNDS rounds, pool size $POOL_SIZE, $(nproc) CPUs"
base=$(awk -v s="${SUM[pgsteer-no-tls]}" -v r="$ROUNDS" 'BEGIN { print s / r }')
printf '%-22s %10s %8s\n' target tps ratio
for t in "${TARGETS[@]}"; do
  read -r name _ _ <<< "$t"
  awk -v n="$name" -v s="${SUM[$name]}" -v r="$ROUNDS" -v b="$base" 'BEGIN { printf "%-22s %10.0f %8.2f\n", n, s / r, (s / r) / b }'
done
