"""Tests for data/series/province_techme.csv (official provincial tables from huhuaping/techme .rda files)."""
from __future__ import annotations

import csv
import hashlib
import importlib.util
import re
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
SERIES = ROOT / "data" / "series" / "province_techme.csv"
RAW = ROOT / "data" / "raw" / "techme"
SCRIPTS = ROOT / "data" / "scripts"
PANEL = Path(__file__).resolve().parents[3] / "shared" / "data" / "province_panel.csv"  # beside the repository
COLUMNS = ["region", "level", "parent", "indicator", "year", "value", "unit", "qualifier",
           "source", "quote", "reliability", "derived", "note"]
SOURCE_REF = re.compile(r"github\.com/huhuaping/techme@([0-9a-f]{40}):data/(\w+\.rda) \(MIT\)$")


def _load_script(name: str) -> ModuleType:
    """Import a script from data/scripts (registered in sys.modules, as dataclasses need)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with open(SERIES, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == COLUMNS
        return list(reader)


@pytest.fixture(scope="module")
def manifest() -> dict[str, dict[str, str]]:
    with open(RAW / "MANIFEST.csv", encoding="utf-8", newline="") as fh:
        return {r["file"]: r for r in csv.DictReader(fh)}


def _cell(rows, region, indicator, year) -> dict[str, str]:
    found = [r for r in rows if (r["region"], r["indicator"], r["year"]) == (region, indicator, str(year))]
    assert len(found) == 1, (region, indicator, year, len(found))
    return found[0]


# ------------------------------------------------------------------ raw files and provenance

def test_raw_files_match_manifest(manifest):
    assert len(manifest) >= 12
    for name, entry in manifest.items():
        data = (RAW / name).read_bytes()
        assert len(data) == int(entry["bytes"]), name
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
        assert entry["licence"] == "MIT" and entry["repository"] == "github.com/huhuaping/techme"


def test_every_row_cites_an_existing_raw_file_and_commit(rows, manifest):
    for r in rows:
        m = SOURCE_REF.search(r["source"])
        assert m, r["source"]
        commit, name = m.groups()
        assert name in manifest and (RAW / name).exists()
        assert commit == manifest[name]["commit"]
        assert "data year " + r["year"] in r["source"]
        assert r["quote"].strip() and r["reliability"] == "official" and r["qualifier"] == "exact"


def test_quotes_name_year_and_value(rows):
    """A reported row's quote is the cell: region as written, year, column, value, unit."""
    for r in rows:
        if r["derived"] == "true":
            continue
        assert f" {r['year']} " in r["quote"]
        assert re.search(rf" {re.escape(r['value'])}( |$)", r["quote"]), r["quote"]


def test_nation_is_a_country_row_never_a_province(rows):
    nation = [r for r in rows if r["region"] == "全国"]
    assert nation and all(r["level"] == "country" and r["parent"] == "" for r in nation)
    assert all(r["parent"] == "全国" for r in rows if r["level"] == "province")


def test_ocr_garbled_names_are_corrected_and_say_so(rows):
    fixed = [r for r in rows if "OCR error" in r["note"]]
    # 7 garbled names: 江两 and 两藏/山两 in tables giving 2 indicators each (all + invention),
    # 四藏/江四/浙汀 (valid invention patents) and 内蒙占 (R&D FTE) in tables giving 1: 2 + 4 + 3 + 1
    assert len(fixed) == 10
    jiangxi = _cell(rows, "江西省", "patent_applications", 2014)
    assert jiangxi["quote"].startswith("江两 2014 合计") and "read as 江西" in jiangxi["note"]
    assert not any("部地区" in r["quote"] for r in rows)  # regional aggregates left out


# ------------------------------------------------------------------ values

@pytest.mark.parametrize("region, indicator, year, value, unit", [
    # published figures a reader can check: 2023 bulletin (北京 2947.1亿元), national technology
    # market 2023 (61475.66亿元, MarketPush 614756578万元), 北京 2023 技术合同成交额 8536.9亿元
    ("北京市", "rd_expenditure", 2023, "2947.1", "亿元"),
    ("全国", "rd_expenditure", 2023, "33357.1", "亿元"),
    ("全国", "tech_contract_value", 2023, "614756578", "万元"),
    ("北京市", "tech_contract_value", 2023, "85369394", "万元"),
    ("北京市", "tech_contract_value_absorbed", 2023, "50247266", "万元"),
    ("全国", "patent_applications", 2023, "5383449", "件"),
    ("全国", "valid_invention_patents", 2023, "4088695", "件"),
    ("全国", "rd_personnel_fte", 2023, "7240582", "人年"),
    ("北京市", "hte_certified", 2024, "10226", "家"),
])
def test_spot_values(rows, region, indicator, year, value, unit):
    r = _cell(rows, region, indicator, year)
    assert (r["value"], r["unit"]) == (value, unit)


