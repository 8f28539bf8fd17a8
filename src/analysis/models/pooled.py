"""Headline model of rung A: partial pooling of annual changes across regions (random intercept).

Annual change of region i in year t on the model scale:

    r_it = δ_t + β·(y_i,t−1 − ȳ) + φ·(r_i,t−1 − r̄) + Σ_k γ_k·x_k,i,t−L_k + u_i + ε_it,
    u_i ~ N(0, τ²),  ε_it ~ N(0, σ_i²)

δ_t are year effects (estimated as fixed effects, projected as a random common shock),
β·y is size conditioning (smaller regions tend to grow faster), φ momentum (the region's previous
annual change, centred; 0 where no change adjoins), γ_k the region's lagged change of a related
indicator (patent applications before grants, :mod:`analysis.models.leads`; centred within the
year), u_i the region's own persistent tendency,
shrunk towards 0 by the data it has. A change observed over Δt years (sparse panels) enters as the
sum of Δt annual changes: dividing by √Δt gives unit residual variance, the year effects enter with
weight 1/√Δt per covered year and the region effect with weight √Δt (its random-effect design), so
irregular spacing is handled without interpolation.

Fit (:mod:`analysis.models.reml`): REML profiled over γ = τ²/σ² from per-group sums (the criterion
statsmodels' MixedLM maximises; its default start stops at τ² = 0 on most of these panels). Where
τ² is at the boundary, the design is rank-deficient or the fit fails, pooled OLS is used (no region
effects; ``method`` says so). Residual scale (:mod:`analysis.models.scale`): each region's σ_i² is
shrunk towards a size-dependent pooled scale (scaled-inverse-χ² prior, empirical Bayes: a stable
large province and a volatile small one no longer share one spread); the model is then refitted
with weights 1/σ̃_i².

Projection (vectorised, seeded Monte Carlo): each simulated future year draws one common shock
δ = δ̄ + σ_δ·t_{K−1} (δ̄ = mean of the last five estimated year effects, σ_δ² their dispersion net
of estimation error; δ̄'s variance includes σ_δ²/5), the region effect from its conditional
distribution N(û_i, V_i) (N(0, τ²) for a region the fit has not seen), parameter uncertainty on β,
φ and δ̄, momentum from the region's last change (then from each simulated year), and residuals
resampled from the standardised pool, scaled by a posterior draw of σ_i (σ̃_i²·ν/χ²_ν, ν = ν₀ + n_i;
for an unseen region the prior at its size).

Backtest (bundled provincial panel, h = 1/2/3; ``analysis backtest --rung A``): each piece kept
only if it lowered CRPS with coverage in band — REML region effects and region scales, then
momentum (CRPS vs own drift 6.8/12.3/17.0 % lower before, about 8/13/17.5 % after), then the
cross-indicator leads (8.0/13.5/18.9 → 8.5/14.4/19.7 %).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from analysis.models import reml, scale
from analysis.models.forecast import N_DRAWS, Forecast
from analysis.models.leads import LeadSeries, LeadTerms, lead_terms
from analysis.models.scale import ScalePrior

MIN_REGIONS = 5
HETERO = True
MOMENTUM = True
OLS_METHOD = "OLS (region variance at zero or MixedLM did not converge: no region effects)"
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
    resid_sd: dict = field(default_factory=dict)   # region -> posterior residual sd σ̃_i
    resid_df: dict = field(default_factory=dict)   # region -> its posterior df ν₀ + n_i
    scale_prior: ScalePrior | None = None          # σ_i² prior for regions the fit has not seen
    phi: float = 0.0                               # momentum: weight of the previous annual change
    phi_se: float = 0.0
    momentum_mean: float = 0.0
    last_rate: dict = field(default_factory=dict)  # region -> (end year, last annual change)
    leads: LeadTerms | None = None                 # cross-indicator lead covariates (None: no lead)
    lead_gamma: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lead_cov: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    def residual_scale(self, region: str, y0: float) -> tuple[float, float]:
        """(sd, df) of the region's residuals: its posterior, or the prior at its size if unseen."""
        if region in self.resid_sd:
            return self.resid_sd[region], self.resid_df[region]
        if self.scale_prior is None:
            return self.sigma, np.inf
        return float(np.sqrt(self.scale_prior.s0_sq(y0))), self.scale_prior.nu0

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
        sc = np.array([self.residual_scale(r, y) for r, y in zip(regions, y0)]).reshape(R, 2)
        # σ_i uncertain: one posterior draw σ_i² = σ̃_i²·ν/χ²_ν per path (ν = ∞: σ̃_i itself)
        nu = np.minimum(sc[:, 1], 1e6)
        # one region: the scalar-df call (the same draws as the (1, 1) array, without broadcasting)
        chi2 = rng.chisquare(float(nu[0]) if R == 1 else nu[None, :], size=(n, R))
        sd = sc[:, 0][None, :] * np.sqrt(nu[None, :] / chi2)
        out = np.empty((n, R, h))
        y = np.broadcast_to(y0, (n, R)).copy()
        phi = self.phi + self.phi_se * rng.standard_normal((n, 1)) if self.phi_se > 0 else self.phi
        end = self._last_end
        prev = np.array([self.last_rate[r][1] if r in self.last_rate and self.last_rate[r][0] == end
                         else self.momentum_mean for r in regions])
        prev = np.broadcast_to(prev, (n, R))
        lead_x = self._lead_draws(regions, h, rng, n) if self.leads is not None else None
        for s in range(h):
            # common to all regions; Student t with (years − 1) df: σ_δ is estimated from few years
            delta = dbar + self.sigma_delta * rng.standard_t(self.delta_df, size=(n, 1))
            # = rng.choice(self.resid, size=(n, R)): the same integers, without choice's checks
            eps = sd * self.resid[rng.integers(0, self.resid.size, size=(n, R), dtype=np.int64)]
            step = delta + beta * (y - self.y_mean) + phi * (prev - self.momentum_mean) + u + eps
            if lead_x is not None:
                step = step + lead_x[:, :, s]
            y = y + step
            prev = step
            out[:, :, s] = y
        return out

    def _lead_draws(self, regions: list[str], h: int, rng: np.random.Generator, n: int) -> np.ndarray:
        """Σ_k γ_k·x_k per path, region and step: (n, R, h).

        γ is drawn from its estimate's normal; x_k is the region's observed centred lead change for
        steps within the lag (regions whose last change ends at the class's last year), else a
        draw from the class's centred values (the lead not yet observed adds its spread).
        """
        terms, K, R = self.leads, self.lead_gamma.size, len(regions)
        try:
            chol = np.linalg.cholesky(self.lead_cov + 1e-12 * np.eye(K))
        except np.linalg.LinAlgError:  # a fallback fit's covariance may not be positive definite
            chol = np.diag(np.sqrt(np.clip(np.diag(self.lead_cov), 0.0, None)))
        gamma = self.lead_gamma[None, :] + rng.standard_normal((n, K)) @ chol.T
        end = self._last_end
        out = np.zeros((n, R, h))
        for k, lag in enumerate(terms.lags):
            known = np.full((R, h), np.nan)
            for j, r in enumerate(regions):
                if r in terms.known and self.last_rate.get(r, (end, 0.0))[0] == end:
                    m = min(h, lag)
                    known[j, :m] = terms.known[r][k, :m]
            pool = terms.pools[k]
            x = np.where(np.isfinite(known)[None], known[None], pool[rng.integers(0, pool.size, size=(n, R, h))])
            out += gamma[:, [k], None] * x
        return out

    @cached_property
    def _last_end(self) -> int:
        """The latest end year of the regions' last changes (momentum starts from changes ending then)."""
        return max((v[0] for v in self.last_rate.values()), default=0)

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


