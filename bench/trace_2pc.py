#!/usr/bin/env python3
"""Where a two-shard transaction's milliseconds go, from a TRACE=1 run of bench/shard-bench.sh.

    python3 bench/trace_2pc.py bench/results/shard-<timestamp>

Reads the two servers' logs (pg0.log, pg1.log: log_min_duration_statement=0, millisecond
timestamps) and the pgbench -r logs of that run. A statement's log line is written when it ends, and
carries its duration, so each one's start and end are known on the one clock both servers share
(they run on one machine). For each transaction that pgsteer committed in two phases (its gid,
pgsteer_<node>_<sequence>@<shard>, names the same transaction on both shards):

  prepare      from the first PREPARE TRANSACTION's start to the last one's end (both shards at once)
  decision     from the last PREPARE's end to the first COMMIT PREPARED's start: pgsteer's part,
               the decision log's write and fsync and the hops between
  commit       from the first COMMIT PREPARED's start to the last one's end
Each as median and 90th percentile over the run's transactions, beside the client's mean latency of
COMMIT and of the whole transaction (pgbench -r) for the one-shard and two-shard scripts.
"""
import glob
import os
import re
import statistics
import sys
from datetime import datetime

LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) \S+ \[\d+\] \S* ?LOG:  duration: ([0-9.]+) ms  "
                  r"(?:statement|execute [^:]*): (.*)$")
GID = re.compile(r"'(pgsteer_[^'@]+)@([^']+)'")


def read_server(path, spans):
    with open(path, errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            sql = m.group(3)
            kind = ("prepare" if sql.startswith("PREPARE TRANSACTION")
                    else "commit" if sql.startswith("COMMIT PREPARED") else None)
            g = GID.search(sql)
            if kind is None or g is None:
                continue
            end = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp() * 1000
            start = end - float(m.group(2))
            spans.setdefault(g.group(1), {}).setdefault(kind, []).append((start, end))


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def client_latencies(out):
    """Mean latency in ms of COMMIT and of the whole transaction per (workload, mode, target), pgbench -r."""
    rows = {}
    for path in sorted(glob.glob(os.path.join(out, "pgbench_r*_tx-*.log"))):
        tag = os.path.basename(path)[len("pgbench_"):-len(".log")]
        _, workload, mode, target = tag.split("_", 3)
        commit = None
        avg = None
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith("latency average"):
                    avg = float(line.split("=")[1].split()[0])
                parts = line.split()
                if len(parts) >= 2 and parts[-1].upper().rstrip(";") in ("COMMIT", "END") and re.match(r"^[0-9.]+$", parts[0]):
                    commit = float(parts[0])
        rows[(workload, mode, target)] = (avg, commit)
    return rows


def main():
    out = sys.argv[1]
    spans = {}
    for name in ("pg0.log", "pg1.log"):
        read_server(os.path.join(out, name), spans)
    prepare, decision, commit, total = [], [], [], []
    for kinds in spans.values():
        p, c = kinds.get("prepare", []), kinds.get("commit", [])
        if len(p) != 2 or len(c) != 2:
            continue
        p_start, p_end = min(s for s, _ in p), max(e for _, e in p)
        c_start, c_end = min(s for s, _ in c), max(e for _, e in c)
        prepare.append(p_end - p_start)
        decision.append(c_start - p_end)
        commit.append(c_end - c_start)
        total.append(c_end - p_start)
    print(f"two-phase commits traced: {len(total)}")
    if total:
        print()
        print("| step | median ms | p90 ms |")
        print("|---|---|---|")
        for name, values in (("PREPARE TRANSACTION on both shards", prepare),
                             ("decision (pgsteer: decision log write + fsync, hops)", decision),
                             ("COMMIT PREPARED on both shards", commit),
                             ("first PREPARE's start to last COMMIT PREPARED's end", total)):
            print(f"| {name} | {statistics.median(values):.3f} | {pct(values, 0.9):.3f} |")
    rows = client_latencies(out)
    if rows:
        print()
        print("| workload | -M | target | mean latency ms (whole transaction) | COMMIT ms (pgbench -r) |")
        print("|---|---|---|---|---|")
        for (workload, mode, target), (avg, c) in sorted(rows.items()):
            print(f"| {workload} | {mode} | {target} | {avg if avg is not None else 'NA'} | {c if c is not None else 'NA'} |")


if __name__ == "__main__":
    main()
