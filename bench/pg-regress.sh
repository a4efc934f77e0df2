#!/usr/bin/env bash
# PostgreSQL's own regression suite, straight and through pgsteer.
#
#   bench/pg-regress.sh                          # the parallel schedule, both ways
#   TESTS="interval guc" bench/pg-regress.sh     # only these files (test_setup runs first)
#   PGSTEER_JAR=/path/proxy-core/target/pgsteer.jar bench/pg-regress.sh
#   PGSTEER_TREE=/work/other-worktree bench/pg-regress.sh
#
# It runs the installed server's regression suite (PostgreSQL 15 here) with pg_regress
# --use-existing, (1) straight against a scratch PostgreSQL server and (2) through pgsteer in quick
# mode (passthrough, transaction pooling) in front of another scratch server made the same way, and
# reports the test files that pass straight and fail through pgsteer, with their diffs, and the
# figure "N of M files that pass straight pass through pgsteer". Files that fail straight are left
# out of the comparison.
#
# The suite's sql/, expected/, data/ files, schedule and regress.c are not in Debian's binary
# packages: they come from the server's Debian source package, the version installed, fetched with
# apt from deb-src entries derived from this machine's own apt sources (bench/apt-source.sh), and
# cached in bench/.cache/pg-regress/<version>/. regress.so is compiled there from regress.c against
# the headers of postgresql-server-dev-<major> of the same version (downloaded and unpacked into the
# cache, not installed); autoinc.so and refint.so are the server's own (Debian ships them).
#
# Environment:
#   TESTS         test files to run instead of the parallel schedule ("interval guc"); test_setup
#                 is put first unless named. A file run without the ones before it in the schedule
#                 may fail straight too (it needs their tables): it is then left out.
#   PGSTEER_JAR   the pgsteer jar to test (its lib/ folder beside it, as Maven builds it)
#   PGSTEER_TREE  a pgsteer checkout: its proxy-core/target/pgsteer.jar, built first when older
#                 than its sources (default: the checkout this script is in)
#   POOL_SIZE     pgsteer's --pool-size (default 20, quick mode's default)
#   PGSTEER_ARGS  more pgsteer arguments (e.g. "--io-threads 2")
#   PGSTEER_JAVA_OPTS  more JVM options, after jvm.options
#   PGSTEER_LOG_LEVEL  pgsteer's log level (default info: pins, connection events; debug adds
#                 backend connections)
#   ONLY          "straight", "pgsteer" or "pgbouncer": run that one only (no comparison)
#   PGBOUNCER=1   also run the suite through PgBouncer 1.24 in transaction mode (bench/build-pgbouncer.sh
#                 builds it), in front of a third server: the summary then says, for each file that
#                 differs through pgsteer, whether it differs through PgBouncer too (what transaction
#                 pooling itself costs), and gives PgBouncer's figure
#   MAX_CONCURRENT  pg_regress --max-concurrent-tests (default 20, as installcheck-parallel)
#   RUN_TIMEOUT   seconds one pg_regress run may take before it is stopped (default 300; a run takes
#                 about a minute): the files that had not finished count as failed ("missing"), and
#                 the sessions then open on the server go to run.log and NAME/stuck.txt
#   PGBIN         the server's binaries (default: the newest /usr/lib/postgresql/*/bin, 15 here)
#   BASE_PORT     first of 5 ports: server for the straight run, server behind pgsteer, pgsteer,
#                 server behind PgBouncer, PgBouncer (default 25460)
#
# Needs root (or sudo): the servers and pg_regress run as the postgres OS user; apt-get for the
# source package and for gcc/dpkg-dev when missing. Results go to bench/results/pg-regress-<time>/:
# summary.txt, diffs/<file>.diff (through pgsteer, for each file that passes straight only),
# straight/ and pgsteer/ (pg_regress's regression.out, regression.diffs, results/), pgsteer.log and
# the servers' logs. Exit status 0 when the run completed, whatever the figure.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

