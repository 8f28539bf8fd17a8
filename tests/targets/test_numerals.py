"""Numbers, units, ranges, percentages and masks in Chinese plan text (synthetic phrases)."""
from __future__ import annotations

import pytest

from analysis.targets.numerals import (
    find_doublings,
    find_quantities,
    is_masked,
    multiple_to_growth,
    parse_number,
)


def one(text: str):
    qs = find_quantities(text)
    assert len(qs) == 1, qs
    return qs[0]


@pytest.mark.parametrize("token, value", [
    ("30", 30), ("1,200", 1200), ("12.5", 12.5), ("三十", 30), ("两千三百", 2300), ("一百二十", 120),
    ("十五", 15), ("1.2万", 12000), ("百分之十五", 15), ("零点五", 0.5),
])
def test_parse_number(token, value):
    assert parse_number(token) == pytest.approx(value)


def test_parse_number_masked_and_garbage():
    assert parse_number("xx") is None
    assert parse_number("x.x") is None
    assert parse_number("十二五规划") is None


def test_count_with_wan_multiplier_becomes_units():
    q = one("科技型中小企业达到1.2万家")
    assert (q.value, q.unit, q.raw) == (12000, "家", "1.2万家")


def test_money_keeps_its_unit():
    assert (one("争取上级科技资金4000万元以上").value, one("争取上级科技资金4000万元以上").unit) == (4000, "万元")
    q = one("技术合同成交额突破10亿元")
    assert (q.value, q.unit) == (10, "亿元")
    q = one("技术进出口额达到970万美元")
    assert (q.value, q.unit) == (970, "万美元")


def test_power_unit_with_wan():
    q = one("全年完成电机能效提升9万千瓦")
    assert (q.value, q.unit) == (90000, "千瓦")


def test_bare_wan_left_to_caller():
    q = one("融资登记金额(500万,")
    assert (q.value, q.unit) == (500, "万")


@pytest.mark.parametrize("text, lo, hi, unit", [
    ("每年培育3-5家新型研发机构", 3, 5, "家"),
    ("在县市设立1—2个工作站", 1, 2, "个"),
    ("建设三至五家研究院", 3, 5, "家"),
    ("引进5~8名领军人才", 5, 8, "名"),
])
def test_ranges_give_lower_and_upper_bound(text, lo, hi, unit):
    q = one(text)
    assert (q.value, q.upper, q.unit) == (lo, hi, unit)
    assert q.is_range


def test_percentages_and_points():
    q = one("研发投入强度达到2.5%以上")
    assert (q.value, q.unit, q.points) == (2.5, "%", False)
    q = one("比重提高0.5个百分点")
    assert (q.value, q.unit, q.points) == (0.5, "%", True)
    q = one("增长百分之十五")
    assert (q.value, q.unit) == (15, "%")


@pytest.mark.parametrize("text, unit", [("新增高新技术企业xx家以上", "家"), ("比重达x.x%", "%"), ("投资xx.xx亿元", "亿元")])
def test_masked_numbers(text, unit):
    q = one(text)
    assert q.masked and q.value is None and q.unit == unit


def test_masked_range():
    q = one("集中引进x-x个创新团队")
    assert q.masked and q.is_range


def test_approximate_suffix():
    q = one("服务企业500余家")
    assert (q.value, q.approx) == (500, "余")


def test_years_ordinals_and_idioms_are_not_quantities():
    assert find_quantities("2022年全市科技工作要点") == []
    assert find_quantities("贯彻市第十二次党代会精神") == []
    assert find_quantities("国家千人计划、百名专家进企业、服务千家万户") == []


def test_multiple_unit():
    q = one("产值增长2倍")
    assert (q.value, q.unit) == (2, "倍")


def test_doublings():
    assert find_doublings("高企数量翻一番")[0][2] == 2.0
    assert find_doublings("产值翻两番")[0][2] == 4.0
    assert find_doublings("力争实现倍增")[0][2] == 2.0
    assert find_doublings("实施高新技术企业倍增计划") == []
    assert find_doublings("开展孵化器倍增行动") == []


def test_multiple_to_growth_reads_chinese_usage():
    assert multiple_to_growth(2, "增加到") == 100.0
    assert multiple_to_growth(2, "增长") == 200.0  # 增长2倍 = ×3
    assert multiple_to_growth(4, "") == 300.0


def test_is_masked():
    assert is_masked("xx") and is_masked("x.xx") and is_masked("××")
    assert not is_masked("12") and not is_masked("x理工")
