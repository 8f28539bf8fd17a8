"""Rung C for small counts in the engine: the count-family model, its gate, and what the target records.

Where a count target's own indicator has too few small-start windows (:mod:`analysis.models.counts`),
:func:`count_family` judges it by the count-family small-count model
(:mod:`analysis.models.count_family`) fitted on windows ending ≤ the as-of year, and shows its
P(meet) only where the model's leave-one-indicator-out backtest
(:mod:`analysis.models.count_family_check`), on outcomes ≤ the as-of year, passes the slope
check with enough events behind it. Otherwise the P is withheld (``p_meet`` None, the model's P kept
in ``p_meet_raw``) with a note giving the numbers; its range is not shown either (an unproven
model's levels would read as a forecast: on the real panel the family is dominated by provincial
flows, and reads 1 provincial R&D project as heading for 15).

The target records ``evidence`` "C", ``model`` "count", ``model_fitted`` "NegativeBinomial (NB2)",
``reference_class`` (one English line, :func:`class_label`) and ``class_composition`` (windows,
regions and indicators per level).

Example:
    >>> class_label(50, True, "stock", 13, True, {"city": {"windows": 12, "regions": 4, "indicators": 11}})
    'C: small-count windows (start ≤ 50) of every count indicator (13 indicators), level as a covariate (city 12 windows / 4 regions / 11 indicators)'
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.assessment import Assessment, is_ceiling, verdict_for
from analysis.engine.views import SUBNATIONAL as LEVEL_ORDER
from analysis.models import count_family as cf
from analysis.models import count_family_check as cc


def class_label(small_max: int, widened: bool, stock_or_flow: str, n_indicators: int, with_level: bool,
                comp: dict) -> str:
    """The reference class as one English line (rendered in other languages by :mod:`analysis.reports.classes`)."""
    what = "every count indicator" if widened else f"the {stock_or_flow} count indicators"
    lv = "level as a covariate" if with_level else "level not a covariate"
    keys = [k for k in LEVEL_ORDER if k in comp] + sorted(k for k in comp if k not in LEVEL_ORDER)
    parts = "; ".join(f"{k} {comp[k]['windows']} windows / {comp[k]['regions']} regions / "
                      f"{comp[k]['indicators']} indicators" for k in keys)
    return f"C: small-count windows (start ≤ {small_max}) of {what} ({n_indicators} indicators), {lv} ({parts})"


def methods_notes(a: Assessment) -> list:
    """The Methods paragraph of a target judged by the count-family model (notes: codes + parameters)."""
    from analysis.notes import Note

    comp = a.class_composition or {}
    fitted = next((n.params for n in a.note_codes if n.code == "count_family_fitted"), {})
    out = [Note.make("methods_count_family", indicators=int(fitted.get("indicators", 0)),
                     levels=", ".join(k for k in LEVEL_ORDER if k in comp),
                     n=sum(v["windows"] for v in comp.values()), regions=sum(v["regions"] for v in comp.values()))]
    out += [Note.make("methods_class_level_windows", level=lv, n=comp[lv]["windows"], k=comp[lv]["indicators"],
                      regions=comp[lv]["regions"]) for lv in LEVEL_ORDER if lv in comp]
    return out


def windows(eng) -> pd.DataFrame:
    """Every small-start window of every count indicator in the engine's panel (all years; cut per fit)."""
    return eng.cached(("count_family_windows",), lambda: cf.small_windows(cf.count_rows(eng.panel, eng.catalogue)))


def backtest_cases(eng, seed: int = 0) -> pd.DataFrame:
    """The leave-one-indicator-out backtest cases of the engine's panel (each fold: data ≤ its origin)."""
    return eng.cached(("count_family_cases", seed), lambda: cc.loio_cases(windows(eng), seed=seed))


def stock_or_flow(eng, indicator: str) -> str:
    """The catalogue's stock/flow type of ``indicator`` ("" if unknown)."""
    row = eng.catalogue_row(indicator) or {}
    return str(row.get("stock_or_flow") or "")


