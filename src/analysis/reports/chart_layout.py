"""A light layout engine for one-axes report charts: margins from measured text, no search.

Constrained layout (what the charts used before) finds the margins by asking every artist for its
tight bounding box, twice, then the draw lays the same text out again: about 45 % of a chart's
draw time. A report chart has one axes with its decorations on known sides (title above, tick
labels and axis labels left and below, legends and notes inside), so the margins follow from the
sizes of a few strings: the widest y tick label, the height of the x tick labels, the axis labels
and the title (all measured with matplotlib's own cached text metrics, in the chart's fonts).
Figures with more than one axes (a colour bar, small multiples) are left to constrained layout.

Example: ``fig = Figure(layout=MarginLayout()); ax = fig.add_subplot(); ...; fig.canvas.draw()``.
"""
from __future__ import annotations

import numpy as np
from matplotlib.layout_engine import ConstrainedLayoutEngine, LayoutEngine
from matplotlib.text import _get_text_metrics_with_cache

#: blank space between the decorations and the canvas edge, in points (constrained layout's w_pad/h_pad)
EDGE_PAD = 3.0


class MarginLayout(LayoutEngine):
    """Place a figure's single axes so that its title, labels and tick labels fit the canvas.

    Same flags as constrained layout (colour bars steal space the same way), and figures with more
    than one axes are handed to constrained layout: only the common one-axes chart takes the
    light path. Deterministic: the margins depend only on the strings and fonts drawn.
    """

    _adjust_compatible = False
    _colorbar_gridspec = False

    def execute(self, fig) -> None:
        """Set the axes position (called by ``Figure.draw`` before anything is drawn)."""
        axes = fig.get_axes()
        if len(axes) != 1 or fig.subfigs:
            ConstrainedLayoutEngine().execute(fig)
            return
        fit_margins(fig, axes[0])


def _text_extent(renderer, text, dpi: float) -> tuple[float, float]:
    """Width and height in pixels of a Text artist as drawn (rotation and line breaks included)."""
    if not text.get_visible() or not text.get_text():
        return 0.0, 0.0
    bbox = text.get_window_extent(renderer, dpi=dpi)
    return float(bbox.width), float(bbox.height)


def _tick_labels(axis) -> list[str]:
    """The major tick labels the draw will show: ticks inside the view interval, formatted."""
    locs = np.asarray(axis.get_majorticklocs(), dtype=float)
    lo, hi = sorted(axis.get_view_interval())
    tol = 1e-10 * max(1.0, abs(hi - lo))
    locs = locs[(locs >= lo - tol) & (locs <= hi + tol)]
    if locs.size == 0:
        return []
    return [s for s in axis.get_major_formatter().format_ticks(locs) if s]


def _ticks_extent(renderer, axis, dpi: float) -> tuple[float, float, list[tuple[float, float]]]:
    """Widest and tallest tick label in pixels, plus the tick's offset from the spine, and per-label
    (position along the axis as a fraction, width) for the labels at the ends."""
    if not axis.get_visible():
        return 0.0, 0.0, []
    labels = _tick_labels(axis)
    if not labels:
        return 0.0, 0.0, []
    tick = axis.majorTicks[0]
    if not tick.label1.get_visible():
        return 0.0, 0.0, []
    prop = tick.label1.get_fontproperties()
    sizes = [_get_text_metrics_with_cache(renderer, s, prop, False, dpi)[:2] for s in labels]
    offset = (tick.get_pad() + tick.get_tick_padding()) * dpi / 72
    return max(w for w, _ in sizes), max(h for _, h in sizes) + offset, sizes


def _x_overhang(renderer, ax, dpi: float, width_px: float) -> tuple[float, float]:
    """How far the first and last x tick labels (centred on their ticks) reach beyond the axes, in px."""
    axis = ax.xaxis
    if not axis.get_visible() or not axis.majorTicks[0].label1.get_visible():
        return 0.0, 0.0
    locs = np.asarray(axis.get_majorticklocs(), dtype=float)
    lo, hi = axis.get_view_interval()
    if hi == lo or locs.size == 0:
        return 0.0, 0.0
    frac = (locs - lo) / (hi - lo)
    keep = (frac >= -1e-10) & (frac <= 1 + 1e-10)
    locs, frac = locs[keep], frac[keep]
    if locs.size == 0:
        return 0.0, 0.0
    labels = axis.get_major_formatter().format_ticks(locs)
    prop = axis.majorTicks[0].label1.get_fontproperties()
    left = right = 0.0
    for f, s in zip(frac, labels):
        if not s:
            continue
        w = _get_text_metrics_with_cache(renderer, s, prop, False, dpi)[0]
        left = max(left, w / 2 - f * width_px)
        right = max(right, w / 2 - (1 - f) * width_px)
    return left, right


def fit_margins(fig, ax) -> None:
    """Place ``ax`` so that its decorations fit inside ``fig`` with :data:`EDGE_PAD` to spare.

    Order matters because tick locators depend on the axes size: the vertical margins first (title,
    x tick labels, x label, notes at the bottom of the figure), then the y tick labels at that
    height, then the x tick labels' overhang at that width.
    """
    renderer = fig._get_renderer()
    dpi = fig.dpi
    fw, fh = fig.get_figwidth() * dpi, fig.get_figheight() * dpi
    pad = EDGE_PAD * dpi / 72
    pt = dpi / 72
    # vertical: title above, x tick labels and x label below, figure notes at the bottom
    top = pad
    if ax.title.get_text():
        top += _text_extent(renderer, ax.title, dpi)[1] + _title_pad() * pt
    _, xtick_h, _ = _ticks_extent(renderer, ax.xaxis, dpi)
    bottom = pad + xtick_h
    if ax.xaxis.label.get_text():
        bottom += _text_extent(renderer, ax.xaxis.label, dpi)[1] + ax.xaxis.labelpad * pt
    for t in fig.texts:
        if t.get_visible() and t.get_text() and t.get_position()[1] < 0.5:
            bottom += _text_extent(renderer, t, dpi)[1]
    ax.set_position([0.1, bottom / fh, 0.8, max(0.05, 1 - (top + bottom) / fh)])
    # horizontal: y tick labels and the y label on the left, overhanging x tick labels on both sides
    ytick_w, _, _ = _ticks_extent(renderer, ax.yaxis, dpi)
    if ytick_w:
        tick = ax.yaxis.majorTicks[0]
        ytick_w += (tick.get_pad() + tick.get_tick_padding()) * pt
    left = pad + ytick_w
    if ax.yaxis.label.get_text():
        left += _text_extent(renderer, ax.yaxis.label, dpi)[0] + ax.yaxis.labelpad * pt
    right = pad
    width = fw - left - right
    over_l, over_r = _x_overhang(renderer, ax, dpi, width)
    left = max(left, pad + over_l)
    right += over_r
    ax.set_position([left / fw, bottom / fh, max(0.05, 1 - (left + right) / fw), max(0.05, 1 - (top + bottom) / fh)])


def _title_pad() -> float:
    """The gap between the axes top and its title, in points (``axes.titlepad``)."""
    import matplotlib as mpl

    return float(mpl.rcParams["axes.titlepad"])
