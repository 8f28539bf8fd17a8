"""Synthetic panels from a known process: P(meet) must be calibrated within binomial error."""
import numpy as np

from analysis.backtest import synthetic_calibration


def test_pooled_probability_is_calibrated_on_known_process():
    table = synthetic_calibration(seed=7, n_panels=24, horizon=2)
    used = table[table["n"] >= 15]
    assert len(used) >= 8, table
    # within 3 binomial standard errors (plus 0.02 for Monte Carlo error) in every decile
    se = np.sqrt(used["mean_p"] * (1 - used["mean_p"]) / used["n"])
    gap = (used["observed"] - used["mean_p"]).abs()
    assert (gap <= 3 * se + 0.02).all(), table.to_string()
    # and overall: the mean forecast equals the hit rate within error
    n = table["n"].sum()
    mean_p = (table["mean_p"].fillna(0) * table["n"]).sum() / n
    hit = (table["observed"].fillna(0) * table["n"]).sum() / n
    assert abs(mean_p - hit) < 0.03
