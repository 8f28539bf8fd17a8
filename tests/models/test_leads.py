"""Rung A's cross-indicator leads: γ recovered from a known process, only the within-year part of a
lead moves a forecast, an observed lead shifts step 1 by γ, and no lead value after the as-of year
is ever used."""
import numpy as np
import pandas as pd
import pytest

from analysis.models import leads, pooled

GAMMA = 0.5


def _process(rng, G=40, years=range(2008, 2022)):
    """Lead rates a_it (common shock + noise) and target changes r_it = δ_t + γ·(a_i,t−1 − ā_t−1) + u_i + ε."""
    years = list(years)
    a = {}
    for t in years:
        common = 0.15 + 0.08 * rng.standard_normal()
        for i in range(G):
            a[(f"R{i:02d}", t)] = common + 0.12 * rng.standard_normal()
    u = 0.02 * rng.standard_normal(G)
    y = np.log(rng.uniform(100, 10000, G))
    rows = []
    for t in years[1:]:
        prev = np.array([a[(f"R{i:02d}", t - 1)] for i in range(G)])
        r = 0.1 + 0.05 * rng.standard_normal() + GAMMA * (prev - prev.mean()) + u + 0.06 * rng.standard_normal(G)
        for i in range(G):
            rows.append({"region": f"R{i:02d}", "level": "province", "parent": "P", "start_year": t - 1,
                         "end_year": t, "dt": 1, "y0": y[i], "dy": r[i]})
        y = y + r
    return pd.DataFrame(rows), a


def _fit(ch, rates, lag=1):
    return pooled.fit_pooled(ch, "test", leads=[leads.LeadSeries("patent_applications", lag, rates)])


def test_lead_coefficient_is_recovered():
    ch, a = _process(np.random.default_rng(3))
    fit = _fit(ch, a)
    assert fit.leads is not None and fit.leads.names == ("patent_applications (lag 1)",)
    gamma, se = float(fit.lead_gamma[0]), float(np.sqrt(fit.lead_cov[0, 0]))
    assert se < 0.06
    assert gamma == pytest.approx(GAMMA, abs=3 * se)
    # without leads the fit has none (and draws nothing for them)
    plain = pooled.fit_pooled(ch, "test")
    assert plain.leads is None and plain.lead_gamma.size == 0


def test_a_common_shift_of_the_lead_changes_nothing():
    """Adding any constant per year to every region's lead change moves neither γ nor a forecast:
    the lead's common part is left to the year effects."""
    ch, a = _process(np.random.default_rng(4))
    shift = {t: 0.3 * np.sin(t) for t in range(2000, 2030)}
    moved = {(r, t): v + shift[t] for (r, t), v in a.items()}
    f1, f2 = _fit(ch, a), _fit(ch, moved)
    np.testing.assert_allclose(f1.lead_gamma, f2.lead_gamma, atol=1e-10)
    regions = ["R00", "R07"]
    y0 = np.log([500.0, 2000.0])
    p1 = f1.simulate(y0, regions, 3, np.random.default_rng(0), 2000)
    p2 = f2.simulate(y0, regions, 3, np.random.default_rng(0), 2000)
    np.testing.assert_allclose(p1, p2, atol=1e-9)


def test_observed_lead_moves_step_one_by_gamma():
    """With the same draws, raising a region's observed (centred) lead by 1 raises every step-1
    path by that path's γ draw: the mean shift is γ̂ within Monte Carlo error."""
    ch, a = _process(np.random.default_rng(5))
    fit = _fit(ch, a)
    n = 4000
    base = fit.simulate(np.array([np.log(800.0)]), ["R03"], 2, np.random.default_rng(1), n)
    fit.leads.known["R03"] = fit.leads.known["R03"] + 1.0
    up = fit.simulate(np.array([np.log(800.0)]), ["R03"], 2, np.random.default_rng(1), n)
    d = up[:, 0, 0] - base[:, 0, 0]
    se = np.sqrt(fit.lead_cov[0, 0])
    assert d.mean() == pytest.approx(fit.lead_gamma[0], abs=4 * se / np.sqrt(n) + 1e-9)
    assert d.std() == pytest.approx(se, rel=0.1)


def test_lead_inputs_use_no_change_after_the_as_of_year():
    ch = pd.DataFrame({"region": ["a", "a", "a"], "end_year": [2019, 2020, 2021], "dt": [1, 1, 1],
                       "dy": [0.1, 0.2, 0.3]})
    got = leads.lead_inputs(lambda ind, t: ch, "patent_grants", 2020)
    assert [s.indicator for s in got] == ["patent_applications"]
    assert got[0].rates == {("a", 2019): 0.1, ("a", 2020): 0.2}
    assert leads.lead_inputs(lambda ind, t: ch, "rd_expenditure", 2020) == []


def _panel_rows(ch: pd.DataFrame, a: dict) -> pd.DataFrame:
    """The synthetic process as a panel of two catalogue indicators (levels from the changes)."""
    rows = []
    meta = {"level": "province", "parent": "全国", "qualifier": "exact", "derived": False, "source": "synthetic",
            "quote": "synthetic", "reliability": "official"}
    for r, g in ch.groupby("region"):
        y = float(g["y0"].iloc[0])
        rows.append({"region": r, "indicator": "patent_grants", "year": int(g["start_year"].iloc[0]),
                     "value": float(np.exp(y)), **meta})
        for e, dy in zip(g["end_year"], g["dy"]):
            y += dy
            rows.append({"region": r, "indicator": "patent_grants", "year": int(e), "value": float(np.exp(y)), **meta})
    for r in ch["region"].unique():
        level = np.log(5000.0)
        for t in sorted(t for (rr, t) in a if rr == r):
            level += a[(r, t)]
            rows.append({"region": r, "indicator": "patent_applications", "year": int(t), "value": float(np.exp(level)),
                         **meta})
    return pd.DataFrame(rows)


def test_engine_fit_ignores_lead_data_after_the_as_of_year():
    """Deleting every patent_applications value after the as-of year changes nothing in the
    patent_grants fit as of that year; the lead is used (γ > 0)."""
    from analysis.assess import Engine

    ch, a = _process(np.random.default_rng(6))
    panel = _panel_rows(ch, a)
    as_of = 2017
    cut = panel[~((panel["indicator"] == "patent_applications") & (panel["year"] > as_of))]
    f_full = Engine(panel, seed=0).pooled_fit("patent_grants", as_of, "province", "全国")
    f_cut = Engine(cut, seed=0).pooled_fit("patent_grants", as_of, "province", "全国")
    assert f_full.leads is not None and f_full.lead_gamma[0] > 0.2
    np.testing.assert_array_equal(f_full.lead_gamma, f_cut.lead_gamma)
    p1 = f_full.simulate(np.array([7.0]), ["R01"], 3, np.random.default_rng(2), 500)
    p2 = f_cut.simulate(np.array([7.0]), ["R01"], 3, np.random.default_rng(2), 500)
    np.testing.assert_array_equal(p1, p2)
