#!/usr/bin/env bash
# Moving a bucket online (issue 24): how fast a move copies, against COPY between the same two
# servers, and how long writes wait at the cutover under load, in one run.
#
#   bench/move-bench.sh                  # default: 1,000,000 rows in 8 buckets, 60 s of load, ~4 min
#   QUICK=1 bench/move-bench.sh          # smoke: 200,000 rows, 25 s of load, ~1.5 min
#   ROWS=5000000 LOAD_SECONDS=120 bench/move-bench.sh
#
# Three scratch PostgreSQL 15 servers with wal_level = logical: server 0 holds shard s0 and the
# metadata store, server 1 shard s1, server 2 shard s2, which starts with no bucket. Table items
# (id bigint primary key, account int, payload text) is hashed on id into 8 buckets, the even ones on
# s0 and the odd ones on s1, loaded through pgsteer with COPY.
#   1. COPY: bucket 0's rows from s0 into a scratch copy of items on s2 (COPY TO STDOUT | COPY FROM
#      STDIN, psql to psql): the anchor.
#   2. MOVE BUCKET 0 OF items TO s2 with nothing else running: rows per second of its copy phase
#      (rows / time from copying to catching_up) and of the whole move until the flip.
#   3. MOVE BUCKET 1 OF items TO s2 under pgbench load through pgsteer (CLIENTS clients; of 9
#      transactions 4 write one of 400 items of the other buckets, 4 read one, 1 writes one of 200 items of bucket 1, the one
#      that moves; --max-tries retries 40001): each transaction's latency from pgbench's log, by kind,
#      just before the move and while it runs, those that started in its hold, and the hold pgsteer
#      reports (SHOW MOVE hold_ms).
#
# Environment: ROWS (default 1000000; QUICK=1: 200000), LOAD_SECONDS (60; QUICK=1: 25), CLIENTS (8),
# MOVE_AFTER (seconds of load before the move; 10; QUICK=1: 8), BASE_PORT (25500: servers at +0,
# +1, +2, pgsteer at +3), PGSTEER_JAVA_OPTS. Needs root (or sudo) to run PostgreSQL as the postgres OS
# user, as bench/compare.sh. Results: bench/results/move-<timestamp>/ (summary.md, pgbench logs).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  ROWS=${ROWS:-200000}; LOAD_SECONDS=${LOAD_SECONDS:-25}; MOVE_AFTER=${MOVE_AFTER:-8}
fi
ROWS=${ROWS:-1000000}
LOAD_SECONDS=${LOAD_SECONDS:-60}
MOVE_AFTER=${MOVE_AFTER:-10}
CLIENTS=${CLIENTS:-8}
BASE_PORT=${BASE_PORT:-25500}
PROXY_PORT=$((BASE_PORT + 3))
THREADS=$(( CLIENTS < 2 ? CLIENTS : 2 ))

bench_init move
bench_jar
export PGPASSWORD=bench
PG_EXTRA_CONF="wal_level = logical
max_replication_slots = 10
max_wal_senders = 10
max_logical_replication_workers = 8
synchronous_commit = off"
for n in 0 1 2; do start_pg "$n" $((BASE_PORT + n)); done
on() {  # on N ARGS...: psql as bench to server N's database (default bench)
  local n=$1; shift
  psql -h 127.0.0.1 -p $((BASE_PORT + n)) -U bench -v ON_ERROR_STOP=1 -X "$@"
}
ITEMS="CREATE TABLE items (id bigint PRIMARY KEY, account int NOT NULL, payload text NOT NULL)"
on 0 -d postgres -qc "CREATE DATABASE meta"
for n in 0 1 2; do
  on "$n" -d postgres -qc "CREATE DATABASE bench"
  on "$n" -d bench -qc "$ITEMS" -c "CREATE TABLE items_hash (id bigint) PARTITION BY HASH (id)"
done
on 2 -d bench -qc "CREATE TABLE items_copy (id bigint PRIMARY KEY, account int NOT NULL, payload text NOT NULL)"

cat > "$WORK/pgsteer.yaml" <<EOF
listen: 127.0.0.1:$PROXY_PORT
http: off
users:
  bench: { password: bench, admin: true }
