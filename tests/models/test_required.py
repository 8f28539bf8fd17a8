"""Formulas against hand-worked examples."""
import math

import numpy as np
import pandas as pd
import pytest

from analysis.models.required import own_annual_changes, percentile_among, required_cagr, required_change
from analysis.models.verdict import eurostat_category
from analysis.assessment import verdict_for


def test_shanwei_hte_49_to_100_in_one_year():
    # 100/49 − 1 = 1.0408…; ln(100/49) = 0.7133…
    assert required_cagr(49, 100, 1, log_scale=True) == pytest.approx(1.0408, abs=1e-4)
    assert required_change(49, 100, log_scale=True) == pytest.approx(0.7133, abs=1e-4)


def test_multi_year_cagr_and_points():
    assert required_cagr(100, 121, 2, log_scale=True) == pytest.approx(0.10)
    # R&D intensity 2.0 % → 2.3 % in 3 years: +0.1 pp per year
    assert required_cagr(2.0, 2.3, 3, log_scale=False) == pytest.approx(0.1)
    assert required_change(-25.2, 10, log_scale=False) == pytest.approx(35.2)


def test_zero_baseline_has_no_log_change():
    assert required_change(0, 3, log_scale=True) is None
    assert required_cagr(0, 3, 1, log_scale=True) is None


def test_own_changes_irregular_spacing():
    ch = pd.DataFrame({"dy": [0.2, 0.6], "dt": [1, 3]})
    mean, best, n = own_annual_changes(ch)
    assert mean == pytest.approx(0.8 / 4) and best == pytest.approx(0.2) and n == 2


def test_percentile():
    assert percentile_among(0.5, np.array([0.1, 0.2, 0.6, 0.9])) == pytest.approx(50)
    assert percentile_among(1.0, np.array([0.1, 0.2])) == pytest.approx(100)


def test_eurostat_cut_points():
    assert eurostat_category(0.095, 0.10) == (pytest.approx(0.95), "on_track")
    assert eurostat_category(0.06, 0.10)[1] == "moderate"
    assert eurostat_category(0.059, 0.10)[1] == "insufficient"
    assert eurostat_category(-0.01, 0.10)[1] == "moving_away"
    assert eurostat_category(0.05, -0.01)[1] == "achieved"


def test_verdict_cut_points():
    assert [verdict_for(p) for p in (0.5, 0.49, 0.2, 0.19, 0.05, 0.049, None)] == [
        "on_track", "stretch", "stretch", "unlikely", "unlikely", "implausible", "insufficient_data"]
