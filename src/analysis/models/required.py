"""What a target takes: required total change, CAGR (or pp/yr), own best and mean year, peer percentile.

Worked example (tests): 49 → 100 in one year is +104.1 % (CAGR 1.041), ln ratio 0.713.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd


def required_change(v0: float, target: float, log_scale: bool) -> float | None:
    """Total change the target asks for on the model scale: ln(v*/v0), or v* − v0 in points."""
    if v0 is None or target is None or any(map(_isnan, (v0, target))):
        return None
    if log_scale:
        if v0 <= 0 or target <= 0:
            return None
        return math.log(target / v0)
    return target - v0


def required_cagr(v0: float, target: float, horizon: float, log_scale: bool) -> float | None:
    """Compound annual growth rate (v*/v0)^(1/h) − 1, or the pp per year for shares and rates."""
    if horizon is None or horizon <= 0:
        return None
    change = required_change(v0, target, log_scale)
    if change is None:
        return None
    return math.expm1(change / horizon) if log_scale else change / horizon


def own_annual_changes(changes: pd.DataFrame) -> tuple[float | None, float | None, int]:
    """The region's own mean annual change (total change / total years) and best annualised change."""
    if changes.empty:
        return None, None, 0
    mean = float(changes["dy"].sum() / changes["dt"].sum())
    best = float((changes["dy"] / changes["dt"]).max())
    return mean, best, int(len(changes))


def percentile_among(value: float | None, sample: np.ndarray | None) -> float | None:
    """Percent of the sample strictly below ``value`` (0–100), counting ties as half."""
    if value is None or sample is None or len(sample) == 0:
        return None
    s = np.asarray(sample, dtype=float)
    return float(100.0 * ((s < value).mean() + 0.5 * (s == value).mean()))


def change_to_annual_rate(change: float | None, horizon: float, log_scale: bool) -> float | None:
    """Annual rate implied by a total change: CAGR on log scale, pp/yr otherwise."""
    if change is None or not horizon:
        return None
    return math.expm1(change / horizon) if log_scale else change / horizon


def _isnan(x) -> bool:
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return True
