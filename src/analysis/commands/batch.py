"""``analysis batch``: every target report, one scorecard per region, and reports/index.html."""
from __future__ import annotations

import argparse
import sys

from analysis.commands.args import HELP_FORMAT, at_least, examples, fail, name, out_dir, positive_float


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "batch", parents=[common], help="all reports + index.html (parallel, cached)",
        description="Every target report, one scorecard per region, and reports/index.html.",
        epilog=examples("analysis batch --workers 2", "analysis batch --lang en --out reports-en",
                        "analysis batch --limit 5 --no-cities        # a quick look",
                        "analysis batch --target shanwei2022-t01-hte_count --extra backtest --extra panel:hte_count",
                        "analysis batch --scheduler tcp://10.0.0.5:8786"),
        formatter_class=HELP_FORMAT)
    p.add_argument("--out", type=out_dir, default=None, metavar="DIR", help="output folder (default reports/)")
    p.add_argument("--workers", type=at_least(1), default=None, metavar="N",
                   help="worker processes (≥ 1, default: all cores)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the jobs on an existing Dask cluster (e.g. tcp://10.0.0.5:8786)")
    p.add_argument("--force", action="store_true", help="rebuild reports even when nothing changed")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="report language (default zh)")
    p.add_argument("--limit", type=at_least(0), default=None, metavar="N",
                   help="only the first N targets (and their regions); N ≥ 0")
    p.add_argument("--target", type=name, action="append", default=None, metavar="ID", dest="targets",
                   help="only this target (repeatable)")
    p.add_argument("--seed", type=at_least(0), default=0, help="Monte Carlo seed (≥ 0, default 0)")
    p.add_argument("--no-cities", action="store_true", help="skip the city scorecards")
    p.add_argument("--extra", action="append", default=[], metavar="REPORT",
                   help="also build 'backtest' or 'panel:<indicator>' (repeatable)")
    p.add_argument("--fresh-kernels", action="store_true",
                   help="start a new kernel for every report instead of reusing a warm one per worker")
    p.add_argument("--timeout", type=positive_float, default=900, help="seconds per notebook cell (default 900)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analysis.config import reports_dir
    from analysis.data.schemas import DataValidationError
    from analysis.reports.batch import run_batch, summary_lines
    from analysis.reports.render import KernelNotFound

    try:
        batch = run_batch(
            args.out or reports_dir(), workers=args.workers, scheduler=args.scheduler, force=args.force,
            lang=args.lang, seed=args.seed, limit=args.limit, target_ids=args.targets,
            cities=not args.no_cities, extras=args.extra, fresh_kernels=args.fresh_kernels,
            progress=not args.no_progress, timeout=args.timeout,
        )
    except (DataValidationError, KernelNotFound, ValueError, OSError) as err:
        return fail(str(err))
    for line in summary_lines(batch):
        print(line, file=sys.stderr if line.startswith("  FAILED") else sys.stdout)
    return batch.exit_code
