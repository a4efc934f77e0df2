#!/usr/bin/env bash
# pgsteer vs PgBouncer vs a direct connection, with pgbench, interleaved (issue 5).
#
#   bench/compare.sh                 # full run: 3 rounds x 2 scripts x 3 modes x 3 client counts x 3 targets
#   DURATION=5 ROUNDS=3 bench/compare.sh
#   QUICK=1 bench/compare.sh         # smoke test: 3 s runs, 1 round, select-only + tpcb at 8 clients only
#
# Environment:
#   DURATION   seconds per pgbench run (default 10; QUICK=1: 3)
#   WARMUP     seconds of unrecorded select-only warm-up per mode per target (default 5; QUICK=1: 2);
#              then pgsteer's warm-up goes on until its JIT compilers settle (not in QUICK mode)
#   JIT_SETTLE at most this many seconds more for pgsteer's JIT to settle (default 240)
#   ROUNDS     interleaved rounds (default 3; QUICK=1: 1)
#   CLIENTS    client counts (default "1 8 64"; QUICK=1: "8")
#   MODES      pgbench -M modes (default "simple extended prepared")
#   SCRIPTS    "select-only tpcb-like" (default both)
#   POOL_SIZE  backend pool size of pgsteer and PgBouncer (default 20)
#   SKIP_MEMORY=1  skip the idle-connection memory run and the start-time measurement
#   IDLE_LEVELS    idle connection counts for the memory run (default "1000 10000"; QUICK=1: "1000")
#   PGSTEER_JAVA_OPTS  more JVM options for pgsteer, after those of the ./pgsteer launcher (jvm.options)
#   PGSTEER_ARGS       more pgsteer arguments, e.g. "--io-threads 2" (default none)
#   BASE_PORT  first of the ports used (default 25430: PG, +1 pgbouncer, +2 pgsteer, +3 pgsteer trust,
#              +4 pgsteer quick mode)
#
# Needs root (or sudo) once: apt-get install of PgBouncer's build dependencies, and runuser to run
# PostgreSQL and PgBouncer as the postgres OS user. Results go to bench/results/<timestamp>/.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  DURATION=${DURATION:-3}; WARMUP=${WARMUP:-2}; ROUNDS=${ROUNDS:-1}; CLIENTS=${CLIENTS:-8}; IDLE_LEVELS=${IDLE_LEVELS:-1000}
fi
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-"1 8 64"}
MODES=${MODES:-"simple extended prepared"}
SCRIPTS=${SCRIPTS:-"select-only tpcb-like"}
POOL_SIZE=${POOL_SIZE:-20}
IDLE_LEVELS=${IDLE_LEVELS:-"1000 10000"}
SKIP_MEMORY=${SKIP_MEMORY:-0}
BASE_PORT=${BASE_PORT:-25430}
PG_PORT=$BASE_PORT; PGB_PORT=$((BASE_PORT + 1)); STEER_PORT=$((BASE_PORT + 2))
TRUST_PORT=$((BASE_PORT + 3)); QUICK_PORT=$((BASE_PORT + 4))
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$HERE/results/$STAMP"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/pgsteer-bench.XXXXXX)
chmod 755 "$WORK"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$WORK"; else sudo chown postgres "$WORK"; fi
RAW="$OUT/raw.tsv"
log() { echo "[compare $(date +%H:%M:%S)] $*" | tee -a "$OUT/run.log" >&2; }
loud() {
  echo "" >&2
  echo "######################################################################" >&2
  for line in "$@"; do echo "### $line" >&2; done
  echo "######################################################################" >&2
  echo "" >&2
  printf '%s\n' "$@" >> "$OUT/run.log"
}

if [ "$(id -u)" -eq 0 ]; then
  AS_PG=(runuser -u postgres --)
else
  AS_PG=(sudo -u postgres --)
fi

# ---------------------------------------------------------------- cleanup
PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  [ -f "$WORK/pgbouncer.pid" ] && kill "$(cat "$WORK/pgbouncer.pid")" 2>/dev/null
  if [ -d "$WORK/pgdata" ]; then
    "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pgdata" -m fast stop >/dev/null 2>&1
  fi
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'echo "[compare] FAILED at line $LINENO (logs in $OUT)" >&2' ERR

