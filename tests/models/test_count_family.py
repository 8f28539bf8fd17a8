"""The count-family small-count model (rung C for small counts): maths, folds, gate and the engine path."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.engine import small_counts
from analysis.models import count_family as cf
from analysis.models import count_family_check as cc

#: stock count indicators of the catalogue (synthetic values only)
STOCK_COUNTS = ["tsme_count", "incubator_count", "maker_space_count", "incubated_firms", "new_rd_institution_count",
                "incubator_count_municipal", "incubator_count_provincial", "maker_space_count_municipal",
                "maker_space_count_provincial", "maker_space_count_national", "incubator_mentors",
                "other_innovation_platforms"]
GROWTH, ALPHA = 0.15, 0.3


def nb_step(rng: np.random.Generator, start: np.ndarray) -> np.ndarray:
    """One year of the known process: NB2 with mean (start + ½)·e^g and dispersion α."""
    mean = (np.asarray(start, float) + 0.5) * np.exp(GROWTH)
    size = 1.0 / ALPHA
    return rng.negative_binomial(size, size / (size + mean)).astype(float)


def nb_panel(rng: np.random.Generator, indicators=STOCK_COUNTS, n_regions: int = 10,
             years=range(2010, 2017)) -> pd.DataFrame:
    """A panel of small counts from the known process, in the loaders' output format."""
    rows = []
    for k in indicators:
        for i in range(n_regions):
            v = float(rng.poisson(2.0))
            for j, yr in enumerate(years):
                if j:
                    v = float(nb_step(rng, np.array([v]))[0])
                rows.append({"region": f"R{i:02d}", "level": "city", "parent": "P", "indicator": k, "year": yr,
                             "value": v, "unit": "家", "qualifier": "exact", "derived": False, "source": "synthetic",
                             "quote": "synthetic", "reliability": "official", "note": ""})
    return pd.DataFrame(rows)


def catalogue() -> pd.DataFrame:
    from analysis.data.catalogue import load_indicators

    return load_indicators()


def one_year_windows(panel: pd.DataFrame) -> pd.DataFrame:
    return cf.small_windows(cf.count_rows(panel, catalogue()), max_h=1)


def test_family_p_meet_is_calibrated_per_decile_on_a_known_nb_process():
    rng = np.random.default_rng(7)
    fit = cf.fit_count_family(one_year_windows(nb_panel(rng)))
    assert fit is not None and fit.columns == ("const", "log_start")
    # the process is log μ = g + 1·log(start + ½): the fit recovers it
    assert abs(fit.params[1] - 1.0) < 0.1 and abs(fit.params[0] - GROWTH) < 0.15 and abs(fit.alpha - ALPHA) < 0.12
    # fresh windows of the same process (starts as the process makes them: the model is not
    # extrapolated beyond the sizes it was fitted on)
    test = pd.concat([one_year_windows(nb_panel(rng)) for _ in range(8)], ignore_index=True)
    start, end = test["start"].to_numpy(float), test["end"].to_numpy(float)
    target = start + rng.integers(1, 5, start.size)
    p = np.array([fit.p_at_least(s, 1, "city", t) for s, t in zip(start, target)])
    met = (end >= target).astype(float)
    edges = np.quantile(p, np.linspace(0, 1, 11))
    idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, 9)
    for d in range(10):
        m = idx == d
        mp = p[m].mean()
        se = np.sqrt(max(mp * (1 - mp), 1e-4) / m.sum())
        assert abs(met[m].mean() - mp) <= 3 * se + 0.02, (d, m.sum(), mp, met[m].mean())


def test_small_windows_keep_zeros_and_cut_large_starts():
    r = pd.DataFrame({"indicator": "k", "stock_or_flow": "stock", "region": "a", "level": "city",
                      "year": [2018, 2019, 2020, 2021], "value": [0.0, 3.0, 60.0, 70.0]})
    w = cf.small_windows(r)
    assert w["start"].max() <= cf.SMALL_MAX and (w["start"] == 0).sum() == 3  # 0 → 2019/2020/2021
    assert set(w["h"]) == {1, 2, 3}


