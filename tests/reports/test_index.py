"""index.html: escaping, safe file names, sortable, failures listed."""
from __future__ import annotations

import re
from pathlib import Path

from analysis.reports.batch import make_job
from analysis.reports.index import relative_href, render_index, safe_name, write_index

EVIL = "<script>alert(1)</script>"


def _rows():
    targets = [
        {"target_id": "t1", "region": EVIL, "indicator_zh": "高企 & <b>", "unit": "家", "baseline_year": 2021,
         "baseline_value": 49, "target_year": 2022, "target_value": 100, "required_cagr": 1.0408, "p_meet": 0.03,
         "verdict": "implausible", "href": "targets/t1.html"},
        {"target_id": "t2\"onmouseover=\"x", "region": "中山市", "indicator_zh": "研发经费投入强度", "unit": "%",
         "kind": "share", "target_value": 3.5, "target_year": 2025, "p_meet": None, "verdict": "insufficient_data",
         "href": "targets/t2.html"},
    ]
    cities = [{"region": EVIL, "n_targets": 2, "counts": {"implausible": 1}, "href": "cities/x.html"}]
    failures = [{"name": f"target: {EVIL}", "error": f"KeyError: unknown target '{EVIL}'", "ipynb_href": "_work/x.ipynb"}]
    return targets, cities, failures


def test_every_data_string_is_escaped():
    page = render_index(*_rows())
    assert EVIL not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "高企 &amp; &lt;b&gt;" in page
    assert 'onmouseover="x' not in page
    assert len(re.findall(r"<script>", page)) == 1  # only the inline sorter/filter
    assert len(re.findall(r'<script type="application/json"', page)) == 1  # the table data, not code
    data = page.split('id="rows-data">')[1].split("</script>")[0]
    assert "<" not in data and "</script" not in data.lower()
    assert "<script src" not in page


def test_index_content_and_sorting_hooks():
    page = render_index(*_rows())
    assert '<html lang="zh">' in page
    assert "3%" in page and "+104.1%/年" in page and "49家 (2021) → 100家 (2022)" in page
    assert 'id="q"' in page and 'id="f-region"' in page and 'id="f-verdict"' in page and 'id="dl-csv"' in page
    assert 'data-type="num"' in page and "addEventListener('click'" in page
    assert 'data-v="0.03"' in page  # numeric sort key
    assert "生成失败的报告" in page and "_work/x.ipynb" in page
    assert render_index(*_rows(), lang="en").count('<html lang="en">') == 1


def test_write_index_embeds_font_and_is_atomic(tmp_path):
    path = write_index(tmp_path, *_rows())
    assert path == tmp_path / "index.html"
    assert "@font-face" in path.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "assessments-zh.csv", "assessments-zh.xlsx", "index-zh.html", "index.html"]  # no temp file left


def test_safe_name_cannot_leave_the_folder():
    name = safe_name("../../etc/x")
    assert "/" not in name and ".." not in name and name.startswith("etc-x-")
    assert safe_name("a/b") != safe_name("a-b")
    assert safe_name("汕尾市").startswith("汕尾市-")
    assert safe_name("....") .startswith("report-")


def test_job_paths_stay_inside_out_dir(tmp_path):
    for evil in ("../../etc/x", "/etc/passwd", "..", "a\\..\\..\\b", "\x00x", EVIL):
        job = make_job("target", evil, {"target_id": evil}, tmp_path)
        for p in (job.html, job.ipynb, job.sidecar):
            assert Path(p).resolve().is_relative_to(tmp_path.resolve()), (evil, p)
        href = relative_href(tmp_path, Path(job.html))
        assert not href.startswith(("/", "..")) and "%2F" not in href


def test_restated_rows_fold_into_one_goal_with_one_p(tmp_path):
    base = {"document": "d.txt", "region": "汕尾市", "indicator": "hte_count", "indicator_zh": "高新技术企业数量",
            "unit": "家", "target_year": 2022, "target_value": 100, "baseline_value": 49, "baseline_year": 2021}
    rows = [dict(base, target_id="p", target_type="level", p_meet=0.03, verdict="implausible", href="targets/p.html"),
            dict(base, target_id="g", target_type="growth_rate", p_meet=0.07, verdict="unlikely"),
            dict(base, target_id="t", target_type="level", p_meet=0.04, verdict="implausible"),
            dict(base, target_id="x", indicator="tsme_count", p_meet=0.6, verdict="on_track")]
    page = render_index(rows, lang="en")
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr") == 2  # two goals, four rows
    assert "7%" not in body and "4%" not in body and "3%" in body  # the goal shows its lead row's P only
    assert "Shanwei" in body and "National high-tech enterprises" in body and "49 firms (2021)" in body
    assert "Goals per verdict:" in page
    import csv
    from openpyxl import load_workbook

    write_index(tmp_path, rows, lang="en")
    table = list(csv.DictReader((tmp_path / "assessments-en.csv").open(encoding="utf-8-sig")))
    assert [r["target_id"] for r in table] == ["p", "g", "t", "x"]
    assert {r["goal_p_meet"] for r in table[:3]} == {"0.03"} and table[0]["region_name"] == "Shanwei"
    ws = load_workbook(tmp_path / "assessments-en.xlsx").active
    assert [c.value for c in ws[1]][:4] == ["goal", "document", "document_title", "target_id"] and ws.max_row == 5


def test_a_strict_comparator_is_shown_so_a_breakthrough_does_not_read_0_to_0():
    rows = [{"target_id": "z", "region": "汕尾市", "indicator_zh": "理工类学生占比", "unit": "%", "kind": "share",
             "target_type": "breakthrough", "comparator": ">", "baseline_year": 2021, "baseline_value": 0.0,
             "target_year": 2022, "target_value": 0.0, "p_meet": None, "verdict": "insufficient_data",
             "href": "targets/z.html"}]
    page = render_index(rows, [], [])
    assert "0% (2021) → &gt; 0% (2022)" in page and "→ 0% (2022)" not in page


def test_a_withheld_probability_has_its_own_verdict_not_insufficient_data():
    targets, cities, failures = _rows()
    targets[1] = dict(targets[1], verdict="withheld")
    zh, en = render_index(targets, cities, failures), render_index(targets, cities, failures, lang="en")
    assert 'data-verdict="withheld"' in zh and "概率未校准" in zh and "数据不足" not in zh
    assert "probability withheld" in en and "insufficient data" not in en
    assert '<option value="withheld">概率未校准</option>' in zh  # and it can be filtered on
