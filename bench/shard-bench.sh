#!/usr/bin/env bash
# pgsteer over two shards vs pgsteer in front of one unsharded database, with pgbench, interleaved
# (issue 6).
#
#   bench/shard-bench.sh                 # default: 2 rounds x 4 workloads x 3 modes x 2 targets x 8 s, ~9 min
#   QUICK=1 bench/shard-bench.sh         # smoke: scale 2, 3 s runs, 1 round, ~3 min
#   DURATION=20 ROUNDS=3 bench/shard-bench.sh
#
# Two scratch PostgreSQL 15 servers (max_prepared_transactions set), one per shard:
#   server 0 (BASE_PORT)      bench_s0, shard s0 of the logical database "bench", and bench, the
#                             baseline: the same pgbench data, unsharded
#   server 1 (BASE_PORT + 3)  bench_s1, shard s1
# Each shard is the whole pgbench data from which the accounts of the other shard were deleted, by
# PostgreSQL's own hash partitioning of aid (satisfies_hash_partition, modulus 2); branches and
# tellers are whole on both (reference tables), history on s0 (unsharded).
# Two servers, not two databases in one, so that each shard has a server (and a disk queue) of its
# own, as in production. (Two shards in one server work too: each shard's prepared transaction has
# its own name.)
# pgsteer runs twice: with a shard map over bench_s0 and bench_s1 ("sharded"), and in quick mode
# (--listen/--backend) in front of bench ("single"). Both use transaction pooling and the same pool
# size (per shard for the sharded one).
#
# Workloads (pgbench -n, each in -M simple, extended, prepared):
#   select-only  pgbench's built-in -S: one SELECT by aid, one shard
#   write-1      UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :aid (autocommit, one shard)
#   tx-1shard    BEGIN; UPDATE aid a; UPDATE aid b; COMMIT, a and b on the same shard (either shard)
#   tx-2shard    the same with a and b on different shards: pgsteer commits with two-phase commit
# tx-1shard and tx-2shard draw their pair from PAIRS pairs precomputed from the shards' data (a CASE
# in the script, no extra round trip). Through "single" they are the same two-row transaction on
# one database, which shows what the sharded path adds to each.
#
# Environment:
#   SCALE      pgbench -i -s (default 10; QUICK=1: 2)
#   DURATION   seconds per pgbench run (default 8; QUICK=1: 3)
#   WARMUP     seconds of unrecorded warm-up per workload/mode per target (default 3; QUICK=1: 1)
#   ROUNDS     interleaved rounds (default 2; QUICK=1: 1)
#   CLIENTS    pgbench clients (default 8), threads min(clients, 2)
#   MODES      pgbench -M modes (default "simple extended prepared")
#   WORKLOADS  (default "select-only write-1 tx-1shard tx-2shard")
#   POOL_SIZE  backend pool size, per shard (default 20)
#   SYNCHRONOUS_COMMIT  the servers' synchronous_commit (default off, as compare.sh). PREPARE TRANSACTION
#              and COMMIT PREPARED flush the WAL whatever it says, so with off the two-phase commit pays
#              for flushes that a one-shard commit skips; on makes both wait
#   PAIRS      aid pairs per transaction script (default 200)
#   TRACE=1    where a transaction's milliseconds go: pgbench -r (each statement's mean latency as the
#              client sees it) and, on both servers, log_min_duration_statement=0 with millisecond
#              timestamps; bench/trace_2pc.py then sets PREPARE TRANSACTION and COMMIT PREPARED (the
#              servers' own time, fsync included) against the client's COMMIT (trace.md in the results)
#   PGSTEER_JAVA_OPTS  more JVM options for both pgsteer processes, after jvm.options (as compare.sh)
#   BASE_PORT  first of the ports used (default 25440: PostgreSQL 0, +1 sharded pgsteer, +2 quick-mode
#              pgsteer, +3 PostgreSQL 1)
#
# Needs root (or sudo) to run PostgreSQL as the postgres OS user (as bench/compare.sh). Results go to
# bench/results/shard-<timestamp>/ (raw.tsv, summary.md, every pgbench log).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  SCALE=${SCALE:-2}; DURATION=${DURATION:-3}; WARMUP=${WARMUP:-1}; ROUNDS=${ROUNDS:-1}
fi
SCALE=${SCALE:-10}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-3}
ROUNDS=${ROUNDS:-2}
CLIENTS=${CLIENTS:-8}
MODES=${MODES:-"simple extended prepared"}
WORKLOADS=${WORKLOADS:-"select-only write-1 tx-1shard tx-2shard"}
POOL_SIZE=${POOL_SIZE:-20}
PAIRS=${PAIRS:-200}
SYNCHRONOUS_COMMIT=${SYNCHRONOUS_COMMIT:-off}
TRACE=${TRACE:-0}
TRACE_ARGS=; [ "$TRACE" = 1 ] && TRACE_ARGS=-r
BASE_PORT=${BASE_PORT:-25440}
PG_PORT=$BASE_PORT; SHARDED_PORT=$((BASE_PORT + 1)); SINGLE_PORT=$((BASE_PORT + 2)); PG1_PORT=$((BASE_PORT + 3))
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
THREADS=$(( CLIENTS < 2 ? CLIENTS : 2 ))

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$HERE/results/shard-$STAMP"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/pgsteer-shard-bench.XXXXXX)
chmod 755 "$WORK"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$WORK"; else sudo chown postgres "$WORK"; fi
RAW="$OUT/raw.tsv"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
log() { echo "[shard-bench $(date +%H:%M:%S)] $*" | tee -a "$OUT/run.log" >&2; }