def _fit_once(endog: np.ndarray, X: np.ndarray, z: np.ndarray, groups: np.ndarray):
    """REML random-intercept fit, or pooled OLS by the fallback rule: (fe, cov, σ², τ², u_hat, u_var, method)."""
    fit = reml.fit_reml(endog, X, z, groups)
    if fit is not None:
        dcov = np.diag(fit.cov)
        if fit.tau2 >= 1e-8 * fit.sigma2 and np.all(np.isfinite(dcov)) and dcov.max() <= 1e2:
            u_hat = dict(zip(fit.groups.tolist(), fit.u_hat.tolist()))
            u_var = dict(zip(fit.groups.tolist(), fit.u_var.tolist()))
            return fit.fe, fit.cov, fit.sigma2, fit.tau2, u_hat, u_var, "MixedLM"
    # boundary fit (τ² ≈ 0), rank-deficient design or no convergence: pooled OLS, no region effects
    fe, *_ = np.linalg.lstsq(X, endog, rcond=None)
    n, p = X.shape
    rank = np.linalg.matrix_rank(X)
    resid = endog - X @ fe
    sigma2 = float(resid @ resid / max(n - rank, 1))
    cov = sigma2 * np.linalg.pinv(X.T @ X)
    return fe, cov, sigma2, 0.0, {}, {}, OLS_METHOD


