"""What rung A's backtest could win at all at h = 1: the common year shock against the rest.

Rung A's pooled model forecasts every region of a class with one common year shock δ_t+1 (drawn
around the mean of the last five estimated year effects). This module scores, on the backtest's
own h = 1 cases (the same filter as :func:`analysis.backtest.backtest_cases`: ≥ 3 own changes,
a pooled and a peer fit, an observed outcome), two forecasts with the same seeded draws:

- ``model``: the pooled model as it forecasts (data ≤ origin);
- ``oracle_year``: the same fit told the realised class-mean shock of year origin + 1 (a
  deliberate look-ahead, for this bound only): δ = the precision-weighted mean over the class's
  regions of their realised change minus the fit's size, momentum, lead and region terms, with
  no shock uncertainty.

CRPS ``model`` − ``oracle_year`` is what a perfect forecast of the common shock would win; what is
left is the regions' own part. :func:`year_effect_predictors` scores rules that predict the shock
from years ≤ origin (the five-year mean the model uses, the last year, recent means, exponential
smoothing, an AR(1) around the five-year mean with the autocorrelation pooled over the classes'
year effects ≤ origin) by their mean squared error against the realised shock.

Run (bundled data, about a minute)::

    python -m analysis.backtest_bounds

Example:
    >>> t = year_shock_bounds(indicators=["rd_expenditure"], n_draws=200)   # doctest: +SKIP
"""
from __future__ import annotations

import dataclasses
import zlib

import numpy as np
import pandas as pd

from analysis import backtest_scores as bs
from analysis.backtest import _drift_stats
from analysis.models import own


def realised_shock(fit, changes_all: pd.DataFrame, origin: int) -> float | None:
    """The class-mean shock of year origin + 1 net of the fit's other terms (look-ahead: a bound only).

    Precision-weighted (1/σ̃_i²) over the fit's regions with a one-year change starting at ``origin``;
    None if no such change.
    """
    regions = set(fit.resid_sd) or set(fit.u_hat)
    c = changes_all[(changes_all["start_year"] == origin) & (changes_all["dt"] == 1)
                    & changes_all["region"].isin(regions)]
    if c.empty:
        return None
    reg = c["region"].tolist()
    pred = fit.beta * (c["y0"].to_numpy(float) - fit.y_mean) + np.array([fit.u_hat.get(r, 0.0) for r in reg])
    prev = np.array([fit.last_rate[r][1] if r in fit.last_rate and fit.last_rate[r][0] == origin
                     else fit.momentum_mean for r in reg])
    pred = pred + fit.phi * (prev - fit.momentum_mean)
    if fit.leads is not None:
        for k in range(fit.lead_gamma.size):
            x = np.array([fit.leads.known[r][k, 0] if r in fit.leads.known else np.nan for r in reg])
            pred = pred + fit.lead_gamma[k] * np.where(np.isfinite(x), x, 0.0)
    w = 1.0 / np.array([fit.resid_sd.get(r, fit.sigma) for r in reg]) ** 2
    return float(np.sum(w * (c["dy"].to_numpy(float) - pred)) / np.sum(w))


def _h1_batches(eng, ind: str, origin: int):
    """The backtest's h = 1 cases of one (indicator, origin), grouped by pooled fit:
    yields (fit, region positions, regions, y0, outcomes, drift stats of those regions)."""
    cut = eng.levels(ind, origin)
    now = cut[cut["year"] == origin]
    full = eng.levels(ind, 10 ** 4)
    later = dict(zip(full.loc[full["year"] == origin + 1, "region"], full.loc[full["year"] == origin + 1, "y"]))
    regions = now["region"].to_numpy()
    m, T, mu, sd_own, _ = _drift_stats(eng.changes(ind, origin), regions)
    batches: dict[int, tuple] = {}
    for k, (region, level, parent) in enumerate(zip(regions, now["level"], now["parent"])):
        if m[k] < own.MIN_CHANGES or region not in later:
            continue
        fit = eng.pooled_fit(ind, origin, level, parent)
        if fit is None or eng.peer_fit(ind, origin, 1, region, level, parent) is None:
            continue
        batches.setdefault(id(fit), (fit, []))[1].append(k)
    y0 = now["y"].to_numpy(float)
    for fit, ks in batches.values():
        yield fit, [regions[k] for k in ks], y0[ks], np.array([later[regions[k]] for k in ks]), \
            (mu[ks], sd_own[ks])


