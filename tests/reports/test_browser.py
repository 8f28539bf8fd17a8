"""Open the index and one report in headless Chromium from file://: screenshot, no console errors."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None)


def _open(url: str, tmp: Path, shot: str) -> tuple[str, str, Path]:
    png = tmp / shot
    common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp / 'profile'}",
              "--enable-logging=stderr", "--v=0"]
    shot_run = subprocess.run([CHROMIUM, *common, f"--screenshot={png}", "--window-size=1200,1600", url],
                              capture_output=True, text=True, timeout=120)
    dom_run = subprocess.run([CHROMIUM, *common, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    return dom_run.stdout, shot_run.stderr + dom_run.stderr, png


def _console_errors(stderr: str) -> list[str]:
    """Console lines in Chromium's log (``CONSOLE(12)`` or ``INFO:CONSOLE:1]`` depending on the version).

    Chromium logs console.error and uncaught exceptions at INFO level, so any console line counts:
    the pages themselves never write to the console.
    """
    return [line for line in stderr.splitlines() if re.search(r"CONSOLE[(:]", line) or "Uncaught" in line]


def test_console_detector_catches_script_errors(tmp_path):
    if CHROMIUM is None:
        pytest.skip("chromium not installed")
    page = tmp_path / "bad.html"
    page.write_text("<html><body><script>undefinedFn();</script></body></html>", encoding="utf-8")
    _, stderr, _ = _open(page.as_uri(), tmp_path, "bad.png")
    assert _console_errors(stderr)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (CI installs it with apt in .ci/run)")
def test_index_and_report_open_offline_without_console_errors(small_batch, shanwei_id, tmp_path):
    index = Path(small_batch.index)
    report = next(r for r in small_batch.results if r.ok and r.job.kind == "target").job.html
    for name, path in (("index", index), ("report", Path(report))):
        dom, stderr, png = _open(path.resolve().as_uri(), tmp_path, f"{name}.png")
        assert png.exists() and png.stat().st_size > 10_000, stderr[-2000:]
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert not _console_errors(stderr), _console_errors(stderr)
        assert "<html" in dom
        if name == "index":
            assert shanwei_id in dom and re.search(r"<table class=\"sortable\"", dom)
        else:
            assert 'src="data:image/png;base64,' in dom
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)


def _index_rows():
    base = {"document": "000_319635f440b73d7f.txt", "unit": "家", "target_year": 2022, "baseline_year": 2021,
            "baseline_value": 49, "target_value": 100, "indicator": "hte_count", "indicator_zh": "高新技术企业数量"}
    return [
        dict(base, target_id="sw-p", region="汕尾市", target_type="level", p_meet=0.03, verdict="implausible"),
        dict(base, target_id="sw-t", region="汕尾市", target_type="level", p_meet=0.04, verdict="implausible"),
        dict(base, target_id="sw-x", region="汕尾市", indicator="tsme_count", p_meet=0.6, verdict="on_track"),
        dict(base, target_id="zs-1", region="中山市", document="002_c4696ddd813dcb02.txt", p_meet=0.02,
             verdict="implausible"),
    ]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (CI installs it with apt in .ci/run)")
def test_index_filters_by_region_and_verdict_and_downloads_csv(tmp_path):
    """Open the index with filters preset in the address; only matching goals stay; the CSV link holds them."""
    import csv
    import io
    from urllib.parse import quote, unquote

    from bs4 import BeautifulSoup

    from analysis.reports.index import write_index

    write_index(tmp_path, _index_rows(), lang="zh")
    url = (tmp_path / "index-zh.html").resolve().as_uri() + "#region=" + quote("汕尾市") + "&verdict=implausible"
    dom, stderr, png = _open(url, tmp_path, "filtered.png")
    assert not _console_errors(stderr), _console_errors(stderr)
    soup = BeautifulSoup(dom, "html.parser")
    rows = soup.select("#targets tbody tr")
    visible = [r for r in rows if not r.has_attr("hidden")]
    assert len(rows) == 3  # three goals: sw-p and sw-t are one goal
    assert [(r["data-region"], r["data-verdict"]) for r in visible] == [("汕尾市", "implausible")]
    assert soup.select_one("#n-shown").get_text() == "1"
    href = soup.select_one("#dl-csv")["href"]
    assert href.startswith("data:text/csv;charset=utf-8,")
    table = list(csv.DictReader(io.StringIO(unquote(href.split(",", 1)[1]).lstrip("\ufeff"))))
    assert [r["target_id"] for r in table] == ["sw-p", "sw-t"]  # the filtered goal's rows, both restatements
    assert {r["goal_p_meet"] for r in table} == {"0.03"}
    # the full table sits beside the page, as CSV and Excel
    full = list(csv.DictReader((tmp_path / "assessments-zh.csv").open(encoding="utf-8-sig")))
    assert len(full) == 4 and (tmp_path / "assessments-zh.xlsx").stat().st_size > 1000
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)