if [ "$(id -u)" -eq 0 ]; then
  AS_PG=(runuser -u postgres --)
else
  AS_PG=(sudo -u postgres --)
fi

# ---------------------------------------------------------------- cleanup (as compare.sh)
PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for d in "$WORK"/pgdata*; do
    [ -d "$d" ] && "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$d" -m fast stop >/dev/null 2>&1
  done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'echo "[shard-bench] FAILED at line $LINENO (logs in $OUT)" >&2' ERR

# ---------------------------------------------------------------- JDK and jar (as compare.sh)
# shellcheck source=/dev/null
. "$ROOT/.ci/jdk.sh"
JAR="$ROOT/proxy-core/target/pgsteer.jar"
if [ ! -f "$JAR" ] || [ -n "$(find "$ROOT" \( -path '*/src/main/*' -o -name 'pom.xml' \) -type f \
      -newer "$JAR" -not -path '*/target/*' -print -quit)" ]; then
  log "building pgsteer.jar (./mvnw -q -DskipTests package)"
  (cd "$ROOT" && ./mvnw -q -B -ntp -DskipTests -Dmaven.test.skip=true package >&2)
  touch "$JAR"
fi
# a private copy: a rebuild of the tree during the run must not swap classes under the running proxies
mkdir -p "$WORK/jar" && cp -r "$JAR" "$ROOT/proxy-core/target/lib" "$WORK/jar/"
JAR="$WORK/jar/pgsteer.jar"
PGSTEER_COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- '*/src/main/*' '*pom.xml' 2>/dev/null || PGSTEER_COMMIT="$PGSTEER_COMMIT+local changes"
JAVA="$JAVA_HOME/bin/java"
read -r -a JOPTS <<< "@$ROOT/jvm.options $(jdk_jvm_options "$ROOT") ${PGSTEER_JAVA_OPTS:-}"