def year_shock_bounds(panel: pd.DataFrame | None = None, *, seed: int = 0, n_draws: int = 1000,
                      indicators: list[str] | None = None, engine=None) -> pd.DataFrame:
    """h = 1 scores of ``model`` and ``oracle_year`` (see the module docstring), pooled over indicators.

    Columns: variant, n, crps, drift_crps, gain (1 − crps/drift_crps), coverage_50, coverage_80,
    common_share (share of the model median's squared error removed by the oracle shock).
    """
    from analysis.assess import Engine

    eng = engine or Engine(panel, seed=seed, n_draws=n_draws)
    draws = {"model": [], "oracle_year": []}
    obs_all, drift = [], []
    for ind in indicators or sorted(eng._by_indicator):
        ch_all = eng.changes(ind, 10 ** 4)
        for origin in sorted(int(y) for y in eng.levels(ind, 10 ** 4)["year"].unique()):
            for fit, regs, y0, obs, (mu, sd) in _h1_batches(eng, ind, origin):
                key = [seed, origin, zlib.crc32(f"{ind}|{fit.reference_class}".encode("utf-8"))]
                shock = realised_shock(fit, ch_all, origin)
                told = fit if shock is None else dataclasses.replace(
                    fit, delta_bar=shock, delta_bar_se=0.0, sigma_delta=0.0)
                draws["model"].append(fit.simulate(y0, regs, 1, np.random.default_rng(key), n_draws)[:, :, 0].T)
                draws["oracle_year"].append(told.simulate(y0, regs, 1, np.random.default_rng(key), n_draws)[:, :, 0].T)
                obs_all.append(obs)
                drift.append(bs.crps_t(y0 + mu, sd, np.full(len(regs), np.inf), obs))
    if not obs_all:
        return pd.DataFrame(columns=["variant", "n", "crps", "drift_crps", "gain", "coverage_50", "coverage_80",
                                     "common_share"])
    obs, drift_crps = np.concatenate(obs_all), float(np.concatenate(drift).mean())
    rows, err = [], {}
    for name, parts in draws.items():
        x = np.vstack(parts)
        s = bs.score_draws(x, obs, np.zeros((obs.size, 0)), [])
        err[name] = np.median(x, axis=1)
        rows.append({"variant": name, "n": int(obs.size), "crps": float(s["crps"].mean()), "drift_crps": drift_crps,
                     "gain": 1 - float(s["crps"].mean()) / drift_crps, "coverage_50": float(s["hit_50"].mean()),
                     "coverage_80": float(s["hit_80"].mean())})
    share = float(np.mean((err["oracle_year"] - err["model"]) ** 2) / np.mean((obs - err["model"]) ** 2))
    for r in rows:
        r["common_share"] = share
    return pd.DataFrame(rows)


def year_effect_predictors(panel: pd.DataFrame | None = None, *, seed: int = 0, indicators: list[str] | None = None,
                           engine=None) -> pd.DataFrame:
    """Mean squared error of rules predicting the realised shock of year origin + 1 from the fit's
    year effects ≤ origin, one row per rule, over every (indicator, origin, class) of the h = 1 cases
    (weighted by cases)."""
    from analysis.assess import Engine

    eng = engine or Engine(panel, seed=seed)
    recs = []
    for ind in indicators or sorted(eng._by_indicator):
        ch_all = eng.changes(ind, 10 ** 4)
        for origin in sorted(int(y) for y in eng.levels(ind, 10 ** 4)["year"].unique()):
            for fit, regs, *_ in _h1_batches(eng, ind, origin):
                shock = realised_shock(fit, ch_all, origin)
                if shock is not None and len(fit.year_effects) >= 2:
                    recs.append((origin, len(regs), shock, fit.delta_bar, fit.year_effects.to_numpy(float)))
    rho = _pooled_autocorrelation(recs)
    rules = {
        "five-year mean (model)": lambda o, d, e: d,
        "all years' mean": lambda o, d, e: e.mean(),
        "last year": lambda o, d, e: e[-1],
        "last three years' mean": lambda o, d, e: e[-3:].mean(),
        "exponential smoothing 0.3": lambda o, d, e: _smooth(e, 0.3),
        "AR(1) around the five-year mean": lambda o, d, e: d + rho.get(o, 0.0) * (e[-1] - d),
        "zero": lambda o, d, e: 0.0,
    }
    w = np.array([r[1] for r in recs], float)
    out = []
    for name, rule in rules.items():
        e2 = np.array([(s - rule(o, d, e)) ** 2 for o, _, s, d, e in recs])
        out.append({"rule": name, "n_classes": len(recs), "mse": float(np.sum(w * e2) / w.sum()) if recs else np.nan})
    return pd.DataFrame(out)


def _smooth(e: np.ndarray, a: float) -> float:
    """Exponentially smoothed level of a series (weight ``a`` on each new value)."""
    m = float(e[0])
    for x in e[1:]:
        m = a * float(x) + (1 - a) * m
    return m


def _pooled_autocorrelation(recs: list) -> dict[int, float]:
    """Per origin: the lag-1 autocorrelation of year effects pooled over every class's series at that
    origin (each series demeaned; data ≤ origin), shrunk towards 0 by m/(m + 20) for m pairs."""
    out = {}
    for o in sorted({r[0] for r in recs}):
        num = den = 0.0
        m = 0
        for origin, _, _, _, e in recs:
            if origin == o:
                z = e - e.mean()
                num, den, m = num + float(z[1:] @ z[:-1]), den + float(z[:-1] @ z[:-1]), m + z.size - 1
        out[o] = num / den * m / (m + 20) if den > 0 else 0.0
    return out


def main() -> int:
    """Print both tables (bundled data)."""
    pd.set_option("display.width", 120)
    print(year_shock_bounds().round(4).to_string(index=False))
    print()
    print(year_effect_predictors().round(5).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
