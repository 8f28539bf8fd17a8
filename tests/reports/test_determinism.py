"""Byte-determinism: the same inputs give the same report bytes, apart from the generated-time line.

Before, the embedded font subset depended on what the worker had rendered before, so two runs of
the same batch differed; charts carried matplotlib's version chunk. Here two reports are rendered,
then rendered again in the other order on the same warm kernel (so every per-process cache is in a
different state), and the pages compared line by line.
"""
from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from analysis.reports import plots
from analysis.reports.render import GENERATED_KEY

from tests.reports.conftest import registry_target, require_kernel


def _varying_lines(a: str, b: str) -> list[tuple[str, str]]:
    la, lb = a.splitlines(), b.splitlines()
    assert len(la) == len(lb)
    return [(x, y) for x, y in zip(la, lb) if x != y]


def test_two_runs_give_the_same_html_but_the_generated_line(tmp_path):
    from analysis.reports.kernels import KernelSession
    from analysis.reports.render import render_report

    require_kernel()
    jobs = [("target_feasibility", {"target_id": registry_target(), "lang": "zh", "seed": 0}),
            ("city_scorecard", {"region": "汕尾市", "lang": "zh", "seed": 0})]
    session = KernelSession()
    try:
        pages: dict[tuple[int, int], str] = {}
        for run, order in ((0, (0, 1)), (1, (1, 0))):
            for i in order:
                notebook, params = jobs[i]
                out = tmp_path / f"run{run}" / f"{i}.html"
                res = render_report(notebook, params, out, session=session)
                assert res.ok, res.error
                pages[run, i] = out.read_text(encoding="utf-8")
    finally:
        session.shutdown()
    from analysis.reports.words import t

    generated = t(GENERATED_KEY, "zh")  # the settings footer and the reproducibility block each have one
    for i in range(len(jobs)):
        diff = _varying_lines(pages[0, i], pages[1, i])
        assert len(diff) <= 2, diff[:3]
        assert all(generated in x and generated in y for x, y in diff), diff
        assert "data:font/woff;base64," in pages[0, i] and 'data:image/png;base64,' in pages[0, i]


def _chart() -> Figure:
    from analysis.reports.fonts import setup_plotting

    setup_plotting()
    fig = Figure(figsize=(4, 3), layout="constrained")
    ax = fig.add_subplot()
    x = np.linspace(0, 1, 30)
    ax.fill_between(x, x - 0.2, x + 0.2, color=plots.BAND_COLOUR, alpha=0.25)
    ax.plot(x, x, color=plots.BAND_COLOUR, lw=2)
    ax.set_title("扇形图 fan")
    return fig


def test_chart_png_is_deterministic_palette_and_looks_the_same():
    png = plots.figure_png(_chart())
    assert png == plots.figure_png(_chart())
    assert b"Matplotlib" not in png  # no version text chunk
    small = Image.open(io.BytesIO(png))
    assert small.mode == "P"  # palette: a fraction of the true-colour PNG
    buf = io.BytesIO()
    _chart().savefig(buf, format="png", facecolor="white")
    full = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    pad = (small.width - full.width) // 2  # the white border figure_png adds
    assert pad > 0 and small.size == (full.width + 2 * pad, full.height + 2 * pad)
    assert len(png) < len(buf.getvalue()) / 2
    small = small.crop((pad, pad, pad + full.width, pad + full.height))
    got = np.asarray(small.convert("RGB"), dtype=int)
    err = np.abs(got - np.asarray(full, dtype=int)).max(axis=2)
    assert tuple(got[0, 0]) == (255, 255, 255)  # the background is the page's white
    # a chart has few colours: 256 cover them closely (octree buckets: a few units of 255 on
    # flat areas, a little more on anti-aliased edges)
    assert err.mean() < 1.0 and err.max() <= 24


def test_registry_cached_in_a_batch_kernel_is_the_same_frame(tmp_path, monkeypatch):
    """The warm-kernel cache of the registry is free: equal frames, own copies, edits re-read."""
    import os
    import shutil

    import analysis
    from analysis.config import data_dir
    from analysis.data import loaders
    from analysis.reports.kernel_state import cache_registry

    monkeypatch.setattr(loaders, "load_targets", loaders.load_targets)  # restored after the test
    if "load_targets" in vars(analysis):
        monkeypatch.setattr(analysis, "load_targets", analysis.load_targets)
    fresh = loaders.load_targets()
    cache_registry()
    cache_registry()  # twice is harmless
    first, second = loaders.load_targets(), loaders.load_targets()
    assert first.equals(fresh) and second.equals(fresh) and first is not second
    first.loc[first.index[0], "region"] = "changed"
    assert loaders.load_targets().equals(fresh)  # a caller's edit does not leak

    copy = tmp_path / "targets.csv"
    shutil.copy(data_dir() / "targets" / "targets.csv", copy)
    assert len(loaders.load_targets(copy)) == len(fresh)
    lines = copy.read_text(encoding="utf-8").splitlines(keepends=True)
    copy.write_text("".join(lines[:-1]), encoding="utf-8")  # one target fewer
    os.utime(copy, ns=(1, 1))
    assert len(loaders.load_targets(copy)) == len(fresh) - 1
