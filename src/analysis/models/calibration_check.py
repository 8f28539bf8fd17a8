"""Is a rung's P(meet) calibrated out of sample? The Platt slope of its backtest events, per held-out
group and pooled, with intervals that respect how the cases share errors.

A rung's backtest cases are not independent: every region forecast by one fold fit (one indicator,
held-out level or indicator, origin year) shares that fit's error and the year's common shock, so
the standard errors of a Platt fit that treats events as independent are far too small (on the
real panel, rung B's slope 0.33 had an i.i.d. se of 0.02 but only 28 fold fits behind it). This
module resamples whole clusters (indicator × level × origin) to get the interval of the slope b
of σ(a + b·logit P): b = 1 is calibrated, b < 1 over-confident, b > 1 under-confident.

A group (a held-out level for rung B, or all cases pooled) is called *calibrated* when the 95 %
cluster-bootstrap interval of b contains 1 **and** b itself lies within [2/3, 3/2] (a slope of 2/3
already turns a stated 0.9 into an observed 0.81; a wide interval from few folds is not proof).
A target is judged by its level's group where that group has at least :data:`MIN_CLUSTERS`
clusters, else by the pooled one (:func:`calibrated_for`). Where it is not calibrated and no
recalibration is proven, the engine shows no headline probability (note ``probability_withheld``),
only the range (:func:`analysis.models.recalibrate.apply`).

Example:
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.95, 2000)
    >>> c = pd.DataFrame({"indicator": "k", "level": np.repeat(["city", "province"], 1000),
    ...                   "origin": np.tile(np.arange(2010, 2020), 200), "horizon": 1,
    ...                   "p_g10": p, "met_g10": (rng.random(2000) < p).astype(float)})
    >>> check = slope_check(c, "level", reps=100)
    >>> check["calibrated"], sorted(check["groups"])
    (True, ['city', 'province'])
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.models.recalibrate import events, fit_platt

#: a held-out group is judged only with this many clusters (fold fits) behind it
MIN_CLUSTERS = 5
#: the slope must lie within [1/MAX_SLOPE_RATIO, MAX_SLOPE_RATIO] as well as its interval hold 1
MAX_SLOPE_RATIO = 1.5
REPS, SEED = 400, 0


def _slope(ev: pd.DataFrame, reps: int, seed: int) -> dict[str, Any]:
    """Platt (a, b) of the events, i.i.d. se, and the 95 % cluster-bootstrap interval of b; also the
    calibration-in-the-large gap (observed frequency − mean P) with its cluster-bootstrap interval."""
    m = fit_platt(ev["p"], ev["met"])
    p, met = ev["p"].to_numpy(float), ev["met"].to_numpy(float)
    members = [np.asarray(ix) for ix in ev.reset_index(drop=True).groupby("cluster", sort=True).indices.values()]
    rng = np.random.default_rng(seed)
    boot, gaps = [], []
    for _ in range(reps):
        pick = np.concatenate([members[i] for i in rng.integers(0, len(members), len(members))])
        boot.append(fit_platt(p[pick], met[pick]).b)
        gaps.append(float(np.mean(met[pick] - p[pick])))
    lo, hi = np.percentile(boot, [2.5, 97.5])
    gap_lo, gap_hi = np.percentile(gaps, [2.5, 97.5])
    brier = float(np.mean((p - met) ** 2))
    clim = float(np.mean((met.mean() - met) ** 2))
    ok = bool(lo <= 1.0 <= hi and 1 / MAX_SLOPE_RATIO <= m.b <= MAX_SLOPE_RATIO)
    return {"n_events": int(len(ev)), "n_clusters": len(members), "a": round(m.a, 3), "se_a": round(m.se_a, 3),
            "b": round(m.b, 3), "se_b_iid": round(m.se_b, 3), "b_lo": round(float(lo), 3),
            "b_hi": round(float(hi), 3), "brier": round(brier, 4), "brier_climatology": round(clim, 4),
            "gap": round(float(np.mean(met - p)), 4), "gap_lo": round(float(gap_lo), 4),
            "gap_hi": round(float(gap_hi), 4), "calibrated": ok}


def clustered_events(cases: pd.DataFrame) -> pd.DataFrame:
    """The target-like events of backtest ``cases`` with their ``cluster``: the fold fit they came
    from (indicator × level × origin), the unit the bootstrap of :func:`_slope` resamples."""
    ev = events(cases)
    ev["cluster"] = ev["indicator"].astype(str) + "|" + ev["level"].astype(str) + "|" + ev["origin"].astype(str)
    return ev


def slope_check(cases: pd.DataFrame, group_by: str, reps: int = REPS, seed: int = SEED) -> dict[str, Any]:
    """The calibration slope of ``cases`` pooled and per ``group_by`` value (see the module docstring).

    Returns ``{"pooled": {...}, "groups": {value: {...}}, "calibrated": bool}`` (``calibrated``:
    pooled and every group).
    """
    ev = clustered_events(cases)
    pooled = _slope(ev, reps, seed)
    groups = {str(k): _slope(g, reps, seed) for k, g in ev.groupby(group_by)
              if g["cluster"].nunique() >= MIN_CLUSTERS}
    ok = all(r["calibrated"] for r in [pooled, *groups.values()])
    return {"pooled": pooled, "groups": groups, "calibrated": bool(ok), "clusters": "indicator × level × origin",
            "reps": reps}


def calibrated_for(check: dict[str, Any], group: str | None) -> tuple[bool, dict[str, Any]]:
    """Whether a target of ``group`` (its level, for rung B) has calibrated P, and the row that says so:
    the group's own row where it was judged, else the pooled row.

    >>> chk = {"pooled": {"calibrated": False}, "groups": {"city": {"calibrated": True}}}
    >>> calibrated_for(chk, "city")[0], calibrated_for(chk, "province")[0]
    (True, False)
    """
    row = check.get("groups", {}).get(str(group)) or check["pooled"]
    return bool(row.get("calibrated", False)), row



def slope_table(proof: dict[str, Any], rung: str) -> pd.DataFrame:
    """One rung's stored slope checks as a table, for the backtest report.

    ``proof`` is ``recalibration.json``'s ``"proof"`` entry. The first row pools the rung's events;
    then one row per held-out group, in a column named for what was held out (``level`` for rung
    B, ``indicator`` for rung C): events, fold fits, the Platt slope b with its cluster-bootstrap
    95 % interval, and whether that group counts as calibrated (P shown) or not (P withheld).
    Where the proof holds ``calibration_after`` (rung C's per-indicator recalibration), the same check of
    the recalibrated P out of sample follows in ``*_after`` columns (with the calibration-in-the-large
    ``gap_after``: observed frequency − mean P), and a row ``unseen``: the map of all indicators on
    indicators it never saw.

    Example: ``slope_table(recalibrate.stored()["proof"], "B")[["level", "slope_b", "calibrated"]]``.
    """
    pr = proof.get(rung) or {}
    check = pr.get("calibration") or {}
    by = pr.get("by") or "group"
    everything = "all_levels" if by == "level" else "all"
    parts = [(everything, check.get("pooled"))] + sorted((check.get("groups") or {}).items())
    rows = [{by: group, "n": c.get("n_events"), "clusters": c.get("n_clusters"), "slope_b": c.get("b"),
             "b_lo": c.get("b_lo"), "b_hi": c.get("b_hi"), "calibrated": "yes" if c.get("calibrated") else "no"}
            for group, c in parts if c]
    after = pr.get("calibration_after")
    if after:  # rung C: the recalibrated P per indicator, out of sample (models/recalibrate_indicator.py)
        rows += [{by: "unseen"}] if after.get("unseen") else []
        found = {everything: after.get("pooled"), "unseen": after.get("unseen"), **(after.get("groups") or {})}
        for row in rows:
            c = found.get(row[by]) or {}
            row.update({"slope_b_after": c.get("b"), "b_lo_after": c.get("b_lo"), "b_hi_after": c.get("b_hi"),
                        "gap_after": c.get("gap"),
                        "calibrated_after": ("yes" if c.get("calibrated") else "no") if c else None})
    return pd.DataFrame(rows)
