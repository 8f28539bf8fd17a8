"""A ceiling target ("at most", ≤) reads every model's probability as "met", and its P80 level is the
level kept with 80 % probability (the forecast's upper quantile), not the floor target's."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.assess import Engine
from tests.models.test_ladder import two_level_panel


def _pair(comparator: str):
    panel = two_level_panel(np.random.default_rng(11), n_prov=12, n_city=8, years=range(2010, 2022))
    eng = Engine(panel, seed=0, n_draws=2000)
    target = {"target_id": "same-stream", "region": "P03", "level": "province", "parent": "全国",
              "indicator": "patent_grants", "target_type": "level", "baseline_year": 2021, "target_year": 2023}
    base = float(panel[(panel.region == "P03") & (panel.indicator == "patent_grants") & (panel.year == 2021)]
                 ["value"].iloc[0])
    up = eng.assess({**target, "target_value": base * 1.15, "comparator": ">="})
    down = eng.assess({**target, "target_value": base * 1.15, "comparator": comparator})
    return up, down


@pytest.mark.parametrize("comparator", ["<=", "<"])
def test_every_models_probability_is_the_complement_for_a_ceiling(comparator):
    up, down = _pair(comparator)
    for field in ("p_own", "p_peers", "p_pooled"):
        u, d = getattr(up, field), getattr(down, field)
        assert (u is None) == (d is None)
        if u is not None:
            assert d == pytest.approx(1 - u, abs=1e-12), field
    if up.n_peer_windows:
        assert up.n_peer_met + down.n_peer_met >= up.n_peer_windows  # ≥ and ≤ together cover every window


def test_a_ceilings_p80_level_lies_above_its_median_and_a_floors_below():
    up, down = _pair("<=")
    assert up.level_p80 < up.level_p50
    assert down.level_p80 > down.level_p50
