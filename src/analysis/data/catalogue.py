"""The indicator catalogue (``data/indicators.csv``): codes, names, canonical units and kinds.

``kind`` decides the scale the models work on: counts and amounts on log scale (growth in %),
shares and rates on their own scale (change in percentage points).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.config import data_dir

KINDS = ("count", "amount", "share", "rate")
LOG_KINDS = ("count", "amount")


def load_indicators(path: Path | None = None) -> pd.DataFrame:
    """Load the indicator catalogue, indexed by ``code``.

    Raises ``ValueError`` naming the file, line and column when a row is malformed.
    """
    path = Path(path or data_dir() / "indicators.csv")
    from analysis.data.csvio import read_csv_text

    table = read_csv_text(path, required=["code", "name_zh", "unit", "kind", "higher_is_better"])
    problems = []
    for i, row in table.iterrows():
        line = i + 2
        if not row["code"]:
            problems.append(f"{path}:{line}:code: empty indicator code")
        if row["kind"] not in KINDS:
            problems.append(f"{path}:{line}:kind: {row['kind']!r} not in {KINDS}")
        if row["higher_is_better"].lower() not in ("true", "false"):
            problems.append(f"{path}:{line}:higher_is_better: must be true or false")
    dup = table["code"][table["code"].duplicated()]
    problems += [f"{path}:{i + 2}:code: duplicate code {c!r}" for i, c in dup.items()]
    if problems:
        raise ValueError("\n".join(problems))
    table["higher_is_better"] = table["higher_is_better"].str.lower() == "true"
    return table.set_index("code", drop=False)


def is_log_scale(kind: str) -> bool:
    """Counts and amounts are modelled as log levels; shares and rates in points."""
    return kind in LOG_KINDS