metadata_store: { url: "postgresql://bench:bench@127.0.0.1:$BASE_PORT/meta" }
backends:
  s0: { url: "postgresql://bench:bench@127.0.0.1:$BASE_PORT/bench" }
  s1: { url: "postgresql://bench:bench@127.0.0.1:$((BASE_PORT + 1))/bench" }
  s2: { url: "postgresql://bench:bench@127.0.0.1:$((BASE_PORT + 2))/bench" }
databases:
  bench:
    shards: [s0, s1, s2]
    pool: { mode: transaction, size: 20 }
    tables:
      items: { key: id, function: hash, buckets: 8, placement: { s0: [0, 2, 4, 6], s1: [1, 3, 5, 7] } }
EOF
cp "$WORK/pgsteer.yaml" "$OUT/"
log "starting pgsteer on port $PROXY_PORT"
(cd "$WORK" && exec "$JAVA" "${JOPTS[@]}" -jar "$JAR" --config "$WORK/pgsteer.yaml") >"$OUT/pgsteer.log" 2>&1 &
PIDS+=("$!")
wait_port "$PROXY_PORT" 90 || { log "pgsteer did not start (see $OUT/pgsteer.log)"; exit 1; }
proxy() { psql -h 127.0.0.1 -p "$PROXY_PORT" -U bench -v ON_ERROR_STOP=1 -X "$@"; }
console() { proxy -d pgsteer -Atc "$1"; }

log "loading $ROWS rows through pgsteer (COPY)"
on 0 -d bench -Atc "COPY (SELECT i, i % 1000, md5(i::text) FROM generate_series(1, $ROWS) i) TO STDOUT" \
  | proxy -d bench -qc "COPY items FROM STDIN"
for n in 0 1; do on "$n" -d bench -qc "VACUUM ANALYZE items"; done
bucket_rows() {  # bucket_rows SERVER BUCKET
  on "$1" -d bench -Atc "SELECT count(*) FROM items WHERE satisfies_hash_partition('items_hash'::regclass, 8, $2, id)"
}
bucket_bytes() {
  on "$1" -d bench -Atc "SELECT sum(pg_column_size(items.*)) FROM items WHERE satisfies_hash_partition('items_hash'::regclass, 8, $2, id)"
}
B0=$(bucket_rows 0 0); B0_BYTES=$(bucket_bytes 0 0)
log "bucket 0: $B0 rows, $((B0_BYTES / 1048576)) MB of row data"

# ---------------------------------------------------------------- 1. COPY between the two servers
t0=$(date +%s%N)
on 0 -d bench -Atc "COPY (SELECT * FROM items WHERE satisfies_hash_partition('items_hash'::regclass, 8, 0, id)) TO STDOUT" \
  | on 2 -d bench -qc "COPY items_copy FROM STDIN"
t1=$(date +%s%N)
COPY_MS=$(( (t1 - t0) / 1000000 ))
log "COPY of bucket 0 from s0 to s2: $COPY_MS ms"
on 2 -d bench -qc "DROP TABLE items_copy"

# ---------------------------------------------------------------- moves
# watch_move ID FILE: SHOW MOVE every 0.2 s until the move ends; one line per poll: epoch ms, then the row
watch_move() {
  local id=$1 file=$2 row phase
  : > "$file"
  while true; do
    row=$(console "SHOW MOVE $id" | tr '|' '\t')
    printf '%s\t%s\n' "$(date +%s%3N)" "$row" >> "$file"
    phase=$(printf '%s' "$row" | cut -f7)
    case $phase in done|failed|cancelled) echo "$phase"; return ;; esac
    sleep 0.2
  done
}
start_move() {  # start_move BUCKET: the move's id
  console "MOVE BUCKET $1 OF items TO s2" | cut -d'|' -f1
}

log "MOVE BUCKET 0 OF items TO s2, nothing else running"
M0=$(start_move 0)
P0=$(watch_move "$M0" "$OUT/move0.tsv")
log "move $M0 ended: $P0"
[ "$P0" = done ] || { log "the quiet move did not complete: $(tail -n 1 "$OUT/move0.tsv")"; exit 1; }

