#!/usr/bin/env bash
# TPC-H's 22 queries on one PostgreSQL holding all rows ("direct") vs through pgsteer over three
# hash shards ("pgsteer"), issue 22's performance item.
#
#   bench/tpch/run.sh                    # SF 0.2 (about 1.2 million lineitems), 3 runs per query and target
#   SF=0.02 RUNS=1 bench/tpch/run.sh     # smoke test, about 2 minutes
#
# Four scratch PostgreSQL 15 servers: server 0 (BASE_PORT) holds every row in database tpch, servers
# 1 to 3 are the shards s0, s1, s2 (database tpch each; max_prepared_transactions set). Each is loaded
# with bench/tpch/generate.sql, the shards with the hash filter that gives each exactly the rows
# pgsteer places there (bench/tpch/pgsteer-tables.yaml: lineitem and orders by orderkey, customer by
# custkey, part and partsupp by partkey, supplier by suppkey, nation and region on every shard), all
# four at once. pgsteer runs with those tables, s0 as default shard (where the coordinator step
# runs), transaction pooling.
#
# Each query runs RUNS times per target, the targets alternating (direct first in odd runs), with
# psql in the simple query protocol outside a transaction; the time is psql's \timing of the query
# (client round trip). The first run's output of both targets is compared (same rows in the same
# order, or not). A query pgsteer refuses shows its SQLSTATE; one that outlives TIMEOUT seconds is
# cancelled by statement_timeout (on both targets alike), shows as a timeout and is not run again
# on that target.
#
# Environment:
#   SF         scale factor (default 0.2: 1,200,000 lineitems; 0.17 is the least with a million)
#   RUNS       runs per query and target (default 3); the median is reported
#   QUERIES    query numbers (default "1 2 ... 22")
#   TIMEOUT    statement_timeout in seconds for every query run (default 300)
#   POOL_SIZE  pgsteer's pool size per shard (default 10)
#   PGSTEER_JAVA_OPTS  JVM options for pgsteer
#   BASE_PORT  first of the ports used (default 25460: PostgreSQL 0 to 3 on +0 to +3, pgsteer on +4)
#
# Needs root (or sudo) to run PostgreSQL as the postgres OS user (as bench/compare.sh). Results go
# to bench/results/tpch-<timestamp>/ (raw.tsv, summary.md, every query's output and errors).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BENCH=$(cd "$HERE/.." && pwd)
ROOT=$(cd "$BENCH/.." && pwd)

SF=${SF:-0.2}
RUNS=${RUNS:-3}
QUERIES=${QUERIES:-$(seq -s ' ' 1 22)}
TIMEOUT=${TIMEOUT:-300}
POOL_SIZE=${POOL_SIZE:-10}
BASE_PORT=${BASE_PORT:-25460}
STEER_PORT=$((BASE_PORT + 4))
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$BENCH/results/tpch-$STAMP"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/pgsteer-tpch.XXXXXX)
chmod 755 "$WORK"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$WORK"; else sudo chown postgres "$WORK"; fi
RAW="$OUT/raw.tsv"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
log() { echo "[tpch $(date +%H:%M:%S)] $*" | tee -a "$OUT/run.log" >&2; }

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
trap 'echo "[tpch] FAILED at line $LINENO (logs in $OUT)" >&2' ERR

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
# a private copy: a rebuild of the tree during the run must not swap classes under the running proxy
mkdir -p "$WORK/jar" && cp -r "$JAR" "$ROOT/proxy-core/target/lib" "$WORK/jar/"
JAR="$WORK/jar/pgsteer.jar"
PGSTEER_COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- '*/src/main/*' '*pom.xml' 2>/dev/null || PGSTEER_COMMIT="$PGSTEER_COMMIT+local changes"
JAVA="$JAVA_HOME/bin/java"
read -r -a JOPTS <<< "${PGSTEER_JAVA_OPTS:-}"

# ---------------------------------------------------------------- PostgreSQL, four servers
port_of() { echo $((BASE_PORT + $1)); }
start_pg() {  # start_pg N: server N on BASE_PORT + N, data in $WORK/pgdataN
  local port; port=$(port_of "$1")
  log "starting PostgreSQL 15 server $1 on port $port"
  "${AS_PG[@]}" "$PGBIN/initdb" -D "$WORK/pgdata$1" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    >"$OUT/initdb$1.log" 2>&1
  mkdir -p "$WORK/sock$1" && chown postgres "$WORK/sock$1"
  cat >> "$WORK/pgdata$1/postgresql.conf" <<EOF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK/sock$1'
max_connections = 100
max_prepared_transactions = 100
shared_buffers = 256MB
synchronous_commit = off
log_min_messages = warning
EOF
  "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pgdata$1" -l "$WORK/pg$1.log" -w start >/dev/null
  "${AS_PG[@]}" psql -h "$WORK/sock$1" -p "$port" -U postgres -v ON_ERROR_STOP=1 -q -d postgres \
    -c "CREATE ROLE bench LOGIN PASSWORD 'bench'" -c "CREATE DATABASE tpch OWNER bench"
}
for n in 0 1 2 3; do start_pg "$n"; done
export PGPASSWORD=bench
PG_VERSION=$(psql -h 127.0.0.1 -p "$(port_of 0)" -U bench -d tpch -Atc "show server_version")

