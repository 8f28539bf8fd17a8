"""Shared fixtures: synthetic panels generated in the test (never shipped as real data)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

# the on-disk fit cache stays off in tests (a test that swaps a model must not meet a stored fit);
# tests of the cache switch it on with their own folder
os.environ.setdefault("ANALYSIS_CACHE", "0")

def _shared_data() -> Path:
    """../shared/data beside the repository (or $ANALYSIS_SHARED_DATA, or the workspace copy)."""
    candidates = [os.environ.get("ANALYSIS_SHARED_DATA"), Path(__file__).resolve().parents[2] / "shared" / "data",
                  "/work/shared/data"]
    for c in candidates:
        if c and (Path(c) / "province_panel.csv").exists():
            return Path(c)
    return Path(candidates[1])


SHARED_DATA = _shared_data()
PROVINCE_PANEL = SHARED_DATA / "province_panel.csv"


def make_panel(rng: np.random.Generator, n_regions: int = 25, years=range(2010, 2022), mu: float = 0.1,
               sigma: float = 0.08, indicator: str = "hte_count", level: str = "city", parent: str = "P") -> pd.DataFrame:
    """A synthetic log-normal random-walk panel in the loaders' output format."""
    rows = []
    for i in range(n_regions):
        y = np.log(rng.uniform(100, 3000))
        for k, yr in enumerate(years):
            if k:
                y += mu + sigma * rng.standard_normal()
            rows.append({"region": f"R{i:02d}", "level": level, "parent": parent, "indicator": indicator,
                         "year": yr, "value": float(np.exp(y)), "unit": "家", "qualifier": "exact",
                         "derived": False, "source": "synthetic", "quote": "synthetic", "reliability": "official",
                         "note": ""})
    return pd.DataFrame(rows)


@pytest.fixture
def synthetic_panel() -> pd.DataFrame:
    return make_panel(np.random.default_rng(42))


@pytest.fixture
def province_panel_dir() -> Path:
    if not PROVINCE_PANEL.exists():
        pytest.skip(f"province_panel.csv not found at {PROVINCE_PANEL} (read through the extra data path; never copied)")
    return SHARED_DATA