def test_the_class_widens_to_every_count_only_where_the_stock_or_flow_type_is_too_thin():
    w = pd.DataFrame({"indicator": ["s"] * 4 + ["f"] * 12, "stock_or_flow": ["stock"] * 4 + ["flow"] * 12,
                      "region": "a", "level": "city", "start_year": 2019, "end_year": 2020, "h": 1,
                      "start": 1.0, "end": 2.0})
    assert cf.class_windows(w, "stock", 2020)[1] is True and len(cf.class_windows(w, "stock", 2020)[0]) == 16
    assert cf.class_windows(w, "flow", 2020)[1] is False and len(cf.class_windows(w, "flow", 2020)[0]) == 12
    assert cf.class_windows(w, "flow", 2019)[0].empty  # windows ending after the as-of year never enter


def test_leave_one_indicator_out_fold_never_sees_the_held_out_indicator():
    w = one_year_windows(nb_panel(np.random.default_rng(3)))
    fits: dict = {}
    cases = cc.loio_cases(w, horizons=(1,), fits=fits)
    assert not cases.empty and set(cases["model"]) == {"count_family"} and set(cases["rung"]) == {"C"}
    k = STOCK_COUNTS[0]
    without_k = w[w["indicator"] != k]
    for (ind, origin), fit in fits.items():
        if ind != k or fit is None:
            continue
        again = cf.fit_class(without_k, "stock", origin)  # the data with k deleted: the same fit
        np.testing.assert_allclose(fit.params, again.params, rtol=1e-10)
        assert fit.alpha == pytest.approx(again.alpha, rel=1e-10) and k not in fit.indicators
    # no look-ahead: changing every window ending after the origin leaves the fold's fit unchanged
    origin = 2013
    later = w.assign(end=np.where(w["end_year"] > origin, w["end"] + 50, w["end"]))
    a, b = cf.fit_class(w, "stock", origin, exclude=k), cf.fit_class(later, "stock", origin, exclude=k)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-10)


def test_the_gate_shows_p_on_a_known_process_and_withholds_with_too_few_events():
    # 25 regions: with 10, the first folds' ~110 windows leave α's estimate noisy enough for the
    # slope check to fail now and then even on the right model (b ≈ 0.72 at seed 11)
    w = one_year_windows(nb_panel(np.random.default_rng(11), n_regions=25))
    cases = cc.loio_cases(w, horizons=(1,))
    g = cc.gate(cases, 2016, "city")
    assert g["n_events"] >= cc.MIN_EVENTS and g["n_clusters"] >= cc.MIN_CLUSTERS
    assert g["shown"] and g["reason"] == "calibrated" and g["b_lo"] <= 1 <= g["b_hi"], g
    # the PIT-based intervals of a right model cover at their nominal rate (binomial error)
    n = len(cases)
    for lev in (50, 80, 95):
        assert abs(cases[f"hit_{lev}"].mean() - lev / 100) <= 3 * np.sqrt(lev / 100 * (1 - lev / 100) / n)
    few = cc.gate(cases[cases["origin"] == 2010], 2011, "city")
    assert not few["shown"] and few["reason"] == "too_few_events"
    assert cc.gate(cases, 2010, "city")["n_events"] == 0  # outcomes after the as-of year never count


def test_count_events_are_whole_counts_and_a_zero_start_is_one_breakthrough_event():
    thr = cc.event_thresholds(np.array([0.0, 3.0, 10.0]), np.array([1, 1, 2]))
    assert np.isnan(thr[0, 1:]).all() and thr[0, 0] == 1  # 0 → ≥ 1 once, not four times
    assert thr[1, 0] == 4 and thr[1, 3] == 6  # 3·1.1 → 4; 3·2 → 6
    assert thr[2].tolist() == [13.0, 15.0, 23.0, 40.0]


def test_p_meet_count_reads_each_comparator_on_whole_counts():
    w = one_year_windows(nb_panel(np.random.default_rng(5)))
    fit = cf.fit_count_family(w)
    ge3 = small_counts.p_meet_count(fit, 1.0, 1, "city", 3, ">=")
    assert small_counts.p_meet_count(fit, 1.0, 1, "city", 2, ">") == pytest.approx(ge3)
    assert small_counts.p_meet_count(fit, 1.0, 1, "city", 2, "<=") == pytest.approx(1 - ge3)
    assert small_counts.p_meet_count(fit, 1.0, 1, "city", 3, "<") == pytest.approx(1 - ge3)
    assert small_counts.p_meet_count(fit, 1.0, 1, "city", 2.5, ">=") == pytest.approx(ge3)