def p_meet_count(fit: cf.CountFamilyFit, start: float, h: int, level: str, target: float, comparator: str) -> float:
    """Exact P(meet) of a whole-count target: ≥ t is Y ≥ ⌈t⌉, > t is Y ≥ ⌊t⌋ + 1, ≤ t is
    Y ≤ ⌊t⌋, < t is Y ≤ ⌈t⌉ − 1 ("=" is read as ≥, as :func:`analysis.engine.special.compare` does)."""
    import math

    if comparator == ">":
        return fit.p_at_least(start, h, level, math.floor(target) + 1)
    if comparator == "<=":
        return 1.0 - fit.p_at_least(start, h, level, math.floor(target) + 1)
    if comparator == "<":
        return 1.0 - fit.p_at_least(start, h, level, math.ceil(target))
    return fit.p_at_least(start, h, level, target)


def count_family(eng, a: Assessment, h: int) -> bool:
    """Judge a small count by the count-family model; False (nothing recorded) where it cannot be fitted."""
    sf = stock_or_flow(eng, a.indicator)
    fit = eng.cached(("count_family_fit", sf, a.as_of), lambda: cf.fit_class(windows(eng), sf, a.as_of))
    if fit is None or not fit.covers(h) or (fit.levels and a.level not in fit.levels):
        return False  # no horizon or level outside those fitted: the model is not extrapolated
    level = a.level
    p = p_meet_count(fit, a.baseline_value, h, level, a.target_value, a.comparator)
    a.model, a.evidence, a.model_fitted = "count", "C", "NegativeBinomial (NB2)"
    a.class_composition = fit.composition
    a.reference_class = class_label(cf.SMALL_MAX, fit.widened, sf, fit.n_indicators, bool(fit.levels), fit.composition)
    a.add_note("count_family_fitted", windows=fit.n_windows, small_max=cf.SMALL_MAX, indicators=fit.n_indicators,
               regions=fit.n_regions, as_of=a.as_of)
    if fit.widened:
        a.add_note(f"count_family_widened_{sf}" if sf in ("stock", "flow") else "count_family_widened_other",
                   needed=cf.MIN_WINDOWS, as_of=a.as_of)
    if fit.levels:
        a.add_note("count_family_level", level=fit.levels[1])
    else:
        a.add_note("count_family_no_level", regions=cf.MIN_LEVEL_REGIONS, windows=cf.MIN_LEVEL_WINDOWS)
    if a.baseline_value == 0:
        a.add_note("count_family_zero_start", n=fit.n_zero_start, positive=fit.n_zero_positive)
    g = eng.cached(("count_family_gate", a.as_of, a.level), lambda: cc.gate(backtest_cases(eng), a.as_of, a.level))
    a.p_meet_raw = p
    if g["shown"]:
        a.p_meet = a.p_count = p
        a.verdict = verdict_for(p)
        f = fit.forecast(a.baseline_value, h, level, eng.rng(a.target_id), eng.n_draws)  # the range: only when shown
        a.level_p50 = float(np.quantile(f.draws, 0.5))
        a.level_p80 = float(np.quantile(f.draws, 0.8 if is_ceiling(a.comparator) else 0.2))
        a.add_note("count_family_calibrated", b=g["b"], b_lo=g["b_lo"], b_hi=g["b_hi"], events=g["n_events"],
                   clusters=g["n_clusters"], as_of=a.as_of)
    else:
        # an unproven model's levels would read as a forecast: neither P nor range is shown
        a.p_meet, a.verdict, a.level_p50, a.level_p80 = None, "withheld", None, None
        if g["reason"] == "too_few_events":
            a.add_note("count_family_withheld_few", events=g["n_events"], clusters=g["n_clusters"],
                       windows=g["n_windows"], as_of=a.as_of, min_events=cc.MIN_EVENTS, min_clusters=cc.MIN_CLUSTERS)
        else:
            a.add_note("count_family_withheld", b=g["b"], b_lo=g["b_lo"], b_hi=g["b_hi"], events=g["n_events"],
                       clusters=g["n_clusters"], windows=g["n_windows"], as_of=a.as_of)
    return True
