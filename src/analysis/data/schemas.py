"""Declarative schemas of the data files, and the parser that reports ``file:line:column: reason``.

Each CSV is read as text, parsed column by column (a value that is not a number is reported, not
silently turned into NaN), then checked with a pandera schema (allowed sets, ranges, non-empty
provenance) and with the cross-row rules pandera cannot express (units against the catalogue,
conflicting duplicates, target year after baseline year). Line numbers are those of the CSV file
(the header is line 1).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from analysis.data import plausibility
from analysis.data.regions import region_table
from analysis.data.units import CANONICAL, KNOWN_UNITS, canonicalise, compatible

LEVELS = ("country", "province", "city", "district", "county")
QUALIFIERS = ("exact", "at_least", "approx", "at_most")
RELIABILITIES = ("official", "press", "secondary")
TARGET_TYPES = ("level", "increment", "share", "growth_rate", "rank", "breakthrough", "milestone")
COMPARATORS = (">=", ">", "=", "<=", "<")
MIN_YEAR = 1949

SERIES_COLUMNS = [
    "region", "level", "parent", "indicator", "year", "value", "unit", "qualifier",
    "source", "quote", "reliability", "derived", "note",
]
TARGET_COLUMNS = [
    "target_id", "document", "region", "level", "parent", "indicator", "indicator_zh",
    "target_type", "comparator", "baseline_year", "baseline_value", "target_year",
    "target_quarter", "target_value", "unit", "quote", "masked", "region_note", "note",
]
#: columns a registry file may omit (filled with empty values)
TARGET_OPTIONAL = {"target_quarter", "region_note", "note", "parent", "indicator_zh", "new_region"}
SERIES_OPTIONAL = {"note", "parent", "new_region"}


@dataclass(frozen=True)
class Problem:
    """One validation finding, printed as ``file:line:column: reason``."""

    file: str
    line: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        loc = self.file
        if self.line is not None:
            loc += f":{self.line}"
        if self.column:
            loc += f":{self.column}"
        return f"{loc}: {self.reason}"


class DataValidationError(ValueError):
    """Raised by loaders when a data file breaks its schema; ``problems`` lists every finding."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        head = "\n".join(str(p) for p in problems[:50])
        more = f"\n… and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} data problem(s):\n{head}{more}")


def _str_nonempty() -> pa.Check:
    return pa.Check(lambda s: s.str.strip().str.len() > 0, element_wise=False, error="must not be empty")


def series_schema(indicator_codes: list[str]) -> pa.DataFrameSchema:
    """pandera schema of a parsed series file (``data/series/*.csv``)."""
    this_year = _dt.date.today().year
    return pa.DataFrameSchema(
        {
            "region": pa.Column(str, _str_nonempty()),
            "level": pa.Column(str, pa.Check.isin(LEVELS, error=f"level must be one of {LEVELS}")),
            "parent": pa.Column(str),
            "indicator": pa.Column(
                str, pa.Check.isin(indicator_codes, error="unknown indicator (not in data/indicators.csv)")
            ),
            "year": pa.Column(
                "Int64",
                pa.Check.in_range(MIN_YEAR, this_year, error=f"year out of range {MIN_YEAR}–{this_year}"),
                nullable=True,
            ),
            "value": pa.Column(float, nullable=True),
            "unit": pa.Column(str, pa.Check.isin(sorted(KNOWN_UNITS), error="unknown unit")),
            "qualifier": pa.Column(str, pa.Check.isin(QUALIFIERS, error=f"qualifier must be one of {QUALIFIERS}")),
            "source": pa.Column(str, _str_nonempty()),
            "quote": pa.Column(str, _str_nonempty()),
            "reliability": pa.Column(
                str, pa.Check.isin(RELIABILITIES, error=f"reliability must be one of {RELIABILITIES}")
            ),
            "derived": pa.Column(bool),
            "note": pa.Column(str),
        },
        strict=False,
    )


def target_schema(indicator_codes: list[str]) -> pa.DataFrameSchema:
    """pandera schema of the parsed target registry (``data/targets/targets.csv``)."""
    codes = list(indicator_codes) + [""]
    return pa.DataFrameSchema(
        {
            "target_id": pa.Column(str, [_str_nonempty(), pa.Check(lambda s: ~s.duplicated(keep=False), error="duplicate target_id")]),
            "document": pa.Column(str, _str_nonempty()),
            "region": pa.Column(str, _str_nonempty()),
            "level": pa.Column(str, pa.Check.isin(LEVELS, error=f"level must be one of {LEVELS}")),
            "indicator": pa.Column(str, pa.Check.isin(codes, error="unknown indicator (not in data/indicators.csv)")),
            "target_type": pa.Column(str, pa.Check.isin(TARGET_TYPES, error=f"target_type must be one of {TARGET_TYPES}")),
            "comparator": pa.Column(str, pa.Check.isin(COMPARATORS, error=f"comparator must be one of {COMPARATORS}")),
            "baseline_year": pa.Column("Int64", pa.Check.in_range(MIN_YEAR, 2100, error="year out of range"), nullable=True),
            "target_year": pa.Column("Int64", pa.Check.in_range(MIN_YEAR, 2100, error="year out of range"), nullable=True),
            "target_quarter": pa.Column("Int64", pa.Check.isin([1, 2, 3, 4], error="quarter must be 1–4"), nullable=True),
            "baseline_value": pa.Column(float, nullable=True),
            "target_value": pa.Column(float, nullable=True),
            "unit": pa.Column(str, pa.Check.isin(sorted(KNOWN_UNITS) + [""], error="unknown unit")),
            "quote": pa.Column(str, _str_nonempty()),
            "masked": pa.Column(bool),
        },
        strict=False,
    )


