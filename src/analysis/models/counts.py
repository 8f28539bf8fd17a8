"""Small counts and zero baselines ("零的突破", 0 → 3): a negative binomial count model, never log 0.

End count of a peer window ~ NegBin(mean = exp(a + b·log(start + ½)), α), fitted on the reference
class's windows that start from a small count (≤ SMALL_MAX), so a region at 0 or 2 is compared with
regions that also started near zero. P(Y_T ≥ target) = 1 − F(target − 1).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from analysis.models.forecast import N_DRAWS, Forecast

SMALL_MAX = 30
MIN_WINDOWS = 10


def fit_counts(windows_values: pd.DataFrame) -> tuple[np.ndarray, float] | None:
    """Fit NB2 on (start_value, end_value) windows with small starts; returns (params, alpha)."""
    w = windows_values[(windows_values["start_value"] <= SMALL_MAX) & (windows_values["start_value"] >= 0)]
    if len(w) < MIN_WINDOWS:
        return None
    import statsmodels.api as sm

    X = sm.add_constant(np.log(w["start_value"].to_numpy(float) + 0.5), has_constant="add")
    y = np.round(w["end_value"].to_numpy(float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = sm.NegativeBinomial(y, X).fit(disp=False, maxiter=200)
        except Exception:  # noqa: BLE001
            return None
    params = np.asarray(res.params)
    return params[:2], float(max(params[2], 1e-6))


def count_forecast(v0: float, params: np.ndarray, alpha: float, rng: np.random.Generator,
                   n: int = N_DRAWS) -> Forecast:
    """Draws of the end count; ``info['mean']`` is the NB mean at this start value."""
    mean = float(np.exp(params[0] + params[1] * np.log(v0 + 0.5)))
    size = 1.0 / alpha
    p = size / (size + mean)
    draws = stats.nbinom.rvs(size, p, size=n, random_state=rng).astype(float)
    return Forecast("count", draws=draws, info={"mean": mean, "alpha": alpha, "size": size, "p": p})


def p_at_least_count(forecast: Forecast, target: float) -> float:
    """Exact P(Y ≥ target) from the NB parameters."""
    k = int(np.ceil(target))
    return float(stats.nbinom.sf(k - 1, forecast.info["size"], forecast.info["p"]))