# the installed server: the newest major version under /usr/lib/postgresql (15 on this machine)
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
POOL_SIZE=${POOL_SIZE:-20}
MAX_CONCURRENT=${MAX_CONCURRENT:-20}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
BASE_PORT=${BASE_PORT:-25460}
ONLY=${ONLY:-}
case "$ONLY" in ''|straight|pgsteer|pgbouncer) ;; *) echo "ONLY: straight, pgsteer or pgbouncer" >&2; exit 2 ;; esac
PGBOUNCER=${PGBOUNCER:-0}
TESTS=${TESTS:-}
STRAIGHT_PORT=$BASE_PORT; BEHIND_PORT=$((BASE_PORT + 1)); STEER_PORT=$((BASE_PORT + 2))
BOUNCED_PORT=$((BASE_PORT + 3)); PGB_PORT=$((BASE_PORT + 4))
PASSWORD=regress

START=$(date +%s)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$HERE/results/pg-regress-$STAMP"
mkdir -p "$OUT"
log() { echo "[pg-regress $(date +%H:%M:%S)] $*" | tee -a "$OUT/run.log" >&2; }

if [ "$(id -u)" -eq 0 ]; then AS_PG=(runuser -u postgres --); SUDO=(); else AS_PG=(sudo -u postgres --); SUDO=(sudo); fi
id postgres >/dev/null 2>&1 || { echo "no postgres OS user: is PostgreSQL installed (apt-get install postgresql)?" >&2; exit 1; }

WORK=$(mktemp -d /tmp/pgsteer-regress.XXXXXX)
chmod 755 "$WORK"
"${SUDO[@]}" chown postgres "$WORK"

# ---------------------------------------------------------------- cleanup
PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  [ -f "$WORK/pgbouncer.pid" ] && kill "$(cat "$WORK/pgbouncer.pid")" 2>/dev/null
  for d in "$WORK"/pg-*; do
    [ -f "$d/postmaster.pid" ] && "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1
  done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'echo "[pg-regress] FAILED at line $LINENO (logs in $OUT)" >&2' ERR

for port in "$STRAIGHT_PORT" "$BEHIND_PORT" "$STEER_PORT" "$BOUNCED_PORT" "$PGB_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use (another run?): set BASE_PORT" >&2; exit 1
  fi
done

# ---------------------------------------------------------------- the server and its version
[ -x "$PGBIN/postgres" ] || { echo "no PostgreSQL server in $PGBIN (set PGBIN)" >&2; exit 1; }
PG_UPSTREAM=$("$PGBIN/postgres" --version | sed -n 's/^postgres (PostgreSQL) \([0-9.]*\).*/\1/p')
MAJOR=${PG_UPSTREAM%%.*}
PGLIB=$("$PGBIN/pg_config" --pkglibdir)
PG_REGRESS="$PGLIB/pgxs/src/test/regress/pg_regress"
[ -x "$PG_REGRESS" ] || { echo "no pg_regress at $PG_REGRESS" >&2; exit 1; }
# The Debian package the server came from: its source package and version name the files to fetch.
SERVER_PKG=$(dpkg -S "$PGBIN/postgres" 2>/dev/null | head -n 1 | cut -d: -f1)
[ -n "$SERVER_PKG" ] || { echo "$PGBIN/postgres is not from a Debian package" >&2; exit 1; }
read -r SRC_PKG SRC_VER <<< "$(dpkg-query -W -f='${source:Package} ${source:Version}' "$SERVER_PKG")"
DEB_VER=$(dpkg-query -W -f='${Version}' "$SERVER_PKG")
log "server: PostgreSQL $PG_UPSTREAM ($SERVER_PKG $DEB_VER, source package $SRC_PKG $SRC_VER)"

