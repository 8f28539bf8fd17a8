"""The headline: which forecast gives P(meet), what it is called, and the Methods text of the rung.

The headline model is named for what was actually fitted: ``pooled`` (MixedLM), ``pooled_ols``
(MixedLM fell back to pooled OLS), ``family_b`` / ``family_c`` (rungs B / C), ``peers``, ``own``,
``count``. :func:`methods` returns the Methods paragraph as note codes (rendered by the reports in
either language), built from the rung used, never fixed prose.

Example:
    >>> headline_name("pooled", "OLS")
    'pooled_ols'
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from analysis.assessment import Assessment, is_ceiling, p_meet_from, verdict_for
from analysis.lazy import Lazy
from analysis.models.changes import from_y
from analysis.models.forecast import Forecast
from analysis.notes import Note

FAN_QUANTILES = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)
_FAN_Q = np.array(FAN_QUANTILES)
_JOINT_QUANTILES = np.array(FAN_QUANTILES + (0.2,))
_MEDIAN = FAN_QUANTILES.index(0.5)
_FAN_NAMES = [f"q{int(round(q * 100)):02d}" for q in FAN_QUANTILES]


def headline_name(model: str, method: str | None = None) -> str:
    """Model name for the headline: the pooled fallback is named as such."""
    if model == "pooled" and method and method != "MixedLM":
        return "pooled_ols"
    return model


def set_headline(a: Assessment, f: Forecast, y_star: float, log_scale: bool, h: int, name: str) -> None:
    """P(meet), verdict, realistic levels and the fan chart from forecast ``f``."""
    a.p_meet, a.model = float(p_meet_from(f.p_at_least(y_star), a.comparator)), name
    a.verdict = verdict_for(a.p_meet)
    joint = _draw_quantiles(f, h)
    if joint is None:
        a.level_p50 = float(from_y(f.quantile(0.5), log_scale))
        a.level_p80 = float(from_y(f.quantile(0.2), log_scale))
        qs = fan_quantiles(f, h)
    else:
        qs, p50, p20 = joint
        a.level_p50, a.level_p80 = float(from_y(p50, log_scale)), float(from_y(p20, log_scale))
    if is_ceiling(a.comparator):  # the level kept with 80 % probability: P(Y ≤ level) = 0.8
        a.level_p80 = float(from_y(f.quantile(0.8), log_scale))
    # the quantiles now (the draws are not kept), the chart's frame on first access of ``a.fan``
    a.fan = Lazy(fan_frame, qs, a.baseline_year, a.baseline_value, h, log_scale)


def _draw_quantiles(f: Forecast, h: int) -> tuple[np.ndarray, float, float] | None:
    """The fan's quantiles and the draws' 50 % and 20 % quantiles from one ``np.quantile`` call.

    For a forecast without a closed form whose draws are the last column of its path (pooled,
    family) one partition of the path gives all of them; draws without a path (peers): one call on
    the draws. Each is the same order statistic and the same interpolation as a separate call, so
    the same bits (tested). None where that does not apply (closed-form quantiles): the caller
    then takes them one by one.
    """
    if f.scale is not None and f.loc is not None and f.scale > 0:
        return None
    path, k = f.path, len(FAN_QUANTILES)
    if path is None:  # draws only (peers): the fan has its last year only
        if f.draws.ndim != 1:
            return None
        q = sorted_quantiles(f.draws, _JOINT_QUANTILES)
        qs = np.tile(np.full(k, np.nan), (h, 1))
        qs[-1] = q[:k]
        return qs, float(q[_MEDIAN]), float(q[-1])
    if path.ndim != 2 or not np.array_equal(path[:, -1], f.draws):
        return None
    qs = sorted_quantiles(path, _JOINT_QUANTILES)           # (len(FAN) + 1, h)
    return qs[:k].T, float(qs[_MEDIAN, -1]), float(qs[-1, -1])


def sorted_quantiles(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``np.quantile(x, q, axis=0)`` (linear method) from one sort: the same numbers, bit for bit.

    ``np.quantile`` with many q partitions the draws once per order statistic; sorting once is
    several times faster for 4,000 draws. The order statistics are the same values and the
    interpolation is numpy's own (``_lerp``: a + (b − a)·γ, or b − (b − a)·(1 − γ) where γ ≥ ½),
    so the result is identical (tested on random draws with ties). Arrays holding NaN, fewer than
    two rows or q outside (0, 1) go to ``np.quantile`` itself.

    >>> x = np.array([3.0, 1.0, 2.0, 4.0])
    >>> sorted_quantiles(x, np.array([0.5, 0.2])).tolist() == np.quantile(x, [0.5, 0.2]).tolist()
    True
    """
    q = np.asarray(q, dtype=float)
    n = x.shape[0]
    if n < 2 or q.ndim != 1 or not np.all((q > 0) & (q < 1)):
        return np.quantile(x, q, axis=0)
    s = np.sort(x, axis=0)
    if np.isnan(s[-1]).any():  # NaN sorts last
        return np.quantile(x, q, axis=0)
    lower, upper, gamma, high = _order_statistics(n, tuple(q.tolist()), x.ndim)
    a, b = s[lower], s[upper]
    diff = b - a
    out = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=high)
    return out


