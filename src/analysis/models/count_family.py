"""Rung C for small counts: the count-family small-count model (NB2 on every small-start window).

Where a count target starts small (1 → 2 incubators, 0 → 3 listed firms: 零的突破) and its own
indicator has too few small-start windows for :mod:`analysis.models.counts`, the class widens to
the indicator FAMILY: every window of every COUNT indicator, at any sub-national level, whose
start is small (≤ :data:`SMALL_MAX`), of the same stock/flow type where there are at least
:data:`MIN_WINDOWS` such windows (else every count indicator, and the class says it was widened).
Only windows ending ≤ the as-of year enter a fit. Zeros are kept (a start of 0 is a window, not
log 0), so breakthroughs are read from the same model at start 0, and the class's zero-start
transitions are counted and reported.

Model (statsmodels NB2): end ~ NegBin(μ, α), log μ = a + b·log(start + ½) [+ c·(h − 1)]
[+ level offsets], the horizon term only where the class holds windows of more than one
horizon, a level offset only for levels with ≥ :data:`MIN_LEVEL_REGIONS` regions and
≥ :data:`MIN_LEVEL_WINDOWS` windows (otherwise the note says level is not a covariate).

SMALL_MAX = 50 follows the data: city counts in the panel run 0..50 where small, and the smallest
provinces' counts reach the same range (西藏 tech_contract_count 3..40, hte_certified 25..40).

Example:
    >>> w = pd.DataFrame({"indicator": "k", "stock_or_flow": "stock", "region": list("abcdefghijkl"),
    ...                   "level": "city", "start_year": 2020, "end_year": 2021, "h": 1,
    ...                   "start": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], "end": [1, 1, 3, 3, 5, 6, 6, 9, 8, 11, 12, 12]})
    >>> fit = fit_count_family(w)
    >>> fit.n_windows, fit.n_zero_start, fit.n_zero_positive
    (12, 1, 1)
    >>> 0.0 < fit.p_at_least(3, 1, "city", 4) < 1.0
    True
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis.engine.views import SUBNATIONAL
from analysis.models.forecast import N_DRAWS, Forecast

SMALL_MAX = 50
MIN_WINDOWS = 10
MIN_LEVEL_REGIONS = 3
MIN_LEVEL_WINDOWS = 10
MAX_H = 3
WINDOW_COLUMNS = ["indicator", "stock_or_flow", "region", "level", "start_year", "end_year", "h", "start", "end"]


def count_rows(panel: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Sub-national rows of COUNT indicators usable for fitting (exact/approx values ≥ 0), with the
    catalogue's ``stock_or_flow``; one row per (indicator, region, year).

    >>> cat = pd.DataFrame({"kind": ["count"], "stock_or_flow": ["stock"]}, index=["k"])
    >>> p = pd.DataFrame({"indicator": ["k", "k"], "region": "a", "level": "city", "year": [2020, 2021],
    ...                   "value": [0.0, 2.0], "qualifier": ["exact", "at_least"]})
    >>> count_rows(p, cat)["value"].tolist()
    [0.0]
    """
    counts = catalogue.index[catalogue["kind"] == "count"]
    sf = catalogue["stock_or_flow"] if "stock_or_flow" in catalogue else pd.Series("", index=catalogue.index)
    p = panel[panel["indicator"].isin(counts) & panel["level"].isin(SUBNATIONAL)
              & panel["qualifier"].isin(("exact", "approx"))]
    p = p[np.isfinite(p["value"].to_numpy(float)) & (p["value"].to_numpy(float) >= 0)]
    p = p.drop_duplicates(["indicator", "region", "year"])
    out = p[["indicator", "region", "level", "year", "value"]].copy()
    out["stock_or_flow"] = out["indicator"].map(sf).fillna("")
    return out.reset_index(drop=True)


