"""Argument types and help texts shared by the commands: every parameter is checked at the edge.

An argparse ``type=`` function that raises ``argparse.ArgumentTypeError`` makes argparse print
``analysis assess: error: argument --baseline: must be a finite number, not 'inf'`` and exit 2
before anything runs, so no command starts on a value it cannot use. Names and numbers that need
the data (regions, indicators, as-of years) are checked by :mod:`analysis.resolve`, whose
:class:`~analysis.resolve.ResolveError` the commands print with the option's name (:data:`FLAGS`).
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

#: API parameter (registry column) → the option that carries it on the command line
FLAGS = {
    "region": "--region", "indicator": "--indicator", "level": "--level", "parent": "--parent",
    "baseline_year": "--baseline-year", "baseline_value": "--baseline", "target_year": "--target-year",
    "target_value": "--target", "as_of": "--as-of", "seed": "--seed", "target_type": "--target-type",
}


def finite_float(text: str) -> float:
    """A finite number (``inf``, ``nan`` and text refused).

    Example:
        >>> finite_float("49")
        49.0
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text!r}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None


def at_least(minimum: int):
    """An argparse type: a whole number ≥ ``minimum`` (``at_least(1)`` for --draws, ``at_least(0)`` for --limit).

    Example:
        >>> at_least(1)("5")
        5
    """
    def parse(text: str) -> int:
        value = _int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    parse.__name__ = f"integer >= {minimum}"
    return parse


def positive_float(text: str) -> float:
    """A finite number > 0 (seconds, for --timeout)."""
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def probability(text: str) -> float:
    """A finite number between 0 and 1 (for --min-confidence)."""
    value = finite_float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def year(text: str) -> int:
    """A whole year between 1949 and 2100."""
    from analysis.resolve import FIRST_YEAR, LAST_YEAR

    value = _int(text)
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise argparse.ArgumentTypeError(f"must be a year between {FIRST_YEAR} and {LAST_YEAR}, got {value}")
    return value


def name(text: str) -> str:
    """A non-empty name without path characters (regions end up in file names: ``../../etc`` is refused)."""
    from analysis.resolve import ResolveError, check_name

    try:
        return check_name(text, "name")
    except ResolveError as err:
        raise argparse.ArgumentTypeError(err.reason) from None


def data_folder(text: str) -> str:
    """An existing folder of extra data (a typo must not silently drop data)."""
    path = Path(text).expanduser()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is not a folder" if path.exists() else f"folder {text} does not exist")
    return text


def out_dir(text: str) -> str:
    """An output folder: an existing file there is refused (it would fail later with 'File exists')."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder")
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise argparse.ArgumentTypeError(f"{parent} is a file, so {text} cannot be a folder")
            break
    return text


def out_file(text: str) -> str:
    """An output file: a folder there is refused, and the folder it goes in must exist."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, not a file")
    if not path.absolute().parent.is_dir():
        raise argparse.ArgumentTypeError(f"folder {path.absolute().parent} does not exist")
    return text


def fail(message: str) -> int:
    """Print ``error: message`` to stderr; the exit code 2 of a bad parameter."""
    print(f"error: {message}", file=sys.stderr)
    return 2


def examples(*lines: str) -> str:
    """An argparse epilog: 'examples:' and one command per line."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


HELP_FORMAT = argparse.RawDescriptionHelpFormatter
