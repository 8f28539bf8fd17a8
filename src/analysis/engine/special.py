"""Special targets and the target's own arithmetic: start point, increments and growth rates as
levels, outcomes, small counts and breakthroughs (零的突破), rank goals.

Each function works on an :class:`~analysis.assessment.Assessment` in place and records what it did
as note codes. Small counts and breakthroughs use the count model on the indicator's windows,
else the count-family small-count model (:mod:`analysis.engine.small_counts`), shown only where its
leave-one-indicator-out backtest proves it calibrated.

Example:
    >>> compare(100.0, 100.0, ">=")
    True
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.assessment import Assessment, verdict_for
from analysis.engine.views import HistoryArrays
from analysis.models import counts, required


def isclose(x: float, y: float, rtol: float = 1e-05, atol: float = 1e-08) -> bool:
    """``np.isclose`` for two numbers: the same test in the same float64 arithmetic, without
    building arrays (|x − y| ≤ atol + rtol·|y| where y is finite, or x == y).

    >>> isclose(100.0, 100.0001), isclose(1.0, 1.1), isclose(float("inf"), float("inf"))
    (True, False, True)
    """
    x, y = float(x), float(y)
    return (abs(x - y) <= atol + rtol * abs(y) and math.isfinite(y)) or x == y


def compare(x: float, target: float, comparator: str) -> bool:
    """Whether ``x`` meets ``target`` under ``comparator`` (">=", ">", "=", "<=", "<")."""
    if comparator not in _COMPARATORS:
        raise KeyError(comparator)
    if comparator == ">=":
        return bool(x >= target)
    if comparator == ">":
        return bool(x > target)
    if comparator == "=":
        return bool(isclose(x, target) or x >= target)
    return bool(x <= target) if comparator == "<=" else bool(x < target)


_COMPARATORS = frozenset({">=", ">", "=", "<=", "<"})


def _arrays(history) -> HistoryArrays:
    return history if isinstance(history, HistoryArrays) else HistoryArrays.of(history)


def start_point(a: Assessment, history: pd.DataFrame | HistoryArrays) -> None:
    """Baseline from the document, else from the data; the last known value when the as-of year is earlier."""
    hs = _arrays(history)
    known = np.flatnonzero(hs.year <= a.as_of)  # history is sorted by year: a prefix
    if a.baseline_year is not None and a.baseline_year > a.as_of:
        if known.size == 0:
            a.baseline_value = None
            return
        last = known[-1]
        a.add_note("as_of_last_known", as_of=a.as_of, value=float(hs.value[last]), year=int(hs.year[last]),
                   baseline_year=a.baseline_year)
        a.baseline_year, a.baseline_value = int(hs.year[last]), float(hs.value[last])
        return
    at = known[hs.year[known] == a.baseline_year] if a.baseline_year is not None else known[:0]
    if a.baseline_value is None:
        if a.baseline_year is not None:
            if at.size:
                a.baseline_value = float(hs.value[at[0]])
                a.add_note("baseline_from_data", value=a.baseline_value, year=a.baseline_year)
        elif known.size:
            last = known[-1]
            a.baseline_year, a.baseline_value = int(hs.year[last]), float(hs.value[last])
            a.add_note("baseline_last_known", year=a.baseline_year)
    else:
        if at.size and not isclose(float(hs.value[at[0]]), a.baseline_value, rtol=1e-3):
            a.add_note("baseline_differs", data=float(hs.value[at[0]]), year=a.baseline_year,
                       document=a.baseline_value)


def target_level(eng, a: Assessment) -> None:
    """Convert increments and growth-rate targets on levels to a target level (on every rung)."""
    if a.target_type == "increment":
        if a.baseline_value is None or a.target_value is None:
            a.target_value = None
            a.add_note("increment_no_baseline")
            return
        inc = a.target_value
        a.target_value = a.baseline_value + inc
        a.add_note("increment_converted", increment=inc, level=a.target_value)
    elif a.target_type == "growth_rate" and a.kind != "rate":
        if a.baseline_value is None or a.target_value is None or a.baseline_year is None:
            a.target_value = None
            return
        g = a.target_value / 100.0
        h = a.target_year - a.baseline_year
        # the registry gives the rate in %; the level's baseline is taken from the data (canonical
        # unit) where it holds one, else the document's number is kept in the document's unit
        hist = eng.history(a.region, a.indicator)
        at = hist[(hist["year"] == a.baseline_year) & hist["qualifier"].isin(["exact", "approx"])]
        unit = eng.catalogue.loc[a.indicator, "unit"]
        if a.kind == "count":
            a.unit = unit  # counts are written in their own unit
        elif not at.empty:
            if not np.isclose(float(at.iloc[0]["value"]), a.baseline_value):
                a.add_note("growth_baseline_from_data", value=float(at.iloc[0]["value"]), unit=unit,
                           document=a.baseline_value)
            a.baseline_value = float(at.iloc[0]["value"])
            a.unit = unit
        else:
            a.unit = ""
            a.add_note("growth_unit_as_written")
        a.target_value = a.baseline_value * (1 + g) ** h
        a.add_note("growth_converted", rate=100 * g, level=a.target_value)


def outcome(a: Assessment, history: pd.DataFrame | HistoryArrays) -> None:
    """The reported value in the target year (uncut data) and whether it met the target."""
    hs = _arrays(history)
    at = np.flatnonzero(hs.year == a.target_year)
    if at.size == 0 or a.target_value is None:
        return
    a.outcome_value = float(hs.value[at[0]])
    if hs.qualifier[at[0]] == "at_least" and a.outcome_value < a.target_value:
        a.met = None
        a.add_note("outcome_lower_bound")
        return
    a.met = compare(a.outcome_value, a.target_value, a.comparator)


def arithmetic_only(a: Assessment, log_scale: bool) -> None:
    """Required change and CAGR where no model applies."""
    if a.baseline_value is not None and a.target_value is not None and a.baseline_year is not None:
        a.horizon = a.target_year - a.baseline_year
        a.required_change = required.required_change(a.baseline_value, a.target_value, log_scale)
        a.required_cagr = required.required_cagr(a.baseline_value, a.target_value, a.horizon, log_scale)


def count_windows(eng, indicators: list[str], as_of: int, h: int, level: str | None) -> pd.DataFrame:
    """(start_value, end_value) of h-year windows of the indicators (one level, or all sub-national)."""
    parts = []
    for k in indicators:
        w = eng.windows(k, as_of, h)
        if level is not None:
            w = w[w["level"] == level]
        if not w.empty:
            parts.append(pd.DataFrame({"start_value": np.exp(w["y0"]), "end_value": np.exp(w["y0"] + w["change"])}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["start_value", "end_value"])


def small_count(eng, a: Assessment, h: int) -> bool:
    """Small counts and breakthroughs: NB count model on the indicator's own small-start windows
    (rung A), else the count-family small-count model (rung C, :mod:`analysis.engine.small_counts`).

    Returns False where no count model fits (a positive baseline then goes up the log-scale ladder).
    """
    from analysis.engine.small_counts import count_family

    a.add_note("small_count", value=a.baseline_value)
    inds, level = [a.indicator], a.level
    fit = eng.cached(("counts", tuple(inds), a.as_of, h, level),
                     lambda: counts.fit_counts(count_windows(eng, inds, a.as_of, h, level)))
    if fit is not None:
        params, alpha = fit
        f = counts.count_forecast(a.baseline_value, params, alpha, eng.rng(a.target_id), eng.n_draws)
        a.p_count = counts.p_at_least_count(f, a.target_value)
        a.p_meet, a.model, a.evidence, a.model_fitted = a.p_count, "count", "A", "NegativeBinomial"
        a.reference_class = f"A: small-count {h}-year windows of {a.indicator} at level {level}"
        a.verdict = verdict_for(a.p_meet)
        a.level_p50 = float(np.quantile(f.draws, 0.5))
        a.level_p80 = float(np.quantile(f.draws, 0.2))
        if a.baseline_value == 0 and params[1] != 0:
            a.add_note("breakthrough_extrapolated")
        return True
    if count_family(eng, a, h):
        return True
    a.add_note("count_too_few_windows", needed=counts.MIN_WINDOWS, h=h, indicator=a.indicator, as_of=a.as_of)
    return False


def rank_goal(eng, a: Assessment) -> None:
    """Rank goals: joint simulation where the parent's regions have data, else the outside view."""
    from analysis.models.rank import rank_outside_view, rank_probability

    a.history = eng.history(a.region, a.indicator)
    a.horizon = max(a.target_year - a.as_of, 1)
    res = rank_probability(eng, a)
    if "p" in res:
        a.p_meet, a.model, a.reference_class, a.evidence = res["p"], "pooled (rank)", res["reference_class"], "A"
        a.verdict = verdict_for(a.p_meet)
        a.add_note("rank_joint", **res["params"])
        return
    a.add_note(res.pop("reason"), **res)
    advance = int(a.target_value or 1)
    out = rank_outside_view(eng, a.as_of, a.horizon, advance)
    if out is None:
        a.add_note("rank_no_outside_view")
        return
    a.p_meet, a.model, a.evidence = out["p"], "rank_outside", "C"
    a.reference_class = (f"C: rank changes of provinces on {out['indicators']} S&T indicators "
                         f"({out['n']} {a.horizon}-year windows)")
    a.n_peer_windows, a.n_peer_met = out["n"], out["met"]
    a.model_fitted = "empirical frequency"
    a.verdict = verdict_for(a.p_meet)
    a.add_note("rank_outside", advance=advance, h=a.horizon, met=out["met"], n=out["n"],
               indicators=out["indicators"])


def bound_notes(a: Assessment, history: pd.DataFrame | HistoryArrays) -> None:
    """Say how many bounds and derived values the region's history holds."""
    hs = _arrays(history)
    known = hs.year <= a.as_of
    q = hs.qualifier[known]
    n_bound = int(np.count_nonzero(q == "at_least") + np.count_nonzero(q == "at_most"))
    if n_bound:
        a.add_note("bounds_not_fitted", n=n_bound)
    if hs.derived is not None and hs.derived[known].any():
        a.add_note("derived_values", n=int(hs.derived[known].sum()))
