"""The numpy paths of the engine give the same numbers as the paths they replace.

QuantReg: every quantile of a peer class from one loop without statsmodels' model object, equal
to statsmodels on real classes. As-of views: cutting the uncut per-indicator view equals
computing on the cut panel. Student t and normal: scipy.special gives scipy.stats' numbers.
"""
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.engine.views import HistoryArrays, PanelViews
from analysis.models.changes import consecutive_changes, fit_rows, h_windows
from analysis.models.forecast import Forecast
from analysis.models.peers import TAUS, choose_class, p_meet_peers, quantreg_params
from tests.conftest import make_panel


@pytest.fixture(scope="module")
def views():
    return PanelViews()


def _real_classes(views, n_max=12):
    """Size-conditioned peer classes (≥ 30 windows) of the bundled data, widest indicators first."""
    out = []
    for ind in sorted(views._by_indicator, key=lambda k: -len(views._by_indicator[k])):
        for as_of, h in ((2020, 1), (2022, 2), (2023, 3)):
            w = views.windows(ind, as_of, h)
            for level in w["level"].unique():
                frame, _ = choose_class(w, level, "")
                if len(frame) >= 30 and np.ptp(frame["y0"]) > 1e-9:
                    out.append(frame)
        if len(out) >= n_max:
            break
    return out[:n_max]


def test_quantreg_matches_statsmodels_on_real_classes(views):
    from statsmodels.regression.quantile_regression import QuantReg

    classes = _real_classes(views)
    assert len(classes) >= 5
    for frame in classes:
        y0, ch = frame["y0"].to_numpy(float), frame["change"].to_numpy(float)
        X = np.column_stack([np.ones_like(y0), y0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = QuantReg(ch, X)
            want = np.array([model.fit(q=t, max_iter=300, p_tol=1e-5).params for t in TAUS])
        np.testing.assert_allclose(quantreg_params(ch, X, TAUS), want, rtol=0, atol=1e-8)


def test_quantreg_recovers_a_linear_quantile_line():
    # y = 1 + 2x + noise: the median line is close to (1, 2); the quantile lines are ordered
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 5, 400)
    y = 1 + 2 * x + rng.standard_normal(400)
    coefs = quantreg_params(y, np.column_stack([np.ones_like(x), x]), TAUS)
    assert coefs[3] == pytest.approx([1.0, 2.0], abs=0.25)
    assert np.all(np.diff(coefs[:, 0] + coefs[:, 1] * 2.5) > 0)


def test_as_of_views_equal_views_of_the_cut_panel():
    rng = np.random.default_rng(5)
    panel = make_panel(rng, n_regions=8, years=range(2012, 2022))
    panel = panel.drop(index=[3, 4, 17, 40]).reset_index(drop=True)  # gaps: irregular spacing
    v = PanelViews(panel)
    for as_of in range(2011, 2023):
        cut = fit_rows(panel[panel["year"] <= as_of], True)
        want_ch = consecutive_changes(cut)
        got_ch = v.changes("hte_count", as_of)
        if want_ch.empty:
            assert got_ch.empty
            continue
        pd.testing.assert_frame_equal(v.levels("hte_count", as_of), cut)
        pd.testing.assert_frame_equal(got_ch, want_ch)
        pd.testing.assert_frame_equal(v.windows("hte_count", as_of, 2), h_windows(cut, 2))
        own = v.own_changes("hte_count", as_of, "R01")
        np.testing.assert_array_equal(own.to_numpy(), want_ch[want_ch["region"] == "R01"].to_numpy())
        cls = v.class_changes(("hte_count",), as_of)
        np.testing.assert_array_equal(cls.drop(columns="indicator").to_numpy(), want_ch.to_numpy())


def test_history_arrays_follow_the_history_frame(views):
    region = views.panel["region"].iloc[0]
    ind = views.panel["indicator"].iloc[0]
    hist, arr = views.history(region, ind), views.history_arrays(region, ind)
    np.testing.assert_array_equal(arr.year, hist["year"].to_numpy())
    np.testing.assert_array_equal(arr.value, hist["value"].to_numpy())
    assert HistoryArrays.of(hist.iloc[0:0]).year.size == 0


def test_student_t_and_normal_without_distribution_objects():
    rng = np.random.default_rng(7)
    for df in (np.inf, 3.0, 12.0):
        loc, scale = rng.normal(), rng.uniform(0.1, 2)
        f = Forecast("x", np.zeros(1), loc=loc, scale=scale, df=df)
        for y in rng.normal(loc, 2 * scale, 20):
            assert f.p_at_least(y) == float(stats.t.sf(y, df, loc=loc, scale=scale))
        q = np.array([0.05, 0.2, 0.5, 0.9])
        np.testing.assert_array_equal(f.quantile(q), stats.t.ppf(q, df, loc=loc, scale=scale))


def test_peer_probability_uses_the_normal_tail():
    # two-point-symmetric quantiles: a required change at the median has probability 1/2
    from analysis.models.peers import PeerFit

    w = pd.DataFrame({"region": list("abcdefghij") * 3, "change": np.linspace(-1, 1, 30), "y0": 1.0})
    fit = PeerFit(w, "test", None, (1.0, 1.0))
    assert p_meet_peers(fit, 1.0, float(np.quantile(w["change"], 0.5))) == pytest.approx(0.5)
    assert fit.n_regions == 10 and fit.changes.size == 30
