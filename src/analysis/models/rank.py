"""Rank goals ("排名前进1位"): P(rank at the target year ≤ goal).

Two ways, said as such in the output:

- **joint simulation** where the parent's regions have data: every region under the same parent
  with a value in the as-of year is projected with the pooled model, sharing one common year shock
  per simulated year (a good year lifts everyone; ranks move only through region differences);
- **outside view of rank changes** otherwise: how often a region moved up ≥ k places in h years
  among the provinces on the S&T indicators of the panel (windows ending ≤ the as-of year,
  starting ranks below k + 1), :func:`rank_outside_view`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def rank_probability(engine, a) -> dict | None:
    """Joint simulation: dict with p, reference_class and the note's parameters, or None with a reason code."""
    if not a.parent:
        return {"reason": "rank_no_parent"}
    levels = engine.levels(a.indicator, a.as_of)
    now = levels[(levels["year"] == a.as_of) & (levels["parent"] == a.parent)]
    if a.region not in set(now["region"]) or len(now) < 3:
        return {"reason": "rank_too_few_regions", "n": int(len(now)), "parent": a.parent, "year": a.as_of}
    fit = engine.pooled_fit(a.indicator, a.as_of, a.level, a.parent)
    if fit is None:
        return {"reason": "rank_no_pooled"}
    regions = now["region"].tolist()
    y0 = now["y"].to_numpy(float)
    current = int((y0 > y0[regions.index(a.region)]).sum()) + 1
    advance = int(a.target_value or 1)
    goal = max(1, current - advance)
    paths = fit.simulate(y0, regions, max(a.horizon, 1), engine.rng(a.target_id), engine.n_draws)
    final = paths[:, :, -1]
    mine = final[:, regions.index(a.region)][:, None]
    ranks = (final > mine).sum(axis=1) + 1
    a.baseline_value, a.target_value = float(current), float(goal)
    return {"p": float(np.mean(ranks <= goal)), "reference_class": fit.reference_class,
            "params": {"current": current, "n": len(regions), "parent": a.parent, "year": a.as_of,
                       "goal": goal, "advance": advance}}


def rank_changes(levels: pd.DataFrame, h: int) -> pd.DataFrame:
    """Rank (1 = largest) of each region per year within its level, and its rank h years later.

    Input: region, level, year, y (one indicator). Output: start_rank, end_rank, n_regions, end_year.
    """
    d = levels[["region", "level", "year", "y"]].copy()
    d["rank"] = d.groupby(["level", "year"])["y"].rank(ascending=False, method="min")
    d["n_regions"] = d.groupby(["level", "year"])["y"].transform("size")
    later = d[["region", "year", "rank"]].rename(columns={"year": "end_year", "rank": "end_rank"})
    d = d.assign(end_year=d["year"] + h).merge(later, on=["region", "end_year"])
    return d.rename(columns={"rank": "start_rank"})[["region", "level", "year", "end_year", "start_rank",
                                                     "end_rank", "n_regions"]]


def rank_outside_view(engine, as_of: int, h: int, advance: int, level: str = "province",
                      min_regions: int = 10) -> dict | None:
    """Share of h-year windows in which a region moved up ≥ ``advance`` places (S&T indicators).

    Windows end ≤ ``as_of``, come from years with ≥ ``min_regions`` regions of ``level``, and start
    below rank ``advance`` (a region at the top cannot move up). Returns p, n windows, indicators.
    """
    def make():
        parts = []
        for k in sorted(engine._by_indicator):
            lv = engine.levels(k, as_of)
            lv = lv[lv["level"] == level]
            if lv.empty:
                continue
            rc = rank_changes(lv, h)
            rc = rc[rc["n_regions"] >= min_regions]
            parts.append(rc.assign(indicator=k))
        return pd.concat(parts, ignore_index=True) if parts else None
    rc = engine.cached(("rank_changes", as_of, h, level), make)
    if rc is None:
        return None
    rc = rc[rc["start_rank"] > advance]
    if len(rc) < 20:
        return None
    moved = (rc["start_rank"] - rc["end_rank"]) >= advance
    return {"p": float(moved.mean()), "n": int(len(rc)), "met": int(moved.sum()),
            "indicators": int(rc["indicator"].nunique())}
