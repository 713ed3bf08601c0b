"""Time Tripline, DuckDB and grep over the same workload, and check Tripline against DuckDB.

Called by bench/run once the binary is built, the venv exists and the workload is written; see
bench/README.md. Only the standard library is used here; DuckDB runs in the venv's Python
(bench/duck.py).
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent


def log(msg=""):
    print(msg, flush=True)


# ---------------------------------------------------------------------------------------------
# Running and measuring

GNU_TIME = "/usr/bin/time"


def run_measured(cmd, stdout_path=None, stderr_path=None, env=None, ok=(0,)):
    """Run cmd; return (wall seconds, CPU seconds (user + system), peak RSS in MB).

    The peak RSS comes from GNU time's %M when /usr/bin/time exists. Python's own rusage of a
    child is no good for this: Linux carries the forking process's RSS over the exec into the
    child's maximum, so every child would show at least the harness's size. Without GNU time,
    the child's VmHWM in /proc is sampled every 5 ms instead (a slight underestimate at worst).
    """
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    err = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL
    use_time = os.access(GNU_TIME, os.X_OK)
    rss_file = None
    if use_time:
        fd, rss_file = tempfile.mkstemp(prefix="bench-rss-")
        os.close(fd)
        cmd = [GNU_TIME, "-f", "%M", "-o", rss_file, *map(str, cmd)]
    hwm_kb = 0
    try:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        if not use_time:
            while p.poll() is None:
                try:
                    with open(f"/proc/{p.pid}/status") as f:
                        for line in f:
                            if line.startswith("VmHWM:"):
                                hwm_kb = max(hwm_kb, int(line.split()[1]))
                except (OSError, ValueError):
                    pass
                time.sleep(0.005)
        _, status, usage = os.wait4(p.pid, 0)
        secs = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdout_path:
            out.close()
        if stderr_path:
            err.close()
    if use_time:
        lines = Path(rss_file).read_text().split()
        os.unlink(rss_file)
        hwm_kb = int(lines[-1]) if lines and lines[-1].isdigit() else 0
    if p.returncode not in ok:
        tail = Path(stderr_path).read_text(errors="replace")[-3000:] if stderr_path else ""
        sys.exit(f"bench: {' '.join(map(str, cmd))} exited with {p.returncode}\n{tail}")
    return secs, usage.ru_utime + usage.ru_stime, hwm_kb / 1024.0


def warm(paths):
    """Read the files once so that every timed run finds them in the page cache."""
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 24):
                pass


# ---------------------------------------------------------------------------------------------
# Results: Tripline findings and DuckDB rows, in one comparable shape

def rule_files():
    """Detection name -> file stem, from content/detections (a `name:` line per file)."""
    names = {}
    for f in sorted((REPO / "content" / "detections").glob("*.yml")):
        m = re.search(r"^name:\s*(.+?)\s*$", f.read_text(), re.M)
        if m:
            names[m.group(1).strip("'\"")] = f.stem
    return names


def sql_keys(sql_dir):
    """Rule stem -> its group key columns, from the `-- key:` line of bench/sql/<stem>.sql."""
    keys = {}
    for f in sorted(sql_dir.glob("*.sql")):
        m = re.search(r"^-- key:\s*(.+?)\s*$", f.read_text(), re.M)
        if not m:
            sys.exit(f"bench: {f} has no `-- key:` line")
        keys[f.stem] = [k.strip() for k in m.group(1).split(",")]
    return keys


def norm(v):
    """A field value as a tuple of strings: Tripline writes one value as a string or number and
    several as an array; DuckDB's values() is always a list. Missing, null and empty are None."""
    if v is None:
        return None
    if isinstance(v, list):
        vals = tuple(norm_scalar(x) for x in v if x is not None)
        return vals or None
    return (norm_scalar(v),)