def small_windows(rows: pd.DataFrame, small_max: float = SMALL_MAX, max_h: int = MAX_H) -> pd.DataFrame:
    """Every h-year window (h = 1..``max_h``, start and end observed) of every series in ``rows``
    whose start is ≤ ``small_max``; the end count is rounded to a whole number.

    >>> r = pd.DataFrame({"indicator": "k", "stock_or_flow": "stock", "region": "a", "level": "city",
    ...                   "year": [2019, 2020, 2021], "value": [0.0, 2.0, 80.0]})
    >>> small_windows(r)[["h", "start", "end"]].values.tolist()
    [[1.0, 0.0, 2.0], [2.0, 0.0, 80.0], [1.0, 2.0, 80.0]]
    """
    if rows.empty:
        return pd.DataFrame(columns=WINDOW_COLUMNS)
    left = rows.rename(columns={"year": "start_year", "value": "start"})
    left = left[left["start"] <= small_max]
    right = rows[["indicator", "region", "year", "value"]].rename(columns={"year": "end_year", "value": "end"})
    parts = []
    for h in range(1, max_h + 1):
        w = left.assign(end_year=left["start_year"] + h, h=h).merge(right, on=["indicator", "region", "end_year"])
        parts.append(w)
    w = pd.concat(parts, ignore_index=True)
    w["end"] = np.round(w["end"].to_numpy(float))
    return w[WINDOW_COLUMNS].sort_values(["indicator", "region", "start_year", "h"]).reset_index(drop=True)


def class_windows(windows: pd.DataFrame, stock_or_flow: str, as_of: int,
                  exclude: str | None = None) -> tuple[pd.DataFrame, bool]:
    """The class: small windows ending ≤ ``as_of`` of count indicators of the same stock/flow type
    (every count indicator where those are fewer than :data:`MIN_WINDOWS`: ``widened`` True),
    without indicator ``exclude`` (the leave-one-indicator-out fold)."""
    w = windows[windows["end_year"].to_numpy() <= as_of]
    if exclude is not None:
        w = w[w["indicator"] != exclude]
    same = w[w["stock_or_flow"] == stock_or_flow]
    if len(same) >= MIN_WINDOWS:
        return same.reset_index(drop=True), False
    return w.reset_index(drop=True), True


def fit_class(windows: pd.DataFrame, stock_or_flow: str, as_of: int,
              exclude: str | None = None) -> "CountFamilyFit | None":
    """:func:`class_windows` then :func:`fit_count_family`, the fit marked ``widened`` where the class was."""
    w, widened = class_windows(windows, stock_or_flow, as_of, exclude)
    fit = fit_count_family(w)
    if fit is not None:
        fit.widened = widened
    return fit


def composition(w: pd.DataFrame) -> dict:
    """Windows, regions and indicators per level (``changes`` = windows, for the shared formatters).

    >>> composition(pd.DataFrame({"level": ["city", "city"], "region": ["a", "b"], "indicator": ["k", "k"]}))
    {'city': {'changes': 2, 'windows': 2, 'regions': 2, 'indicators': 1}}
    """
    return {lv: {"changes": int(len(g)), "windows": int(len(g)), "regions": int(g["region"].nunique()),
                 "indicators": int(g["indicator"].nunique())} for lv, g in w.groupby("level")}


