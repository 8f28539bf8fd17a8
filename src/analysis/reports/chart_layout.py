"""A light layout engine for one-axes report charts: margins from measured text, no search.

Constrained layout (what the charts used before) finds the margins by asking every artist for its
tight bounding box, twice, then the draw lays the same text out again: about 45 % of a chart's
draw time. A report chart has one axes with its decorations on known sides (title above, tick
labels and axis labels left and below, legends and notes inside), so the margins follow from the
sizes of a few strings: the widest y tick label, the height of the x tick labels, the axis labels
and the title (all measured with matplotlib's own cached text metrics, in the chart's fonts).
Small multiples (one axes per grid cell) get the same margins in every cell; other figures with
more than one axes (a colour bar) are left to constrained layout.

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

    Same flags as constrained layout (colour bars steal space the same way). One axes, or small
    multiples with one axes per cell of one grid, take the light path (:func:`fit_grid`); any
    other figure (a colour bar, a spanning panel) is handed to constrained layout.
    Deterministic: the margins depend only on the strings and fonts drawn.
    """

    _adjust_compatible = False
    _colorbar_gridspec = False

    def execute(self, fig) -> None:
        """Set the axes positions (called by ``Figure.draw`` before anything is drawn)."""
        axes = fig.get_axes()
        if not axes or fig.subfigs or not fit_grid(fig, axes):
            ConstrainedLayoutEngine().execute(fig)


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


def _ticks_extent(renderer, axis, dpi: float) -> tuple[float, float]:
    """Width of the widest and height of the tallest shown tick label, in pixels; the height
    includes the tick's offset from the spine (tick length and pad). ``(0, 0)`` without labels."""
    if not axis.get_visible():
        return 0.0, 0.0
    labels = _tick_labels(axis)
    tick = axis.majorTicks[0] if labels else None
    if tick is None or not tick.label1.get_visible():
        return 0.0, 0.0
    prop = tick.label1.get_fontproperties()
    sizes = [_get_text_metrics_with_cache(renderer, s, prop, False, dpi)[:2] for s in labels]
    offset = (tick.get_pad() + tick.get_tick_padding()) * dpi / 72
    return max(w for w, _ in sizes), max(h for _, h in sizes) + offset


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


def _grid_of(axes: list) -> tuple[int, int, list[tuple[int, int]]] | None:
    """(rows, columns, the (row, column) of each axes) when every axes fills one cell of one grid."""
    specs = [ax.get_subplotspec() for ax in axes]
    if any(spec is None for spec in specs):
        return None
    grid = specs[0].get_gridspec()
    cells = []
    for spec in specs:
        if spec.get_gridspec() is not grid or spec.num1 != spec.num2:
            return None
        cells.append(divmod(spec.num1, grid.ncols))
    return grid.nrows, grid.ncols, cells


def _vertical_needs(renderer, ax, dpi: float) -> tuple[float, float]:
    """Pixels the title needs above ``ax`` and the x tick labels and x label need below it."""
    top = 0.0
    if ax.title.get_text():
        top += _text_extent(renderer, ax.title, dpi)[1] + _title_pad() * dpi / 72
    _, bottom = _ticks_extent(renderer, ax.xaxis, dpi)
    if ax.xaxis.label.get_text():
        bottom += _text_extent(renderer, ax.xaxis.label, dpi)[1] + ax.xaxis.labelpad * dpi / 72
    return top, bottom


def _horizontal_needs(renderer, ax, dpi: float, width_px: float) -> tuple[float, float]:
    """Pixels the y tick labels and y label need left of ``ax``, and the x tick labels' overhang."""
    left, _ = _ticks_extent(renderer, ax.yaxis, dpi)
    if left:
        tick = ax.yaxis.majorTicks[0]
        left += (tick.get_pad() + tick.get_tick_padding()) * dpi / 72
    if ax.yaxis.label.get_text():
        left += _text_extent(renderer, ax.yaxis.label, dpi)[0] + ax.yaxis.labelpad * dpi / 72
    over_l, over_r = _x_overhang(renderer, ax, dpi, width_px - left)
    return max(left, over_l), over_r


def fit_grid(fig, axes: list) -> bool:
    """Place ``axes`` (one per cell of one grid; a single axes is a 1 × 1 grid) so that their
    decorations fit, with :data:`EDGE_PAD` around each cell; ``False`` if they are not such a grid.

    Every cell gets the same margins (the largest any panel needs), so panels line up as under
    constrained layout. Order matters because tick locators depend on the axes size: the vertical
    margins first (titles, x tick labels, x labels, figure notes at the bottom), then the y tick
    labels at that height, then the x tick labels' overhang at that width. Axes turned off
    (empty cells of small multiples) are not measured.
    """
    grid = _grid_of(axes)
    if grid is None:
        return False
    nrows, ncols, cells = grid
    renderer = fig._get_renderer()
    dpi = fig.dpi
    fw, fh = fig.get_figwidth() * dpi, fig.get_figheight() * dpi
    pad = EDGE_PAD * dpi / 72
    notes = sum(_text_extent(renderer, t, dpi)[1] for t in fig.texts
                if t.get_visible() and t.get_text() and t.get_position()[1] < 0.5)
    cw, ch = fw / ncols, (fh - notes) / nrows
    shown = [ax for ax in axes if ax.axison]

    def place(lm: float, rm: float, tm: float, bm: float) -> None:
        for ax, (row, col) in zip(axes, cells):
            x0 = col * cw + lm
            y0 = notes + (nrows - 1 - row) * ch + bm
            ax.set_position([x0 / fw, y0 / fh, max(1.0, cw - lm - rm) / fw, max(1.0, ch - tm - bm) / fh])

    place(0.1 * cw, 0.1 * cw, 0.1 * ch, 0.1 * ch)  # a fixed start: the ticks measured never depend on
    top = bottom = left = right = 0.0              # where a reused figure's axes were before
    for ax in shown:
        t, b = _vertical_needs(renderer, ax, dpi)
        top, bottom = max(top, t), max(bottom, b)
    top, bottom = top + pad, bottom + pad
    place(0.1 * cw, 0.1 * cw, top, bottom)
    for ax in shown:
        lm, rm = _horizontal_needs(renderer, ax, dpi, cw - 2 * pad)
        left, right = max(left, lm), max(right, rm)
    place(left + pad, right + pad, top, bottom)
    return True


def _title_pad() -> float:
    """The gap between the axes top and its title, in points (``axes.titlepad``)."""
    import matplotlib as mpl

    return float(mpl.rcParams["axes.titlepad"])
