"""Chart titles fit their figure: long ones wrap, the peer chart's class goes to a caption."""
from __future__ import annotations

from analysis.reports import plots
from analysis.reports.figures import wrap_title



def test_long_titles_wrap_and_short_ones_stay():
    long_en = "Shanwei · National high-tech enterprises (stock of valid certificates): history and forecast"
    wrapped = wrap_title(long_en, "en", 7.5)
    assert "\n" in wrapped and wrapped.replace("\n", " ") == long_en
    assert all(len(line) <= 64 for line in wrapped.split("\n"))
    short_zh = "汕尾市 · 高新技术企业数量：历史与预测"
    assert wrap_title(short_zh, "zh", 7.5) == short_zh
    assert wrap_title("汉" * 80, "zh", 7.5).count("\n") == 2  # 36 Han characters a line at 12 pt


def test_peer_chart_caption_names_the_windows_drawn_not_the_headline_class(assessment):
    """The histogram draws same-level peer windows; a rung C headline class must not caption it."""
    a = assessment
    a.reference_class = ("C: family of hte_count (24 indicators), every level with level and "
                         "size as covariates (city 18 changes / 10 regions)")
    a.peer_class = "same level (city) and parent (广东省)"
    title = plots.peer_distribution(a, "en").axes[0].get_title()
    assert "family" not in title and title.startswith("Peers'")
    caption = plots.peer_caption(a, "en")
    assert "family" not in caption and "same level" in caption
    a.peer_class = None
    assert plots.peer_caption(a, "en") == ""
