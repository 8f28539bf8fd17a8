"""HTML export without a kernel: settings table, hidden code, embedded images, offline page."""
from __future__ import annotations

import base64
import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from analysis.reports.render import (
    SUMMARY_MIME,
    atomic_write_text,
    export_html,
    extract_summary,
    prepare_for_html,
    strip_remote_resources,
)

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 64).decode()


def executed_notebook():
    params = new_code_cell("target_id = 'x'")
    params.metadata["tags"] = ["parameters"]
    injected = new_code_cell("# Parameters\ntarget_id = '<evil>'")
    injected.metadata["tags"] = ["injected-parameters"]
    body = new_code_cell("SECRET_SOURCE_CODE = 1\nplots.show(fig)")
    body.outputs = [
        new_output("display_data", data={"image/png": PNG}, metadata={"image/png": {"alt": "扇形图 <alt>"}}),
        new_output("stream", name="stderr", text="ConvergenceWarning: noisy"),
        new_output("display_data", data={"text/html": "<p>结论：基本不可能</p>"}),
    ]
    summary = new_code_cell("publish_summary(rec)")
    summary.metadata["tags"] = ["summary"]
    summary.outputs = [new_output("display_data", data={SUMMARY_MIME: {"p_meet": 0.03}, "text/plain": "summary"})]
    return new_notebook(cells=[new_markdown_cell("notes for notebook readers"), params, injected, body, summary],
                        metadata={"kernelspec": {"name": "analysis", "display_name": "a", "language": "python"}})


def test_summary_is_read_from_the_notebook():
    assert extract_summary(executed_notebook()) == {"p_meet": 0.03}


def test_html_report_has_outputs_only_and_a_settings_table():
    nb = executed_notebook()
    page_nb = prepare_for_html(nb, {"target_id": "<evil>", "lang": "zh"}, "zh", {"data": "abc"})
    tags = [c.metadata.get("tags", []) for c in page_nb.cells]
    assert ["parameters"] not in tags and ["injected-parameters"] not in tags and ["summary"] not in tags
    page = export_html(page_nb, "zh", "标题")
    assert '<html lang="zh">' in page
    assert "SECRET_SOURCE_CODE" not in page
    code_cells = re.findall(r'class="jp-Cell jp-CodeCell[^"]*"', page)
    assert code_cells and all("jp-mod-noInput" in c for c in code_cells)  # no code shown
    assert "hl-ipython3" not in page
    assert f'src="data:image/png;base64,{PNG}' in page
    assert 'alt="扇形图 &lt;alt&gt;"' in page
    assert "ConvergenceWarning" not in page
    assert "报告参数与运行信息" in page and "&lt;evil&gt;" in page and "<evil>" not in page
    assert "<script src" not in page.lower() and "cdnjs" not in page and "mathjax" not in page.lower()
    assert "<title>标题</title>" in page
    assert "@font-face" in page  # Chinese readable without a system CJK font
    assert nb.cells[2].metadata["tags"] == ["injected-parameters"]  # the original is not modified


def test_english_page_and_no_font():
    page = export_html(prepare_for_html(executed_notebook(), {"lang": "en"}, "en"), "en", embed_font=False)
    assert '<html lang="en">' in page and "Report settings" in page and "@font-face" not in page


def test_strip_remote_resources():
    page = ('<head><script src="https://cdnjs.cloudflare.com/require.js"></script>'
            "<script src='//cdn.example/x.js'></script><link rel=stylesheet href=\"https://x/y.css\">"
            "<script>var local = 1;</script></head>")
    out = strip_remote_resources(page)
    assert out == "<head><script>var local = 1;</script></head>"


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path):
    target = tmp_path / "a.html"
    atomic_write_text(target, "one")
    atomic_write_text(target, "二")
    assert target.read_text(encoding="utf-8") == "二"
    assert [p.name for p in tmp_path.iterdir()] == ["a.html"]


def test_committed_notebooks_have_no_outputs_and_one_parameters_cell():
    from analysis.config import notebooks_dir
    from analysis.reports.render import NOTEBOOKS

    for name in NOTEBOOKS:
        nb = nbformat.read(notebooks_dir() / f"{name}.ipynb", as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), name
        tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, name
        first_after = nb.cells[tagged[0] + 1]
        assert "check_parameters(" in first_after.source, name  # validation comes first
        assert nb.metadata["kernelspec"]["name"] == "analysis"


def test_page_ships_only_the_report_css():
    """The trimmed template: a few KB of CSS instead of JupyterLab's 256 KB (index.css + theme)."""
    page = export_html(prepare_for_html(executed_notebook(), {"lang": "zh"}, "zh"), "zh", embed_font=False)
    css = "".join(re.findall(r"<style[^>]*>(.*?)</style>", page, re.S))
    assert len(css.encode()) < 12_000
    assert "--jp-layout-color0" not in css and ".highlight" not in css  # no lab theme, no Pygments
    for rule in (".jp-RenderedHTMLCommon table", ".jp-OutputArea-output img", ".report-settings", "table.kv"):
        assert rule in css


def test_provenance_puts_everything_that_varies_on_one_line():
    import datetime as dt

    from analysis.reports.render import GENERATED_KEY, provenance, settings_html

    now = dt.datetime(2026, 12, 2, 18, 30, tzinfo=dt.timezone.utc)
    prov = provenance(4.26, now=now)
    assert prov[GENERATED_KEY] == "2026-12-02 18:30 · 4.3 s"
    assert "seconds" not in prov
    lines = settings_html({"target_id": "x"}, "zh", prov).splitlines()
    varying = [ln for ln in lines if "18:30" in ln]
    assert len(varying) == 1 and "4.3 s" in varying[0]
    assert any("target_id" in ln for ln in lines) and not any("target_id" in ln for ln in varying)


def test_report_kernels_keep_no_input_history():
    """Batch kernels start without IPython's SQLite history (one write per cell otherwise)."""
    from analysis.reports.kernels import KernelSession
    from tests.reports.conftest import require_kernel

    require_kernel()
    session = KernelSession(warmup="")
    try:
        session.acquire()
        check = "assert get_ipython().history_manager.enabled is False"
        session._wait_reply(session.kc.execute(check, silent=True, store_history=False), timeout=60)  # raises if not
    finally:
        session.shutdown()
