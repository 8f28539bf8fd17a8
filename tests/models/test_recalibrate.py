"""Recalibration of rung B/C P(meet) (analysis.models.recalibrate): the fit, no look-ahead, the stored
maps and the engine hook. Synthetic events are generated here from a known miscalibration."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.models import recalibrate as rc
from analysis.models.forecast import Forecast


def miscalibrated(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Over-confident probabilities: p_raw = σ(2·logit(p_true)), outcomes ~ Bernoulli(p_true)."""
    p_true = rng.uniform(0.03, 0.97, n)
    p_raw = rc.sigmoid(2 * rc.logit(p_true))
    return p_raw, (rng.random(n) < p_true).astype(float), p_true


def synthetic_cases(rng: np.random.Generator, n: int = 3000) -> pd.DataFrame:
    """Backtest-like cases (two thresholds each) with origins 2010–2019, horizons 1–3, three indicators."""
    p_raw, met, _ = miscalibrated(rng, 2 * n)
    return pd.DataFrame({"indicator": rng.choice(["i1", "i2", "i3"], n), "level": rng.choice(["city", "province"], n),
                         "origin": rng.integers(2010, 2020, n), "horizon": rng.integers(1, 4, n), "rung": "C",
                         "p_g10": p_raw[:n], "met_g10": met[:n], "p_g20": p_raw[n:], "met_g20": met[n:]})


def test_platt_recovers_the_known_miscalibration_within_its_standard_error():
    p_raw, met, _ = miscalibrated(np.random.default_rng(1), 20000)
    m = rc.fit_platt(p_raw, met)
    # true map: logit(p_true) = 0.5·logit(p_raw) + 0; 3 standard errors (≈ 99.7 % under the MLE's normal law)
    assert abs(m.b - 0.5) < 3 * m.se_b and m.se_b < 0.02
    assert abs(m.a) < 3 * m.se_a


def test_recalibrated_reliability_per_decile_is_within_binomial_error_out_of_sample():
    rng = np.random.default_rng(2)
    m = rc.fit_platt(*miscalibrated(rng, 20000)[:2])
    p_raw, met, _ = miscalibrated(rng, 20000)  # fresh events: the map never saw them
    p_cal = m(p_raw)
    edges = np.linspace(0, 1, 11)
    raw_off = 0
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (p_cal >= lo) & (p_cal < hi)
        if sel.sum() < 50:
            continue
        mean_p, obs = p_cal[sel].mean(), met[sel].mean()
        assert abs(obs - mean_p) < 3 * np.sqrt(mean_p * (1 - mean_p) / sel.sum()) + 0.01, (lo, mean_p, obs)
        raw_sel = (p_raw >= lo) & (p_raw < hi)
        if raw_sel.sum() >= 50:
            mp = p_raw[raw_sel].mean()
            raw_off += abs(met[raw_sel].mean() - mp) > 3 * np.sqrt(mp * (1 - mp) / raw_sel.sum()) + 0.01
    assert raw_off >= 4  # the raw probabilities were visibly miscalibrated


def test_map_is_monotone_keeps_the_ends_and_inverts():
    m = rc.PlattMap(a=-0.27, b=0.69)
    p = np.linspace(0, 1, 101)
    assert np.all(np.diff(m(p)) > 0)
    assert m(0.0) < 0.01 and m(1.0) > 0.99
    for x in (0.2, 0.5, 0.8):
        assert m(m.inverse(x)) == pytest.approx(x, abs=1e-9)


def test_cumulative_maps_never_use_a_later_outcome():
    cases = synthetic_cases(np.random.default_rng(3))
    full = rc.maps_by_year(cases)
    outcome = cases["origin"] + cases["horizon"]
    for t in (2016, 2018, 2020):
        cut = rc.maps_by_year(cases[outcome <= t])  # later cases deleted
        assert {y for y in full if y <= t} == set(cut)
        for y in cut:
            assert cut[y] == full[y]
    first = min(full)
    assert rc.map_for(full, first - 1) is None and rc.map_for(full, 2100).year == max(full)


