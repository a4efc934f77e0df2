#!/usr/bin/env python3
"""Turns compare.sh's raw.tsv (and memory.tsv) into one Markdown table and a targets check.

usage: summarize.py RAW_TSV [MEMORY_TSV]
"""
import csv, statistics, sys
from collections import defaultdict

raw = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
mem = {}
if len(sys.argv) > 2:
    for line in open(sys.argv[2]):
        k, v = line.split("\t")
        mem.setdefault(k, []).append(float(v))

def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None

runs = defaultdict(list)          # (script, mode, clients, target) -> rows
combos = []
for r in raw:
    key = (r["script"], r["mode"], int(r["clients"]))
    if key not in combos:
        combos.append(key)
    runs[key + (r["target"],)].append(r)
targets = [t for t in ("direct", "pgbouncer", "pgsteer") if any(k[3] == t for k in runs)]
order = {"select-only": 0, "tpcb-like": 1}
morder = {"simple": 0, "extended": 1, "prepared": 2}
combos.sort(key=lambda k: (order.get(k[0], 9), morder.get(k[1], 9), k[2]))

def med(key, field):
    vals = [num(r[field]) for r in runs.get(key, [])]
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None

def spread(key):
    vals = [num(r["tps"]) for r in runs.get(key, [])]
    vals = [v for v in vals if v is not None]
    if not vals:
        return "n/a"
    return "%.0f–%.0f" % (min(vals), max(vals))

def failures(key):
    return sum(1 for r in runs.get(key, []) if num(r["tps"]) is None or (num(r["failed"]) or 0) > 0)

def cpu10k(key):
    rows = [r for r in runs.get(key, []) if num(r["proxy_cpu_s"]) is not None and num(r["xacts"])]
    x = sum(num(r["xacts"]) for r in rows)
    return sum(num(r["proxy_cpu_s"]) for r in rows) / x * 10000 if x else None

def f(v, fmt):
    return fmt % v if v is not None else "n/a"

def ratio(a, b):
    return a / b if a is not None and b else None

short = {"direct": "D", "pgbouncer": "B", "pgsteer": "S"}
hdr = ["script", "-M", "clients"]
hdr += ["TPS %s (min–max)" % t for t in targets]
hdr += ["S/D"] + (["S/B"] if "pgbouncer" in targets else [])
hdr += ["mean lat ms " + "/".join(short[t] for t in targets), "p99 ms " + "/".join(short[t] for t in targets)]
hdr += ["CPU s/10k tx " + "/".join(short[t] for t in targets if t != "direct")]
print("| " + " | ".join(hdr) + " |")
print("|" + "---|" * len(hdr))
fails = []
for c in combos:
    row = [c[0], c[1], str(c[2])]
    for t in targets:
        row.append("%s (%s)" % (f(med(c + (t,), "tps"), "%.0f"), spread(c + (t,))))
        if failures(c + (t,)):
            fails.append("%s -M %s -c %d via %s: %d run(s) failed or had failed transactions"
                         % (c[0], c[1], c[2], t, failures(c + (t,))))
    d, b, s = (med(c + (t,), "tps") for t in ("direct", "pgbouncer", "pgsteer"))
    row.append(f(ratio(s, d), "%.2f"))
    if "pgbouncer" in targets:
        row.append(f(ratio(s, b), "%.2f"))
    row.append(" / ".join(f(med(c + (t,), "lat_mean_ms"), "%.3f") for t in targets))
    row.append(" / ".join(f(med(c + (t,), "lat_p99_ms"), "%.3f") for t in targets))
    row.append(" / ".join(f(cpu10k(c + (t,)), "%.2f") for t in targets if t != "direct"))
    print("| " + " | ".join(row) + " |")
print()
print("TPS: median over rounds, (min–max) across rounds. S/D, S/B: ratios of the medians. "
      "Latency: median over rounds of pgbench's 'latency average', and of the p99 of a 20% sample "
      "of per-transaction latencies. CPU: proxy process utime+stime from /proc, summed over rounds, "
      "per 10,000 transactions.")
if fails:
    print()
    print("**Failures:**")
    for x in fails:
        print("- " + x)

# ------------------------------------------------------------------ targets
print()
print("### Targets (issue 5)")
print()
print("| figure | target | measured | met? |")
print("|---|---|---|---|")

def line(fig, target, measured, ok):
    print("| %s | %s | %s | %s |" % (fig, target, measured, "n/a" if ok is None else ("yes" if ok else "**no**")))

modes = [m for m in ("simple", "extended", "prepared") if any(c[1] == m for c in combos)]
have_b = "pgbouncer" in targets

