"""Rung C's per-indicator recalibration and gate (analysis.models.recalibrate_indicator).

Synthetic backtest cases are generated here from a known process: the true probability of each
event is q; indicator ``over`` reports σ(2·logit q) (over-confident), ``under`` σ(0.5·logit q)
(under-confident), ``ok`` reports q. One pooled map cannot fix both directions; the per-indicator
maps must, or the gate must withhold.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.assessment import Assessment
from analysis.models import recalibrate as rc
from analysis.models import recalibrate_indicator as ri
from analysis.models.forecast import Forecast
from analysis.notes import NOTE_TEXT

SHARPEN = {"over": 2.0, "under": 0.5, "ok": 1.0}
REPS = 60  # bootstrap replicates of the gate's slope check (the tests need its verdict, not a fine interval)


def cases_for(rng: np.random.Generator, per_cluster: int = 25, origins=range(2006, 2020)) -> pd.DataFrame:
    """Backtest-like cases: per indicator × level × origin × horizon ``per_cluster`` regions, two events each."""
    rows = []
    for ind, s in SHARPEN.items():
        for level in ("city", "province"):
            for origin in origins:
                for h in (1, 2, 3):
                    q = rng.uniform(0.03, 0.97, (per_cluster, 2))
                    p = rc.sigmoid(s * rc.logit(q))
                    met = (rng.random(q.shape) < q).astype(float)
                    rows.append(pd.DataFrame({"indicator": ind, "level": level, "origin": origin, "horizon": h,
                                              "rung": "C", "p_g10": p[:, 0], "met_g10": met[:, 0],
                                              "p_g20": p[:, 1], "met_g20": met[:, 1]}))
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def built():
    cases = cases_for(np.random.default_rng(10))
    pooled = rc.maps_by_year(cases)
    return cases, pooled, ri.build(cases, pooled, reps=REPS)


def deciles_off(p: np.ndarray, met: np.ndarray) -> int:
    """How many deciles of ``p`` (≥ 50 events) miss the observed frequency by more than 3 binomial
    standard errors + 0.01 (the map's own estimation error)."""
    edges, off = np.linspace(0, 1, 11), 0
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (p >= lo) & (p < hi)
        if sel.sum() < 50:
            continue
        mp = p[sel].mean()
        off += abs(met[sel].mean() - mp) > 3 * np.sqrt(mp * (1 - mp) / sel.sum()) + 0.01
    return int(off)


def fresh(rng: np.random.Generator, ind: str, n: int = 6000) -> tuple[np.ndarray, np.ndarray]:
    """New events of ``ind`` (never seen by any map): reported P and outcome."""
    q = rng.uniform(0.03, 0.97, n)
    return rc.sigmoid(SHARPEN[ind] * rc.logit(q)), (rng.random(n) < q).astype(float)


def test_pooled_map_leaves_both_directions_miscalibrated_and_the_rule_fixes_or_withholds_each(built):
    cases, pooled, art = built
    rng = np.random.default_rng(11)
    last = max(pooled)
    shown = []
    art_full = {"indicator": art}
    for ind in ("over", "under"):
        p, met = fresh(rng, ind)
        assert deciles_off(pooled[last](p), met) >= 3, ind  # one map for all: still off in this indicator
        ok, row = ri.gate_for(ri.stored_gates(art_full), ind, last)
        if not ok:  # withheld: fine, provided the gate had its own evidence against it
            assert row is not None and not row["calibrated"]
            continue
        m = ri.stored_map(art_full, ind, last)
        assert m is not None and m.year == last
        assert deciles_off(m(p), met) == 0, (ind, m)
        shown.append(ind)
    # the process is stationary and the folds plentiful: the maps do calibrate both, and the gate sees it
    assert shown == ["over", "under"]
    assert ri.stored_map(art_full, "over", last).b == pytest.approx(0.5, abs=0.08)
    assert ri.stored_map(art_full, "under", last).b == pytest.approx(2.0, abs=0.3)
    assert art["applied"] and art["proof"]["indicator_maps"]["log_score"] < art["proof"]["pooled_map"]["log_score"]


def test_gate_withholds_an_indicator_whose_miscalibration_drifts_over_time():
    # indicator "ok" reports the true q until origin 2012; from 2013 the truth is σ(0.3·logit p): its
    # P turns over-confident faster than a map learned on earlier outcomes can follow
    rng = np.random.default_rng(12)
    cases = cases_for(rng)
    drift = (cases["indicator"] == "ok") & (cases["origin"] >= 2013)
    for g in ("10", "20"):
        truth = rc.sigmoid(0.3 * rc.logit(cases.loc[drift, f"p_g{g}"]))
        cases.loc[drift, f"met_g{g}"] = (rng.random(drift.sum()) < truth).astype(float)
    art = {"indicator": ri.build(cases, rc.maps_by_year(cases), reps=REPS)}
    gates = ri.stored_gates(art)
    ok, row = ri.gate_for(gates, "ok", 2022)
    assert not ok and row["n_clusters"] >= 5 and row["b_hi"] < 1  # still over-confident after the map
    assert ri.gate_for(gates, "over", 2022)[0] and ri.gate_for(gates, "under", 2022)[0]  # stable: shown


def test_maps_and_gates_as_of_t_never_use_a_later_outcome(built):
    cases, pooled, art = built
    outcome = cases["origin"] + cases["horizon"]
    for t in (2014, 2018):
        cut = cases[outcome <= t].reset_index(drop=True)  # every later outcome deleted
        again = ri.build(cut, rc.maps_by_year(cut), reps=REPS)
        for key in ("maps", "gates", "applied_by_year"):
            years = [y for y in art[key] if int(y) <= t]
            assert years and years == list(again[key]), key
            for y in years:
                assert again[key][y] == art[key][y], (key, y)


def test_apply_uses_the_indicator_map_or_withholds_with_its_note(monkeypatch, built):
    _, pooled, art = built
    last = max(pooled)
    gate = {"pooled": {"calibrated": True}, "unseen": {"calibrated": True, "b": 1.0, "gap": 0.0},
            "groups": {"under": {"calibrated": False, "b": 1.9, "b_lo": 1.5, "b_hi": 2.4, "gap": 0.132,
                                 "n_clusters": 8}}}
    fake = {"maps": {"C": {str(y): m.to_json() for y, m in pooled.items()}},
            "proof": {"C": {"applied": True, "by": "indicator"}}, "data_sha256": "x",
            "indicator": {**art, "gates": {str(last): gate}}}
    monkeypatch.setattr(rc, "stored", lambda path=None: fake)
    f = Forecast("family_c", draws=np.log(np.linspace(40, 160, 4001)))
    out = {}
    for ind in ("over", "under", "unseen_indicator"):
        a = Assessment("t", "R", ind, level="city", as_of=last + 2)
        a.p_meet = f.p_at_least(np.log(100))
        rc.apply(a, f, float(np.log(100)), True, "C")
        out[ind] = a
    m = ri.stored_map(fake, "over", last)
    assert out["over"].p_meet == pytest.approx(m(out["over"].p_meet_raw), abs=1e-12)
    assert out["over"].note_codes[-1].code == "recalibrated_indicator"
    assert out["under"].p_meet is None and out["under"].verdict == "withheld"
    note = out["under"].note_codes[-1]
    assert note.code == "probability_withheld_indicator" and note.params["gap"] == 13.2
    assert "不显示达成概率" in note.text("zh") and "13.2" in note.text("zh")
    assert out["unseen_indicator"].p_meet == pytest.approx(pooled[last](out["unseen_indicator"].p_meet_raw))
    assert out["unseen_indicator"].note_codes[-1].code == "recalibrated"
    across = out["unseen_indicator"].note_codes[-2]  # no check of its own: said to be calibrated across indicators
    assert across.code == "calibrated_across_indicators" and across.params["year"] == last
    assert set(NOTE_TEXT) >= {"recalibrated_indicator", "probability_withheld_indicator"}


def test_stored_artefact_has_the_indicator_maps_gates_and_after_columns():
    from analysis.models.calibration_check import slope_table

    art = rc.stored()
    if "indicator" not in art:
        pytest.skip("rung C recalibration not applied on the bundled data: no per-indicator maps")
    assert ri.stored_gates(art) and art["indicator"]["max_gap"] == ri.MAX_GAP
    table = slope_table(art["proof"], "C")
    assert {"slope_b_after", "gap_after", "calibrated_after"} <= set(table.columns)
    assert list(table["indicator"])[:2] == ["all", "unseen"] or list(table["indicator"])[0] == "all"