load() {  # load N [MODULUS REMAINDER]: schema, data and keys into server N's tpch
  local shard=()
  [ $# -eq 3 ] && shard=(-c "SET tpch.modulus = '$2'" -c "SET tpch.remainder = '$3'")
  psql -X -q -h 127.0.0.1 -p "$(port_of "$1")" -U bench -d tpch -v ON_ERROR_STOP=1 \
    -f "$HERE/schema.sql" -c "SET tpch.scale = '$SF'" "${shard[@]}" -f "$HERE/generate.sql" -f "$HERE/indexes.sql" \
    >"$OUT/load$1.log" 2>&1
}
log "generating SF $SF: every row on server 0, one hash shard of three on each of servers 1 to 3, all at once"
T_LOAD=$(date +%s)
load 0 & L0=$!
load 1 3 0 & L1=$!
load 2 3 1 & L2=$!
load 3 3 2 & L3=$!
for p in $L0 $L1 $L2 $L3; do wait "$p" || { log "loading failed: see $OUT/load*.log"; exit 1; }; done
T_LOAD=$(( $(date +%s) - T_LOAD ))
count() { psql -h 127.0.0.1 -p "$(port_of "$1")" -U bench -d tpch -Atc "SELECT count(*) FROM $2"; }
LINEITEMS=$(count 0 lineitem)
SHARDED=$(( $(count 1 lineitem) + $(count 2 lineitem) + $(count 3 lineitem) ))
log "loaded in ${T_LOAD}s: $LINEITEMS lineitems on server 0, $SHARDED over the three shards"
[ "$LINEITEMS" = "$SHARDED" ] || { log "the shards do not hold every lineitem once"; exit 1; }

# ---------------------------------------------------------------- pgsteer
wait_port() {  # wait_port PORT SECONDS
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
{
  cat <<EOF
listen: 127.0.0.1:$STEER_PORT
http: off
users:
  bench: { password: bench }
backends:
  s0: { url: "postgresql://bench:bench@127.0.0.1:$(port_of 1)/tpch" }
  s1: { url: "postgresql://bench:bench@127.0.0.1:$(port_of 2)/tpch" }
  s2: { url: "postgresql://bench:bench@127.0.0.1:$(port_of 3)/tpch" }
databases:
  tpch:
    shards: [s0, s1, s2]
    default_shard: s0
    pool: { mode: transaction, size: $POOL_SIZE }
    coordinator: { max_pulled_rows: 0 }   # no bound: the coordinated queries pull lineitem's 1.2M rows
    tables:
EOF
  sed 's/^/      /' "$HERE/pgsteer-tables.yaml"
} > "$WORK/pgsteer.yaml"
cp "$WORK/pgsteer.yaml" "$OUT/"
log "starting pgsteer on port $STEER_PORT (shards on servers 1 to 3, pool size $POOL_SIZE per shard)"
(cd "$WORK" && exec "$JAVA" "${JOPTS[@]}" -jar "$JAR" --config "$WORK/pgsteer.yaml") >"$OUT/pgsteer.log" 2>&1 &
STEER_PID=$!; PIDS+=("$STEER_PID")
wait_port "$STEER_PORT" 60 || { tail -n 30 "$OUT/pgsteer.log"; echo "pgsteer did not start" >&2; exit 1; }

# ---------------------------------------------------------------- the queries
target_port() { case $1 in direct) port_of 0;; pgsteer) echo "$STEER_PORT";; esac; }
# run_query Q TARGET RUN: one timed run; appends a line to raw.tsv
run_query() {
  local q=$1 target=$2 run=$3 file ms status rc
  file=$(printf '%s/queries/%02d.sql' "$HERE" "$q")
  set +e
  PGOPTIONS="-c statement_timeout=${TIMEOUT}s" psql -X -A -t -h 127.0.0.1 -p "$(target_port "$target")" -U bench -d tpch \
    -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -c '\timing on' -f "$file" \
    >"$WORK/out" 2>"$WORK/err"
  rc=$?
  set -e
  ms=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' "$WORK/out" | tail -n 1)
  grep -v '^Time: ' "$WORK/out" > "$OUT/q${q}_${target}_r${run}.out" || true
  cp "$WORK/err" "$OUT/q${q}_${target}_r${run}.err"
  if [ $rc -eq 0 ]; then
    status=ok
  else
    # psql's verbose error: "ERROR:  0A000: message"
    status=$(sed -n 's/.*ERROR:  \([0-9A-Z]\{5\}\): .*/\1/p' "$WORK/err" | head -n 1)
    status=${status:-error}
    [ "$status" = 57014 ] && status=timeout
    ms=NA
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$q" "$target" "$run" "${ms:-NA}" "$status" >> "$RAW"
  log "  Q$q $target run $run: ${ms:-NA} ms ($status)"
}
# route_of Q: where pgsteer runs the query, from EXPLAIN ROUTE: "merged" (every shard runs it, pgsteer
# merges the rows), "one shard", or, where EXPLAIN ROUTE refuses it (0A000: it does not explain the
# coordinator step yet), "coordinator" and the sharded tables it reads, which the step pulls whole.
route_of() {
  local file kind tables
  file=$(printf '%s/queries/%02d.sql' "$HERE" "$1")
  # the whole answer first: head closing the pipe early would make psql fail on SIGPIPE (pipefail)
  if { printf 'EXPLAIN ROUTE '; grep -v '^--' "$file"; } | psql -X -A -t -h 127.0.0.1 -p "$STEER_PORT" \
        -U bench -d tpch -v ON_ERROR_STOP=1 >"$WORK/route" 2>/dev/null; then
    kind=$(head -n 1 "$WORK/route" | cut -d'|' -f2)
    case $kind in
      combine) echo "merged" ;;
      runs) echo "one shard" ;;
      *) echo "$kind" ;;
    esac
  else
    tables=$(grep -v '^--' "$file" | grep -owE 'lineitem|orders|customer|partsupp|part|supplier' | sort -u | paste -sd, -)
    echo "coordinator (pulls ${tables//,/, })"
  fi
}
printf 'query\ttarget\trun\tms\tstatus\n' > "$RAW"
T_START=$(date +%s)
for q in $QUERIES; do
  printf '%s\troute\t0\tNA\t%s\n' "$q" "$(route_of "$q")" >> "$RAW"
  for ((run = 1; run <= RUNS; run++)); do
    if ((run % 2 == 1)); then order=(direct pgsteer); else order=(pgsteer direct); fi
    for target in "${order[@]}"; do
      # a query that outlived TIMEOUT once is not run again on that target: it would only again
      if grep -q "^$q	$target	[0-9]*	NA	timeout\$" "$RAW"; then
        printf '%s\t%s\t%s\tNA\ttimeout\n' "$q" "$target" "$run" >> "$RAW"
        continue
      fi
      run_query "$q" "$target" "$run"
    done
  done
  if cmp -s "$OUT/q${q}_direct_r1.out" "$OUT/q${q}_pgsteer_r1.out"; then same=same; else same=DIFFERENT; fi
  printf '%s\tcheck\t1\tNA\t%s\n' "$q" "$same" >> "$RAW"
