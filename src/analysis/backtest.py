"""Is the judgement right? Rolling-origin backtest and synthetic calibration.

Rolling origin: for every indicator, origin year t and region with at least three changes up to t,
forecast y at t + h (h = 1, 2, 3) using only data ≤ t for every region (models are fitted on the
panel cut at t), and score against the outcome: CRPS on y, coverage of the central 50/80/95 %
intervals, and Brier scores of target-like events V_t+h ≥ V_t·(1 + g)^h for g = 10/20/50/100 %.
Models: ``pooled``, ``peers``, ``own`` and the baselines ``no_change``, ``drift`` (plug-in drift,
no parameter uncertainty) and ``ets`` (statsmodels ETS, optional: slow). All models are scored on
the same cases (those where pooled, peers and own could all forecast); ETS on the subset where
it could be fitted.

Speed: per (indicator, origin) the pooled model simulates every region of a class in one call
(seeded by indicator, origin and class, never by which outcomes exist later), drift statistics come
from per-region sums, and every model's cases are scored in one vectorised call
(:mod:`analysis.backtest_scores`: closed-form t CRPS and quantiles, sort-based CRPS on draws).

Synthetic calibration: panels simulated from a known process (the pooled model's own form);
P(meet) for random targets is compared with how often they were met, by probability bin.
"""
from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
from scipy import special

from analysis.models import own, peers
from analysis import backtest_scores as bs

HORIZONS = (1, 2, 3)
GROWTH_EVENTS = (0.10, 0.20, 0.50, 1.00)
LEVELS = (0.50, 0.80, 0.95)
MODELS = ("pooled", "peers", "own", "no_change", "drift", "ets")