@lru_cache(maxsize=64)
def _order_statistics(n: int, q: tuple[float, ...], ndim: int) -> tuple[np.ndarray, ...]:
    """For :func:`sorted_quantiles`: the lower and upper order statistics of each q among n sorted
    values, numpy's interpolation weight γ (shaped to broadcast over ``ndim``-dimensional draws) and
    where γ ≥ ½ (numpy then interpolates from the upper one). The same for every forecast of n
    draws, so computed once (read-only arrays).

    >>> [v.tolist() for v in _order_statistics(5, (0.5, 0.3), 1)]
    [[2, 1], [3, 2], [0.0, 0.19999999999999996], [False, False]]
    """
    qa = np.array(q, dtype=float)
    virtual = (n - 1) * qa
    lower = np.floor(virtual).astype(np.intp)
    upper = np.minimum(lower + 1, n - 1)
    gamma = np.asarray(virtual - lower, dtype=virtual.dtype).reshape((-1,) + (1,) * (ndim - 1))
    high = gamma >= 0.5
    for v in (lower, upper, gamma, high):
        v.setflags(write=False)
    return lower, upper, gamma, high


#: physical bounds of a realistic level by indicator kind (points-scale models can cross them in the tail)
LEVEL_BOUNDS = {"share": (0.0, 100.0), "rate": (-100.0, None)}


def clip_levels(a: Assessment) -> None:
    """Keep ``level_p50`` / ``level_p80`` inside what the indicator can be (a share is 0–100 %).

    A points-scale forecast of a share near 0 can put its 20th percentile below 0; the level shown
    is then the bound, and a note says the model's tail crossed it.

    >>> a = Assessment(target_id="x", region="r", indicator="s", kind="share", level_p50=0.4, level_p80=-0.03)
    >>> clip_levels(a); a.level_p80, a.note_codes[0].code
    (0.0, 'level_at_bound')
    """
    low, high = LEVEL_BOUNDS.get(a.kind or "", (None, None))
    for field in ("level_p50", "level_p80"):
        v = getattr(a, field)
        if v is None:
            continue
        bound = low if low is not None and v < low else (high if high is not None and v > high else None)
        if bound is not None:
            setattr(a, field, float(bound))
            a.add_note("level_at_bound", which=field[-2:], value=round(float(v), 4), bound=bound)


def fan(f: Forecast, t0: int, v0: float, h: int, log_scale: bool, qs: np.ndarray | None = None) -> pd.DataFrame:
    """Predictive quantiles per future year (value units), starting at the baseline.

    ``qs``: the (h, len(FAN_QUANTILES)) model-scale quantiles of the path where already computed.
    """
    return fan_frame(fan_quantiles(f, h) if qs is None else qs, t0, v0, h, log_scale)


def fan_quantiles(f: Forecast, h: int) -> np.ndarray:
    """The (h, len(FAN_QUANTILES)) model-scale quantiles of a forecast's path (NaN but the last
    year where it has draws only); ``= np.quantile(path, FAN_QUANTILES, axis=0).T``."""
    if f.path is not None:
        return sorted_quantiles(f.path, _FAN_Q).T
    qs = np.tile(np.full(len(FAN_QUANTILES), np.nan), (h, 1))
    qs[-1] = sorted_quantiles(f.draws, _FAN_Q)
    return qs


def fan_frame(qs: np.ndarray, t0: int, v0: float, h: int, log_scale: bool) -> pd.DataFrame:
    """The fan chart's frame from model-scale quantiles: year, then q05 … q95 in value units, the
    baseline row first.

    >>> fan_frame(np.log([[1.0] * 7]), 2020, 1.0, 1, True)["q50"].tolist()
    [1.0, 1.0]
    """
    names = _FAN_NAMES
    vals = np.empty((h + 1, len(names)))
    vals[0] = v0
    vals[1:] = from_y(qs, log_scale)
    out = pd.DataFrame(vals, columns=names)  # one frame (no concat): the baseline row, then each year
    out.insert(0, "year", np.arange(t0, t0 + h + 1))
    return out


def methods(a: Assessment) -> list[Note]:
    """The Methods paragraph for this assessment as notes (codes + parameters), from the rung used."""
    out: list[Note] = []
    if a.evidence is None:
        out.append(Note.make("methods_none"))
        return out
    if a.model == "count" and a.evidence == "C":  # the count-family small-count model
        from analysis.engine.small_counts import methods_notes

        return methods_notes(a)
    comp = a.class_composition or {}
    n = sum(v["changes"] for v in comp.values())
    r = sum(v["regions"] for v in comp.values())
    if a.evidence == "A":
        out.append(Note.make("methods_a", indicator=a.indicator, level=a.level, n=n, regions=r,
                             fitted=a.model_fitted or ""))
    elif a.evidence == "B":
        out.append(Note.make("methods_b", indicator=a.indicator, levels=", ".join(sorted(comp)), n=n, regions=r))
    elif a.evidence == "C":
        out.append(Note.make("methods_c", indicator=a.indicator, levels=", ".join(sorted(comp)), n=n, regions=r))
    elif a.evidence == "R":
        out.append(Note.make("methods_rank_outside", n=a.n_peer_windows or 0))
    for lv, v in sorted(comp.items()):
        out.append(Note.make("methods_class_level", level=lv, n=v["changes"], regions=v["regions"]))
    return out
