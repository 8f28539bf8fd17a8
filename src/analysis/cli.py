"""Command-line interface: argument parsing only; each command calls library functions.

Command modules live in ``analysis.commands``; each exposes ``register(subparsers)`` and keeps its
heavy imports inside the function it runs, so ``analysis --help`` starts fast. Parameters are
checked at the edge (``analysis.commands.args`` types, then :mod:`analysis.resolve`): a bad one
exits with code 2 and a message naming it, before any output.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

from analysis.commands.args import FLAGS, HELP_FORMAT, data_folder, examples, fail

COMMAND_MODULES = ("data", "indicators", "assess", "backtest", "extract", "targets", "report", "batch", "cache")


def common_parser() -> argparse.ArgumentParser:
    """Options every command accepts (``--data-dir``, ``-v``, ``-q``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", action="append", default=[], metavar="DIR", type=data_folder,
        help="extra folder of series CSV files read on top of data/ (repeatable; also $ANALYSIS_DATA_PATH)",
    )
    _verbosity(common, default=argparse.SUPPRESS)
    return common


def _verbosity(parser: argparse.ArgumentParser, default) -> None:
    parser.add_argument("-v", "--verbose", action="count", default=default,
                        help="say more (-v: progress, -vv: debug)")
    parser.add_argument("-q", "--quiet", action="count", default=default,
                        help="say less (-q: errors only, no warnings)")


def build_parser() -> argparse.ArgumentParser:
    from analysis import __version__

    parser = argparse.ArgumentParser(
        prog="analysis", formatter_class=HELP_FORMAT,
        description="Feasibility of numeric S&T targets in Chinese local plans (科技创新目标可行性评估).",
        epilog=examples(
            "analysis data validate",
            "analysis indicators",
            "analysis assess --region 汕尾 --indicator 高企 --baseline-year 2021 --baseline 49 "
            "--target-year 2022 --target 100",
            "analysis report target shanwei2022-t01-hte_count --lang en",
            "analysis batch --workers 2",
            "analysis COMMAND --help      # options and examples of one command",
        ),
    )
    parser.add_argument("--version", action="version", version=f"analysis {__version__}")
    _verbosity(parser, default=0)
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


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (so captured output in tests sees it)."""

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def setup_logging(verbose: int = 0, quiet: int = 0) -> None:
    """The ``analysis`` loggers at WARNING, INFO with -v, DEBUG with -vv, ERROR with -q, on stderr.

    Example:
        >>> setup_logging(verbose=1); logging.getLogger("analysis").level == logging.INFO
        True
    """
    level = max(logging.DEBUG, min(logging.CRITICAL, logging.WARNING - 10 * verbose + 10 * quiet))
    logger = logging.getLogger("analysis")
    logger.setLevel(level)
    for handler in [h for h in logger.handlers if isinstance(h, _StderrHandler)]:
        logger.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger.addHandler(handler)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``analysis`` console script."""
    from analysis.resolve import ResolveError

    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.verbose, args.quiet)
    from analysis.config import set_extra_data_dirs

    try:
        set_extra_data_dirs(getattr(args, "data_dir", None))
    except FileNotFoundError as err:
        return fail(f"--data-dir: {err}")
    from analysis.data.schemas import DataValidationError

    try:
        return int(args.func(args) or 0)
    except ResolveError as err:  # a name or number the data cannot use
        return fail(err.named(FLAGS))
    except DataValidationError as err:  # bad data met by any command: the findings, not a traceback
        return fail(str(err))
    except BrokenPipeError:  # `analysis assess | head`
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
