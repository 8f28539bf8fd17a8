"""Chinese text in matplotlib/seaborn charts without any system font package.

The CJK font comes from the PyPI package ``pylopdf-fonts-zh-cn`` (Noto Sans SC, SIL OFL 1.1), a
declared dependency, so ``pip install`` is enough. Fonts registered with ``addfont`` do not
persist in matplotlib's cache, so :func:`setup_plotting` registers it every time; call it at the
top of every notebook (and it is cheap to call twice).

Search order for the font file: ``$ANALYSIS_CJK_FONT`` (a path), the PyPI package, known Debian
paths (``fonts-noto-cjk``, ``fonts-wqy-microhei``), then ``fc-match :lang=zh``.
"""
from __future__ import annotations

import base64
import io
import os
import re
import shutil
import subprocess
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

ENV_FONT = "ANALYSIS_CJK_FONT"

#: system fonts tried after the PyPI package (Debian/Ubuntu paths)
SYSTEM_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


class FontNotFoundError(RuntimeError):
    """No font able to draw Chinese characters was found."""


def cjk_font_path() -> Path:
    """Path of a font file with Simplified Chinese glyphs (see the module docstring for the order)."""
    env = os.environ.get(ENV_FONT)
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise FontNotFoundError(f"${ENV_FONT}={env} is not a file")
        return path
    try:
        import pylopdf_fonts_zh_cn

        path = Path(pylopdf_fonts_zh_cn.sans_path())
        if path.is_file():
            return path
    except ImportError:
        pass
    for candidate in SYSTEM_FONTS:
        if Path(candidate).is_file():
            return Path(candidate)
    if shutil.which("fc-match"):
        out = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh"], capture_output=True, text=True,
                             check=False).stdout.strip()
        if out and Path(out).is_file():
            return Path(out)
    raise FontNotFoundError(
        "no Chinese font found: install the Python package 'pylopdf-fonts-zh-cn' "
        f"(a dependency of analysis), or set ${ENV_FONT} to a .otf/.ttf/.ttc file"
    )


@lru_cache(maxsize=1)
def register_cjk_font() -> str:
    """Register the CJK font with matplotlib (once per process) and return its family name."""
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def font_family() -> list[str]:
    """The font fallback list: Latin glyphs from DejaVu Sans, Han glyphs from the CJK font."""
    return ["DejaVu Sans", register_cjk_font()]


def apply_fonts() -> str:
    """Point matplotlib's sans-serif family at [DejaVu Sans, CJK]; returns the CJK family name."""
    import matplotlib as mpl

    family = font_family()
    # A list of concrete families (not the generic "sans-serif", which resolves to ONE font)
    # gives per-glyph fallback: Latin from DejaVu Sans, Han from the CJK font.
    mpl.rcParams["font.family"] = family
    mpl.rcParams["font.sans-serif"] = family + [f for f in mpl.rcParams["font.sans-serif"] if f not in family]
    mpl.rcParams["axes.unicode_minus"] = False  # the CJK font's minus is not always U+2212
    return family[1]


def setup_plotting(context: str = "notebook", style: str = "whitegrid", dpi: int = 110) -> str:
    """Seaborn theme + Chinese fonts + report-friendly defaults; returns the CJK family name.

    ``sns.set_theme`` resets the font settings, so the fonts are applied after it.
    Figures are rendered as PNG (embedded as base64 in the HTML reports).
    """
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(context=context, style=style)
    cjk = apply_fonts()
    mpl.rcParams.update({
        "figure.dpi": dpi,
        "savefig.dpi": dpi,
        "figure.figsize": (7.5, 4.2),
        "figure.constrained_layout.use": True,
        # Noto Sans SC ships one weight: bold titles would mix bold Latin with regular Han
        "axes.titleweight": "normal",
        "figure.titleweight": "normal",
        "svg.fonttype": "none",
        # a fixed title height: matplotlib then skips measuring every axis to lift the title
        # above top tick labels (the charts have none), a fifth of a chart's draw
        "axes.titley": 1.0,
    })
    try:  # inline backend in a kernel: PNG only, tight bounding box
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
    except Exception:  # noqa: BLE001 - not in IPython / old matplotlib-inline
        pass
    return cjk


# ---------------------------------------------------------------------- fonts for HTML pages
WEB_FAMILY = "Report CJK"
_DATA_URI = re.compile(r"data:[a-z/+.-]+;base64,[A-Za-z0-9+/=]+")


