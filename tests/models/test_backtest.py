"""Rolling-origin backtest: contract columns, no look-ahead, calibration on a known process and on
the official provincial panel (read through the extra data path)."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.backtest import backtest_cases, run_backtest, summarise
from tests.conftest import make_panel

COLUMNS = ["indicator", "model", "horizon", "n", "crps", "coverage_50", "coverage_80", "coverage_95",
           "brier_g10", "brier_g20", "brier_g50", "brier_g100", "rung"]


@pytest.fixture(scope="module")
def synthetic_cases():
    panel = make_panel(np.random.default_rng(11), n_regions=20, years=range(2008, 2022))
    return backtest_cases(panel, seed=0, n_draws=500)


def test_contract_columns_and_models(synthetic_cases):
    table = summarise(synthetic_cases)
    assert list(table.columns) == COLUMNS
    assert {"pooled", "peers", "own", "no_change", "drift"} <= set(table["model"])
    assert set(table["horizon"]) == {1, 2, 3}
    assert "all" in set(table["indicator"])
    # rung A for the ladder's models, no rung for the baselines
    assert set(table.loc[table["model"].isin(["pooled", "peers", "own"]), "rung"]) == {"A"}
    assert table.loc[table["model"].isin(["no_change", "drift"]), "rung"].isna().all()
    for c in ("coverage_50", "coverage_80", "coverage_95"):
        assert table[c].between(0, 1).all()


def test_intervals_cover_on_known_random_walk(synthetic_cases):
    table = summarise(synthetic_cases)
    pooled = table[(table["indicator"] == "all") & (table["model"] == "pooled")]
    for _, row in pooled.iterrows():
        # nominal 80 %; cases overlap in time, so allow a generous band
        assert 0.68 <= row["coverage_80"] <= 0.92, row.to_dict()
        assert 0.85 <= row["coverage_95"] <= 1.0, row.to_dict()


def test_origin_forecast_does_not_use_later_data():
    panel = make_panel(np.random.default_rng(12), n_regions=15, years=range(2008, 2020))
    full = backtest_cases(panel, seed=0, n_draws=300)
    cut = backtest_cases(panel[panel["year"] <= 2016], seed=0, n_draws=300)
    a = full[full["origin"] + full["horizon"] <= 2016].sort_values(["indicator", "origin", "region", "horizon", "model"])
    b = cut.sort_values(["indicator", "origin", "region", "horizon", "model"])
    assert len(a) == len(b) > 0
    np.testing.assert_allclose(a["crps"].to_numpy(), b["crps"].to_numpy(), rtol=1e-9)


def test_provincial_panel_pooled_is_calibrated_and_beats_own(province_panel_dir, monkeypatch):
    monkeypatch.setenv("ANALYSIS_DATA_PATH", str(province_panel_dir))
    table = run_backtest(indicators=["rd_intensity", "rd_expenditure", "patent_grants"], levels=("province",),
                         n_draws=600)
    allrows = table[table["indicator"] == "all"].set_index(["model", "horizon"])
    for h in (1, 2, 3):
        assert 0.72 <= allrows.loc[("pooled", h), "coverage_80"] <= 0.88, table.to_string()
        assert allrows.loc[("pooled", h), "crps"] < allrows.loc[("own", h), "crps"]
