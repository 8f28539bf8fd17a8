"""Is the judgement right? Rolling-origin backtest and synthetic calibration.

Rolling origin: for every indicator, origin year t and region with at least three changes up to t,
forecast y at t + h (h = 1, 2, 3) using only data ≤ t for every region (models are fitted on the
panel cut at t), and score against the outcome: CRPS on y, coverage of the central 50/80/95 %
intervals, and Brier scores of target-like events V_t+h ≥ V_t·(1 + g)^h for g = 10/20/50/100 %.
Models: ``pooled``, ``peers``, ``own`` and the baselines ``no_change``, ``drift`` (plug-in drift,
no parameter uncertainty) and ``ets`` (statsmodels ETS, optional: slow). All models are scored on
the same cases (those where pooled, peers and own could all forecast); ETS on the subset where
it could be fitted.

Synthetic calibration: panels simulated from a known process (the pooled model's own form);
P(meet) for random targets is compared with how often they were met, by probability bin.
"""
from __future__ import annotations

import math
import zlib

import numpy as np
import pandas as pd

from analysis.models import own, peers
from analysis.models.forecast import Forecast, crps_draws, crps_t

HORIZONS = (1, 2, 3)
GROWTH_EVENTS = (0.10, 0.20, 0.50, 1.00)
LEVELS = (0.50, 0.80, 0.95)
MODELS = ("pooled", "peers", "own", "no_change", "drift", "ets")


def _score(f: Forecast, obs: float, y0: float, h: int, log_scale: bool, v0: float) -> dict:
    """CRPS, interval hits and event probabilities of one forecast against one outcome."""
    out: dict = {}
    if f.loc is not None and f.scale is not None and f.scale > 0:
        out["crps"] = crps_t(f.loc, f.scale, f.df or np.inf, obs)
    else:
        out["crps"] = crps_draws(f.draws, obs)
    for lev in LEVELS:
        lo, hi = f.quantile([(1 - lev) / 2, (1 + lev) / 2])
        out[f"hit_{int(lev * 100)}"] = float(lo <= obs <= hi)
    for g in GROWTH_EVENTS:
        if log_scale:
            y_star = y0 + h * math.log1p(g)
        else:
            y_star = v0 * (1 + g) ** h
        p = f.p_at_least(y_star)
        out[f"p_g{int(g * 100)}"], out[f"met_g{int(g * 100)}"] = p, float(obs >= y_star)
        out[f"brier_g{int(g * 100)}"] = (p - float(obs >= y_star)) ** 2
    return out