def test_spot_values_against_the_raw_rda(rows):
    rdata = pytest.importorskip("rdata")
    checks = [("RDSource", "v4_zh_nbzc_zfzj", "广东", "2020", "广东省", "rd_expenditure_government"),
              ("RDActivity", "v4_zh_nbzc_jcyj", "江苏", "2015", "江苏省", "basic_research_expenditure"),
              ("PublicBudget", "v6_cz_yszc_kxjs", "浙江", "2012", "浙江省", "fiscal_st_spending"),
              ("RDPatentAuthority", "v4_cg_zlsq2_fm", "四川", "2019", "四川省", "invention_patent_grants"),
              ("IndustryRD", "v4_cy_RDhd_nbzc", "陕西", "2021", "陕西省", "hightech_industry_rd_expenditure")]
    for table, var, short, year, region, indicator in checks:
        frame = rdata.read_rda(str(RAW / f"{table}.rda"))[table]
        names = frame["province"].str.replace(r"\s+", "", regex=True)
        cell = frame[(frame["variables"] == var) & (names == short) & (frame["year"] == year)]
        assert len(cell) == 1
        assert float(_cell(rows, region, indicator, year)["value"]) == pytest.approx(float(cell["value"].iloc[0]))


def test_fiscal_share_is_derived_from_its_two_cells(rows):
    r = _cell(rows, "浙江省", "fiscal_st_spending_share", 2012)
    spend = float(_cell(rows, "浙江省", "fiscal_st_spending", 2012)["value"])
    total = float(re.search(r"合计 ([\d.]+) 亿元", r["quote"]).group(1))
    assert r["derived"] == "true" and r["unit"] == "%"
    assert float(r["value"]) == pytest.approx(100 * spend / total, abs=0.005)  # rounded to 0.01


# ------------------------------------------------------------------ coverage goal

def test_goal_twelve_indicators_31_provinces_ten_years(rows):
    years = defaultdict(lambda: defaultdict(set))
    for r in rows:
        if r["level"] == "province":
            years[r["indicator"]][r["region"]].add(int(r["year"]))
    full = [ind for ind, by_region in years.items()
            if len(by_region) == 31 and all(len(y) >= 10 for y in by_region.values())]
    assert len(full) >= 12, full
    assert len(years) >= 15


def test_no_key_twice(rows):
    keys = [(r["region"], r["indicator"], r["year"]) for r in rows]
    assert len(keys) == len(set(keys))


# ------------------------------------------------------------------ rebuild and build errors

def test_rebuild_is_byte_identical():
    pytest.importorskip("rdata")
    build = _load_script("build_province_techme")
    assert build.render_csv(build.build_rows()).encode("utf-8") == SERIES.read_bytes()


def test_unknown_region_is_a_clear_build_error():
    build = _load_script("build_province_techme")
    alias, _ = build.load_regions()
    frame = pd.DataFrame({"province": ["火星"], "year": ["2020"], "chn_block4": ["合计"], "value": [1.0],
                          "units": ["件"], "variables": ["v4_cg_zlsq_hj"]}, index=[7])
    spec = next(s for s in build.SPECS if s.indicator == "patent_applications")
    with pytest.raises(build.BuildError, match=r"RDPatentAccept\.rda row 7: column province: unknown region '火星'"):
        build.table_cells(spec, frame, alias)


def test_wrong_unit_is_a_clear_build_error():
    build = _load_script("build_province_techme")
    alias, _ = build.load_regions()
    frame = pd.DataFrame({"province": ["北京"], "year": ["2020"], "chn_block4": ["合计"], "value": [1.0],
                          "units": ["万元"], "variables": ["v4_cg_zlsq_hj"]}, index=[3])
    spec = next(s for s in build.SPECS if s.indicator == "patent_applications")
    with pytest.raises(build.BuildError, match=r"row 3: column units: '万元', expected '件'"):
        build.table_cells(spec, frame, alias)


def test_number_format_round_trips():
    build = _load_script("build_province_techme")
    assert build.fmt_number(10226.0) == "10226"
    assert build.fmt_number(202.0323) == "202.0323"
    assert float(build.fmt_number(0.1 + 0.2)) == pytest.approx(0.3, abs=1e-15)


# ------------------------------------------------------------------ overlap with the NBS bulletin file

@pytest.fixture(scope="module")
def series() -> pd.DataFrame:
    from analysis.data.loaders import load_series

    return load_series()