def test_cross_fit_never_sees_the_held_out_group():
    cases = synthetic_cases(np.random.default_rng(4))
    base = rc.cross_fit(cases, "indicator")
    flipped = cases.copy()
    sel = flipped["indicator"] == "i2"
    flipped.loc[sel, ["met_g10", "met_g20"]] = 1 - flipped.loc[sel, ["met_g10", "met_g20"]]
    again = rc.cross_fit(flipped, "indicator")
    held = base["indicator"] == "i2"
    np.testing.assert_allclose(base.loc[held, "p_cal"], again.loc[held, "p_cal"])
    assert not np.allclose(base.loc[~held, "p_cal"], again.loc[~held, "p_cal"])
    tables = rc.reliability_before_after(cases, "C", time_respecting=True)
    assert list(tables["scores"]["horizon"]) == ["all", "1", "2", "3"]
    s = tables["scores"].iloc[0]
    assert s["log_after"] < s["log_before"] and s["brier_after"] < s["brier_before"]


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="as many outcomes"):
        rc.fit_platt([0.2, 0.3], [1.0])
    with pytest.raises(ValueError, match="p_g"):
        rc.events(pd.DataFrame({"origin": [2020], "horizon": [1]}))
    with pytest.raises(ValueError, match="group column"):
        rc.cross_fit(synthetic_cases(np.random.default_rng(5), 100), "city")


def test_stored_maps_were_learned_on_the_bundled_data():
    from analysis.config import data_dir
    from analysis.provenance import folder_hash

    art = rc.stored()
    assert art["data_sha256"] == folder_hash(data_dir()), (
        f"src/analysis/models/recalibration.json is stale (bundled data changed): rebuild with `{rc.BUILD_COMMAND}`")
    assert art["command"] == rc.BUILD_COMMAND and art["n_draws"] == 300 and art["seed"] == 0
    for rung in rc.RUNGS:
        maps = rc.stored_maps(rung)
        assert maps and all(m.year == y and m.n_events >= rc.MIN_EVENTS for y, m in maps.items())
        assert "applied" in art["proof"][rung]


def test_apply_sets_p_meet_verdict_and_levels_by_inversion():
    from analysis.assessment import Assessment, verdict_for

    maps = rc.stored_maps("C")
    if not rc.stored()["proof"]["C"]["applied"]:
        pytest.skip("rung C recalibration not proven on the bundled data: nothing applied")
    draws = np.random.default_rng(6).normal(np.log(100), 0.3, 20000)
    f = Forecast("family_c", draws)
    a = Assessment("t", "R", "x", comparator=">=", as_of=max(maps))
    y_star = np.log(120.0)
    a.p_meet = f.p_at_least(y_star)
    rc.apply(a, f, y_star, True, "C")
    m = rc.map_for(maps, a.as_of)
    assert a.p_meet_raw == pytest.approx(f.p_at_least(y_star))
    assert a.p_meet == pytest.approx(m(a.p_meet_raw), abs=1e-12) and a.verdict == verdict_for(a.p_meet)
    # the raw P of reaching level_p50 is the q with recal(q) = 0.5 (draw granularity 1/20000)
    assert f.p_at_least(np.log(a.level_p50)) == pytest.approx(m.inverse(0.5), abs=2e-4)
    assert f.p_at_least(np.log(a.level_p80)) == pytest.approx(m.inverse(0.8), abs=2e-4)
    assert a.note_codes[-1].code == "recalibrated" and a.note_codes[-1].params["n"] == m.n_events
    early = Assessment("t", "R", "x", as_of=min(maps) - 1)
    early.p_meet = 0.7
    rc.apply(early, f, y_star, True, "C")
    assert early.p_meet == 0.7 and early.note_codes[-1].code == "recalibration_unavailable"


def test_registry_rung_c_target_is_recalibrated_and_shanwei_b_is_honest_about_its_calibration():
    from analysis.assess import assess_target

    art = rc.stored()
    a = assess_target("shanwei2022-t02-tsme_count")
    assert a.evidence == "C"
    if art["proof"]["C"]["applied"]:
        m = rc.map_for(rc.stored_maps("C"), a.as_of)
        assert a.p_meet == pytest.approx(m(a.p_meet_raw), abs=1e-12)
        assert a.to_record()["p_meet_raw"] == pytest.approx(a.p_meet_raw)
    b = assess_target("shanwei2022-t01-hte_count")  # the 49 → 100 example, rung B
    codes = {n.code for n in b.note_codes}
    assert b.evidence == "B" and b.p_meet_raw is not None and b.level_p50 < 100 and b.level_p80 < b.level_p50
    from analysis.models.calibration_check import calibrated_for

    if not art["proof"]["B"]["applied"] and not calibrated_for(art["proof"]["B"]["calibration"], "city")[0]:
        # rung B is not calibrated out of sample (cluster-bootstrap Platt slope): the range, no probability
        assert b.p_meet is None and b.verdict == "withheld" and "probability_withheld" in codes
    else:
        assert b.verdict in ("on_track", "stretch", "unlikely", "implausible")
        assert codes & {"recalibrated", "recalibration_not_proven", "recalibration_unavailable"}
