"""Benchmark the report batch against a naive papermill + nbconvert loop.

The same N target reports (default 6, the first N registry targets) are built

1. by ``analysis batch --workers 2`` (worker processes, a warm kernel per worker, in-process
   nbconvert), from a cold start and with ``--force`` so nothing is skipped;
2. by a naive loop: ``papermill`` CLI then ``jupyter nbconvert --to html --no-input`` CLI per report.

It also times executing an empty notebook with papermill on the same kernel (the floor of any
notebook-per-report design) and prints:

* both batch times and their ratio (goal ≥ 1.8×);
* the batch's wall time per report and each report's own time against the empty notebook
  (goal ≤ 1.3×).

Figures are printed, never asserted. Usage: ``python bench/bench_batch.py [-n 6] [--workers 2]``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def run(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        print(f"  ! {' '.join(cmd[:3])} … exited {proc.returncode}: {proc.stderr.strip()[-300:]}")
    return elapsed


def empty_notebook_seconds(tmp: Path, repeats: int = 3) -> float:
    """Median time for papermill to execute a notebook holding only a parameters cell."""
    import nbformat
    import papermill as pm

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "analysis", "display_name": "analysis", "language": "python"}
    src = tmp / "empty.ipynb"
    nbformat.write(nb, src)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        pm.execute_notebook(str(src), str(tmp / "empty_out.ipynb"), parameters={"x": 2}, kernel_name="analysis",
                            progress_bar=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=6, help="number of reports (default 6)")
    ap.add_argument("--workers", type=int, default=2, help="batch workers (default 2)")
    args = ap.parse_args()

    from analysis.config import notebooks_dir
    from analysis.data.loaders import load_targets

    ids = load_targets()["target_id"].astype(str).tolist()[: args.n]
    n = len(ids)
    nb = notebooks_dir() / "target_feasibility.ipynb"
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmpdir:
        tmp = Path(tmpdir)
        print(f"{n} target reports: {', '.join(ids)}")

        empty = empty_notebook_seconds(tmp)
        print(f"empty notebook (papermill, kernel 'analysis'): {empty:6.2f} s")

        out = tmp / "batch"
        cmd = [str(BIN / "analysis"), "batch", "--out", str(out), "--workers", str(args.workers), "--no-cities",
               "--force", "--no-progress"]
        for tid in ids:
            cmd += ["--target", tid]
        t_batch = run(cmd)
        per_job = []
        for side in (out / "_work" / "targets").glob("*.json"):
            per_job.append(json.loads(side.read_text(encoding="utf-8"))["seconds"])
        print(f"analysis batch --workers {args.workers}:        {t_batch:6.2f} s  ({t_batch / n:.2f} s per report)")

        naive = tmp / "naive"
        naive.mkdir()
        t0 = time.perf_counter()
        for i, tid in enumerate(ids):
            executed = naive / f"r{i}.ipynb"
            run([str(BIN / "papermill"), str(nb), str(executed), "-p", "target_id", tid, "-k", "analysis",
                 "--no-progress-bar"])
            run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)])
        t_naive = time.perf_counter() - t0
        print(f"naive papermill + nbconvert CLI loop:  {t_naive:6.2f} s  ({t_naive / n:.2f} s per report)")

    print()
    print(f"speed-up batch vs naive:                {t_naive / t_batch:5.2f}×   (goal ≥ 1.8×)")
    print(f"batch wall time per report / empty nb:  {t_batch / n / empty:5.2f}×   (goal ≤ 1.3×)")
    if per_job:
        med = statistics.median(per_job)
        print(f"one report's own time (median {med:.2f} s, first {max(per_job):.2f} s) / empty nb: "
              f"{med / empty:5.2f}× median")


if __name__ == "__main__":
    main()
