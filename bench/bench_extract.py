"""Benchmark ``analysis extract`` on large texts: seconds, MB/s, peak memory, and the ratio to main.

Builds a text of the requested size by repeating the bundled seed documents (``data/raw/00*.txt``),
writes it to a temporary file and runs the extractor on it in a fresh process per run (so peak
RSS is that run's own). Per size it prints the median seconds of ``--repeat`` runs, MB/s, the
median CPU seconds (this process and its worker processes: the machine's load changes it less
than the wall time), rows, the largest peak RSS (this process's plus the largest worker's: an
upper bound of the memory used at once) and two comparisons:

- ``vs baseline``: the stored run of main's code (commit ede6f31, before the speed work) in
  ``bench/baseline_extract.json`` — seconds there / seconds now (> 1 is faster now);
- ``same``: whether the output (every row and field, hashed) equals the baseline's for that size.

With ``--against SRC`` (a ``src`` folder of another checkout, e.g. main's) each size is also run
with that code, alternating with this one, and the ratio of the two medians is printed: a ratio
measured within one run, which the machine's load affects less than one against the stored figure.
Figures are printed, never asserted (the tests compare output, not time).

Usage::

    python bench/bench_extract.py --sizes 1 4 20 [--repeat 3]
    python bench/bench_extract.py --sizes 1 4 --repeat 3 --against ../main/src
    python bench/bench_extract.py --sizes 1 4 20 --src ../main/src --save-baseline   # main's run
    python bench/bench_extract.py --sizes 1 4 --repeat 3 --against ../main/src --save-baseline  # both
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = Path(__file__).with_name("baseline_extract.json")

_CHILD = r"""
import hashlib, json, resource, sys, time
from analysis.targets.extract import extract_file
def cpu():
    return sum(r.ru_utime + r.ru_stime for r in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))
c, t = cpu(), time.perf_counter()
frame = extract_file(sys.argv[1])
dt, dc = time.perf_counter() - t, cpu() - c
digest = hashlib.sha256(frame.to_csv(index=False).encode("utf-8")).hexdigest()
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": dt, "cpu_seconds": dc, "rows": len(frame), "sha256": digest,
                  "peak_rss_mb": own + workers, "own_rss_mb": own, "worker_rss_mb": workers}))
"""


def make_text(mb: float) -> str:
    """UTF-8 text of about ``mb`` megabytes: the seed documents repeated, in order."""
    seeds = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "data" / "raw").glob("00*.txt")))
    size = len(seeds.encode("utf-8"))
    return seeds * max(1, round(mb * 1e6 / size))


def run_once(path: Path, src: str | None = None) -> dict:
    """One extraction of ``path`` in a fresh process (code from ``src`` if given); its figures or an error."""
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, env=env)
    if out.returncode:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def summarise(runs: list[dict], mb: float) -> dict:
    """Median seconds, largest peak RSS, rows and output hash of a size's runs."""
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return {"mb": mb, "error": runs[-1]["error"]}
    return {"mb": mb, "seconds": statistics.median(r["seconds"] for r in ok), "runs": [r["seconds"] for r in ok],
            "cpu_seconds": statistics.median(r.get("cpu_seconds", float("nan")) for r in ok),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in ok), "rows": ok[0]["rows"], "sha256": ok[0]["sha256"],
            "same_each_run": len({r["sha256"] for r in ok}) == 1}


def load_baseline() -> dict[str, dict]:
    """The stored baseline, keyed by size (``"1"``, ``"4"``, ``"20"``); {} without one."""
    if not BASELINE.exists():
        return {}
    return {k: v for k, v in json.loads(BASELINE.read_text(encoding="utf-8"))["sizes"].items()}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark for each size and print one line per size."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[1, 4, 20], help="sizes in MB")
    ap.add_argument("--repeat", type=int, default=1, help="runs per size (the median is printed)")
    ap.add_argument("--src", help="measure the code in this src folder instead of the installed one")
    ap.add_argument("--against", metavar="SRC", help="also run the code in SRC (alternating) and print the ratio")
    ap.add_argument("--save-baseline", action="store_true",
                    help=f"store this run in {BASELINE.name} (with --against: the other code's run, e.g. main's)")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat: must be at least 1")
    base = load_baseline()
    print(f"{'MB':>6s} {'seconds':>8s} {'MB/s':>6s} {'CPU s':>6s} {'rows':>7s} {'peak RSS MB':>12s} {'vs baseline':>12s} "
          f"{'same':>5s}" + (f" {'against s':>10s} {'ratio':>6s} {'its CPU s':>9s} {'CPU ratio':>9s} {'its RSS':>8s}"
                             if args.against else ""))
    results: dict[str, dict] = {}
    baseline_runs: dict[str, dict] = {}  # the --against code's figures per size
    for mb in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"bench_{mb:g}MB.txt"
            path.write_text(make_text(mb), encoding="utf-8")
            real_mb = path.stat().st_size / 1e6
            runs, other = [], []
            for _ in range(args.repeat):
                runs.append(run_once(path, args.src))
                if args.against:
                    other.append(run_once(path, args.against))
        r = summarise(runs, real_mb)
        key = f"{mb:g}"
        results[key] = r
        if "error" in r:
            print(f"{real_mb:6.1f} failed: {r['error']}")
            continue
        b = base.get(key)
        vs = f"{b['seconds'] / r['seconds']:11.1f}x" if b else f"{'-':>12s}"
        same = ("yes" if b["sha256"] == r["sha256"] else "NO") if b else "-"
        line = (f"{real_mb:6.1f} {r['seconds']:8.1f} {real_mb / r['seconds']:6.2f} {r['cpu_seconds']:6.1f} {r['rows']:7d} "
                f"{r['peak_rss_mb']:12.0f} {vs} {same:>5s}")
        if args.against:
            o = summarise(other, real_mb)
            line += (f" {o['seconds']:10.1f} {o['seconds'] / r['seconds']:5.1f}x {o['cpu_seconds']:9.1f} "
                     f"{o['cpu_seconds'] / r['cpu_seconds']:8.1f}x {o['peak_rss_mb']:8.0f}") if "error" not in o else " failed"
            r["against"] = o
            baseline_runs[key] = o
        print(line, flush=True)
    if args.save_baseline:
        runs = baseline_runs if args.against else results
        stored = {"note": "main's code before the speed work (commit ede6f31); median of the runs",
                  "sizes": {**base, **{k: {x: y for x, y in v.items() if x != "against"} for k, v in runs.items()}}}
        BASELINE.write_text(json.dumps(stored, indent=1) + "\n", encoding="utf-8")
        print(f"baseline stored in {BASELINE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
