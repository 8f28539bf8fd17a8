"""Vectorised backtest scores equal the one-forecast formulas, and the new backtest loop keeps its guarantees."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import backtest_scores as bs
from analysis.models.forecast import crps_draws, crps_t

G = (0.1, 0.2, 0.5, 1.0)


def test_parametric_scores_match_scipy():
    rng = np.random.default_rng(0)
    m = 200
    loc, sc = rng.normal(0, 1, m), rng.uniform(0.1, 2, m)
    df = np.where(rng.random(m) < 0.5, np.inf, rng.uniform(2.5, 30, m))
    obs = loc + sc * rng.standard_t(5, m)
    y_star = bs.event_thresholds(loc, np.ones(m), True, G)
    s = bs.score_t(loc, sc, df, obs, y_star, G)
    want = [crps_t(l, c, d, o) for l, c, d, o in zip(loc, sc, df, obs)]
    np.testing.assert_allclose(s["crps"], want, rtol=1e-9, atol=1e-12)
    for lev in (0.5, 0.8, 0.95):
        lo = stats.t.ppf((1 - lev) / 2, df, loc, sc)
        hi = stats.t.ppf((1 + lev) / 2, df, loc, sc)
        np.testing.assert_array_equal(s[f"hit_{int(lev * 100)}"], ((lo <= obs) & (obs <= hi)).astype(float))
    p = stats.t.sf(y_star[:, 1], df, loc, sc)
    np.testing.assert_allclose(s["p_g20"], p, atol=1e-12)
    np.testing.assert_array_equal(s["met_g20"], (obs >= y_star[:, 1]).astype(float))


def test_sample_scores_match_numpy():
    rng = np.random.default_rng(1)
    D = rng.normal(size=(50, 301))
    obs = rng.normal(size=50)
    y_star = bs.event_thresholds(np.zeros(50), np.full(50, 2), False, G)
    s = bs.score_draws(D, obs, y_star, G)
    np.testing.assert_allclose(s["crps"], [crps_draws(d, o) for d, o in zip(D, obs)], rtol=1e-12)
    lo, hi = np.quantile(D, [0.1, 0.9], axis=1)
    np.testing.assert_array_equal(s["hit_80"], ((lo <= obs) & (obs <= hi)).astype(float))
    np.testing.assert_allclose(s["p_g50"], np.mean(D >= y_star[:, [2]], axis=1))


def test_drift_stats_match_own_model():
    from analysis.backtest import _drift_stats
    from analysis.models import own

    rng = np.random.default_rng(2)
    ch = pd.DataFrame({"region": np.repeat(["a", "b"], 6), "dy": rng.normal(0.1, 0.05, 12),
                       "dt": rng.integers(1, 3, 12).astype(float)})
    m, T, mu, sd_own, sd_nc = _drift_stats(ch, np.array(["b", "a", "c"]))
    for k, r in enumerate(["b", "a"]):
        want = own.drift_params(ch[ch["region"] == r])
        assert (mu[k], sd_own[k], T[k], m[k]) == pytest.approx(want)
    assert m[2] == 0