log "pgbench: $CLIENTS clients for $LOAD_SECONDS s (writes and reads of random items); MOVE BUCKET 1 after $MOVE_AFTER s"
cat > "$WORK/read.sql" <<EOF
\set id random(1, $ROWS)
SELECT payload FROM items WHERE id = :id;
EOF
# Writes of the bucket that moves, apart (script 2), so that its hold shows in their latencies: ids
# of bucket 1 drawn from its shard, chosen by a CASE as bench/shard-bench.sh chooses its pairs.
mapfile -t MOVING < <(on 1 -d bench -Atc "SELECT id FROM items WHERE satisfies_hash_partition('items_hash'::regclass, 8, 1, id) ORDER BY random() LIMIT 200")
{
  echo "\\set i random(1, ${#MOVING[@]})"
  expr="\\set id case"; k=1
  for v in "${MOVING[@]}"; do expr+=" when :i = $k then $v"; k=$((k + 1)); done
  echo "$expr else 1 end"
  echo "UPDATE items SET payload = md5(random()::text) WHERE id = :id;"
} > "$WORK/write-moving.sql"
# Writes of the other buckets (script 0) drawn from those buckets only, so that a wait among them is one
# the move caused to a bucket it does not move (random ids hit bucket 1 once in 8).
mapfile -t OTHERS < <(for n in 0 1; do on "$n" -d bench -Atc "SELECT id FROM items WHERE NOT satisfies_hash_partition('items_hash'::regclass, 8, 1, id) ORDER BY random() LIMIT 200"; done)
{
  echo "\\set i random(1, ${#OTHERS[@]})"
  expr="\\set id case"; k=1
  for v in "${OTHERS[@]}"; do expr+=" when :i = $k then $v"; k=$((k + 1)); done
  echo "$expr else 1 end"
  echo "UPDATE items SET payload = md5(random()::text) WHERE id = :id;"
} > "$WORK/write.sql"
cp "$WORK"/*.sql "$OUT/"
B1=$(bucket_rows 1 1)
(cd "$OUT" && exec pgbench -n -h 127.0.0.1 -p "$PROXY_PORT" -U bench -c "$CLIENTS" -j "$THREADS" -T "$LOAD_SECONDS" \
  -M prepared --max-tries=10 -l --log-prefix=load -f "$WORK/write.sql@4" -f "$WORK/read.sql@4" \
  -f "$WORK/write-moving.sql@1" bench) >"$OUT/pgbench.out" 2>&1 &
BENCH_PID=$!
sleep "$MOVE_AFTER"
M1=$(start_move 1)
P1=$(watch_move "$M1" "$OUT/move1.tsv")
log "move $M1 ended: $P1"
wait "$BENCH_PID" || log "pgbench ended with status $? (see $OUT/pgbench.out)"
[ "$P1" = done ] || { log "the move under load did not complete: $(tail -n 1 "$OUT/move1.tsv")"; exit 1; }

# ---------------------------------------------------------------- checks and summary
for b in 0 1; do
  left=$(bucket_rows $((b % 2)) "$b")
  moved=$(bucket_rows 2 "$b")
  log "bucket $b: $moved rows on s2, $left left on its source"
  [ "$left" = 0 ] || log "WARNING: bucket $b still has $left rows on its source (cleanup may still run)"
done
TOTAL=$(proxy -d bench -Atc "SELECT count(*) FROM items")
log "items through pgsteer: $TOTAL (loaded $ROWS)"
[ "$TOTAL" = "$ROWS" ] || { log "rows lost or duplicated"; exit 1; }

python3 - "$OUT" "$COPY_MS" "$B0" "$B0_BYTES" "$B1" "$PGSTEER_COMMIT" "$LOAD0" "$ROWS" "$CLIENTS" <<'EOF'
import glob, os, statistics, sys
out, copy_ms, b0, b0_bytes, b1, commit, load0, rows, clients = sys.argv[1:]
copy_ms, b0, b0_bytes, b1 = int(copy_ms), int(b0), int(b0_bytes), int(b1)

def phases(path):
    """epoch ms at which each phase was first seen, and the last row."""
    first, last = {}, None
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        first.setdefault(f[7], int(f[0]))
        last = f
    return first, last

def span(first, a, b):
    return (first[b] - first[a]) if a in first and b in first else None

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")

m0, last0 = phases(os.path.join(out, "move0.tsv"))
m1, last1 = phases(os.path.join(out, "move1.tsv"))
copy_phase = span(m0, "copying", "catching_up")
to_flip = span(m0, "copying", "flipped") or span(m0, "copying", "cleaning") or span(m0, "copying", "done")
mb = b0_bytes / 1048576
lines = []
lines.append(f"pgsteer {commit}; load average at start {load0}; {rows} rows in 8 buckets; {clients} clients\n")
lines.append("| what | rows | ms | rows/s | MB/s |\n|---|---:|---:|---:|---:|")
lines.append(f"| COPY s0 → s2 (psql to psql) | {b0} | {copy_ms} | {b0 * 1000 / copy_ms:,.0f} | {mb * 1000 / copy_ms:.1f} |")
if copy_phase:
    lines.append(f"| MOVE BUCKET 0, copy phase | {b0} | {copy_phase} | {b0 * 1000 / copy_phase:,.0f} | {mb * 1000 / copy_phase:.1f} |")
if to_flip:
    lines.append(f"| MOVE BUCKET 0, start to flip | {b0} | {to_flip} | {b0 * 1000 / to_flip:,.0f} | {mb * 1000 / to_flip:.1f} |")
if copy_phase:
    lines.append(f"\nmove copy rate / COPY rate: **{copy_ms / copy_phase:.2f}** (copy phase), "
                 f"{copy_ms / to_flip:.2f} (start to flip)" if to_flip else "")

# pgbench -l: client_id transaction_no time_us script_no time_epoch time_us [schedule_lag] ...
tx = []
for path in glob.glob(os.path.join(out, "load.*")):
    for line in open(path):
        f = line.split()
        if len(f) < 6 or f[2] == "failed" or f[2] == "skipped":
            continue
        end_ms = int(f[4]) * 1000 + int(f[5]) // 1000
        lat = int(f[2]) / 1000
        tx.append((end_ms - lat, lat, int(f[3])))
start1 = min(m1.values())
end1 = max(m1.values())
hold_from = m1.get("holding")
hold_to = m1.get("verifying") or m1.get("flipped") or m1.get("cleaning") or m1.get("done")
def stats(sel):
    return f"{len(sel)} | {pct(sel, 50):.2f} | {pct(sel, 99):.2f} | {max(sel) if sel else float('nan'):.2f}"
lines.append("\n| transactions (ms) | count | p50 | p99 | max |\n|---|---:|---:|---:|---:|")
# "before": as long a stretch just before the move as half the load before it (the first half warms up)
first = min(s for s, _, _ in tx) if tx else start1
before_from = start1 - (start1 - first) / 2
for kind, name in ((0, "writes, other buckets"), (2, "writes of the moving bucket"), (1, "reads")):
    before = [l for s, l, k in tx if k == kind and before_from <= s < start1]
    during = [l for s, l, k in tx if k == kind and start1 <= s <= end1]
    lines.append(f"| {name} before the move | {stats(before)} |")
    lines.append(f"| {name} while bucket 1 moved | {stats(during)} |")
    if hold_from and hold_to:
        held = [l for s, l, k in tx if k == kind and hold_from - 1000 <= s <= hold_to]
        lines.append(f"| {name} started in the hold (from a second before it) | {stats(held)} |")
before_s = max(1, (start1 - before_from) / 1000)
during_s = max(1, (end1 - start1) / 1000)
tps_before = len([1 for s, _, _ in tx if before_from <= s < start1]) / before_s
tps_during = len([1 for s, _, _ in tx if start1 <= s <= end1]) / during_s
lines.append(f"\nthroughput while bucket 1 moved / before: **{tps_during / tps_before:.2f}** ({tps_during:,.0f} vs {tps_before:,.0f} tps)")
lines.append(f"write hold reported by pgsteer (SHOW MOVE hold_ms) for move 1: {last1[13] if last1 and len(last1) > 13 else 'n/a'} ms; "
             f"bucket 1: {b1} rows")
text = "\n".join(lines) + "\n"
open(os.path.join(out, "summary.md"), "w").write(text)
print(text)
EOF
grep -E 'failed|aborted|number of transactions' "$OUT/pgbench.out" | sed 's/^/  pgbench: /' | tee -a "$OUT/summary.md"
log "summary in $OUT/summary.md"
