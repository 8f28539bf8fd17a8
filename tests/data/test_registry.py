"""Checks of the hand-built target registry (data/targets/targets.csv) and of the past values taken from
the seed documents (data/series/seed_documents.csv) against the documents in data/raw/.

Pure csv/pandas: the ``analysis`` package is not imported, so these checks hold whatever the code does.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data" / "raw"
TARGETS = ROOT / "data" / "targets" / "targets.csv"
SEED_SERIES = ROOT / "data" / "series" / "seed_documents.csv"
INDICATORS = ROOT / "data" / "indicators.csv"

TARGET_COLUMNS = [
    "target_id", "document", "region", "level", "parent", "indicator", "indicator_zh", "target_type", "comparator",
    "baseline_year", "baseline_value", "target_year", "target_quarter", "target_value", "unit", "quote", "masked",
    "region_note", "note",
]
SERIES_COLUMNS = ["region", "level", "parent", "indicator", "year", "value", "unit", "qualifier", "source", "quote",
                  "reliability", "derived", "note"]
TARGET_TYPES = {"level", "increment", "share", "growth_rate", "rank", "breakthrough", "milestone"}
SHANWEI, MMSHI, ZHONGSHAN, SHANGYU, PINGHU = (
    "000_319635f440b73d7f.txt", "001_8d35cbe14bef189e.txt", "002_c4696ddd813dcb02.txt",
    "003_14576e851c993e60.txt", "004_6c7405a0fd13b55c.txt",
)
#: marker in ``note`` for values that are the meaning of words (零的突破, 全覆盖, 只增不减), not digits in the quote
NOT_DIGITS = "value not in digits"


def squash(text: str) -> str:
    """Remove all whitespace (table cells sit on separate lines in the documents)."""
    return re.sub(r"\s+", "", text)


def read(path: Path) -> pd.DataFrame:
    """A CSV with every cell as text, empty cells as ''."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def docs() -> dict[str, str]:
    """The raw documents (file name → text without whitespace)."""
    return {p.name: squash(p.read_text(encoding="utf-8")) for p in sorted(RAW.glob("*.txt"))}


@pytest.fixture(scope="module")
def targets() -> pd.DataFrame:
    return read(TARGETS)


@pytest.fixture(scope="module")
def series() -> pd.DataFrame:
    return read(SEED_SERIES)


@pytest.fixture(scope="module")
def codes() -> set[str]:
    return set(read(INDICATORS)["code"])


def one(targets: pd.DataFrame, target_id: str) -> pd.Series:
    rows = targets[targets["target_id"] == target_id]
    assert len(rows) == 1, f"{target_id}: {len(rows)} rows"
    return rows.iloc[0]


# ----------------------------------------------------------------------------------------- structure

def test_columns_in_order(targets, series):
    assert list(targets.columns) == TARGET_COLUMNS
    assert list(series.columns) == SERIES_COLUMNS


def test_raw_documents_are_the_five_seeds(docs):
    assert sorted(docs) == sorted([SHANWEI, MMSHI, ZHONGSHAN, SHANGYU, PINGHU])


def test_raw_readme_names_every_document():
    readme = (RAW / "README.md").read_text(encoding="utf-8")
    for name in (SHANWEI, MMSHI, ZHONGSHAN, SHANGYU, PINGHU):
        assert name in readme
    for region in ("汕尾市", "某某市", "中山市", "上虞区", "平湖市"):
        assert region in readme


# ----------------------------------------------------------------------------------------- (1) quotes

def test_every_target_quote_occurs_in_its_document(targets, docs):
    missing = [(r.target_id, r.quote) for r in targets.itertuples() if squash(r.quote) not in docs[r.document]]
    assert not missing, missing


def test_every_series_quote_occurs_in_its_document(series, docs):
    assert set(series["source"]) <= set(docs)
    missing = [(r.indicator, r.year, r.quote) for r in series.itertuples() if squash(r.quote) not in docs[r.source]]
    assert not missing, missing


def test_target_value_is_written_in_the_quote(targets):
    """The number itself is in the quote, unless it is 9万 → 90000 or the note says it is the meaning of words."""
    unexplained = []
    for r in targets[targets["target_value"] != ""].itertuples():
        q, v = squash(r.quote), r.target_value
        in_wan = f"{float(v) / 10000:g}万" in q
        if v not in q and not in_wan and NOT_DIGITS not in r.note:
            unexplained.append((r.target_id, v, r.quote))
    assert not unexplained, unexplained


def test_shanwei_table_rows_quote_baseline_and_target_cells(targets):
    table = targets[targets["target_id"].str.match(r"shanwei2022-t\d\d[ab]?-") & (targets["target_type"] != "milestone")]
    assert len(table) == 24  # 20 rows + second parts of rows 6/13/17 + row 5's growth column
    for r in table.itertuples():
        q = squash(r.quote)
        assert r.target_value in q, r.target_id
        if r.baseline_value:
            assert r.baseline_value in q, r.target_id


