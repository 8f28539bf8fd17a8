"""Rungs B and C of the reference-class ladder: one shrunk model of annual changes across levels
and indicators, with a spread that depends on size and level.

Each consecutive change j (series s = region × indicator k, level l, Δt_j years, start y0_j)
gives an annual change x_j = Δy_j/Δt_j with variance σ_j²/Δt_j:

    x_j = m_k + α_l + β·(y0_j − ȳ_k) + u_s + ε_j
    log σ_j² = a_k + a_l + γ·(y0_j − ȳ_k)

m_k, α_l (indicator and level effects) are ridge-shrunk (a Gaussian prior, empirical Bayes
variances); β conditions the mean on size, γ the spread (a city count of 49 is noisier than a
province's 5 000). u_s is the series' own tendency, shrunk: a single past change moves it by
Δt/(Δt + σ²/τ_u²) of its residual. A held-out (unseen) indicator or level gets effect 0 plus the
between-effect variance. Rung B: one indicator, every sub-national level (the nation is never a
peer). Rung C: every indicator of one family (kind and stock/flow), every sub-national level.

Forecast (seeded Monte Carlo): y_T = y0 + h·(mean + u) + σ(y0)·Σ_h z, mean drawn with its
standard error, u from N(û_s, V_s), z from the pool of standardised residuals (unit variance).
The size term β·(y0 − ȳ_k) is not extrapolated beyond the sizes the fit saw.

Rung B (one indicator) is fitted with a prior learnt on the family's other indicators
(:mod:`analysis.models.family_prior`): the class's year-shock variance is shrunk towards theirs
(few years say little), the class mean is uncertain by shock_var / n_years (changes of one year
share its shock), an unseen level's offset has their level-offset variance, and σ and u_s are
fitted on residuals net of each year's mean (the common shock is in ``shock_sd``, not counted twice).
On the real panel this took rung B's held-out-city Platt slope from 1.33 to 1.07 (see
``recalibration.json``, proof B); the held-out-province fold (fitted on a few cities' first years)
stays over-confident (0.48) and its targets get the range only (:mod:`analysis.models.calibration_check`).

Example:
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> ch = pd.DataFrame({"region": np.repeat(list("abcdef"), 5), "indicator": "k", "level": "city",
    ...                    "dt": 1, "y0": rng.normal(5, 1, 30), "dy": rng.normal(0.1, 0.05, 30),
    ...                    "end_year": np.tile(np.arange(2015, 2020), 6)})
    >>> fit = fit_family(ch, "B: k")
    >>> 0.3 < fit.forecast(5.0, "a", "k", "city", 1, rng, 4000).p_at_least(5.1) < 0.7  # the mean is ≈ 0.1
    True
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.models.family_prior import FamilyPrior
from analysis.models.forecast import N_DRAWS, Forecast

MIN_CHANGES = 12
MIN_REGIONS = 3
TAU_FLOOR = 1e-4
RECENT = 3


@dataclass
class FamilyFit:
    """A fitted rung-B/C model (see the module docstring for the equations)."""

    reference_class: str
    indicators: list[str]
    levels: list[str]
    coef: np.ndarray            # mean: [intercept, m_k..., α_l..., β]
    cov: np.ndarray             # its covariance
    vcoef: np.ndarray           # log variance: same design
    y_bar: dict                 # indicator -> mean start level
    tau_k: float                # sd of indicator effects
    tau_l: float                # sd of level effects
    tau_u: float                # sd of series effects
    u_hat: dict = field(default_factory=dict)   # (region, indicator) -> (mean, variance)
    z: np.ndarray = field(default_factory=lambda: np.zeros(1))
    composition: dict = field(default_factory=dict)  # level -> {"changes": n, "regions": m}
    n_changes: int = 0
    shock: float = 0.0          # mean class residual of the last RECENT years (added to the drift)
    shock_sd: float = 0.0       # sd of yearly class residuals (persistent drift uncertainty)
    vsd_unseen: float = 0.0     # sd of log σ² effects: spread uncertainty for an unseen indicator/level
    y_range: dict = field(default_factory=dict)  # indicator -> (min, max) start level seen in the fit

    def _row(self, indicator: str, level: str, y0: float) -> tuple[np.ndarray, float]:
        """Design row for a new point and the extra variance of unseen effects."""
        x = np.zeros(len(self.coef))
        x[0] = 1.0
        extra = 0.0
        if indicator in self.indicators:
            x[1 + self.indicators.index(indicator)] = 1.0
        else:
            extra += self.tau_k ** 2
        if level in self.levels:
            x[1 + len(self.indicators) + self.levels.index(level)] = 1.0
        else:
            extra += self.tau_l ** 2
        # the size effect is not extrapolated beyond the sizes the fit saw (a slope learnt on cities
        # says nothing about provinces ten times larger)
        lo, hi = self.y_range.get(indicator, (y0, y0))
        x[-1] = min(max(y0, lo), hi) - self.y_bar.get(indicator, y0)
        return x, extra

    def mean_sd(self, indicator: str, level: str, y0: float) -> tuple[float, float, float]:
        """(annual mean change, its sd, annual residual sd) at this indicator, level and size."""
        x, extra = self._row(indicator, level, y0)
        mean = float(x @ self.coef) + self.shock
        se = float(np.sqrt(max(x @ self.cov @ x, 0.0) + extra + self.shock_sd ** 2))
        sigma = float(np.exp(0.5 * (x @ self.vcoef)))
        return mean, se, sigma

    def forecast(self, y0: float, region: str, indicator: str, level: str, h: int,
                 rng: np.random.Generator, n: int = N_DRAWS, name: str = "family") -> Forecast:
        """Draws of y over h years for one series (paths kept for fan charts)."""
        mean, se, sigma = self.mean_sd(indicator, level, y0)
        u_mean, u_var = self.u_hat.get((region, indicator), (0.0, self.tau_u ** 2))
        drift = mean + se * rng.standard_normal((n, 1)) + u_mean + np.sqrt(u_var) * rng.standard_normal((n, 1))
        unseen = (indicator not in self.indicators) + (level not in self.levels)
        spread = sigma * np.exp(0.5 * self.vsd_unseen * np.sqrt(unseen) * rng.standard_normal((n, 1)))
        # = rng.choice(self.z, size=(n, h)): the same integers, without choice's checks
        eps = spread * self.z[rng.integers(0, self.z.size, size=(n, h), dtype=np.int64)]
        path = y0 + np.cumsum(drift + eps, axis=1)
        return Forecast(name, draws=path[:, -1], path=path,
                        info={"region_in_fit": (region, indicator) in self.u_hat,
                              "indicator_in_fit": indicator in self.indicators,
                              "level_in_fit": level in self.levels, "reference_class": self.reference_class})


def _design(ch: pd.DataFrame, indicators: list[str], levels: list[str], y_bar: dict) -> np.ndarray:
    n = len(ch)
    X = np.zeros((n, 2 + len(indicators) + len(levels)))
    X[:, 0] = 1.0
    ki = ch["indicator"].map({k: i for i, k in enumerate(indicators)}).to_numpy(int)
    li = ch["level"].map({lv: i for i, lv in enumerate(levels)}).to_numpy(int)
    X[np.arange(n), 1 + ki] = 1.0
    X[np.arange(n), 1 + len(indicators) + li] = 1.0
    X[:, -1] = ch["y0"].to_numpy(float) - ch["indicator"].map(y_bar).to_numpy(float)
    return X


def _ridge(X: np.ndarray, y: np.ndarray, w: np.ndarray, penalty: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted ridge: (X'WX + P)⁻¹X'Wy and (X'WX + P)⁻¹ (the covariance up to σ²)."""
    A = X.T @ (X * w[:, None]) + np.diag(penalty)
    Ainv = np.linalg.pinv(A)
    return Ainv @ (X.T @ (w * y)), Ainv