def norm_scalar(x):
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def load_rows(path, kind, names):
    """{rule stem: [row dict]} from Tripline findings (kind 'tripline') or duck.py output."""
    rows = {}
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            if kind == "tripline":
                stem = names.get(d["rule"]["name"], d["rule"]["name"])
                row = d["fields"]
            else:
                stem, row = d["rule"], d["row"]
            rows.setdefault(stem, []).append(row)
    return rows


def canonical(rows, keys):
    """{stem: {key tuple: {column: normalised value}}}; rows whose key repeats are kept apart."""
    out = {}
    for stem, rs in rows.items():
        table = out.setdefault(stem, {})
        for r in rs:
            k = tuple(norm(r.get(c)) for c in keys.get(stem, []))
            while k in table:  # a duplicate key is itself a difference; keep both
                k = k + (("duplicate",),)
            table[k] = {c: n for c, v in r.items() if (n := norm(v)) is not None}
    return out


def same_results(a, b):
    return a == b


def fmt_key(cols, k):
    return ", ".join(f"{c}={'|'.join(v) if v else '∅'}" for c, v in zip(cols, k))


def compare(trip, duck, keys, label):
    """Print the per-rule agreement table; return the number of rules that disagree."""
    log(f"\nAgreement, {label}: per rule, the result rows of Tripline (T) and DuckDB (D)")
    log(f"  {'rule':50s} {'T rows':>6s} {'D rows':>6s} {'keys':>6s} {'counts':>7s} {'fields':>7s}  verdict")
    bad = 0
    details = []
    for stem in sorted(keys):
        t, d = trip.get(stem, {}), duck.get(stem, {})
        common = set(t) & set(d)
        count_cols = lambda row: {c for c in row if c == "count" or c.endswith("_count")}
        counts_ok = sum(
            1 for k in common
            if all(t[k].get(c) == d[k].get(c) for c in count_cols(t[k]) | count_cols(d[k]))
        )
        fields_ok = sum(1 for k in common if t[k] == d[k])
        agree = set(t) == set(d) and fields_ok == len(common)
        verdict = "agree" if agree else "DISAGREE"
        if not agree:
            bad += 1
        log(f"  {stem:50s} {len(t):6d} {len(d):6d} {len(common):6d} {counts_ok:7d} {fields_ok:7d}  {verdict}")
        for k in sorted(set(t) - set(d), key=str):
            details.append(f"  {stem}: only Tripline: {fmt_key(keys[stem], k)} {t[k]}")
        for k in sorted(set(d) - set(t), key=str):
            details.append(f"  {stem}: only DuckDB:   {fmt_key(keys[stem], k)} {d[k]}")
        for k in sorted(common, key=str):
            if t[k] != d[k]:
                cols = sorted(set(t[k]) | set(d[k]))
                diff = [f"{c}: T={t[k].get(c)} D={d[k].get(c)}" for c in cols if t[k].get(c) != d[k].get(c)]
                details.append(f"  {stem}: {fmt_key(keys[stem], k)}: " + "; ".join(diff))
    log("  (keys: rows whose group key is in both; counts: of those, with equal count and *_count;")
    log("   fields: of those, with every field of the row equal)")
    if details:
        log("\nRows that differ:")
        for line in details[:200]:
            log(line)
        if len(details) > 200:
            log(f"  ... and {len(details) - 200} more")
    return bad


# ---------------------------------------------------------------------------------------------

def summary_sourcetypes(stderr_path):
    """The `by sourcetype:` counts of Tripline's run summary."""
    m = re.search(r"by sourcetype: (.*)", Path(stderr_path).read_text(errors="replace"))
    if not m:
        return {}
    out = {}
    for part in m.group(1).split(","):
        name, _, n = part.strip().rpartition(" ")
        out[name] = int(n)
    return out