def page_characters(page: str) -> str:
    """The non-ASCII characters a page shows (embedded images and tags' attributes ignored)."""
    text = _DATA_URI.sub("", page)
    return "".join(sorted({c for c in text if ord(c) > 0x7F and not c.isspace()}))


#: subsets already made in this process, keyed by their characters (the key is the whole input, so
#: a cache hit gives the same bytes as a fresh subset: pages stay byte-deterministic)
_SUBSETS: OrderedDict[tuple[str, str], str] = OrderedDict()
MAX_CACHED_SUBSETS = 16
#: tables a browser does not need for horizontal text (vertical metrics, baselines, layout rules)
DROP_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx")


def _subset_options(flavor: str | None) -> object:
    """fontTools options of every cut: no layout rules, no hinting, family/style names only."""
    from fontTools import subset

    opts = subset.Options()
    opts.layout_features = []
    opts.drop_tables += list(DROP_TABLES)
    opts.notdef_outline = True
    opts.hinting = False
    opts.name_IDs = [1, 2]  # family and style names only
    opts.flavor = flavor
    return opts


def _cut(source: object, chars: str, flavor: str | None) -> bytes:
    """The font read from ``source`` (a path or a file object) cut down to ``chars``, as bytes."""
    from fontTools import subset

    opts = _subset_options(flavor)
    font = subset.load_font(source, opts)
    font.recalcTimestamp = False  # keep head.modified: the same input gives the same bytes
    sub = subset.Subsetter(opts)
    sub.populate(text="".join(sorted(set(chars))))
    sub.subset(font)
    buf = io.BytesIO()
    subset.save_font(font, buf, opts)
    return buf.getvalue()


