"""``analysis targets merge REVIEWED.csv [--registry FILE]``: apply a reviewed extraction to the registry.

The review CSV comes from ``analysis extract FILE... --against REGISTRY --out REVIEWED.csv``; rows
whose ``accept`` column says yes are applied (changed rows replace theirs, new rows are added under
stable ids), the result is validated with the registry's schema and written atomically.
"""
from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser | None = None) -> None:
    """Add the ``targets`` command (subcommand ``merge``) to ``sub``."""
    parents = [common] if common is not None else []
    p = sub.add_parser("targets", parents=parents, help="work on the target registry (merge a reviewed extraction)",
                       description="Work on the target registry.")
    tsub = p.add_subparsers(dest="targets_command", required=True, metavar="SUBCOMMAND")
    m = tsub.add_parser("merge", help="apply the accepted rows of a review CSV (from extract --against)",
                        description="Apply the rows with accept=yes of a review CSV to the registry, validated and atomically.")
    m.add_argument("reviewed", metavar="REVIEWED.csv", help="review CSV written by 'analysis extract --against'")
    m.add_argument("--registry", metavar="FILE", default=None,
                   help="registry to update (default: data/targets/targets.csv)")
    m.set_defaults(func=run_merge)


def run_merge(args: argparse.Namespace) -> int:
    """Run ``analysis targets merge``; exit code 2 when the file is unreadable or a row is invalid."""
    from pathlib import Path

    import pandas as pd

    from analysis.targets.review import MergeError, merge_reviewed

    if args.registry:
        registry = Path(args.registry)
    else:
        from analysis.config import data_dir

        registry = data_dir() / "targets" / "targets.csv"
    for path in (Path(args.reviewed), registry):
        if not path.is_file():
            print(f"error: {path}: no such file", file=sys.stderr)
            return 2
    try:
        reviewed = pd.read_csv(args.reviewed, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError) as err:
        print(f"error: {args.reviewed}: cannot read the review CSV ({err})", file=sys.stderr)
        return 2
    try:
        result = merge_reviewed(reviewed, registry, Path(args.reviewed).name)
    except MergeError as err:
        print(f"error: nothing merged; {len(err.problems)} problem(s):", file=sys.stderr)
        for p in err.problems:
            print(f"  {p}", file=sys.stderr)
        return 2
    print(f"{registry}: {result['replaced']} row(s) replaced, {result['added']} added, "
          f"{result['skipped']} not accepted")
    return 0