def line_count(path):
    n = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            n += chunk.count(b"\n")
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--tripline", required=True)
    ap.add_argument("--duck-python", required=True)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--grep-literal", default="kube-hunter")
    ap.add_argument("--started", type=float, help="when bench/run started (epoch seconds)")
    ap.add_argument("--cloud", nargs="*", default=[], help="formats of the agreement-only workloads")
    args = ap.parse_args()

    w = args.work
    out = w / "out"
    out.mkdir(exist_ok=True)
    sql_dir = BENCH / "sql"
    audit, objects = w / "audit.jsonl", w / "objects.jsonl"
    audit_gz, objects_gz = w / "audit.jsonl.gz", w / "objects.jsonl.gz"
    plain = [audit, objects]
    gz = [audit_gz, objects_gz]
    in_bytes = sum(p.stat().st_size for p in plain)
    gz_bytes = sum(p.stat().st_size for p in gz)
    n_audit, n_objects = line_count(audit), line_count(objects)
    events = n_audit + n_objects

    # No GeoIP database: TRIPLINE_GEOIP, when set, is the only place Tripline looks.
    nogeo = w / "no-geoip"
    nogeo.mkdir(exist_ok=True)
    env = dict(os.environ, TRIPLINE_GEOIP=str(nogeo))
    tl = args.tripline
    duck = [args.duck_python, str(BENCH / "duck.py"), "--sql-dir", str(sql_dir)]

    def hunt(inputs, dst, extra=()):
        return [tl, "hunt", "--format", "jsonl", "--color", "never", "-o", str(dst), *extra, *map(str, inputs)]

    def duckdb(mode, a, o, dst):
        return [*duck, "--mode", mode, "--audit", str(a), "--objects", str(o), "--out", str(dst)]

    # name -> (description, function of the round giving (cmd, stdout, stderr, ok statuses))
    tools = {
        "tripline": ("tripline hunt, built-in pack (11 rules)",
                     lambda r: (hunt(plain, out / f"tripline-{r}.jsonl"), None, out / f"tripline-{r}.err", (0,))),
        "duckdb-load": ("DuckDB: load each file once, then 11 queries",
                        lambda r: (duckdb("load", audit, objects, out / f"duckdb-load-{r}.jsonl"), None,
                                   out / f"duckdb-load-{r}.err", (0,))),
        "duckdb-scan": ("DuckDB: each query reads the files",
                        lambda r: (duckdb("scan", audit, objects, out / f"duckdb-scan-{r}.jsonl"), None,
                                   out / f"duckdb-scan-{r}.err", (0,))),
        "grep": (f"grep -c -F {args.grep_literal}",
                 lambda r: (["grep", "-c", "-F", args.grep_literal, *map(str, plain)], out / f"grep-{r}.txt",
                            None, (0, 1))),
        "tripline-gz": ("tripline hunt, built-in pack, .gz input",
                        lambda r: (hunt(gz, out / f"tripline-gz-{r}.jsonl"), None, out / f"tripline-gz-{r}.err",
                                   (0,))),
        "duckdb-gz": ("DuckDB: load each .gz once, then 11 queries",
                      lambda r: (duckdb("load", audit_gz, objects_gz, out / f"duckdb-gz-{r}.jsonl"), None,
                                 out / f"duckdb-gz-{r}.err", (0,))),
        "gunzip": ("gzip -dc > /dev/null (decompression alone)",
                   lambda r: (["gzip", "-dc", *map(str, gz)], None, None, (0,))),
        "tripline-all": ("tripline hunt --rules security_content --status all",
                         lambda r: (hunt(plain, out / f"tripline-all-{r}.jsonl",
                                         ("--rules", str(args.corpus), "--status", "all")),
                                    None, out / f"tripline-all-{r}.err", (0,))),
    }

    log(f"Workload: {events:,} events ({n_audit:,} audit + {n_objects:,} object events), "
        f"{in_bytes / 1e6:,.1f} MB plain, {gz_bytes / 1e6:,.1f} MB gzip")
    log("Warming the page cache (one read of every input) ...")
    warm(plain + gz)

    times = {name: [] for name in tools}
    cpu = {name: [] for name in tools}
    rss = {name: [] for name in tools}
    for r in range(1, args.rounds + 1):
        log(f"Round {r}/{args.rounds} (each tool once, in turn):")
        for name, (_, mk) in tools.items():
            cmd, so, se, ok = mk(r)
            secs, cpus, mb = run_measured(cmd, so, se, env=env, ok=ok)
            times[name].append(secs)
            cpu[name].append(cpus)
            rss[name].append(mb)
            log(f"  {name:13s} {secs:7.2f} s wall {cpus:7.2f} s CPU {mb:8.1f} MB")

    # ------------------------------------------------------------------ correctness
    names = rule_files()
    keys = sql_keys(sql_dir)
    failures = []

    st = summary_sourcetypes(out / "tripline-1.err")
    expect = {"_json": n_audit, "kube:objects:events": n_objects}
    if st != expect:
        failures.append(f"Tripline's sourcetypes {st} are not what the DuckDB views assume ({expect})")
    geo = (out / "tripline-1.err").read_text(errors="replace")
    if "no GeoIP database was found" not in geo:
        failures.append("Tripline did not report running without a GeoIP database")

    def canon(path, kind):
        return canonical(load_rows(path, kind, names), keys)

    trip = canon(out / "tripline-1.jsonl", "tripline")
    dl = canon(out / "duckdb-load-1.jsonl", "duckdb")
    # Every run of a tool must give the same results, and the .gz and scan runs the same as the rest.
    for name, kind in [("tripline", "tripline"), ("tripline-gz", "tripline"),
                       ("duckdb-load", "duckdb"), ("duckdb-scan", "duckdb"), ("duckdb-gz", "duckdb")]:
        ref = trip if kind == "tripline" else dl
        for r in range(1, args.rounds + 1):
            if not same_results(canon(out / f"{name}-{r}.jsonl", kind), ref):
                failures.append(f"{name} round {r} gave other results than {'tripline' if kind == 'tripline' else 'duckdb-load'} round 1")
    all_counts = {}
    for r in range(1, args.rounds + 1):
        c = {}
        for stem, rs in load_rows(out / f"tripline-all-{r}.jsonl", "tripline", {}).items():
            c[stem] = len(rs)
        all_counts[r] = c
    if any(all_counts[r] != all_counts[1] for r in all_counts):
        failures.append("tripline-all gave different findings between rounds")

    bad = compare(trip, dl, keys, f"standard workload ({events:,} events)")

    # Agreement-only workloads in the cloud formats, where the EKS, GKE and AKS rules have data.
    for fmt in args.cloud:
        a, o = w / f"cloud-{fmt}.jsonl", w / f"cloud-{fmt}-objects.jsonl"
        t_out, d_out = out / f"cloud-{fmt}-tripline.jsonl", out / f"cloud-{fmt}-duckdb.jsonl"
        run_measured(hunt([a, o], t_out), None, out / f"cloud-{fmt}-tripline.err", env=env)
        view = {"eks": "--eks", "gke": "--gke", "aks": "--aks"}[fmt]
        run_measured([*duck, "--mode", "load", view, str(a), "--objects", str(o), "--out", str(d_out)],
                     None, out / f"cloud-{fmt}-duckdb.err", env=env)
        m = re.search(r"from (\d+) events", (out / f"cloud-{fmt}-tripline.err").read_text(errors="replace"))
        n = f"{int(m.group(1)):,} events" if m else f"{line_count(a) + line_count(o):,} lines"
        bad += compare(canon(t_out, "tripline"), canon(d_out, "duckdb"), keys,
                       f"{fmt} workload ({n}, for agreement only, not timed)")

    # ------------------------------------------------------------------ figures
    med = {n: statistics.median(v) for n, v in times.items()}
    med_cpu = {n: statistics.median(v) for n, v in cpu.items()}
    peak = {n: max(v) for n, v in rss.items()}

    log(f"\nTimes: median of {args.rounds} runs (each run listed), page cache warm; peak RSS: the "
        f"highest of the runs.")
    log(f"Plain input: {in_bytes / 1e6:,.1f} MB, {events:,} events. .gz input: {gz_bytes / 1e6:,.1f} MB "
        f"compressed; its MB/s count the uncompressed bytes.")
    log("CPU s: user + system time, median; MB per CPU s shows the work done, which other load on")
    log("the machine disturbs less than the wall time.")
    log(f"  {'tool':13s} {'seconds':>8s} {'MB/s':>8s} {'events/s':>11s} {'peak RSS MB':>11s} {'CPU s':>7s} "
        f"{'MB/CPU s':>8s}  {'runs (s)':20s} what")
    for n, (desc, _) in tools.items():
        s = med[n]
        runs = " ".join(f"{x:.2f}" for x in times[n])
        log(f"  {n:13s} {s:8.2f} {in_bytes / 1e6 / s:8.0f} {events / s:11,.0f} {peak[n]:11.1f} "
            f"{med_cpu[n]:7.2f} {in_bytes / 1e6 / max(med_cpu[n], 1e-9):8.0f}  {runs:20s} {desc}")

    duck_best = min(("duckdb-load", "duckdb-scan"), key=lambda n: med[n])
    ratio = med[duck_best] / med["tripline"]
    grep_frac = med["grep"] / med["tripline"]
    gz_frac = med["gunzip"] / med["tripline-gz"]
    gz_vs_duck = med["duckdb-gz"] / med["tripline-gz"]
    all_slow = med["tripline-all"] / med["tripline"]
    mbps = in_bytes / 1e6 / med["tripline"]
    n_all = 0
    m = re.search(r"(\d+) rules run(?:, (\d+) could not run)?", (out / "tripline-all-1.err").read_text(errors="replace"))
    if m:
        n_all = f"{m.group(1)} rules run" + (f", {m.group(2)} could not run" if m.group(2) else "")

    def target(ok):
        return "met" if ok else "NOT met"

    rows = [
        (f"tripline vs DuckDB ({duck_best}, DuckDB's faster way)", f"{ratio:.2f}x",
         f"target >= 3x: {target(ratio >= 3)}"),
        ("tripline vs duckdb-load / duckdb-scan",
         f"{med['duckdb-load'] / med['tripline']:.2f}x / {med['duckdb-scan'] / med['tripline']:.2f}x", ""),
        (f"tripline vs {duck_best} by CPU time", f"{med_cpu[duck_best] / med_cpu['tripline']:.2f}x",
         "(DuckDB's CPU s / Tripline's)"),
        ("tripline vs grep -c -F (read-speed ceiling)", f"{grep_frac:.2f}x",
         f"(Tripline runs at {100 * grep_frac:.0f}% of grep's speed)"),
        ("tripline throughput", f"{mbps:.0f} MB/s", f"target >= 2000 MB/s: {target(mbps >= 2000)}"),
        ("tripline peak RSS", f"{peak['tripline']:.1f} MB", f"target < 100 MB: {target(peak['tripline'] < 100)}"),
        (".gz: tripline vs gzip -dc alone", f"{gz_frac:.2f}x", f"target >= 0.80x: {target(gz_frac >= 0.8)}"),
        (".gz: tripline vs DuckDB on .gz", f"{gz_vs_duck:.2f}x", ""),
        ("all security_content vs built-in pack", f"{all_slow:.2f}x the time",
         f"target <= 2x: {target(all_slow <= 2)}  ({n_all})"),
    ]
    log("\nRatios (throughput; >1 means Tripline is faster):")
    for label, value, note in rows:
        log(f"  {label:48s} {value:>14s}   {note}".rstrip())
    if all_counts.get(1):
        log("  findings of the all-rules run: " + ", ".join(f"{k} {v}" for k, v in sorted(all_counts[1].items())))

    status = 0
    if failures:
        log("\nProblems:")
        for f in failures:
            log(f"  {f}")
        status = 1
    if bad:
        log(f"\n{bad} rule(s) disagree between Tripline and DuckDB (rows above).")
        status = 1
    if args.started:
        log(f"\n(bench/run took {time.time() - args.started:.0f} s in all)")
    log(f"\ntripline/duckdb = {ratio:.2f}")
    return status


if __name__ == "__main__":
    sys.exit(main())
