"""analysis.resolve: the one layer that turns what a user types into codes and official names."""
from __future__ import annotations

import logging
import math

import pandas as pd
import pytest

from analysis.resolve import (ResolveError, Region, check_as_of, finite, resolve_indicator, resolve_level,
                              resolve_region, resolve_target, year)


def _panel(region: str, level: str, parent: str) -> pd.DataFrame:
    return pd.DataFrame([{"region": region, "level": level, "parent": parent, "indicator": "hte_count",
                          "year": 2020, "value": 10.0}])


@pytest.mark.parametrize("typed, code", [
    ("hte_count", "hte_count"), ("高新技术企业数量", "hte_count"), ("高企", "hte_count"),
    ("国家高新技术企业", "hte_count"), (" hte_count ", "hte_count"), ("HTE_COUNT", "hte_count"),
])
def test_indicator_spellings_resolve_to_one_code(typed, code):
    assert resolve_indicator(typed) == code


def test_english_name_resolves_case_insensitively():
    from analysis.data.catalogue import load_indicators

    row = load_indicators().loc["rd_intensity"]
    assert resolve_indicator(row["name_en"].upper()) == "rd_intensity"
    assert resolve_indicator(row["name_zh"]) == "rd_intensity"


def test_unknown_indicator_names_close_matches():
    with pytest.raises(ResolveError) as err:
        resolve_indicator("hte_cnt")
    assert err.value.param == "indicator" and "hte_count" in str(err.value)
    with pytest.raises(ResolveError, match="empty"):
        resolve_indicator("  ")


def test_region_short_name_level_and_parent_from_regions_csv():
    assert resolve_region("汕尾") == Region("汕尾市", "city", "广东省", True)
    assert resolve_region("广东省") == Region("广东省", "province", "全国", True)


def test_region_known_only_to_the_data_takes_level_and_parent_from_it():
    panel = _panel("测试市", "city", "湖北省")
    assert resolve_region("测试市", panel=panel) == Region("测试市", "city", "湖北省", True)
    assert resolve_region("测试", panel=panel).name == "测试市"  # suffix 市 found in the data


def test_unknown_region_needs_level_and_parent():
    empty = _panel("别处市", "city", "湖北省")
    with pytest.raises(ResolveError) as err:
        resolve_region("汕尾县", panel=empty)
    assert "汕尾市" in str(err.value) and "level and parent" in str(err.value)
    with pytest.raises(ResolveError):
        resolve_region("新城市", level="city", panel=empty)  # parent missing
    assert resolve_region("新城市", level="City", parent="广东", panel=empty) == Region("新城市", "city", "广东省", False)


def test_stated_level_or_parent_that_contradicts_the_tables_is_refused():
    with pytest.raises(ResolveError) as err:
        resolve_region("汕尾", level="province")
    assert err.value.param == "level" and "city" in err.value.reason
    with pytest.raises(ResolveError) as err:
        resolve_region("汕尾", parent="浙江")
    assert err.value.param == "parent" and "广东省" in err.value.reason


@pytest.mark.parametrize("bad", ["../../etc", "a/b", "a\\b", "..", "汕尾\x00", "汕\n尾"])
def test_names_with_path_characters_are_refused(bad):
    with pytest.raises(ResolveError, match="path characters"):
        resolve_region(bad)


def test_levels():
    assert resolve_level(" Province ") == "province" and resolve_level(None) is None and resolve_level("") is None
    with pytest.raises(ResolveError, match="one of"):
        resolve_level("town")


@pytest.mark.parametrize("bad", ["inf", "-inf", "nan", float("inf"), "49家", True])
def test_finite_refuses_infinities_nan_text_and_bools(bad):
    with pytest.raises(ResolveError) as err:
        finite(bad, "baseline_value")
    assert err.value.param == "baseline_value"


def test_finite_passes_numbers_and_missing_cells():
    assert finite("49", "x") == 49.0 and finite(None, "x") is None and finite(math.nan, "x") is None
    with pytest.raises(ResolveError, match="required"):
        finite(None, "x", allow_none=False)


def test_years():
    assert year(2021.0, "y") == 2021
    for bad in (2021.5, 1800, 3000, "20x1"):
        with pytest.raises(ResolveError):
            year(bad, "y")


def test_as_of_before_data_is_an_error_after_it_a_warning(caplog):
    assert check_as_of(2019, (2012, 2025)) == 2019
    with pytest.raises(ResolveError, match="first year 2012"):
        check_as_of(2000, (2012, 2025))
    with caplog.at_level(logging.WARNING, logger="analysis"):
        assert check_as_of(2099, (2012, 2025)) == 2099
    assert "beyond the data's last year 2025" in caplog.text


def test_resolve_target_fills_names_and_checks_values():
    t = resolve_target({"region": "汕尾", "indicator": "高企", "baseline_year": "2021", "baseline_value": "49",
                        "target_year": 2022, "target_value": 100})
    assert (t["region"], t["level"], t["parent"], t["indicator"]) == ("汕尾市", "city", "广东省", "hte_count")
    assert (t["baseline_year"], t["baseline_value"]) == (2021, 49.0)


@pytest.mark.parametrize("change, param", [
    ({"target_value": 0}, "target_value"),
    ({"target_value": -5}, "target_value"),
    ({"baseline_value": -1}, "baseline_value"),
    ({"target_value": float("inf")}, "target_value"),
    ({"target_year": 2021}, "target_year"),
    ({"indicator": "rd_intensity", "target_value": 120}, "target_value"),
])
def test_resolve_target_refuses_values_the_indicator_cannot_take(change, param):
    t = {"region": "汕尾", "indicator": "hte_count", "baseline_year": 2021, "baseline_value": 49,
         "target_year": 2022, "target_value": 100, **change}
    with pytest.raises(ResolveError) as err:
        resolve_target(t)
    assert err.value.param == param


def test_every_registry_row_resolves_to_itself():
    from analysis.data.loaders import load_panel, load_targets

    panel = load_panel()
    for row in load_targets().to_dict(orient="records"):
        t = resolve_target(row, panel=panel)
        assert [str(t[k]) for k in ("region", "level", "parent", "indicator")] == \
               [str(row[k]) for k in ("region", "level", "parent", "indicator")], row["target_id"]
