"""The array paths of the assessment engine select the same rows and give the same bits as the
frame paths they replace; lazily built chart frames equal the eager ones and pickle as frames.

Each test rebuilds the old (frame) computation next to the new one on the real panel or on
synthetic draws; equality is exact (``np.array_equal``, ``==`` on floats), never a tolerance.
"""
import pickle

import numpy as np
import pandas as pd
import pytest

from analysis.engine import ladder
from analysis.engine.views import HistoryArrays, PanelViews
from analysis.models import peers


@pytest.fixture(scope="module")
def views():
    return PanelViews()


@pytest.fixture(scope="module")
def engine():
    from analysis.assess import Engine

    return Engine(seed=0)  # the fit cache is off in tests (conftest)


def _classes(views, n_ind=10):
    """(indicator, as_of, level, parent) of real rows, several per indicator."""
    out = []
    for ind in sorted(views._by_indicator)[:n_ind]:
        g = views._by_indicator[ind]
        for _, r in g.drop_duplicates(["level", "parent"]).head(4).iterrows():
            for as_of in (2015, 2019, 2022):
                out.append((ind, as_of, r["level"], r["parent"]))
        out.append((ind, 2021, "city", "no such parent"))
    return out


def test_peer_class_rows_are_choose_class_rows(views):
    checked = 0
    for ind, as_of, level, parent in _classes(views):
        for h in (1, 2, 3):
            frame, label = peers.choose_class(views.windows(ind, as_of, h), level, parent)
            mask, label2 = peers.choose_class_rows(views.window_codes(ind, h), as_of, level, parent)
            assert label2 == label
            assert np.array_equal(views.window_changes(ind, h)[mask], frame["change"].to_numpy(float))
            assert views.window_codes(ind, h).n_regions(mask) == frame["region"].nunique()
            checked += len(frame) > 0
    assert checked > 50


def test_rung_a_counts_and_composition_equal_the_frame_path(views, engine):
    from analysis.models import pooled

    for ind, as_of, level, parent in _classes(views):
        ch = views.changes(ind, as_of)
        codes = views.change_codes(ind)
        at_level = codes.select(as_of, level)
        for mask, frame in ((at_level & (codes.parent == codes.parents.get(parent, -2)),
                             ch[(ch["level"] == level) & (ch["parent"] == parent)]),
                            (at_level, ch[ch["level"] == level])):
            assert int(mask.sum()) == len(frame) and codes.n_regions(mask) == frame["region"].nunique()
            if len(frame):
                assert ladder.composition(frame) == {level: {"changes": len(frame),
                                                             "regions": codes.n_regions(mask)}}
        rung = ladder.fit_a(engine, ind, as_of, level, parent) if len(ch) >= pooled.MIN_CHANGES else None
        if rung is not None:
            frame = ch[ch["level"] == level]
            if "parent (" in rung.label:
                frame = frame[frame["parent"] == parent]
            assert rung.composition == ladder.composition(frame)


def test_family_rung_gates_count_the_same_rows(views):
    for ind, as_of, level, _ in _classes(views, 14):
        for inds in ((ind,), tuple(views.family(ind))):
            ch = views.class_changes(inds, as_of)
            codes = views.class_change_codes(inds)
            upto = codes.select(as_of)
            assert int(upto.sum()) == len(ch)
            assert int((upto & (codes.level == codes.levels.get(level, -2))).sum()) == int((ch["level"] == level).sum())
            assert np.unique(codes.level[upto]).size == ch["level"].nunique()


def test_history_arrays_equal_the_arrays_of_the_history_frame(views):
    for ind in sorted(views._by_indicator)[:15]:
        for region in views._by_indicator[ind]["region"].unique()[:20]:
            got, want = views.history_arrays(region, ind), HistoryArrays.of(views.history(region, ind))
            for name in ("year", "value", "qualifier", "derived"):
                a, b = getattr(got, name), getattr(want, name)
                assert (a is None and b is None) or (a.dtype == b.dtype and np.array_equal(a, b))
    assert views.history_arrays("no such region", ind).year.size == 0


def test_lazy_chart_frames_equal_the_engine_frames_and_pickle_as_frames(engine):
    from analysis.lazy import Lazy

    eng = engine
    p = eng.panel[(eng.panel["qualifier"] == "exact") & (eng.panel["value"] > 0)].iloc[::97].head(12)
    for _, r in p.iterrows():
        a = eng.assess({"target_id": f"x{_}", "region": r["region"], "level": r["level"], "parent": r["parent"],
                        "indicator": r["indicator"], "baseline_year": r["year"], "baseline_value": r["value"],
                        "target_year": r["year"] + 2, "target_value": r["value"] * 1.2})
        assert any(type(v) is Lazy for v in a.__dict__.values())
        b = pickle.loads(pickle.dumps(a))
        assert not any(type(v) is Lazy for v in b.__dict__.values())
        assert a.history.equals(eng.history(r["region"], r["indicator"]))
        assert b.history.equals(a.history)
        if a.fan is not None:
            assert b.fan.equals(a.fan) and a.fan["year"].iloc[0] == a.baseline_year
        if a.peer_windows is not None:
            want = peers.choose_class(eng.windows(a.indicator, a.as_of, a.horizon), a.level, a.parent)[0]
            assert a.peer_windows.equals(want) and b.peer_windows.equals(want)
            assert np.array_equal(a.peer_changes, want["change"].to_numpy(float))