# ---------------------------------------------------------------- the suite (cached)
CACHE="$HERE/.cache/pg-regress/$SRC_VER"
need_pkg() {  # need_pkg COMMAND PACKAGE
  command -v "$1" >/dev/null && return 0
  log "installing $2 (for $1)"
  "${SUDO[@]}" apt-get install -y -q "$2" >/dev/null \
    || { "${SUDO[@]}" apt-get update -q >/dev/null && "${SUDO[@]}" apt-get install -y -q "$2" >/dev/null; }
}
if [ ! -f "$CACHE/ready" ]; then
  rm -rf "$CACHE" && mkdir -p "$CACHE"
  need_pkg dpkg-source dpkg-dev
  need_pkg gcc gcc
  if ! TREE=$("$HERE/apt-source.sh" "$CACHE/apt" "$SRC_PKG=$SRC_VER" 2> >(tee -a "$OUT/run.log" >&2)); then
    log "source $SRC_PKG $SRC_VER not found on this machine's mirrors; trying its newest version"
    TREE=$("$HERE/apt-source.sh" "$CACHE/apt" "$SRC_PKG" 2> >(tee -a "$OUT/run.log" >&2))
  fi
  SRC_UPSTREAM=$(sed -n 's/^PACKAGE_VERSION=.\([0-9.]*\).*/\1/p' "$TREE/configure" | head -n 1)
  [ "$SRC_UPSTREAM" = "$PG_UPSTREAM" ] || log "WARNING: the test files are of PostgreSQL $SRC_UPSTREAM, the server is $PG_UPSTREAM"
  mkdir -p "$CACHE/regress" "$CACHE/lib"
  (cd "$TREE/src/test/regress" && cp -r sql expected data parallel_schedule resultmap regress.c "$CACHE/regress/")
  echo "$SRC_UPSTREAM" > "$CACHE/regress/VERSION"
  rm -rf "$CACHE/apt"
  # regress.so: compiled against the server headers of the installed version, unpacked, not installed
  mkdir -p "$CACHE/dev"
  DEV_PKG="postgresql-server-dev-$MAJOR"
  log "downloading $DEV_PKG $DEB_VER for its headers (regress.so)"
  if ! (cd "$CACHE/dev" && apt-get download "$DEV_PKG=$DEB_VER" >/dev/null 2>&1); then
    "${SUDO[@]}" apt-get update -q >/dev/null
    (cd "$CACHE/dev" && apt-get download "$DEV_PKG=$DEB_VER" >/dev/null 2>&1) || {
      log "WARNING: $DEV_PKG $DEB_VER is not on the mirrors; using its newest version's headers"
      (cd "$CACHE/dev" && apt-get download "$DEV_PKG" >/dev/null 2>&1)
    }
  fi
  dpkg -x "$CACHE"/dev/*.deb "$CACHE/dev/x"
  INC=$(find "$CACHE/dev/x" -type d -path "*/postgresql/$MAJOR/server" | head -n 1)
  read -r -a CFLAGS <<< "$("$PGBIN/pg_config" --cflags) $("$PGBIN/pg_config" --cflags_sl)"
  gcc "${CFLAGS[@]}" -fPIC -shared -I"$INC" -o "$CACHE/lib/regress.so" "$CACHE/regress/regress.c" \
    >"$CACHE/regress.so.log" 2>&1 || { cat "$CACHE/regress.so.log" >&2; exit 1; }
  rm -rf "$CACHE/dev"
  touch "$CACHE/ready"
  log "suite of PostgreSQL $SRC_UPSTREAM cached in $CACHE"
fi
log "test files: PostgreSQL $(cat "$CACHE/regress/VERSION") ($CACHE)"
# A copy the postgres user reads (COPY FROM the data/ files is done by the server itself), and the
# dlpath with regress.so and the server's autoinc.so and refint.so.
cp -r "$CACHE/regress" "$WORK/suite"
mkdir -p "$WORK/lib"
cp "$CACHE/lib/regress.so" "$PGLIB/autoinc.so" "$PGLIB/refint.so" "$WORK/lib/"
chmod -R a+rX "$WORK/suite" "$WORK/lib"

