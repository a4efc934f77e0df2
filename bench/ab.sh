#!/usr/bin/env bash
# A/B of two pgsteer builds side by side on one scratch PostgreSQL 15, in one sitting: the same
# pgbench runs against each, alternating, with each proxy's CPU time (user + system, all threads,
# from /proc) per transaction. For a change's before and after: build the old tree's jar elsewhere
# (a clone at the old commit: ./mvnw -q -DskipTests package) and pass it as A.
#
#   A_JAR=/tmp/old/proxy-core/target/pgsteer.jar bench/ab.sh
#
#   A_JAR      the jar of A (its lib/ beside it, as Maven builds it); required
#   B_JAR      the jar of B (default: this tree's proxy-core/target/pgsteer.jar, built if missing)
#   A_OPTS, B_OPTS  JVM options of one side, after jvm.options and PGSTEER_JAVA_OPTS (default none):
#              the same jar with two sets of options is an A/B of the options
#   SCRIPTS    pgbench built-in scripts (default "select-only")
#   MODES      pgbench -M modes (default "simple extended prepared")
#   CLIENTS    client counts (default "8")
#   DURATION   seconds per measured run (default 8)
#   WARMUP     seconds of unrecorded load per proxy before the first round (default 15)
#   ROUNDS     alternations (default 3; the order of A and B flips each round)
#   POOL_SIZE  pool size of both proxies (default 20)
#   BASE_PORT  first port used (default 25530: PostgreSQL, +1 A, +2 B)
# Prints one line per run (tab-separated) and a summary table; writes both to bench/results/ab-STAMP.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
: "${A_JAR:?A_JAR: the jar of the build to compare against (its lib/ beside it)}"
B_JAR=${B_JAR:-$ROOT/proxy-core/target/pgsteer.jar}
SCRIPTS=${SCRIPTS:-"select-only"}
MODES=${MODES:-"simple extended prepared"}
CLIENTS=${CLIENTS:-"8"}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-15}
ROUNDS=${ROUNDS:-3}
POOL_SIZE=${POOL_SIZE:-20}
BASE_PORT=${BASE_PORT:-25530}
PG_PORT=$BASE_PORT; A_PORT=$((BASE_PORT + 1)); B_PORT=$((BASE_PORT + 2))
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
command -v pgbench >/dev/null || { echo "ab.sh needs pgbench and psql on PATH" >&2; exit 1; }

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$HERE/results/ab-$STAMP"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/pgsteer-ab.XXXXXX)
chmod 755 "$WORK"
if [ "$(id -u)" -eq 0 ]; then AS_PG=(runuser -u postgres --); chown postgres "$WORK"; else AS_PG=(sudo -u postgres --); sudo chown postgres "$WORK"; fi
log() { echo "[ab $(date +%H:%M:%S)] $*" | tee -a "$OUT/run.log" >&2; }

PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  [ -d "$WORK/pgdata" ] && "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pgdata" -m fast stop >/dev/null 2>&1
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=/dev/null
. "$ROOT/.ci/jdk.sh"
JAVA="$JAVA_HOME/bin/java"
if [ ! -f "$B_JAR" ]; then
  log "building pgsteer.jar (./mvnw -q -DskipTests package)"
  (cd "$ROOT" && ./mvnw -q -B -ntp -DskipTests -Dmaven.test.skip=true package >&2)
fi
# Private copies: a rebuild during the run must not swap classes under a running proxy.
for side in A B; do
  jar_var="${side}_JAR"; src=${!jar_var}
  [ -f "$src" ] || { echo "$jar_var: no file $src" >&2; exit 1; }
  mkdir -p "$WORK/$side" && cp -r "$src" "$(dirname "$src")/lib" "$WORK/$side/"
done
read -r -a JOPTS <<< "@$ROOT/jvm.options $(jdk_jvm_options "$ROOT") ${PGSTEER_JAVA_OPTS:-}"

log "starting PostgreSQL 15 on port $PG_PORT"
"${AS_PG[@]}" "$PGBIN/initdb" -D "$WORK/pgdata" -U postgres --auth-local=trust --auth-host=scram-sha-256 >"$OUT/initdb.log" 2>&1
cat >> "$WORK/pgdata/postgresql.conf" <<EOF
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK'
max_connections = 200
shared_buffers = 256MB
synchronous_commit = off
log_min_messages = warning
EOF
"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pgdata" -l "$WORK/pg.log" -w start >/dev/null
"${AS_PG[@]}" psql -h "$WORK" -p "$PG_PORT" -U postgres -q -d postgres \
  -c "CREATE ROLE bench LOGIN PASSWORD 'bench'" -c "CREATE DATABASE bench OWNER bench"
export PGPASSWORD=bench
pgbench -i -s 10 -q -h 127.0.0.1 -p "$PG_PORT" -U bench bench >"$OUT/pgbench-init.log" 2>&1

