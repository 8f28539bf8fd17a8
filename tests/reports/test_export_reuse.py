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


def test_worker_outputs_are_validated_with_their_notebook(monkeypatch):
    """In a batch worker, outputs are not validated one by one; an invalid one still fails the notebook."""
    import nbformat
    import pytest
    from nbformat.v4 import nbbase, new_code_cell, new_notebook, new_output

    from analysis.reports.runner import validate_outputs_with_the_notebook

    monkeypatch.setattr(nbbase, "validate", nbbase.validate)  # restored after the test
    with pytest.raises(nbformat.ValidationError):
        new_output("display_data", data={"text/plain": 1})  # data must be strings
    validate_outputs_with_the_notebook()
    bad = new_output("display_data", data={"text/plain": 1})  # accepted as it arrives ...
    cell = new_code_cell("x")
    cell.outputs = [bad]
    with pytest.raises(nbformat.ValidationError):
        nbformat.validate(new_notebook(cells=[cell]))  # ... and caught with the notebook