def _effect_var(coef: np.ndarray, idx: slice, ainv: np.ndarray, s2: float) -> float:
    """Between-effect variance net of estimation error (method of moments, floored)."""
    eff = coef[idx]
    if eff.size < 2:
        return TAU_FLOOR
    se2 = np.diag(ainv)[idx] * s2
    return float(max(np.var(eff, ddof=1) - np.mean(se2), TAU_FLOOR))


def _net_of_year(e: np.ndarray, year: np.ndarray, dt: np.ndarray, min_n: int = 3) -> np.ndarray:
    """Residuals minus their year's Δt-weighted mean (years with ≥ ``min_n`` changes), scaled by
    √(n/(n−1)) so their variance stays unbiased: what is left is each series' own noise, not the
    shock every series of the class shared that year.

    >>> _net_of_year(np.array([1.0, 2.0, 3.0, 5.0]), np.array([1, 1, 1, 2]), np.ones(4)).round(3).tolist()
    [-1.225, 0.0, 1.225, 5.0]
    """
    out = e.copy()
    for y in np.unique(year):
        m = year == y
        n = int(m.sum())
        if n >= min_n:
            out[m] = (e[m] - np.average(e[m], weights=dt[m])) * np.sqrt(n / (n - 1))
    return out


def fit_family(changes: pd.DataFrame, reference_class: str, prior: FamilyPrior | None = None) -> FamilyFit | None:
    """Fit the rung-B/C model on consecutive changes (columns region, indicator, level, dt, y0, dy).

    ``prior`` (learnt on other indicators, :mod:`analysis.models.family_prior`) shrinks the class's
    year-shock variance towards what other indicators show, and floors the level-effect variance
    when the class has fewer than 3 levels (an unseen level's offset then has the prior's variance).
    Returns None with fewer than MIN_CHANGES changes or MIN_REGIONS regions.
    """
    ch = changes[np.isfinite(changes["dy"].to_numpy(float))].reset_index(drop=True)
    if len(ch) < MIN_CHANGES or ch["region"].nunique() < MIN_REGIONS:
        return None
    indicators = sorted(ch["indicator"].unique())
    levels = sorted(ch["level"].unique())
    y_bar = ch.groupby("indicator")["y0"].mean().to_dict()
    X = _design(ch, indicators, levels, y_bar)
    dt = ch["dt"].to_numpy(float)
    x = ch["dy"].to_numpy(float) / dt
    K, L = len(indicators), len(levels)
    ks, ls = slice(1, 1 + K), slice(1 + K, 1 + K + L)
    # pass 1: light ridge (identifiability), pass 2: empirical-Bayes shrinkage of the effects
    pen = np.zeros(X.shape[1])
    pen[1:1 + K + L] = 1e-3 * dt.sum()
    coef, ainv = _ridge(X, x, dt, pen)
    s2 = float(np.sum(dt * (x - X @ coef) ** 2) / max(len(x) - X.shape[1], 1))
    tau_k2, tau_l2 = _effect_var(coef, ks, ainv, s2), _effect_var(coef, ls, ainv, s2)
    pen[ks], pen[ls] = s2 / tau_k2, s2 / tau_l2
    coef, ainv = _ridge(X, x, dt, pen)
    e = e_all = x - X @ coef
    if prior is not None:  # common year shocks are modelled (shock_sd below): keep them out of σ and u_s
        e = _net_of_year(e, ch["end_year"].to_numpy(int), dt)
    # spread: log of the per-year squared residual on the same design
    v = np.log(dt * e ** 2 + 1e-10)
    vpen = np.zeros(X.shape[1])
    vpen[1:1 + K + L] = 1.0 * len(v) / max(K + L, 1)
    vcoef, _ = _ridge(X, v, np.ones_like(v), vpen)
    sig2 = np.exp(X @ vcoef)
    # series effects, empirical Bayes with precision Δt/σ². σ² is put on the scale of the
    # within-series residuals (between-series differences are the effects u_s, not noise)
    series = list(zip(ch["region"], ch["indicator"]))
    codes = pd.factorize(pd.Series(series))[0]
    n_s = np.bincount(codes)
    w_prec = dt / sig2
    raw = np.bincount(codes, w_prec * e) / np.bincount(codes, w_prec)
    within = (n_s[codes] >= 2)
    if within.sum() >= 5:
        corr = n_s[codes][within] / (n_s[codes][within] - 1.0)
        scale = float(np.mean(dt[within] * (e - raw[codes])[within] ** 2 / sig2[within] * corr))
    else:
        scale = float(np.mean(dt * e ** 2 / sig2))
    vcoef[0] += np.log(scale)                       # also removes the log χ² bias
    sig2 = sig2 * scale
    prec = dt / sig2
    p_s = np.bincount(codes, prec)
    raw = np.bincount(codes, prec * e) / p_s
    tau_u2 = float(max(np.average(raw ** 2, weights=p_s) - len(p_s) / p_s.sum(), TAU_FLOOR)) \
        if len(p_s) > 1 else TAU_FLOOR
    post_p = p_s + 1.0 / tau_u2
    uniq = pd.Series(series).drop_duplicates().tolist()
    first = pd.Series(codes).drop_duplicates().tolist()
    u_hat = {s_: (float(raw[c] * p_s[c] / post_p[c]), float(1.0 / post_p[c])) for s_, c in zip(uniq, first)}
    # effects that cannot be estimated from fewer than 3 groups get the series-effect variance
    if K < 3:
        tau_k2 = max(tau_k2, tau_u2)
    if L < 3:
        tau_l2 = max(tau_l2, tau_u2, prior.level_var if prior is not None else 0.0)
    # recent common shock: the class's mean residual by year; its recent level shifts the drift and
    # its dispersion is drift uncertainty that persists over the horizon (variance ∝ h²)
    end = ch["end_year"].to_numpy(int)
    yrs = np.unique(end)
    d_t = np.array([np.average(e_all[end == y], weights=prec[end == y]) for y in yrs])
    recent = d_t[-RECENT:]
    shock = float(np.mean(recent)) if len(yrs) >= 3 else 0.0
    # a future year's shock vs the mean of the last RECENT: variance σ_d²(1 + 1/RECENT)
    shock_sd = float(np.std(d_t, ddof=1) * np.sqrt(1 + 1 / RECENT)) if len(yrs) >= 3 else 0.0
    if prior is not None:  # few years say little about how the class mean moves: lean on other indicators
        own = float(np.var(d_t, ddof=1)) if len(yrs) >= 2 else 0.0
        # a future year's shock, and the class mean itself: estimated from len(yrs) years that share
        # shocks, it is known to shock_var / len(yrs) at best (the ridge covariance counts changes)
        shock_sd = float(np.sqrt(prior.shrink_shock_var(own, len(yrs)) * (1 + 1 / RECENT + 1 / len(yrs))))
    u_rows = np.array([u_hat[s][0] for s in series])
    z = (e - u_rows) * np.sqrt(dt / sig2)
    z = (z - z.mean()) / (z.std() if z.std() > 0 else 1.0)
    veff = np.concatenate([vcoef[ks], vcoef[ls]])
    vsd = float(np.std(veff[np.abs(veff) > 1e-9], ddof=1)) if (np.abs(veff) > 1e-9).sum() >= 3 else 0.5
    comp = {lv: {"changes": int((ch["level"] == lv).sum()),
                 "regions": int(ch.loc[ch["level"] == lv, "region"].nunique())} for lv in levels}
    return FamilyFit(reference_class=reference_class, indicators=indicators, levels=levels, coef=coef,
                     cov=ainv * s2, vcoef=vcoef, y_bar=y_bar, tau_k=float(np.sqrt(tau_k2)),
                     tau_l=float(np.sqrt(tau_l2)), tau_u=float(np.sqrt(tau_u2)), u_hat=u_hat, z=z,
                     composition=comp, n_changes=int(len(ch)), shock=shock, shock_sd=shock_sd,
                     vsd_unseen=vsd, y_range={k: (float(g.min()), float(g.max()))
                                              for k, g in ch.groupby("indicator")["y0"]})
