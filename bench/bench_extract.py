"""Benchmark ``analysis extract`` on large texts: throughput (MB/s) and peak memory.

Builds a text of the requested size by repeating the bundled seed documents (``data/raw/*.txt``),
writes it to a temporary file and runs the extractor on it in a fresh process per size (so peak
RSS is that size's own), then prints size, seconds, MB/s, rows and peak RSS. Figures are
printed, never asserted (the tests count comparisons instead of timing).

Usage: ``python bench/bench_extract.py [--sizes 1 4 20]`` (sizes in MB of UTF-8 text).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, resource, sys, time
from analysis.targets.extract import extract_file
t = time.perf_counter()
rows = len(extract_file(sys.argv[1]))
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "rows": rows,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_text(mb: float) -> str:
    """UTF-8 text of about ``mb`` megabytes: the seed documents repeated, in order."""
    seeds = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "data" / "raw").glob("*.txt")))
    size = len(seeds.encode("utf-8"))
    return seeds * max(1, round(mb * 1e6 / size))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark for each size and print one line per size."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[1, 4, 20], help="sizes in MB")
    args = ap.parse_args(argv)
    print(f"{'MB':>6s} {'seconds':>8s} {'MB/s':>6s} {'rows':>7s} {'peak RSS MB':>12s}")
    for mb in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"bench_{mb:g}MB.txt"
            path.write_text(make_text(mb), encoding="utf-8")
            real_mb = path.stat().st_size / 1e6
            out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True)
            if out.returncode:
                print(f"{real_mb:6.1f} failed: {out.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{real_mb:6.1f} {r['seconds']:8.1f} {real_mb / r['seconds']:6.2f} {r['rows']:7d} {r['peak_rss_mb']:12.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
