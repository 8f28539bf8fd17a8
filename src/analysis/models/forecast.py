"""A predictive distribution of the model-scale level y_T, as seeded Monte Carlo draws.

Every model returns a :class:`Forecast`; probabilities, quantiles and scores are computed from it
the same way for every model. Where a model has a closed form (own drift: Student t) the
probability uses it exactly and the draws serve charts and scores.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import special, stats

from analysis.lazy import Lazy, lazy_attribute, resolved_state

N_DRAWS = 4000


@dataclass
class Forecast:
    """Predictive draws of y at the target year (and optionally each year on the way)."""

    model: str
    draws: np.ndarray                      # shape (n,) : y at the horizon (may be set as a Lazy)
    path: np.ndarray | None = None         # shape (n, h) : y at each future year (fan charts)
    loc: float | None = None               # closed form: Student t location
    scale: float | None = None             # … scale
    df: float | None = None                # … degrees of freedom (inf = normal)
    info: dict = field(default_factory=dict)

    def p_at_least(self, y_star: float, strict: bool = False) -> float:
        """P(y_T ≥ y*) (or > for ``strict``)."""
        if self.scale is not None and self.loc is not None and self.scale > 0:
            # scipy.special directly: the same arithmetic as stats.t.sf, without building a distribution
            return float(special.stdtr(self.df or np.inf, -((y_star - self.loc) / self.scale)))
        d = self.draws
        if d.size == 0:
            return float(np.mean(d > y_star) if strict else np.mean(d >= y_star))
        # = np.mean of the comparison: an exact count divided by n, one rounding (the same bits)
        return float(np.count_nonzero(d > y_star if strict else d >= y_star) / d.size)

    def quantile(self, q) -> np.ndarray:
        """Quantile(s) of y_T."""
        if self.scale is not None and self.loc is not None and self.scale > 0:
            return special.stdtrit(self.df or np.inf, q) * self.scale + self.loc  # = stats.t.ppf
        return np.quantile(self.draws, q)


Forecast.draws = lazy_attribute("draws", "draws of y_T, shape (n,) (computed on first read where lazy)")
Forecast.path = lazy_attribute("path", "draws of y at each future year, shape (n, h), or None")
Forecast.__getstate__ = resolved_state


def _affine(loc, scale, z: np.ndarray) -> np.ndarray:
    """``loc + scale * z`` (broadcasting): draws or paths from standardised draws."""
    return loc + scale * z


def t_forecast(model: str, loc: float, scale: float, df: float, rng: np.random.Generator,
               n: int = N_DRAWS, path_locs: np.ndarray | None = None,
               path_scales: np.ndarray | None = None, **info) -> Forecast:
    """Forecast from a location-scale Student t; draws are seeded through ``rng``."""
    z = rng.standard_t(df, size=n) if np.isfinite(df) else rng.standard_normal(n)
    # the probability and quantiles have a closed form: draws and path are formed where read
    # (a chart, a score), from the same z with the same arithmetic
    draws = Lazy(_affine, loc, scale, z)
    path = None
    if path_locs is not None and path_scales is not None:
        path = Lazy(_affine, path_locs[None, :], path_scales[None, :], z[:, None])
    return Forecast(model=model, draws=draws, path=path, loc=loc, scale=scale, df=df, info=info)


def crps_draws(draws: np.ndarray, obs: float) -> float:
    """CRPS of a sample forecast: E|X − y| − ½ E|X − X'| (sorted-sample formula, O(n log n))."""
    x = np.sort(np.asarray(draws, dtype=float))
    n = x.size
    term1 = np.mean(np.abs(x - obs))
    i = np.arange(1, n + 1)
    term2 = np.sum((2 * i - n - 1) * x) / (n * n)
    return float(term1 - term2)


def crps_t(loc: float, scale: float, df: float, obs: float) -> float:
    """Closed-form CRPS of a (location-scale) Student t or normal forecast."""
    z = (obs - loc) / scale
    if not np.isfinite(df) or df > 1e6:
        return float(scale * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi)))
    from scipy.special import beta as B

    nu = df
    pdf, cdf = stats.t.pdf(z, nu), stats.t.cdf(z, nu)
    term = z * (2 * cdf - 1) + 2 * pdf * (nu + z * z) / (nu - 1) \
        - 2 * np.sqrt(nu) * B(0.5, nu - 0.5) / ((nu - 1) * B(0.5, nu / 2) ** 2)
    return float(scale * term)
