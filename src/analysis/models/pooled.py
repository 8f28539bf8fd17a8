"""Headline model: partial pooling of annual changes across regions (statsmodels MixedLM).

Annual change of region i in year t on the model scale:

    r_it = δ_t + β·(y_i,t−1 − ȳ) + u_i + ε_it,   u_i ~ N(0, τ²),  ε_it ~ N(0, σ²)

δ_t are year effects (estimated as fixed effects, projected as a random common shock),
β·y is size conditioning (smaller regions tend to grow faster), u_i the region's own persistent
tendency, shrunk towards 0 by the data it has. A change observed over Δt years (sparse panels)
enters as the sum of Δt annual changes: dividing by √Δt gives unit residual variance, the year
effects enter with weight 1/√Δt per covered year and the region effect with weight √Δt (its
random-effect design), so irregular spacing is handled without interpolation.

Projection (vectorised, seeded Monte Carlo): each simulated future year draws one common shock
δ = δ̄ + σ_δ·t_{K−1} (δ̄ = mean of the last five estimated year effects, σ_δ² their dispersion net of estimation error; δ̄'s variance includes σ_δ²/5),
the region effect from its conditional distribution N(û_i, V_i) (N(0, τ²) for a region the fit
has not seen), parameter uncertainty on β and δ̄, and residuals resampled from the fit.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.models.forecast import N_DRAWS, Forecast

MIN_REGIONS = 5
MIN_CHANGES = 20
RECENT_YEARS = 5


@dataclass
class PooledFit:
    """A fitted pooled model for one indicator, reference class and as-of year."""

    reference_class: str
    beta: float
    beta_se: float
    y_mean: float
    year_effects: pd.Series           # δ_t by year
    delta_bar: float
    delta_bar_se: float
    sigma_delta: float
    delta_df: float
    sigma: float
    tau: float
    u_hat: dict = field(default_factory=dict)     # region -> BLUP
    u_var: dict = field(default_factory=dict)     # region -> conditional variance
    resid: np.ndarray = field(default_factory=lambda: np.zeros(1))
    n_regions: int = 0
    n_changes: int = 0
    method: str = "MixedLM"

    def region_effect(self, region: str) -> tuple[float, float]:
        """(mean, variance) of the region effect: its shrunk estimate, or the prior if unseen."""
        if region in self.u_hat:
            return self.u_hat[region], self.u_var[region]
        return 0.0, self.tau ** 2

    def simulate(self, y0: np.ndarray, regions: list[str], h: int, rng: np.random.Generator,
                 n: int = N_DRAWS) -> np.ndarray:
        """Joint paths for several regions with common year shocks: array (n, R, h) of y."""
        y0 = np.asarray(y0, dtype=float)
        R = y0.size
        beta = self.beta + self.beta_se * rng.standard_normal((n, 1))
        dbar = self.delta_bar + self.delta_bar_se * rng.standard_normal((n, 1))
        mu_u = np.array([self.region_effect(r)[0] for r in regions])
        sd_u = np.sqrt(np.array([self.region_effect(r)[1] for r in regions]))
        u = mu_u[None, :] + sd_u[None, :] * rng.standard_normal((n, R))
        out = np.empty((n, R, h))
        y = np.broadcast_to(y0, (n, R)).copy()
        for s in range(h):
            # common to all regions; Student t with (years − 1) df: σ_δ is estimated from few years
            delta = dbar + self.sigma_delta * rng.standard_t(self.delta_df, size=(n, 1))
            eps = rng.choice(self.resid, size=(n, R))
            y = y + delta + beta * (y - self.y_mean) + u + eps
            out[:, :, s] = y
        return out

    def forecast(self, y0: float, region: str, h: int, rng: np.random.Generator, n: int = N_DRAWS) -> Forecast:
        """Forecast of one region's y over h years (path kept for fan charts)."""
        paths = self.simulate(np.array([y0]), [region], h, rng, n)[:, 0, :]
        seen = region in self.u_hat
        return Forecast("pooled", draws=paths[:, -1], path=paths,
                        info={"region_in_fit": seen, "reference_class": self.reference_class})


def design(changes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int], float]:
    """Transformed endog, exog (y0 column then one column per year) and re-design for MixedLM."""
    years = list(range(int(changes["start_year"].min()) + 1, int(changes["end_year"].max()) + 1))
    col = {y: j for j, y in enumerate(years)}
    dt = changes["dt"].to_numpy(float)
    sq = np.sqrt(dt)
    y_mean = float(changes["y0"].mean())
    X = np.zeros((len(changes), 1 + len(years)))
    X[:, 0] = sq * (changes["y0"].to_numpy(float) - y_mean)
    for i, (s, e, d) in enumerate(zip(changes["start_year"], changes["end_year"], dt)):
        for y in range(int(s) + 1, int(e) + 1):
            X[i, 1 + col[y]] = 1.0 / np.sqrt(d)
    endog = changes["dy"].to_numpy(float) / sq
    return endog, X, sq[:, None], years, y_mean


