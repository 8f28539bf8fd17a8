"""Loaders: the cross-region panel and the target registry as tidy pandas DataFrames.

``load_series`` returns every sourced observation (one row per source); ``load_panel`` picks one
value per (region, indicator, year) by the documented pick rule; ``load_targets`` returns the
registry. Everything is validated on load; a bad file raises :class:`DataValidationError` whose
message lists ``file:line:column: reason`` for every problem.

Pick rule when several sources give a value for the same (region, indicator, year):
1. reliability official > press > secondary;
2. qualifier exact > approx > at_least/at_most (bounds are the weakest information);
3. reported (``derived=false``) over derived;
4. then the bundled file order (first row wins).
The number of sources and whether they disagreed are kept (``n_sources``, ``conflict``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.config import data_dir, extra_data_dirs
from analysis.data.catalogue import load_indicators
from analysis.data.regions import normalise_region
from analysis.data.schemas import (
    SERIES_COLUMNS,
    DataValidationError,
    Problem,
    parse_series,
    parse_targets,
    read_text_csv,
)
from analysis.data.csvio import CsvReadError, read_header
from analysis.data.plausibility import annual_change_problems
from analysis.data.units import canonicalise

_RELIABILITY_RANK = {"official": 0, "press": 1, "secondary": 2}
_QUALIFIER_RANK = {"exact": 0, "approx": 1, "at_least": 2, "at_most": 2}


def series_files(extra_dirs: list[str | Path] | None = None) -> list[Path]:
    """Every series CSV: ``data/series/*.csv`` then each extra folder (its CSVs and ``series/`` CSVs).

    In an extra folder, only CSV files whose header has the series columns are used, so a folder
    may also hold other tables (e.g. a README or a registry).
    """
    files = sorted((data_dir() / "series").glob("*.csv"))
    for folder in extra_data_dirs(extra_dirs):
        for f in sorted(list(folder.glob("*.csv")) + list((folder / "series").glob("*.csv"))):
            if f not in files and _looks_like_series(f):
                files.append(f)
    return files


def _looks_like_series(path: Path) -> bool:
    """Whether ``path`` has the series columns; a file that cannot be read counts as one (so that
    its error is reported instead of the file being silently skipped)."""
    try:
        cols = set(read_header(path))
    except CsvReadError:
        return True
    return {"region", "indicator", "year", "value", "unit", "source"} <= cols


def read_series_file(path: Path, catalogue: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse one series file; returns the typed rows (with ``file`` and ``line``) and the problems.

    A file that cannot be read as a CSV gives no rows and one problem naming file, line and column.
    """
    catalogue = load_indicators() if catalogue is None else catalogue
    try:
        raw = read_text_csv(path)
    except CsvReadError as err:
        empty = pd.DataFrame(columns=SERIES_COLUMNS)
        return empty.assign(file=pd.Series(dtype=str), line=pd.Series(dtype=int)), \
            [Problem(err.file, err.line, err.column, err.reason)]
    typed, problems = parse_series(raw, str(path), catalogue)
    typed["file"] = path.name
    typed["line"] = typed.index + 2
    return typed, problems


def load_series(extra_dirs: list[str | Path] | None = None, validate: bool = True) -> pd.DataFrame:
    """Every sourced observation from the bundled and extra series files, canonicalised.

    Columns: the series columns plus ``value_raw``, ``unit_raw`` (as written), ``value``/``unit``
    in the canonical unit (万元 → 亿元), ``file``, ``line``. Region names are normalised.
    Rows repeated verbatim across files (same region, indicator, year, value, source) are kept once.
    """
    catalogue = load_indicators()
    frames, problems = [], []
    files = series_files(extra_dirs)
    for f in files:
        typed, found = read_series_file(f, catalogue)
        problems += found
        frames.append(typed)
    if validate:
        problems += annual_change_problems([(str(f), t) for f, t in zip(files, frames)], catalogue)
    if validate and problems:
        raise DataValidationError(problems)
    if not frames:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    df = pd.concat(frames, ignore_index=True)
    df = df[df["value"].notna() & df["year"].notna()].copy()
    names = {n: normalise_region(n) for n in set(df["region"]) | set(df["parent"]) if n}  # once per name
    df["region"] = df["region"].map(names)
    df["parent"] = df["parent"].map(lambda p: names[p] if p else p)
    df.loc[df["region"] == "全国", ["level", "parent"]] = ["country", ""]  # the nation is not a peer province
    df["value_raw"], df["unit_raw"] = df["value"], df["unit"]
    df["value"], df["unit"] = canonicalise(df["value_raw"], df["unit_raw"])
    df["year"] = df["year"].astype(int)
    df = df.drop_duplicates(subset=["region", "indicator", "year", "value", "source"], keep="first")
    return df.reset_index(drop=True)


def pick_observations(series: pd.DataFrame) -> pd.DataFrame:
    """One row per (region, indicator, year) by the pick rule in this module's docstring."""
    if series.empty:
        return series.assign(n_sources=pd.Series(dtype=int), conflict=pd.Series(dtype=bool))
    s = series.copy()
    s["_order"] = np.arange(len(s))
    s["_rel"] = s["reliability"].map(_RELIABILITY_RANK).fillna(9)
    s["_qual"] = s["qualifier"].map(_QUALIFIER_RANK).fillna(9)
    s = s.sort_values(["region", "indicator", "year", "_rel", "_qual", "derived", "_order"])
    keys = ["region", "indicator", "year"]
    stats = s.groupby(keys).agg(n_sources=("value", "size"), _vmin=("value", "min"), _vmax=("value", "max"))
    picked = s.drop_duplicates(subset=keys, keep="first").set_index(keys)
    picked = picked.join(stats)
    picked["conflict"] = ~np.isclose(picked["_vmin"], picked["_vmax"], rtol=1e-6, atol=0)
    picked = picked.drop(columns=["_order", "_rel", "_qual", "_vmin", "_vmax"]).reset_index()
    return picked.sort_values(keys).reset_index(drop=True)


def load_panel(extra_dirs: list[str | Path] | None = None, indicator: str | None = None,
               level: str | None = None) -> pd.DataFrame:
    """The tidy panel, one value per (region, indicator, year), optionally filtered.

    >>> panel = load_panel()                                  # doctest: +SKIP
    >>> panel.query("indicator == 'hte_count' and region == '汕尾市'")  # doctest: +SKIP
    """
    panel = pick_observations(load_series(extra_dirs))
    if indicator is not None:
        panel = panel[panel["indicator"] == indicator]
    if level is not None:
        panel = panel[panel["level"] == level]
    return panel.reset_index(drop=True)


def load_targets(path: Path | None = None, validate: bool = True) -> pd.DataFrame:
    """The target registry (``data/targets/targets.csv``), typed and validated.

    Adds canonical ``baseline_value_c``/``target_value_c``/``unit_c`` (万元 → 亿元) beside the raw ones.
    """
    path = Path(path or data_dir() / "targets" / "targets.csv")
    catalogue = load_indicators()
    try:
        raw = read_text_csv(path)
    except CsvReadError as err:
        raise DataValidationError([Problem(err.file, err.line, err.column, err.reason)]) from None
    typed, problems = parse_targets(raw, str(path), catalogue)
    if validate and problems:
        raise DataValidationError(problems)
    typed["region"] = typed["region"].map(normalise_region)
    typed["parent"] = typed["parent"].map(lambda p: normalise_region(p) if p else p)
    typed["baseline_value_c"], typed["unit_c"] = canonicalise(typed["baseline_value"], typed["unit"])
    typed["target_value_c"], _ = canonicalise(typed["target_value"], typed["unit"])
    typed["line"] = typed.index + 2
    return typed