def _region_scales(e: np.ndarray, codes: np.ndarray, ybar: np.ndarray, sigma2: float):
    """Posterior residual variance per region relative to σ² (ρ_i), its df, and the prior (:mod:`scale`)."""
    G = ybar.size
    ss = np.bincount(codes, weights=e * e, minlength=G)
    n = np.bincount(codes, minlength=G).astype(float)
    prior = scale.fit_prior(ss, n, ybar)
    post = scale.posterior_var(ss, n, ybar, prior)
    return post / sigma2, prior.nu0 + n, prior


def _previous_rates(changes: pd.DataFrame) -> tuple[np.ndarray, dict]:
    """Each change's preceding annual rate of the same region (NaN if none adjoins it), and each
    region's last rate with the year it ends (the momentum a forecast starts from)."""
    reg = changes["region"].to_numpy()
    s, e = changes["start_year"].to_numpy(int), changes["end_year"].to_numpy(int)
    rate = changes["dy"].to_numpy(float) / changes["dt"].to_numpy(float)
    order = np.lexsort((s, reg))
    prev = np.full(len(rate), np.nan)
    o = order
    adj = (reg[o][1:] == reg[o][:-1]) & (s[o][1:] == e[o][:-1])
    prev[o[1:][adj]] = rate[o[:-1][adj]]
    last = {}
    for r, yr, v in zip(reg[o], e[o], rate[o]):
        last[r] = (int(yr), float(v))
    return prev, last


