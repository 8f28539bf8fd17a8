"""Region-specific residual scale, shrunk towards a size-dependent pooled scale (empirical Bayes).

A stable large province and a volatile small city should not share one residual spread. Each
region i has its own residual variance σ_i² with a scaled-inverse-χ² prior whose scale depends on
the region's size (mean model-scale level ȳ_i):

    σ_i² ~ Scaled-Inv-χ²(ν₀, s₀²(ȳ_i)),   log s₀²(ȳ) = a + b·(ȳ − ȳ_all).

Given n_i residuals e_it of the region, its mean square s_i² = Σe²/n_i satisfies
s_i²/s₀²(ȳ_i) ~ F(n_i, ν₀) marginally, so (a, b, log ν₀) are fitted by maximum likelihood over the
regions (the limma / Smyth 2004 construction with a size trend). The posterior is
Scaled-Inv-χ²(ν₀ + n_i, σ̃_i²) with σ̃_i² = (ν₀ s₀² + n_i s_i²)/(ν₀ + n_i): a region with few changes
keeps close to the pooled scale of its size; one with many moves towards its own. ν₀ → ∞ is the
homoskedastic model (every region at the trend); ν₀ is capped at :data:`NU_MAX`.

Example:
    >>> rng = np.random.default_rng(1)
    >>> sig = np.repeat([0.05, 0.2], 40)             # two kinds of region, 40 each
    >>> n = np.full(80, 12)
    >>> ss = np.array([np.sum((s * rng.standard_normal(k)) ** 2) for s, k in zip(sig, n)])
    >>> prior = fit_prior(ss, n, np.zeros(80))
    >>> post = posterior_var(ss, n, np.zeros(80), prior)
    >>> bool(post[:40].mean() < post[40:].mean() / 5)
    True
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

NU_MAX = 1e4
NU_MIN = 2.5


@dataclass(frozen=True)
class ScalePrior:
    """log s₀²(ȳ) = a + b·(ȳ − centre); prior degrees of freedom ν₀."""

    a: float
    b: float
    nu0: float
    centre: float = 0.0

    def s0_sq(self, ybar) -> np.ndarray:
        """Prior scale s₀² at size ȳ."""
        return np.exp(self.a + self.b * (np.asarray(ybar, float) - self.centre))


def _f_logpdf(x: np.ndarray, d1: np.ndarray, d2: float) -> np.ndarray:
    """log density of F(d1, d2) at x (scipy.special only: no distribution objects)."""
    return (0.5 * d1 * np.log(d1 / d2) + (0.5 * d1 - 1) * np.log(x)
            - 0.5 * (d1 + d2) * np.log1p(d1 * x / d2) - special.betaln(0.5 * d1, 0.5 * d2))


def fit_prior(ss: np.ndarray, n: np.ndarray, ybar: np.ndarray, trend: bool = True) -> ScalePrior:
    """ML fit of the prior from per-region residual sums of squares ``ss`` over ``n`` residuals."""
    ss, n, ybar = np.asarray(ss, float), np.asarray(n, float), np.asarray(ybar, float)
    ok = (n > 0) & (ss > 0)
    ss, n, ybar = ss[ok], n[ok], ybar[ok]
    centre = float(ybar.mean()) if ybar.size else 0.0
    pooled = float(ss.sum() / n.sum()) if n.sum() > 0 else 1.0
    if ss.size < 3:
        return ScalePrior(np.log(pooled), 0.0, NU_MAX, centre)
    s2 = ss / n
    zc = ybar - centre
    use_b = trend and np.ptp(zc) > 0

    half_n = 0.5 * n
    lo, hi = np.log(NU_MIN), np.log(NU_MAX)

    def nll(theta: np.ndarray) -> float:
        # _f_logpdf(s2 / s0², n, ν) − log s0², term by term with the ν-free parts computed once
        # (the same operations on the same values: the same bits, so the same Nelder-Mead path)
        a, b, lnu = theta[0], (theta[1] if use_b else 0.0), theta[-1]
        nu = float(np.exp(min(max(lnu, lo), hi)))
        ls0 = a + b * zc
        x = s2 / np.exp(ls0)
        logpdf = (half_n * np.log(n / nu) + (half_n - 1) * np.log(x)
                  - 0.5 * (n + nu) * np.log1p(n * x / nu) - special.betaln(half_n, 0.5 * nu))
        return -float(np.sum(logpdf - ls0))

    x0 = [np.log(pooled)] + ([0.0] if use_b else []) + [np.log(10.0)]
    res = optimize.minimize(nll, x0, method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-6, "maxiter": 1000})
    th = res.x
    nu = float(np.exp(np.clip(th[-1], np.log(NU_MIN), np.log(NU_MAX))))
    return ScalePrior(float(th[0]), float(th[1]) if use_b else 0.0, nu, centre)


def posterior_var(ss: np.ndarray, n: np.ndarray, ybar: np.ndarray, prior: ScalePrior) -> np.ndarray:
    """Posterior scale σ̃_i² = (ν₀ s₀²(ȳ_i) + ss_i)/(ν₀ + n_i)."""
    s0 = prior.s0_sq(ybar)
    return (prior.nu0 * s0 + np.asarray(ss, float)) / (prior.nu0 + np.asarray(n, float))
