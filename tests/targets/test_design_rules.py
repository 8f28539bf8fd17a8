"""One test per reading rule of DESIGN.md and the registry: types, comparators, years, baselines."""
from __future__ import annotations

import pytest

from analysis.targets.extract import extract_text

HEAD = "临江市科学技术局2024年工作要点\n二、主要目标\n"


def one(sentence: str, head: str = HEAD) -> dict:
    df = extract_text(head + sentence, "plan.txt")
    assert len(df) == 1, df[["indicator_zh", "target_value", "target_type"]].to_string()
    return df.iloc[0].to_dict()


@pytest.mark.parametrize("sentence", [
    "新增高新技术企业30家。", "新认定市级企业技术中心20家。", "新建省级研发中心10家。", "建成众创空间5个。",
    "新培育科技型中小企业50家以上。",
])
def test_increment_words(sentence):
    assert one(sentence)["target_type"] == "increment"


def test_new_with_a_total_word_is_a_level_but_with_a_comparator_word_stays_an_increment():
    assert one("新增高级职称专业技术人才数量达到650人。")["target_type"] == "level"
    row = one("新增科技企业孵化器在孵企业超过5000家。")
    assert (row["target_type"], row["comparator"]) == ("increment", ">")


@pytest.mark.parametrize("sentence, value", [
    ("综合科技创新水平进入全省前10位。", 10.0),
    ("综合科技进步水平进入全国18名以内。", 18.0),
])
def test_rank_within_the_top_n_is_a_rank_with_at_most(sentence, value):
    row = one(sentence)
    assert (row["target_type"], row["comparator"], row["target_value"], row["unit"]) == ("rank", "<=", value, "位")


@pytest.mark.parametrize("sentence", [
    "高新技术产业增加值占规上工业增加值比重达到25%。", "全社会研发投入强度达到2.5%。",
    "规上工业企业研发机构建有率达到40%。", "科技特派员服务覆盖率达到100%。", "科技进步贡献率达到60%以上。",
])
def test_shares(sentence):
    assert one(sentence)["target_type"] == "share"


@pytest.mark.parametrize("sentence", ["全社会研发支出增长15%以上。", "工业技术改造投资增速达到10%。"])
def test_growth_rates(sentence):
    assert one(sentence)["target_type"] == "growth_rate"


def test_breakthrough():
    row = one("力争实现国家级孵化器零的突破。")
    assert row["target_type"] == "breakthrough"


def test_stretch_and_approximate_figures_are_equalities():
    assert one("力争高新技术企业300家。")["comparator"] == "="
    assert one("高新技术产业增加值达到6500亿元左右。")["comparator"] == "="


def test_baseline_from_the_same_statement():
    row = one("截至2020年底全市高新技术企业达320家,到2022年突破500家。", head="临江市2021年科技工作要点\n")
    assert (row["target_value"], row["target_year"], row["baseline_year"], row["baseline_value"]) == (500.0, 2022, 2020, 320.0)
    assert row["indicator_zh"] == "高新技术企业"


def test_growth_row_takes_the_baseline_of_the_level_it_follows():
    df = extract_text("临江市2021年科技工作要点\n二、主要目标\n截至2020年底全市高新技术企业达49家,2021年达到100家以上,同比增长90%以上。", "p.txt")
    growth = df[df["target_type"] == "growth_rate"].iloc[0]
    assert (growth["baseline_year"], growth["baseline_value"]) == (2020, 49.0)


@pytest.mark.parametrize("text, year, how", [
    ("https://lywb.lyd.com.cn/html/2008-03/08/content_1.htm\n今年我市要新增高新技术企业50家。", 2008, "page address"),
    ("http://bcjhc.cn/html/ctdsb/20180125/705537.htm\n今年,我省将力争国家高新区突破11家。", 2018, "page address"),
    ("市科技局\n发布时间:2023-07-12 17:04\n今年全年新增高新技术企业30家。", 2023, "发布时间"),
    ("临科发〔2021〕12号\n力争今年新增高新技术企业30家。", 2021, "reference number"),
])
def test_this_year_resolved_from_the_document_date_says_how(text, year, how):
    df = extract_text(text, "news.txt")
    assert len(df) == 1 and df.iloc[0]["target_year"] == year
    assert how in df.iloc[0]["note"]


def test_next_and_last_year_from_the_document_date():
    df = extract_text("发布时间:2019-12-20\n明年全市要新增高新技术企业30家。", "n.txt")
    assert df.iloc[0]["target_year"] == 2020 and "明年 = 2020" in df.iloc[0]["note"]


def test_news_paragraph_about_last_year_yields_no_targets():
    text = ("2018-02-06 河北新闻网\n从全省科技工作会议上获悉,去年,全省高新区工业增加值达2425亿元。"
            "2017年,全省高新技术企业新增1079家,总数达3174家。科技型中小企业新增1.34万家,总数达5.5万家。\n"
            "今年,全省将新建省级以上产业技术创新联盟12家。")
    df = extract_text(text, "news.txt")
    assert list(df["target_value"]) == [12.0] and df.iloc[0]["target_year"] == 2018


def test_news_without_any_forward_word_is_read_as_a_report():
    df = extract_text("我市新增国家高新技术企业13家\n发布时间: 2020-01-14\n目前全市国家高新技术企业达44家。", "n.txt")
    assert df.empty


def test_a_long_quotation_is_speech_not_a_slogan():
    df = extract_text("发布时间:2018-02-06\n“今年,全省将保持高新技术企业高强度增长,新增高新技术企业1000家。”厅长表示。", "n.txt")
    assert list(df["target_value"]) == [1000.0]
