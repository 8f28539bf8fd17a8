"""Plausibility rules: values a schema accepts but no real statistic could have, each with its reason.

PUDL-style: every rule is a row of a declarative table that says *why* the bound is where it is,
and the reason is printed with every finding. A row whose ``note`` explains an extreme value (a
changed definition, a merger of districts) passes the value and change rules; units and regions
have no such escape (a unit that does not fit is always an error; a region the toolkit does not
know must be declared with ``new_region=true`` and its level and parent).

The rules are keyed by indicator *kind* and canonical unit (from ``data/indicators.csv``), so they
apply to every file, present and future. A catalogue row may narrow or widen them with optional
columns ``min_value``, ``max_value`` and ``max_annual_factor``.

>>> value_bounds("share", "%")
Bound(low=0.0, high=100.0, reason='a share is a percentage of a whole: 0–100')
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.data.units import CANONICAL, canonicalise, compatible

if TYPE_CHECKING:
    from analysis.data.schemas import Problem


@dataclass(frozen=True)
class Bound:
    """Closed range a canonical value must lie in, and why."""

    low: float
    high: float
    reason: str


#: (kind, canonical unit or "*") -> bound on the canonical value
VALUE_BOUNDS: dict[tuple[str, str], Bound] = {
    ("count", "*"): Bound(0.0, 1e8, "a count of firms, patents or people above 100 million exceeds any national "
                                    "total in China (largest: ~9 million R&D personnel, ~5 million patent grants)"),
    ("amount", "亿元"): Bound(0.0, 1e7, "more than 10 million 亿元 is about eight times China's GDP"),
    ("amount", "万美元"): Bound(0.0, 1e8, "more than 1 trillion US dollars exceeds China's technology trade many times over"),
    ("amount", "件/万人"): Bound(0.0, 1e4, "more than 10 000 per 10 000 residents is more than one per person"),
    ("share", "*"): Bound(0.0, 100.0, "a share is a percentage of a whole: 0–100"),
    ("rate", "*"): Bound(-100.0, 1000.0, "a growth rate below −100% is impossible; above +1000% in a year is a typo "
                                         "or a changed definition"),
}

#: kind -> (largest annual factor for log kinds / largest annual change in points, smallest level it applies to, reason)
ANNUAL_CHANGE: dict[str, tuple[float, float, str]] = {
    "count": (20.0, 50.0, "a count changing more than ×20 in one year (from or to at least 50) is almost always "
                          "a unit slip (万家 as 家) or a changed definition"),
    "amount": (20.0, 0.0, "an amount changing more than ×20 in one year is almost always a unit slip "
                          "(万元 as 亿元) or a changed definition"),
    "share": (30.0, 0.0, "a share moving more than 30 percentage points in one year is almost always a typo "
                         "or a changed denominator"),
}


def value_bounds(kind: str, unit: str, indicator: pd.Series | None = None) -> Bound | None:
    """The bound for a canonical value of an indicator of ``kind`` in canonical ``unit`` (``None``: no bound)."""
    bound = VALUE_BOUNDS.get((kind, unit)) or VALUE_BOUNDS.get((kind, "*"))
    if indicator is not None:
        low, high = _catalogue_number(indicator, "min_value"), _catalogue_number(indicator, "max_value")
        if low is not None or high is not None:
            base = bound or Bound(-math.inf, math.inf, "")
            bound = Bound(base.low if low is None else low, base.high if high is None else high,
                          f"bounds set for {indicator.name} in data/indicators.csv")
    return bound


def _catalogue_number(indicator: pd.Series, column: str) -> float | None:
    raw = str(indicator.get(column, "") or "").strip()
    try:
        return float(raw) if raw else None
    except ValueError:
        return None


def _noted(note: object) -> bool:
    return bool(str(note or "").strip())


def series_value_problems(typed: pd.DataFrame, file: str, catalogue: pd.DataFrame) -> list["Problem"]:
    """Rows whose canonical value lies outside its indicator's bound and whose note says nothing.

    Vectorised: bounds are looked up once per (indicator, canonical unit) and compared column-wise;
    only the offending rows are visited to write their message (a provincial table has 7,000 rows).
    """
    from analysis.data.schemas import Problem

    out: list[Problem] = []
    if typed.empty:
        return out
    canon, units = canonicalise(typed["value"], typed["unit"])
    inds = typed["indicator"]
    known = inds.isin(catalogue.index) & canon.notna() & typed["unit"].isin(list(CANONICAL))
    bounds: dict[tuple[str, str], Bound | None] = {}
    for ind, unit in set(zip(inds[known], units[known])):
        bounds[(ind, unit)] = value_bounds(catalogue.at[ind, "kind"], unit, catalogue.loc[ind])
    keys = list(zip(inds, units))
    low = pd.Series([b.low if (b := bounds.get(k)) else -math.inf for k in keys], index=typed.index, dtype=float)
    high = pd.Series([b.high if (b := bounds.get(k)) else math.inf for k in keys], index=typed.index, dtype=float)
    noted = typed["note"].fillna("").astype(str).str.strip().ne("")
    with np.errstate(invalid="ignore"):
        outside = known & ~((canon >= low) & (canon <= high)) & ~noted
    for i in typed.index[outside.to_numpy()]:
        ind = typed.at[i, "indicator"]
        bound = bounds[(ind, units[i])]
        out.append(Problem(file, int(i) + 2, "value",
                           f"implausible value {typed.at[i, 'value']:g} {typed.at[i, 'unit']} for {ind} "
                           f"(allowed {bound.low:g}–{bound.high:g} {units[i]}): {bound.reason}; "
                           "explain it in the row's note if it is real"))
    return out


def annual_change_problems(files: list[tuple[str, pd.DataFrame]], catalogue: pd.DataFrame) -> list["Problem"]:
    """Consecutive-year pairs of one region and indicator (across all files) that change beyond the rule.

    The later row is reported, naming the earlier one; a note on the later row lets the pair pass
    (not one on the earlier row: bundled rows carry notes about their own provenance).
    """
    from analysis.data.schemas import Problem

    parts = []
    for file, typed in files:
        if typed.empty:
            continue
        part = typed[["region", "indicator", "year", "value", "unit", "note"]].copy()
        part["_file"], part["_line"] = file, typed.index + 2
        parts.append(part)
    if not parts:
        return []
    rows = pd.concat(parts, ignore_index=True)
    rows = rows[rows["indicator"].isin(catalogue.index) & rows["value"].notna() & rows["year"].notna()]
    rows = rows.assign(kind=rows["indicator"].map(catalogue["kind"]))
    rows = rows[rows["kind"].isin(list(ANNUAL_CHANGE))].copy()
    rows["_v"], rows["_u"] = canonicalise(rows["value"], rows["unit"])
    rows["year"] = rows["year"].astype(int)
    prev = rows.assign(year=rows["year"] + 1)
    pairs = rows.merge(prev, on=["region", "indicator", "year", "_u"], suffixes=("", "_prev"))
    out: list[Problem] = []
    if pairs.empty:
        return out
    # vectorised test; only offending pairs are visited to write their message
    limit = pairs["kind"].map(lambda k: ANNUAL_CHANGE[k][0]).astype(float)
    floor = pairs["kind"].map(lambda k: ANNUAL_CHANGE[k][1]).astype(float)
    overrides = {k: _catalogue_number(catalogue.loc[k], "max_annual_factor") for k in pairs["indicator"].unique()}
    override = pairs["indicator"].map(overrides).astype(float)
    limit = override.where(override.notna(), limit)
    now, before = pairs["_v"].astype(float), pairs["_v_prev"].astype(float)
    share = pairs["kind"].eq("share")
    lo, hi = np.minimum(now, before), np.maximum(now, before)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_bad = (hi >= floor) & ((lo <= 0) | (hi / lo > limit)) & (hi > 0)
    bad = np.where(share, (now - before).abs() > limit, ratio_bad)
    noted = pairs["note"].fillna("").astype(str).str.strip().ne("")
    for j in np.flatnonzero(bad & ~noted.to_numpy()):
        p = pairs.iloc[j]
        n_, b_ = float(p["_v"]), float(p["_v_prev"])
        if p["kind"] == "share":
            change = f"{n_ - b_:+g} points"
        else:
            change = f"×{n_ / b_:.3g}" if b_ > 0 else "from 0"
        out.append(Problem(p["_file"], int(p["_line"]), "value",
                           f"{p['region']} {p['indicator']} {p['year'] - 1}→{p['year']}: {b_:g} → {n_:g} "
                           f"{p['_u']} ({change}; earlier row {p['_file_prev']}:{p['_line_prev']}): "
                           f"{ANNUAL_CHANGE[p['kind']][2]}; explain it in this row's note if it is real"))
    return out


# ---------------------------------------------------------------------- regions
def region_problems(typed: pd.DataFrame, file: str, regions: pd.DataFrame) -> list["Problem"]:
    """Regions must be in ``data/regions.csv`` (by name or alias) with its level and parent, or be
    declared ``new_region=true`` with a level and a known parent.

    Why: an unknown name (a typo, 火星市) would otherwise be assessed with the peers and defaults of
    whatever level and parent the row claims, and look like a real result.
    """
    from analysis.data.regions import alias_map
    from analysis.data.schemas import Problem

    aliases = alias_map(regions)
    level_of = dict(zip(regions["name"], regions["level"]))
    parent_of = dict(zip(regions["name"], regions["parent"]))
    new = typed["new_region"] if "new_region" in typed.columns else pd.Series(False, index=typed.index)
    out: list[Problem] = []
    parents = typed["parent"] if "parent" in typed.columns else pd.Series("", index=typed.index)
    # plain lists: row access through .at costs ~100 µs a row on a 7,000-row table
    for i, raw, parent_cell, level_cell, is_new in zip(typed.index, typed["region"].astype(str), parents,
                                                        typed["level"], new):
        line = int(i) + 2
        if not raw.strip():
            continue  # the schema reports an empty region
        name = aliases.get(raw.strip())
        parent_raw = str(parent_cell).strip()
        parent = aliases.get(parent_raw, parent_raw)
        level = str(level_cell).strip()
        if name is None:
            if not bool(is_new):
                out.append(Problem(file, line, "region",
                                   f"unknown region {raw!r} (not in data/regions.csv); if it is real, add it there "
                                   "or set new_region=true with its level and parent"))
            elif not parent_raw and level not in ("country", "province"):
                out.append(Problem(file, line, "parent", f"new region {raw!r} needs its parent region"))
            elif parent_raw and parent_raw not in aliases:
                out.append(Problem(file, line, "parent", f"parent {parent_raw!r} of new region {raw!r} is unknown"))
            continue
        if level and level_of.get(name) and level != level_of[name] and not (name == "全国"):
            out.append(Problem(file, line, "level",
                               f"{raw!r} is a {level_of[name]} in data/regions.csv, not a {level}"))
        if parent_raw and parent_of.get(name) and parent != parent_of[name]:
            out.append(Problem(file, line, "parent",
                               f"{raw!r} lies in {parent_of[name]} according to data/regions.csv, not {parent_raw}"))
    return out


# ---------------------------------------------------------------------- targets
#: target types whose value is a level of the indicator itself (unit must fit the indicator's)
LEVEL_TYPES = ("level", "increment", "milestone", "breakthrough")


def target_problems(typed: pd.DataFrame, file: str, catalogue: pd.DataFrame) -> list["Problem"]:
    """Units that fit the indicator, values inside the bounds, and count/amount targets above zero."""
    from analysis.data.schemas import Problem

    out: list[Problem] = []
    for i in typed.index:
        row, line = typed.loc[i], int(i) + 2
        ind = row["indicator"]
        if ind not in catalogue.index or row["unit"] not in CANONICAL:
            continue
        kind, canon_ind = catalogue.at[ind, "kind"], catalogue.at[ind, "unit"]
        unit, ttype = CANONICAL[row["unit"]][0], row["target_type"]
        if ttype in LEVEL_TYPES and not compatible(unit, canon_ind) and not (unit == "%" and kind in ("share", "rate")):
            out.append(Problem(file, line, "unit", f"unit {row['unit']!r} does not fit indicator {ind} "
                                                   f"({kind}, canonical unit {canon_ind}) for a {ttype} target"))
            continue
        if ttype == "growth_rate" and unit != "%":
            out.append(Problem(file, line, "unit", f"a growth_rate target is in %, not {row['unit']!r}"))
            continue
        check_kind = "rate" if ttype == "growth_rate" else ("share" if ttype == "share" else kind)
        bound = value_bounds(check_kind, unit, catalogue.loc[ind] if check_kind == kind else None)
        # a growth_rate row's baseline_value is the indicator's level (1100 万元 → +9%), not a rate
        for col in ("target_value",) if ttype == "growth_rate" else ("baseline_value", "target_value"):
            v = row[col]
            if pd.isna(v) or bound is None:
                continue
            value = v * CANONICAL[row["unit"]][1]
            if not bound.low <= value <= bound.high:  # registry notes carry commentary: no escape here
                out.append(Problem(file, line, col, f"implausible {col} {v:g} {row['unit']} "
                                                    f"(allowed {bound.low:g}–{bound.high:g} {unit}): {bound.reason}"))
        if kind in ("count", "amount") and ttype in ("level", "increment") and pd.notna(row["target_value"]) \
                and row["target_value"] <= 0:
            out.append(Problem(file, line, "target_value",
                               f"a {ttype} target of {row['target_value']:g} for a {kind} indicator cannot be assessed "
                               "(it must be above 0)"))
    return out
