"""The fast REML fit agrees with statsmodels' MixedLM, and the heteroscedastic pieces recover a known process."""
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.models import pooled, reml, scale


def _panel(rng, G=25, T=10, beta=-0.05, tau=0.06, sig=None):
    """Changes of a random-intercept process with region-specific residual sd ``sig`` (one per region)."""
    sig = np.full(G, 0.08) if sig is None else sig
    rows = []
    u = tau * rng.standard_normal(G)
    y = np.log(rng.uniform(50, 5000, G))
    for t in range(2010, 2010 + T):
        dy = 0.1 + 0.03 * rng.standard_normal() + beta * (y - np.log(500)) + u + sig * rng.standard_normal(G)
        for i in range(G):
            rows.append({"region": f"R{i:02d}", "level": "city", "parent": "P", "start_year": t, "end_year": t + 1,
                         "dt": 1, "y0": y[i], "dy": dy[i]})
        y = y + dy
    return pd.DataFrame(rows), u


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reml_agrees_with_statsmodels_mixedlm(seed):
    from statsmodels.regression.mixed_linear_model import MixedLM

    ch, _ = _panel(np.random.default_rng(seed))
    endog, X, Z, _, _ = pooled.design(ch)
    g = ch["region"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # bfgs: statsmodels' lbfgs start stops at τ² = 0 with an infinite log-likelihood on these panels
        sm = MixedLM(endog, X, groups=g, exog_re=Z).fit(reml=True, method=["bfgs"])
    f = reml.fit_reml(endog, X, Z[:, 0], g)
    tau2 = float(np.asarray(sm.cov_re)[0, 0])
    assert tau2 > 0 and f.tau2 > 0
    # the optimum is flat: parameters agree to the optimiser tolerance of statsmodels (≈1e-6)
    np.testing.assert_allclose(f.fe, np.asarray(sm.fe_params), atol=1e-5)
    assert f.sigma2 == pytest.approx(float(sm.scale), rel=1e-5)
    assert f.tau2 == pytest.approx(tau2, rel=1e-3)
    assert f.tau2 / f.sigma2 > 0.1  # a clear interior optimum
    u_sm = np.array([float(np.asarray(sm.random_effects[k])[0]) for k in f.groups])
    np.testing.assert_allclose(f.u_hat, u_sm, atol=2e-5)
    # year effects' covariance agrees; the size slope's differs (statsmodels inverts the full Hessian,
    # with its cross terms to the variance parameters; ours is the GLS σ²(XᵀV⁻¹X)⁻¹, as lme4's vcov)
    np.testing.assert_allclose(np.diag(f.cov)[1:], np.diag(np.asarray(sm.cov_params()))[1: len(f.fe)], rtol=1e-2)


def test_reml_boundary_is_zero_region_variance():
    rng = np.random.default_rng(5)
    g = np.repeat(np.arange(10), 12)
    y = rng.standard_normal(g.size)          # no region effect at all
    f = reml.fit_reml(y, np.ones((g.size, 1)), np.ones(g.size), g)
    crit0 = reml._solve(0.0, reml._group_sums(y, np.ones((g.size, 1)), np.ones(g.size), g, 10), g.size, 1)[0]
    crit_hat = reml._solve(f.tau2 / f.sigma2, reml._group_sums(y, np.ones((g.size, 1)), np.ones(g.size), g, 10),
                           g.size, 1)[0]
    assert crit_hat <= crit0 + 1e-9     # never worse than the boundary
    assert f.sigma2 == pytest.approx(np.var(y, ddof=1), rel=0.05 if f.tau2 > 0 else 1e-9)


def test_rank_deficient_design_falls_back_to_ols():
    ch, _ = _panel(np.random.default_rng(3), G=8, T=4)
    ch = ch.assign(dy=ch["dy"])
    endog, X, Z, _, _ = pooled.design(ch)
    Xd = np.column_stack([X, X[:, 1]])     # a duplicated column: singular XᵀX
    assert reml.fit_reml(endog, Xd, Z[:, 0], ch["region"].to_numpy()) is None
    fe, cov, s2, tau2, u_hat, _, method = pooled._fit_once(endog, Xd, Z[:, 0], ch["region"].to_numpy())
    assert tau2 == 0.0 and u_hat == {} and method == pooled.OLS_METHOD and np.isfinite(s2)


def test_scale_prior_recovers_known_heteroscedastic_process():
    """σ_i² drawn from Scaled-Inv-χ²(ν₀, s₀²(ȳ)) with a size trend: ML recovers ν₀, a and b."""
    rng = np.random.default_rng(11)
    G, n_i, nu0, a, b = 400, 10, 8.0, np.log(0.01), -0.4
    ybar = rng.uniform(3, 9, G)
    s0 = np.exp(a + b * (ybar - ybar.mean()))
    sig2 = nu0 * s0 / rng.chisquare(nu0, G)
    ss = np.array([np.sum(sig2[i] * rng.standard_normal(n_i) ** 2) for i in range(G)])
    prior = scale.fit_prior(ss, np.full(G, n_i), ybar)
    assert prior.b == pytest.approx(b, abs=0.08)
    assert prior.a == pytest.approx(a, abs=0.15)
    assert 5.0 < prior.nu0 < 13.0
    post = scale.posterior_var(ss, np.full(G, n_i), ybar, prior)
    # shrinkage helps: the posterior is closer to the true σ_i² than the raw mean square
    raw = ss / n_i
    assert np.mean(np.log(post / sig2) ** 2) < np.mean(np.log(raw / sig2) ** 2)


def test_pooled_fit_gives_volatile_regions_wider_residuals():
    rng = np.random.default_rng(4)
    sig = np.where(np.arange(30) < 15, 0.03, 0.15)
    ch, _ = _panel(rng, G=30, T=12, sig=sig)
    fit = pooled.fit_pooled(ch, "test")
    sd = np.array([fit.resid_sd[f"R{i:02d}"] for i in range(30)])
    assert np.median(sd[:15]) == pytest.approx(0.03, rel=0.35)
    assert np.median(sd[15:]) == pytest.approx(0.15, rel=0.35)
    # simulated one-year spread follows the region's own scale
    paths = fit.simulate(np.full(2, np.log(500)), ["R00", "R20"], 1, np.random.default_rng(0), 4000)
    spread = paths[:, :, 0].std(axis=0)
    assert spread[1] > 2 * spread[0]


def test_pooled_fit_recovers_momentum():
    """r_it = δ_t + φ·(r_i,t−1 − r̄) + ε with φ = 0.4: the fitted φ is close (large panel, small τ)."""
    rng = np.random.default_rng(8)
    G, T, phi = 40, 25, 0.4
    y = np.log(rng.uniform(50, 5000, G))
    prev = np.full(G, 0.1)
    rows = []
    for t in range(2000, 2000 + T):
        r = 0.1 + 0.02 * rng.standard_normal() + phi * (prev - 0.1) + 0.05 * rng.standard_normal(G)
        for i in range(G):
            rows.append({"region": f"R{i:02d}", "level": "city", "parent": "P", "start_year": t, "end_year": t + 1,
                         "dt": 1, "y0": y[i], "dy": r[i]})
        y, prev = y + r, r
    fit = pooled.fit_pooled(pd.DataFrame(rows), "test", momentum=True)
    assert fit.phi == pytest.approx(phi, abs=3 * fit.phi_se + 0.03)
    assert fit.phi_se < 0.05
    off = pooled.fit_pooled(pd.DataFrame(rows), "test", momentum=False)
    assert off.phi == 0.0
