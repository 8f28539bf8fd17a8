"""``analysis data validate``: check every data file and list every problem as ``file:line:column: reason``."""
from __future__ import annotations

from pathlib import Path

from analysis.config import data_dir
from analysis.data.catalogue import load_indicators
from analysis.data.loaders import read_series_file, series_files
from analysis.data.schemas import Problem, parse_targets, read_text_csv


def validate_all(extra_dirs: list[str | Path] | None = None, targets: Path | None = None) -> tuple[list[Problem], dict]:
    """Validate the catalogue, every series file and the registry.

    Returns ``(problems, summary)``; ``summary`` maps file name to its row count.
    """
    problems: list[Problem] = []
    summary: dict[str, int] = {}
    try:
        catalogue = load_indicators()
    except ValueError as err:  # the catalogue is needed by every other check
        return [Problem(str(data_dir() / "indicators.csv"), None, None, str(err))], summary
    summary["indicators.csv"] = len(catalogue)
    for f in series_files(extra_dirs):
        try:
            typed, found = read_series_file(f, catalogue)
        except Exception as err:  # unreadable CSV: report, continue with the others
            problems.append(Problem(str(f), None, None, f"cannot read: {err}"))
            continue
        summary[str(f)] = len(typed)
        problems += found
    tpath = Path(targets or data_dir() / "targets" / "targets.csv")
    if tpath.exists():
        typed, found = parse_targets(read_text_csv(tpath), str(tpath), catalogue)
        summary[str(tpath)] = len(typed)
        problems += found
    else:
        problems.append(Problem(str(tpath), None, None, "target registry not found"))
    return problems, summary
