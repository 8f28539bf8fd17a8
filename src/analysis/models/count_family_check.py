"""Is the count-family small-count model right? Its leave-one-indicator-out backtest and the gate.

For every count indicator k with small-start windows and every origin year t (a start year of
k's windows), the family model (:mod:`analysis.models.count_family`) is fitted WITHOUT k on class
windows ending ≤ t, and forecasts k's small-start windows starting at t, h = 1..3 (only where the
fit's horizons cover h). Each case is scored like the other rungs' cases
(:mod:`analysis.backtest_scores` columns):

- ``crps`` on the ln(count + ½) scale (comparable with the other rungs' CRPS on ln V; exact from the NB cdf);
- ``hit_50/80/95`` by the randomised PIT u = F(y − 1) + V·P(y), V ~ U(0, 1) seeded: a discrete
  forecast's central interval then has exactly its nominal coverage when the model is right;
- target-like events, the count reaching ⌈start·(1 + g)^h⌉ and at least start + 1, for
  g = 10/20/50/100 % a year (``p_g*``, ``met_g*``, ``brier_g*``); a threshold equal to a smaller
  g's is left empty (NaN), so a case never counts the same event twice (at start 0 all four are
  "≥ 1": one event, the breakthrough).

The gate (:func:`gate`): P is shown only where the backtest events with outcome year ≤ the target's
as-of year pass the slope check of :mod:`analysis.models.calibration_check` (cluster bootstrap over
fold fits; b's 95 % interval holds 1 and b within [2/3, 3/2]), and only if there are at least
:data:`MIN_EVENTS` events from :data:`MIN_CLUSTERS` fold fits: with fewer the check means
nothing, and P is withheld with the numbers.

Example:
    >>> event_thresholds(np.array([0.0, 3.0]), np.array([1, 1]))[:, 0].tolist()
    [1.0, 4.0]
"""
from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.models import count_family as cf

GROWTH = (0.10, 0.20, 0.50, 1.00)
LEVELS = (0.50, 0.80, 0.95)
MIN_EVENTS = 30
MIN_CLUSTERS = 5
REPS = 400


def event_thresholds(start: np.ndarray, h: np.ndarray) -> np.ndarray:
    """(m, 4) whole-count thresholds max(⌈start·(1 + g)^h⌉, ⌊start⌋ + 1); repeats of a smaller g's are NaN."""
    start, h = np.asarray(start, float)[:, None], np.asarray(h, float)[:, None]
    k = np.maximum(np.ceil(start * (1 + np.asarray(GROWTH))[None, :] ** h - 1e-9), np.floor(start) + 1)
    dup = np.zeros_like(k, dtype=bool)
    dup[:, 1:] = k[:, 1:] == k[:, :-1]
    return np.where(dup, np.nan, k)


def crps_nb(size: float, p: float, y: float) -> float:
    """CRPS of an NB forecast at the count ``y`` on the ln(count + ½) scale, the scale of the other
    rungs' CRPS (ln V): F is a step function there, so the integral is the exact sum
    Σₖ (F(k) − 1{y ≤ k})²·(ln(k + 1.5) − ln(k + 0.5)) over the support up to far in the tail.

    >>> round(crps_nb(1e9, 1e9 / (1e9 + 3.0), 3.0), 3) > 0   # a near-Poisson(3) forecast at 3
    True
    """
    top = int(max(y, stats.nbinom.ppf(1 - 1e-9, size, p))) + 1
    k = np.arange(top + 1)
    F = stats.nbinom.cdf(k, size, p)
    return float(np.sum((F - (y <= k)) ** 2 * (np.log(k + 1.5) - np.log(k + 0.5))))


def score_case(fit: cf.CountFamilyFit, start: float, h: int, level: str, end: float, u: float) -> dict[str, float]:
    """Scores of one held-out window (``u``: the uniform draw of the randomised PIT)."""
    size, p = fit.nb(start, h, level)
    lo = float(stats.nbinom.cdf(end - 1, size, p)) if end > 0 else 0.0
    pit = lo + u * float(stats.nbinom.pmf(end, size, p))
    out = {"crps": crps_nb(size, p, end), "pit": pit, "p_mean": fit.mean(start, h, level)}
    for lev in LEVELS:
        out[f"hit_{int(lev * 100)}"] = float(abs(pit - 0.5) <= lev / 2)
    thr = event_thresholds(np.array([start]), np.array([h]))[0]
    for g, k in zip(GROWTH, thr):
        key = int(round(g * 100))
        if np.isnan(k):
            out[f"p_g{key}"] = out[f"met_g{key}"] = out[f"brier_g{key}"] = np.nan
            continue
        pr, met = float(stats.nbinom.sf(k - 1, size, p)), float(end >= k)
        out[f"p_g{key}"], out[f"met_g{key}"], out[f"brier_g{key}"] = pr, met, (pr - met) ** 2
    return out


def loio_cases(windows: pd.DataFrame, horizons=(1, 2, 3), seed: int = 0, fits: dict | None = None) -> pd.DataFrame:
    """One scored row per held-out small-start window (indicator k, origin t, region, h), model
    ``count_family``, rung ``C``; ``fits`` (optional) collects each fold's fit by (k, t)."""
    rows = []
    for k in sorted(windows["indicator"].unique()):
        test = windows[(windows["indicator"] == k) & windows["h"].isin(horizons)]
        if test.empty:
            continue
        sf = str(test["stock_or_flow"].iloc[0])
        for origin, at in test.groupby("start_year", sort=True):
            fit = cf.fit_class(windows, sf, int(origin), exclude=k)
            if fits is not None:
                fits[(k, int(origin))] = fit
            if fit is None:
                continue
            for r in at.itertuples(index=False):
                if not fit.covers(int(r.h)):
                    continue
                u = np.random.default_rng([seed, int(origin), int(r.h), zlib.crc32(f"C0{k}{r.region}".encode())]).random()
                rows.append({"indicator": k, "origin": int(origin), "region": r.region, "horizon": int(r.h),
                             "model": "count_family", "rung": "C", "level": r.level, "start": float(r.start),
                             "end": float(r.end), "fold_windows": fit.n_windows, "fold_indicators": fit.n_indicators,
                             "widened": fit.widened, **score_case(fit, float(r.start), int(r.h), r.level,
                                                                   float(r.end), u)})
    return pd.DataFrame(rows)