def backtest_cases(panel: pd.DataFrame | None = None, *, horizons=HORIZONS, seed: int = 0,
                   indicators: list[str] | None = None, with_ets: bool = False, n_draws: int = 1000,
                   levels: tuple[str, ...] = ("province", "city", "district", "county")) -> pd.DataFrame:
    """One row per (indicator, origin, region, horizon, model) with its scores."""
    from analysis.assess import Engine

    eng = Engine(panel, seed=seed, n_draws=n_draws)
    inds = indicators or sorted(eng._by_indicator)
    rows = []
    for ind in inds:
        log_scale = eng.log_scale(ind)
        full = eng.levels(ind, 10 ** 4)
        full = full[full["level"].isin(levels)]
        if full.empty:
            continue
        obs_lookup = {(r, y): v for r, y, v in zip(full["region"], full["year"], full["y"])}
        for origin in sorted(full["year"].unique()):
            origin = int(origin)
            if not any((r, origin + h) in obs_lookup for r in full["region"].unique() for h in horizons):
                continue
            cut = eng.levels(ind, origin)
            cut = cut[cut["level"].isin(levels)]
            ch_all = eng.changes(ind, origin)
            now = cut[cut["year"] == origin]
            for _, reg in now.iterrows():
                region, y0 = reg["region"], float(reg["y"])
                targets = [h for h in horizons if (region, origin + h) in obs_lookup]
                if not targets:
                    continue
                own_ch = ch_all[ch_all["region"] == region]
                if len(own_ch) < own.MIN_CHANGES:
                    continue
                fit = eng.pooled_fit(ind, origin, reg["level"], reg["parent"])
                if fit is None:
                    continue
                key = [seed, origin, zlib.crc32(region.encode("utf-8"))]
                rng = np.random.default_rng(key + [0])
                hmax = max(horizons)  # same draws whatever outcomes exist later: no look-ahead via the seed
                pooled_paths = fit.forecast(y0, region, hmax, rng, n_draws).path
                ets_f = None
                if with_ets:
                    ets_f = own.ets_forecast(cut[cut["region"] == region][["year", "y"]], hmax, rng, n=n_draws)
                v0 = float(np.exp(y0)) if log_scale else y0
                for h in targets:
                    pf = eng.peer_fit(ind, origin, h, region, reg["level"], reg["parent"])
                    if pf is None:
                        continue
                    obs = obs_lookup[(region, origin + h)]
                    rng = np.random.default_rng(key + [h])
                    fc = {
                        "pooled": Forecast("pooled", draws=pooled_paths[:, h - 1]),
                        "peers": peers.peer_forecast(pf, y0, rng, n_draws),
                        "own": own.own_forecast(y0, h, own_ch, rng),
                        "no_change": own.no_change_forecast(y0, h, own_ch, rng),
                        "drift": own.own_forecast(y0, h, own_ch, rng, parameter_uncertainty=False, model="drift"),
                    }
                    if ets_f is not None:
                        fc["ets"] = Forecast("ets", draws=ets_f.path[:, h - 1])
                    for name, f in fc.items():
                        if f is None:
                            continue
                        rows.append({"indicator": ind, "origin": origin, "region": region, "horizon": h,
                                     "model": name, "rung": "A" if name in ("pooled", "peers", "own") else None,
                                     **_score(f, obs, y0, h, log_scale, v0)})
    return pd.DataFrame(rows)


def summarise(cases: pd.DataFrame) -> pd.DataFrame:
    """Per (indicator, model, horizon) metrics plus ``indicator == 'all'`` rows (contract columns)."""
    cols = ["indicator", "model", "horizon", "n", "crps", "coverage_50", "coverage_80", "coverage_95",
            "brier_g10", "brier_g20", "brier_g50", "brier_g100", "rung"]
    if cases.empty:
        return pd.DataFrame(columns=cols)

    def agg(g: pd.DataFrame) -> pd.Series:
        return pd.Series({
            "n": len(g), "crps": g["crps"].mean(), "coverage_50": g["hit_50"].mean(),
            "coverage_80": g["hit_80"].mean(), "coverage_95": g["hit_95"].mean(),
            **{f"brier_g{int(x * 100)}": g[f"brier_g{int(x * 100)}"].mean() for x in GROWTH_EVENTS},
        })

    cases = cases.assign(rung=cases["rung"].fillna("-")) if "rung" in cases else cases.assign(rung="-")
    per = cases.groupby(["indicator", "model", "horizon", "rung"]).apply(agg, include_groups=False).reset_index()
    # CRPS is on each indicator's own scale; pooling across indicators averages per-case scores
    allrows = cases.groupby(["model", "horizon", "rung"]).apply(agg, include_groups=False).reset_index()
    allrows.insert(0, "indicator", "all")
    out = pd.concat([per, allrows], ignore_index=True)
    out["n"] = out["n"].astype(int)
    order = {m: i for i, m in enumerate(MODELS)}
    out = out.sort_values(["indicator", "rung", "horizon", "model"],
                          key=lambda s: s.map(order).fillna(len(order)) if s.name == "model" else s)
    out["rung"] = out["rung"].replace("-", None)
    return out[cols].reset_index(drop=True)


def run_backtest(panel: pd.DataFrame | None = None, *, horizons=HORIZONS, seed: int = 0,
                 indicators: list[str] | None = None, with_ets: bool = False, n_draws: int = 1000,
                 levels: tuple[str, ...] = ("province", "city", "district", "county"),
                 rungs: tuple[str, ...] = ("A",)) -> pd.DataFrame:
    """Metrics per (indicator, model, horizon, rung), contract columns: rung A by rolling origin,
    B leave-one-level-out and C leave-one-indicator-out (:mod:`analysis.backtest_ladder`)."""
    from analysis.backtest_ladder import ladder_cases

    parts = []
    if "A" in rungs:
        parts.append(backtest_cases(panel, horizons=horizons, seed=seed, indicators=indicators,
                                    with_ets=with_ets, n_draws=n_draws, levels=levels))
    for rung in ("B", "C"):
        if rung in rungs:
            parts.append(ladder_cases(panel, rung=rung, horizons=horizons, seed=seed, indicators=indicators,
                                      n_draws=n_draws))
    parts = [p for p in parts if not p.empty]
    return summarise(pd.concat(parts, ignore_index=True) if parts else pd.DataFrame())


