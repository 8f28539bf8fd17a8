"""One language per report: every report kind rendered in zh and en, then read as a reader would.

A zh page may not carry a Latin-letter sentence (three or more Latin words in a row) outside
quotes, source names and code identifiers; an en page may not carry a CJK character outside
verbatim quotes and source titles. Engine notes that the catalogue cannot translate yet are
marked ``class="untranslated"`` and counted separately (they disappear as the engine's notes
become codes).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.reports.conftest import require_kernel

LATIN_SENTENCE = re.compile(r"[A-Za-z][A-Za-z'’\-]*(?:[ ,;:]+[A-Za-z][A-Za-z'’\-]*){2,}")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
#: elements whose text is verbatim from a source, a source's name, or code
EXEMPT = ["script", "style", "code", "blockquote", ".quote", ".source-title", "a[href^='http']",
          "a[href^='file:']", "td.id", "td.error", "#f-doc option"]


def visible_text(page: str, lang: str) -> str:
    """The text a reader sees, without verbatim quotes, source names and code identifiers."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    for sel in EXEMPT + ([".untranslated"] if lang == "zh" else []):
        for el in soup.select(sel):
            el.decompose()
    return soup.get_text(" ")


def offending(page: str, lang: str) -> list[str]:
    """Latin sentences in a zh page, CJK runs (with context) in an en page."""
    text = visible_text(page, lang)
    if lang == "zh":
        return LATIN_SENTENCE.findall(text)
    return [text[max(0, m.start() - 30):m.end() + 30] for m in CJK.finditer(text)]


def test_detectors_catch_mixed_language():
    zh = "<p>汕尾市 the document masks the target number</p><blockquote>keep this quote as is</blockquote>"
    en = "<p>Shanwei plans 高企</p><span class='source-title'>汕府办函〔2022〕201号</span><td class='quote'>原文</td>"
    assert offending(zh, "zh") == ["the document masks the target number"]
    assert len(offending(en, "en")) == 2 and "Shanwei plans" in offending(en, "en")[0]
    assert offending("<p>CRPS 与 Brier 分数，P80</p><code>shanwei2022-p-hte_count</code>", "zh") == []


TARGETS = ("shanwei2022-p-hte_count", "shanwei2022-p-incubation_fund", "shanwei2022-p-incubated_firms",
           "shangyu2020-rd_intensity")


#: a small backtest report (every rung, two indicators, few draws), as in conftest.small_batch
BACKTEST_SMALL = {"indicators": "rd_intensity,hte_count", "draws": 200}


@pytest.fixture(scope="module")
def both_languages(tmp_path_factory):
    """Every report kind in zh and en (targets: estimated, amount, no data, masked; a city; panel; backtest)."""
    from analysis.data.loaders import load_targets
    from analysis.reports.batch import index_rows, make_job, run_batch
    from analysis.reports.index import render_index

    require_kernel()
    ids = set(load_targets()["target_id"])
    missing = [t for t in TARGETS if t not in ids]
    if missing:
        pytest.skip(f"registry lacks {missing}")
    out = tmp_path_factory.mktemp("lang")
    jobs = []
    for lang in ("zh", "en"):
        jobs += [make_job("target", t, {"target_id": t, "lang": lang, "seed": 0}, out) for t in TARGETS]
        jobs.append(make_job("city", "上虞区", {"region": "上虞区", "lang": lang, "seed": 0}, out))
        jobs.append(make_job("panel", "hte_count", {"indicator": "hte_count", "lang": lang}, out))
        jobs.append(make_job("backtest", "backtest", {"lang": lang, "seed": 0, **BACKTEST_SMALL}, out))
    batch = run_batch(out, workers=2, jobs=jobs, progress=False)
    pages = {}
    for r in batch.results:
        assert r.ok, (r.job.name, r.error)
        pages[f"{r.job.kind}:{r.job.name}:{r.job.params['lang']}"] = Path(r.job.html).read_text(encoding="utf-8")
    for lang in ("zh", "en"):
        rows = index_rows(out, [r for r in batch.results if r.job.params["lang"] == lang])
        pages[f"index::{lang}"] = render_index(rows["targets"], rows["cities"], rows["failures"], rows["others"], lang)
    return pages


def test_every_report_kind_is_in_one_language(both_languages):
    kinds = {k.split(":")[0] for k in both_languages}
    assert kinds == {"target", "city", "panel", "backtest", "index"}
    bad = {k: offending(page, k.rsplit(":", 1)[1]) for k, page in both_languages.items()}
    assert not {k: v for k, v in bad.items() if v}, {k: v[:5] for k, v in bad.items() if v}


def test_file_names_carry_the_language(both_languages, tmp_path):
    from analysis.reports.batch import make_job

    zh = make_job("target", TARGETS[0], {"target_id": TARGETS[0], "lang": "zh"}, tmp_path)
    en = make_job("target", TARGETS[0], {"target_id": TARGETS[0], "lang": "en"}, tmp_path)
    assert zh.html.endswith("-zh.html") and en.html.endswith("-en.html") and zh.html[:-8] == en.html[:-8]


def test_empty_and_masked_layouts(both_languages):
    nodata = both_languages["target:shanwei2022-p-incubated_firms:zh"]
    masked_zh = both_languages["target:shangyu2020-rd_intensity:zh"]
    masked_en = both_languages["target:shangyu2020-rd_intensity:en"]
    for page in (nodata, masked_zh, masked_en):
        assert "None年" not in page and "as_of null" not in page and ">null<" not in page
    assert "文件隐去了" in masked_zh and "hides the target number" in masked_en
    assert "达到—" not in masked_zh
    fund = both_languages["target:shanwei2022-p-incubation_fund:zh"]
    assert "550万元" in fund and "0.06亿元" not in fund
    assert "CNY 5.5m" in both_languages["target:shanwei2022-p-incubation_fund:en"]


def test_reproducibility_block_in_every_report(both_languages):
    for key, page in both_languages.items():
        if key.startswith("index"):
            continue
        lang = key.rsplit(":", 1)[1]
        assert ("可复现信息" if lang == "zh" else "Reproducibility") in page, key
        assert "sha256" in page and "analysis 0." in page, key