# ---------------------------------------------------------------- JDK and jar
# shellcheck source=/dev/null
. "$ROOT/.ci/jdk.sh"
JAR="$ROOT/proxy-core/target/pgsteer.jar"
# as ./pgsteer does: (re)build when main sources, resources or poms are newer than the jar
if [ ! -f "$JAR" ] || [ -n "$(find "$ROOT" \( -path '*/src/main/*' -o -name 'pom.xml' \) -type f \
      -newer "$JAR" -not -path '*/target/*' -print -quit)" ]; then
  log "building pgsteer.jar (./mvnw -q -DskipTests package)"
  (cd "$ROOT" && ./mvnw -q -B -ntp -DskipTests -Dmaven.test.skip=true package >&2)
  touch "$JAR"
fi
# Benchmark a private copy: a rebuild of the tree during the run must not swap classes under the
# running proxies (seen once: NoClassDefFoundError at shutdown).
mkdir -p "$WORK/jar" && cp -r "$JAR" "$ROOT/proxy-core/target/lib" "$WORK/jar/"
JAR="$WORK/jar/pgsteer.jar"
PGSTEER_COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- '*/src/main/*' '*pom.xml' 2>/dev/null || PGSTEER_COMMIT="$PGSTEER_COMMIT+local changes"
JAVA="$JAVA_HOME/bin/java"
# As ./pgsteer starts it: its JVM options file, then PGSTEER_JAVA_OPTS. The start-up cache of the
# launcher is added to the start-time attempts only: the first records it, the next read it; the
# proxies measured with pgbench run without one (recording would run during their measurements).
read -r -a JOPTS <<< "@$ROOT/jvm.options $(jdk_jvm_options "$ROOT") ${PGSTEER_JAVA_OPTS:-}"
# shellcheck source=/dev/null
. "$ROOT/.ci/startup-cache.sh"
read -r -a SARGS <<< "${PGSTEER_ARGS:-}"

# ---------------------------------------------------------------- PgBouncer
PGBOUNCER=""
if PGBOUNCER=$("$HERE/build-pgbouncer.sh" 2> >(tee -a "$OUT/run.log" >&2)); then
  log "PgBouncer: $("$PGBOUNCER" --version | head -n 1)"
else
  PGBOUNCER=""
  loud "COULD NOT BUILD PgBouncer 1.24 (see the messages above and bench/.cache/pgbouncer/*.log)." \
       "The comparison runs WITHOUT PgBouncer: direct vs pgsteer only."
fi

# ---------------------------------------------------------------- PostgreSQL
log "starting PostgreSQL 15 on port $PG_PORT (data in $WORK/pgdata)"
echo bench > "$WORK/pwfile"; chmod 644 "$WORK/pwfile"
"${AS_PG[@]}" "$PGBIN/initdb" -D "$WORK/pgdata" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
  >"$OUT/initdb.log" 2>&1
cat >> "$WORK/pgdata/postgresql.conf" <<EOF
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK'
max_connections = 300
shared_buffers = 256MB
synchronous_commit = off
log_min_messages = warning
EOF
"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pgdata" -l "$WORK/pg.log" -w start >/dev/null
"${AS_PG[@]}" psql -h "$WORK" -p "$PG_PORT" -U postgres -q -d postgres \
  -c "CREATE ROLE bench LOGIN PASSWORD 'bench'" -c "CREATE DATABASE bench OWNER bench"
export PGPASSWORD=bench
log "pgbench -i -s 10"
pgbench -i -s 10 -q -h 127.0.0.1 -p "$PG_PORT" -U bench bench >"$OUT/pgbench-init.log" 2>&1
PG_VERSION=$(psql -h 127.0.0.1 -p "$PG_PORT" -U bench -d bench -Atc "show server_version")

