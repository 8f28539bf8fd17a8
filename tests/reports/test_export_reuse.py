"""One HTML exporter per thread: pages come out the same as with a new exporter each time."""
from __future__ import annotations

import nbformat

from analysis.reports import render


def _notebook():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<p>目标 target</p>"})]
    cell.id = "c1"
    nb.cells = [cell]
    return nb


def test_reused_exporter_gives_the_pages_of_a_fresh_one(monkeypatch):
    nb = _notebook()
    en, zh, en_again = (render.export_html(nb, lang, "t", embed_font=False) for lang in ("en", "zh", "en"))
    assert en == en_again and '<html lang="en">' in en and '<html lang="zh">' in zh
    assert render.html_exporter() is render.html_exporter()
    monkeypatch.setattr(render._EXPORTERS, "exporter", None)  # a new exporter, as before the reuse
    assert render.export_html(nb, "zh", "t", embed_font=False) == zh
