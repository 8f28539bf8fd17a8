"""Coverage: which region-years hold a sourced value, so a researcher sees what the outside view stands on.

Two views: :func:`coverage_grid` (one indicator, region × year, number of sources per cell) and
:func:`level_year_grid` (every indicator, level × year, number of regions with a value), the
summary of how many peers each year and level of the reference class can draw on.
"""
from __future__ import annotations

import difflib
from pathlib import Path

import pandas as pd

from analysis.data.catalogue import load_indicators
from analysis.data.loaders import load_series
from analysis.data.schemas import LEVELS


def _check_indicator(indicator: str, catalogue: pd.DataFrame) -> None:
    """Raise ``ValueError`` with close matches when ``indicator`` is not in the catalogue."""
    if indicator not in catalogue.index:
        hint = difflib.get_close_matches(indicator, list(catalogue.index), n=5, cutoff=0.3)
        raise ValueError(f"unknown indicator {indicator!r}; close matches: {', '.join(hint) or 'none'}")


def coverage_grid(indicator: str = "hte_count", level: str | None = None, parent: str | None = None,
                  series: pd.DataFrame | None = None, extra_dirs: list[str | Path] | None = None) -> pd.DataFrame:
    """Region × year grid of the number of sourced values (0 where none).

    Rows are regions (sorted by parent then name), columns years; a ``total`` column counts the
    region-years with at least one value.
    """
    _check_indicator(indicator, load_indicators())
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


def level_year_grid(indicators: list[str] | None = None, level: str | None = None, parent: str | None = None,
                    series: pd.DataFrame | None = None,
                    extra_dirs: list[str | Path] | None = None) -> pd.DataFrame:
    """Indicator × level rows, year columns: how many regions hold at least one sourced value.

    Why: the outside view compares a region with its peers of the same level in the same years;
    this grid shows, per indicator, how many peers each level offers in each year. Extra columns:
    ``regions`` (distinct regions over all years) and ``region_years`` (region-years with a value).
    Levels follow :data:`analysis.data.schemas.LEVELS` (country first); years run from the first to
    the last year of the selection, 0 where no region has a value.

    >>> s = pd.DataFrame({"indicator": "x", "level": ["city", "city", "province"],
    ...                   "region": ["A", "B", "P"], "parent": "P", "year": [2020, 2021, 2021]})
    >>> level_year_grid(series=s).loc[("x", "city"), [2020, 2021, "regions"]].tolist()
    [1, 1, 2]
    """
    s = load_series(extra_dirs) if series is None else series
    if indicators:
        catalogue = load_indicators()
        for ind in indicators:
            _check_indicator(ind, catalogue)
        s = s[s["indicator"].isin(indicators)]
    if level:
        s = s[s["level"] == level]
    if parent:
        s = s[s["parent"] == parent]
    if s.empty:
        return pd.DataFrame()
    years = range(int(s["year"].min()), int(s["year"].max()) + 1)
    keyed = s[["indicator", "level", "region", "year"]].drop_duplicates()
    grid = keyed.groupby(["indicator", "level", "year"])["region"].nunique().unstack("year", fill_value=0)
    grid = grid.reindex(columns=years, fill_value=0)
    grid["regions"] = keyed.groupby(["indicator", "level"])["region"].nunique()
    grid["region_years"] = keyed.groupby(["indicator", "level"]).size()
    rank = {lv: i for i, lv in enumerate(LEVELS)}
    order = sorted(grid.index, key=lambda k: (k[0], rank.get(k[1], len(rank)), k[1]))
    return grid.loc[order].astype(int)


def format_level_grid(grid: pd.DataFrame) -> str:
    """Plain text: one block per indicator, a row per level, ``·`` where no region has a value.

    Each block spans only the indicator's own years, so short series stay narrow.
    """
    if grid.empty:
        return "no sourced values"
    year_cols = [c for c in grid.columns if isinstance(c, int)]
    blocks = []
    for ind, block in grid.groupby(level="indicator", sort=False):
        filled = [y for y in year_cols if block[y].sum() > 0]
        years = list(range(filled[0], filled[-1] + 1)) if filled else []
        head = (f"{ind}: {int(block['region_years'].sum())} region-years, "
                f"{years[0]}–{years[-1]}" if years else f"{ind}: no values")
        lines = [head, f"{'':10s}" + "".join(f"{str(y)[-2:]:>4s}" for y in years) + "  regions  region-years"]
        for (_, lv), row in block.iterrows():
            cells = "".join(f"{(str(int(row[y])) if row[y] else '·'):>4s}" for y in years)
            lines.append(f"{lv:10s}{cells}  {int(row['regions']):7d}  {int(row['region_years']):12d}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
