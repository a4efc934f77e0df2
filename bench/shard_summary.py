#!/usr/bin/env python3
"""Turns shard-bench.sh's raw.tsv into two Markdown tables: sharded vs single, and the cost of
two-phase commit (tx-2shard vs tx-1shard).

usage: shard_summary.py RAW_TSV
"""
import csv, statistics, sys
from collections import defaultdict

raw = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))

def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None

runs = defaultdict(list)   # (workload, mode, target) -> rows
combos = []
for r in raw:
    key = (r["workload"], r["mode"])
    if key not in combos:
        combos.append(key)
    runs[key + (r["target"],)].append(r)
worder = {"select-only": 0, "write-1": 1, "tx-1shard": 2, "tx-2shard": 3}
morder = {"simple": 0, "extended": 1, "prepared": 2}
combos.sort(key=lambda k: (worder.get(k[0], 9), morder.get(k[1], 9)))

def vals(key, field):
    return [v for v in (num(r[field]) for r in runs.get(key, [])) if v is not None]

def med(key, field):
    v = vals(key, field)
    return statistics.median(v) if v else None

def spread(key):
    v = vals(key, "tps")
    return "%.0f–%.0f" % (min(v), max(v)) if v else "n/a"

def cpu10k(key):
    rows = [r for r in runs.get(key, []) if num(r["proxy_cpu_s"]) is not None and num(r["xacts"])]
    x = sum(num(r["xacts"]) for r in rows)
    return sum(num(r["proxy_cpu_s"]) for r in rows) / x * 10000 if x else None

def failures(key):
    return sum(1 for r in runs.get(key, []) if num(r["tps"]) is None or (num(r["failed"]) or 0) > 0)

def f(v, fmt):
    return fmt % v if v is not None else "n/a"

def ratio(a, b):
    return a / b if a is not None and b else None

print("| workload | -M | TPS sharded (min–max) | TPS single (min–max) | sharded/single | mean lat ms sharded / single | proxy CPU s/10k tx sharded / single |")
print("|---|---|---|---|---|---|---|")
fails = []
for w, m in combos:
    s, o = (w, m, "sharded"), (w, m, "single")
    for k in (s, o):
        if failures(k):
            fails.append("%s -M %s via %s: %d run(s) failed or had failed transactions" % (w, m, k[2], failures(k)))
    print("| %s | %s | %s (%s) | %s (%s) | %s | %s / %s | %s / %s |" % (
        w, m, f(med(s, "tps"), "%.0f"), spread(s), f(med(o, "tps"), "%.0f"), spread(o),
        f(ratio(med(s, "tps"), med(o, "tps")), "%.2f"),
        f(med(s, "lat_mean_ms"), "%.3f"), f(med(o, "lat_mean_ms"), "%.3f"),
        f(cpu10k(s), "%.2f"), f(cpu10k(o), "%.2f")))
print()
print("TPS: median over rounds, (min–max) across rounds. Latency: median of pgbench's 'latency average'. "
      "CPU: the proxy process's utime+stime from /proc, summed over rounds, per 10,000 transactions. "
      "sharded = pgsteer with the shard map over two shards; single = pgsteer in quick mode in front of one unsharded database.")
print()
modes = [m for m in ("simple", "extended", "prepared") if any(c[1] == m for c in combos)]
if any(c[0] == "tx-2shard" for c in combos) and any(c[0] == "tx-1shard" for c in combos):
    print("Two-phase commit: a transaction of two UPDATEs on two shards vs on one shard")
    print()
    print("| -M | sharded: TPS 2-shard / 1-shard | ratio | mean lat ms 2-shard / 1-shard | added ms | single (same scripts, one database): TPS 2 / 1 |")
    print("|---|---|---|---|---|---|")
    for m in modes:
        t2, t1 = med(("tx-2shard", m, "sharded"), "tps"), med(("tx-1shard", m, "sharded"), "tps")
        l2, l1 = med(("tx-2shard", m, "sharded"), "lat_mean_ms"), med(("tx-1shard", m, "sharded"), "lat_mean_ms")
        u2, u1 = med(("tx-2shard", m, "single"), "tps"), med(("tx-1shard", m, "single"), "tps")
        print("| %s | %s / %s | %s | %s / %s | %s | %s / %s |" % (
            m, f(t2, "%.0f"), f(t1, "%.0f"), f(ratio(t2, t1), "%.2f"), f(l2, "%.3f"), f(l1, "%.3f"),
            f(l2 - l1 if l2 is not None and l1 is not None else None, "%+.3f"), f(u2, "%.0f"), f(u1, "%.0f")))
    print()
if fails:
    print("Failures:")
    for x in fails:
        print("- " + x)
else:
    print("No run failed and no transaction failed.")
