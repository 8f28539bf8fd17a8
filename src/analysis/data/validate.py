"""``analysis data validate``: check every data file and list every problem as ``file:line:column: reason``.

Checks, in order: the indicator catalogue, the region table, every series file (schema, row rules,
plausibility), the annual changes across all series files together, and the target registry
(schema and plausibility: targets are judged here, not first at assessment).
"""
from __future__ import annotations

from pathlib import Path

from analysis.config import data_dir
from analysis.data.catalogue import load_indicators
from analysis.data.csvio import CsvReadError
from analysis.data.loaders import read_series_file, series_files
from analysis.data.plausibility import annual_change_problems
from analysis.data.regions import region_table
from analysis.data.schemas import Problem, parse_targets, read_text_csv


def validate_all(extra_dirs: list[str | Path] | None = None, targets: Path | None = None) -> tuple[list[Problem], dict]:
    """Validate the catalogue, the regions, every series file and the registry.

    Returns ``(problems, summary)``; ``summary`` maps file name to its row count.
    """
    problems: list[Problem] = []
    summary: dict[str, int] = {}
    try:
        catalogue = load_indicators()
        regions = region_table()
    except (ValueError, OSError) as err:  # the catalogue and regions are needed by every other check
        return [_problem(err, data_dir() / "indicators.csv")], summary
    summary["indicators.csv"] = len(catalogue)
    summary["regions.csv"] = len(regions)
    parsed = []
    for f in series_files(extra_dirs):
        typed, found = read_series_file(f, catalogue)
        summary[_described(f, typed)] = len(typed)
        problems += found
        parsed.append((str(f), typed))
    problems += annual_change_problems(parsed, catalogue)
    tpath = Path(targets or data_dir() / "targets" / "targets.csv")
    if not tpath.exists():
        problems.append(Problem(str(tpath), None, None, "target registry not found"))
        return problems, summary
    try:
        raw = read_text_csv(tpath)
    except CsvReadError as err:
        problems.append(_problem(err, tpath))
        return problems, summary
    typed, found = parse_targets(raw, str(tpath), catalogue, regions)
    summary[_described(tpath, raw)] = len(typed)
    problems += found
    return problems, summary


def _problem(err: Exception, default_file: Path) -> Problem:
    if isinstance(err, CsvReadError):
        return Problem(err.file, err.line, err.column, err.reason)
    return Problem(str(default_file), None, None, str(err))


def _described(path: Path, frame) -> str:
    """The file name for the summary, saying when it was not UTF-8 (read as GB18030)."""
    if frame.attrs.get("encoding") == "gb18030":
        return f"{path} (read as GB18030; please save as UTF-8)"
    return str(path)