def _target(**kw) -> dict:
    base = {"target_id": "b", "region": "汕尾市", "level": "city", "parent": "P",
            "indicator": "gd_tech_board_listed_firms", "target_type": "breakthrough", "comparator": ">=",
            "baseline_year": 2016, "baseline_value": 0.0, "target_year": 2017, "target_value": 1.0, "masked": False}
    base.update(kw)
    return base


def test_a_breakthrough_without_own_series_is_judged_by_the_family_at_start_zero():
    from analysis.assess import Engine

    eng = Engine(nb_panel(np.random.default_rng(21)), seed=0)
    a = eng.assess(_target())
    codes = [n.code for n in a.note_codes]
    assert a.evidence == "C" and a.model == "count" and a.model_fitted == "NegativeBinomial (NB2)"
    assert "count_family_calibrated" in codes and a.p_meet is not None, a.notes
    fit = cf.fit_class(small_counts.windows(eng), "stock", 2016)
    assert a.p_meet == pytest.approx(fit.p_at_least(0.0, 1, "city", 1.0))
    zero = next(n for n in a.note_codes if n.code == "count_family_zero_start")
    assert zero.params["n"] == fit.n_zero_start > 0 and 0 <= zero.params["positive"] <= zero.params["n"]
    assert a.class_composition["city"]["windows"] == fit.n_windows
    assert a.reference_class.startswith("C: small-count windows (start ≤ 50) of the stock count indicators (12 ")
    assert [m["code"] for m in a.to_record()["methods"]][:1] == ["methods_count_family"]
    # 0 → 3 is harder than 0 → 1
    assert eng.assess(_target(target_value=3.0)).p_meet < a.p_meet


def test_too_few_real_events_withhold_p_and_range_with_the_numbers():
    from analysis.assess import Engine

    panel = nb_panel(np.random.default_rng(2), n_regions=1, years=range(2014, 2017))
    eng = Engine(panel, seed=0)
    a = eng.assess(_target())
    codes = [n.code for n in a.note_codes]
    assert a.evidence == "C" and a.p_meet is None and a.verdict == "withheld"
    assert a.p_meet_raw is not None and a.level_p50 is None and a.level_p80 is None and a.p_count is None
    few = next(n for n in a.note_codes if n.code == "count_family_withheld_few")
    assert few.params["events"] < cc.MIN_EVENTS or few.params["clusters"] < cc.MIN_CLUSTERS
    assert "count_too_few_windows" not in codes


def test_shanwei_small_counts_on_the_real_panel_are_withheld_with_the_backtest_numbers():
    from analysis.assess import get_engine

    a = get_engine(0).assess(_target(target_id="shanwei2022-zero-gd_tech_board_listed_firms", baseline_year=2021,
                                   target_year=2022, parent="广东省"))
    assert a.evidence == "C" and a.p_meet is None and a.level_p50 is None
    note = next(n for n in a.note_codes if n.code in ("count_family_withheld", "count_family_withheld_few"))
    assert note.params["as_of"] == 2021 and note.params["windows"] > 0
    from analysis.reports.classes import reference_class_label

    zh = reference_class_label(a.reference_class, "zh")
    assert zh.startswith("参照组C：") and "windows" not in zh and "个窗口" in zh


@pytest.mark.parametrize("module", ["analysis.models.count_family", "analysis.models.count_family_check",
                                    "analysis.engine.small_counts"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result


def test_real_panel_backtest_rows_are_scored_like_the_other_rungs():
    from analysis.assess import get_engine
    from analysis.backtest import summarise
    from analysis.backtest_ladder import count_family_cases

    cases = count_family_cases(get_engine(0))
    assert not cases.empty and set(cases["model"]) == {"count_family"} and set(cases["rung"]) == {"C"}
    assert set(cases["horizon"]) <= {1, 2, 3} and (cases["start"] <= cf.SMALL_MAX).all()
    table = summarise(cases)
    allrows = table[table["indicator"] == "all"]
    assert set(allrows["rung"]) == {"C"} and allrows["n"].sum() == len(cases)
    assert allrows[["coverage_50", "coverage_80", "coverage_95"]].notna().all().all()
