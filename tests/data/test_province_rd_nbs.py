"""Tests for data/series/province_rd_nbs.csv (NBS 全国科技经费投入统计公报, provincial R&D tables)."""
from __future__ import annotations

import csv
import importlib.util
import re
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERIES = ROOT / "data" / "series" / "province_rd_nbs.csv"
RAW = ROOT / "data" / "raw" / "nbs-rd-bulletin"
SCRIPTS = ROOT / "data" / "scripts"
PANEL = Path(__file__).resolve().parents[3] / "shared" / "data" / "province_panel.csv"  # beside the repository
COLUMNS = ["region", "level", "parent", "indicator", "year", "value", "unit", "qualifier",
           "source", "quote", "reliability", "derived", "note"]


def _load_script(name: str) -> ModuleType:
    """Import a script from data/scripts (registered in sys.modules, as dataclasses need)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with open(SERIES, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def primary(rows) -> list[dict[str, str]]:
    """First-published rows (not the ``revised:`` ones)."""
    return [r for r in rows if not r["note"].startswith("revised:")]


def _text_of(row: dict[str, str]) -> str:
    year = re.search(r"data/raw/nbs-rd-bulletin/(\d{4})\.txt", row["note"]).group(1)
    return (RAW / f"{year}.txt").read_text(encoding="utf-8")


def _value(rows, region, indicator, year, revised=False) -> float:
    hits = [float(r["value"]) for r in rows if r["region"] == region and r["indicator"] == indicator
            and r["year"] == str(year) and r["note"].startswith("revised:") == revised]
    assert len(hits) == 1, (region, indicator, year, revised, hits)
    return hits[0]


def test_header_and_fixed_columns(rows):
    with open(SERIES, encoding="utf-8") as fh:
        assert fh.readline().strip().split(",") == COLUMNS
    assert {r["indicator"] for r in rows} == {"rd_intensity", "rd_expenditure"}
    for r in rows:
        assert r["unit"] == ("%" if r["indicator"] == "rd_intensity" else "亿元")
        assert (r["qualifier"], r["reliability"], r["derived"]) == ("exact", "official", "false")
        if r["region"] == "全国":
            assert (r["level"], r["parent"]) == ("country", "")
        else:
            assert (r["level"], r["parent"]) == ("province", "全国")


def test_every_row_has_source_and_quote_with_its_number(rows):
    for r in rows:
        assert r["source"].strip() and r["quote"].strip()
        assert r["source"].startswith(("http://www.stats.gov.cn/", "https://www.stats.gov.cn/",
                                       "github.com/huhuaping/techme@"))
        numbers = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", r["quote"])]
        assert float(r["value"]) in numbers, (r["value"], r["quote"])


def test_quotes_are_verbatim_in_saved_texts(rows):
    for r in rows:
        assert _squash(r["quote"]) in _squash(_text_of(r)), r["quote"]


def test_32_regions_per_year(primary):
    full_names = set()
    with open(ROOT / "data" / "regions.csv", encoding="utf-8") as fh:
        for reg in csv.DictReader(fh):
            if reg["level"] == "province" or reg["name"] == "全国":
                full_names.add(reg["name"])
    assert len(full_names) == 32
    by_key = defaultdict(set)
    for r in primary:
        by_key[(r["year"], r["indicator"])].add(r["region"])
    years = sorted({int(y) for y, _ in by_key})
    assert years == list(range(2018, 2025))
    for key, regions in by_key.items():
        assert regions == full_names, key
    assert len(primary) == len(years) * 32 * 2  # one row per key


def test_national_intensity_matches_bulletin_text(rows):
    expected_first = {2018: 2.19, 2019: 2.23, 2020: 2.40, 2021: 2.44, 2022: 2.54, 2023: 2.65, 2024: 2.69}
    for year, value in expected_first.items():
        text = (RAW / f"{year}.txt").read_text(encoding="utf-8")
        assert f"经费投入强度（与国内生产总值[2]之比）为{value:.2f}%" in text
        assert _value(rows, "全国", "rd_intensity", year) == value
    # revised national figures stated in the next bulletin's footnote / table
    expected_revised = {2019: (2020, "2.24"), 2020: (2021, "2.41"), 2021: (2022, "2.43"),
                        2022: (2023, "2.56"), 2023: (2024, "2.58")}
    for year, (bulletin, value) in expected_revised.items():
        text = (RAW / f"{bulletin}.txt").read_text(encoding="utf-8")
        assert f"{year}年研究与试验发展（R&D）经费投入强度已修订为{value}%" in text
        assert _value(rows, "全国", "rd_intensity", year, revised=True) == float(value)


def test_known_table_values(rows):
    assert _value(rows, "广东省", "rd_expenditure", 2021) == 4002.2
    assert _value(rows, "广东省", "rd_intensity", 2021) == 3.22
    assert _value(rows, "北京市", "rd_intensity", 2023) == 6.73
    assert _value(rows, "北京市", "rd_intensity", 2023, revised=True) == 6.22
    assert _value(rows, "西藏自治区", "rd_expenditure", 2020) == 4.4
    assert _value(rows, "全国", "rd_expenditure", 2024) == 36326.8


def test_regional_paragraph_agrees_with_table(rows):
    """Values the bulletin text names (广东（4802.6亿元）, 北京（6.73%）) equal the table rows."""
    aliases = _load_script("build_province_rd_nbs").load_aliases()
    names = "|".join(sorted((a for a in aliases if a != aliases[a] and a != "中国"), key=len, reverse=True))
    pattern = re.compile(rf"({names})（(\d+(?:\.\d+)?)(亿元|%)）")
    checked = 0
    for year in range(2018, 2025):
        text = (RAW / f"{year}.txt").read_text(encoding="utf-8")
        para = next(line for line in text.splitlines() if "分地区看" in line)
        for name, num, unit in pattern.findall(para):
            indicator = "rd_expenditure" if unit == "亿元" else "rd_intensity"
            assert _value(rows, aliases[name], indicator, year) == float(num), (year, name)
            checked += 1
    assert checked >= 60


def test_provinces_sum_to_national(primary):
    totals, national = defaultdict(float), {}
    for r in primary:
        if r["indicator"] == "rd_expenditure":
            if r["region"] == "全国":
                national[r["year"]] = float(r["value"])
            else:
                totals[r["year"]] += float(r["value"])
    for year, value in national.items():
        assert abs(totals[year] - value) <= 0.5, year


def test_build_is_reproducible(rows):
    built = _load_script("build_province_rd_nbs").build()
    assert built == rows


def test_series_file_passes_project_schema():
    from analysis.data.loaders import read_series_file

    typed, problems = read_series_file(SERIES)
    assert problems == []
    assert len(typed) > 400


def test_crosscheck_tolerance():
    cc = _load_script("crosscheck_province_panel")
    assert cc.agree(2.23, 2.234, "%")
    assert not cc.agree(2.23, 2.24, "%")
    assert cc.agree(4002.2, 4002.25, "亿元")
    assert cc.agree(30000.0, 30020.0, "亿元")  # within relative 1e-3
    assert not cc.agree(30.0, 30.1, "亿元")  # beyond 0.05 and beyond relative 1e-3


def test_crosscheck_against_shared_panel():
    if not PANEL.exists():
        pytest.skip(f"province_panel.csv not found at {PANEL}")
    cc = _load_script("crosscheck_province_panel")
    res = cc.crosscheck(PANEL, SERIES)
    assert res.matched >= 300
    assert res.share_equal >= 0.95
