"""analysis backtest in several processes: the same table, bit for bit, as in one."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.backtest import run_backtest
from analysis.engine.parallel import fork_map
from tests.models.test_ladder import two_level_panel


def test_fork_map_keeps_the_order_and_runs_closures():
    offset = 10  # a closure over the caller's state: inherited by the fork, never pickled
    assert fork_map(lambda x: x + offset, [3, 1, 2], 2) == [13, 11, 12]
    assert fork_map(lambda x: x, [1], 2) is None  # one item: the caller runs it


@pytest.mark.parametrize("rungs", [("A",), ("A", "B", "C")])
def test_parallel_backtest_is_the_same_table(rungs):
    panel = two_level_panel(np.random.default_rng(3), n_prov=6, n_city=6, years=range(2012, 2021))
    one = run_backtest(panel, rungs=rungs, n_draws=200, workers=1)
    two = run_backtest(panel, rungs=rungs, n_draws=200, workers=2)
    assert not one.empty and set(one["model"]) >= {"pooled", "own"}
    pd.testing.assert_frame_equal(one, two, check_exact=True)