def _drift_stats(ch: pd.DataFrame, regions: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per region (in ``regions`` order): number of changes m, ΣΔt, drift μ̂, σ̂ (own) and σ̂ (no-change).

    The same estimators as :func:`analysis.models.own.drift_params` and ``no_change_forecast``,
    from per-region sums: Σ(Δy − μ̂Δt)²/Δt = ΣΔy²/Δt − 2μ̂ΣΔy + μ̂²ΣΔt.
    """
    idx = pd.Index(regions)
    codes = idx.get_indexer(ch["region"].to_numpy())
    ok = codes >= 0
    codes, dy, dt = codes[ok], ch["dy"].to_numpy(float)[ok], ch["dt"].to_numpy(float)[ok]
    R = len(idx)
    m = np.bincount(codes, minlength=R).astype(float)
    T = np.bincount(codes, weights=dt, minlength=R)
    sdy = np.bincount(codes, weights=dy, minlength=R)
    q = np.bincount(codes, weights=dy * dy / dt, minlength=R)
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = sdy / T
        s2 = (q - 2 * mu * sdy + mu * mu * T) / (m - 1)
        sd_own = np.sqrt(np.maximum(s2, 1e-12))
        sd_nc = np.sqrt(q / m)
    return m, T, mu, sd_own, sd_nc


_PEER_Z = special.ndtri(peers.TAUS)


def _peer_draws(fit, y0: float, rng: np.random.Generator, n: int) -> np.ndarray:
    """The draws of :func:`analysis.models.peers.peer_forecast` (same rng use), without its
    per-call normal quantiles."""
    return y0 + peers._extrapolate(rng.standard_normal(n), _PEER_Z, fit.quantiles_at(y0))


def _origin_cases(eng, ind: str, origin: int, cut: pd.DataFrame, obs_lookup: dict, horizons, seed: int,
                  n_draws: int, with_ets: bool) -> list[dict]:
    """Forecasts of every region at one (indicator, origin): per model, the case keys and what to score.

    Pooled paths are drawn for all regions of one fit at once (seeded by indicator, origin and
    class: the same draws whatever outcomes exist later). Parametric models return (loc, scale, df).
    """
    now = cut[cut["year"] == origin]
    ch_all = eng.changes(ind, origin)
    regions = now["region"].to_numpy()
    m, T, mu, sd_own, sd_nc = _drift_stats(ch_all, regions)
    hmax = max(horizons)
    batches: dict[int, tuple] = {}
    for k, (region, level, parent) in enumerate(zip(regions, now["level"], now["parent"])):
        if m[k] < own.MIN_CHANGES:
            continue
        fit = eng.pooled_fit(ind, origin, level, parent)
        if fit is not None:
            batches.setdefault(id(fit), (fit, []))[1].append(k)
    y0_all = now["y"].to_numpy(float)
    out = []
    for fit, ks in batches.values():
        rng = np.random.default_rng([seed, origin, zlib.crc32(f"{ind}|{fit.reference_class}".encode("utf-8"))])
        paths = fit.simulate(y0_all[ks], [regions[k] for k in ks], hmax, rng, n_draws)
        for j, k in enumerate(ks):
            region, level, parent, y0 = regions[k], now["level"].iat[k], now["parent"].iat[k], y0_all[k]
            targets = [h for h in horizons if (region, origin + h) in obs_lookup]
            if not targets:
                continue
            key = [seed, origin, zlib.crc32(region.encode("utf-8"))]
            ets_f = None
            if with_ets:
                ets_f = own.ets_forecast(cut[cut["region"] == region][["year", "y"]], hmax,
                                         np.random.default_rng(key + [0]), n=n_draws)
            for h in targets:
                pf = eng.peer_fit(ind, origin, h, region, level, parent)
                if pf is None:
                    continue
                steps = float(h)
                out.append({
                    "region": region, "horizon": h, "y0": y0, "obs": obs_lookup[(region, origin + h)],
                    "pooled": paths[:, j, h - 1],
                    "peers": _peer_draws(pf, y0, np.random.default_rng(key + [h]), n_draws),
                    "own": (y0 + mu[k] * steps, sd_own[k] * np.sqrt(steps + steps ** 2 / T[k]), m[k] - 1),
                    "no_change": (y0, sd_nc[k] * np.sqrt(steps), np.inf),
                    "drift": (y0 + mu[k] * steps, sd_own[k] * np.sqrt(steps), np.inf),
                    "ets": None if ets_f is None else ets_f.path[:, h - 1],
                })
    return out


def _score_cases(ind: str, origin_of: list[int], cases: list[dict], log_scale: bool) -> pd.DataFrame:
    """One row per (case, model) with its scores, every model of a batch scored in one call."""
    if not cases:
        return pd.DataFrame()
    y0 = np.array([c["y0"] for c in cases])
    hs = np.array([c["horizon"] for c in cases])
    obs = np.array([c["obs"] for c in cases])
    base = {"indicator": ind, "origin": np.array(origin_of), "region": np.array([c["region"] for c in cases]),
            "horizon": hs}
    y_star = bs.event_thresholds(y0, hs, log_scale, GROWTH_EVENTS)
    parts = []
    for name in ("pooled", "peers", "own", "no_change", "drift", "ets"):
        sel = np.array([c[name] is not None for c in cases])
        if not sel.any():
            continue
        rows = [c[name] for c, s in zip(cases, sel) if s]
        if name in ("own", "no_change", "drift"):
            loc, sc, df = (np.array(v, float) for v in zip(*rows))
            sc_ = bs.score_t(loc, sc, df, obs[sel], y_star[sel], GROWTH_EVENTS)
        else:
            sc_ = bs.score_draws(np.vstack(rows), obs[sel], y_star[sel], GROWTH_EVENTS)
        frame = {k: (v[sel] if isinstance(v, np.ndarray) else v) for k, v in base.items()}
        parts.append(pd.DataFrame({**frame, "model": name, "rung": "A" if name in ("pooled", "peers", "own") else None,
                                   **sc_}))
    return pd.concat(parts, ignore_index=True)


def backtest_cases(panel: pd.DataFrame | None = None, *, horizons=HORIZONS, seed: int = 0,
                   indicators: list[str] | None = None, with_ets: bool = False, n_draws: int = 1000,
                   levels: tuple[str, ...] = ("province", "city", "district", "county"), engine=None) -> pd.DataFrame:
    """One row per (indicator, origin, region, horizon, model) with its scores."""
    from analysis.assess import Engine

    eng = engine or Engine(panel, seed=seed, n_draws=n_draws)
    inds = indicators or sorted(eng._by_indicator)
    frames = []
    for ind in inds:
        log_scale = eng.log_scale(ind)
        full = eng.levels(ind, 10 ** 4)
        full = full[full["level"].isin(levels)]
        if full.empty:
            continue
        obs_lookup = {(r, y): v for r, y, v in zip(full["region"], full["year"], full["y"])}
        ends = set(full["year"].astype(int))
        cases, origin_of = [], []
        for origin in sorted(full["year"].unique()):
            origin = int(origin)
            if not any(origin + h in ends for h in horizons):
                continue
            cut = eng.levels(ind, origin)
            cut = cut[cut["level"].isin(levels)]
            got = _origin_cases(eng, ind, origin, cut, obs_lookup, horizons, seed, n_draws, with_ets)
            cases += got
            origin_of += [origin] * len(got)
        frames.append(_score_cases(ind, origin_of, cases, log_scale))
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


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
                 rungs: tuple[str, ...] = ("A",), workers: int = 1) -> pd.DataFrame:
    """Metrics per (indicator, model, horizon, rung), contract columns: rung A by rolling origin,
    B leave-one-level-out and C leave-one-indicator-out (:mod:`analysis.backtest_ladder`).

    ``workers`` > 1 runs the (rung, indicator) parts in that many forked processes: every case has
    its own seeded stream and every fit depends only on the data, so the table is the same bit for
    bit (``tests/test_backtest_parallel.py``), in less wall time.
    """
    from analysis.assess import Engine
    from analysis.engine.parallel import fork_map

    eng = Engine(panel, seed=seed, n_draws=n_draws)  # one engine: data loaded and views built once
    inds = indicators or sorted(eng._by_indicator)
    jobs = [(rung, ind) for rung in ("A", "B", "C") if rung in rungs for ind in inds]
    if "C" in rungs:  # rung C for small counts: the count-family model (model "count_family")
        jobs.append(("count", None))

    def run(job: tuple[str, str | None]) -> pd.DataFrame:
        return _backtest_part(eng, job, horizons, seed, indicators, with_ets, n_draws, levels)

    parts = fork_map(run, jobs, workers) or [run(job) for job in jobs]
    parts = [p for p in parts if not p.empty]
    return summarise(pd.concat(parts, ignore_index=True) if parts else pd.DataFrame())


def _backtest_part(eng, job: tuple[str, str | None], horizons, seed: int, indicators: list[str] | None,
                   with_ets: bool, n_draws: int, levels: tuple[str, ...]) -> pd.DataFrame:
    """The cases of one part of :func:`run_backtest`: one rung and one indicator, or the count family."""
    from analysis.backtest_ladder import count_family_cases, ladder_cases

    rung, ind = job
    if rung == "A":
        return backtest_cases(horizons=horizons, seed=seed, indicators=[ind], with_ets=with_ets,
                              n_draws=n_draws, levels=levels, engine=eng)
    if rung in ("B", "C"):
        return ladder_cases(rung=rung, horizons=horizons, seed=seed, indicators=[ind], n_draws=n_draws, engine=eng)
    return count_family_cases(eng, horizons, seed, indicators, levels)


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
