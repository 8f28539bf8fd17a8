"""Backtests of rungs B and C, and the reliability diagram of P(meet) on the real panel.

- Rung B, leave-one-level-out: for each indicator and each sub-national level L, the family model
  is fitted on the indicator's other levels only (data ≤ origin), and forecasts every region of
  level L from its value at the origin.
- Rung C, leave-one-indicator-out: for each indicator k, the model is fitted on k's family without
  k (data ≤ origin), and forecasts every region of k.
- Rung C for small counts (model ``count_family``; "C0" in the reliability charts): the same
  leave-one-indicator-out design for the count-family small-count model (:func:`count_family_cases`).

The held-out level or indicator is never in its own fold's fit (deleting it from the panel leaves
that fit unchanged; a test checks it). Rows carry ``rung`` and are scored like the rolling-origin
backtest (CRPS, interval hits, target-like events), so :func:`analysis.backtest.summarise` pools them.

Example:
    >>> import numpy as np
    >>> reliability_diagram(np.array([0.1, 0.9]), np.array([0.0, 1.0]), bins=2)["n"].tolist()
    [1, 1]
"""
from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from analysis.models import family

MIN_ORIGIN_CHANGES = family.MIN_CHANGES


def fold_fit(eng, rung: str, indicator: str, holdout: str, origin: int):
    """The fit of one fold: rung B holds out level ``holdout``, rung C holds out ``indicator``."""
    from analysis.engine.ladder import family_prior

    def make():
        if rung == "B":
            ch = eng.class_changes((indicator,), origin)
            ch = ch[ch["level"] != holdout]
            # the prior is learnt on other indicators only: nothing of (indicator, holdout) enters the fold
            return family.fit_family(ch, f"B fold without {holdout}", family_prior(eng, indicator, origin))
        inds = tuple(k for k in eng.family(indicator) if k != indicator)
        return family.fit_family(eng.class_changes(inds, origin), f"C fold without {holdout}")
    return eng.cached(("fold", rung, indicator, holdout, origin), make)


def ladder_cases(panel: pd.DataFrame | None = None, *, rung: str = "B", horizons=(1, 2, 3), seed: int = 0,
                 indicators: list[str] | None = None, n_draws: int = 500, engine=None) -> pd.DataFrame:
    """One row per (indicator, origin, region, horizon) of the held-out set, model ``family``."""
    from analysis.assess import Engine
    from analysis.engine.views import SUBNATIONAL

    eng = engine or Engine(panel, seed=seed, n_draws=n_draws)
    frames = []
    for ind in indicators or sorted(eng._by_indicator):
        log_scale = eng.log_scale(ind)
        full = eng.levels(ind, 10 ** 4)
        full = full[full["level"].isin(SUBNATIONAL)]
        if full.empty:
            continue
        obs = {(r, y): v for r, y, v in zip(full["region"], full["year"], full["y"])}
        holdouts = sorted(full["level"].unique()) if rung == "B" else [ind]
        keys, draws = [], []
        for hold in holdouts:
            test = full[full["level"] == hold] if rung == "B" else full
            for origin in sorted(test["year"].unique()):
                origin = int(origin)
                now = test[test["year"] == origin]
                if not any((r, origin + h) in obs for r in now["region"] for h in horizons):
                    continue
                fit = fold_fit(eng, rung, ind, hold, origin)
                if fit is None:
                    continue
                for region, level, y0 in zip(now["region"], now["level"], now["y"]):
                    for h in horizons:
                        if (region, origin + h) not in obs:
                            continue
                        rng = np.random.default_rng([seed, origin, h, zlib.crc32(f"{rung}{ind}{region}".encode())])
                        draws.append(fit.forecast(float(y0), region, ind, level, h, rng, n_draws).draws)
                        keys.append((origin, region, h, level, float(y0), obs[(region, origin + h)]))
        if keys:
            frames.append(_score_fold_cases(ind, rung, keys, draws, log_scale))
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def count_family_cases(eng, horizons=(1, 2, 3), seed: int = 0, indicators: list[str] | None = None,
                       levels: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Rung C for small counts, leave-one-indicator-out: the count-family model fitted without
    indicator k on windows ending ≤ the origin forecasts k's small-start windows (model
    ``count_family``, rung ``C``; :mod:`analysis.models.count_family_check`). CRPS is on ln(count + ½)."""
    from analysis.engine.small_counts import backtest_cases

    c = backtest_cases(eng, seed)  # the engine's cached cases (h = 1..3), shared with the gate
    if c.empty:
        return c
    c = c[c["horizon"].isin(tuple(horizons))]
    if indicators:
        c = c[c["indicator"].isin(indicators)]
    if levels:
        c = c[c["level"].isin(levels)]
    return c.reset_index(drop=True)


def _score_fold_cases(ind: str, rung: str, keys: list[tuple], draws: list[np.ndarray], log_scale: bool) -> pd.DataFrame:
    """Rows of one indicator's held-out cases, scored in one vectorised call."""
    from analysis import backtest_scores as bs
    from analysis.backtest import GROWTH_EVENTS

    origin, region, h, level, y0, ob = (np.array(v) for v in zip(*keys))
    y_star = bs.event_thresholds(y0.astype(float), h.astype(float), log_scale, GROWTH_EVENTS)
    sc = bs.score_draws(np.vstack(draws), ob.astype(float), y_star, GROWTH_EVENTS)
    return pd.DataFrame({"indicator": ind, "origin": origin.astype(int), "region": region, "horizon": h.astype(int),
                         "model": "family", "rung": rung, "level": level, **sc})