def fit_pooled(changes: pd.DataFrame, reference_class: str, hetero: bool | None = None,
               momentum: bool | None = None, leads: list[LeadSeries] | tuple = ()) -> PooledFit | None:
    """Fit the pooled model on consecutive changes of a reference class (None if too little data).

    ``hetero``: region-specific residual scales (empirical Bayes, :mod:`analysis.models.scale`)
    and a second fit weighted by them; else one residual scale for every region. ``leads``: the
    indicator's cross-indicator leads with their changes ≤ the as-of year
    (:func:`analysis.models.leads.lead_inputs`); each enters as a covariate where the class has
    enough observed values.
    """
    hetero = HETERO if hetero is None else hetero
    momentum = MOMENTUM if momentum is None else momentum
    if changes.empty or changes["region"].nunique() < MIN_REGIONS or len(changes) < MIN_CHANGES:
        return None
    endog, X, Z, years, y_mean = design(changes)
    keep = X[:, 1:].sum(axis=0) > 0
    X = np.column_stack([X[:, 0], X[:, 1:][:, keep]])
    m_mean, last_rate = 0.0, {}
    if momentum:
        prev, last_rate = _previous_rates(changes)
        has = np.isfinite(prev)
        m_mean = float(prev[has].mean()) if has.any() else 0.0
        X = np.column_stack([X[:, 0], np.sqrt(changes["dt"].to_numpy(float)) * np.where(has, prev - m_mean, 0.0),
                             X[:, 1:]])
    terms = lead_terms(changes, leads)
    n_lead = 0 if terms is None else terms.columns.shape[1]
    nm = 2 if momentum else 1
    if n_lead:
        X = np.column_stack([X[:, :nm], np.sqrt(changes["dt"].to_numpy(float))[:, None] * terms.columns, X[:, nm:]])
    nc = nm + n_lead
    years = [y for y, k in zip(years, keep) if k]
    groups = changes["region"].to_numpy()
    labels, codes = np.unique(groups, return_inverse=True)
    z = Z[:, 0]
    fe, cov, sigma2, tau2, u_hat, u_var, method = _fit_once(endog, X, z, groups)
    rho_g, df_g, prior = np.ones(labels.size), np.full(labels.size, np.inf), None
    w = np.ones(len(endog))
    if hetero:
        u_rows = np.array([u_hat.get(g, 0.0) for g in labels])[codes]
        e = endog - X @ fe - z * u_rows
        ybar = np.bincount(codes, weights=changes["y0"].to_numpy(float)) / np.bincount(codes)
        rho_g, df_g, prior = _region_scales(e, codes, ybar, sigma2)
        w = 1.0 / np.sqrt(rho_g[codes])
        fe, cov, sigma2w, tau2, u_hat, u_var, method = _fit_once(endog * w, X * w[:, None], z * w, groups)
        # keep the prior on the final fit's scale: σ_i² = σ_w²·ρ_i
        prior = scale.ScalePrior(prior.a - np.log(sigma2) + np.log(sigma2w), prior.b, prior.nu0, prior.centre)
        sigma2 = sigma2w
    beta, beta_se = float(fe[0]), float(np.sqrt(max(cov[0, 0], 0)))
    phi, phi_se = (float(fe[1]), float(np.sqrt(max(cov[1, 1], 0)))) if momentum else (0.0, 0.0)
    deltas = pd.Series(fe[nc:], index=years)
    recent = np.arange(len(years))[-RECENT_YEARS:]
    wt = np.zeros(len(fe))
    wt[nc + recent] = 1.0 / len(recent)
    delta_bar = float(wt @ fe)
    delta_bar_se = float(np.sqrt(max(wt @ cov @ wt, 0)))
    se_d = np.sqrt(np.clip(np.diag(cov)[nc:], 0, None))
    var_d = float(np.var(deltas.to_numpy(), ddof=1) - np.mean(se_d ** 2)) if len(deltas) > 2 else 0.0
    sigma_delta = float(np.sqrt(max(var_d, 0.0)))
    # the future mean shock is estimated from K random year effects: add σ_δ²/K to its variance
    delta_bar_se = float(np.sqrt(delta_bar_se ** 2 + sigma_delta ** 2 / len(recent)))
    delta_df = float(max(len(deltas) - 1, 2))
    # standardised residuals (unit variance): the bootstrap pool, scaled per region when simulating
    u_rows = np.array([u_hat.get(g, 0.0) for g in labels])[codes]
    resid = (endog * w - (X * w[:, None]) @ fe - z * w * u_rows)
    resid = resid - resid.mean()
    resid = resid / resid.std() if resid.std() > 0 else np.zeros_like(resid)
    sd = np.sqrt(sigma2 * rho_g)
    return PooledFit(
        reference_class=reference_class, beta=beta, beta_se=beta_se, y_mean=y_mean,
        year_effects=deltas, delta_bar=delta_bar, delta_bar_se=delta_bar_se, sigma_delta=sigma_delta,
        delta_df=delta_df, sigma=float(np.sqrt(sigma2)), tau=float(np.sqrt(max(tau2, 0))), u_hat=u_hat, u_var=u_var,
        resid=resid, n_regions=int(labels.size), n_changes=int(len(changes)), method=method,
        resid_sd=dict(zip(labels.tolist(), sd.tolist())), resid_df=dict(zip(labels.tolist(), df_g.tolist())),
        scale_prior=prior, phi=phi, phi_se=phi_se, momentum_mean=m_mean, last_rate=last_rate,
        leads=terms, lead_gamma=np.asarray(fe[nm:nc], float), lead_cov=np.asarray(cov[nm:nc, nm:nc], float),
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
