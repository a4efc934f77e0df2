#!/usr/bin/env bash
# What a large value costs pgsteer's memory: one 500 MiB value at a time through pgsteer's jar, in
# each direction (a DataRow of text and of bytea read by psql, COPY out by psql's \copy, a Bind
# parameter and one CopyData sent by pgjdbc), with pgsteer's resident memory read from
# /proc/PID/status: VmRSS before each transfer, VmHWM (the peak, reset before each) during it.
#
#   bench/large-value-rss.sh                 # the jar this checkout builds
#   JAR=/elsewhere/pgsteer.jar bench/large-value-rss.sh
#
# Environment: SIZE_MIB (default 500), PORT (default 26530: PostgreSQL, +1 pgsteer), JAR. Needs root
# (or sudo) to run a scratch PostgreSQL 15 as the postgres OS user, psql, and pgjdbc in ~/.m2 (the
# build puts it there). pgsteer runs with jvm.options, as ./pgsteer starts it.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SIZE_MIB=${SIZE_MIB:-500}
PORT=${PORT:-26530}
PG_PORT=$PORT; PROXY_PORT=$((PORT + 1))
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
WORK=$(mktemp -d /tmp/pgsteer-large-value.XXXXXX)
chmod 755 "$WORK"
if [ "$(id -u)" -eq 0 ]; then AS_PG=(runuser -u postgres --); chown postgres "$WORK"; else AS_PG=(sudo -u postgres --); sudo chown postgres "$WORK"; fi
log() { echo "[large-value $(date +%H:%M:%S)] $*" >&2; }

PID=
cleanup() {
  set +e
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  [ -d "$WORK/pgdata" ] && "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pgdata" -m fast stop >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=/dev/null
. "$ROOT/.ci/jdk.sh"
JAR=${JAR:-$ROOT/proxy-core/target/pgsteer.jar}
if [ ! -f "$JAR" ]; then
  log "building pgsteer.jar"
  (cd "$ROOT" && ./mvnw -q -B -ntp -DskipTests -Dmaven.test.skip=true package >&2)
fi
PGJDBC=$(ls "$HOME"/.m2/repository/org/postgresql/postgresql/*/postgresql-*.jar | grep -v sources | sort -V | tail -1)

log "PostgreSQL on $PG_PORT"
"${AS_PG[@]}" "$PGBIN/initdb" -D "$WORK/pgdata" -U postgres --auth-local=trust --auth-host=scram-sha-256 >"$WORK/initdb.log" 2>&1
cat >> "$WORK/pgdata/postgresql.conf" <<CONF
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK'
log_min_messages = warning
CONF
"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pgdata" -l "$WORK/pg.log" -w start >/dev/null
"${AS_PG[@]}" psql -h "$WORK" -p "$PG_PORT" -U postgres -q -d postgres \
  -c "CREATE ROLE app LOGIN PASSWORD 'app-secret'" -c "CREATE DATABASE appdb OWNER app"

log "pgsteer on $PROXY_PORT: $JAR"
"$JAVA_HOME/bin/java" @"$ROOT/jvm.options" $(jdk_jvm_options "$ROOT") -jar "$JAR" --listen "127.0.0.1:$PROXY_PORT" \
  --backend "postgresql://app:app-secret@127.0.0.1:$PG_PORT/appdb" --http off >"$WORK/pgsteer.log" 2>&1 &
PID=$!
export PGPASSWORD=app-secret
PSQL=(psql -X -q -h 127.0.0.1 -p "$PROXY_PORT" -U app -d appdb)
for _ in $(seq 1 120); do "${PSQL[@]}" -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.5; done
for _ in 1 2 3; do "${PSQL[@]}" -c "SELECT 1" >/dev/null; done

kb() { awk -v f="$1:" '$1 == f {print $2}' "/proc/$PID/status"; }
echo "pgsteer after start-up: VmRSS $(( $(kb VmRSS) / 1024 )) MiB; each value is $SIZE_MIB MiB"
step() {  # step NAME COMMAND...: one transfer, and what it cost
  local name=$1; shift
  local before; before=$(kb VmRSS)
  echo 5 > "/proc/$PID/clear_refs"   # VmHWM starts again from the current VmRSS
  local start=$SECONDS rc=0
  "$@" >"$WORK/$name.out" 2>&1 || rc=$?
  if ! kill -0 "$PID" 2>/dev/null; then echo "$name: pgsteer is gone"; exit 1; fi
  local peak; peak=$(kb VmHWM)
  printf "%-13s exit %d, %3d s: VmRSS before %4d MiB, VmHWM during %4d MiB (+%d MiB)  %s\n" "$name" "$rc" $((SECONDS - start)) \
    $((before / 1024)) $((peak / 1024)) $(((peak - before) / 1024)) "$(tail -c 160 "$WORK/$name.out" | tr '\n' ' ')"
}
BYTES="$SIZE_MIB*1024*1024"
JDBC="jdbc:postgresql://127.0.0.1:$PROXY_PORT/appdb"
step select-text  "${PSQL[@]}" -o /dev/null -c "SELECT repeat('x', $BYTES)"
step select-bytea "${PSQL[@]}" -o /dev/null -c "SELECT repeat('x', $BYTES)::bytea"
step copy-out     "${PSQL[@]}" -c "\\copy (SELECT repeat('x', $BYTES)::bytea) TO '/dev/null' WITH (FORMAT binary)"
step insert       "$JAVA_HOME/bin/java" -Xmx3g -cp "$PGJDBC" "$HERE/LargeValueClient.java" "$JDBC" insert "$SIZE_MIB"
step copy-in      "$JAVA_HOME/bin/java" -Xmx3g -cp "$PGJDBC" "$HERE/LargeValueClient.java" "$JDBC" copyin "$SIZE_MIB"
echo "pgsteer at the end: VmRSS $(( $(kb VmRSS) / 1024 )) MiB"
