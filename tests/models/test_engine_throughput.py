"""The faster primitives of the assessment engine give the same bits as the paths they replace.

QuantReg: every τ of a class iterated together (one SVD call per iteration) equals statsmodels'
per-τ loop exactly, including classes where the IRLS cycles until ``max_iter``. The pseudo-inverse
of a stack equals numpy's pinv of each matrix.
"""
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.engine.views import PanelViews
from analysis.models.peers import TAUS, _pinv_stack, choose_class, quantreg_params


@pytest.fixture(scope="module")
def views():
    return PanelViews()


def test_pinv_stack_equals_numpy_pinv_bit_for_bit():
    rng = np.random.default_rng(11)
    a = rng.normal(size=(9, 2, 2))
    a = a @ a.transpose(0, 2, 1)                      # symmetric, like XᵀWX
    a[3] = [[1.0, 2.0], [2.0, 4.0]]                  # singular: the small singular value is dropped
    got = _pinv_stack(a)
    for k in range(a.shape[0]):
        assert np.array_equal(got[k], np.linalg.pinv(a[k]))


def _statsmodels_params(ch, X):
    from statsmodels.regression.quantile_regression import QuantReg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = QuantReg(ch, X)
        return np.array([model.fit(q=t, max_iter=300, p_tol=1e-5).params for t in TAUS])


def test_quantreg_stack_equals_statsmodels_exactly_where_the_irls_cycles(views):
    # the largest provincial classes: several τ run to max_iter (the IRLS cycles), where any
    # change of operations would move the coefficients by up to 0.2; the stacked loop does not
    checked = 0
    for ind in ("tech_contract_value_absorbed", "tech_contract_count", "invention_patent_grants"):
        for as_of, h in ((2021, 2), (2023, 2), (2018, 1)):
            w = views.windows(ind, as_of, h)
            if w.empty:
                continue
            frame, _ = choose_class(w, "province", "全国")
            if len(frame) < 30:
                continue
            y0, ch = frame["y0"].to_numpy(float), frame["change"].to_numpy(float)
            X = np.column_stack([np.ones_like(y0), y0])
            assert np.array_equal(quantreg_params(ch, X, TAUS), _statsmodels_params(ch, X))
            checked += 1
    assert checked >= 3


def test_quantreg_stack_equals_statsmodels_on_synthetic_data():
    rng = np.random.default_rng(4)
    for n in (30, 200):
        x = rng.uniform(0, 8, n)
        y = 0.3 - 0.02 * x + 0.2 * rng.standard_t(3, n)
        X = np.column_stack([np.ones(n), x])
        assert np.array_equal(quantreg_params(y, X, TAUS), _statsmodels_params(y, X))


def test_joint_quantiles_equal_separate_calls_bit_for_bit():
    from analysis.assessment import Assessment
    from analysis.engine.headline import FAN_QUANTILES, fan, set_headline
    from analysis.models.forecast import Forecast

    rng = np.random.default_rng(2)
    for h in (1, 2, 3):
        path = np.cumsum(rng.standard_t(4, size=(4000, h)) * 0.1, axis=1) + 3.0
        for f in (Forecast("pooled", draws=path[:, -1], path=path), Forecast("peers", draws=path[:, -1].copy())):
            a = Assessment("t", "r", "i", baseline_year=2020, baseline_value=20.0)
            set_headline(a, f, 3.1, True, h, "x")
            assert a.level_p50 == float(np.exp(np.quantile(f.draws, 0.5)))
            assert a.level_p80 == float(np.exp(np.quantile(f.draws, 0.2)))
            want = fan(f, 2020, 20.0, h, True)
            assert np.array_equal(a.fan.to_numpy(), want.to_numpy(), equal_nan=True)
            assert list(a.fan.columns) == ["year"] + [f"q{int(round(q * 100)):02d}" for q in FAN_QUANTILES]


