"""The cross-region panel notebook reads the series once; its panel equals ``load_panel``'s."""
from __future__ import annotations

import pandas as pd

from analysis.data.coverage import level_year_grid
from analysis.data.loaders import load_panel, load_series
from analysis.reports.tables import level_grid_html
from analysis.reports.views import indicator_panel


def test_indicator_panel_equals_load_panel():
    series = load_series()
    for indicator, level in (("hte_count", "city"), ("rd_intensity", None)):
        pd.testing.assert_frame_equal(indicator_panel(series, indicator, level),
                                      load_panel(indicator=indicator, level=level))


def test_level_grid_table_in_both_languages():
    s = pd.DataFrame({"indicator": "x", "level": ["city", "city", "province"], "region": ["A", "B", "P"],
                      "parent": "P", "year": [2020, 2022, 2022]})
    grid = level_year_grid(series=s)
    zh, en = level_grid_html(grid, "zh"), level_grid_html(grid, "en")
    assert "<td>城市</td><td>1</td><td>·</td><td>1</td><td>2</td><td>2</td>" in zh  # 2021: no region, a dot
    assert "<td>province</td><td>·</td><td>·</td><td>1</td><td>1</td><td>1</td>" in en
    assert "region-years with a value" in en and "有数值的地区-年份数" in zh
    assert "no data available" in level_grid_html(pd.DataFrame(), "en")
