"""Benchmark: loading and validating the panel against the floor of reading the same CSV files.

Prints the median of ``--repeat`` runs of ``load_panel()`` (read, type, schema and plausibility
rules, pick rule) and of the floor (``pandas.read_csv`` of the same series files, nothing else),
measured in the same process, and their ratio. Never asserts on time.

    python bench/bench_load.py [--repeat 3] [--data-dir ../shared/data]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import pandas as pd


def timed(fn, repeat: int) -> float:
    """Median wall time of ``repeat`` calls of ``fn``."""
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data-dir", default=None, help="extra data read on top of data/ (e.g. ../shared/data)")
    args = ap.parse_args()
    if args.data_dir:
        os.environ["ANALYSIS_DATA_PATH"] = args.data_dir
    from analysis.data.loaders import load_panel, series_files

    files = series_files(None)
    rows = sum(len(pd.read_csv(f, dtype=str)) for f in files)
    floor = timed(lambda: [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], args.repeat)
    full = timed(load_panel, args.repeat)
    print(f"series files: {len(files)}, rows: {rows}")
    print(f"{'step':<34} {'seconds':>8} {'vs floor':>9}")
    print(f"{'floor: pandas.read_csv of the files':<34} {floor:8.3f} {1.0:8.1f}x")
    print(f"{'load_panel (validated, picked)':<34} {full:8.3f} {full / floor:8.1f}x")


if __name__ == "__main__":
    main()