def reliability_diagram(p: np.ndarray, met: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Reliability table: bin, n, mean predicted P, observed frequency (equal-width bins)."""
    p, met = np.asarray(p, float), np.asarray(met, float)
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    out = []
    for b in range(bins):
        m = idx == b
        out.append({"bin": f"{edges[b]:.1f}–{edges[b + 1]:.1f}", "n": int(m.sum()),
                    "mean_predicted": float(p[m].mean()) if m.any() else np.nan,
                    "observed_frequency": float(met[m].mean()) if m.any() else np.nan})
    return pd.DataFrame(out)


def reliability_from_cases(cases: pd.DataFrame, model: str, rung: str | None = None, bins: int = 10) -> pd.DataFrame:
    """Reliability of P(meet) for the target-like events (growth ≥ 10/20/50/100 % a year) of one model."""
    c = cases[cases["model"] == model]
    if rung is not None:
        c = c[c["rung"] == rung]
    gs = [col[3:] for col in c.columns if col.startswith("p_g")]
    p = np.concatenate([c[f"p_g{g}"].to_numpy(float) for g in gs]) if gs else np.array([])
    met = np.concatenate([c[f"met_g{g}"].to_numpy(float) for g in gs]) if gs else np.array([])
    keep = np.isfinite(p) & np.isfinite(met)  # count_family leaves repeated thresholds empty
    return reliability_diagram(p[keep], met[keep], bins)


def real_reliability(rung: str = "A", indicators: list[str] | None = None, n_draws: int = 500,
                     seed: int = 0, bins: int = 10) -> pd.DataFrame:
    """Reliability diagram of P(meet) for target-like events on the real panel (the loaded data)."""
    from analysis.backtest import backtest_cases

    if rung == "A":
        cases = backtest_cases(None, indicators=indicators, n_draws=n_draws, seed=seed)
        return reliability_from_cases(cases, "pooled", "A", bins)
    cases = ladder_cases(None, rung=rung, indicators=indicators, n_draws=n_draws, seed=seed)
    return reliability_from_cases(cases, "family", rung, bins)


def report_data(*, horizons=(1, 2, 3), seed: int = 0, indicators: list[str] | None = None, n_draws: int = 1000,
                rungs: tuple[str, ...] = ("A", "B", "C"), bins: int = 10) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """What the backtest report shows, from one pass over the cases: the scores per (indicator,
    model, horizon, rung) and, per rung, the reliability of P(meet) for target-like events on the
    real panel (columns ``bin, n, mean_p, observed`` as the reliability chart reads them).

    Example: ``scores, reliability = report_data(indicators=["rd_intensity"], n_draws=200, rungs=("A",))``.
    """
    from analysis.assess import Engine
    from analysis.backtest import backtest_cases, summarise

    eng = Engine(None, seed=seed, n_draws=n_draws)  # one engine: data loaded and views built once
    parts, reliability = [], {}
    if "A" in rungs:
        cases = backtest_cases(None, horizons=horizons, seed=seed, indicators=indicators, n_draws=n_draws,
                               engine=eng)
        parts.append(cases)
        if not cases.empty:
            reliability["A"] = reliability_from_cases(cases, "pooled", "A", bins)
    for rung in ("B", "C"):
        if rung in rungs:
            cases = ladder_cases(None, rung=rung, horizons=horizons, seed=seed, indicators=indicators,
                                 n_draws=n_draws, engine=eng)
            parts.append(cases)
            if not cases.empty:
                reliability[rung] = reliability_from_cases(cases, "family", rung, bins)
    if "C" in rungs:  # small counts: the count-family model ("C0" in the reliability charts)
        cases = count_family_cases(eng, horizons, seed, indicators)
        parts.append(cases)
        if not cases.empty:
            reliability["C0"] = reliability_from_cases(cases, "count_family", "C", bins)
    parts = [p for p in parts if not p.empty]
    scores = summarise(pd.concat(parts, ignore_index=True) if parts else pd.DataFrame())
    reliability = {r: t.rename(columns={"mean_predicted": "mean_p", "observed_frequency": "observed"})
                   for r, t in reliability.items()}
    return scores, reliability