# --------------------------------------------------------------------------- parsing helpers

_TRUE = {"true", "1", "yes", "t", "y"}
_FALSE = {"false", "0", "no", "f", "n", ""}


def read_text_csv(path: Path) -> pd.DataFrame:
    """Read a CSV with every cell as stripped text (see :func:`analysis.data.csvio.read_csv_text`).

    Raises :class:`~analysis.data.csvio.CsvReadError` (a ``ValueError``) naming file, line and column.
    """
    from analysis.data.csvio import read_csv_text

    return read_csv_text(path)


def _parse_numeric(frame: pd.DataFrame, col: str, file: str, problems: list[Problem], integer: bool) -> pd.Series:
    raw = frame[col]
    num = pd.to_numeric(raw.str.replace(",", "", regex=False), errors="coerce")
    bad = raw.ne("") & num.isna()
    for i in frame.index[bad]:
        problems.append(Problem(file, int(i) + 2, col, f"not a number: {raw[i]!r}"))
    infinite = num.notna() & ~np.isfinite(num.astype(float))
    for i in frame.index[infinite]:
        problems.append(Problem(file, int(i) + 2, col, f"not a finite number: {raw[i]!r} (values must be finite)"))
    num = num.where(~infinite)
    if integer:
        frac = num.notna() & (num % 1 != 0)
        for i in frame.index[frac]:
            problems.append(Problem(file, int(i) + 2, col, f"not a whole year: {raw[i]!r}"))
        num = num.where(~frac).astype("Int64")
    return num.astype("Int64") if integer else num.astype(float)


def _parse_bool(frame: pd.DataFrame, col: str, file: str, problems: list[Problem]) -> pd.Series:
    low = frame[col].str.lower()
    bad = ~low.isin(_TRUE | _FALSE)
    for i in frame.index[bad]:
        problems.append(Problem(file, int(i) + 2, col, f"must be true or false, got {frame[col][i]!r}"))
    return low.isin(_TRUE)


def _require_columns(frame: pd.DataFrame, required: list[str], optional: set[str], file: str, problems: list[Problem]) -> pd.DataFrame:
    missing = [c for c in required if c not in frame.columns and c not in optional]
    for c in missing:
        problems.append(Problem(file, 1, c, "required column is missing"))
    for c in required:
        if c not in frame.columns:
            frame[c] = ""
    return frame


def _pandera_problems(schema: pa.DataFrameSchema, frame: pd.DataFrame, file: str) -> list[Problem]:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        out = []
        cases = err.failure_cases
        for _, case in cases.iterrows():
            idx = case["index"]
            line = int(idx) + 2 if idx is not None and not pd.isna(idx) else None
            check = str(case["check"])
            reason = check if "(" in check and "error" not in check else check
            value = case["failure_case"]
            out.append(Problem(file, line, str(case["column"]), f"{reason} (value {value!r})"))
        return out
    return []


