"""``analysis batch``: every target report, one scorecard per region, and reports/index.html."""
from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("batch", parents=[common], help="all reports + index.html (parallel, cached)")
    p.add_argument("--out", default=None, metavar="DIR", help="output folder (default reports/)")
    p.add_argument("--workers", type=int, default=None, metavar="N", help="worker processes (default: all cores)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the jobs on an existing Dask cluster (e.g. tcp://10.0.0.5:8786)")
    p.add_argument("--force", action="store_true", help="rebuild reports even when nothing changed")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="report language (default zh)")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N targets (and their regions)")
    p.add_argument("--target", action="append", default=None, metavar="ID", dest="targets",
                   help="only this target (repeatable)")
    p.add_argument("--seed", type=int, default=0, help="Monte Carlo seed (default 0)")
    p.add_argument("--no-cities", action="store_true", help="skip the city scorecards")
    p.add_argument("--extra", action="append", default=[], metavar="REPORT",
                   help="also build 'backtest' or 'panel:<indicator>' (repeatable)")
    p.add_argument("--fresh-kernels", action="store_true",
                   help="start a new kernel for every report instead of reusing a warm one per worker")
    p.add_argument("--timeout", type=float, default=900, help="seconds per notebook cell (default 900)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analysis.config import reports_dir
    from analysis.data.schemas import DataValidationError
    from analysis.reports.batch import run_batch, summary_lines
    from analysis.reports.render import KernelNotFound

    if args.workers is not None and args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    try:
        batch = run_batch(
            args.out or reports_dir(), workers=args.workers, scheduler=args.scheduler, force=args.force,
            lang=args.lang, seed=args.seed, limit=args.limit, target_ids=args.targets,
            cities=not args.no_cities, extras=args.extra, fresh_kernels=args.fresh_kernels,
            progress=not args.no_progress, timeout=args.timeout,
        )
    except (DataValidationError, KernelNotFound, ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for line in summary_lines(batch):
        print(line, file=sys.stderr if line.startswith("  FAILED") else sys.stdout)
    return batch.exit_code
