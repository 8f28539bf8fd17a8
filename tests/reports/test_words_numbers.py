"""Numbers as a reader writes them, words from the catalogue, goals with one P, run facts."""
from __future__ import annotations

import math
import subprocess

import pytest

from analysis.i18n import missing
from analysis.reports import narrative as nr
from analysis.reports.goals import fold_goals


@pytest.mark.parametrize("value, unit, lang, text", [
    (0.055, "亿元", "zh", "550万元"), (550, "万元", "zh", "550万元"), (60.05, "亿元", "zh", "60.05亿元"),
    (0.0607, "亿元", "zh", "607万元"), (12346, "万元", "zh", "1.235亿元"), (3, "万元", "zh", "3万元"),
    (0.055, "亿元", "en", "CNY 5.5m"), (60.05, "亿元", "en", "CNY 6.005bn"), (0.3, "万元", "en", "CNY 3k"),
    (63.42, "家", "zh", "63家"), (49, "家", "en", "49 firms"), (12345.6, "人", "en", "12,346 persons"),
    (2.456, "%", "zh", "2.46%"), (None, "家", "zh", "—"), (float("nan"), "%", "en", "—"),
])
def test_amounts_keep_two_to_four_significant_digits_and_counts_are_whole(value, unit, lang, text):
    assert nr.fmt_value(value, unit, lang) == text


def test_monte_carlo_error_is_shown_only_when_it_exceeds_half_a_point():
    # sqrt(p(1-p)/n): 0.3 with 4000 draws -> 0.72 pt (shown); 0.02 -> 0.22 pt (not shown)
    from analysis.reports.numbers import mc_error

    assert math.isclose(mc_error(0.3, 4000), math.sqrt(0.21 / 4000))
    assert nr.fmt_prob(0.3, mc_error(0.3, 4000)) == "30% ± 0.7"
    assert nr.fmt_prob(0.02, mc_error(0.02, 4000)) == "2%"
    assert nr.fmt_prob(0.3, nr.prob_error("pooled", 0.3)) == "30%"  # exact t probability: no error
    assert nr.fmt_prob(0.004) == "<1%" and nr.fmt_prob(None) == "—"


def test_labels_names_and_units_in_each_language():
    assert nr.label("band50", "zh") == "50% 区间" and nr.label("band50", "en") == "50% interval"
    assert nr.heading("verdict", "zh") == "<h2>结论</h2>"
    assert nr.region_name("汕尾市", "en") == "Shanwei" and nr.region_name("广东省", "en") == "Guangdong"
    assert nr.region_name("汕尾", "en") == "Shanwei" and nr.region_name("汕尾市", "zh") == "汕尾市"
    assert nr.indicator_name("hte_count", "高新技术企业数量", "zh") == "高新技术企业数量"
    assert nr.indicator_name("hte_count", "", "en").startswith("National high-tech enterprises")
    assert nr.column_label("coverage_50", "zh") == "50 % 区间覆盖率"
    assert nr.column_label("brier_g10", "en") == "Brier score (growth ≥ 10%)"
    assert nr.verdict_label("stretch", "zh") == "有挑战" and nr.verdict_label("stretch", "en") == "stretch"
    assert nr.fmt_rate(0.041, "log", "zh") == "+4.1%/年" and nr.fmt_rate(0.5, "points", "en") == "+0.50 pp/yr"
    with pytest.raises(ValueError, match="lang must be one of"):
        nr.label("year", "fr")


def test_every_region_has_an_english_name():
    from analysis.data.regions import region_table

    table = region_table()
    assert "name_en" in table and (table["name_en"].str.strip() != "").all()
    assert not table["name_en"].str.contains(r"[\u4e00-\u9fff]").any()
    from analysis.data.loaders import load_panel, load_targets

    used = set(load_panel()["region"]) | set(load_targets()["region"])
    assert used - set(table["name"]) == set(), "add these regions (with name_en) to data/regions.csv"