# ---------------------------------------------------------------- PostgreSQL, two servers
start_pg() {  # start_pg N PORT: server N, data in $WORK/pgdataN
  log "starting PostgreSQL 15 server $1 on port $2 (data in $WORK/pgdata$1)"
  "${AS_PG[@]}" "$PGBIN/initdb" -D "$WORK/pgdata$1" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    >"$OUT/initdb$1.log" 2>&1
  mkdir -p "$WORK/sock$1" && chown postgres "$WORK/sock$1"
  cat >> "$WORK/pgdata$1/postgresql.conf" <<EOF
port = $2
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK/sock$1'
max_connections = 300
max_prepared_transactions = 100
shared_buffers = 256MB
synchronous_commit = $SYNCHRONOUS_COMMIT
log_min_messages = warning
EOF
  if [ "$TRACE" = 1 ]; then
    printf "log_min_duration_statement = 0\nlog_line_prefix = '%%m [%%p] %%d '\n" >> "$WORK/pgdata$1/postgresql.conf"
  fi
  "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pgdata$1" -l "$WORK/pg$1.log" -w start >/dev/null
  "${AS_PG[@]}" psql -h "$WORK/sock$1" -p "$2" -U postgres -v ON_ERROR_STOP=1 -q -d postgres \
    -c "CREATE ROLE bench LOGIN PASSWORD 'bench'"
}
start_pg 0 "$PG_PORT"
start_pg 1 "$PG1_PORT"
export PGPASSWORD=bench
port_of_shard() { if [ "$1" = 0 ]; then echo "$PG_PORT"; else echo "$PG1_PORT"; fi; }
shard_psql() {  # shard_psql I ARGS...: psql as bench to bench_sI
  local i=$1; shift
  psql -h 127.0.0.1 -p "$(port_of_shard "$i")" -U bench -d "bench_s$i" -v ON_ERROR_STOP=1 "$@"
}
as_su() {  # as_su N ARGS...: psql as postgres to server N's database postgres
  local n=$1; shift
  "${AS_PG[@]}" psql -h "$WORK/sock$n" -p "$(port_of_shard "$n")" -U postgres -v ON_ERROR_STOP=1 -q -d postgres "$@"
}
log "pgbench -i -s $SCALE into bench (server 0, then copied to bench_s0) and into bench_s1 (server 1)"
as_su 0 -c "CREATE DATABASE bench OWNER bench"
as_su 1 -c "CREATE DATABASE bench_s1 OWNER bench"
pgbench -i -s "$SCALE" -q -h 127.0.0.1 -p "$PG_PORT" -U bench bench >"$OUT/pgbench-init.log" 2>&1
pgbench -i -s "$SCALE" -q -h 127.0.0.1 -p "$PG1_PORT" -U bench bench_s1 >"$OUT/pgbench-init-s1.log" 2>&1
as_su 0 -c "CREATE DATABASE bench_s0 OWNER bench TEMPLATE bench"
# Each shard keeps the accounts whose aid PostgreSQL's hash partitioning (modulus 2) puts at its
# remainder: the template table only lends satisfies_hash_partition its partition key.
for i in 0 1; do
  shard_psql "$i" -q \
    -c "CREATE TABLE aid_hash_template (aid int) PARTITION BY HASH (aid)" \
    -c "DELETE FROM pgbench_accounts WHERE NOT satisfies_hash_partition('aid_hash_template'::regclass, 2, $i, aid)" \
    -c "DROP TABLE aid_hash_template" \
    -c "VACUUM ANALYZE pgbench_accounts"
done
ACC0=$(shard_psql 0 -Atc "SELECT count(*) FROM pgbench_accounts")
ACC1=$(shard_psql 1 -Atc "SELECT count(*) FROM pgbench_accounts")
log "accounts: bench_s0 $ACC0, bench_s1 $ACC1 (total $((ACC0 + ACC1)), expected $((SCALE * 100000)))"
[ $((ACC0 + ACC1)) -eq $((SCALE * 100000)) ] || { log "the shards do not hold every account once"; exit 1; }
PG_VERSION=$(psql -h 127.0.0.1 -p "$PG_PORT" -U bench -d bench -Atc "show server_version")

