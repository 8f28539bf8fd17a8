"""The reference-class ladder: rungs B and C calibrated on a known two-level, multi-indicator process,
leave-one-out folds blind to what they hold out, honest labels, data_wanted, notes with translations."""
from __future__ import annotations

import string

import numpy as np
import pandas as pd
import pytest

from analysis.assess import Engine
from analysis.backtest_ladder import fold_fit, ladder_cases, reliability_diagram
from analysis.engine import ladder
from analysis.engine.headline import methods

FAMILY = ["patent_grants", "patent_applications", "invention_patent_grants", "invention_patent_applications"]


def two_level_panel(rng: np.random.Generator, n_prov: int = 20, n_city: int = 20, years=range(2008, 2022)) -> pd.DataFrame:
    """Counts from a known process: indicator and level effects, size-dependent mean, level-dependent
    spread (cities noisier), persistent series effects and common year shocks."""
    m_k = dict(zip(FAMILY, rng.normal(0.08, 0.03, len(FAMILY))))
    rows = []
    shocks = {y: rng.normal(0, 0.02) for y in years}
    for level, n, size, sd in (("province", n_prov, (8.0, 10.0), 0.06), ("city", n_city, (4.0, 6.0), 0.12)):
        for i in range(n):
            region = f"{level[0].upper()}{i:02d}"
            for k in FAMILY:
                y = rng.uniform(*size)
                u = rng.normal(0, 0.02)
                for j, yr in enumerate(years):
                    if j:
                        y += m_k[k] + (0.02 if level == "city" else 0.0) - 0.01 * (y - np.mean(size)) + u \
                            + shocks[yr] + sd * rng.standard_normal()
                    rows.append({"region": region, "level": level, "parent": "P" if level == "city" else "全国",
                                 "indicator": k, "year": yr, "value": float(np.exp(y)), "unit": "件",
                                 "qualifier": "exact", "derived": False, "source": "synthetic", "quote": "synthetic",
                                 "reliability": "official", "note": ""})
    return pd.DataFrame(rows)