def parse_series(frame: pd.DataFrame, file: str, catalogue: pd.DataFrame,
                 regions: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse and check one series file; returns the typed frame and every problem found."""
    problems: list[Problem] = []
    frame = _require_columns(frame.copy(), SERIES_COLUMNS, SERIES_OPTIONAL, file, problems)
    typed = frame.copy()
    typed["year"] = _parse_numeric(frame, "year", file, problems, integer=True)
    typed["value"] = _parse_numeric(frame, "value", file, problems, integer=False)
    for i in frame.index[frame["value"].eq("")]:
        problems.append(Problem(file, int(i) + 2, "value", "missing value (leave the row out instead: missing is missing)"))
    for i in frame.index[frame["year"].eq("")]:
        problems.append(Problem(file, int(i) + 2, "year", "missing year"))
    typed["derived"] = _parse_bool(frame, "derived", file, problems)
    if "new_region" in frame.columns:  # optional: declares a region data/regions.csv does not list
        typed["new_region"] = _parse_bool(frame, "new_region", file, problems)
    from analysis.data.catalogue import with_variants  # partial-year and growth variants (extract --past)

    catalogue = with_variants(catalogue, typed["indicator"].unique())
    problems += _pandera_problems(series_schema(list(catalogue.index)), typed, file)
    problems += _series_row_rules(typed, file, catalogue)
    problems += plausibility.series_value_problems(typed, file, catalogue)
    problems += plausibility.region_problems(typed, file, regions if regions is not None else region_table())
    return typed, problems


def _series_row_rules(typed: pd.DataFrame, file: str, catalogue: pd.DataFrame) -> list[Problem]:
    out: list[Problem] = []
    # vectorised pre-selection (a provincial table has thousands of rows): only rows that break a
    # rule are visited one by one to write their message
    known = typed["indicator"].isin(catalogue.index) & typed["unit"].isin(list(CANONICAL))
    kinds = typed["indicator"].map(catalogue["kind"]).where(known)
    negative = known & kinds.isin(["count", "amount"]) & typed["value"].notna() & (typed["value"] < 0)
    canon = typed["unit"].map(lambda u: CANONICAL[u][0] if u in CANONICAL else "")
    ind_unit = typed["indicator"].map(catalogue["unit"]).fillna("")
    pairs = {(c, u): compatible(c, u) for c, u in set(zip(canon[known], ind_unit[known]))}
    misfit = known & pd.Series([not pairs.get((c, u), True) for c, u in zip(canon, ind_unit)], index=typed.index)
    for i in typed.index[negative | misfit]:
        row, line = typed.loc[i], int(i) + 2
        if negative[i]:
            out.append(Problem(file, line, "value", f"negative value {row['value']:g} for a {kinds[i]} indicator ({row['indicator']})"))
        if misfit[i]:
            out.append(Problem(file, line, "unit", f"unit {row['unit']!r} does not fit indicator {row['indicator']} (canonical unit {ind_unit[i]})"))
    out += conflicting_duplicates(typed, file)
    return out


def conflicting_duplicates(typed: pd.DataFrame, file: str) -> list[Problem]:
    """Rows sharing (region, indicator, year) whose values differ must explain it in ``note``."""
    out: list[Problem] = []
    if typed.empty:
        return out
    canon_value, _ = canonicalise(typed["value"], typed["unit"])
    with np.errstate(over="ignore", invalid="ignore"):  # 1e308 rounds to inf; the bounds rule reports it
        keyed = typed.assign(_v=canon_value.round(9))
    keyed = keyed[keyed.duplicated(["region", "indicator", "year"], keep=False)]  # only repeated keys
    for _, group in keyed.groupby(["region", "indicator", "year"], dropna=True):
        if group["_v"].nunique() > 1:
            for i, row in group.iterrows():
                if not row["note"].strip():
                    out.append(Problem(
                        file, int(i) + 2, "note",
                        f"duplicate key ({row['region']}, {row['indicator']}, {row['year']}) with differing values "
                        f"{sorted(group['_v'].dropna().unique().tolist())} and no note explaining the conflict",
                    ))
    return out


def parse_targets(frame: pd.DataFrame, file: str, catalogue: pd.DataFrame,
                  regions: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse and check the target registry; returns the typed frame and every problem found."""
    problems: list[Problem] = []
    frame = _require_columns(frame.copy(), TARGET_COLUMNS, TARGET_OPTIONAL, file, problems)
    typed = frame.copy()
    for col in ("baseline_year", "target_year", "target_quarter"):
        typed[col] = _parse_numeric(frame, col, file, problems, integer=True)
    for col in ("baseline_value", "target_value"):
        typed[col] = _parse_numeric(frame, col, file, problems, integer=False)
    typed["masked"] = _parse_bool(frame, "masked", file, problems)
    if "new_region" in frame.columns:  # optional: declares a region data/regions.csv does not list
        typed["new_region"] = _parse_bool(frame, "new_region", file, problems)
    problems += _pandera_problems(target_schema(list(catalogue.index)), typed, file)
    problems += plausibility.target_problems(typed, file, catalogue)
    problems += plausibility.region_problems(typed, file, regions if regions is not None else region_table())
    for i, row in typed.iterrows():
        line = int(i) + 2
        by, ty = row["baseline_year"], row["target_year"]
        if pd.notna(by) and pd.notna(ty) and ty <= by:
            problems.append(Problem(file, line, "target_year", f"target year {ty} is not after baseline year {by}"))
        if not row["masked"] and pd.isna(row["target_value"]) and row["target_type"] != "rank":
            problems.append(Problem(file, line, "target_value", "missing target value (set masked=true if the text hides it)"))
        if row["masked"] and pd.notna(row["target_value"]):
            problems.append(Problem(file, line, "target_value", "a masked target must not carry a value"))
        if not row["indicator"] and not row["indicator_zh"]:
            problems.append(Problem(file, line, "indicator_zh", "neither indicator code nor indicator_zh given"))
        ind = catalogue.loc[row["indicator"]] if row["indicator"] in catalogue.index else None
        if ind is not None and ind["kind"] == "count" and row["target_type"] in ("level", "milestone") \
                and pd.notna(row["target_value"]) and row["target_value"] < 0:
            problems.append(Problem(file, line, "target_value", "negative target for a count indicator"))
    return typed, problems