def test_scale_prior_fit_follows_the_plain_likelihood_bit_for_bit():
    # the likelihood with its ν-free parts computed once takes the same Nelder-Mead path as the
    # plain F log-density (same operations on the same values)
    from scipy import optimize

    from analysis.models import scale

    rng = np.random.default_rng(8)
    G = 60
    n = rng.integers(1, 12, G).astype(float)
    ybar = rng.normal(5, 2, G)
    ss = np.array([np.sum((s * rng.standard_normal(int(k))) ** 2) for s, k in zip(np.exp(rng.normal(-2, 0.6, G)), n)])
    got = scale.fit_prior(ss, n, ybar)
    s2, zc = ss / n, ybar - ybar.mean()

    def nll(theta):
        nu = float(np.exp(np.clip(theta[2], np.log(scale.NU_MIN), np.log(scale.NU_MAX))))
        ls0 = theta[0] + theta[1] * zc
        return -float(np.sum(scale._f_logpdf(s2 / np.exp(ls0), n, nu) - ls0))

    x0 = [np.log(ss.sum() / n.sum()), 0.0, np.log(10.0)]
    th = optimize.minimize(nll, x0, method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-6, "maxiter": 1000}).x
    assert (got.a, got.b) == (float(th[0]), float(th[1]))
    assert got.nu0 == float(np.exp(np.clip(th[2], np.log(scale.NU_MIN), np.log(scale.NU_MAX))))


def test_sorted_quantiles_equal_numpy_quantile_bit_for_bit():
    from analysis.engine.headline import _JOINT_QUANTILES, sorted_quantiles

    rng = np.random.default_rng(12)
    for n in (2, 3, 17, 4000, 4001):
        for shape in ((n,), (n, 1), (n, 3)):
            x = rng.standard_t(3, size=shape)
            x[: n // 3] = np.round(x[: n // 3], 1)  # ties
            for q in (_JOINT_QUANTILES, np.array([0.5]), rng.uniform(0.001, 0.999, 9)):
                assert np.array_equal(sorted_quantiles(x, q), np.quantile(x, q, axis=0))
    x = rng.standard_normal(50)
    x[3] = np.nan
    assert np.isnan(sorted_quantiles(x, np.array([0.5]))).all()


def test_histories_are_the_region_rows_sorted_by_year(views):
    from analysis.engine.views import HISTORY_COLUMNS

    for ind in list(views._by_indicator)[:12]:
        g = views._by_indicator[ind]
        cols = [c for c in HISTORY_COLUMNS if c in g]
        for region, d in g.groupby("region"):
            want = d[cols].sort_values("year").reset_index(drop=True)
            got = views.history(region, ind)
            assert got.equals(want) and list(got.dtypes) == list(want.dtypes)
    assert list(views.history("no such region", ind).columns) == HISTORY_COLUMNS[:-1]


def test_own_changes_are_the_filtered_rows(views):
    for ind in list(views._by_indicator)[:12]:
        ch = views._changes_all(ind)
        for region in ch["region"].unique()[:10]:
            for as_of in (2012, 2018, 2023):
                want = ch[(ch["region"] == region) & (ch["end_year"] <= as_of)]
                assert views.own_changes(ind, as_of, region).equals(want)


def test_a_targets_result_does_not_depend_on_the_others_in_the_table(views):
    # per-target random streams: a target assessed alone, or among others in any order, with the
    # views and fits shared or not, gives the same numbers
    from analysis.assess import Engine, assess
    from analysis.data.loaders import load_panel

    panel = load_panel()
    obs = panel[(panel["qualifier"] == "exact") & (panel["value"] > 0)]
    pick = obs.iloc[np.random.default_rng(3).integers(0, len(obs), 12)]
    targets = pd.DataFrame({
        "target_id": [f"t{i}" for i in range(len(pick))], "region": pick["region"].to_numpy(),
        "level": pick["level"].to_numpy(), "parent": pick["parent"].to_numpy(),
        "indicator": pick["indicator"].to_numpy(), "baseline_year": pick["year"].to_numpy(),
        "baseline_value": pick["value"].to_numpy(), "target_year": pick["year"].to_numpy() + 2,
        "target_value": pick["value"].to_numpy() * 1.3})
    cols = ["target_id", "p_meet", "p_own", "p_peers", "p_pooled", "level_p50", "level_p80", "verdict", "evidence"]
    together = assess(targets, engine=Engine(panel, seed=0))[cols].set_index("target_id")
    reversed_ = assess(targets.iloc[::-1], engine=Engine(panel, seed=0))[cols].set_index("target_id")
    pd.testing.assert_frame_equal(reversed_.loc[together.index], together)
    alone = Engine(panel, seed=0).assess(targets.iloc[5].to_dict())
    assert alone.p_meet == together.loc["t5", "p_meet"] or (alone.p_meet is None and pd.isna(together.loc["t5", "p_meet"]))
    assert alone.level_p50 == together.loc["t5", "level_p50"] or alone.level_p50 is None
