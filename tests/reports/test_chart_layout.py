"""The light chart path: the margin layout keeps every decoration on the canvas, and a figure reused
from the batch kernels' pool draws the same bytes as a fresh one."""
from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from analysis.reports import figure_pool, plots
from analysis.reports.chart_layout import EDGE_PAD, MarginLayout
from analysis.reports.fonts import setup_plotting


@pytest.fixture(autouse=True)
def _fonts():
    setup_plotting()
    yield
    figure_pool.enable(False)


def _variants(make_assessment):
    """Assessments whose charts stress the margins: long names, big amounts, no data, one fan year."""
    long_en = "Local S&T expenditure as share of local general budget expenditure of the whole city"
    return [
        make_assessment(),
        make_assessment(indicator_zh=long_en, region="Shanwei"),
        make_assessment(unit="万元", kind="amount", baseline_value=1.2e7, target_value=3.4e7, level_p50=1.5e7,
                        level_p80=1.3e7, history=None, fan=pd.DataFrame({"year": [2022], "q05": [1e7], "q10": [1.1e7],
                        "q25": [1.3e7], "q50": [1.5e7], "q75": [1.7e7], "q90": [1.9e7], "q95": [2.1e7]})),
        make_assessment(history=None, fan=None, peer_changes=None, level_p50=None),
    ]


def _charts(a, lang):
    return [plots.fan_chart(a, lang), plots.peer_distribution(a, lang), plots.realistic_levels(a, lang)]


def _on_canvas(fig, renderer, what) -> None:
    """Every title, axis label and shown tick label of every visible axes lies inside the canvas."""
    inside = fig.bbox.padded(0.5)  # half a pixel of rounding
    for ax in fig.axes:
        if not ax.axison:
            continue
        texts = [ax.title, ax.xaxis.label, ax.yaxis.label, *_shown_ticklabels(ax.xaxis), *_shown_ticklabels(ax.yaxis)]
        for text in texts:
            if text.get_visible() and text.get_text():
                box = text.get_window_extent(renderer)
                assert inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1), \
                    (what, text.get_text(), box, fig.bbox)


def _shown_ticklabels(axis):
    """Tick labels the draw shows (ticks inside the view interval; matplotlib keeps others hidden)."""
    lo, hi = sorted(axis.get_view_interval())
    tol = 1e-9 * max(1.0, hi - lo)
    return [t.label1 for t in axis.get_major_ticks() if lo - tol <= t.get_loc() <= hi + tol]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_margin_layout_keeps_titles_labels_and_ticks_on_the_canvas(make_assessment, lang):
    for a in _variants(make_assessment):
        for fig in _charts(a, lang):
            assert isinstance(fig.get_layout_engine(), MarginLayout)
            canvas = FigureCanvasAgg(fig)
            canvas.draw()
            renderer = canvas.get_renderer()
            _on_canvas(fig, renderer, (a.indicator_zh, lang))
            # the axes is not squeezed by over-generous margins: the decorations take what they need
            tight = fig.get_tightbbox(renderer)
            pad = EDGE_PAD / 72
            assert tight.x0 < 4 * pad + 0.05 and tight.y0 < 4 * pad + 0.05
            assert tight.x1 > fig.get_figwidth() - 4 * pad - 0.1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_small_multiples_share_margins_and_keep_labels_on_the_canvas(make_assessment, lang):
    panels = _variants(make_assessment)[:3]
    fig = plots.fan_grid(panels, lang)  # 3 panels in a 2 × 2 grid: one cell left empty
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    _on_canvas(fig, canvas.get_renderer(), lang)
    boxes = [ax.get_position() for ax in fig.axes if ax.axison]
    assert len(boxes) == 3 and len({round(b.width, 6) for b in boxes}) == 1  # panels line up
    assert len({round(b.height, 6) for b in boxes}) == 1
    assert boxes[0].x1 < boxes[1].x0 and boxes[2].y1 < boxes[0].y0  # no panel over another


def test_a_pooled_figure_draws_the_same_bytes_as_a_fresh_one(make_assessment):
    """Charts of every kind, language and data state, drawn in a shuffled order on reused figures."""
    rec = make_assessment().to_record()
    results = pd.DataFrame([rec, dict(rec, target_id="b", p_meet=0.7, verdict="on_track"),
                            dict(rec, target_id="c", p_meet=None, verdict="insufficient_data")])
    kinds = {"fan": plots.fan_chart, "peer": plots.peer_distribution, "levels": plots.realistic_levels,
             "city": lambda r, lang: plots.city_scorecard(r, "汕尾市", lang)}
    jobs = [(k, a, lang) for a in _variants(make_assessment) for lang in ("zh", "en") for k in ("fan", "peer", "levels")]
    jobs += [("city", results, "zh"), ("city", results.iloc[:1], "en")]

    def draw(order):
        out = {}
        for i in order:
            kind, data, lang = jobs[i]
            fig = kinds[kind](data, lang)
            out[i] = plots.figure_png(fig)
            figure_pool.release(fig)
        return out

    fresh = draw(range(len(jobs)))
    figure_pool.enable()
    order = list(range(len(jobs)))
    random.Random(3).shuffle(order)
    pooled = draw(order + order[::-1])  # each figure reused many times, after every other kind
    assert figure_pool.take(7.5, 4.2) is not None  # the figures did go back to the pool
    differ = [jobs[i][:1] + (jobs[i][2],) for i in range(len(jobs)) if fresh[i] != pooled[i]]
    assert not differ


def test_pool_is_off_outside_batch_kernels_and_keys_on_rcparams(make_assessment):
    import matplotlib as mpl

    assert not figure_pool.enabled()
    fig = plots.fan_chart(make_assessment())
    plots.figure_png(fig)
    figure_pool.release(fig)  # off: nothing kept, the caller's figure is untouched
    assert fig.axes[0].get_title() and fig.axes[0].lines
    figure_pool.enable()
    fig = plots.fan_chart(make_assessment())
    figure_pool.release(fig)
    with mpl.rc_context({"font.size": 20}):  # another style: a new figure, not the pooled one
        assert figure_pool.take(7.5, 4.2) is None
    assert figure_pool.take(7.5, 4.2) is not None
    assert np.isclose(fig.get_figheight(), 4.2) and not fig.axes[0].lines and not fig.axes[0].get_title()