# ---------------------------------------------------------------- pgbench scripts
# Pairs of aids from the shards' own rows: same-shard pairs alternate between s0 and s1.
aids() {  # aids SHARD COUNT: random aids that live on that shard, one a line
  shard_psql "$1" -Atc "SELECT aid FROM pgbench_accounts ORDER BY random() LIMIT $2"
}
mapfile -t S0 < <(aids 0 $((2 * PAIRS)))
mapfile -t S1 < <(aids 1 $((2 * PAIRS)))
case_of() {  # case_of NAME v1 v2 ...: \set NAME to the i-th value
  local name=$1; shift
  local k=1 expr="\\set $name case"
  for v in "$@"; do expr+=" when :i = $k then $v"; k=$((k + 1)); done
  echo "$expr else 1 end"
}
SAME_A=(); SAME_B=(); CROSS_A=(); CROSS_B=()
for ((k = 0; k < PAIRS; k++)); do
  if ((k % 2 == 0)); then SAME_A+=("${S0[k]}"); SAME_B+=("${S0[k + PAIRS]}")
  else SAME_A+=("${S1[k]}"); SAME_B+=("${S1[k + PAIRS]}"); fi
  CROSS_A+=("${S0[k]}"); CROSS_B+=("${S1[k]}")
done
write_tx() {  # write_tx FILE A-VALUES... -- B-VALUES...
  local file=$1; shift
  local -a a=() b=(); local into=a
  for v in "$@"; do
    if [ "$v" = -- ]; then into=b; continue; fi
    if [ $into = a ]; then a+=("$v"); else b+=("$v"); fi
  done
  {
    echo "\\set i random(1, $PAIRS)"
    case_of a "${a[@]}"
    case_of b "${b[@]}"
    echo "\\set delta random(-5000, 5000)"
    echo "BEGIN;"
    echo "UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :a;"
    echo "UPDATE pgbench_accounts SET abalance = abalance - :delta WHERE aid = :b;"
    echo "COMMIT;"
  } > "$file"
}
write_tx "$WORK/tx-1shard.sql" "${SAME_A[@]}" -- "${SAME_B[@]}"
write_tx "$WORK/tx-2shard.sql" "${CROSS_A[@]}" -- "${CROSS_B[@]}"
cat > "$WORK/write-1.sql" <<'EOF'
\set aid random(1, 100000 * :scale)
UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :aid;
EOF
cp "$WORK"/*.sql "$OUT/"
script_args() {  # the pgbench arguments that select a workload's script
  case $1 in
    select-only) echo "-b select-only" ;;
    *) echo "-f $WORK/$1.sql -D scale=$SCALE" ;;
  esac
}

# ---------------------------------------------------------------- pgsteer, twice
wait_port() {  # wait_port PORT SECONDS
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
cat > "$WORK/pgsteer-sharded.yaml" <<EOF
listen: 127.0.0.1:$SHARDED_PORT
# The benchmark's proxies run side by side: none serves metrics (each would want port 9930).
http: off
users:
  bench: { password: bench }
backends:
  s0: { url: "postgresql://bench:bench@127.0.0.1:$PG_PORT/bench_s0" }
  s1: { url: "postgresql://bench:bench@127.0.0.1:$PG1_PORT/bench_s1" }
databases:
  bench:
    shards: [s0, s1]
    pool: { mode: transaction, size: $POOL_SIZE }
    tables:
      pgbench_accounts: { key: aid, function: hash }
      pgbench_branches: { kind: reference }
      pgbench_tellers:  { kind: reference }
EOF
cp "$WORK/pgsteer-sharded.yaml" "$OUT/"
log "starting sharded pgsteer on port $SHARDED_PORT (shards bench_s0, bench_s1; pool size $POOL_SIZE per shard)"
# the two-phase-commit decision log (pgsteer-decisions.log) goes to the working directory: the scratch one
(cd "$WORK" && exec "$JAVA" "${JOPTS[@]}" -jar "$JAR" --config "$WORK/pgsteer-sharded.yaml") >"$OUT/pgsteer-sharded.log" 2>&1 &
SHARDED_PID=$!; PIDS+=("$SHARDED_PID")
log "starting quick-mode pgsteer on port $SINGLE_PORT in front of bench (pool size $POOL_SIZE)"
(cd "$WORK" && exec "$JAVA" "${JOPTS[@]}" -jar "$JAR" --http off --listen "127.0.0.1:$SINGLE_PORT" \
  --backend "postgresql://bench:bench@127.0.0.1:$PG_PORT/bench" --pool-size "$POOL_SIZE") >"$OUT/pgsteer-single.log" 2>&1 &
SINGLE_PID=$!; PIDS+=("$SINGLE_PID")
wait_port "$SHARDED_PORT" 60 || { tail -n 30 "$OUT/pgsteer-sharded.log"; echo "sharded pgsteer did not start" >&2; exit 1; }
wait_port "$SINGLE_PORT" 60 || { tail -n 30 "$OUT/pgsteer-single.log"; echo "quick-mode pgsteer did not start" >&2; exit 1; }

# Routing check: every sampled account is found through the sharded proxy (a wrong shard answers no row).
SAMPLE=("${S0[@]:0:20}" "${S1[@]:0:20}")
FOUND=0
for aid in "${SAMPLE[@]}"; do
  n=$(psql -h 127.0.0.1 -p "$SHARDED_PORT" -U bench -d bench -Atc "SELECT count(*) FROM pgbench_accounts WHERE aid = $aid" 2>>"$OUT/check.err" || echo ERR)
  [ "$n" = 1 ] && FOUND=$((FOUND + 1))
done
# A read without the key runs on both shards and the rows are combined (count(*) over shards is
# refused in this version, so the rows are counted here).
TOTAL=$(psql -h 127.0.0.1 -p "$SHARDED_PORT" -U bench -d bench -v ON_ERROR_STOP=1 -Atc \
  "SELECT aid FROM pgbench_accounts WHERE aid <= 1000" 2>>"$OUT/check.err" | wc -l || true)
log "routing check: $FOUND of ${#SAMPLE[@]} sampled accounts found through the sharded proxy; aid <= 1000 over both shards: $TOTAL rows"
if [ "$FOUND" != "${#SAMPLE[@]}" ] || [ "$TOTAL" != 1000 ]; then
  log "ROUTING CHECK FAILED (see $OUT/check.err); the figures below may not mean what they say"
fi

port_of() { case $1 in sharded) echo "$SHARDED_PORT";; single) echo "$SINGLE_PORT";; esac; }
pid_of() { case $1 in sharded) echo "$SHARDED_PID";; single) echo "$SINGLE_PID";; esac; }
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
HZ=$(getconf CLK_TCK)
TARGETS=(sharded single)

# ---------------------------------------------------------------- one pgbench run
printf 'round\tworkload\tmode\tclients\ttarget\ttps\tlat_mean_ms\txacts\tfailed\tproxy_cpu_s\n' > "$RAW"
run_one() {  # run_one ROUND WORKLOAD MODE TARGET
  local round=$1 workload=$2 mode=$3 target=$4
  local tag txt tps lat xacts failed c0 c1 cpu rc
  tag="r${round}_${workload}_${mode}_${target}"
  txt="$OUT/pgbench_$tag.log"
  c0=$(cpu_ticks "$(pid_of "$target")")
  set +e
  # shellcheck disable=SC2046
  pgbench -n $TRACE_ARGS $(script_args "$workload") -M "$mode" -c "$CLIENTS" -j "$THREADS" -T "$DURATION" \
    -h 127.0.0.1 -p "$(port_of "$target")" -U bench bench >"$txt" 2>&1
  rc=$?
  set -e
  c1=$(cpu_ticks "$(pid_of "$target")")
  cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b-a)/hz }')
  tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$txt" | head -n 1)
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$txt" | head -n 1)
  xacts=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$txt" | head -n 1)
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$txt" | head -n 1)
  if [ $rc -ne 0 ] || [ -z "$tps" ]; then
    log "  FAILED ($target $workload -M $mode, exit $rc): $(grep -iE 'error|fatal|abort' "$txt" | head -n 3 | tr '\n' ' ')"
    tps=${tps:-NA}
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$workload" "$mode" "$CLIENTS" "$target" \
    "$tps" "${lat:-NA}" "${xacts:-NA}" "${failed:-0}" "$cpu" >> "$RAW"
  log "  $target: tps $tps, lat ${lat:-NA} ms, proxy cpu ${cpu}s"
}

# ---------------------------------------------------------------- warm-up and interleaved rounds
NCOMBO=0; for _ in $WORKLOADS; do for _ in $MODES; do NCOMBO=$((NCOMBO + 1)); done; done
log "$ROUNDS rounds x $NCOMBO combinations x ${#TARGETS[@]} targets x ${DURATION}s, $CLIENTS clients" \
    "(about $(( (ROUNDS * NCOMBO * 2 * (DURATION + 1) + NCOMBO * 2 * (WARMUP + 1)) / 60 )) min)"
T_START=$(date +%s)
log "warm-up: every workload and mode, ${WARMUP}s each, per target (not recorded)"
for target in "${TARGETS[@]}"; do
  for workload in $WORKLOADS; do
    for mode in $MODES; do
      # shellcheck disable=SC2046
      pgbench -n $(script_args "$workload") -M "$mode" -c "$CLIENTS" -j "$THREADS" -T "$WARMUP" \
        -h 127.0.0.1 -p "$(port_of "$target")" -U bench bench >"$OUT/warmup_${target}_${workload}_$mode.log" 2>&1 \
        || log "  warm-up $workload -M $mode via $target failed: $(grep -iE 'error|fatal|abort' \
             "$OUT/warmup_${target}_${workload}_$mode.log" | head -n 2 | tr '\n' ' ')"
    done
  done
done
for ((round = 1; round <= ROUNDS; round++)); do
  for workload in $WORKLOADS; do
    for mode in $MODES; do
      log "round $round/$ROUNDS: $workload -M $mode -c $CLIENTS -j $THREADS"
      # the order of the two targets alternates per round, so neither always runs first
      if ((round % 2 == 1)); then order=(sharded single); else order=(single sharded); fi
      for target in "${order[@]}"; do run_one "$round" "$workload" "$mode" "$target"; done
    done
  done
done
T_BENCH=$(( $(date +%s) - T_START ))

# After the run: no prepared transaction may be left behind on a shard, and the two-phase-commit
# decision log should hold what pgsteer needs to recover (it is kept with the results).
LEFT=$(( $(shard_psql 0 -Atc "SELECT count(*) FROM pg_prepared_xacts") + $(shard_psql 1 -Atc "SELECT count(*) FROM pg_prepared_xacts") ))
log "prepared transactions left on the shards after the run: $LEFT"
cp "$WORK/pgsteer-decisions.log" "$OUT/" 2>/dev/null || true
if [ "$TRACE" = 1 ]; then
  cp "$WORK/pg0.log" "$WORK/pg1.log" "$OUT/"
  python3 "$HERE/trace_2pc.py" "$OUT" | tee "$OUT/trace.md"
fi

# ---------------------------------------------------------------- summary
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC') (pgbench part started $(date -u -d "@$T_START" '+%H:%M UTC'), took ${T_BENCH}s)"
  echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), $(free -g | awk '/^Mem/ {print $2}') GB memory, load average at start $LOAD0, at end $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "pgsteer: commit $PGSTEER_COMMIT"
  echo "JDK: $("$JAVA" -version 2>&1 | head -n 1); PostgreSQL $PG_VERSION; pgbench $(pgbench --version | sed "s/^pgbench (PostgreSQL) //")"
  echo "command: SCALE=$SCALE DURATION=$DURATION WARMUP=$WARMUP ROUNDS=$ROUNDS CLIENTS=$CLIENTS MODES=\"$MODES\" WORKLOADS=\"$WORKLOADS\" POOL_SIZE=$POOL_SIZE PAIRS=$PAIRS SYNCHRONOUS_COMMIT=$SYNCHRONOUS_COMMIT QUICK=$QUICK bench/shard-bench.sh"
  echo "shards: two PostgreSQL servers (bench_s0: $ACC0 accounts on server 0, bench_s1: $ACC1 on server 1), max_prepared_transactions=100, synchronous_commit=$SYNCHRONOUS_COMMIT; baseline: database bench on server 0"
  echo "routing check: $FOUND/${#SAMPLE[@]} sampled aids found, aid <= 1000 over both shards $TOTAL rows; prepared transactions left: $LEFT"
  echo
  python3 "$HERE/shard_summary.py" "$RAW"
} | tee "$OUT/summary.md"
log "results in $OUT"
