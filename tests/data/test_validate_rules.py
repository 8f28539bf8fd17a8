"""Each validation rule, tested with a small broken fixture written by the test."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from analysis.data.catalogue import load_indicators
from analysis.data.schemas import parse_series, parse_targets, read_text_csv

HEADER = "region,level,parent,indicator,year,value,unit,qualifier,source,quote,reliability,derived,note\n"
GOOD = "汕尾市,city,广东省,hte_count,2021,49,家,exact,000_319635f440b73d7f.txt,高新技术企业数量(家) 49,official,false,\n"
T_HEADER = ("target_id,document,region,level,parent,indicator,indicator_zh,target_type,comparator,baseline_year,"
            "baseline_value,target_year,target_quarter,target_value,unit,quote,masked,region_note,note\n")
T_GOOD = "t1,doc.txt,汕尾市,city,广东省,hte_count,高企,level,>=,2021,49,2022,,100,家,达到100家,false,,\n"


def problems_for(tmp_path: Path, body: str, header: str = HEADER, targets: bool = False) -> list[str]:
    f = tmp_path / ("targets.csv" if targets else "series.csv")
    f.write_text(header + body, encoding="utf-8")
    parse = parse_targets if targets else parse_series
    _, found = parse(read_text_csv(f), str(f), load_indicators())
    return [str(p) for p in found]


def test_good_row_has_no_problem(tmp_path):
    assert problems_for(tmp_path, GOOD) == []
    assert problems_for(tmp_path, T_GOOD, T_HEADER, targets=True) == []


@pytest.mark.parametrize("field,bad,expect_col,expect_text", [
    ("source", "", "source", "must not be empty"),
    ("indicator", "hte_cnt", "indicator", "unknown indicator"),
    ("value", "-3", "value", "negative value"),
    ("unit", "头", "unit", "unknown unit"),
    ("value", "四十九", "value", "not a number"),
    ("year", "1800", "year", "year out of range"),
    ("qualifier", "roughly", "qualifier", "qualifier must be one of"),
])
def test_series_rule(tmp_path, field, bad, expect_col, expect_text):
    cols = HEADER.strip().split(",")
    values = GOOD.strip("\n").split(",")
    values[cols.index(field)] = bad
    found = problems_for(tmp_path, ",".join(values) + "\n")
    hits = [p for p in found if f":2:{expect_col}:" in p and expect_text in p]
    assert hits, found
    assert all(p.startswith(str(tmp_path / "series.csv")) for p in found)


def test_duplicate_key_with_different_values_needs_note(tmp_path):
    other = GOOD.replace(",49,", ",51,")
    found = problems_for(tmp_path, GOOD + other)
    assert any(":2:note:" in p and "duplicate key" in p for p in found)
    assert any(":3:note:" in p for p in found)
    with_note = other.rstrip("\n") + "prose says 51; table says 49\n"
    first = GOOD.rstrip("\n").rstrip(",") + ",table value\n"
    assert problems_for(tmp_path, first + with_note) == []


def test_same_value_twice_is_not_a_conflict(tmp_path):
    again = GOOD.replace("000_319635f440b73d7f.txt", "http://example.org")
    assert problems_for(tmp_path, GOOD + again) == []


def test_target_year_must_follow_baseline_year(tmp_path):
    bad = T_GOOD.replace(",2021,49,2022,", ",2022,49,2021,")
    found = problems_for(tmp_path, bad, T_HEADER, targets=True)
    assert any(":2:target_year:" in p and "not after baseline year" in p for p in found)


def test_masked_target_must_not_carry_a_value(tmp_path):
    bad = T_GOOD.replace(",false,", ",true,")
    found = problems_for(tmp_path, bad, T_HEADER, targets=True)
    assert any("masked target must not carry a value" in p for p in found)


def test_cli_validate_fails_on_broken_extra_folder(tmp_path):
    broken = tmp_path / "extra"
    broken.mkdir()
    (broken / "bad.csv").write_text(HEADER + GOOD.replace(",exact,", ",sort of,"), encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "analysis", "data", "validate", "--data-dir", str(broken)],
                         capture_output=True, text=True)
    assert res.returncode == 1
    assert f"{broken / 'bad.csv'}:2:qualifier:" in res.stderr


def test_cli_validate_green_on_bundled_data():
    res = subprocess.run([sys.executable, "-m", "analysis", "data", "validate"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "OK" in res.stdout
