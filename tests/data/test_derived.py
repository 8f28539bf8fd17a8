"""The derived 高企 stock (three-year sum of certifications) against reported stocks, and its rules."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data.derived import HTE_STOCK_NOTE, derived_hte_stock, with_derived
from analysis.data.loaders import load_panel


def _cert(region: str, years: dict[int, float]) -> pd.DataFrame:
    return pd.DataFrame({"region": region, "level": "province", "parent": "全国", "indicator": "hte_certified",
                         "year": list(years), "value": list(years.values()), "reliability": "official",
                         "source": "synthetic", "quote": "synthetic"})


def test_three_year_sum_only_where_three_years_exist_and_nothing_is_reported():
    cert = _cert("甲省", {2018: 10.0, 2019: 20.0, 2020: 30.0, 2021: 40.0})
    reported = pd.DataFrame({"region": ["甲省"], "level": ["province"], "parent": ["全国"],
                             "indicator": ["hte_count"], "year": [2021], "value": [95.0]})
    out = derived_hte_stock(pd.concat([cert, reported], ignore_index=True))
    assert out["year"].tolist() == [2020]          # 2018/2019 lack two earlier years; 2021 is reported
    assert out["value"].tolist() == [60.0]
    assert out["derived"].all() and (out["note"] == HTE_STOCK_NOTE).all()
    assert out["qualifier"].eq("approx").all()
    merged = with_derived(pd.concat([cert, reported], ignore_index=True))
    assert merged.loc[(merged["indicator"] == "hte_count") & (merged["year"] == 2021), "value"].tolist() == [95.0]


def test_derived_stock_agrees_with_reported_stocks_on_the_bundled_panel():
    """Where a province reports its stock and three years of certifications exist, the derived stock is
    within a few per cent of it (certificates last three years; firms that lapse or move explain the rest).
    On the bundled data: 27 province-years, median ratio 1.02, half of them within 1.01–1.07."""
    panel = load_panel()
    derived = derived_hte_stock(panel[panel["indicator"] != "hte_count"])
    reported = panel[panel["indicator"] == "hte_count"][["region", "year", "value"]]
    both = derived[["region", "year", "value"]].merge(reported, on=["region", "year"], suffixes=("_d", "_r"))
    assert len(both) >= 20
    ratio = both["value_d"] / both["value_r"]
    assert 0.97 <= float(np.median(ratio)) <= 1.08
    assert float(((ratio > 0.9) & (ratio < 1.15)).mean()) >= 0.8
