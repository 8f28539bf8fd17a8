"""Loaders: units canonicalised, region names normalised, pick rule, extra data path."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.loaders import load_series, pick_observations
from analysis.data.regions import normalise_region
from analysis.data.units import UnknownUnitError, to_canonical


def test_units():
    assert to_canonical(550, "万元") == pytest.approx((0.055, "亿元"))
    assert to_canonical(5.13, "亿元") == (5.13, "亿元")
    assert to_canonical(49, "家") == (49, "家")
    assert to_canonical(970, "万美元") == (970, "万美元")
    with pytest.raises(UnknownUnitError, match="unknown unit"):
        to_canonical(1, "头")


def test_region_names():
    assert normalise_region("广东") == "广东省"
    assert normalise_region("汕尾") == "汕尾市"
    assert normalise_region("内蒙古") == "内蒙古自治区"
    assert normalise_region("汕尾市") == "汕尾市"
    assert normalise_region("未知县") == "未知县"


def test_pick_rule_prefers_official_exact_reported():
    base = {"region": "A市", "level": "city", "parent": "P", "indicator": "hte_count", "year": 2020, "unit": "家",
            "source": "s", "quote": "q", "note": "n"}
    s = pd.DataFrame([
        {**base, "value": 110.0, "qualifier": "at_least", "reliability": "official", "derived": False},
        {**base, "value": 100.0, "qualifier": "exact", "reliability": "press", "derived": False},
        {**base, "value": 105.0, "qualifier": "exact", "reliability": "official", "derived": False},
        {**base, "value": 104.0, "qualifier": "exact", "reliability": "official", "derived": True},
    ])
    picked = pick_observations(s)
    assert len(picked) == 1
    row = picked.iloc[0]
    assert row["value"] == 105.0 and row["n_sources"] == 4 and bool(row["conflict"])


def test_bundled_series_load_with_raw_and_canonical_units():
    s = load_series()
    assert {"value_raw", "unit_raw", "value", "unit", "source", "quote"} <= set(s.columns)
    assert (s["source"].str.len() > 0).all()
    wan = s[s["unit_raw"] == "万元"]
    assert (wan["unit"] == "亿元").all()
    # ×1e-4 then ×1e4 is exact up to a few ulps (provincial tables reach 7e7 万元): relative 1e-12
    assert np.allclose(wan["value"] * 1e4, wan["value_raw"], rtol=1e-12, atol=0)


def test_extra_data_path_adds_the_provincial_panel(province_panel_dir, monkeypatch):
    before = load_series()
    monkeypatch.setenv("ANALYSIS_DATA_PATH", str(province_panel_dir))
    after = load_series()
    assert len(after) > len(before) + 3000
    assert after["region"].isin(["广东省"]).any()
    # the national row is its own level, never a peer province
    assert set(after.loc[after["region"] == "全国", "level"]) == {"country"}


def test_missing_extra_folder_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("ANALYSIS_DATA_PATH", str(tmp_path / "nope"))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_series()
