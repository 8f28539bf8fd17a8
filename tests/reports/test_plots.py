"""Charts: each returns a Figure, draws what it says, and copes with missing data."""
from __future__ import annotations

import re
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis.reports import plots
from analysis.reports.fonts import setup_plotting


@pytest.fixture(autouse=True)
def _fonts():
    setup_plotting()


def _texts(fig: Figure) -> str:
    out = []
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels() + ax.texts]
        leg = ax.get_legend()
        if leg is not None:
            out += [t.get_text() for t in leg.get_texts()]
    out += [t.get_text() for t in fig.texts]
    return " ".join(out)


def _png(fig: Figure) -> bytes:
    data = plots.figure_png(fig)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return data


def test_fan_chart_has_bands_history_and_target(assessment):
    fig = plots.fan_chart(assessment)
    _png(fig)
    ax = fig.axes[0]
    assert len(ax.collections) >= 3 + 4  # three bands + history markers/target/baseline
    offsets = np.vstack([c.get_offsets() for c in ax.collections if hasattr(c, "get_offsets") and len(c.get_offsets())])
    assert any(np.allclose(o, [2022, 100]) for o in offsets)  # the target star
    text = _texts(fig)
    assert "目标 100家" in text and "汕尾市" in text and "95% 区间" in text
    assert "家" in ax.get_yticklabels()[1].get_text()


def test_fan_chart_english_labels(assessment):
    text = _texts(plots.fan_chart(assessment, "en"))
    assert "target 100 firms" in text and "95% interval" in text and "Shanwei" in text
    assert not re.search(r"[\u4e00-\u9fff]", text), text


def test_peer_distribution_marks_required_change(assessment):
    fig = plots.peer_distribution(assessment)
    _png(fig)
    ax = fig.axes[0]
    vlines = [l for l in ax.lines if np.allclose(l.get_xdata(), [assessment.required_change] * 2)]
    assert vlines, "the required change is drawn as a vertical line"
    text = _texts(fig)
    assert "+104.1%" in text and "7 / 160" in text
    ticks = ax.get_yticks()
    assert np.allclose(ticks, np.round(ticks))  # windows are whole: no 0.5 tick


def test_realistic_levels_bars(assessment):
    fig = plots.realistic_levels(assessment)
    _png(fig)
    widths = sorted(p.get_width() for p in fig.axes[0].patches)
    assert widths == [49.0, 56.0, 62.0, 100.0]
    assert "62家" in _texts(fig)


def test_city_scorecard_colours_by_verdict(assessment):
    rec = assessment.to_record()
    results = pd.DataFrame([
        rec,
        dict(rec, target_id="b", indicator_zh="技术合同成交额", p_meet=0.7, verdict="on_track"),
        dict(rec, target_id="c", p_meet=None, verdict="insufficient_data"),
    ])
    fig = plots.city_scorecard(results, "汕尾市")
    _png(fig)
    bars = fig.axes[0].patches
    assert len(bars) == 2  # the target without a probability is footnoted, not drawn
    colours = {tuple(np.round(b.get_facecolor()[:3], 3)) for b in bars}
    assert (round(0x1a / 255, 3), round(0x98 / 255, 3), round(0x50 / 255, 3)) in colours  # on_track green
    assert "另有 1 个目标" in _texts(fig)


def test_coverage_heatmap_and_empty_inputs():
    grid = pd.DataFrame({2020: [1, 0], 2021: [2, 1]}, index=pd.MultiIndex.from_tuples(
        [("广东省", "汕尾市"), ("广东省", "中山市")], names=["parent", "region"]))
    grid["total"] = (grid > 0).sum(axis=1)
    fig = plots.coverage_heatmap(grid, "高新技术企业数量")
    _png(fig)
    assert "汕尾市" in _texts(fig)
    empty = plots.coverage_heatmap(pd.DataFrame(), "x")
    assert "无可用数据" in _texts(empty)


def test_charts_survive_missing_data(make_assessment):
    bare = make_assessment(history=None, fan=None, peer_changes=None, level_p50=None, level_p80=None,
                                p_meet=None, verdict="insufficient_data")
    for fn in (plots.fan_chart, plots.peer_distribution, plots.realistic_levels):
        _png(fn(bare))
    assert "无可用数据" in _texts(plots.peer_distribution(bare))


def test_backtest_charts():
    cal = pd.DataFrame({"bin_lo": [0, .5], "bin_hi": [.5, 1], "n": [40, 60], "mean_p": [.2, .8], "observed": [.25, .75]})
    _png(plots.reliability_diagram(cal))
    scores = pd.DataFrame({"indicator": "all", "model": ["pooled", "own"], "horizon": [1, 1], "n": [10, 10],
                           "crps": [.1, .2], "coverage_50": [.5, .4], "coverage_80": [.8, .7], "coverage_95": [.95, .9]})
    _png(plots.interval_coverage(scores))
    _png(plots.crps_by_model(scores))