# ---------------------------------------------------------------- pgsteer
wait_port() {  # wait_port PORT SECONDS
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
cat > "$WORK/pgsteer.yaml" <<EOF
listen: 127.0.0.1:$STEER_PORT
# The benchmark's proxies run side by side: none serves metrics (each would want port 9930).
http: off
users:
  bench: { password: bench }
backends:
  main: { url: "postgresql://bench:bench@127.0.0.1:$PG_PORT/bench" }
databases:
  bench: { shards: [main], pool: { mode: transaction, size: $POOL_SIZE } }
EOF
log "starting pgsteer on port $STEER_PORT (pool size $POOL_SIZE)"
"$JAVA" "${JOPTS[@]}" -jar "$JAR" --config "$WORK/pgsteer.yaml" "${SARGS[@]}" >"$OUT/pgsteer.log" 2>&1 &
STEER_PID=$!; PIDS+=("$STEER_PID")
wait_port "$STEER_PORT" 60 || { tail -n 30 "$OUT/pgsteer.log"; echo "pgsteer did not start" >&2; exit 1; }

# ---------------------------------------------------------------- PgBouncer start
PGB_PID=""
if [ -n "$PGBOUNCER" ]; then
  echo '"bench" "bench"' > "$WORK/userlist.txt"
  cat > "$WORK/pgbouncer.ini" <<EOF
[databases]
bench = host=127.0.0.1 port=$PG_PORT dbname=bench user=bench password=bench

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $WORK/userlist.txt
pool_mode = transaction
max_prepared_statements = 200
default_pool_size = $POOL_SIZE
max_client_conn = 1000
pidfile = $WORK/pgbouncer.pid
logfile = $WORK/pgbouncer.log
log_connections = 0
log_disconnections = 0
EOF
  chown postgres "$WORK/userlist.txt" "$WORK/pgbouncer.ini"
  # a copy the postgres user can surely reach, whatever the permissions of the clone's folders
  install -m 755 "$PGBOUNCER" "$WORK/pgbouncer"
  log "starting PgBouncer on port $PGB_PORT (pool size $POOL_SIZE, max_prepared_statements 200)"
  "${AS_PG[@]}" "$WORK/pgbouncer" -d "$WORK/pgbouncer.ini" >"$OUT/pgbouncer-start.log" 2>&1 || true
  if wait_port "$PGB_PORT" 10 && [ -f "$WORK/pgbouncer.pid" ]; then
    PGB_PID=$(cat "$WORK/pgbouncer.pid")
  else
    cat "$OUT/pgbouncer-start.log" "$WORK/pgbouncer.log" 2>/dev/null | tail -n 20 >&2
    loud "PgBouncer DID NOT START. The comparison runs WITHOUT PgBouncer: direct vs pgsteer only."
    PGBOUNCER=""
  fi
fi

TARGETS=(direct)
[ -n "$PGB_PID" ] && TARGETS+=(pgbouncer)
TARGETS+=(pgsteer)
port_of() { case $1 in direct) echo "$PG_PORT";; pgbouncer) echo "$PGB_PORT";; pgsteer) echo "$STEER_PORT";; esac; }
pid_of() { case $1 in pgbouncer) echo "$PGB_PID";; pgsteer) echo "$STEER_PID";; *) echo "";; esac; }
stat_ticks() {  # utime + stime of a process's or a thread's stat file, in clock ticks
  # field 2 (comm) may contain spaces: cut after the last ')'
  sed 's/.*) //' "$1" | awk '{print $12 + $13}'
}
cpu_ticks() {  # utime + stime of a process, in clock ticks
  [ -n "$1" ] || { echo 0; return; }
  stat_ticks "/proc/$1/stat"
}
HZ=$(getconf CLK_TCK)
jit_ticks() {  # CPU ticks of a JVM's JIT compiler threads (C1, C2)
  local task total=0 comm
  for task in /proc/"$1"/task/*; do
    comm=$(cat "$task/comm" 2>/dev/null) || continue
    case $comm in
      C1\ Compiler*|C2\ Compiler*) total=$(( total + $(stat_ticks "$task/stat") )) ;;
    esac
  done
  echo "$total"
}

# Threads: -j min(clients, 2), except -M prepared with more clients than pool connections, where
# -j = clients. pgbench prepares synchronously per client; a pooler that needs a server connection
# for a Parse blocks a thread in PQprepare on a connection its own other clients hold (TPC-B). pgsteer
# prepares a statement it knows without a connection (README, prepared statements) and runs with
# -j 2 too; every target keeps -j = clients here so that runs compare with each other and earlier ones.
threads_for() {  # threads_for MODE CLIENTS
  if [ "$1" = prepared ] && [ "$2" -gt "$POOL_SIZE" ]; then echo "$2"
  elif [ "$2" -lt 2 ]; then echo "$2"; else echo 2; fi
}

# ---------------------------------------------------------------- one pgbench run
printf 'round\tscript\tmode\tclients\tthreads\ttarget\ttps\tlat_mean_ms\tlat_p99_ms\txacts\tfailed\tproxy_cpu_s\n' > "$RAW"
run_one() {  # run_one ROUND SCRIPT MODE CLIENTS TARGET
  local round=$1 script=$2 mode=$3 clients=$4 target=$5
  local threads port pid c0 c1 tag txt tps lat xacts p99 cpu failed
  threads=$(threads_for "$mode" "$clients"); port=$(port_of "$target"); pid=$(pid_of "$target")
  tag="r${round}_${script}_${mode}_c${clients}_${target}"
  rm -f "$WORK"/lat_* 
  c0=$(cpu_ticks "$pid")
  set +e
  pgbench -n -b "$script" -M "$mode" -c "$clients" -j "$threads" -T "$DURATION" \
    -h 127.0.0.1 -p "$port" -U bench \
    --log --sampling-rate=0.2 --log-prefix="$WORK/lat_" bench >"$OUT/pgbench_$tag.log" 2>&1
  local rc=$?
  set -e
  c1=$(cpu_ticks "$pid")
  txt="$OUT/pgbench_$tag.log"
  tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$txt" | head -n 1)
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$txt" | head -n 1)
  xacts=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$txt" | head -n 1)
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$txt" | head -n 1)
  # per-transaction log: client xact latency_us script epoch epoch_us; p99 of the 3rd field
  p99=$(cat "$WORK"/lat_* 2>/dev/null | awk '{print $3}' | sort -n |
        awk '{a[NR]=$1} END {if (NR) {i=int(NR*0.99); if (i<1) i=1; printf "%.3f", a[i]/1000} else print "NA"}')
  cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$HZ" -v p="$pid" 'BEGIN { if (p=="") print "NA"; else printf "%.2f", (b-a)/hz }')
  if [ $rc -ne 0 ] || [ -z "$tps" ]; then
    log "  FAILED ($target $script -M $mode -c $clients, exit $rc): $(grep -iE 'error|fatal|abort' "$txt" | head -n 3 | tr '\n' ' ')"
    tps=${tps:-NA}; lat=${lat:-NA}; xacts=${xacts:-NA}
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$script" "$mode" "$clients" "$threads" \
    "$target" "$tps" "${lat:-NA}" "$p99" "${xacts:-NA}" "${failed:-0}" "$cpu" >> "$RAW"
  log "  $target: tps $tps, lat $lat ms, p99 $p99 ms, proxy cpu ${cpu}s"
}

# ---------------------------------------------------------------- interleaved rounds
NCOMBO=0; for _ in $SCRIPTS; do for _ in $MODES; do for _ in $CLIENTS; do NCOMBO=$((NCOMBO + 1)); done; done; done
log "targets: ${TARGETS[*]}; $ROUNDS rounds x $NCOMBO combinations x ${#TARGETS[@]} targets x ${DURATION}s" \
    "(about $(( ROUNDS * NCOMBO * ${#TARGETS[@]} * (DURATION + 1) / 60 )) min)"
T_START=$(date +%s)
# warm-up, not recorded: JIT-compiles pgsteer's hot path and warms PostgreSQL's caches alike
log "warm-up: select-only, 8 clients, ${WARMUP}s per mode per target"
for target in "${TARGETS[@]}"; do
  for mode in $MODES; do
    pgbench -n -b select-only -M "$mode" -c 8 -j 2 -T "$WARMUP" -h 127.0.0.1 -p "$(port_of "$target")" \
      -U bench bench >"$OUT/warmup_${target}_$mode.log" 2>&1 || log "  warm-up via $target -M $mode failed"
  done
done
# A JVM is measured as it runs for days: compiled. On 2 shared cores its JIT compilers take a minute
# or more under load to settle, and while they compile they take CPU from the proxy and from
# PostgreSQL alike; 64 clients (clients queueing for the pool) and TPC-B's statements reach code
# that 8 select-only clients do not. So pgsteer's warm-up runs all three, in each mode, until its
# compiler threads used under 1 % of a core in the last window (at most JIT_SETTLE seconds), and
# the run log says how long that took.
if [ "$QUICK" != 1 ]; then
  settle_start=$(date +%s)
  window=$(( 9 * $(wc -w <<< "$MODES") ))
  while (( $(date +%s) - settle_start < ${JIT_SETTLE:-240} )); do
    jit_before=$(jit_ticks "$STEER_PID")
    for mode in $MODES; do
      for load in "select-only 8" "select-only 64" "tpcb-like 8"; do
        read -r script clients <<< "$load"
        pgbench -n -b "$script" -M "$mode" -c "$clients" -j "$(threads_for "$mode" "$clients")" -T 3 \
          -h 127.0.0.1 -p "$STEER_PORT" -U bench bench >>"$OUT/warmup_pgsteer_jit.log" 2>&1 || true
      done
    done
    jit_used=$(( $(jit_ticks "$STEER_PID") - jit_before ))
    log "  pgsteer JIT: ${jit_used} ticks of compiler CPU in the last ${window} s"
    (( jit_used * 100 < window * HZ )) && break
  done
  log "pgsteer warm: its JIT compilers settled after $(( $(date +%s) - settle_start )) s more load"
fi
for ((round = 1; round <= ROUNDS; round++)); do
  for script in $SCRIPTS; do
    for mode in $MODES; do
      for clients in $CLIENTS; do
        log "round $round/$ROUNDS: $script -M $mode -c $clients -j $(threads_for "$mode" "$clients")"
        # rotate the order of the targets each round, so none always runs first
        n=${#TARGETS[@]}
        for ((k = 0; k < n; k++)); do
          run_one "$round" "$script" "$mode" "$clients" "${TARGETS[$(( (k + round - 1) % n ))]}"
        done
      done
    done
  done
done
T_BENCH=$(( $(date +%s) - T_START ))

# ---------------------------------------------------------------- memory and start time
MEM="$OUT/memory.tsv"; : > "$MEM"
if [ "$SKIP_MEMORY" != 1 ]; then
  # start time: quick mode, jar already built, launch to the first successful psql 'select 1'
  for attempt in 1 2 3; do
    read -r -a CACHE <<< "$(startup_cache_options "$JAR" "$WORK/jar/pgsteer")"
    t0=$(date +%s%N)
    "$JAVA" "${JOPTS[@]}" "${CACHE[@]}" -jar "$JAR" --http off --listen "127.0.0.1:$QUICK_PORT" \
      --backend "postgresql://bench:bench@127.0.0.1:$PG_PORT/bench" >"$OUT/pgsteer-quick-$attempt.log" 2>&1 &
    qpid=$!; PIDS+=("$qpid")
    ok=0
    for ((i = 0; i < 600; i++)); do
      if psql -h 127.0.0.1 -p "$QUICK_PORT" -U bench -d bench -Atqc 'select 1' >/dev/null 2>&1; then ok=1; break; fi
      sleep 0.01
    done
    t1=$(date +%s%N)
    kill "$qpid"; wait "$qpid" 2>/dev/null || true
    if [ $ok = 1 ]; then
      printf 'start_ms\t%s\n' $(( (t1 - t0) / 1000000 )) >> "$MEM"
      log "quick-mode start to first accepted connection (attempt $attempt): $(( (t1 - t0) / 1000000 )) ms"
    else
      log "quick mode did not accept a connection within 6 s (attempt $attempt)"
    fi
  done

  # idle clients: a separate pgsteer with auth: trust and a client limit above the largest level
  MAXIDLE=0; for l in $IDLE_LEVELS; do [ "$l" -gt "$MAXIDLE" ] && MAXIDLE=$l; done
  ulimit -n "$(ulimit -Hn)" || true
  log "idle clients: file limit $(ulimit -n); levels $IDLE_LEVELS"
  cat > "$WORK/pgsteer-trust.yaml" <<EOF
listen: 127.0.0.1:$TRUST_PORT
# The benchmark's proxies run side by side: none serves metrics (each would want port 9930).
http: off
auth: trust
max_client_connections: $((MAXIDLE + 100))
backends:
  main: { url: "postgresql://bench:bench@127.0.0.1:$PG_PORT/bench" }
databases:
  bench: { shards: [main], pool: { mode: transaction, size: $POOL_SIZE } }
EOF
  "$JAVA" "${JOPTS[@]}" -jar "$JAR" --config "$WORK/pgsteer-trust.yaml" >"$OUT/pgsteer-trust.log" 2>&1 &
  TPID=$!; PIDS+=("$TPID")
  wait_port "$TRUST_PORT" 60
  rss() { awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
  printf 'rss_mb_0\t%s\n' "$(rss "$TPID")" >> "$MEM"
  log "pgsteer (trust) RSS with 0 clients: $(rss "$TPID") MB"
  coproc IDLE { exec python3 "$HERE/idle_clients.py" 127.0.0.1 "$TRUST_PORT" bench bench $IDLE_LEVELS 2>"$OUT/idle_clients.err"; }
  for level in $IDLE_LEVELS; do
    if read -r -t 600 word n secs <&"${IDLE[0]}" && [ "$word" = READY ]; then
      sleep 3   # let the heap settle a little
      printf 'rss_mb_%s\t%s\n' "$n" "$(rss "$TPID")" >> "$MEM"
      log "pgsteer RSS with $n idle clients: $(rss "$TPID") MB (opened in ${secs}s)"
      echo go >&"${IDLE[1]}"
    else
      log "idle clients failed at level $level: $(tail -n 3 "$OUT/idle_clients.err" | tr '\n' ' ')"
      break
    fi
  done
  eval "exec ${IDLE[1]}>&-"
  wait "$IDLE_PID" 2>/dev/null || true
  kill "$TPID"; wait "$TPID" 2>/dev/null || true
fi

# ---------------------------------------------------------------- summary
JDK_VERSION=$("$JAVA" -version 2>&1 | head -n 1)
PGB_VERSION=$([ -n "$PGBOUNCER" ] && "$PGBOUNCER" --version | head -n 1 || echo "not built")
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), $(free -g | awk '/^Mem/ {print $2}') GB memory"
  echo "pgsteer: commit $PGSTEER_COMMIT; $(sed -n 's/.*PgSteerServer - \(.* transport, .*\)/\1/p' "$OUT/pgsteer.log" | head -n 1)"
  echo "pgsteer JVM options: $(sed 's/#.*//' "$ROOT/jvm.options" $(jdk_jvm_options "$ROOT" | tr -d @) | xargs) ${PGSTEER_JAVA_OPTS:-}${PGSTEER_ARGS:+; arguments: $PGSTEER_ARGS}"
  echo "JDK: $JDK_VERSION; PostgreSQL $PG_VERSION; $PGB_VERSION; pgbench $(pgbench --version | sed "s/^pgbench (PostgreSQL) //")"
  echo "command: DURATION=$DURATION WARMUP=$WARMUP ROUNDS=$ROUNDS CLIENTS=\"$CLIENTS\" MODES=\"$MODES\" SCRIPTS=\"$SCRIPTS\" POOL_SIZE=$POOL_SIZE QUICK=$QUICK bench/compare.sh"
  echo "pgbench part: ${T_BENCH}s"
  echo
  python3 "$HERE/summarize.py" "$RAW" "$MEM"
} | tee "$OUT/summary.md"
log "results in $OUT"
