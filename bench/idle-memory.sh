#!/usr/bin/env bash
# pgsteer's resident memory with N idle clients, A/B in one sitting: each variant (a jar and its JVM
# options) is started in turn, with auth: trust, in front of one scratch PostgreSQL 15; idle_clients.py
# opens the clients and holds them; VmRSS is read from /proc after SETTLE seconds. The variants
# alternate in every round (the order flips each round), as in bench/ab.sh.
#
#   bench/idle-memory.sh 'now||'                                   # this tree's jar and JVM options
#   bench/idle-memory.sh 'before|/tmp/old/proxy-core/target/pgsteer.jar|' 'now||'
#   bench/idle-memory.sh 'g1||' 'serial||-XX:+UseSerialGC'
#
# A variant is LABEL|JAR|JVM OPTIONS: JAR empty means this tree's (built if the sources are newer);
# the options come after this tree's JVM options (jvm.options, and jvm-25.options on JDK 25+, as
# ./pgsteer starts it) and PGSTEER_JAVA_OPTS, so they win.
#   LEVELS     idle client counts (default "10000")
#   ROUNDS     alternations (default 3)
#   SETTLE     seconds between the last client's ReadyForQuery and the reading (default 3, as compare.sh)
#   HISTO=1    also write the heap histogram (jcmd GC.class_histogram) of each variant's first round
#   PMAP=1     also write pmap -x (and the thread count) of each variant's first round
#   NMT=1      also start each variant with -XX:NativeMemoryTracking=summary and write its summary
#   LOAD       pgbench options: with them, each variant also runs pgbench through pgsteer (after the
#              idle clients are open and measured, while they stay), then a forced full collection
#              (jcmd GC.run), with -Xlog:gc; prints the pauses (count, median, p99, max, and the full
#              one) per variant, e.g. LOAD="-S -M prepared -c 64 -j 2 -T 120"
#   PORT       first port used (default 25630: PostgreSQL, +1 pgsteer)
# Results: bench/results/idle-memory-<timestamp>/ (run.log, rss.tsv, histograms).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
[ $# -ge 1 ] || { sed -n '2,19p' "$0" >&2; exit 2; }
LEVELS=${LEVELS:-10000}
ROUNDS=${ROUNDS:-3}
SETTLE=${SETTLE:-3}
PORT=${PORT:-25630}
PG_PORT=$PORT; PROXY_PORT=$((PORT + 1))

bench_init idle-memory
bench_jar
THIS_JAR=$JAR
log "load average at start: $LOAD0; JDK: $("$JAVA" -version 2>&1 | head -n 1); tree $PGSTEER_COMMIT; options ${JOPTS[*]}"
start_pg 0 "$PG_PORT"
if [ -n "${LOAD:-}" ]; then
  PGPASSWORD=bench pgbench -h 127.0.0.1 -p "$PG_PORT" -U bench -i -s 1 -q postgres >"$OUT/pgbench-init.log" 2>&1
fi

MAXIDLE=0; for l in $LEVELS; do [ "$l" -gt "$MAXIDLE" ] && MAXIDLE=$l; done
ulimit -n "$(ulimit -Hn)" || true
cat > "$WORK/pgsteer.yaml" <<EOF
listen: 127.0.0.1:$PROXY_PORT
http: off
auth: trust
max_client_connections: $((MAXIDLE + 100))
backends:
  main: { url: "postgresql://bench:bench@127.0.0.1:$PG_PORT/postgres" }
databases:
  bench: { shards: [main], pool: { mode: transaction, size: 20 } }
EOF

TICKS=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # user + system, all threads
rss() { awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
TSV="$OUT/rss.tsv"
pauses() {  # pauses GCLOG: the stop-the-world pauses of a -Xlog:gc log
  python3 - "$1" <<'PY'
import re, statistics, sys
young, full = [], []
for line in open(sys.argv[1]):
    m = re.search(r'Pause (Young|Full|Remark|Cleanup).* ([0-9.]+)ms$', line.strip())
    if m:
        (full if 'Diagnostic Command' in line or 'System.gc' in line else young).append(float(m.group(2)))
young.sort()
if young:
    p99 = young[min(len(young) - 1, int(len(young) * 0.99))]
    print(f"{len(young)} pauses, median {statistics.median(young):.2f} ms, p99 {p99:.2f}, max {young[-1]:.2f}; forced full {', '.join(f'{x:.1f}' for x in full)} ms")
else:
    print(f"no pause; forced full {', '.join(f'{x:.1f}' for x in full)} ms")
PY
}
printf 'round\tvariant\tclients\trss_mb\tload1\n' > "$TSV"

measure() {  # measure ROUND LABEL JAR OPTS
  local round=$1 label=$2 jar=${3:-$THIS_JAR} opts=$4 pid level word n secs extra=() ticks0 idle_cpu
  read -r -a extra <<< "$opts"
  [ "${NMT:-0}" = 1 ] && extra+=(-XX:NativeMemoryTracking=summary)
  [ -n "${LOAD:-}" ] && extra+=("-Xlog:gc:file=$OUT/gc-$label-$round.log")
  "$JAVA" "${JOPTS[@]}" "${extra[@]}" -jar "$jar" --config "$WORK/pgsteer.yaml" \
    >"$OUT/pgsteer-$label-$round.log" 2>&1 &
  pid=$!; PIDS+=("$pid")
  wait_port "$PROXY_PORT" 60 || { log "$label did not listen"; exit 1; }
  printf '%s\t%s\t0\t%s\t%s\n' "$round" "$label" "$(rss "$pid")" "$(cut -d' ' -f1 /proc/loadavg)" >> "$TSV"
  coproc IDLE { exec python3 "$HERE/idle_clients.py" 127.0.0.1 "$PROXY_PORT" bench bench $LEVELS 2>"$OUT/idle_clients.err"; }
  for level in $LEVELS; do
    if read -r -t 600 word n secs <&"${IDLE[0]}" && [ "$word" = READY ]; then
      ticks0=$(cpu_ticks "$pid")
      sleep "$SETTLE"
      idle_cpu=$(( ($(cpu_ticks "$pid") - ticks0) * 1000 / TICKS ))
      printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$label" "$n" "$(rss "$pid")" "$(cut -d' ' -f1 /proc/loadavg)" >> "$TSV"
      log "round $round $label: $(rss "$pid") MB with $n idle clients (opened in ${secs}s, load $(cut -d' ' -f1 /proc/loadavg)); CPU while they idled: $idle_cpu ms in ${SETTLE}s"
      if [ "$round" = 1 ] && [ "$level" = "$MAXIDLE" ]; then
        [ "${HISTO:-0}" = 1 ] && "$JAVA_HOME/bin/jcmd" "$pid" GC.class_histogram > "$OUT/histo-$label.txt" 2>&1
        [ "${NMT:-0}" = 1 ] && "$JAVA_HOME/bin/jcmd" "$pid" VM.native_memory summary > "$OUT/nmt-$label.txt" 2>&1
        [ "${PMAP:-0}" = 1 ] && { pmap -x "$pid"; ls "/proc/$pid/task" | wc -l; } > "$OUT/pmap-$label.txt" 2>&1
      fi
      echo go >&"${IDLE[1]}"
    else
      log "idle clients failed at level $level: $(tail -n 3 "$OUT/idle_clients.err" | tr '\n' ' ')"
      exit 1
    fi
  done
  if [ -n "${LOAD:-}" ]; then
    local load=()
    read -r -a load <<< "$LOAD"
    pgbench -h 127.0.0.1 -p "$PROXY_PORT" -U bench -n "${load[@]}" bench >"$OUT/pgbench-$label-$round.log" 2>&1 \
      || { log "pgbench failed: $(tail -n 3 "$OUT/pgbench-$label-$round.log" | tr '\n' ' ')"; exit 1; }
    "$JAVA_HOME/bin/jcmd" "$pid" GC.run >/dev/null
    sleep 1
    printf '%s\t%s\tafter-load\t%s\t%s\n' "$round" "$label" "$(rss "$pid")" "$(cut -d' ' -f1 /proc/loadavg)" >> "$TSV"
    log "round $round $label: $(awk '/^tps/ {print $3; exit}' "$OUT/pgbench-$label-$round.log") tps; $(pauses "$OUT/gc-$label-$round.log"); $(rss "$pid") MB after"
  fi
  eval "exec ${IDLE[1]}>&-"
  wait "$IDLE_PID" 2>/dev/null || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

for ((round = 1; round <= ROUNDS; round++)); do
  order=("$@"); [ $((round % 2)) = 0 ] && mapfile -t order < <(printf '%s\n' "$@" | tac)
  for v in "${order[@]}"; do
    IFS='|' read -r label jar opts <<< "$v"
    measure "$round" "$label" "$jar" "$opts"
  done
done

log "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
# median (min-max) per variant and level
python3 - "$TSV" <<'EOF' | tee -a "$OUT/run.log"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
seen = {}
for r in rows:
    seen.setdefault((r['variant'], r['clients']), []).append(float(r['rss_mb']))
print('| variant | idle clients | RSS MB median (min-max) | runs |')
print('|---|---|---|---|')
for (v, c), xs in seen.items():
    print(f'| {v} | {c} | {statistics.median(xs):.1f} ({min(xs):.1f}-{max(xs):.1f}) | {len(xs)} |')
EOF
