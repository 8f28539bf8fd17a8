"""Inside view (drift with parameter uncertainty) and outside view (size-conditioned peers)."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.models.forecast import crps_draws, crps_t
from analysis.models.own import drift_params, own_forecast
from analysis.models.peers import fit_peers, p_meet_peers, raw_count


def test_drift_forecast_matches_fpp_formula():
    # unit spacing: variance h σ² (1 + h/n), Student t with n − 1 df
    dy = np.array([0.10, 0.30, 0.20, 0.25, 0.15])
    ch = pd.DataFrame({"dy": dy, "dt": np.ones(5)})
    mu, sigma, T, m = drift_params(ch)
    assert mu == pytest.approx(0.2) and sigma == pytest.approx(dy.std(ddof=1))
    f = own_forecast(np.log(49), 1, ch, np.random.default_rng(0))
    assert f.scale == pytest.approx(sigma * np.sqrt(1 + 1 / 5))
    z = (np.log(100 / 49) - 0.2) / f.scale
    assert f.p_at_least(np.log(100)) == pytest.approx(stats.t.sf(z, df=4))


def test_drift_needs_three_changes():
    ch = pd.DataFrame({"dy": [0.1, 0.2], "dt": [1, 1]})
    assert own_forecast(0.0, 1, ch, np.random.default_rng(0)) is None


def test_irregular_gap_counts_as_years_of_drift():
    # one change of 0.6 over 3 years and two annual changes of 0.2: drift 0.2/yr, zero variance
    ch = pd.DataFrame({"dy": [0.6, 0.2, 0.2], "dt": [3, 1, 1]})
    mu, sigma, T, m = drift_params(ch)
    assert mu == pytest.approx(0.2) and T == 5 and sigma < 1e-5


def test_peers_size_conditioning_and_raw_count():
    rng = np.random.default_rng(1)
    y0 = rng.uniform(3, 9, 400)
    change = 0.8 - 0.08 * y0 + 0.1 * rng.standard_normal(400)   # small regions grow faster
    w = pd.DataFrame({"region": [f"R{i % 40}" for i in range(400)], "level": "city", "parent": "P",
                      "start_year": 2015, "end_year": 2016, "y0": y0, "change": change})
    fit = fit_peers(w, "test")
    small, large = 3.5, 8.5
    req = 0.4
    # truth: P(change ≥ req | y0) = 1 − Φ((req − 0.8 + 0.08 y0)/0.1)
    for y in (small, large):
        truth = stats.norm.sf((req - 0.8 + 0.08 * y) / 0.1)
        assert p_meet_peers(fit, y, req) == pytest.approx(truth, abs=0.08)
    assert p_meet_peers(fit, small, req) > p_meet_peers(fit, large, req)
    met, n = raw_count(w, req)
    assert n == 400 and met == int((change >= req).sum())


def test_crps_closed_form_matches_sample():
    rng = np.random.default_rng(3)
    draws = rng.standard_normal(200_000) * 2 + 1
    assert crps_draws(draws, 0.3) == pytest.approx(crps_t(1, 2, np.inf, 0.3), rel=0.02)
    t_draws = 1 + 2 * rng.standard_t(5, 200_000)
    assert crps_draws(t_draws, 0.3) == pytest.approx(crps_t(1, 2, 5, 0.3), rel=0.02)