def test_pick_rule_prefers_the_bulletin_file_deterministically(series):
    from analysis.data.loaders import pick_observations

    both = series[(series["indicator"] == "rd_intensity") & (series["year"] == 2019)
                  & series["region"].isin(["北京市", "全国"])]
    picked = pick_observations(both).set_index("region")
    assert (picked["file"] == "province_rd_nbs.csv").all()
    assert picked.loc["北京市", "n_sources"] == 2 and not picked.loc["北京市", "conflict"]
    assert picked.loc["全国", "n_sources"] >= 2
    nation17 = pick_observations(series[(series["region"] == "全国") & (series["indicator"] == "rd_intensity")
                                        & (series["year"] == 2017)]).iloc[0]
    # techme keeps the first-published 2.13; the bulletin file only has the revised 2.15: kept, flagged
    assert nation17["value"] == pytest.approx(2.15) and nation17["conflict"] and nation17["n_sources"] == 2


def test_overlap_notes_agree_with_the_bulletin_file(rows):
    overlap = [r for r in rows if "province_rd_nbs.csv" in r["note"]]
    assert len(overlap) == 385
    differ = [r for r in overlap if r["note"].startswith("differs")]
    assert [(r["region"], r["indicator"], r["year"]) for r in differ] == [("全国", "rd_intensity", "2017")]


def test_crosscheck_against_shared_panel():
    if not PANEL.exists():
        pytest.skip(f"province_panel.csv not found at {PANEL}")
    cc = _load_script("crosscheck_province_panel")
    res = cc.crosscheck(PANEL, SERIES)
    assert res.matched >= 3700 and res.share_equal == 1.0
    assert res.by_indicator["patent_grants"][:2] == [448, 448]


# ------------------------------------------------------------------ coverage (levels × years)

def test_level_year_grid_counts_regions_per_level_and_year():
    from analysis.data.coverage import format_level_grid, level_year_grid

    s = pd.DataFrame({
        "indicator": ["x", "x", "x", "x", "x", "y"],
        "level": ["city", "city", "city", "province", "country", "city"],
        "region": ["A", "A", "B", "P", "全国", "A"], "parent": ["P", "P", "P", "全国", "", "P"],
        "year": [2020, 2020, 2022, 2021, 2021, 2020], "value": 1.0,
    })
    g = level_year_grid(series=s)
    assert list(g.index) == [("x", "country"), ("x", "province"), ("x", "city"), ("y", "city")]
    assert g.loc[("x", "city"), [2020, 2021, 2022]].tolist() == [1, 0, 1]  # A counted once in 2020
    assert g.loc[("x", "city"), "regions"] == 2 and g.loc[("x", "city"), "region_years"] == 2
    text = format_level_grid(g)
    assert "x: 4 region-years, 2020–2022" in text and "y: 1 region-years, 2020–2020" in text
    assert level_year_grid(series=s, level="province").index.tolist() == [("x", "province")]


def test_level_year_grid_on_bundled_data(series):
    from analysis.data.coverage import level_year_grid

    g = level_year_grid(series=series)
    assert g.loc[("patent_grants", "province"), list(range(2010, 2024))].tolist() == [31] * 14
    assert g.loc[("patent_grants", "country"), "region_years"] == 14
    assert g.loc[("rd_intensity", "province"), 2024] == 31  # 2024 from the bulletin file only
    assert g.loc[("hte_certified", "province"), 2018] == 31


def test_coverage_cli_summary_and_unknown_indicator(capsys):
    from analysis.cli import main

    assert main(["data", "coverage", "--level", "province"]) == 0
    out = capsys.readouterr().out
    assert "basic_research_expenditure: 434 region-years, 2010–2023" in out
    assert re.search(r"^province\s+31\s+31", out, re.M)
    assert main(["data", "coverage", "--indicator", "patent_grantz"]) == 2
    assert "close matches: patent_grants" in capsys.readouterr().err


def test_yearbook_rd_total_agrees_with_bulletin_table():
    """Why 2010 R&D expenditure may come from RDActivity: its 合计 equals RDIntense in every shared cell."""
    rdata = pytest.importorskip("rdata")
    frames = []
    for table, var in (("RDActivity", "v4_zh_nbzc_hj"), ("RDIntense", "v4_ztr_jf_RD")):
        f = rdata.read_rda(str(RAW / f"{table}.rda"))[table]
        f = f[f["variables"] == var]
        frames.append(pd.DataFrame({"p": f["province"].str.replace(r"\s+", "", regex=True), "year": f["year"],
                                    table: f["value"].astype(float)}))
    both = frames[0].merge(frames[1], on=["p", "year"])
    assert len(both) == 32 * 13
    assert ((both["RDActivity"] / 1e4 - both["RDIntense"]).abs() <= 0.05 + 1e-9).all()  # 万元 vs 0.1亿元 rounding
