"""From a tidy panel to model-scale levels and changes (irregular spacing allowed).

Scale: counts and amounts on y = log(value); shares and rates on y = value (percentage points).
A change over Δt years between two consecutive observations of a region is kept as one row with
its Δt: models treat it as Δt years of drift and variance. Nothing is interpolated.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

FIT_QUALIFIERS = ("exact", "approx")


def to_y(values, log_scale: bool):
    """Model scale: log for counts/amounts (non-positive values → NaN), identity for shares/rates."""
    v = np.asarray(values, dtype=float)
    if not log_scale:
        return v
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v > 0, np.log(np.where(v > 0, v, 1.0)), np.nan)


def model_scale(value: float, log_scale: bool) -> float:
    """One value on the model scale: ``float(to_y([value], log_scale)[0])`` without its masks.

    The log is taken of a one-element array, as ``to_y`` takes it (the same ufunc loop, so the
    same bits: numpy's SIMD log of an array and its log of a scalar may differ in the last place).

    >>> model_scale(math.e, True), model_scale(-1.0, True), model_scale(2.5, False)
    (1.0, nan, 2.5)
    """
    if not log_scale:
        return float(value)
    if not value > 0:  # non-positive or NaN: NaN, as to_y
        return math.nan
    return float(np.log(np.array([value], dtype=float))[0])


def from_y(y, log_scale: bool):
    """Back from model scale to values."""
    y = np.asarray(y, dtype=float)
    return np.exp(y) if log_scale else y


def fit_rows(panel: pd.DataFrame, log_scale: bool) -> pd.DataFrame:
    """Rows usable for fitting: exact or approximate values (bounds are left out), positive on log scale."""
    rows = panel[panel["qualifier"].isin(FIT_QUALIFIERS)].copy()
    rows["y"] = to_y(rows["value"].to_numpy(), log_scale)
    return rows[np.isfinite(rows["y"])]


def consecutive_changes(levels: pd.DataFrame, max_gap: int = 5) -> pd.DataFrame:
    """Changes between consecutive observed years of each region.

    Input columns: region, year, y (plus level, parent if present). Output: region, level, parent,
    start_year, end_year, dt, y0 (start level), dy (total change over dt years).
    Gaps longer than ``max_gap`` years are not used (too little information about timing).
    """
    cols = ["region", "level", "parent", "start_year", "end_year", "dt", "y0", "dy"]
    if levels.empty:
        return pd.DataFrame(columns=cols)
    d = levels.sort_values(["region", "year"])
    same = d["region"].to_numpy()[1:] == d["region"].to_numpy()[:-1]
    y = d["y"].to_numpy()
    yr = d["year"].to_numpy()
    out = pd.DataFrame({
        "region": d["region"].to_numpy()[1:][same],
        "level": d["level"].to_numpy()[1:][same] if "level" in d else "",
        "parent": d["parent"].to_numpy()[1:][same] if "parent" in d else "",
        "start_year": yr[:-1][same],
        "end_year": yr[1:][same],
        "y0": y[:-1][same],
        "dy": (y[1:] - y[:-1])[same],
    })
    out["dt"] = out["end_year"] - out["start_year"]
    out = out[(out["dt"] >= 1) & (out["dt"] <= max_gap)]
    return out[cols].reset_index(drop=True)


def h_windows(levels: pd.DataFrame, h: int) -> pd.DataFrame:
    """All windows of exactly ``h`` years within each region (start and end observed).

    Output: region, level, parent, start_year, end_year, y0, change.
    """
    cols = ["region", "level", "parent", "start_year", "end_year", "y0", "change"]
    if levels.empty:
        return pd.DataFrame(columns=cols)
    left = levels[["region", "level", "parent", "year", "y"]].rename(columns={"year": "start_year", "y": "y0"})
    right = levels[["region", "year", "y"]].rename(columns={"year": "end_year", "y": "y1"})
    left = left.assign(end_year=left["start_year"] + h)
    w = left.merge(right, on=["region", "end_year"], how="inner")
    w["change"] = w["y1"] - w["y0"]
    return w[cols].reset_index(drop=True)