def _calibration(rung: str, n_panels: int = 4, h: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """P(meet) of rung B or C for random targets at the last origin, and whether they were met."""
    ps, met = [], []
    for s in range(n_panels):
        rng = np.random.default_rng(100 + s)
        panel = two_level_panel(rng)
        eng = Engine(panel, seed=s, n_draws=1000)
        as_of = int(panel["year"].max()) - h
        now = panel[panel["year"] == as_of]
        later = panel[panel["year"] == as_of + h].set_index(["region", "indicator"])["value"]
        for k in FAMILY:
            fit = ladder.fit_family_rung(eng, rung, k, as_of, "city").family
            for region, level, v in now[now["indicator"] == k][["region", "level", "value"]].itertuples(index=False):
                target = v * np.exp(rng.uniform(-0.1, 0.6))
                f = fit.forecast(np.log(v), region, k, level, h, np.random.default_rng([s, hash(region) % 997]), 1000)
                ps.append(f.p_at_least(np.log(target)))
                met.append(float(later[(region, k)] >= target))
    return np.array(ps), np.array(met)


@pytest.mark.parametrize("rung", ["B", "C"])
def test_rung_probability_is_calibrated_on_known_process(rung):
    p, met = _calibration(rung)
    table = reliability_diagram(p, met, bins=10)
    used = table[table["n"] >= 30]
    assert len(used) >= 6, table
    se = np.sqrt(used["mean_predicted"] * (1 - used["mean_predicted"]) / used["n"])
    gap = (used["observed_frequency"] - used["mean_predicted"]).abs()
    # binomial error per decile (3 se) plus 0.04: targets share common year shocks within a panel
    assert (gap <= 3 * se + 0.04).all(), table.to_string()


def test_leave_one_out_folds_never_see_what_they_hold_out():
    panel = two_level_panel(np.random.default_rng(3), n_prov=8, n_city=8, years=range(2010, 2020))
    full, without_k = Engine(panel), Engine(panel[panel["indicator"] != "patent_grants"])
    a = fold_fit(full, "C", "patent_grants", "patent_grants", 2017)
    b_inds = [k for k in FAMILY if k != "patent_grants"]
    b = ladder.family.fit_family(without_k.class_changes(tuple(b_inds), 2017), "same")
    np.testing.assert_allclose(a.coef, b.coef)
    np.testing.assert_allclose(a.vcoef, b.vcoef)
    without_city = Engine(panel[panel["level"] != "city"])
    c = fold_fit(full, "B", "patent_grants", "city", 2017)
    d = fold_fit(without_city, "B", "patent_grants", "city", 2017)
    np.testing.assert_allclose(c.coef, d.coef)
    assert "city" not in c.levels
    # and the folds' forecasts are scored only on the held-out set, with data ≤ origin
    cases = ladder_cases(panel, rung="B", indicators=["patent_grants"], n_draws=200, horizons=(1,))
    assert set(cases["rung"]) == {"B"} and (cases["origin"] + cases["horizon"] <= 2019).all()


def test_city_target_judged_by_a_class_with_provinces_says_so_and_conditions_on_level():
    panel = two_level_panel(np.random.default_rng(4), n_prov=20, n_city=4, years=range(2012, 2022))
    eng = Engine(panel, seed=0, n_draws=1000)
    a = eng.assess({"target_id": "c", "region": "C01", "level": "city", "parent": "P", "indicator": "patent_grants",
                    "target_type": "level", "baseline_year": 2021, "target_year": 2022, "target_value": 1.0e9})
    # a probability, unless the rung is not calibrated on the real panel's backtest (then only the range)
    withheld = any(n.code == "probability_withheld" for n in a.note_codes)
    assert a.evidence in ("B", "C") and (a.p_meet is not None or (withheld and a.p_meet_raw is not None))
    assert "city" in a.class_composition and "province" in a.class_composition
    assert "level and size as covariates" in a.reference_class and "province" in a.reference_class
    assert a.model in ("family_b", "family_c")
    assert methods(a)[0].code == f"methods_{a.evidence.lower()}"
    # the peer counts and caption describe the same-level windows the histogram draws, not the family
    if a.peer_changes is not None:
        assert a.n_peer_windows == len(a.peer_changes)
        assert a.n_peer_met == int((a.peer_changes >= a.required_change).sum())
        assert "same level (city)" in a.peer_class and "covariates" not in a.peer_class
    else:
        assert a.n_peer_met is None and a.peer_class is None


def test_unjudged_target_says_what_data_would_unlock_it():
    panel = two_level_panel(np.random.default_rng(5), n_prov=5, n_city=3, years=range(2018, 2022))
    eng = Engine(panel, seed=0)
    a = eng.assess({"target_id": "u", "region": "汕尾市", "level": "county", "parent": "广东省",
                    "indicator": "rd_intensity", "target_type": "level", "baseline_year": 2021,
                    "baseline_value": 1.0, "target_year": 2022, "target_value": 1.2})
    assert a.p_meet is None and a.verdict == "insufficient_data"
    assert a.data_wanted[0] == {"scope": "own", "region": "汕尾市", "level": "county", "parent": "广东省",
                                "indicator": "rd_intensity", "years": [2017, 2018, 2019, 2020, 2021]}
    assert any(n.code == "no_rung" for n in a.note_codes)
    assert a.to_record()["data_wanted"][0]["years"][-1] == 2021


def test_worked_example_49_to_100_holds():
    panel = two_level_panel(np.random.default_rng(6), n_prov=6, n_city=6, years=range(2016, 2022))
    a = Engine(panel).assess({"target_id": "w", "region": "C00", "level": "city", "parent": "P",
                              "indicator": "patent_grants", "baseline_year": 2021, "baseline_value": 49.0,
                              "target_year": 2022, "target_value": 100.0})
    assert a.required_cagr == pytest.approx(1.0408, abs=5e-4)
    assert a.required_change == pytest.approx(0.7133, abs=5e-4)


def test_every_note_code_has_a_chinese_translation_with_the_same_placeholders():
    from analysis import i18n
    from analysis.notes import NOTE_TEXT

    def fields(t: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(t) if f}

    assert not i18n.missing("zh", list(NOTE_TEXT.values()))
    for code, en in NOTE_TEXT.items():
        zh = i18n.translate(en, "zh")
        assert fields(zh) == fields(en), code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh) or code == "engine_error", code


def test_chinese_notes_name_levels_and_indicators_in_chinese():
    """A zh page never reads "city级tech_contract_value": note parameters named level and indicator are
    rendered by their Chinese names (the English notes of the JSON contract keep the codes)."""
    from analysis.notes import NOTE_TEXT, Note

    for code, en in NOTE_TEXT.items():
        fields = {f for _, f, _, _ in string.Formatter().parse(en) if f}
        if not {"level", "indicator"} & fields:
            continue
        params = {f: 1 for f in fields}
        params.update({k: v for k, v in (("level", "city"), ("indicator", "tech_contract_value")) if k in fields})
        zh, en_text = Note.make(code, **params).text("zh"), Note.make(code, **params).text("en")
        assert "tech_contract_value" not in zh and "city" not in zh, code
        if "indicator" in fields:
            assert "技术合同成交额" in zh and "tech_contract_value" in en_text, code
