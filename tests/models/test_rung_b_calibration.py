"""Rung B's honesty fixes: the prior learnt on other indicators, the size effect kept inside the sizes
fitted, the fold blind to its held-out cell, the cluster-aware calibration check, and no headline
probability for a rung that is not calibrated."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.assess import Engine
from analysis.assessment import Assessment
from analysis.backtest_ladder import fold_fit
from analysis.i18n import translate
from analysis.models import recalibrate as rc
from analysis.models.calibration_check import slope_check, slope_table
from analysis.models.family import RECENT, fit_family
from analysis.models.family_prior import PRIOR_DF, FamilyPrior, learn_prior
from analysis.models.forecast import Forecast
from analysis.notes import NOTE_TEXT
from tests.models.test_ladder import two_level_panel


def _changes(rng, years, shock_sd, n_regions=8, indicator="k", level="province", offset=0.0):
    """Annual changes with a common year shock of sd ``shock_sd`` and small regional noise."""
    rows = []
    for y in years:
        s = rng.normal(0, shock_sd)
        for r in range(n_regions):
            rows.append({"region": f"{level}{r}", "indicator": indicator, "level": level, "end_year": y, "dt": 1,
                         "y0": rng.normal(5, 0.5), "dy": 0.1 + offset + s + rng.normal(0, 0.01)})
    return pd.DataFrame(rows)


def test_prior_recovers_the_year_shock_variance_of_other_indicators():
    rng = np.random.default_rng(0)
    ch = pd.concat([_changes(rng, range(1990, 2020), 0.1, indicator=f"k{i}") for i in range(6)])
    p = learn_prior(ch)
    # 6 groups × 29 df: the variance of the yearly means is 0.01 + 0.01²/8, se ≈ 0.01·sqrt(2/174)
    assert p.n_groups == 6 and p.shock_var == pytest.approx(0.01, rel=0.35)
    assert p.n_level_pairs == 0 and p.level_var == p.shock_var  # one level: the shock variance stands in
    two = pd.concat([ch, _changes(rng, range(1990, 2020), 0.1, indicator="k0", level="city", offset=0.2)])
    # k0's cities sit 0.2 a year above its provinces, in the same years
    assert learn_prior(two).n_level_pairs == 1


def test_few_years_lean_on_the_prior_and_many_years_on_their_own():
    rng = np.random.default_rng(1)
    prior = FamilyPrior(shock_var=0.02, level_var=0.03, n_groups=5, n_level_pairs=1)
    short = _changes(rng, [2019, 2020], 0.0, n_regions=8)
    f = fit_family(short, "B", prior)
    own = float(np.var(short.groupby("end_year")["dy"].mean() - short["dy"].mean(), ddof=1))
    shrunk = (1 * own + PRIOR_DF * 0.02) / (1 + PRIOR_DF)
    assert f.shock_sd ** 2 == pytest.approx(shrunk * (1 + 1 / RECENT + 1 / 2), rel=0.05)
    assert f.tau_l ** 2 >= 0.03 - 1e-12  # one level fitted: an unseen level's offset has the prior's variance
    assert fit_family(short, "B").shock_sd == 0.0  # without a prior, two years say nothing (as before)
    long = _changes(rng, range(1980, 2020), 0.05, n_regions=8)
    g = fit_family(long, "B", prior)
    assert g.shock_sd ** 2 < 0.5 * 0.02 * (1 + 1 / RECENT)  # 39 own df outweigh the prior's 4


def test_size_effect_is_not_extrapolated_beyond_the_sizes_fitted():
    rng = np.random.default_rng(2)
    ch = _changes(rng, range(2010, 2020), 0.02)
    ch["dy"] = ch["dy"] - 0.05 * (ch["y0"] - 5)  # a real size effect inside the range
    f = fit_family(ch, "B")
    hi = f.y_range["k"][1]
    assert f.mean_sd("k", "province", hi)[0] == pytest.approx(f.mean_sd("k", "province", hi + 5)[0])
    assert f.mean_sd("k", "province", hi - 1)[0] > f.mean_sd("k", "province", hi)[0]


def test_b_fold_prior_never_sees_the_held_out_cell():
    panel = two_level_panel(np.random.default_rng(3), n_prov=8, n_city=8, years=range(2010, 2020))
    k = "patent_grants"
    blind = panel[~((panel["indicator"] == k) & (panel["level"] == "city"))]
    a = fold_fit(Engine(panel), "B", k, "city", 2017)
    b = fold_fit(Engine(blind), "B", k, "city", 2017)
    np.testing.assert_allclose(a.coef, b.coef)
    assert a.shock_sd == pytest.approx(b.shock_sd) and a.tau_l == pytest.approx(b.tau_l)
    # data after the origin changes nothing either
    c = fold_fit(Engine(panel[panel["year"] <= 2017]), "B", k, "city", 2017)
    assert a.shock_sd == pytest.approx(c.shock_sd) and a.tau_l == pytest.approx(c.tau_l)


def _cases(rng, n_origins=12, per=60, sharpen=1.0):
    """Backtest-like cases whose true P is q; the model reports q sharpened by ``sharpen`` on the logit scale."""
    q = rng.uniform(0.05, 0.95, n_origins * per * 2)
    p = rc.sigmoid(sharpen * rc.logit(q))
    return pd.DataFrame({"indicator": "k", "level": np.repeat(["city", "province"], n_origins * per),
                         "origin": np.tile(np.repeat(np.arange(2005, 2005 + n_origins), per), 2), "horizon": 1,
                         "p_g10": p, "met_g10": (rng.random(len(q)) < q).astype(float)})


def test_slope_check_tells_calibrated_from_over_confident():
    ok = slope_check(_cases(np.random.default_rng(4)), "level", reps=150)
    assert ok["calibrated"] and abs(ok["pooled"]["b"] - 1) < 0.15
    bad = slope_check(_cases(np.random.default_rng(5), sharpen=3.0), "level", reps=150)
    # reported logits three times too steep: the slope is ≈ 1/3 and its interval excludes 1
    assert not bad["calibrated"] and bad["pooled"]["b"] == pytest.approx(1 / 3, abs=0.08)
    assert bad["pooled"]["b_hi"] < 1 and bad["pooled"]["n_clusters"] == 24


def test_uncalibrated_rung_shows_no_probability_only_the_range(monkeypatch):
    check = {"pooled": {"b": 0.59, "b_lo": 0.35, "b_hi": 0.9, "n_clusters": 28, "calibrated": False}, "groups": {},
             "calibrated": False}
    monkeypatch.setattr(rc, "stored", lambda path=None: {"proof": {"B": {"applied": False, "calibrated": False,
                                                                         "calibration": check}}})
    a = Assessment("t", "汕尾市", "hte_count", level="city", as_of=2021)
    a.p_meet, a.verdict, a.level_p50, a.level_p80 = 0.128, "unlikely", 70.0, 60.0
    f = Forecast("family_b", draws=np.log(np.linspace(40, 110, 2001)))
    rc.apply(a, f, float(np.log(100)), True, "B")
    assert a.p_meet is None and a.verdict == "withheld" and a.p_meet_raw == 0.128
    assert (a.level_p50, a.level_p80) == (70.0, 60.0)
    note = a.note_codes[-1]
    assert note.code == "probability_withheld" and note.params["b"] == 0.59
    assert translate(NOTE_TEXT["probability_withheld"], "zh") != NOTE_TEXT["probability_withheld"]
    assert "0.59" in note.text("zh") and "不显示达成概率" in note.text("zh")


def test_withholding_follows_the_targets_level(monkeypatch):
    row = {"b_lo": 0.8, "b_hi": 1.6, "n_clusters": 18}
    check = {"pooled": dict(row, b=0.53, calibrated=False), "calibrated": False,
             "groups": {"city": dict(row, b=1.07, calibrated=True), "province": dict(row, b=0.48, calibrated=False)}}
    monkeypatch.setattr(rc, "stored", lambda path=None: {"proof": {"B": {"applied": False, "calibrated": False,
                                                                         "by": "level", "calibration": check}}})
    f = Forecast("family_b", draws=np.log(np.linspace(40, 110, 2001)))
    out = {}
    for level in ("city", "province", "county"):
        a = Assessment("t", "R", "hte_count", level=level, as_of=2021)
        a.p_meet, a.verdict = 0.128, "unlikely"
        rc.apply(a, f, float(np.log(100)), True, "B")
        out[level] = (a.p_meet, a.note_codes[-1].code)
    assert out["city"] == (0.128, "recalibration_not_proven")  # the city fold is calibrated: P shown
    assert out["province"] == (None, "probability_withheld")
    assert out["county"] == (None, "probability_withheld")  # no fold of its own: the pooled slope decides


def test_slope_table_lists_the_pooled_check_then_each_held_out_group():
    row = {"b_lo": 0.8, "b_hi": 1.6, "n_clusters": 18, "n_events": 500}
    proof = {"B": {"by": "level", "calibration": {
        "pooled": dict(row, b=0.53, calibrated=False),
        "groups": {"province": dict(row, b=0.48, calibrated=False), "city": dict(row, b=1.07, calibrated=True)}}},
        "C": {"by": "indicator", "calibration": {"pooled": dict(row, b=0.7, calibrated=False), "groups": {}}}}
    b = slope_table(proof, "B")
    assert list(b["level"]) == ["all_levels", "city", "province"]
    assert list(b["calibrated"]) == ["no", "yes", "no"] and list(b["slope_b"]) == [0.53, 1.07, 0.48]
    c = slope_table(proof, "C")
    assert list(c.columns)[0] == "indicator" and list(c["indicator"]) == ["all"]
    assert slope_table(proof, "A").empty
