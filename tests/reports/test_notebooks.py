"""Each report notebook executes on the bundled data (papermill, kernel 'analysis') and renders.

One shared batch (fixture ``small_batch`` in conftest.py) runs every notebook once, so the suite
stays fast; the tests below inspect what it produced.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat


def _result(batch, kind, name=None):
    hits = [r for r in batch.results if r.job.kind == kind and (name is None or r.job.name == name)]
    assert hits, (kind, name)
    return hits[0]


def _page(result) -> str:
    assert result.ok, result.error
    return Path(result.job.html).read_text(encoding="utf-8")


def test_every_notebook_executes(small_batch, shanwei_id):
    for kind, name in (("target", shanwei_id), ("city", "汕尾市"), ("panel", "hte_count"), ("backtest", None)):
        res = _result(small_batch, kind, name)
        assert res.ok, f"{kind} {name}: {res.error} (notebook {res.ipynb})"
        nb = nbformat.read(res.ipynb, as_version=4)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
        assert not errors


def test_target_report_html(small_batch, shanwei_id):
    res = _result(small_batch, "target", shanwei_id)
    page = _page(res)
    assert '<html lang="zh"' in page
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', page)) >= 3  # fan, peers, levels
    assert "check_parameters" not in page and "assess_target" not in page  # no code cells
    assert "<script src" not in page.lower()
    assert "汕尾市" in page and "目标可行性评估" in page and "达成概率" in page
    assert "报告参数与运行信息" in page and shanwei_id in page  # settings table instead of the injected cell
    assert "summary for the index" not in page
    # the numbers the report shows are the ones published for the index
    s = res.summary
    assert s["target_id"] == shanwei_id and s["region"] == "汕尾市" and s["verdict"] in (
        "on_track", "stretch", "unlikely", "implausible", "withheld", "insufficient_data")
    assert s["baseline_value"] == 49 and s["target_value"] == 100
    assert "+104.1%" in page  # 49 → 100 in one year


def test_city_report_summarises_every_target_of_the_region(small_batch):
    from analysis.data.loaders import load_targets

    res = _result(small_batch, "city", "汕尾市")
    page = _page(res)
    n = int((load_targets()["region"] == "汕尾市").sum())
    goals = res.summary["n_targets"]  # goals: restated rows (prose, table, Q4) folded into one
    assert res.summary["n_rows"] == n and sum(res.summary["counts"].values()) == goals and 0 < goals < n
    assert f"{goals} 个目标（文件中 {n} 条）" in page
    assert "城市目标评分卡" in page and 'src="data:image/png;base64,' in page


def test_panel_report_in_english(small_batch):
    page = _page(_result(small_batch, "panel", "hte_count"))
    assert '<html lang="en"' in page and "Cross-region panel" in page


def test_backtest_report(small_batch):
    res = _result(small_batch, "backtest")
    page = _page(res)
    assert "回测与校准" in page and res.summary["n_rows"] > 0
    assert "真实面板上的概率校准（参照组A" in page and "参照组C" in page  # real-panel reliability, every rung


def test_failures_do_not_stop_the_batch_and_are_reported(small_batch):
    assert small_batch.exit_code == 1
    failed = {r.job.name: r for r in small_batch.failed}
    assert set(failed) == {"../../etc/x", "no-such-target"}
    # caught before any kernel started: no executed notebook
    early = failed["../../etc/x"]
    assert early.stage == "validate" and "unknown target" in early.error and early.ipynb is None
    # failed inside the kernel: the executed notebook is kept, with the traceback and close matches
    late = failed["no-such-target"]
    assert late.stage == "execute" and late.ipynb and Path(late.ipynb).exists()
    nb = nbformat.read(late.ipynb, as_version=4)
    assert any(o.output_type == "error" and o.ename == "ParameterError" for c in nb.cells if c.cell_type == "code"
               for o in c.outputs)
    assert not Path(late.job.html).exists()
    index = Path(small_batch.index).read_text(encoding="utf-8")
    assert "生成失败的报告" in index and "no-such-target" in index
    assert re.search(r'href="_work/targets/no-such-target-[0-9a-f]{8}-zh\.ipynb"', index)


def test_path_traversal_id_stays_inside_reports(small_batch):
    out = small_batch.out_dir
    files = [p for p in out.rglob("*") if p.is_file()]
    assert all(p.resolve().is_relative_to(out) for p in files)
    side = [p for p in files if p.name.startswith("etc-x-") and p.suffix == ".json"]
    assert side and json.loads(side[0].read_text(encoding="utf-8"))["ok"] is False


def test_index_links_every_report(small_batch):
    index = Path(small_batch.index).read_text(encoding="utf-8")
    for r in small_batch.results:
        if r.ok:
            rel = Path(r.job.html).relative_to(small_batch.out_dir).as_posix()
            from urllib.parse import quote

            assert f'href="{quote(rel, safe="/")}"' in index, rel
    assert '<html lang="zh">' in index
