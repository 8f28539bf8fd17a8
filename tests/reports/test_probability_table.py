"""The probability table names the model that filled each row and never shows a withheld probability."""
from __future__ import annotations

from analysis.reports.tables import probability_table
from tests.reports.conftest import synthetic_assessment


def test_the_rung_row_is_named_as_fitted_and_marked_as_the_headline():
    a = synthetic_assessment(model="family_b", p_pooled=0.128, p_meet=0.128)
    html = probability_table(a, "en")
    assert "rung B (same indicator, every level, shrunk)" in html and "pooled (mixed model)" not in html
    assert "13% ◀" in html


def test_a_withheld_probability_is_not_shown_in_the_table():
    a = synthetic_assessment(model="family_b", p_pooled=0.128, p_meet=None, verdict="insufficient_data")
    en, zh = probability_table(a, "en"), probability_table(a, "zh")
    assert "withheld (not calibrated)" in en and "13%" not in en
    assert "不显示（未通过校准检验）" in zh and "13%" not in zh


def test_a_recalibrated_headline_shows_the_recalibrated_probability():
    a = synthetic_assessment(model="family_c", p_pooled=0.30, p_meet=0.22)
    html = probability_table(a, "en")
    assert "22% ◀" in html and "30%" not in html


def test_the_ols_fallback_is_named_and_marked():
    a = synthetic_assessment(model="pooled_ols", p_pooled=0.03, p_meet=0.03)
    html = probability_table(a, "en")
    assert "OLS fallback" in html and "3% ◀" in html


def test_the_city_scorecard_shows_a_strict_comparator():
    import pandas as pd

    from analysis.reports.tables import scorecard_table

    results = pd.DataFrame([{"target_id": "z", "region": "汕尾市", "indicator": "", "indicator_zh": "理工类学生占比",
                             "unit": "%", "kind": "share", "target_type": "breakthrough", "comparator": ">",
                             "baseline_year": 2021, "baseline_value": 0.0, "target_year": 2022, "target_value": 0.0,
                             "p_meet": None, "verdict": "insufficient_data", "document": "d"}])
    html = scorecard_table(results, "zh")
    assert "→ &gt; 0%" in html


def test_a_withheld_probability_is_said_as_such_in_the_headline_not_as_missing_data():
    from analysis.reports.prose import headline

    a = synthetic_assessment(model="family_c", p_pooled=0.64, p_meet=None, verdict="withheld",
                             data_wanted=[{"scope": "own", "region": "汕尾市", "indicator": "hte_count",
                                           "years": [2017, 2021]}])
    a.add_note("probability_withheld_indicator", rung="C", indicator="hte_count", b=0.8, b_lo=0.76, b_hi=0.85,
               gap=15.8, clusters=9)
    en, zh = headline(a, "en"), headline(a, "zh")
    assert "not calibrated out of sample" in en and "data are not enough" not in en and "64%" not in en
    assert "uncalibrated range for 2022" in en  # the range stays, labelled
    assert "未通过校准检验" in zh and "数据不足以" not in zh


def test_the_levels_of_a_withheld_probability_are_labelled_uncalibrated():
    from analysis.reports import plots
    from analysis.reports.prose import headline

    a = synthetic_assessment(model="family_b", p_meet=None, verdict="insufficient_data")
    assert plots.levels_caption(a, "en") == ""
    a.add_note("probability_withheld", rung="B", b=0.48, b_lo=0.31, b_hi=1.2, clusters=10)
    a.verdict = "withheld"  # as models.recalibrate.withhold sets it
    assert "Not calibrated" in plots.levels_caption(a, "en") and "未经校准" in plots.levels_caption(a, "zh")
    assert "uncalibrated range for 2022" in headline(a, "en") and "Realistic 2022 levels" not in headline(a, "en")
    calibrated = synthetic_assessment()
    assert plots.levels_caption(calibrated, "en") == ""


def test_a_zero_baseline_states_the_required_increment_in_units():
    from analysis.reports.tables import requirements_table

    a = synthetic_assessment(baseline_value=0.0, target_value=3.0, required_change=None, required_cagr=None)
    assert "+3家" in requirements_table(a, "zh")
    b = synthetic_assessment(baseline_value=49.0, target_value=100.0)
    assert "+3家" not in requirements_table(b, "zh") and "%" in requirements_table(b, "zh")