def base_characters() -> str:
    """The fixed characters of the per-process base font: GB 2312 (its 6,763 Han characters and
    symbols) plus Latin, punctuation, arrows, maths, enclosed numbers and full-width forms.

    Fixed (it depends on no report or batch), so the base font is the same on every run.
    Example: ``"汕" in base_characters() and "目" in base_characters()``.
    """
    chars = set()
    for b1 in range(0xA1, 0xF8):
        for b2 in range(0xA1, 0xFF):
            try:
                chars.add(bytes((b1, b2)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    for lo, hi in BASE_RANGES:
        chars.update(map(chr, range(lo, hi)))
    return "".join(sorted(chars))


#: code-point ranges added to GB 2312 in the base font (Latin, punctuation, symbols, full-width forms)
BASE_RANGES = ((0x20, 0x250), (0x2000, 0x2070), (0x2100, 0x2150), (0x2190, 0x2300), (0x2460, 0x2700),
               (0x3000, 0x3040), (0xFF00, 0xFFF0))


def _font_cache_dir() -> Path | None:
    """Where cut fonts are kept between runs: ``$ANALYSIS_CACHE_DIR/../fonts`` (default
    ``~/.cache/analysis/fonts``, beside the model-fit cache); ``None`` when ``ANALYSIS_CACHE=0``."""
    from analysis.engine.cache import cache_dir

    fits = cache_dir()  # the same switch and folder rules as the fit cache
    return None if fits is None else fits.parent / "fonts"


def _font_stamp(font: Path) -> str:
    """The font file's path, size and mtime and the fontTools version: what every cut depends on."""
    import fontTools

    st = font.stat()
    return f"{font}|{st.st_size}|{st.st_mtime_ns}|{fontTools.version}|"


def _base_cache_file(font: Path) -> Path | None:
    """Where the base font of ``font`` is kept between runs (``None`` when ``ANALYSIS_CACHE=0``).

    The name hashes :func:`_font_stamp` and the base characters, so a stale base is never read.
    """
    import hashlib

    folder = _font_cache_dir()
    if folder is None:
        return None
    h = hashlib.sha256(_font_stamp(font).encode("utf-8"))
    h.update(base_characters().encode("utf-8"))
    return folder / f"base-{h.hexdigest()[:20]}.otf"


def _subset_cache_file(chars: str) -> Path | None:
    """Where the subset of ``chars`` (sorted, unique) is kept between runs (``None`` when off).

    The name hashes :func:`_font_stamp` and the characters: the same font and characters always
    give the same bytes, so a stored subset is the subset a fresh cut would give.
    """
    import hashlib

    folder = _font_cache_dir()
    if folder is None:
        return None
    h = hashlib.sha256(_font_stamp(cjk_font_path()).encode("utf-8"))
    h.update(chars.encode("utf-8"))
    return folder / "subsets" / f"{h.hexdigest()[:32]}.woff"


@lru_cache(maxsize=1)
def base_font() -> tuple[bytes, frozenset[int]]:
    """The CJK font cut to :func:`base_characters` (once per process) and the code points it holds.

    Cutting a page's subset from this ~1.5 MB base instead of the 8 MB font gives the same bytes
    about three times faster (the 65,000-glyph CFF and cmap are parsed once, not once per page).
    Kept on disk between runs (:func:`_base_cache_file`); made in ~4 s when absent.
    Example: ``ord("汕") in base_font()[1]``.
    """
    from fontTools.ttLib import TTFont

    path = cjk_font_path()
    cached = _base_cache_file(path)
    data = None
    if cached is not None and cached.is_file():
        try:
            data = cached.read_bytes()
            codes = frozenset(TTFont(io.BytesIO(data), lazy=True).getBestCmap())
        except Exception:  # noqa: BLE001 - a damaged cache file is made again
            data = None
    if data is None:
        data = _cut(str(path), base_characters(), None)
        codes = frozenset(TTFont(io.BytesIO(data), lazy=True).getBestCmap())
        if cached is not None:
            _write_quietly(cached, data)
    return data, codes


def _write_quietly(path: Path, data: bytes) -> None:
    """Write a cache file atomically; a folder that cannot be written only costs the cache."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        pass


def font_subset_bytes(chars: str) -> bytes:
    """The CJK font cut down to ``chars``, as WOFF (zlib), without hinting: the same chars give the same bytes.

    Deterministic: the font's ``head.modified`` is kept (fontTools would stamp the time of saving)
    and the characters are sorted first. Hinting is dropped (screens at report sizes do not use it;
    it is ~15 % of a subset). Characters all in the base font (:func:`base_font`, GB 2312 and
    symbols) are cut from it, others from the whole font: both give the same bytes. A cut is kept
    on disk (:func:`_subset_cache_file`): a page whose characters were cut before, in any run,
    reads its subset back (~0.3 s saved a page).
    Example: ``len(font_subset_bytes("目标"))`` is a few KB.
    """
    chars = "".join(sorted(set(chars)))
    stored = _subset_cache_file(chars)
    if stored is not None and stored.is_file():
        try:
            return stored.read_bytes()
        except OSError:
            pass
    try:
        base, codes = base_font()
    except Exception:  # noqa: BLE001 - no base (fontTools error): cut from the whole font
        base, codes = b"", frozenset()
    if base and all(ord(c) in codes for c in chars):
        data = _cut(io.BytesIO(base), chars, "woff")
    else:
        data = _cut(str(cjk_font_path()), chars, "woff")
    if stored is not None:
        _write_quietly(stored, data)
    return data


def font_face_css(chars: str, family: str = WEB_FAMILY) -> str:
    """An ``@font-face`` rule embedding the CJK font subset to exactly ``chars`` (tens of KB, base64).

    The HTML reports then show Chinese text on machines without any CJK font (no tofu boxes),
    with no network access. Each page gets the subset of its own characters, so the same page
    always gets the same bytes (whatever a batch worker rendered before); the last
    :data:`MAX_CACHED_SUBSETS` subsets are kept for pages with the same characters. Returns ""
    when there is nothing to embed or fontTools is missing.
    Example: ``font_face_css("目标")`` starts with ``@font-face { font-family: "Report CJK"``.
    """
    key = ("".join(sorted(set(chars))), family)
    if not key[0]:
        return ""
    if key in _SUBSETS:
        _SUBSETS.move_to_end(key)
        return _SUBSETS[key]
    try:
        data = font_subset_bytes(key[0])
    except ImportError:  # pragma: no cover - fontTools comes with matplotlib
        return ""
    b64 = base64.b64encode(data).decode("ascii")
    css = f'@font-face {{ font-family: "{family}"; src: url(data:font/woff;base64,{b64}) format("woff"); }}'
    _SUBSETS[key] = css
    while len(_SUBSETS) > MAX_CACHED_SUBSETS:
        _SUBSETS.popitem(last=False)
    return css


def embed_page_font(page: str, family: str = WEB_FAMILY) -> str:
    """Insert the subset CJK font and a font stack that uses it into an HTML page's ``<head>``."""
    css = font_face_css(page_characters(page), family)
    if not css or "</head>" not in page:
        return page
    stack = f'"{family}", -apple-system, "Segoe UI", "Helvetica Neue", Arial, "DejaVu Sans", sans-serif'
    style = (f"<style type=\"text/css\">{css}\n:root {{ --jp-content-font-family: {stack}; "
             f"--jp-ui-font-family: {stack}; }}\nbody {{ font-family: {stack}; }}</style>\n")
    return page.replace("</head>", style + "</head>", 1)