done
T_BENCH=$(( $(date +%s) - T_START ))

# ---------------------------------------------------------------- summary
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC') (queries took ${T_BENCH}s, loading ${T_LOAD}s)"
  echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), $(free -g | awk '/^Mem/ {print $2}') GB memory, load average at start $LOAD0, at end $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "pgsteer: commit $PGSTEER_COMMIT; JDK: $("$JAVA" -version 2>&1 | head -n 1); PostgreSQL $PG_VERSION"
  echo "command: SF=$SF RUNS=$RUNS TIMEOUT=$TIMEOUT POOL_SIZE=$POOL_SIZE QUERIES=\"$QUERIES\" bench/tpch/run.sh"
  echo "data: $LINEITEMS lineitems (SF $SF) on one server vs three shards (one server each) behind pgsteer"
  echo
  python3 - "$RAW" "$TIMEOUT" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
timeout = sys.argv[2]
queries = sorted({int(r['query']) for r in rows})
def cell(q, target):
    runs = [r for r in rows if int(r['query']) == q and r['target'] == target]
    ok = [float(r['ms']) for r in runs if r['status'] == 'ok']
    if len(ok) == len(runs) and ok:
        return statistics.median(ok), None
    bad = next(r['status'] for r in runs if r['status'] != 'ok')
    return None, ('timeout (> %s s)' % timeout) if bad == 'timeout' else 'refused (%s)' % bad if bad == '0A000' else bad
print('| query | route through pgsteer | direct ms | pgsteer ms | ratio | same rows |')
print('|---|---|---:|---:|---:|---|')
total_d = total_p = 0.0
for q in queries:
    d, dbad = cell(q, 'direct')
    p, pbad = cell(q, 'pgsteer')
    check = next((r['status'] for r in rows if int(r['query']) == q and r['target'] == 'check'), '')
    route = next((r['status'] for r in rows if int(r['query']) == q and r['target'] == 'route'), '')
    if d is not None and p is not None:
        total_d += d; total_p += p
        print('| Q%d | %s | %.1f | %.1f | %.2fx | %s |' % (q, route, d, p, p / d, check))
    else:
        print('| Q%d | %s | %s | %s | | %s |' % (q, route, '%.1f' % d if d is not None else dbad,
                                               '%.1f' % p if p is not None else pbad, check if p is not None else ''))
if total_d:
    print('| total (queries both answered) | | %.1f | %.1f | %.2fx | |' % (total_d, total_p, total_p / total_d))
EOF
} | tee "$OUT/summary.md"
log "results in $OUT"
