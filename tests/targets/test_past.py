"""Past values read from documents (``analysis extract --past``): rules on sentences written for the
test, the two gold sets, and the output used at once with ``--data-dir``."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.data.catalogue import load_indicators, variant_of
from analysis.targets.past import PAST_COLUMNS, extract_past_file, extract_past_text
from analysis.targets.past_evaluate import evaluate_past, format_past_evaluation

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "raw" / "000_319635f440b73d7f.txt"
GOLD1 = ROOT / "data" / "series" / "seed_documents.csv"
GOLD2_DIR = ROOT / "tests" / "fixtures" / "past_gold"
#: documents whose text gives no year: the year comes from the README (as a user gives --year)
GOLD2_YEARS = {"shanghai_2024_report_traditional.txt": 2024}


def rows(text: str, **kw) -> list[tuple]:
    """(indicator, year, value, qualifier, derived) of every validating row."""
    frame = extract_past_text(text, "t.txt", region=kw.pop("region", "临江市"), level="city", parent="广东省", **kw)
    return [(r.indicator, int(r.year), round(float(r.value), 4), r.qualifier, bool(r.derived)) for r in frame.itertuples()]


# --------------------------------------------------------------------------- rules
def test_level_growth_and_derived_prior_year():
    out = rows("2021年,全市高新技术企业达到51家,同比增长11.36%。")
    assert ("hte_count", 2021, 51.0, "exact", False) in out
    assert ("hte_count_growth", 2021, 11.36, "exact", False) in out
    # 51 / 1.1136 = 45.797…, four significant digits, approx because the rate is rounded
    assert ("hte_count", 2020, 45.8, "approx", True) in out


def test_targets_are_not_past_values():
    text = "2023年全市高新技术企业达到500家。力争2024年全市高新技术企业达到600家以上,技术合同成交额突破10亿元。到2025年,研发投入强度达到3%。"
    out = rows(text)
    assert [r[:3] for r in out] == [("hte_count", 2023, 500.0)]


def test_last_year_resolved_from_the_document_year():
    out = rows("去年,全市技术合同成交额12.5亿元。", year=2023)
    assert out == [("tech_contract_value", 2022, 12.5, "exact", False)]
    frame = extract_past_text("去年,全市技术合同成交额12.5亿元。", "t.txt", region="临江市", year=2023)
    assert "去年" in frame.loc[0, "note"] and "2022" in frame.loc[0, "note"]


def test_comparison_base_is_not_the_year_of_the_value():
    out = rows("2021年,全市研发投入强度达到2.4%,较2020年提高0.3个百分点。")
    assert ("rd_intensity", 2021, 2.4, "exact", False) in out
    assert ("rd_intensity", 2020, 2.1, "approx", True) in out  # 2.4 − 0.3 points


def test_partial_year_values_get_their_own_code():
    out = rows("2022年上半年,全市技术合同成交额8.2亿元,同比增长20%。")
    assert ("tech_contract_value_ytd6", 2022, 8.2, "exact", False) in out
    assert ("tech_contract_value_ytd6_growth", 2022, 20.0, "exact", False) in out
    assert all(not r[0] == "tech_contract_value" for r in out)  # never mixed with annual values
    assert rows("2023年1-9月,全市专利授权量9000件。")[0][0] == "patent_grants_ytd9"


def test_year_end_stock_and_qualifiers():
    assert rows("截至2021年底,全市高新技术企业突破360家。") == [("hte_count", 2021, 360.0, "at_least", False)]
    assert rows("2020年全市高新技术企业约1200家。")[0][3] == "approx"
    assert rows("2020年全市高新技术企业1200余家。")[0][3] == "at_least"


def test_increment_gives_exact_prior_year():
    out = rows("2013年全市国家级高新技术企业数量已达117家,较上年增加26家。")
    assert ("hte_count", 2012, 91.0, "exact", True) in out


def test_traditional_characters_and_pinyin_debris():
    out = rows("2021年,全區(qū)高新技術企業達到120家,比上年增長20%。")
    assert ("hte_count", 2021, 120.0, "exact", False) in out
    assert ("hte_count", 2020, 100.0, "approx", True) in out


def test_quantity_describing_a_group_is_not_a_regional_value():
    assert rows("2013年,117家高新技术企业中,专利申请数量1001件。") == []


def test_rows_without_region_are_only_proposed_for_review():
    text = "2021年,全市高新技术企业达到51家。"
    assert extract_past_text(text, "t.txt").empty
    review = extract_past_text(text, "t.txt", coded_only=False)
    assert len(review) == 1 and "--region" in review.loc[0, "note"]
    assert list(review.columns) == PAST_COLUMNS


def test_variant_codes_in_the_catalogue():
    cat = load_indicators()
    assert variant_of("hte_count", cat) is None  # a catalogue code is not a variant
    growth = variant_of("tech_contract_value_ytd6_growth", cat)
    assert growth["unit"] == "%" and growth["kind"] == "rate"
    assert variant_of("patent_grants_ytd10", cat)["unit"] == "件"
    assert variant_of("no_such_code_growth", cat) is None
    assert variant_of("hte_count_ytd12", cat) is None  # twelve months is the year


# --------------------------------------------------------------------------- gold sets
def test_gold_set_1_shanwei_plan():
    """Hand-checked past values of the Shanwei plan: recall ≥ 90 %, precision ≥ 85 % (value and year)."""
    gold = pd.read_csv(GOLD1, dtype=str, keep_default_na=False)
    result = evaluate_past(extract_past_file(SEED), gold, [SEED.name])
    assert result["recall"] >= 0.90, format_past_evaluation(result)
    assert result["precision"] >= 0.85, format_past_evaluation(result)


def test_gold_set_2_other_kinds_of_documents():
    """News, work summaries, a plan-execution report, 政府工作报告, a provincial half-year release."""
    gold = pd.read_csv(GOLD2_DIR / "gold.csv", dtype=str, keep_default_na=False)
    files = sorted(GOLD2_DIR.glob("*.txt"))
    assert {f.name for f in files} == set(gold["document"])
    cand = pd.concat([extract_past_file(f, coded_only=False, year=GOLD2_YEARS.get(f.name)) for f in files])
    cand = cand[cand["indicator"] != ""]
    result = evaluate_past(cand, gold, [f.name for f in files])
    assert result["recall"] >= 0.80, format_past_evaluation(result)
    assert result["precision"] >= 0.75, format_past_evaluation(result)


def test_evaluation_tolerates_rounding_of_derived_values_only():
    gold = pd.DataFrame([{"document": "a.txt", "indicator": "hte_count", "year": "2020", "value": "45.8",
                          "unit": "家", "derived": "true"}])
    cand = gold.assign(value=45.797, derived=True)
    assert evaluate_past(cand, gold, ["a.txt"])["tp"] == 1
    assert evaluate_past(cand.assign(derived=False), gold.assign(derived="false"), ["a.txt"])["tp"] == 0


# --------------------------------------------------------------------------- command line
def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True, cwd=cwd)


def test_output_validates_and_is_usable_with_data_dir(tmp_path):
    folder = tmp_path / "extra"
    folder.mkdir()
    out = folder / "past.csv"
    res = _cli("extract", "--past", str(SEED), "--out", str(out), "--source", "seed-000-extracted", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    res = _cli("data", "validate", "--data-dir", str(folder), cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    from analysis.data.loaders import load_series

    series = load_series([folder])
    mine = series[series["file"] == "past.csv"]
    written = pd.read_csv(out)  # the loader keeps a row repeated verbatim (same source) once
    assert len(mine) == len(written.drop_duplicates(subset=["region", "indicator", "year", "value", "source"]))
    assert {"hte_count", "hte_count_growth"} <= set(mine["indicator"])


def test_json_output_and_bad_inputs(tmp_path):
    res = _cli("extract", "--past", str(SEED), "--format", "json", cwd=tmp_path)
    first = json.loads(res.stdout.splitlines()[0])
    assert first["region"] == "汕尾市" and isinstance(first["year"], int) and first["derived"] is False
    res = _cli("extract", "--past", str(tmp_path / "missing.txt"), cwd=tmp_path)
    assert res.returncode == 2 and "missing.txt" in res.stderr and "Traceback" not in res.stderr
    bad = tmp_path / "gold.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    res = _cli("extract", "--past", str(SEED), "--evaluate", str(bad), cwd=tmp_path)
    assert res.returncode == 2 and "missing column" in res.stderr


def test_year_column_tables_of_yearbooks():
    """A flattened 年鉴 table: label, unit in brackets, English lines, one number per year column."""
    table = ("13-1 主要年份科技活动情况\n指标名称\n计量单位\n2019年\n2020年\n2021年\n"
             "技术合同成交额\n(亿元)\nValue of technology contracts\n12.5\n14.0\n16.8\n"
             "每万人口发明专利拥有量\n(件/万人)\nInvention patents per 10 000 persons 5.1 5.3 5.6\n"
             "技术市场合同成交金额年增长率\n(%)\nAnnual growth 3.0\n12.0\n20.0\n")
    out = rows(table)
    assert ("tech_contract_value", 2019, 12.5, "exact", False) in out
    assert ("tech_contract_value", 2021, 16.8, "exact", False) in out
    assert ("tech_contract_value_growth", 2020, 12.0, "exact", False) in out
    assert ("invention_patents_per_10k", 2021, 5.6, "exact", False) in out  # the numbers ending the English line
    # a table with a goal column is a plan's table, not a yearbook's
    assert rows("指标\n2022年\n2023年目标\n技术合同成交额\n(亿元)\n12.5\n15\n") == []


def test_city_documents_rebuild_and_quotes():
    """``data/series/city_documents.csv`` is what the build script makes from ``data/raw/city_documents``,
    and every quote is cut from its document (whitespace aside)."""
    import importlib.util
    import re as _re

    spec = importlib.util.spec_from_file_location("build_city_documents", ROOT / "data" / "scripts" / "build_city_documents.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build()
    bundled = pd.read_csv(ROOT / "data" / "series" / "city_documents.csv", dtype=str, keep_default_na=False)
    assert len(built) == len(bundled)
    assert list(built["quote"]) == list(bundled["quote"])
    assert [f"{v:g}" for v in built["value"]] == list(bundled["value"])
    raw = ROOT / "data" / "raw" / "city_documents"
    for note, quote in zip(bundled["note"], bundled["quote"]):
        name = _re.search(r"city_documents/(\S+\.txt)", note).group(1)
        text = _re.sub(r"\s+", "", (raw / name).read_text(encoding="utf-8"))
        assert _re.sub(r"\s+", "", quote) in text, (name, quote)
    assert set(bundled["reliability"]) <= {"official", "press", "secondary"}
    assert not bundled["indicator"].str.contains("_ytd|_growth").any()
