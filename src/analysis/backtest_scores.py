"""Scores of many forecasts at once: CRPS, central-interval hits and target-like events.

Two kinds of forecast are scored, each in one vectorised call per batch of cases:

- **parametric** (location-scale Student t or normal: own drift, plug-in drift, no-change): the
  closed-form CRPS, quantiles from ``scipy.special.stdtrit`` and event probabilities from
  ``scipy.special.stdtr`` (no scipy distribution objects);
- **sample** (pooled, peers, family, ETS: an (m, n) array of draws): sorted-sample CRPS
  E|X − y| − ½E|X − X'|, quantiles by linear interpolation of the sorted draws (numpy's default
  rule) and P(X ≥ y*) as the share of draws.

Both return the columns of :func:`analysis.backtest.summarise`'s input: ``crps``, ``hit_50/80/95``,
and per growth event g ``p_g``, ``met_g`` and ``brier_g``.

Example:
    >>> s = score_t(np.array([0.0]), np.array([1.0]), np.array([np.inf]), np.array([0.0]), np.zeros((1, 0)), [])
    >>> round(float(s["crps"][0]), 4)       # normal CRPS at the centre: σ(√2 − 1)/√π
    0.2337
"""
from __future__ import annotations

import numpy as np
from scipy import special

LEVELS = (0.50, 0.80, 0.95)


def event_thresholds(y0: np.ndarray, h: np.ndarray, log_scale: bool, growth: tuple[float, ...]) -> np.ndarray:
    """y* of the events V_T ≥ V_0·(1 + g)^h on the model scale: (m, len(growth))."""
    y0, h = np.asarray(y0, float)[:, None], np.asarray(h, float)[:, None]
    g = np.asarray(growth, float)[None, :]
    if log_scale:
        return y0 + h * np.log1p(g)
    return y0 * (1 + g) ** h


def _events(out: dict, p: np.ndarray, obs: np.ndarray, y_star: np.ndarray, growth) -> dict:
    for j, g in enumerate(growth):
        met = (obs >= y_star[:, j]).astype(float)
        key = int(round(g * 100))
        out[f"p_g{key}"], out[f"met_g{key}"], out[f"brier_g{key}"] = p[:, j], met, (p[:, j] - met) ** 2
    return out


def _t_cdf(z: np.ndarray, df: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(df), special.stdtr(np.where(np.isfinite(df), df, 1.0), z), special.ndtr(z))


def _t_ppf(q: float, df: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(df), special.stdtrit(np.where(np.isfinite(df), df, 1.0), q), special.ndtri(q))


def crps_t(loc: np.ndarray, scale: np.ndarray, df: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """Closed-form CRPS of location-scale Student t (df = inf: normal) forecasts, elementwise."""
    loc, scale, df, obs = (np.asarray(a, float) for a in (loc, scale, df, obs))
    z = (obs - loc) / scale
    normal = ~np.isfinite(df) | (df > 1e6)
    nu = np.where(normal, 3.0, df)
    norm_term = z * (2 * special.ndtr(z) - 1) + 2 * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi) - 1 / np.sqrt(np.pi)
    logpdf = (special.gammaln((nu + 1) / 2) - special.gammaln(nu / 2) - 0.5 * np.log(nu * np.pi)
              - (nu + 1) / 2 * np.log1p(z * z / nu))
    t_term = (z * (2 * special.stdtr(nu, z) - 1) + 2 * np.exp(logpdf) * (nu + z * z) / (nu - 1)
              - 2 * np.sqrt(nu) * np.exp(special.betaln(0.5, nu - 0.5) - 2 * special.betaln(0.5, nu / 2)) / (nu - 1))
    return scale * np.where(normal, norm_term, t_term)


def score_t(loc, scale, df, obs, y_star: np.ndarray, growth) -> dict:
    """Scores of parametric forecasts (arrays of length m; ``y_star`` is (m, len(growth)))."""
    loc, scale, df, obs = (np.asarray(a, float) for a in (loc, scale, df, obs))
    out = {"crps": crps_t(loc, scale, df, obs)}
    for lev in LEVELS:
        q = _t_ppf((1 + lev) / 2, df)
        out[f"hit_{int(lev * 100)}"] = (np.abs(obs - loc) <= q * scale).astype(float)
    p = 1.0 - _t_cdf((y_star - loc[:, None]) / scale[:, None], df[:, None]) if y_star.size else y_star
    return _events(out, p, obs, y_star, growth)


def score_draws(draws: np.ndarray, obs, y_star: np.ndarray, growth) -> dict:
    """Scores of sample forecasts: ``draws`` is (m, n), one row of draws per case."""
    x = np.sort(np.asarray(draws, float), axis=1)
    obs = np.asarray(obs, float)
    m, n = x.shape
    i = np.arange(1, n + 1)
    out = {"crps": np.mean(np.abs(x - obs[:, None]), axis=1) - (x @ (2 * i - n - 1)) / (n * n)}
    for lev in LEVELS:
        lo, hi = _sorted_quantile(x, (1 - lev) / 2), _sorted_quantile(x, (1 + lev) / 2)
        out[f"hit_{int(lev * 100)}"] = ((lo <= obs) & (obs <= hi)).astype(float)
    p = np.stack([np.mean(x >= y_star[:, [j]], axis=1) for j in range(y_star.shape[1])], axis=1) \
        if y_star.size else y_star
    return _events(out, p, obs, y_star, growth)


def _sorted_quantile(x: np.ndarray, q: float) -> np.ndarray:
    """Row quantiles of row-sorted ``x`` with numpy's default (linear) rule."""
    n = x.shape[1]
    pos = q * (n - 1)
    lo = int(np.floor(pos))
    hi = min(lo + 1, n - 1)
    frac = pos - lo
    return x[:, lo] + frac * (x[:, hi] - x[:, lo])
