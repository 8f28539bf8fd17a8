"""Command-line interface: argument parsing only; each command calls library functions.

Command modules live in ``analysis.commands``; each exposes ``register(subparsers)`` and keeps its
heavy imports inside the function it runs, so ``analysis --help`` starts fast.
"""
from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = ("data", "assess", "backtest", "extract", "targets", "report", "batch")


def common_parser() -> argparse.ArgumentParser:
    """Options every command accepts (``--data-dir``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", action="append", default=[], metavar="DIR",
        help="extra folder of series CSV files read on top of data/ (repeatable; also $ANALYSIS_DATA_PATH)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="analysis",
        description="Feasibility of numeric S&T targets in Chinese local plans (科技创新目标可行性评估).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = common_parser()
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"analysis.commands.{name}")
        except ModuleNotFoundError as err:
            if err.name == f"analysis.commands.{name}":
                continue  # command not built yet
            raise
        module.register(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``analysis`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from analysis.config import set_extra_data_dirs

    try:
        set_extra_data_dirs(getattr(args, "data_dir", None))
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # `analysis assess | head`
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
