"""Backtest speed: seconds of ``analysis backtest --format csv`` per rung, bundled and extra data.

Each measurement is a fresh process (data loading included, as a user runs it); the median of
``--repeat`` runs is printed. With ``--against DIR`` (a checkout with its own ``.venv``, e.g. main)
the same commands run there in the same session and the ratio is printed; without it, the ratio is
taken against the figures stored in ``bench/backtest_baseline.json`` (main at ede6f31, CPU seconds).

Usage:
    python bench/bench_backtest.py                       # rungs A, B, C and all; bundled and extra
    python bench/bench_backtest.py --against ../other-checkout --repeat 3
    python bench/bench_backtest.py --rung all --data extra

Prints ratios, asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTRA = os.environ.get("BENCH_EXTRA_DATA", str(ROOT.parent.parent / "shared" / "data"))
BASELINE = ROOT / "bench" / "backtest_baseline.json"
RUNGS = {"A": ["--rung", "A"], "B": ["--rung", "B"], "C": ["--rung", "C"], "all": []}


def run_once(checkout: Path, rung: str, data: str) -> float:
    """Seconds of one ``analysis backtest --format csv`` process in ``checkout``: CPU seconds
    (user + system of the child; on a shared machine wall time mostly measures the others' load),
    or wall seconds with ``BENCH_WALL=1``."""
    env = dict(os.environ)
    env.pop("ANALYSIS_DATA_PATH", None)
    if data == "extra":
        env["ANALYSIS_DATA_PATH"] = EXTRA
    exe = checkout / ".venv" / "bin" / "analysis"
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([str(exe), "backtest", "--format", "csv", *RUNGS[rung]], cwd=checkout, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall if os.environ.get("BENCH_WALL") else cpu


def median_of(checkout: Path, rung: str, data: str, repeat: int) -> float:
    """Median seconds over ``repeat`` runs."""
    return statistics.median(run_once(checkout, rung, data) for _ in range(repeat))


def main(argv: list[str] | None = None) -> int:
    """Print seconds per (data, rung) and the ratio against main (same run or stored)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rung", action="append", choices=list(RUNGS), default=None)
    ap.add_argument("--data", action="append", choices=["bundled", "extra"], default=None)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--against", type=Path, default=None, help="another checkout to time in the same run")
    ap.add_argument("--store", action="store_true", help="store the --against figures as the baseline")
    args = ap.parse_args(argv)
    kind = "wall" if os.environ.get("BENCH_WALL") else "cpu"
    stored = json.loads(BASELINE.read_text()).get(kind, {}) if BASELINE.exists() else {}
    new_store = {}
    print(f"{kind} seconds (median of {args.repeat}); main: {'same run' if args.against else 'stored'}")
    print(f"{'data':8} {'rung':4} {'this s':>8} {'main s':>8} {'ratio':>6}")
    for data in args.data or ["bundled", "extra"]:
        for rung in args.rung or list(RUNGS):
            mine = median_of(ROOT, rung, data, args.repeat)
            if args.against is not None:
                ref = median_of(args.against, rung, data, args.repeat)
                new_store[f"{data}/{rung}"] = round(ref, 1)
            else:
                ref = stored.get(f"{data}/{rung}")
            ratio = f"{ref / mine:5.1f}x" if ref else "   n/a"
            print(f"{data:8} {rung:4} {mine:8.1f} {ref if ref else float('nan'):8.1f} {ratio}", flush=True)
    if args.store and new_store:
        old = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
        old[kind] = new_store
        BASELINE.write_text(json.dumps(old, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