# ----------------------------------------------------------------------------------------- (2)-(6)

def test_every_document_has_targets(targets, docs):
    counts = targets["document"].value_counts()
    for name in docs:
        assert counts.get(name, 0) >= 1, name


def test_target_ids_unique_and_readable(targets):
    assert targets["target_id"].is_unique
    assert targets["target_id"].str.fullmatch(r"[a-z0-9]+\d{4}-[a-z0-9_\-]+").all()


def test_target_year_after_baseline_year(targets):
    both = targets[(targets["baseline_year"] != "") & (targets["target_year"] != "")]
    bad = both[both["target_year"].astype(int) <= both["baseline_year"].astype(int)]
    assert bad.empty, bad["target_id"].tolist()
    assert (targets["target_year"] != "").all()


def test_masked_rows_have_no_value_and_open_rows_have_one(targets):
    assert set(targets["masked"]) <= {"true", "false"}
    masked = targets[targets["masked"] == "true"]
    assert (masked["target_value"] == "").all()
    assert masked["quote"].str.contains("x").all()
    open_rows = targets[(targets["masked"] == "false") & targets["target_type"].isin(["level", "increment"])]
    assert (open_rows["target_value"] != "").all(), open_rows[open_rows["target_value"] == ""]["target_id"].tolist()
    numeric = targets[targets["target_value"] != ""]
    pd.to_numeric(numeric["target_value"])  # raises if a value is not a number
    pd.to_numeric(targets.loc[targets["baseline_value"] != "", "baseline_value"])


def test_indicator_codes_exist(targets, series, codes):
    used = set(targets["indicator"]) - {""}
    assert used <= codes, used - codes
    assert set(series["indicator"]) <= codes, set(series["indicator"]) - codes
    uncoded = targets[targets["indicator"] == ""]
    assert (uncoded["indicator_zh"] != "").all()


def test_allowed_values(targets):
    assert set(targets["target_type"]) <= TARGET_TYPES
    assert set(targets["comparator"]) <= {">=", ">", "="}
    assert set(targets["level"]) <= {"province", "city", "district", "county"}
    milestones = targets[targets["target_type"] == "milestone"]
    assert milestones["target_quarter"].isin(["1", "2", "3", "4"]).all()
    assert (targets.loc[targets["target_type"] != "milestone", "target_quarter"] == "").all()


def test_regions_per_document(targets):
    expected = {
        SHANWEI: ("汕尾市", "city", "广东省"), MMSHI: ("某某市", "city", "湖南省"),
        ZHONGSHAN: ("中山市", "city", "广东省"), SHANGYU: ("上虞区", "district", "浙江省"),
        PINGHU: ("平湖市", "county", "浙江省"),
    }
    for doc, rows in targets.groupby("document"):
        assert set(zip(rows["region"], rows["level"], rows["parent"])) == {expected[doc]}, doc


# ----------------------------------------------------------------------------------------- (7) spot values

def test_shanwei_hte_49_to_100(targets):
    r = one(targets, "shanwei2022-t01-hte_count")
    assert (r.indicator, r.target_type, r.comparator) == ("hte_count", "level", ">=")
    assert (r.baseline_year, r.baseline_value, r.target_year, r.target_value, r.unit) == ("2021", "49", "2022", "100", "家")
    q4 = one(targets, "shanwei2022-t01-hte_count-q4")
    assert (q4.target_quarter, q4.target_value, q4.quote) == ("4", "100", "力争国家高新技术企业达到100家")


def test_shanwei_tech_upgrade_growth_rate_target(targets):
    r = one(targets, "shanwei2022-t05a-tech_upgrade_investment_growth")
    assert (r.target_type, r.unit, r.baseline_value, r.target_value) == ("growth_rate", "%", "-25.2", "10")
    growth = targets[targets["target_id"].str.startswith("shanwei2022-t05-tech_upgrade_investment_growth-q")]
    assert growth.sort_values("target_quarter")["target_value"].tolist() == ["5.7", "22.57", "23.78", "30"]
    amounts = targets[targets["target_id"].str.startswith("shanwei2022-t05-tech_upgrade_investment-q")]
    assert amounts.sort_values("target_quarter")["target_value"].tolist() == ["12", "33", "48", "60.05"]