if [ -n "$TESTS" ]; then
  read -r -a TEST_ARGS <<< "$TESTS"
  [[ " $TESTS " == *" test_setup "* ]] || TEST_ARGS=(test_setup "${TEST_ARGS[@]}")
  WHAT="files ${TEST_ARGS[*]}"
else
  TEST_ARGS=(--schedule="$WORK/suite/parallel_schedule")
  WHAT="parallel schedule ($(grep -c '^test:' "$WORK/suite/parallel_schedule") groups, max $MAX_CONCURRENT at once)"
fi

# ---------------------------------------------------------------- pgsteer
JAR=""
if [ -z "$ONLY" ] || [ "$ONLY" = pgsteer ]; then
  # shellcheck source=/dev/null
  . "$ROOT/.ci/jdk.sh"
  if [ -n "${PGSTEER_JAR:-}" ]; then
    JAR=$(cd "$(dirname "$PGSTEER_JAR")" && pwd)/$(basename "$PGSTEER_JAR")
    [ -f "$JAR" ] || { echo "PGSTEER_JAR: no file $PGSTEER_JAR" >&2; exit 1; }
    TREE_OF_JAR=$(cd "$(dirname "$JAR")/../.." && pwd)
  else
    TREE_OF_JAR=$(cd "${PGSTEER_TREE:-$ROOT}" && pwd)
    JAR="$TREE_OF_JAR/proxy-core/target/pgsteer.jar"
    if [ ! -f "$JAR" ] || [ -n "$(find "$TREE_OF_JAR" \( -path '*/src/main/*' -o -name 'pom.xml' \) -type f \
          -newer "$JAR" -not -path '*/target/*' -print -quit)" ]; then
      log "building $JAR (./mvnw -q -DskipTests package)"
      (cd "$TREE_OF_JAR" && ./mvnw -q -B -ntp -DskipTests -Dmaven.test.skip=true package >&2)
      touch "$JAR"
    fi
  fi
  [ -d "$(dirname "$JAR")/lib" ] || { echo "no lib/ beside $JAR" >&2; exit 1; }
  # a private copy: a rebuild of the tree during the run must not swap classes under pgsteer
  mkdir -p "$WORK/jar" && cp -r "$JAR" "$(dirname "$JAR")/lib" "$WORK/jar/"
  PGSTEER_COMMIT=$(git -C "$TREE_OF_JAR" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [ "$PGSTEER_COMMIT" != unknown ] && ! git -C "$TREE_OF_JAR" diff --quiet HEAD -- '*/src/main/*' '*pom.xml' 2>/dev/null; then
    PGSTEER_COMMIT="$PGSTEER_COMMIT+local changes"
  fi
  JVM_OPTIONS="$TREE_OF_JAR/jvm.options"; [ -f "$JVM_OPTIONS" ] || JVM_OPTIONS="$ROOT/jvm.options"
  read -r -a JOPTS <<< "@$JVM_OPTIONS ${PGSTEER_JAVA_OPTS:-}"
  read -r -a SARGS <<< "${PGSTEER_ARGS:-}"
  log "pgsteer: $JAR (commit $PGSTEER_COMMIT), $("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)"
fi

