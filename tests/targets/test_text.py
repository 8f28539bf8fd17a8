"""Normalisation keeps an exact map back to the original text (synthetic texts + the seeds)."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from analysis.targets.text import (
    Normalised,
    join_hard_wraps,
    normalise,
    read_text,
    remove_page_markers,
    strip_all_whitespace,
)

SEED_DIRS = [Path(__file__).resolve().parents[2] / "data" / "raw", Path("/work/shared/seeds")]


def seed_files() -> list[Path]:
    for d in SEED_DIRS:
        files = sorted(d.glob("0*_*.txt")) if d.is_dir() else []
        if files:
            return files
    return []


def quote_ok(nt: Normalised, start: int, end: int) -> bool:
    return strip_all_whitespace(nt.quote(start, end)) in strip_all_whitespace(nt.original)


def test_traditional_to_simplified_with_offsets():
    original = "到2025年,全區高新技術企業數量達到300家。"
    nt = normalise(original)
    assert "全区高新技术企业数量达到300家" in nt.text
    i = nt.text.index("高新技术企业")
    assert nt.quote(i, i + 6) == "高新技術企業"


def test_fullwidth_forms_become_ascii():
    nt = normalise("研发投入强度达到２．５％（力争３％）")
    assert "2.5%(力争3%)" in nt.text


def test_pinyin_glosses_removed():
    original = "區(qū)科技局圍繞創(chuàng)新之區(qū)建設(shè)總體部署和重點(diǎn)工作"
    nt = normalise(original)
    assert nt.text == "区科技局围绕创新之区建设总体部署和重点工作"
    i = nt.text.index("创新")
    assert nt.quote(i, i + 2) == "創(chuàng)新"


def test_toneless_parentheses_kept_when_not_a_glossed_text():
    nt = normalise("设立科技基金(a)和(b)两类")
    assert "(a)" in nt.text


def test_web_debris_removed():
    original = (
        "首页 > 政务公开 > 通知公告\n分享到:\n【打印】【关闭】\n关于印发2024年工作要点的通知\n"
        "扫一扫在手机打开当前页\n正文第一句。\n- 2 -\n上一篇:某某\n"
    )
    nt = normalise(original)
    assert "分享" not in nt.text and "扫一扫" not in nt.text and "首页" not in nt.text
    assert "打印" not in nt.text and "上一篇" not in nt.text and "- 2 -" not in nt.text
    assert "关于印发2024年工作要点的通知" in nt.text and "正文第一句。" in nt.text


def test_spaces_inside_chinese_removed_but_numbers_kept_apart():
    nt = normalise("贯彻市第十二次党代 会精神,技术合同交易额突破10 亿元,数值 49 100")
    assert "党代会" in nt.text and "突破10亿元" in nt.text
    assert "49 100" in nt.text


def test_page_markers_of_sharing_sites_are_joined():
    page = "某某市2022年科技工作要点" + "甲" * 70
    original = f"1、{page}上争资金4\n2、000万元,科技成果登记30项以上" + "乙" * 70 + "继续\n3、推进工作。"
    nt = remove_page_markers(Normalised.identity(original))
    assert "上争资金4000万元" in nt.text
    assert "继续推进工作。" in nt.text and not nt.text.startswith("1、")


def test_numbered_list_is_not_a_page_marker():
    original = "1、加强顶层设计。" + "甲" * 70 + "。\n2、加快资源集聚。\n3、加大对接交流。"
    nt = remove_page_markers(Normalised.identity(original))
    assert nt.text == original


def test_hard_wraps_joined_only_in_hard_wrapped_text():
    wrapped = (
        "为深入实施创新驱动发展战略加快建设创新型城市现根据省\n"
        "委省政府的决策部署并结合我市的实际情况制定本工作方案主要\n"
        "目标如下到2025年全市高新技术企业达到100家以上科技型中小企业\n"
        "达到300家。"
    )
    nt = join_hard_wraps(Normalised.identity(wrapped))
    assert "根据省委省政府" in nt.text and "科技型中小企业达到300家" in nt.text
    normal = "关于印发临江市科学技术局2024年工作要点的通知文件\n临科发〔2024〕3号\n正文第一句话说明了工作的总体要求和基本目标。\n"
    assert join_hard_wraps(Normalised.identity(normal)).text == normal


def test_table_row_on_one_line_split_into_cells():
    nt = normalise("高新技术企业数量(家)\t49\t100\t100%以上\n")
    assert nt.text.split("\n")[:4] == ["高新技术企业数量(家)", "49", "100", "100%以上"]


def test_read_text_falls_back_to_gb18030(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("高新技术企业达到100家".encode("gb18030"))
    assert read_text(path) == "高新技术企业达到100家"


@pytest.mark.parametrize("path", seed_files(), ids=lambda p: p.name)
def test_every_span_of_a_seed_quotes_verbatim(path):
    original = read_text(path)
    nt = normalise(original)
    assert len(nt.text) == len(nt.starts) == len(nt.ends)
    rng = random.Random(7)
    for _ in range(300):
        a = rng.randrange(len(nt.text))
        b = min(len(nt.text), a + rng.randrange(1, 80))
        assert quote_ok(nt, a, b), (a, b)
