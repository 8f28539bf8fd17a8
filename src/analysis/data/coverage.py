"""Coverage: which region-years hold a sourced value, so a researcher sees what the outside view stands on."""
from __future__ import annotations

import difflib
from pathlib import Path

import pandas as pd

from analysis.data.catalogue import load_indicators
from analysis.data.loaders import load_series


def coverage_grid(indicator: str = "hte_count", level: str | None = None, parent: str | None = None,
                  series: pd.DataFrame | None = None, extra_dirs: list[str | Path] | None = None) -> pd.DataFrame:
    """Region × year grid of the number of sourced values (0 where none).

    Rows are regions (sorted by parent then name), columns years; a ``total`` column counts the
    region-years with at least one value.
    """
    catalogue = load_indicators()
    if indicator not in catalogue.index:
        hint = difflib.get_close_matches(indicator, list(catalogue.index), n=5, cutoff=0.3)
        raise ValueError(f"unknown indicator {indicator!r}; close matches: {', '.join(hint) or 'none'}")
    s = load_series(extra_dirs) if series is None else series
    s = s[s["indicator"] == indicator]
    if level:
        s = s[s["level"] == level]
    if parent:
        s = s[s["parent"] == parent]
    if s.empty:
        return pd.DataFrame()
    grid = s.groupby(["parent", "region", "year"]).size().unstack("year", fill_value=0)
    grid = grid.reindex(columns=range(int(s["year"].min()), int(s["year"].max()) + 1), fill_value=0)
    grid["total"] = (grid > 0).sum(axis=1)
    return grid.sort_index()


def format_grid(grid: pd.DataFrame, indicator: str) -> str:
    """Plain-text grid: ``·`` for no value, the count of sources otherwise."""
    if grid.empty:
        return f"no sourced values for {indicator}"
    years = [c for c in grid.columns if c != "total"]
    name_w = max(len(str(r)) for _, r in grid.index) * 2 + 2
    lines = [f"{indicator}: {int(grid['total'].sum())} sourced region-years in {len(grid)} regions"]
    lines.append(" " * name_w + " ".join(f"{str(y)[-2:]:>2}" for y in years) + "  total")
    for (parent, region), row in grid.iterrows():
        cells = " ".join(f"{(str(int(row[y])) if row[y] else '·'):>2}" for y in years)
        label = f"{region}"
        pad = name_w - len(label) * 2
        lines.append(label + " " * max(pad, 1) + cells + f"  {int(row['total']):5d}")
    per_year = (grid[years] > 0).sum(axis=0)
    lines.append("regions/yr" + " " * (name_w - 10) + " ".join(f"{int(v):>2}" for v in per_year))
    return "\n".join(lines)