def fit_pooled(changes: pd.DataFrame, reference_class: str) -> PooledFit | None:
    """Fit the pooled model on consecutive changes of a reference class (None if too little data)."""
    if changes.empty or changes["region"].nunique() < MIN_REGIONS or len(changes) < MIN_CHANGES:
        return None
    endog, X, Z, years, y_mean = design(changes)
    keep = X[:, 1:].sum(axis=0) > 0
    X = np.column_stack([X[:, 0], X[:, 1:][:, keep]])
    years = [y for y, k in zip(years, keep) if k]
    groups = changes["region"].to_numpy()
    from statsmodels.regression.mixed_linear_model import MixedLM

    res, method = None, "MixedLM"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = MixedLM(endog, X, groups=groups, exog_re=Z).fit(reml=True, method=["lbfgs", "powell"])
            if not np.all(np.isfinite(res.fe_params)):
                res = None
        except Exception:  # noqa: BLE001 - fall back to no random effect below
            res = None
    if res is not None:
        fe = np.asarray(res.fe_params)
        cov = np.asarray(res.cov_params())[: len(fe), : len(fe)]
        sigma2 = float(res.scale)
        tau2 = float(np.asarray(res.cov_re)[0, 0])
        resid = None  # computed below from the fixed effects and region effects
        if tau2 < 1e-8 * sigma2 or not np.all(np.isfinite(np.diag(cov))) or np.diag(cov).max() > 1e2:
            # boundary fit (τ² ≈ 0): the MixedLM Hessian is singular there; it is pooled OLS
            res = None
    if res is not None:
        pass
    else:  # OLS fallback (τ = 0): still pooled across regions, but no region effects
        import statsmodels.api as sm

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ols = sm.OLS(endog, X).fit()
        fe, cov, sigma2, tau2, resid = ols.params, ols.cov_params(), float(ols.scale), 0.0, ols.resid
        method = "OLS (region variance at zero or MixedLM did not converge: no region effects)"
    beta, beta_se = float(fe[0]), float(np.sqrt(max(cov[0, 0], 0)))
    deltas = pd.Series(fe[1:], index=years)
    recent = np.arange(len(years))[-RECENT_YEARS:]
    w = np.zeros(len(fe))
    w[1 + recent] = 1.0 / len(recent)
    delta_bar = float(w @ fe)
    delta_bar_se = float(np.sqrt(max(w @ cov @ w, 0)))
    se_d = np.sqrt(np.clip(np.diag(cov)[1:], 0, None))
    var_d = float(np.var(deltas.to_numpy(), ddof=1) - np.mean(se_d ** 2)) if len(deltas) > 2 else 0.0
    sigma_delta = float(np.sqrt(max(var_d, 0.0)))
    # the future mean shock is estimated from K random year effects: add σ_δ²/K to its variance
    delta_bar_se = float(np.sqrt(delta_bar_se ** 2 + sigma_delta ** 2 / len(recent)))
    delta_df = float(max(len(deltas) - 1, 2))
    # region effects: BLUP and conditional variance V_i = (1/τ² + ΣΔt/σ²)⁻¹
    u_hat, u_var = {}, {}
    sum_dt = changes.groupby("region")["dt"].sum()
    if tau2 > 1e-12 and res is not None:
        for region, re in res.random_effects.items():
            u_hat[region] = float(np.asarray(re)[0])
            u_var[region] = float(1.0 / (1.0 / tau2 + sum_dt[region] / sigma2))
    # residuals on the annual scale, rescaled so their variance is σ² (bootstrap pool)
    if resid is None:
        u_rows = np.array([u_hat.get(g, 0.0) for g in groups])
        resid = endog - X @ fe - Z[:, 0] * u_rows
    resid = np.asarray(resid, dtype=float)
    resid = resid - resid.mean()
    if resid.std() > 0:
        resid = resid * np.sqrt(sigma2) / resid.std()
    return PooledFit(
        reference_class=reference_class, beta=beta, beta_se=beta_se, y_mean=y_mean,
        year_effects=deltas, delta_bar=delta_bar, delta_bar_se=delta_bar_se, sigma_delta=sigma_delta,
        delta_df=delta_df, sigma=float(np.sqrt(sigma2)), tau=float(np.sqrt(max(tau2, 0))), u_hat=u_hat, u_var=u_var,
        resid=resid, n_regions=int(changes["region"].nunique()), n_changes=int(len(changes)), method=method,
    )


def choose_pooled_class(changes: pd.DataFrame, level: str, parent: str) -> tuple[pd.DataFrame, str] | None:
    """Widen the pooling class (same level and parent → same level → all levels) until it can be fitted."""
    candidates = [
        (changes[(changes["level"] == level) & (changes["parent"] == parent)], f"same level ({level}) and parent ({parent})"),
        (changes[changes["level"] == level], f"same level ({level})"),
        (changes, "all levels"),
    ]
    for frame, label in candidates:
        if frame["region"].nunique() >= MIN_REGIONS and len(frame) >= MIN_CHANGES:
            return frame, label
    return None