def test_shanwei_two_part_rows(targets):
    a, b = one(targets, "shanwei2022-t17a-fiscal_st_spending"), one(targets, "shanwei2022-t17b-fiscal_st_spending_share")
    assert (a.baseline_value, a.target_value, a.unit) == ("5.13", "5.17", "亿元")
    assert (b.baseline_value, b.target_value, b.unit, b.target_type) == ("1.8", "1.9", "%", "share")
    quarters = [one(targets, f"shanwei2022-t17a-fiscal_st_spending-q{q}").target_value for q in (1, 2, 3, 4)]
    assert quarters == ["1.56", "2.76", "3.93", "5.17"]
    shares = [one(targets, f"shanwei2022-t17b-fiscal_st_spending_share-q{q}").target_value for q in (1, 2, 3, 4)]
    assert shares == ["0.57", "1", "1.44", "1.9"]
    m, s = one(targets, "shanwei2022-t13a-stem_major_share"), one(targets, "shanwei2022-t13b-stem_student_share")
    assert (m.baseline_value, m.target_value, s.baseline_value, s.target_value) == ("0", "56", "0", "40")


def test_shanwei_zero_breakthroughs_and_ranks(targets):
    table_zero = targets[targets["target_id"].isin([
        "shanwei2022-t12-key_disciplines_count", "shanwei2022-t20-gd_tech_board_listed_firms"])]
    assert set(zip(table_zero["baseline_value"], table_zero["target_value"], table_zero["target_type"])) == {
        ("0", "3", "breakthrough")}
    prose_zero = targets[targets["target_id"].str.startswith("shanwei2022-zero-")]
    assert len(prose_zero) == 3
    # 零的突破: a count must reach at least 1; a share (no count) must exceed 0
    counted = prose_zero["indicator"] != ""
    assert set(zip(prose_zero.loc[counted, "comparator"], prose_zero.loc[counted, "target_value"])) == {(">=", "1")}
    assert set(zip(prose_zero.loc[~counted, "comparator"], prose_zero.loc[~counted, "target_value"])) == {(">", "0")}
    assert (prose_zero["baseline_value"] == "0").all()
    ranks = targets[(targets["document"] == SHANWEI) & (targets["target_type"] == "rank")]
    assert len(ranks) == 8
    assert set(zip(ranks["target_value"], ranks["unit"], ranks["quote"])) == {("1", "位", "力争8项指标排名前进1位")}


def test_shanwei_senior_titles_baseline_is_2020(targets):
    r = one(targets, "shanwei2022-t19-senior_title_talent_new")
    assert (r.baseline_year, r.baseline_value, r.target_value) == ("2020", "591", "650")


def test_other_documents_spot_values(targets):
    z = one(targets, "zhongshan2016-hte_count")
    assert (z.target_year, z.target_value, z.comparator) == ("2016", "600", ">=")
    assert one(targets, "zhongshan2016-invention_patent_applications").comparator == ">"  # 超6700件
    assert one(targets, "zhongshan2016-motor_efficiency").target_value == "90000"  # 9万千瓦
    p = one(targets, "pinghu2013-patent_applications")
    assert (p.target_year, p.target_value, p.unit) == ("2013", "2300", "件")
    inc = one(targets, "pinghu2013-hte_count-new")
    assert (inc.target_type, inc.target_value) == ("increment", "5")
    m = one(targets, "mmshi2022-tech_contract_value")
    assert (m.region, m.comparator, m.target_value, m.unit) == ("某某市", ">", "10", "亿元")


def test_shangyu_goals_are_masked_and_come_from_the_work_plan_part(targets, docs):
    """Decision rule for 003: only the 工作思路 (next year's plan) holds goals; every number there is masked.

    The summary before that heading reports achievements (全年共完成…, 達到…), masked or not: they are past
    values, not targets, and masked achievements are not numbers, so they are neither targets nor series rows.
    """
    rows = targets[targets["document"] == SHANGYU]
    assert len(rows) == 6 and (rows["masked"] == "true").all()
    text = docs[SHANGYU]
    plan_start = text.index("工作思路")
    for r in rows.itertuples():
        assert text.index(squash(r.quote)) > plan_start, r.target_id


# ----------------------------------------------------------------------------------------- seed series

def test_seed_series_past_values(series):
    hte = series[(series["indicator"] == "hte_count") & (series["year"] == "2021")]
    assert set(hte["value"]) == {"49", "51"}  # table vs section 一: both kept, each with its quote
    derived = series[series["derived"] == "true"]
    assert derived["note"].str.startswith("derived:").all()
    d = series[(series["indicator"] == "hte_count") & (series["year"] == "2020")].iloc[0]
    assert (d.value, d.derived) == ("45.8", "true") and "51/(1+0.1136)" in d.note
    assert (series["source"] == SHANWEI).all() and (series["reliability"] == "official").all()
    stated = series[(series["derived"] == "false") & ~series["note"].str.contains("仍为零")]
    assert stated.apply(lambda r: r["value"] in squash(r["quote"]), axis=1).all()
    zeros = series[series["note"].str.contains("仍为零")]
    assert len(zeros) == 9 and (zeros["value"] == "0").all() and zeros["quote"].str.endswith("仍为零").all()
    pd.to_numeric(series["value"])  # no masked 'xx' values
    assert not series.duplicated(["indicator", "year", "value", "quote"]).any()
