"""Chinese text in charts: a real CJK font registered without any system package."""
from __future__ import annotations

import io
import warnings

import matplotlib
from matplotlib.figure import Figure

from analysis.reports import fonts


def test_cjk_font_comes_from_the_pypi_package():
    import pylopdf_fonts_zh_cn

    assert fonts.cjk_font_path() == pylopdf_fonts_zh_cn.sans_path()


def test_setup_plotting_renders_chinese_without_glyph_warnings(tmp_path):
    import seaborn as sns

    sns.set_theme()  # resets fonts: setup_plotting must still win
    family = fonts.setup_plotting()
    assert family == "Noto Sans SC"
    assert matplotlib.rcParams["font.family"][:2] == ["DejaVu Sans", family]
    assert matplotlib.rcParams["axes.unicode_minus"] is False
    fig = Figure()
    ax = fig.add_subplot()
    ax.set_title("高新技术企业数量（家）目标：100")
    ax.set_xlabel("年份 year")
    ax.plot([2021, 2022], [-49, 100])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any "Glyph … missing" fails here
        fig.savefig(tmp_path / "zh.png")
    assert (tmp_path / "zh.png").stat().st_size > 5000


def test_setup_plotting_twice_is_harmless():
    assert fonts.setup_plotting() == fonts.setup_plotting()


def test_font_face_css_embeds_only_the_page_characters():
    chars = fonts.page_characters('<p>汕尾市 目标</p><img src="data:image/png;base64,5rGV5bC+">')
    assert chars == "".join(sorted("汕尾市目标"))
    css = fonts.font_face_css(chars)
    assert css.startswith("@font-face") and "base64," in css
    assert len(css) < 60_000  # a subset, not the 8 MB font


def test_embed_page_font_inserts_style_in_head():
    page = "<html><head><title>t</title></head><body>高企</body></html>"
    out = fonts.embed_page_font(page)
    assert out.index("@font-face") < out.index("</head>")
    assert fonts.embed_page_font("<p>ascii only</p>") == "<p>ascii only</p>"


def test_font_subset_is_the_same_bytes_whatever_came_before():
    """Each page gets the subset of its own characters: no dependence on earlier pages or the clock."""
    fonts._SUBSETS.clear()
    first = fonts.font_face_css("汕尾市目标")
    fonts.font_face_css("高新技术企业数量家")  # another page in between
    fonts._SUBSETS.clear()
    again = fonts.font_face_css("标目市尾汕")  # same characters, other order, fresh subset
    assert again == first
    assert "data:font/woff;base64," in first
    assert fonts.font_subset_bytes("汕尾") == fonts.font_subset_bytes("尾汕")  # no save-time stamp


def test_font_subset_covers_exactly_the_page_characters():
    import io

    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(fonts.font_subset_bytes("汕尾市")))
    cmap = set(font.getBestCmap())
    assert {ord(c) for c in "汕尾市"} <= cmap
    assert ord("京") not in cmap
    assert "vmtx" not in font and "GSUB" not in font  # vertical metrics and layout rules dropped


def test_subset_from_the_base_font_is_the_subset_of_the_whole_font():
    """Pages are cut from the per-process base font (GB 2312 + symbols): same bytes as from the 8 MB font."""
    base, codes = fonts.base_font()
    for chars in ("汕尾市目标（）", "高新技术企业 R&D 投入强度 ≥ 2.5% → 《方案》、“十四五”", "0123456789abcXYZ，。：；"):
        assert all(ord(c) in codes for c in chars)
        assert fonts._cut(io.BytesIO(base), chars, "woff") == fonts._cut(str(fonts.cjk_font_path()), chars, "woff")
    rare = "𠀀龘"  # outside the base: cut from the whole font, still covering what the font has
    assert ord("𠀀") not in codes
    assert fonts.font_subset_bytes(rare) == fonts._cut(str(fonts.cjk_font_path()), rare, "woff")


def test_base_font_is_kept_on_disk_between_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("ANALYSIS_CACHE", "1")
    monkeypatch.setenv("ANALYSIS_CACHE_DIR", str(tmp_path / "fits"))
    where = fonts._base_cache_file(fonts.cjk_font_path())
    assert where is not None and where.parent == tmp_path / "fonts"
    fonts.base_font.cache_clear()
    try:
        made = fonts.base_font()
        assert where.is_file() and where.read_bytes() == made[0]
        fonts.base_font.cache_clear()
        assert fonts.base_font() == made  # read back, not made again
    finally:
        fonts.base_font.cache_clear()
    monkeypatch.setenv("ANALYSIS_CACHE", "0")
    assert fonts._base_cache_file(fonts.cjk_font_path()) is None


def test_page_subsets_are_kept_on_disk_with_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("ANALYSIS_CACHE", "1")
    monkeypatch.setenv("ANALYSIS_CACHE_DIR", str(tmp_path / "fits"))
    fresh = fonts._cut(str(fonts.cjk_font_path()), "标目市尾汕", "woff")
    assert fonts.font_subset_bytes("汕尾市目标") == fresh
    stored = fonts._subset_cache_file("".join(sorted("汕尾市目标")))
    assert stored.is_file() and stored.read_bytes() == fresh
    assert fonts.font_subset_bytes("目标汕尾市") == fresh  # read back
    stored.write_bytes(b"kept")  # proof that the stored file is what is returned
    assert fonts.font_subset_bytes("汕尾市目标") == b"kept"