def gate(cases: pd.DataFrame, as_of: int, level: str | None = None) -> dict[str, Any]:
    """Whether the family's P may be shown for a target of ``level`` judged as of ``as_of`` (events
    with outcome year ≤ ``as_of`` only).

    The events of the target's level are the judge where they alone reach :data:`MIN_EVENTS` events
    from :data:`MIN_CLUSTERS` fold fits, else all events pooled; with fewer than that in the pool
    too, nothing is judged (``too_few_events``). Returns ``shown``, ``reason`` (``calibrated`` /
    ``not_calibrated`` / ``too_few_events``), ``judged_by`` (the level or "pooled"), the judged
    events' ``n_events``, ``n_clusters`` and ``n_windows``, their slope row (``b``, ``b_lo``,
    ``b_hi``) and the pooled row (``pooled``).
    """
    from analysis.models.calibration_check import _slope, clustered_events

    c = cases[(cases["origin"] + cases["horizon"]) <= as_of].reset_index(drop=True) if not cases.empty else cases
    out: dict[str, Any] = {"n_windows": int(len(c)), "n_events": 0, "n_clusters": 0, "b": None, "b_lo": None,
                           "b_hi": None, "shown": False, "reason": "too_few_events", "judged_by": "pooled"}
    if c.empty:
        return out
    ev = clustered_events(c)

    def enough(e: pd.DataFrame) -> bool:
        return len(e) >= MIN_EVENTS and e["cluster"].nunique() >= MIN_CLUSTERS and e["met"].nunique() == 2

    own = ev[ev["level"] == level]
    judged, by = (own, str(level)) if enough(own) else (ev, "pooled")
    out.update(n_windows=int(judged["case"].nunique()), n_events=int(len(judged)),
               n_clusters=int(judged["cluster"].nunique()), judged_by=by)
    if not enough(judged):
        return out
    row = _slope(judged, REPS, 0)
    out.update(b=row["b"], b_lo=row["b_lo"], b_hi=row["b_hi"], shown=bool(row["calibrated"]),
               reason="calibrated" if row["calibrated"] else "not_calibrated")
    if by != "pooled" and enough(ev):
        pooled = _slope(ev, REPS, 0)
        out["pooled"] = {k: pooled[k] for k in ("n_events", "n_clusters", "b", "b_lo", "b_hi", "calibrated")}
    return out


def gate_table(cases: pd.DataFrame, as_of: tuple[int, ...] = (2021, 2024), level: str = "city") -> pd.DataFrame:
    """The gate for a ``level`` target judged as of each year, as a table for the backtest report
    (the columns of :func:`analysis.models.calibration_check.slope_table`): which events judged it
    (``level``: the target's level, or ``all_levels`` pooled), events, fold fits, held-out windows,
    the Platt slope b with its 95 % interval, and whether P is shown.

    >>> gate_table(pd.DataFrame(), (2021,))["calibrated"].tolist()
    ['no']
    """
    rows = []
    for year in as_of:
        g = gate(cases, year, level)
        rows.append({"as_of": year, "level": "all_levels" if g["judged_by"] == "pooled" else g["judged_by"],
                     "n": g["n_events"], "clusters": g["n_clusters"], "windows": g["n_windows"],
                     "slope_b": g["b"], "b_lo": g["b_lo"], "b_hi": g["b_hi"],
                     "calibrated": "yes" if g["shown"] else "no"})
    return pd.DataFrame(rows)


def summary(eng=None, as_of: tuple[int, ...] = (2021, 2024)) -> dict[str, Any]:
    """What stands behind the count-family model on the loaded panel (bundled data, plus
    ``$ANALYSIS_DATA_PATH``): its windows, the backtest's coverage per horizon, the events' reliability
    and the gate at each ``as_of`` year. Example: ``python -m analysis.models.count_family_check``."""
    from analysis.assess import Engine
    from analysis.backtest_ladder import reliability_from_cases
    from analysis.engine.small_counts import backtest_cases, windows

    eng = eng or Engine(seed=0)
    w = windows(eng)
    cases = backtest_cases(eng)
    cov = (cases.groupby("horizon").agg(n=("crps", "size"), indicators=("indicator", "nunique"),
                                        coverage_50=("hit_50", "mean"), coverage_80=("hit_80", "mean"),
                                        coverage_95=("hit_95", "mean"), crps=("crps", "mean"))
           if not cases.empty else pd.DataFrame())
    zero = w[w["start"] == 0]
    return {"windows": w.groupby(["stock_or_flow", "level", "h"]).agg(
                windows=("end", "size"), indicators=("indicator", "nunique"), regions=("region", "nunique")),
            "zero_start": {"n": int(len(zero)), "reached_1": int((zero["end"] >= 1).sum())},
            "backtest": cov,
            "reliability": reliability_from_cases(cases, "count_family", "C", 5) if not cases.empty else None,
            "gate": {y: gate(cases, y, "city") for y in as_of}}


def main() -> int:
    """Print :func:`summary` (the numbers quoted in the closing note)."""
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        for key, value in summary().items():
            print(f"== {key}\n{value}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