wait_port() {  # wait_port PORT SECONDS
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# ---------------------------------------------------------------- one run
start_server() {  # start_server NAME PORT: a new cluster, and the database pg_regress would make
  local d="$WORK/pg-$1"
  echo "$PASSWORD" > "$WORK/pwfile"; chmod 644 "$WORK/pwfile"
  "${AS_PG[@]}" "$PGBIN/initdb" -D "$d" -U postgres --pwfile="$WORK/pwfile" --no-locale -E UTF8 \
    --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$OUT/initdb-$1.log" 2>&1
  # as pg_regress configures its temporary instance, plus fsync off (a scratch server)
  cat >> "$d/postgresql.conf" <<EOF
port = $2
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK'
fsync = off
log_autovacuum_min_duration = 0
log_checkpoints = on
log_line_prefix = '%m %b[%p] %q%a '
log_lock_waits = on
log_temp_files = 128kB
max_prepared_transactions = 2
EOF
  "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$d" -l "$WORK/pg-$1.log" -w start >/dev/null
  # pg_regress without --use-existing makes the database so (create_database() in pg_regress.c)
  "${AS_PG[@]}" "$PGBIN/psql" -X -q -h "$WORK" -p "$2" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c 'CREATE DATABASE "regression" TEMPLATE=template0' \
    -c "ALTER DATABASE \"regression\" SET lc_messages TO 'C'" \
    -c "ALTER DATABASE \"regression\" SET lc_monetary TO 'C'" \
    -c "ALTER DATABASE \"regression\" SET lc_numeric TO 'C'" \
    -c "ALTER DATABASE \"regression\" SET lc_time TO 'C'" \
    -c "ALTER DATABASE \"regression\" SET bytea_output TO 'hex'" \
    -c "ALTER DATABASE \"regression\" SET timezone_abbreviations TO 'Default'"
}

run_suite() {  # run_suite NAME PORT SERVER_PORT: pg_regress through 127.0.0.1:PORT; its output in $OUT/NAME
  local t0 rc=0
  "${AS_PG[@]}" mkdir -p "$WORK/out-$1"
  t0=$(date +%s)
  timeout "$RUN_TIMEOUT" "${AS_PG[@]}" env -u PGOPTIONS -u PGDATABASE -u PGSERVICE -u PGSSLMODE -u PGHOST -u PGPORT \
    PGPASSWORD="$PASSWORD" PGCONNECT_TIMEOUT=30 \
    "$PG_REGRESS" --use-existing --host=127.0.0.1 --port="$2" --user=postgres \
    --bindir="$PGBIN" --inputdir="$WORK/suite" --outputdir="$WORK/out-$1" --dlpath="$WORK/lib" \
    --max-concurrent-tests="$MAX_CONCURRENT" "${TEST_ARGS[@]}" >"$WORK/out-$1/stdout.log" 2>&1 || rc=$?
  if [ "$rc" = 124 ]; then
    log "$1: pg_regress STOPPED after $RUN_TIMEOUT s (RUN_TIMEOUT); the sessions then open on the server:"
    "${AS_PG[@]}" "$PGBIN/psql" -X -q -h "$WORK" -p "$3" -U postgres -d postgres -c \
      "SELECT pid, application_name, state, wait_event_type, wait_event, left(query, 60) AS query
       FROM pg_stat_activity WHERE datname = 'regression' ORDER BY application_name" \
      2>&1 | tee -a "$OUT/run.log" >"$WORK/out-$1/stuck.txt" || true
  fi
  mkdir -p "$OUT/$1"
  cp -r "$WORK/out-$1/." "$OUT/$1/"
  log "$1: pg_regress exited $rc after $(( $(date +%s) - t0 )) s: $(grep -E '^( *#|.*tests (passed|failed))' "$OUT/$1/stdout.log" | tr -s ' ' | head -n 3 | paste -sd ' ' -)"
}

leftovers() {  # leftovers NAME PORT: what the suite left on the server that a complete run drops
  "${AS_PG[@]}" "$PGBIN/psql" -X -q -At -h "$WORK" -p "$2" -U postgres -d regression -c \
    "SELECT 'prepared transaction ' || gid FROM pg_prepared_xacts
     UNION ALL SELECT 'role ' || rolname FROM pg_roles WHERE rolname LIKE 'regress%' ORDER BY 1" \
    > "$OUT/leftovers-$1.txt" 2>&1 || true
}

stop_server() {  # stop_server NAME
  "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg-$1" -m fast stop >/dev/null
  cp "$WORK/pg-$1.log" "$OUT/postgres-$1.log"
}

log "running the $WHAT"
if [ -z "$ONLY" ] || [ "$ONLY" = straight ]; then
  log "straight: PostgreSQL on 127.0.0.1:$STRAIGHT_PORT"
  start_server straight "$STRAIGHT_PORT"
  run_suite straight "$STRAIGHT_PORT" "$STRAIGHT_PORT"
  leftovers straight "$STRAIGHT_PORT"
  stop_server straight
fi
if [ -z "$ONLY" ] || [ "$ONLY" = pgsteer ]; then
  log "through pgsteer: quick mode (passthrough, transaction pooling, pool size $POOL_SIZE) on 127.0.0.1:$STEER_PORT, PostgreSQL on 127.0.0.1:$BEHIND_PORT"
  start_server pgsteer "$BEHIND_PORT"
  PGSTEER_LOG_LEVEL=${PGSTEER_LOG_LEVEL:-info} "$JAVA_HOME/bin/java" "${JOPTS[@]}" -jar "$WORK/jar/pgsteer.jar" \
    --listen "127.0.0.1:$STEER_PORT" --backend "postgresql://postgres:$PASSWORD@127.0.0.1:$BEHIND_PORT" \
    --pool-size "$POOL_SIZE" --http off "${SARGS[@]}" >"$OUT/pgsteer.log" 2>&1 &
  STEER_PID=$!; PIDS+=("$STEER_PID")
  wait_port "$STEER_PORT" 60 || { tail -n 30 "$OUT/pgsteer.log" >&2; echo "pgsteer did not start" >&2; exit 1; }
  run_suite pgsteer "$STEER_PORT" "$BEHIND_PORT"
  kill "$STEER_PID"; wait "$STEER_PID" 2>/dev/null || true
  leftovers pgsteer "$BEHIND_PORT"
  stop_server pgsteer
fi
if { [ "$PGBOUNCER" = 1 ] && [ -z "$ONLY" ]; } || [ "$ONLY" = pgbouncer ]; then
  if PGB_BIN=$("$HERE/build-pgbouncer.sh" 2> >(tee -a "$OUT/run.log" >&2)); then
    log "through PgBouncer ($("$PGB_BIN" --version | head -n 1)): transaction pooling, pool size $POOL_SIZE, on 127.0.0.1:$PGB_PORT, PostgreSQL on 127.0.0.1:$BOUNCED_PORT"
    start_server pgbouncer "$BOUNCED_PORT"
    echo "\"postgres\" \"$PASSWORD\"" > "$WORK/userlist.txt"
    cat > "$WORK/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$BOUNCED_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $WORK/userlist.txt
pool_mode = transaction
default_pool_size = $POOL_SIZE
max_client_conn = 500
max_prepared_statements = 200
pidfile = $WORK/pgbouncer.pid
logfile = $WORK/pgbouncer.log
EOF
    chown postgres "$WORK/userlist.txt" "$WORK/pgbouncer.ini"
    install -m 755 "$PGB_BIN" "$WORK/pgbouncer"
    "${AS_PG[@]}" "$WORK/pgbouncer" -d "$WORK/pgbouncer.ini" >"$OUT/pgbouncer-start.log" 2>&1 || true
    wait_port "$PGB_PORT" 10 || { cat "$OUT/pgbouncer-start.log" "$WORK/pgbouncer.log" >&2; echo "PgBouncer did not start" >&2; exit 1; }
    run_suite pgbouncer "$PGB_PORT" "$BOUNCED_PORT"
    kill "$(cat "$WORK/pgbouncer.pid")"; sleep 0.5; cp "$WORK/pgbouncer.log" "$OUT/pgbouncer.log"
    leftovers pgbouncer "$BOUNCED_PORT"
    stop_server pgbouncer
  else
    log "WARNING: could not build PgBouncer: no PgBouncer run"
  fi
fi

# ---------------------------------------------------------------- comparison
statuses() {  # statuses DIR: "name status" per test file, from pg_regress's progress lines
  [ -f "$1/stdout.log" ] || return 0
  sed -n -E 's/^(test +| +)([A-Za-z0-9_.]+) +\.\.\. +(ok|FAILED|failed \(ignored\)).*/\2 \3/p' "$1/stdout.log" \
    | sed 's/failed (ignored)/ignored/'
}
split_diffs() {  # split_diffs REGRESSION.DIFFS DIR: one file per test, named from the result's path
  [ -f "$1" ] || return 0
  awk -v dir="$2" '
    /^diff / { n = split($NF, p, "/"); name = p[n]; sub(/\.out$/, "", name); file = dir "/" name ".diff" }
    file != "" { print > file }' "$1"
}
describe() {  # describe NAME STATUS DIFF: one line, and the first lines the client saw otherwise
  local lines
  if [ -f "$3" ]; then
    lines=$(grep -c '^[-+]\([^-+]\|$\)' "$3" || true)
    if grep -q '^+\([^+]\|$\)' "$3"; then
      echo "  $1 ($2): diffs/$(basename "$3"), $lines lines differ; the first it got instead:"
      grep -m 3 '^+\([^+]\|$\)' "$3" | cut -c1-160 | sed 's/^/      /' || true
    else
      echo "  $1 ($2): diffs/$(basename "$3"), $lines lines differ; expected, missing:"
      grep -m 3 '^-\([^-]\|$\)' "$3" | cut -c1-160 | sed 's/^/      /' || true
    fi
  else
    echo "  $1 ($2): no diff"
  fi
}
SUMMARY="$OUT/summary.txt"
{
  ran="straight, through pgsteer"; [ "$PGBOUNCER" = 1 ] && ran="$ran, through PgBouncer"; [ -n "$ONLY" ] && ran="$ONLY only"
  echo "PostgreSQL regression suite ($WHAT): $ran"
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); run time $(( $(date +%s) - START )) s"
  echo "server: PostgreSQL $PG_UPSTREAM ($SERVER_PKG $DEB_VER); test files of $(cat "$WORK/suite/VERSION")"
  [ -n "$JAR" ] && echo "pgsteer: commit $PGSTEER_COMMIT, quick mode passthrough, transaction pooling, pool size $POOL_SIZE${PGSTEER_ARGS:+, $PGSTEER_ARGS}"
  echo "command: ${TESTS:+TESTS=\"$TESTS\" }${ONLY:+ONLY=$ONLY }$([ "$PGBOUNCER" = 1 ] && echo "PGBOUNCER=1 ")POOL_SIZE=$POOL_SIZE bench/pg-regress.sh"
} > "$SUMMARY"
statuses "$OUT/straight" | sort > "$WORK/straight.st"
statuses "$OUT/pgsteer" | sort > "$WORK/pgsteer.st"
statuses "$OUT/pgbouncer" | sort > "$WORK/pgbouncer.st"
if [ -n "$ONLY" ]; then
  mkdir -p "$WORK/diffs" "$OUT/diffs"
  split_diffs "$OUT/$ONLY/regression.diffs" "$WORK/diffs"
  failed=$(awk '$2 != "ok"' "$WORK/$ONLY.st")
  {
    echo ""
    echo "$ONLY only: $(awk '$2 == "ok"' "$WORK/$ONLY.st" | wc -l) of $(wc -l < "$WORK/$ONLY.st") files pass"
    while read -r name st; do
      [ -n "$name" ] || continue
      [ -f "$WORK/diffs/$name.diff" ] && cp "$WORK/diffs/$name.diff" "$OUT/diffs/"
      describe "$name" "$st" "$OUT/diffs/$name.diff"
    done <<< "$failed"
  } >> "$SUMMARY"