# ---------------------------------------------------------------------- synthetic calibration
def simulate_panel(rng: np.random.Generator, n_regions: int = 30, n_years: int = 12, beta: float = -0.05,
                   tau: float = 0.05, sigma: float = 0.08, mu: float = 0.10, sigma_delta: float = 0.04,
                   start_year: int = 2010) -> tuple[pd.DataFrame, dict]:
    """A log-count panel from the pooled model's own process (known parameters)."""
    u = tau * rng.standard_normal(n_regions)
    y = np.log(rng.uniform(50, 5000, n_regions))
    ybar = float(np.log(500))
    rows = []
    years = np.arange(start_year, start_year + n_years)
    for k, yr in enumerate(years):
        if k > 0:
            delta = mu + sigma_delta * rng.standard_normal()
            y = y + delta + beta * (y - ybar) + u + sigma * rng.standard_normal(n_regions)
        for i in range(n_regions):
            rows.append({"region": f"R{i:02d}", "level": "city", "parent": "P", "indicator": "hte_count",
                         "year": int(yr), "value": float(np.exp(y[i])), "qualifier": "exact",
                         "derived": False, "source": "synthetic", "quote": "synthetic", "reliability": "official"})
    params = dict(beta=beta, tau=tau, sigma=sigma, mu=mu, sigma_delta=sigma_delta, ybar=ybar, u=u)
    return pd.DataFrame(rows), params


def synthetic_calibration(seed: int = 0, n_panels: int = 20, horizon: int = 2, n_regions: int = 30,
                          n_years: int = 12, bins: int = 10) -> pd.DataFrame:
    """Reliability table of pooled P(meet) on panels from a known process.

    For each panel, the first ``n_years − horizon`` years are observed; each region gets a target
    drawn around its plausible range; the last ``horizon`` years (simulated from the same process)
    decide whether it was met. Returns bin_lo, bin_hi, n, mean_p, observed, se (binomial).
    """
    from analysis.assess import Engine

    rng = np.random.default_rng(seed)
    ps, met = [], []
    for k in range(n_panels):
        panel, _ = simulate_panel(rng, n_regions=n_regions, n_years=n_years)
        as_of = int(panel["year"].max()) - horizon
        eng = Engine(panel, seed=seed + k, n_draws=2000)
        now = panel[panel["year"] == as_of]
        later = panel[panel["year"] == as_of + horizon].set_index("region")["value"]
        for _, r in now.iterrows():
            target = float(r["value"] * np.exp(rng.uniform(-0.2, 0.7)))
            a = eng.assess({"target_id": f"syn{k}-{r['region']}", "region": r["region"], "level": "city",
                            "parent": "P", "indicator": "hte_count", "target_type": "level",
                            "comparator": ">=", "baseline_year": as_of, "baseline_value": r["value"],
                            "target_year": as_of + horizon, "target_value": target, "masked": False})
            if a.p_pooled is None:
                continue
            ps.append(a.p_pooled)
            met.append(float(later[r["region"]] >= target))
    return reliability_table(np.array(ps), np.array(met), bins)


def reliability_table(p: np.ndarray, outcome: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Observed frequency against mean forecast probability, by equal-width probability bin."""
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        m = idx == b
        n = int(m.sum())
        mp = float(p[m].mean()) if n else np.nan
        rows.append({"bin_lo": edges[b], "bin_hi": edges[b + 1], "n": n, "mean_p": mp,
                     "observed": float(outcome[m].mean()) if n else np.nan,
                     "se": float(np.sqrt(mp * (1 - mp) / n)) if n else np.nan})
    return pd.DataFrame(rows)
