"""Figure mechanics shared by every chart module: a pyplot-free figure, the "no data" canvas, and
the compact deterministic PNG a report embeds. Chart modules (:mod:`analysis.reports.plots`,
:mod:`analysis.reports.backtest_plots`) import from here, never from each other.

Example: ``fig, ax = _figure(); _empty(ax, "en", "title"); png = figure_png(fig)``.
"""
from __future__ import annotations

from matplotlib.figure import Figure

from analysis.reports import figure_pool
from analysis.reports.chart_layout import MarginLayout
from analysis.reports.words import label

BAND_COLOUR = "#3b75af"


def _figure(width: float = 7.5, height: float = 4.2) -> tuple[Figure, object]:
    """A figure not attached to pyplot (no global state; closed by garbage collection).

    Laid out by :class:`~analysis.reports.chart_layout.MarginLayout`: one axes placed from the
    measured sizes of its title, labels and tick labels (constrained layout, which it replaces for
    one-axes charts, costs about 45 % of a chart's draw).
    """
    pooled = figure_pool.take(width, height)  # a batch kernel reuses figures (see figure_pool)
    if pooled is not None:
        return pooled
    fig = Figure(figsize=(width, height), layout=MarginLayout())
    ax = fig.add_subplot()
    figure_pool.mark(fig, width, height)
    return fig, ax


def _empty(ax, lang: str, title: str = "", shrink: bool = True) -> None:
    """Say "no data" on the canvas; a figure with one axes shrinks to a strip."""
    ax.text(0.5, 0.5, label("no_data", lang), ha="center", va="center", fontsize=12, color="#777777",
            transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    if shrink and len(ax.figure.axes) == 1:
        ax.figure.set_size_inches(ax.figure.get_figwidth(), 1.4)


def wrap_title(title: str, lang: str, width_in: float, fontsize: float = 12) -> str:
    """``title`` broken into lines that fit ``width_in`` inches at ``fontsize`` points (no cut at the edge).

    A Han character is about one em wide, a Latin letter about half; a margin is left for the axes.
    Example: ``wrap_title("x" * 200, "en", 7.5).count("\\n") >= 2``.
    """
    import textwrap

    em = width_in * 72 / fontsize * 0.8
    width = max(10, int(em if lang == "zh" else em * 1.8))
    return "\n".join(textwrap.wrap(title, width=width, break_long_words=True)) if len(title) > width else title


# ---------------------------------------------------------------------- display
#: palette entries this close to white are made exactly white (the page background)
NEAR_WHITE = 250


def palette_png(img) -> bytes:
    """An RGB Pillow image as a 256-colour palette PNG (about a third of the true-colour PNG).

    Pillow's fast octree quantiser (~100× faster than max-coverage, which costs as much as the
    chart's draw): charts have few colours, so flat areas move by at most a few units of 255
    (anti-aliased edges a little more); near-white entries are snapped to white so the background
    matches the page. zlib level 6 (level 9 is 5× slower for 10 % fewer bytes). Deterministic.
    Example: ``palette_png(Image.new("RGB", (4, 4), "white"))[:4] == b"\\x89PNG"``.
    """
    import io

    from PIL import Image

    pal = img.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    entries = pal.getpalette() or []
    for i in range(0, len(entries) - 2, 3):
        if min(entries[i:i + 3]) >= NEAR_WHITE:
            entries[i:i + 3] = [255, 255, 255]
    pal.putpalette(entries)
    buf = io.BytesIO()
    pal.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def figure_png(fig: Figure, dpi: int | None = None) -> bytes:
    """PNG bytes of a figure (white background), palette-compressed (see :func:`palette_png`).

    The lightest path that keeps the look: one Agg draw straight into an RGBA buffer (no PNG
    encode/decode in between, and no second "tight bounding box" draw: the layout engines
    already fit titles, labels and legends inside the canvas). A figure drawn before keeps its
    Agg canvas (and so the renderer's cached text measurements).
    Deterministic: no time or version chunks.
    Example: ``figure_png(fan_chart(a))[:8] == b"\\x89PNG\\r\\n\\x1a\\n"``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image, ImageOps

    if dpi and dpi != fig.dpi:
        fig.set_dpi(dpi)
    fig.patch.set_facecolor("white")
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    img = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    # constrained layout leaves ~4 px at the edges; a white border brings it to savefig's 0.1 in pad
    return palette_png(ImageOps.expand(img.convert("RGB"), border=round(0.065 * fig.dpi), fill="white"))


def show(fig: Figure, alt: str = "", caption: str = "") -> None:
    """Display a figure in a notebook as an embedded PNG with alternative text (for the HTML report).

    ``caption`` (plain text, escaped) is shown under the chart: the place for long labels such as
    a reference class, which a chart title would cut at the edge.
    In a batch kernel (:mod:`analysis.reports.figure_pool` on) ``fig`` is cleared for reuse
    afterwards: do not use it again.
    Example: ``show(peer_distribution(a), caption=peer_caption(a))``.
    """
    import html

    from IPython.display import HTML, Image, display

    alt = alt or (fig.axes[0].get_title() if fig.axes else "")
    display(Image(data=figure_png(fig), format="png", metadata={"alt": alt}))
    figure_pool.release(fig)  # in a batch kernel the next chart of this size reuses it
    if caption:
        display(HTML(f'<p class="chart-caption">{html.escape(caption)}</p>'))
