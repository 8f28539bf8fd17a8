"""``analysis cache``: the size of the model-fit and font caches, and pruning them by age."""
from __future__ import annotations

import argparse

from analysis.commands.args import HELP_FORMAT, examples, positive_float


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``cache`` subcommand to ``sub``."""
    p = sub.add_parser(
        "cache", parents=[common], help="show or prune the on-disk caches (model fits, fonts)",
        description="The model-fit cache ($ANALYSIS_CACHE_DIR, default ~/.cache/analysis/fits) and the "
                    "font cache beside it are keyed by content: entries of older code or data are never "
                    "read again but stay on disk. Deleting entries is always safe; the next run refits.",
        epilog=examples("analysis cache                       # files, size and age of each cache",
                        "analysis cache --prune --older-than 30   # delete entries written > 30 days ago",
                        "analysis cache --prune                # empty both caches",
                        "analysis cache --prune --only fits"),
        formatter_class=HELP_FORMAT)
    p.add_argument("--prune", action="store_true", help="delete entries (all, or those older than --older-than)")
    p.add_argument("--older-than", type=positive_float, default=0.0, metavar="DAYS",
                   help="with --prune: only entries last written more than DAYS days ago")
    p.add_argument("--only", choices=["fits", "fonts"], help="only this cache")
    p.set_defaults(func=run)


def _size(n: int) -> str:
    """Bytes in binary units: ``_size(2048) == '2.0 KiB'``."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def _age(t: float | None) -> str:
    import time

    return "—" if t is None else f"{(time.time() - t) / 86400:.1f} days"


def run(args: argparse.Namespace) -> int:
    """Print each cache's size (and what --prune deleted)."""
    from analysis.cachedirs import cache_folders, prune, usage
    from analysis.commands.args import fail

    if args.older_than and not args.prune:
        return fail("cache: --older-than is a filter of --prune; add --prune to delete those entries")
    for name, folder in cache_folders().items():
        if args.only and name != args.only:
            continue
        if folder is None:
            print(f"{name}: off (ANALYSIS_CACHE=0)")
            continue
        if args.prune:
            r = prune(name, folder, args.older_than)
            print(f"{name}: deleted {r.files} file(s), {_size(r.bytes)} from {folder}")
        u = usage(name, folder)
        print(f"{name}: {u.files} file(s), {_size(u.bytes)} in {folder}; oldest {_age(u.oldest)}, "
              f"newest {_age(u.newest)}")
    return 0
