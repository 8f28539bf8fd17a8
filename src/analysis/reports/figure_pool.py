"""Reuse of chart figures inside a batch kernel: one Figure per chart size, its artists cleared.

Making a Figure and its Axes, the ticks, and a fresh Agg renderer (whose text measurements start
from an empty cache) is about half of a simple chart's time; a batch kernel draws the same three
chart kinds for every target report. With the pool on (:func:`enable`, done by the batch kernels'
warm-up), :func:`analysis.reports.figures.show` hands a figure back after embedding it
(:func:`release`): its data artists, legend, notes, title, labels, tick locators and limits are
cleared, the axes, ticks and canvas kept, and the next chart of the same size reuses it.

A released figure must not be used again by its caller, so the pool is off outside batch kernels
(JupyterLab users keep their figures) and only figures that went through ``show`` return to it.
The look does not depend on what was drawn before: tests compare a chart drawn on a fresh figure
with the same chart drawn on a pooled one, byte for byte.

Example: ``enable(); fig, ax = take(7.5, 4.2) or new(...); ...; release(fig)``.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

#: free figures by (width, height, rc stamp); ``None`` while the pool is off
_FREE: OrderedDict[tuple, Any] | None = None
#: figure sizes kept at most (a city scorecard's height depends on its number of goals)
MAX_SIZES = 8
#: rcParams a figure takes at creation and keeps (fonts, sizes, colours, grid): a pooled figure is
#: reused only under the same values
RC_KEYS = ("font.family", "font.size", "figure.dpi", "figure.facecolor", "axes.facecolor", "axes.edgecolor",
           "axes.grid", "axes.titlesize", "axes.labelsize", "axes.titley", "axes.titlepad", "xtick.labelsize",
           "ytick.labelsize", "xtick.major.size", "ytick.major.size", "xtick.major.pad", "ytick.major.pad",
           "grid.color", "grid.linewidth", "axes.prop_cycle", "axes.xmargin", "axes.ymargin", "axes.unicode_minus")
POOL_KEY = "_analysis_pool_key"


def enable(on: bool = True) -> None:
    """Turn figure reuse on (a batch kernel's warm-up) or off (and forget the free figures)."""
    global _FREE
    _FREE = OrderedDict() if on else None


def enabled() -> bool:
    """Whether charts reuse pooled figures (only in batch kernels)."""
    return _FREE is not None


def _stamp(width: float, height: float) -> tuple:
    import matplotlib as mpl

    rc = mpl.rcParams
    return (float(width), float(height), *(str(rc[k]) for k in RC_KEYS))


def take(width: float, height: float) -> tuple[Any, Any] | None:
    """A free pooled (figure, axes) of this size under the current rcParams, or ``None``."""
    if _FREE is None:
        return None
    key = _stamp(width, height)
    fig = _FREE.pop(key, None)
    return (fig, fig.axes[0]) if fig is not None else None


def mark(fig: Any, width: float, height: float) -> None:
    """Note a new figure's size and rcParams, so that :func:`release` can pool it (pool on only)."""
    if _FREE is not None:
        setattr(fig, POOL_KEY, _stamp(width, height))


def release(fig: Any) -> None:
    """After a figure was embedded: clear it and keep it for the next chart of its size.

    Figures with more than one axes (a colour bar), sub-figures or a changed dpi are dropped.
    """
    key = getattr(fig, POOL_KEY, None)
    if _FREE is None or key is None or len(fig.axes) != 1 or fig.subfigs:
        return
    import matplotlib as mpl

    if fig.dpi != mpl.rcParams["figure.dpi"]:
        return
    clear(fig, fig.axes[0], key[0], key[1])
    _FREE[key] = fig
    _FREE.move_to_end(key)
    while len(_FREE) > MAX_SIZES:
        _FREE.popitem(last=False)


def clear(fig: Any, ax: Any, width: float, height: float) -> None:
    """Return ``fig`` and ``ax`` to the state of ``Figure(figsize=(width, height)); fig.add_subplot()``
    for everything a report chart sets: artists, legend, figure notes, title and labels, scales
    (default locators and formatters), limits and autoscaling, margins, the colour cycle, size."""
    import matplotlib as mpl
    from matplotlib.transforms import Bbox

    for group in (ax.lines, ax.collections, ax.patches, ax.texts, ax.images, ax.tables, ax.artists):
        for artist in list(group):
            artist.remove()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    ax.containers.clear()
    for text in list(fig.texts):
        text.remove()
    ax.set_title("")
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xscale("linear")  # default locators and formatters
    ax.set_yscale("linear")
    ax.dataLim.set(Bbox.null())
    ax.ignore_existing_data_limits = True
    ax.set_xlim(0, 1, auto=True)
    ax.set_ylim(0, 1, auto=True)
    ax.set_autoscale_on(True)
    margins = (mpl.rcParams["axes.xmargin"], mpl.rcParams["axes.ymargin"])
    if ax.margins() != margins:
        ax.margins(*margins)
    ax.use_sticky_edges = True
    ax.set_prop_cycle(None)
    if tuple(fig.get_size_inches()) != (width, height):
        fig.set_size_inches(width, height)
