"""Assessment behaviour: monotonicity, no look-ahead, special targets, errors, reproducibility."""
import numpy as np
import pytest

from analysis.assess import Engine, assess
from tests.conftest import make_panel


@pytest.fixture(scope="module")
def engine():
    return Engine(make_panel(np.random.default_rng(5)), seed=3)


def target(**kw):
    base = {"target_id": "t", "region": "R03", "level": "city", "parent": "P", "indicator": "hte_count",
            "target_type": "level", "comparator": ">=", "baseline_year": 2018, "baseline_value": None,
            "target_year": 2020, "target_value": None, "masked": False}
    base.update(kw)
    return base


def test_contract_fields_and_monotonic_probability(engine):
    v0 = engine.assess(target(target_value=1.0)).baseline_value
    ps = [engine.assess(target(target_value=v0 * f)).p_meet for f in (1.0, 1.1, 1.2, 1.4, 1.8, 2.5)]
    assert all(p is not None for p in ps)
    assert all(a >= b - 1e-12 for a, b in zip(ps, ps[1:])), ps
    a = engine.assess(target(target_value=v0 * 1.2))
    rec = a.to_record()
    for key in ("target_id", "region", "indicator", "baseline_year", "baseline_value", "target_year",
                "target_value", "horizon", "required_cagr", "p_meet", "p_own", "p_peers", "p_pooled", "model",
                "verdict", "level_p50", "level_p80", "n_peer_windows", "reference_class", "outcome_value",
                "met", "notes"):
        assert key in rec
    # the headline names what was fitted: MixedLM, or its OLS fallback (said in the notes too)
    assert rec["model"] in ("pooled", "pooled_ols") and rec["horizon"] == 2
    assert (rec["model"] == "pooled_ols") == any(n["code"] == "pooled_ols_fallback" for n in rec["note_codes"])
    assert rec["evidence"] == "A" and rec["data_wanted"] is None
    assert rec["level_p80"] <= rec["level_p50"]


def test_no_look_ahead():
    panel = make_panel(np.random.default_rng(9))
    full = Engine(panel, seed=1).assess(target(target_value=2000.0), as_of=2018)
    cut = Engine(panel[panel["year"] <= 2018], seed=1).assess(target(target_value=2000.0), as_of=2018)
    for key in ("p_meet", "p_own", "p_peers", "p_pooled", "level_p50", "level_p80", "n_peer_windows"):
        assert getattr(full, key) == pytest.approx(getattr(cut, key)), key
    # the outcome is reported beside the judgement only where the data hold it
    assert full.outcome_value is not None and cut.outcome_value is None


def test_same_seed_same_answer_different_seed_close(engine):
    a = engine.assess(target(target_value=1500.0))
    b = engine.assess(target(target_value=1500.0))
    assert a.p_meet == b.p_meet
    other = Engine(engine.panel, seed=99).assess(target(target_value=1500.0))
    assert other.p_meet == pytest.approx(a.p_meet, abs=0.05)


def test_increment_and_growth_rate_targets_become_levels(engine):
    inc = engine.assess(target(target_type="increment", baseline_value=100.0, target_value=30.0))
    assert inc.target_value == pytest.approx(130.0)
    gr = engine.assess(target(target_type="growth_rate", baseline_value=100.0, target_value=20.0, target_year=2019))
    assert gr.target_value == pytest.approx(120.0) and gr.required_cagr == pytest.approx(0.2)


def test_masked_and_unknown_indicator_are_insufficient_not_errors(engine):
    m = engine.assess(target(masked=True, target_value=None))
    assert m.verdict == "insufficient_data" and m.p_meet is None
    u = engine.assess(target(indicator="", indicator_zh="孵化器创业导师数量", baseline_value=52.0, target_value=70.0,
                             baseline_year=2021, target_year=2022))
    assert u.verdict == "insufficient_data"
    assert u.required_cagr == pytest.approx(70 / 52 - 1)


def test_invalid_target_is_an_error_and_others_continue(engine):
    import pandas as pd
    bad = target(target_id="bad", baseline_year=2020, target_year=2019, target_value=5.0)
    good = target(target_id="good", target_value=1500.0)
    out = assess(pd.DataFrame([bad, good]), engine=engine)
    assert out.set_index("target_id").loc["bad", "verdict"] == "error"
    assert "not after baseline year" in " ".join(out.set_index("target_id").loc["bad", "notes"])
    assert out.set_index("target_id").loc["good", "verdict"] != "error"


def test_rank_goal_joint_simulation(engine):
    a = engine.assess(target(target_type="rank", target_value=1.0, unit="位"))
    assert a.p_meet is not None and 0 <= a.p_meet <= 1
    assert a.target_value == max(1.0, a.baseline_value - 1)


def test_zero_baseline_never_logs_zero(engine):
    a = engine.assess(target(baseline_value=0.0, target_value=3.0))
    assert a.required_change is None
    assert a.verdict in ("insufficient_data", "withheld", "on_track", "stretch", "unlikely", "implausible")
    assert any("count" in n for n in a.notes)


def test_growth_rate_on_amount_uses_the_datas_canonical_baseline():
    panel = make_panel(np.random.default_rng(6), indicator="rd_expenditure")
    panel["unit"] = "亿元"
    eng = Engine(panel, seed=0)
    v2018 = float(panel[(panel.region == "R01") & (panel.year == 2018)]["value"].iloc[0])
    a = eng.assess(target(region="R01", indicator="rd_expenditure", target_type="growth_rate", unit="%",
                          baseline_value=v2018 * 1e4, target_value=10.0, target_year=2019))  # document in 万元
    assert a.unit == "亿元" and a.baseline_value == pytest.approx(v2018)
    assert a.target_value == pytest.approx(v2018 * 1.1)