wait_port() {
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
declare -A PORT PID
PORT[A]=$A_PORT; PORT[B]=$B_PORT
for side in A B; do
  cat > "$WORK/$side.yaml" <<EOF
listen: 127.0.0.1:${PORT[$side]}
http: off
users:
  bench: { password: bench }
backends:
  main: { url: "postgresql://bench:bench@127.0.0.1:$PG_PORT/bench" }
databases:
  bench: { shards: [main], pool: { mode: transaction, size: $POOL_SIZE } }
EOF
  opts_var="${side}_OPTS"; read -r -a SIDE_OPTS <<< "${!opts_var:-}"
  "$JAVA" "${JOPTS[@]}" "${SIDE_OPTS[@]}" -jar "$WORK/$side/pgsteer.jar" --config "$WORK/$side.yaml" >"$OUT/pgsteer-$side.log" 2>&1 &
  PID[$side]=$!; PIDS+=("${PID[$side]}")
  wait_port "${PORT[$side]}" 60 || { tail -n 20 "$OUT/pgsteer-$side.log"; echo "pgsteer $side did not start" >&2; exit 1; }
done
log "A: $A_JAR ${A_OPTS:-} (pid ${PID[A]}), B: $B_JAR ${B_OPTS:-} (pid ${PID[B]})"

TICKS=$(getconf CLK_TCK)
cpu_ticks() {  # utime + stime of a process, all threads
  awk '{print $14 + $15}' "/proc/$1/stat"
}
run() {  # run SIDE SCRIPT MODE CLIENTS SECONDS -> prints "tps cpu_us_per_tx"
  local side=$1 before after tps
  before=$(cpu_ticks "${PID[$side]}")
  tps=$(pgbench -n -b "$2" -M "$3" -c "$4" -j 2 -T "$5" -h 127.0.0.1 -p "${PORT[$side]}" -U bench bench 2>/dev/null \
        | awk '/^tps = / {print $3; exit}')
  after=$(cpu_ticks "${PID[$side]}")
  awk -v t="$tps" -v c=$((after - before)) -v hz="$TICKS" -v s="$5" \
    'BEGIN { tx = t * s; printf "%.0f\t%.2f\n", t, (tx > 0 ? c / hz * 1e6 / tx : 0) }'
}

log "warm-up: ${WARMUP}s per proxy, each script and mode"
for side in A B; do
  for script in $SCRIPTS; do
    for mode in $MODES; do run "$side" "$script" "$mode" 8 "$WARMUP" >/dev/null; done
  done
done

printf 'round\tside\tscript\tmode\tclients\ttps\tcpu_us_per_tx\n' | tee "$OUT/raw.tsv"
for ((r = 1; r <= ROUNDS; r++)); do
  if ((r % 2)); then order="A B"; else order="B A"; fi
  for script in $SCRIPTS; do
    for mode in $MODES; do
      for c in $CLIENTS; do
        for side in $order; do
          printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$side" "$script" "$mode" "$c" "$(run "$side" "$script" "$mode" "$c" "$DURATION")" \
            | tee -a "$OUT/raw.tsv"
        done
      done
    done
  done
done

{
  echo
  echo "command: A_JAR=$A_JAR B_JAR=$B_JAR SCRIPTS=\"$SCRIPTS\" MODES=\"$MODES\" CLIENTS=\"$CLIENTS\" DURATION=$DURATION WARMUP=$WARMUP ROUNDS=$ROUNDS bench/ab.sh"
  echo
  echo "| script | -M | clients | A tps (min–max) | B tps (min–max) | B/A tps | A µs CPU/tx (min–max) | B µs CPU/tx (min–max) |"
  echo "|---|---|---|---|---|---|---|---|"
  awk -F'\t' 'NR > 1 {
      k = $3 "|" $4 "|" $5
      if (!(k in seen)) { seen[k] = 1; order[++n] = k }
      t = $2 == "A" ? "a" : "b"
      sum[t, k] += $6; cnt[t, k]++
      if (!((t, k, "tmin") in m) || $6 < m[t, k, "tmin"]) m[t, k, "tmin"] = $6
      if (!((t, k, "tmax") in m) || $6 > m[t, k, "tmax"]) m[t, k, "tmax"] = $6
      if (!((t, k, "cmin") in m) || $7 < m[t, k, "cmin"]) m[t, k, "cmin"] = $7
      if (!((t, k, "cmax") in m) || $7 > m[t, k, "cmax"]) m[t, k, "cmax"] = $7
    }
    END {
      for (i = 1; i <= n; i++) {
        k = order[i]; split(k, p, "|")
        ma = sum["a", k] / cnt["a", k]; mb = sum["b", k] / cnt["b", k]
        printf "| %s | %s | %s | %.0f (%.0f–%.0f) | %.0f (%.0f–%.0f) | %.2f | %.2f–%.2f | %.2f–%.2f |\n", p[1], p[2], p[3],
          ma, m["a", k, "tmin"], m["a", k, "tmax"], mb, m["b", k, "tmin"], m["b", k, "tmax"], mb / ma,
          m["a", k, "cmin"], m["a", k, "cmax"], m["b", k, "cmin"], m["b", k, "cmax"]
      }
    }' "$OUT/raw.tsv"
} | tee "$OUT/summary.md"