def test_every_report_label_has_a_chinese_translation():
    from analysis.assessment import VERDICTS
    from analysis.reports import index, tables, words

    ids = (list(words.LABELS.values()) + list(words.HEADINGS.values()) + list(words.MODEL_NAMES.values())
           + list(words.CLASS_PHRASES) + [v[1] for v in VERDICTS.values()] + list(tables.COLUMN_LABELS.values())
           + list(index.TEXT.values()))
    assert missing("zh", ids) == []


def test_document_titles_replace_seed_file_names():
    assert nr.document_titles()["000_319635f440b73d7f.txt"] == "汕府办函〔2022〕201号"
    link = nr.source_link("000_319635f440b73d7f.txt")
    assert "汕府办函〔2022〕201号" in link and 'href="file://' in link and "000_319635f440b73d7f.txt" in link


def test_restated_rows_share_the_lead_rows_p():
    base = {"document": "d", "region": "r", "indicator": "x", "target_year": 2022}
    rows = [dict(base, target_id="a-growth", target_type="growth_rate", p_meet=0.07, verdict="unlikely"),
            dict(base, target_id="a", target_type="level", p_meet=0.03, verdict="implausible"),
            dict(base, target_id="a-q4", target_type="milestone", target_quarter=4, p_meet=0.04),
            dict(base, target_id="a-q2", target_type="milestone", target_quarter=2, p_meet=None),
            dict(base, target_id="rank-a", target_type="rank", p_meet=None, verdict="insufficient_data")]
    goals = fold_goals(rows)
    assert [g["target_ids"] for g in goals] == [["a-growth", "a", "a-q4"], ["a-q2"], ["rank-a"]]
    assert goals[0]["p_meet"] == 0.03 and goals[0]["verdict"] == "implausible"


def test_empty_cases_say_what_is_missing(make_assessment):
    a = make_assessment(history=None, fan=None, p_meet=None, verdict="insufficient_data", level_p50=None)
    text = nr.headline(a, "zh")
    assert "无法计算达成概率" in text and "补充" in text and "None" not in text
    masked = make_assessment(target_value=None, baseline_year=None, p_meet=None, level_p50=None,
                             notes=["the document masks the target number (xx): nothing to assess"])
    assert "文件隐去了" in nr.headline(masked, "zh") and "达到<b>—" not in nr.headline(masked, "zh")
    assert "hides the target number" in nr.headline(masked, "en")
    from analysis.reports.plots import has_chart_data

    assert not has_chart_data(a)


def test_run_info_names_version_commit_folders_and_hashes(tmp_path):
    from analysis.provenance import NOT_GIT, git_commit, run_info

    info = run_info(seed=3, as_of=2021)
    assert info["seed"] == 3 and info["as_of"] == 2021 and info["analysis_version"]
    assert info["data_dirs"][0]["role"] == "bundled" and len(info["data_dirs"][0]["sha256"]) == 12
    assert git_commit(str(tmp_path)) == NOT_GIT
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "a.csv").write_text("region,value\n汕尾市,1\n", encoding="utf-8")
    both = run_info([extra])
    assert [d["role"] for d in both["data_dirs"]] == ["bundled", "extra"]
    before = both["data_dirs"][1]["sha256"]
    (extra / "a.csv").write_text("region,value\n汕尾市,2\n", encoding="utf-8")
    assert run_info([extra])["data_dirs"][1]["sha256"] != before
    block = nr.reproducibility_block(info, "zh")
    assert "随机种子" in block and "2021" in block


def test_assess_json_carries_run_info():
    import json
    import sys

    out = subprocess.run([sys.executable, "-m", "analysis", "assess", "--format", "json", "--id",
                          "shanwei2022-p-hte_count"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    rec = json.loads(out.stdout.splitlines()[0])
    assert rec["run_info"]["data_dirs"][0]["role"] == "bundled" and "git_commit" in rec["run_info"]
    assert "汕尾市" in out.stdout  # Chinese is written as is, not escaped


def test_titles_normalise_traditional_text_and_pinyin_glosses():
    name = nr.indicator_name("rd_intensity", "全社會R&D經(jīng)費(fèi)支出占地區GDP比重", "zh")
    assert name == "全社会R&D经费支出占地区GDP比重"