else
  mkdir -p "$WORK/diffs" "$OUT/diffs"
  split_diffs "$OUT/pgsteer/regression.diffs" "$WORK/diffs"
  mkdir -p "$WORK/bouncer-diffs"
  split_diffs "$OUT/pgbouncer/regression.diffs" "$WORK/bouncer-diffs"
  total=0; same=0; differ=(); failed_straight=()
  while read -r name st; do
    if [ "$st" != ok ]; then failed_straight+=("$name"); continue; fi
    total=$((total + 1))
    through=$(awk -v n="$name" '$1 == n { print $2 }' "$WORK/pgsteer.st")
    if [ "$through" = ok ]; then same=$((same + 1)); continue; fi
    differ+=("$name ${through:-missing}")
    [ -f "$WORK/diffs/$name.diff" ] && cp "$WORK/diffs/$name.diff" "$OUT/diffs/"
  done < "$WORK/straight.st"
  {
    echo ""
    echo "files that fail straight (left out): ${#failed_straight[@]}${failed_straight[*]:+ (${failed_straight[*]})}"
    echo "files that pass straight and fail through pgsteer: ${#differ[@]}"
    for d in "${differ[@]}"; do
      name=${d%% *}; st=${d#* }
      if [ -s "$WORK/pgbouncer.st" ]; then
        bounced=$(awk -v n="$name" '$1 == n { print $2 }' "$WORK/pgbouncer.st")
        if [ "$bounced" = ok ]; then
          st="$st; passes through PgBouncer"
        elif [ -z "$bounced" ]; then
          st="$st; not reached through PgBouncer"
        elif [ -f "$WORK/bouncer-diffs/$name.diff" ] && [ -f "$OUT/diffs/$name.diff" ] \
             && diff -q <(grep '^[-+][^-+]' "$WORK/bouncer-diffs/$name.diff") <(grep '^[-+][^-+]' "$OUT/diffs/$name.diff") >/dev/null; then
          st="$st; the same diff through PgBouncer"
        else
          st="$st; $bounced through PgBouncer, with another diff"
        fi
      fi
      describe "$name" "$st" "$OUT/diffs/$name.diff"
    done
    killed=$( (grep -l '^+FATAL:' "$OUT"/diffs/*.diff 2>/dev/null || true) | xargs -r -n1 basename | sed 's/\.diff$//' | paste -sd ' ' -)
    echo "files whose session got a FATAL through pgsteer: ${killed:-none}"
    if ! diff -q "$OUT/leftovers-straight.txt" "$OUT/leftovers-pgsteer.txt" >/dev/null 2>&1; then
      echo "left on the server through pgsteer, not straight: $(comm -13 <(sort "$OUT/leftovers-straight.txt" 2>/dev/null) \
        <(sort "$OUT/leftovers-pgsteer.txt" 2>/dev/null) | paste -sd ',' - | sed 's/,/, /g')"
    fi
    if [ -s "$WORK/pgbouncer.st" ]; then
      bounced_ok=$(awk 'NR == FNR { if ($2 == "ok") pass[$1] = 1; next } ($1 in pass) && $2 == "ok"' \
        "$WORK/straight.st" "$WORK/pgbouncer.st" | wc -l)
      bounced_bad=$(awk 'NR == FNR { if ($2 == "ok") pass[$1] = 1; next } ($1 in pass) && $2 != "ok" { print $1 }' \
        "$WORK/straight.st" "$WORK/pgbouncer.st" | paste -sd ' ' -)
      bounced_missing=$(awk 'NR == FNR { seen[$1] = 1; next } $2 == "ok" && !($1 in seen)' \
        "$WORK/pgbouncer.st" "$WORK/straight.st" | wc -l)
      stopped=""; [ "$bounced_missing" = 0 ] || stopped=" (the run stopped: see run.log)"
      echo "through PgBouncer (transaction mode, diffs in pgbouncer/regression.diffs): $bounced_ok of $total pass;" \
        "$bounced_missing not reached$stopped; differ: ${bounced_bad:-none}"
    fi
    echo ""
    echo "$same of $total files that pass straight pass through pgsteer"
  } >> "$SUMMARY"
fi
cat "$SUMMARY"
log "results in $OUT"
