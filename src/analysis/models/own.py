"""Inside view: the region's own history as a random walk with drift (plus two naive baselines).

With changes Δy_j over Δt_j years (irregular spacing allowed), each Δy_j ~ N(μ Δt_j, σ² Δt_j):
μ̂ = ΣΔy / ΣΔt, σ̂² = Σ (Δy_j − μ̂Δt_j)²/Δt_j / (m − 1). Over h years the predictive change has
mean hμ̂ and variance hσ̂² + h²σ̂²/ΣΔt — for unit spacing hσ̂²(1 + h/n), the drift-method
interval of Hyndman & Athanasopoulos (FPP3 §5.5) — with Student t (m − 1 df) for σ̂ uncertainty.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.models.forecast import Forecast, t_forecast

MIN_CHANGES = 3


def change_arrays(changes: pd.DataFrame | tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(Δy, Δt) as float arrays from a changes frame (columns dy, dt) or a (dy, dt) pair.

    >>> change_arrays((np.array([0.1]), np.array([1])))[1].dtype
    dtype('float64')
    """
    if isinstance(changes, pd.DataFrame):
        return changes["dy"].to_numpy(float), changes["dt"].to_numpy(float)
    dy, dt = changes
    return np.asarray(dy, dtype=float), np.asarray(dt, dtype=float)


def drift_params(changes: pd.DataFrame | tuple[np.ndarray, np.ndarray]) -> tuple[float, float, float, int] | None:
    """(μ̂, σ̂, ΣΔt, m) from a region's changes (a frame or a (dy, dt) pair), or None with fewer than 3."""
    dy, dt = change_arrays(changes)
    m = len(dy)
    if m < MIN_CHANGES:
        return None
    T = dt.sum()
    mu = dy.sum() / T
    s2 = np.sum((dy - mu * dt) ** 2 / dt) / (m - 1)
    return float(mu), float(np.sqrt(max(s2, 1e-12))), float(T), m


def own_forecast(y0: float, h: int, changes: pd.DataFrame | tuple[np.ndarray, np.ndarray], rng: np.random.Generator,
                 parameter_uncertainty: bool = True, model: str = "own") -> Forecast | None:
    """Drift forecast of y at t0 + h from the region's own changes (None if < 3 changes).

    ``parameter_uncertainty=False`` gives the classic plug-in drift baseline (normal, σ̂ only).
    """
    params = drift_params(changes)
    if params is None:
        return None
    mu, sigma, T, m = params
    steps = np.arange(1, h + 1, dtype=float)
    if parameter_uncertainty:
        scales = sigma * np.sqrt(steps + steps ** 2 / T)
        df = float(m - 1)
    else:
        scales = sigma * np.sqrt(steps)
        df = np.inf
    locs = y0 + mu * steps
    return t_forecast(model, float(locs[-1]), float(scales[-1]), df, rng,
                      path_locs=locs, path_scales=scales, mu=mu, sigma=sigma, n_changes=m)


def no_change_forecast(y0: float, h: int, changes: pd.DataFrame, rng: np.random.Generator) -> Forecast | None:
    """Random walk without drift: y_T ~ N(y0, hσ̂²), σ̂ from the region's own changes around 0."""
    m = len(changes)
    if m < MIN_CHANGES:
        return None
    dy = changes["dy"].to_numpy(float)
    dt = changes["dt"].to_numpy(float)
    sigma = float(np.sqrt(np.sum(dy ** 2 / dt) / m))
    steps = np.arange(1, h + 1, dtype=float)
    return t_forecast("no_change", y0, sigma * np.sqrt(h), np.inf, rng,
                      path_locs=np.full(h, y0), path_scales=sigma * np.sqrt(steps))


def ets_forecast(levels: pd.DataFrame, h: int, rng: np.random.Generator, n: int = 1000) -> Forecast | None:
    """statsmodels ETS (additive damped trend on y) cross-check; needs ≥ 6 consecutive annual values."""
    s = levels.sort_values("year")
    years = s["year"].to_numpy()
    if len(s) < 6 or np.any(np.diff(years) != 1):
        # use the longest run of consecutive years that ends at the last year
        if len(s) < 6:
            return None
        breaks = np.where(np.diff(years) != 1)[0]
        s = s.iloc[breaks[-1] + 1:]
        if len(s) < 6:
            return None
    import warnings

    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = pd.Series(s["y"].to_numpy(float))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = ETSModel(y, error="add", trend="add", damped_trend=True).fit(disp=False, maxiter=200)
            sims = res.simulate(nsimulations=h, anchor="end", repetitions=n,
                                rng=np.random.default_rng(int(rng.integers(2 ** 31 - 1))))
    except Exception:  # noqa: BLE001 - ETS is a cross-check; a failed fit is simply absent
        return None
    arr = np.asarray(sims).reshape(h, n).T
    if not np.all(np.isfinite(arr)):
        return None
    return Forecast("ets", draws=arr[:, -1], path=arr)