def sb(script, mode, clients):
    k = (script, mode, clients)
    return ratio(med(k + ("pgsteer",), "tps"), med(k + ("pgbouncer",), "tps"))

def allok(vals, pred):
    vals = [v for v in vals if v is not None]
    return (all(pred(v) for v in vals)) if vals else None

def fmt_modes(fn, fmt):
    return ", ".join("%s %s" % (m, f(fn(m), fmt)) for m in modes)

if have_b:
    for cl in (8, 64):
        if any(c == ("select-only", m, cl) for m in modes for c in combos):
            vals = [sb("select-only", m, cl) for m in modes]
            line("select-only, %d clients: TPS pgsteer / PgBouncer" % cl, "≥ 1.05",
                 fmt_modes(lambda m: sb("select-only", m, cl), "%.2f"), allok(vals, lambda v: v >= 1.05))
    if any(c[0] == "select-only" and c[2] == 1 for c in combos):
        vals = [sb("select-only", m, 1) for m in modes]
        line("select-only, 1 client: TPS pgsteer / PgBouncer", "≥ 1.0",
             fmt_modes(lambda m: sb("select-only", m, 1), "%.2f"), allok(vals, lambda v: v >= 1.0))
    if any(c[0] == "tpcb-like" and c[2] == 8 for c in combos):
        vals = [sb("tpcb-like", m, 8) for m in modes]
        line("TPC-B-like, 8 clients: TPS pgsteer / PgBouncer", "≥ 1.0",
             fmt_modes(lambda m: sb("tpcb-like", m, 8), "%.2f"), allok(vals, lambda v: v >= 1.0))

    def lossratio(m):
        k = ("select-only", m, 8)
        d, b, s = (med(k + (t,), "tps") for t in ("direct", "pgbouncer", "pgsteer"))
        if None in (d, b, s) or (d - b) / d < 0.02:
            return None     # PgBouncer within 2% of direct: the ratio is noise
        return (d - s) / (d - b)
    if any(c[0] == "select-only" and c[2] == 8 for c in combos):
        vals = [lossratio(m) for m in modes]
        line("select-only, 8 clients: (direct − pgsteer) / (direct − PgBouncer)", "≤ 0.75",
             ", ".join("%s %s" % (m, f(lossratio(m), "%.2f") if lossratio(m) is not None
                                   else "n/a (PgBouncer within 2% of direct)") for m in modes),
             allok(vals, lambda v: v <= 0.75))

    def cpu_all(t):
        rows = [r for r in raw if r["script"] == "select-only" and r["target"] == t
                and num(r["proxy_cpu_s"]) is not None and num(r["xacts"])]
        x = sum(num(r["xacts"]) for r in rows)
        return sum(num(r["proxy_cpu_s"]) for r in rows) / x * 10000 if x else None
    cs, cb = cpu_all("pgsteer"), cpu_all("pgbouncer")
    line("proxy CPU per 10,000 select-only transactions, pgsteer / PgBouncer", "≤ 1.0",
         "%s s / %s s = %s" % (f(cs, "%.2f"), f(cb, "%.2f"), f(ratio(cs, cb), "%.2f")),
         None if ratio(cs, cb) is None else ratio(cs, cb) <= 1.0)

if any(c[0] == "select-only" and c[2] == 1 for c in combos):
    def added(m):
        k = ("select-only", m, 1)
        s, d = med(k + ("pgsteer",), "lat_mean_ms"), med(k + ("direct",), "lat_mean_ms")
        return (s - d) * 1000 if s is not None and d is not None else None
    vals = [added(m) for m in modes]
    line("added mean latency at 1 client vs direct (select-only)", "≤ 25 µs",
         ", ".join("%s %s µs" % (m, f(added(m), "%.0f")) for m in modes), allok(vals, lambda v: v <= 25))
line("router decision for a cached shape (JMH)", "≤ 1 µs",
     "not run by this script: bench/jmh RouterBenchmark.cached* (bench/RESULTS.md)", None)
idle = sorted((int(k[7:]), v) for k, v in mem.items() if k.startswith("rss_mb_"))
if idle:
    top = idle[-1]
    line("pgsteer RSS with idle client connections", "≤ 200 MB at 10,000",
         ", ".join("%d: %.0f MB" % (n, v[0]) for n, v in idle),
         (top[1][0] <= 200) if top[0] >= 10000 else None)
if "start_ms" in mem:
    st = mem["start_ms"]
    line("quick-mode start to first accepted connection", "≤ 1 s",
         "median %.0f ms (%s; the first start records the launcher's start-up cache)"
         % (statistics.median(st), ", ".join("%.0f" % x for x in st)),
         statistics.median(st) <= 1000)