def test_closed_form_forecasts_form_the_same_draws_lazily():
    from analysis.models.forecast import t_forecast

    for df in (3.0, np.inf):
        f = t_forecast("own", 2.0, 0.3, df, np.random.default_rng(7), 500, path_locs=np.array([1.5, 2.0]),
                       path_scales=np.array([0.2, 0.3]))
        g = np.random.default_rng(7)
        z = g.standard_t(df, size=500) if np.isfinite(df) else g.standard_normal(500)
        assert np.array_equal(f.draws, 2.0 + 0.3 * z)
        assert np.array_equal(f.path, np.array([1.5, 2.0])[None, :] + np.array([0.2, 0.3])[None, :] * z[:, None])
        assert not np.array_equal(pickle.loads(pickle.dumps(f)).draws, None)
    fit = peers.PeerFit(pd.DataFrame({"change": np.linspace(-0.2, 0.5, 40), "region": "r"}), "c", None, (0.0, 1.0))
    f = peers.peer_forecast(fit, 1.0, np.random.default_rng(3), 300)
    z, q = peers._z_quantiles(fit.quantiles_at(1.0))
    assert np.array_equal(f.draws, 1.0 + peers._extrapolate(np.random.default_rng(3).standard_normal(300), z, q))


def test_numpy_draws_the_pooled_simulation_relies_on():
    # Generator.choice with replacement = integers(0, n) then take; chisquare with a scalar df =
    # with a (1, 1) array df. A numpy that changes either would change the pooled and family forecasts.
    pool = np.random.default_rng(0).standard_normal(187)
    for seed in range(5):
        for shape in ((4000, 1), (4000, 3)):
            a = np.random.default_rng(seed).choice(pool, size=shape)
            b = pool[np.random.default_rng(seed).integers(0, pool.size, size=shape, dtype=np.int64)]
            assert np.array_equal(a, b)
        for df in (2.5, 12.0, 1e6):
            assert np.array_equal(np.random.default_rng(seed).chisquare(np.array([[df]]), size=(4000, 1)),
                                  np.random.default_rng(seed).chisquare(df, size=(4000, 1)))


def test_scalar_isclose_and_compare_follow_numpy():
    import itertools

    from analysis.engine.special import compare, isclose

    rng = np.random.default_rng(1)
    vals = [0.0, -0.0, 1.0, 1.00001, 1e-9, -1e-9, np.inf, -np.inf, np.nan, 100.0, 100.1]
    vals += list(rng.normal(100, 0.01, 20)) + list(rng.normal(0, 1e-8, 10))
    for x, y in itertools.product(vals, vals):
        for rtol in (1e-5, 1e-3):
            assert isclose(x, y, rtol=rtol) == bool(np.isclose(x, y, rtol=rtol))
        old = {">=": x >= y, ">": x > y, "=": np.isclose(x, y) or x >= y, "<=": x <= y, "<": x < y}
        for c, want in old.items():
            assert compare(x, y, c) == bool(want)
    with pytest.raises(KeyError):
        compare(1.0, 2.0, "~")


def test_model_scale_of_one_value_is_to_y_bit_for_bit():
    """``model_scale`` (one value, no masks) equals ``to_y([v])[0]`` by repr, on log and points
    scale, for values over 26 orders of magnitude, zero, negatives, NaN and infinity."""
    from analysis.models.changes import model_scale
    from analysis.models.changes import to_y

    rng = np.random.default_rng(5)
    values = np.concatenate([np.exp(rng.uniform(-30, 30, 20000)), rng.uniform(0, 1e6, 5000),
                             [0.0, -1.0, -0.0, np.nan, np.inf, 5e-324, 1e308]])
    for log_scale in (True, False):
        for v in values.tolist():
            assert repr(model_scale(v, log_scale)) == repr(float(to_y([v], log_scale)[0]))


def test_probability_from_draws_is_the_mean_of_the_comparison_bit_for_bit():
    """``Forecast.p_at_least`` on draws (a count over n) equals ``np.mean`` of the comparison,
    strict or not, with ties, NaN draws and thresholds on a draw; it is a Python float."""
    from analysis.models.forecast import Forecast

    rng = np.random.default_rng(6)
    for trial in range(3000):
        d = rng.standard_normal(int(rng.integers(1, 4001)))
        if trial % 3 == 0:
            d = np.round(d, 1)
        if trial % 7 == 0:
            d[0] = np.nan
        y = float(rng.choice(d)) if trial % 2 else float(rng.standard_normal())
        f = Forecast("x", draws=d)
        for strict in (False, True):
            p = f.p_at_least(y, strict)
            assert type(p) is float
            assert repr(p) == repr(float(np.mean(d > y) if strict else np.mean(d >= y)))


def test_sorted_quantiles_with_cached_order_statistics_equal_numpy_quantile():
    """The order statistics and weights cached per (n, q) give ``np.quantile``'s bits, for the
    fan's and the joint quantiles, 1-D and 2-D draws, several n (the cache is shared across calls).
    Byte for byte where the draws hold no zero (with ±0 ties either sign may sort first, as in
    ``np.sort``; the values are equal)."""
    from analysis.engine.headline import _FAN_Q, _JOINT_QUANTILES, sorted_quantiles

    rng = np.random.default_rng(7)
    for trial in range(600):
        n = 4000 if trial % 2 else int(rng.integers(2, 60))
        x = rng.standard_normal((n, int(rng.integers(1, 4)))) if trial % 3 else rng.standard_normal(n)
        if trial % 5 == 0:
            x = np.round(x, 1)
        for q in (_JOINT_QUANTILES, _FAN_Q, np.array([0.5, 0.2])):
            got, want = sorted_quantiles(x, q), np.quantile(x, q, axis=0)
            assert got.shape == want.shape and np.array_equal(got, want)
            if np.all(x != 0):
                assert got.tobytes() == want.tobytes()
