# Shared by the benchmark scripts that source it: results and scratch folders, logging, running
# PostgreSQL as the postgres OS user, cleanup on exit, a private copy of pgsteer's jar. (compare.sh,
# shard-bench.sh and tpch/run.sh still carry their own copies of these; move-bench.sh uses this.)
#
#   . "$HERE/lib.sh"; bench_init move     # OUT, WORK, RAW-free; log(); AS_PG; PIDS; cleanup trap
#   bench_jar                             # JAR (private copy), JAVA, JOPTS, PGSTEER_COMMIT
#   PG_EXTRA_CONF="wal_level = logical" start_pg 0 25500   # server 0 in $WORK/pgdata0, role bench
#   wait_port 25501 60

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

bench_init() {  # bench_init NAME: results in bench/results/NAME-<timestamp>/, scratch in /tmp
  BENCH_NAME=$1
  STAMP=$(date -u +%Y%m%dT%H%M%SZ)
  OUT="$HERE/results/$BENCH_NAME-$STAMP"
  mkdir -p "$OUT"
  WORK=$(mktemp -d "/tmp/pgsteer-$BENCH_NAME.XXXXXX")
  chmod 755 "$WORK"
  LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
  if [ "$(id -u)" -eq 0 ]; then
    AS_PG=(runuser -u postgres --)
    chown postgres "$WORK"
  else
    AS_PG=(sudo -u postgres --)
    sudo chown postgres "$WORK"
  fi
  PIDS=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  trap 'echo "[$BENCH_NAME] FAILED at line $LINENO (logs in $OUT)" >&2' ERR
}

log() { echo "[$BENCH_NAME $(date +%H:%M:%S)] $*" | tee -a "$OUT/run.log" >&2; }

bench_cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for d in "$WORK"/pgdata*; do
    [ -d "$d" ] && "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$d" -m fast stop >/dev/null 2>&1
  done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$WORK"
}

bench_jar() {  # builds the jar when the sources are newer, and runs a private copy of it
  # shellcheck source=/dev/null
  . "$ROOT/.ci/jdk.sh"
  JAR="$ROOT/proxy-core/target/pgsteer.jar"
  if [ ! -f "$JAR" ] || [ -n "$(find "$ROOT" \( -path '*/src/main/*' -o -name 'pom.xml' \) -type f \
        -newer "$JAR" -not -path '*/target/*' -print -quit)" ]; then
    log "building pgsteer.jar (./mvnw -q -DskipTests package)"
    (cd "$ROOT" && ./mvnw -q -B -ntp -DskipTests -Dmaven.test.skip=true package >&2)
    touch "$JAR"
  fi
  # a rebuild of the tree during the run must not swap classes under the running proxies
  mkdir -p "$WORK/jar" && cp -r "$JAR" "$ROOT/proxy-core/target/lib" "$WORK/jar/"
  JAR="$WORK/jar/pgsteer.jar"
  PGSTEER_COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$ROOT" diff --quiet HEAD -- '*/src/main/*' '*pom.xml' 2>/dev/null || PGSTEER_COMMIT="$PGSTEER_COMMIT+local changes"
  JAVA="$JAVA_HOME/bin/java"
  read -r -a JOPTS <<< "@$ROOT/jvm.options $(jdk_jvm_options "$ROOT") ${PGSTEER_JAVA_OPTS:-}"
}

start_pg() {  # start_pg N PORT: server N (data in $WORK/pgdataN), role bench/bench; $PG_EXTRA_CONF appended
  log "starting PostgreSQL server $1 on port $2 (data in $WORK/pgdata$1)"
  "${AS_PG[@]}" "$PGBIN/initdb" -D "$WORK/pgdata$1" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    >"$OUT/initdb$1.log" 2>&1
  mkdir -p "$WORK/sock$1" && chown postgres "$WORK/sock$1" 2>/dev/null || sudo chown postgres "$WORK/sock$1"
  cat >> "$WORK/pgdata$1/postgresql.conf" <<EOF
port = $2
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK/sock$1'
max_connections = 300
max_prepared_transactions = 100
shared_buffers = 256MB
log_min_messages = warning
${PG_EXTRA_CONF:-}
EOF
  "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pgdata$1" -l "$WORK/pg$1.log" -w start >/dev/null
  "${AS_PG[@]}" psql -h "$WORK/sock$1" -p "$2" -U postgres -v ON_ERROR_STOP=1 -q -d postgres \
    -c "CREATE ROLE bench LOGIN SUPERUSER PASSWORD 'bench'"
}

wait_port() {  # wait_port PORT SECONDS
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