@dataclass
class CountFamilyFit:
    """A fitted NB2 small-count family model and what stands behind it."""

    params: np.ndarray
    alpha: float
    columns: tuple[str, ...]
    horizons: tuple[int, ...]
    levels: tuple[str, ...]                 # levels with their own offset (the first is the reference)
    n_windows: int
    n_indicators: int
    n_regions: int
    n_zero_start: int
    n_zero_positive: int
    indicators: tuple[str, ...]
    composition: dict = field(default_factory=dict)
    widened: bool = False

    def design(self, start: float, h: int, level: str) -> np.ndarray:
        """The model's covariate row for one window."""
        x = [1.0, float(np.log(start + 0.5))]
        if "h" in self.columns:
            x.append(float(h - 1))
        x += [1.0 if level == lv else 0.0 for lv in self.levels[1:]]
        return np.asarray(x)

    def mean(self, start: float, h: int, level: str) -> float:
        """NB mean of the end count from ``start`` after ``h`` years at ``level``."""
        return float(np.exp(self.design(start, h, level) @ self.params))

    def nb(self, start: float, h: int, level: str) -> tuple[float, float]:
        """scipy's (n, p) of the end count's NB2 distribution."""
        size = 1.0 / self.alpha
        return size, size / (size + self.mean(start, h, level))

    def p_at_least(self, start: float, h: int, level: str, target: float) -> float:
        """Exact P(end ≥ target) (a count reaches ``target`` when it reaches ⌈target⌉)."""
        size, p = self.nb(start, h, level)
        return float(stats.nbinom.sf(int(np.ceil(target)) - 1, size, p))

    def forecast(self, start: float, h: int, level: str, rng: np.random.Generator, n: int = N_DRAWS) -> Forecast:
        """Draws of the end count (``info``: mean, alpha, size, p as :mod:`analysis.models.counts`)."""
        size, p = self.nb(start, h, level)
        draws = stats.nbinom.rvs(size, p, size=n, random_state=rng).astype(float)
        return Forecast("count", draws=draws, info={"mean": self.mean(start, h, level), "alpha": self.alpha,
                                                     "size": size, "p": p})

    def covers(self, h: int) -> bool:
        """Whether ``h`` lies within the horizons fitted (the horizon term is not extrapolated)."""
        return min(self.horizons) <= h <= max(self.horizons)


def _supported_levels(w: pd.DataFrame) -> tuple[str, ...]:
    """Levels with enough regions and windows for their own offset (largest first: the reference)."""
    ok = [(len(g), lv) for lv, g in w.groupby("level")
          if g["region"].nunique() >= MIN_LEVEL_REGIONS and len(g) >= MIN_LEVEL_WINDOWS]
    if len(ok) < 2 or sum(n for n, _ in ok) < len(w):
        return ()  # a level offset needs every level of the class supported
    return tuple(lv for _, lv in sorted(ok, reverse=True))


def fit_count_family(w: pd.DataFrame) -> CountFamilyFit | None:
    """NB2 of ``end`` on log(start + ½) (+ horizon, + level where supported) over the class windows;
    None with fewer than :data:`MIN_WINDOWS` windows or when the fit fails."""
    if len(w) < MIN_WINDOWS:
        return None
    import statsmodels.api as sm

    start = w["start"].to_numpy(float)
    cols, xs = ["const", "log_start"], [np.ones(len(w)), np.log(start + 0.5)]
    horizons = tuple(sorted(int(x) for x in w["h"].unique()))
    if len(horizons) > 1:
        cols.append("h")
        xs.append(w["h"].to_numpy(float) - 1)
    levels = _supported_levels(w)
    for lv in levels[1:]:
        cols.append(f"level_{lv}")
        xs.append((w["level"].to_numpy() == lv).astype(float))
    X = np.column_stack(xs)
    y = w["end"].to_numpy(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = sm.NegativeBinomial(y, X).fit(disp=False, maxiter=300)
        except Exception:  # noqa: BLE001 - a failed fit means no model, said by the caller
            return None
    params = np.asarray(res.params, float)
    if not np.all(np.isfinite(params)):
        return None
    zero = w["start"].to_numpy(float) == 0
    return CountFamilyFit(params=params[:-1], alpha=float(max(params[-1], 1e-6)), columns=tuple(cols),
                          horizons=horizons, levels=levels, n_windows=int(len(w)),
                          n_indicators=int(w["indicator"].nunique()), n_regions=int(w["region"].nunique()),
                          n_zero_start=int(zero.sum()), n_zero_positive=int((w["end"].to_numpy(float)[zero] >= 1).sum()),
                          indicators=tuple(sorted(w["indicator"].unique())), composition=composition(w))
