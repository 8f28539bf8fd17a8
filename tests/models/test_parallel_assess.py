"""assess(..., workers=2): the same table, bit for bit, as one process; parts keep each indicator whole."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.assess import Engine, assess
from analysis.engine import parallel
from tests.models.test_ladder import two_level_panel


def _targets(panel: pd.DataFrame, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    obs = panel[panel["year"].between(2015, 2019)]
    pick = obs.iloc[rng.integers(0, len(obs), n)]
    h = rng.integers(1, 3, n)
    return pd.DataFrame({
        "target_id": [f"t{i}" for i in range(n)], "region": pick["region"].to_numpy(),
        "level": pick["level"].to_numpy(), "parent": pick["parent"].to_numpy(),
        "indicator": pick["indicator"].to_numpy(), "target_type": "level",
        "comparator": np.where(rng.random(n) < 0.2, "<=", ">="),
        "baseline_year": pick["year"].to_numpy(), "baseline_value": pick["value"].to_numpy(),
        "target_year": pick["year"].to_numpy() + h,
        "target_value": pick["value"].to_numpy() * (1 + rng.uniform(-0.1, 0.5, n)) ** h})


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="no fork")
def test_two_workers_give_the_same_table_as_one(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PER_WORKER", 5)
    panel = two_level_panel(np.random.default_rng(8), n_prov=8, n_city=6, years=range(2010, 2020))
    targets = _targets(panel, 40)
    one = assess(targets, engine=Engine(panel, seed=0, n_draws=500))
    two = assess(targets, engine=Engine(panel, seed=0, n_draws=500), workers=2)
    pd.testing.assert_frame_equal(one, two)
    assert list(two["target_id"]) == list(targets["target_id"])
    # and the parallel path was taken (not the one-process fallback)
    assert parallel.assess_parallel(targets, lambda part: [{}] * len(part), workers=2) == [{}] * len(targets)


def test_parts_keep_each_indicator_whole_and_balance_rows():
    targets = pd.DataFrame({"indicator": list("aaaabbbccd")})
    parts = parallel.split_by_indicator(targets, 2)
    assert sorted(p for part in parts for p in part) == list(range(10))
    for part in parts:
        assert len({targets["indicator"][p] for p in part} & set("abcd")) >= 1
        for code in "abcd":
            rows = set(targets.index[targets["indicator"] == code])
            assert rows <= set(part) or not rows & set(part)
    assert sorted(len(p) for p in parts) == [5, 5]


def test_small_tables_and_one_worker_stay_in_this_process():
    targets = pd.DataFrame({"indicator": ["a"] * 10})
    assert parallel.assess_parallel(targets, lambda part: [], workers=2) is None
    assert parallel.assess_parallel(targets, lambda part: [], workers=1) is None


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_workers_is_checked_at_the_api(bad):
    from analysis.api import assess as api_assess
    from analysis.data.loaders import load_targets

    with pytest.raises(ValueError, match="workers"):
        api_assess(load_targets().head(2), workers=bad)
