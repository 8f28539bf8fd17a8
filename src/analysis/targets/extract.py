"""Propose target-registry rows from raw Chinese plan text (工作要点, 工作方案, 规划, 年度总结).

Pipeline (:func:`extract_text`):

1. :func:`analysis.targets.text.normalise` — simplified Chinese, debris removed, offset map kept.
2. :func:`document_info` — title, region (from the title; ``data/regions.csv``), document year
   (title → signature date → explicit target years → page timestamp), kind (plan or summary).
3. :func:`section_modes` — headings split the text into *review* (基本情况, 工作回顾, the body of a
   年度总结) and *plan* sections (目标, 思路, 重点工作, …). Only plan text yields targets; a
   sentence in a review section is rescued only by an explicit future cue (力争, 确保, 计划, 明年…).
4. :func:`parse_tables` — flattened tables (one cell per line) whose header names its columns
   (``2021年完成数``, ``2022年目标数``, ``同比增长``, ``第一季度``…): one row per indicator label,
   cells assigned to columns by type; quarter columns give milestones.
5. :func:`analyse_sentence` — every quantity of a plan sentence: subject (indicator as written),
   verb → target type (新增 → increment, 增长X% → growth_rate, 占…比重 → share, 排名前进 → rank,
   零的突破 → breakthrough, 季度 → milestone), comparator (以上/不低于 → ``>=``, 突破/超过 → ``>``),
   target year (explicit year → section year → 今年/明年/年底 → document year, noted).
   Also: 分别 (figures paired with listed subjects), 各 (one row per listed item), 只增不减
   (growth > 0), 实现…全覆盖 (coverage 100%), 翻一番 (growth 100%), and "N项指标排名前进M位"
   (one rank row for each of the N targets that follow).
6. restatements inside the prose are merged; a table row, a quarter-column cell and the prose
   are separate records (each with its own quote), cross-referenced in ``note``; each row gets a
   ``confidence`` in 0–1 for ordering the human review.

Conventions: ranges ("3-5家") give the lower bound with comparator ``>=`` and the range in
``note``; 零的突破 gives ``>= 1`` for counts and ``> 0`` otherwise; units the loader does not know
(次, 场次, 人年) are left empty with the written unit in ``note``; growth stated beside a level
target ("达到100家, 同比增长90%") is its own growth_rate row.

Every ``quote`` is cut verbatim from the original file through the offset map.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis.targets.numerals import (
    CANONICAL_UNITS,
    COUNT_UNITS,
    Quantity,
    find_doublings,
    find_quantities,
    multiple_to_growth,
    parse_number,
)
from analysis.targets.text import CJK, Normalised, normalise, read_text

REGISTRY_COLUMNS = [
    "target_id", "document", "region", "level", "parent", "indicator", "indicator_zh",
    "target_type", "comparator", "baseline_year", "baseline_value", "target_year",
    "target_quarter", "target_value", "unit", "quote", "masked", "region_note", "note",
]
OUTPUT_COLUMNS = REGISTRY_COLUMNS + ["confidence"]
SYNONYMS_PATH = Path(__file__).with_name("synonyms.csv")

# ------------------------------------------------------------------------------------------------
# Indicator synonyms
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Synonym:
    """A phrase (``*`` = up to 10 characters) that names an indicator code ('' = known, no code)."""

    phrase: str
    code: str
    pattern: re.Pattern[str]


def _indicator_codes(indicators_path: Path | None) -> set[str]:
    from analysis.config import data_dir

    path = Path(indicators_path or data_dir() / "indicators.csv")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        return set()
    return set(table["code"])


@lru_cache(maxsize=4)
def _load_synonyms_cached(path: str, indicators_path: str | None) -> tuple[Synonym, ...]:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    codes = _indicator_codes(Path(indicators_path) if indicators_path else None)
    out = []
    for phrase, code in zip(table["phrase"], table["code"]):
        phrase, code = phrase.strip(), code.strip()
        if not phrase:
            continue
        if code and code not in codes:
            code = ""  # not in the catalogue (yet): the phrase still blocks shorter, wrong matches
        parts = [re.escape(p) for p in phrase.split("*")]
        out.append(Synonym(phrase, code, re.compile(".{0,10}?".join(parts), re.IGNORECASE)))
    out.sort(key=lambda s: len(s.phrase.replace("*", "")), reverse=True)
    return tuple(out)


def load_synonyms(path: Path | None = None, indicators_path: Path | None = None) -> tuple[Synonym, ...]:
    """Synonym table (``synonyms.csv``); codes absent from ``data/indicators.csv`` become '' (blockers)."""
    return _load_synonyms_cached(str(path or SYNONYMS_PATH), str(indicators_path) if indicators_path else None)


_HEAD_SUFFIX = re.compile(r"^(?:的)?(?:数量|总数|总量|个数|家数|数|总额|金额|额|规模|量|)$")


def match_indicator(subject: str, synonyms: tuple[Synonym, ...] | None = None) -> str:
    """Indicator code for a subject phrase, or '' (the phrase must be the head of the subject).

    Chinese noun phrases put the head last, so a synonym counts only when it ends the subject
    (allowing 数量/总额/数…): 国家高新技术企业 → hte_count, but 高新技术企业研发费用 does not.
    A per-capita subject (每万人…) matches only a per-capita phrase.
    Wildcard phrases (``研发*占*GDP``) may be followed by anything (…的比重). Longest phrase wins;
    phrases with an empty code block a shorter match (高价值发明专利拥有量).
    """
    syns = synonyms if synonyms is not None else load_synonyms()
    subj = re.sub(r"[((][^()()]*[))]\s*$", "", subject).strip()
    per_capita = re.search(r"每万|万人|人均|每百", subj)
    for syn in syns:
        if per_capita and not re.search(r"每万|万人|人均|每百", syn.phrase):
            continue  # "每万名就业人员中研发人员" is a ratio, not the head count
        for m in syn.pattern.finditer(subj):
            rest = subj[m.end():]
            if "*" in syn.phrase or _HEAD_SUFFIX.match(rest):
                return syn.code
    return ""


# ------------------------------------------------------------------------------------------------
# Document information
# ------------------------------------------------------------------------------------------------

KIND_WORDS = r"工作要点|工作方案|实施方案|行动方案|行动计划|工作计划|规划|纲要|工作总结|总结|工作报告|报告|要点|方案|计划|意见|通知|清单|汇报"
SUMMARY_WORDS = r"总结|工作报告|情况报告|汇报|工作情况"
LEVEL_ORDER = {"district": 0, "county": 0, "city": 1, "province": 2}


@dataclass
class DocInfo:
    """What the document says about itself."""

    document: str
    title: str = ""
    region: str = ""
    level: str = ""
    parent: str = ""
    region_note: str = ""
    year: int | None = None
    year_note: str = ""
    kind: str = "plan"  # plan | summary
    multi_year: bool = False
    horizon: int | None = None  # last year of a multi-year plan (十四五 → 2025)


def _regions() -> pd.DataFrame:
    try:
        from analysis.data.regions import region_table

        return region_table()
    except Exception:  # noqa: BLE001 - extraction works without the region table
        return pd.DataFrame(columns=["name", "aliases", "level", "parent", "note"])


def normalise_region_name(written: str, names: list[tuple[str, str]]) -> str:
    """Official name for a written region name (alias table), or the name as written."""
    return next((o for w, o in names if w == written), written)


def _find_region(title: str, text: str) -> tuple[str, str, str, str]:
    """(region, level, parent, note) named in ``title`` (else in the head of ``text``)."""
    table = _regions()
    names: list[tuple[str, str]] = []  # (written form, official name)
    for name, aliases in zip(table["name"], table["aliases"]):
        names.append((name, name))
        names += [(a.strip(), name) for a in str(aliases).split(";") if len(a.strip()) >= 2]
    names.sort(key=lambda x: len(x[0]), reverse=True)
    info = {n: (lv, p) for n, lv, p in zip(table["name"], table["level"], table["parent"])}
    table_notes = dict(zip(table["name"], table["note"])) if "note" in table else {}
    for scope in (title, text[:400]):
        found = []
        for written, official in names:
            if written and written in scope and written not in ("全国", "中国"):
                lv, parent = info.get(official, ("", ""))
                found.append((LEVEL_ORDER.get(lv, 1), scope.index(written), official, lv, parent))
        nested = re.search(rf"(?:^|印发|】|《)([{CJK}]{{2,4}}市)([{CJK}]{{2,4}}?(?:区|县|市))(?=人民政府|科学技术局|科技局|[“\"{CJK}]|\d{{4}})", scope)
        inner_known = nested and any(o == nested.group(2) for _, o in names)
        if nested and not inner_known and not re.match(r"^(?:关于|印发)", nested.group(1)):
            outer, inner = nested.group(1), nested.group(2)
            lv = {"市": "county", "区": "district", "县": "county"}[inner[-1]]
            parent = info.get(normalise_region_name(outer, names), ("", ""))[1] if outer else ""
            return inner, lv, parent, f"{outer}辖{'县级市' if inner.endswith('市') else inner[-1]}; not in data/regions.csv"
        if found:
            found.sort()
            _, _, official, lv, parent = found[0]
            note = "name withheld in the document" if "某某" in official else str(table_notes.get(official, "") or "")
            return official, lv, parent, note
        m = re.search(rf"([{CJK}]{{2,5}}?(?:市|区|县))(?:人民政府|科学技术局|科技局|\d{{4}}年|关于|全市|全区|全县)", scope) or \
            re.search(rf"(?:^|印发|】|《)([{CJK}]{{2,4}}?(?:市|区|县))(?=[“\"{CJK}])", scope)
        if m and not re.match(r"^(?:关于|印发|全市|全区|我市|我区|本市)", m.group(1)):
            name = m.group(1)
            lv = {"市": "city", "区": "district", "县": "county"}[name[-1]]
            return name, lv, "", "region not in data/regions.csv; level from its suffix"
    # Unnamed: infer the level from how the text refers to itself
    counts = {lv: len(re.findall(pat, text)) for lv, pat in
              (("city", r"全市|我市|市科技局|市委"), ("district", r"全区|我区|区科技局|区委"), ("county", r"全县|我县|县科技局|县委"))}
    lv = max(counts, key=counts.get)
    if counts[lv] == 0:
        return "", "", "", "region not named in the text"
    return "", lv, "", f"region not named in the text; level from how it refers to itself ({counts[lv]}×)"


_YEAR_RE = re.compile(r"(?<![\d.])(19[5-9]\d|20\d{2})(?:\s*[-—–至~]\s*(19[5-9]\d|20\d{2}))?\s*年")
_CN_YEAR_RE = re.compile(r"([一二〇零○Ｏ][〇零○Ｏ一二三四五六七八九]{1,3})年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日")
_DATE_RE = re.compile(r"(19[5-9]\d|20\d{2})年\d{1,2}月\d{1,2}日")
_STAMP_RE = re.compile(r"(20\d{2})-\d{1,2}-\d{1,2}")


def _cn_year(s: str) -> int | None:
    digits = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
    try:
        n = int("".join(str(digits[c]) for c in s))
    except KeyError:
        return None
    if len(s) == 2:  # 一三年 = 2013 (two-digit year in a signature date)
        n += 2000
    return n if 1950 <= n <= 2100 else None


def _outside_book_titles(text: str) -> str:
    """``text`` with 《…》 titles blanked (years of other documents are not this one's)."""
    return re.sub(r"《[^》]{0,80}》", lambda m: " " * len(m.group(0)), text)


def document_info(text: str, document: str = "") -> DocInfo:
    """Title, region, year and kind of a normalised document (see the module docstring)."""
    info = DocInfo(document=document)
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    title = ""
    for ln in lines[:15]:
        km = re.search(KIND_WORDS, ln[:80])
        if km and not re.search(r"[,,。;;:]", ln[:km.start()]) and \
                not re.match(r"^(?:根据|为|按照|经研究|请|\d+[、.]|[一二三四五六七八九十]+、|[((])", ln):
            # a title glued to the body (document-sharing dumps) is cut a little after its keyword
            title = ln if len(ln) <= 60 else ln[: km.end() + 20]
            if title.startswith("《") and "》" in title:
                title = title[1: title.index("》")]
            break
    info.title = title
    info.region, info.level, info.parent, info.region_note = _find_region(title, text)
    head = "\n".join(lines[:12])
    if re.search(SUMMARY_WORDS, title) or (not title and re.search(r"今年以来|一年来|年以来|过去一年|全年共完成", text[:300])):
        info.kind = "summary"
    elif not title and re.search(r"工作总结|总结", head):
        info.kind = "summary"
    elif not title:
        # no title: a text that mostly reports results (完成, 比去年增长…) is read as a summary
        past = len(re.findall(r"超额完成|完成了|已完成|比去年|较去年|较上年|比上年|同比增长|截至|取得了|实现了", text))
        future = len(re.findall(r"力争|确保|目标任务|计划到|到\d{4}年|以上", text))
        if past >= 3 and past > 2 * future:
            info.kind = "summary"
    # document year
    fyp = re.search(r"十([一二三四五六])五", title)
    if fyp:  # the n-th five-year plan (n ≥ 6) starts in 1981 + 5(n − 6): 十四五 = 2021–2025
        n = "一二三四五六".index(fyp.group(1)) + 11
        info.multi_year, info.horizon = True, 1981 + 5 * (n - 6) + 4
        info.year = info.horizon - 4
        info.year_note = f"{fyp.group(0)} plan: {info.year}–{info.horizon}"
        return info
    m = _YEAR_RE.search(title) if title else None
    if m:
        info.year = int(m.group(1))
        if m.group(2):
            info.multi_year, info.horizon = True, int(m.group(2))
        info.year_note = "document year from the title"
        if info.kind == "summary" and re.match(r"(?:度)?(?:工作)?(?:计划|打算|思路|安排)", title[m.end():]) \
                and not re.search(r"\d{4}年(?:度)?(?:工作)?总结", title):
            info.year -= 1  # "202x年工作总结和2025年工作计划": the summary covers the year before the plan
            info.year_note = "document year = the plan year in the title minus one (the summarised year is masked)"
        return info
    body = _outside_book_titles(text)
    m = _DATE_RE.search(body) or None
    if m:
        info.year = int(m.group(1))
        info.year_note = "document year from its date line"
        return info
    m = _CN_YEAR_RE.search(body)
    if m and _cn_year(m.group(1)):
        info.year = _cn_year(m.group(1))
        info.year_note = "document year from its date line"
        return info
    # years stated with targets (达到/超/新增 … in the same sentence)
    years: dict[int, int] = {}
    for sent in re.split(r"[。;;\n]", body):
        if re.search(r"力争|确保|以上|不低于|到\d{4}年", sent) and find_quantities(sent) and \
                not re.search(r"已|完成了|同比增长|较上年|比上年", sent):
            for y in _YEAR_RE.finditer(sent):
                if not y.group(2):
                    years[int(y.group(1))] = years.get(int(y.group(1)), 0) + 1
    if years:
        info.year = max(years, key=lambda y: (years[y], -y))
        info.year_note = "document year inferred from the years stated with its targets (no dated title)"
        return info
    m = _STAMP_RE.search(text[:600])
    if m:
        info.year = int(m.group(1))
        info.year_note = "document year from the web page's time stamp (may be a republication date)"
        return info
    if re.search(r"[xX]{4}年", text):
        info.year_note = "document year not found: the text masks years (xxxx年)"
    else:
        info.year_note = "document year not found in the text"
    return info


# ------------------------------------------------------------------------------------------------
# Sections: review (past) vs plan (future)
# ------------------------------------------------------------------------------------------------

REVIEW_HEADING = r"基本情况|工作回顾|回顾|主要成效|取得成效|工作成效|主要成绩|取得的成绩|进展情况|完成情况|发展现状|现状|发展基础|工作总结|存在问题|存在的问题|问题与不足|主要问题"
PLAN_HEADING = r"目标|思路|要点|重点工作|主要任务|工作任务|重点任务|工作措施|推进措施|保障措施|主要措施|计划|打算|安排|下一步|工作重点|举措|工作内容"
_HEADING_RE = re.compile(
    r"(?:^|(?<=[\n。;;:]))[ \t]*(?P<mark>[一二三四五六七八九十]{1,3}[、.]|[((][一二三四五六七八九十]{1,3}[))]|"
    r"第[一二三四五六七八九十]{1,3}(?:部分|章|节)|(?:\d{4}|[xX]{4})年(?=[^\n。,,]{0,8}?(?:思路|目标|计划|打算|要点|安排))|"
    r"(?:具体|主要|总体|发展|工作|年度)目标(?=[::]))"
)


_GOAL_LIST_RE = re.compile(r"(?:目标|指标|任务)(?:如下|是|为|有)?[::]")


@dataclass
class Section:
    """A stretch of text from ``start`` with a mode; ``goal`` marks a heading naming 目标/指标."""

    start: int
    mode: str
    year: int | None = None
    goal: bool = False


def section_modes(text: str, kind: str) -> list[Section]:
    """Split ``text`` by headings into review/plan sections (see the module docstring)."""
    default = "review" if kind == "summary" else "plan"
    sections = [Section(0, default)]
    for m in _HEADING_RE.finditer(text):
        mark = m.group("mark")
        window = text[m.end(): m.end() + 20].split("\n")[0]
        window = re.split(r"[。,,]", window)[0] if not mark.endswith("目标") else ""
        label = mark + window
        top = not mark.startswith(("(", "("))
        year = None
        ym = re.search(r"(\d{4})年", label)
        if ym:
            year = int(ym.group(1))
        if re.search(REVIEW_HEADING, label):
            sections.append(Section(m.start("mark"), "review", year))
        elif re.search(PLAN_HEADING, label):
            if kind == "summary":
                default = "plan"  # the forward-looking part of a summary comes last
            sections.append(Section(m.start("mark"), "plan", year, goal=bool(re.search(r"目标|指标", label))))
        elif top:
            sections.append(Section(m.start("mark"), default, None))
    # "今年要实现六个目标:一是…" inside a paragraph: a goal list up to the end of that paragraph
    for m in _GOAL_LIST_RE.finditer(text):
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        current = section_at(sections, m.start())
        if current.mode == "plan" and current.goal:
            continue
        sections.append(Section(m.start(), "plan", current.year, goal=True))
        sections.append(Section(end, current.mode, current.year, current.goal))
        sections.sort(key=lambda x: x.start)
    return sections


def section_at(sections: list[Section], pos: int) -> Section:
    """The section containing position ``pos``."""
    current = sections[0]
    for s in sections:
        if s.start <= pos:
            current = s
        else:
            break
    return current


# ------------------------------------------------------------------------------------------------
# Candidates
# ------------------------------------------------------------------------------------------------


@dataclass
class Candidate:
    """One proposed registry row; ``start``/``end`` are positions in the normalised text."""

    start: int
    end: int
    indicator_zh: str
    target_type: str
    comparator: str
    target_value: float | None
    unit: str
    masked: bool = False
    indicator: str = ""
    target_year: int | None = None
    target_quarter: int | None = None
    baseline_year: int | None = None
    baseline_value: float | None = None
    notes: list[str] = field(default_factory=list)
    confidence: float = 0.6
    source: str = "text"

    def canonical(self) -> tuple[float | None, str]:
        """Value and unit on the loader's canonical scale (万元 → 亿元), for comparisons."""
        return canonical_value(self.target_value, self.unit)


def canonical_value(value: float | None, unit: str) -> tuple[float | None, str]:
    """(value, unit) converted like the loader does (万元 → 亿元, 名 → 人); unknown units unchanged."""
    try:
        from analysis.data.units import to_canonical

        if value is None or pd.isna(value):
            from analysis.data.units import canonical_unit

            return None, canonical_unit(unit)
        v, u = to_canonical(float(value), unit)
        return round(v, 9), u
    except Exception:  # noqa: BLE001 - units outside the loader's list compare as written
        return (None if value is None or pd.isna(value) else round(float(value), 9)), unit


# --- vocabulary ---------------------------------------------------------------------------------
_PAST_SENTENCE = r"截至|截止|已|目前|共实施|累计|获得|荣获|(?<![为除])了|同比增长|比上年"
FUTURE_CUE = r"力争|确保|计划(?=到|在|于|新增|完成|实现|引进|培育|达到)|目标是|下一步|明年|努力实现|预期目标为|拟(?=新增|完成|实现|引进|培育|达到)"
ACTION_VERBS = (
    "新认定|认定|新培育|培育|新引进|引进|引育|新建|建设|建成|组建|创建|打造|组织实施|实施|承担|获批|获得|获|"
    "列入|登记|举办|组织|达成|设立|共建|推荐|申报|服务|新增|净增|完成|招引|挂牌|评价|入库|"
    "立项|认证|备案|入选|吸引|安排|配备|配齐|选派|建立"
)
LEVEL_VERBS = (
    "达到|到达|达|提高到|提升到|增加到|增长到|上升到|提高至|提升至|增加至|增长至|增至|升至|达至|"
    "突破|超过|超出|超|逾|高于|不低于|不少于|至少|保持在|稳定在|控制在|实现|完成|为|破"
)
GROWTH_VERBS = r"同比增长|年均增长|年增长|增长|增速|增幅|提高|提升|增加"
TRAIL_GROWTH = r"同比增长|年均增长|年增长|增长|提高|提升|增加"
INC_VERBS = r"新增|净增|新认定|新培育|新引进|新建|新设|培育|引进|引育|组建|创建|设立|招引|增加(?!到|至)"
STRICT_LEVEL = r"达到|到达|达|突破|超过|超|不低于|不少于|累计|总数|提高到|增加到|提升到|增至"
_LEAD = re.compile(
    r"^(?:[一二三四五六七八九十]是|其[一二三四五六七八九十]|首先|其次|最后|"
    r"其中|同时|并且|并|而且|以及|另外|此外|力争|确保|争取|努力|全力|积极|计划|预计|要|将|使|让|"
    r"每年|年均|全年|年内|今年|明年|到今年底|到年底|今年底|年底前|年底|年末|届时|全市|全区|全县|全省|我市|我区|我县|本市|"
    r"(?:到|至|在)?(?:\d{4}|[xX]{4})年(?:度|底|末|全年)?|(?:前|第)?[一二三四]季度|上半年|实现|、|\s)+"
)
_TRAIL_VERB = re.compile(rf"(?:要|将|力争|确保|争取|能|可)?(?:{LEVEL_VERBS}|{TRAIL_GROWTH}|{ACTION_VERBS})$")
_HEADING_LEAD = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}[、.]|[((][一二三四五六七八九十\d]{1,3}[))]|\d{1,2}[.、．](?!\d))\s*"
    r"(?:(?:总体|主要|具体|发展|工作|年度)?目标(?:任务)?[::]?)?"
)
_LEAD_VERB = re.compile(rf"^(?:(?:{ACTION_VERBS})(?:和|与|或|、)?)+")
_POLICY = re.compile(r"按照|按(?!期|时|计划)|给予|最高|不超过|贴息|奖补标准|补助标准")
_ENCOURAGE = re.compile(r"鼓励|支持|引导|推动|帮助|指导")
_THIRD_PARTY = re.compile(r"鼓励|引导|倡导")
_QUARTER_RE = re.compile(r"(前|第)?([一二三四1-4])季度")
_HALF_RE = re.compile(r"上半年|年中")
_PAST_CUE = re.compile(r"(?:已经|已|业已)(?:累计)?(?:建成|完成|实现|达到|认定|引进|培育|获批|建立|落地|签约|有|达)")
_GENERIC_SUBJECT = re.compile(r"^(?:各项|主要|重点|空白|监测|考核)?指标$|^各项工作$")
_DASH = re.compile(r"^[-—–/\\]+$|^无$|^-$")


def _cn_quarter(s: str) -> int:
    return {"一": 1, "二": 2, "三": 3, "四": 4}.get(s, int(s) if s.isdigit() else 0)


def _clean_subject(s: str) -> str:
    """Strip connectors, modal words, leading verbs and trailing verbs from a subject phrase."""
    s = s.strip(" ,,;;:、“”\"'()()—-")
    s = _HEADING_LEAD.sub("", s)
    prev = None
    while prev != s:
        prev = s
        s = _LEAD.sub("", s)
        s = _TRAIL_VERB.sub("", s)
        s = _LEAD_VERB.sub("", s) if len(_LEAD_VERB.sub("", s)) >= 2 else s
        s = re.sub(r"(?:累计|总数|年度|共|共计|合计|大幅)$", "", s)
        s = s.strip(" ,,;;:、“”\"'")
    if s.count("“") > s.count("”"):
        s += "”"
    return s


@dataclass
class SentenceContext:
    """What surrounds a sentence: its section, the document, and (tables) a quarter and label."""

    doc: DocInfo
    mode: str = "plan"
    section_year: int | None = None
    goal_section: bool = False
    quarter: int | None = None
    default_subject: str = ""
    source: str = "text"
    in_table: bool = False


def _is_base_year(text: str, m: re.Match[str]) -> bool:
    """Whether the year matched in ``text`` is a comparison base (在2022年的基础上, 比2020年, 以…为基数)."""
    return bool(re.match(r"(?:的)?(?:基础上|为基数|为基期|基数)", text[m.end():]) or
                re.search(r"(?:比|较|相比|与|同|以)$", text[:m.start()]))


def _base_year(before: str, target_year: int | None) -> int | None:
    """Year named as the comparison base (在2022年的基础上, 比2020年, 以2020年为基数), if any."""
    for m in reversed(list(_YEAR_RE.finditer(before))):
        if _is_base_year(before, m):
            y = int(m.group(1))
            return y if target_year is None or y < target_year else None
    return None


def _resolve_year(before: str, sentence: str, ctx: SentenceContext, notes: list[str]) -> tuple[int | None, bool]:
    """Target year for a quantity; returns (year, explicit). Adds notes on how it was found."""
    years = [m for m in _YEAR_RE.finditer(_outside_book_titles(before)) if not _is_base_year(before, m)]
    if years:
        m = years[-1]
        y = int(m.group(2) or m.group(1))
        return y, True
    if re.search(r"[xX]{4}年", before):
        notes.append("target year masked in the text (xxxx年)")
        return None, False
    if ctx.section_year:
        return ctx.section_year, True
    doc_year = ctx.doc.year
    if ctx.doc.horizon and not re.search(r"今年|明年|年底|年内|当年|每年", sentence):
        notes.append(f"target year = the plan's horizon ({ctx.doc.horizon})")
        return ctx.doc.horizon, False
    if re.search(r"明年|下一年", sentence):
        if doc_year:
            notes.append("明年 resolved from the document year")
            return doc_year + 1, True
        notes.append("明年: document year not found")
        return None, False
    if re.search(r"今年|本年|年内|年底|年末|全年|当年", sentence):
        if doc_year:
            return doc_year, True
        notes.append("今年/年底: document year not found")
        return None, False
    if doc_year:
        if re.search(r"每年|年均", sentence):
            notes.append("每年: per-year target; target year set to the document year")
        else:
            notes.append("target year assumed to be the document year")
        return doc_year, False
    notes.append(ctx.doc.year_note or "document year not found")
    return None, False


def _comparator(before: str, after: str, q: Quantity) -> str:
    if re.match(r"^(?:及)?以上|^(?:或)?更多", after) or re.search(r"(?:不低于|不少于|至少)$", before):
        return ">="
    if re.search(r"(?:突破|超过|超出|超|逾|高于|破)$", before) or q.approx in ("余", "多"):
        return ">"
    if q.upper is not None:
        return ">="
    return "="


def _tail_noun(after: str) -> str:
    """Noun phrase after a quantity (``…培育3家新型研发机构`` → 新型研发机构), or ''."""
    t = re.sub(r"^(?:及)?(?:以上|以下|左右|以内)", "", after)
    t = re.split(r"[,,;;。:]", t)[0]
    if not t or not re.match(rf"[{CJK}“]", t) or re.match(r"^(?:和|及|与|或|至|到|、)[\dxX一二三四五六七八九十]", t):
        return ""
    if "的" in t:
        t = t.rsplit("的", 1)[1]
    return t.strip("“”")[:25]


_SUBSET_SUBJECT = re.compile(r"^(?:其中)?(?:国家级|省级|市级|县级|区级|国家|省|市)(?:以上)?$")


def _classify(q: Quantity, btxt: str, after_clause: str, subject: str, quantity_first: bool,
              inherited: bool, prev_type: str) -> tuple[str, list[str]]:
    """Target type of a quantity from the words around it (see the module docstring)."""
    notes: list[str] = []
    core = _LEAD.sub("", _HEADING_LEAD.sub("", btxt))
    if q.points:
        notes.append("percentage points (个百分点)")
        return "increment", notes
    if q.unit == "倍":
        return "growth_rate", notes
    if q.unit == "%":
        if re.search(r"占|比重|比例|占比|覆盖率|率$", btxt + after_clause[:6]) or re.search(r"比重|比例|占比", subject):
            return "share", notes
        if re.search(rf"(?:{GROWTH_VERBS})(?:率)?(?:要|将|力争)?(?:达到|达|为|保持在|超过|不低于)?$", btxt) or \
                re.search(r"增速|增长率|增幅", subject + btxt):
            return "growth_rate", notes
        return "level", notes
    if q.unit == "位" or re.search(r"排名|排位|位次|进位|前进", btxt[-8:]):
        return "rank", notes
    if re.search(rf"(?:{INC_VERBS})$", btxt):
        return "increment", notes
    lead_inc = re.match(rf"^(?:{INC_VERBS})", core)
    if lead_inc and not re.search(STRICT_LEVEL, core):
        return "increment", notes
    if quantity_first and re.search(rf"(?:{INC_VERBS})(?:和|与|或|、)?(?:建设|认定|培育)?$", btxt):
        return "increment", notes
    if re.search(r"(?:增加|提升|提高)$", btxt):
        return "increment", notes
    if inherited and prev_type == "increment" and not re.search(STRICT_LEVEL, core):
        return "increment", notes
    if not inherited and prev_type == "increment" and not re.search(STRICT_LEVEL + "|" + ACTION_VERBS, core):
        notes.append("listed after a 新增 item: read as an increment")
        return "increment", notes
    return "level", notes


_RESPECTIVE = re.compile(r"分别(?:要|将)?(?:达到|超过|突破|为|增长|达|新增|提高到|不低于|不少于|增加)?")


def _respective(sentence: str, quantities: list[Quantity]) -> dict[int, tuple[str, str]]:
    """``A和B…分别达到X和Y``: quantity index → (its own subject, the shared verb)."""
    out: dict[int, tuple[str, str]] = {}
    for m in _RESPECTIVE.finditer(sentence):
        group, pos = [], m.end()
        for i, q in enumerate(quantities):
            if q.start < m.end():
                continue
            if not re.fullmatch(r"(?:以上)?[和、及与,,]?", sentence[pos:q.start]):
                break
            group.append(i)
            pos = q.end
        if len(group) < 2:
            continue
        clauses = re.split(r"[,,;;:]", sentence[:m.start()])
        subj = ""
        for clause in reversed(clauses):
            subj = re.split(r"在(?:\d{4})年|较|比|(?:实现|力争)", _clean_subject(clause))[0]
            if subj:
                break
        parts = [_clean_subject(p) for p in re.split(r"[和、及与]", subj) if p]
        if len(parts) == len(group):
            for i, part in zip(group, parts):
                out[i] = (part, m.group(0))
    return out


def analyse_sentence(sentence: str, offset: int, ctx: SentenceContext) -> list[Candidate]:
    """Candidate targets in one sentence (``offset`` = its position in the normalised text).

    For each quantity: the clause before it (back to the previous punctuation mark or quantity)
    names the subject and the verb; a quantity followed by a noun counts only after an action
    verb (``培育3家新型研发机构``), otherwise it describes that noun (``9项指标``) and is skipped.
    """
    mode = ctx.mode
    if mode == "review" and (not re.search(FUTURE_CUE, sentence) or re.search(_PAST_SENTENCE, sentence)):
        return []
    out: list[Candidate] = []
    quantities = find_quantities(sentence)
    quantities += _unitless_targets(sentence, quantities)
    quantities.sort(key=lambda q: q.start)
    prev_end = 0
    prev_subject = ctx.default_subject
    prev_type = ""
    prev_code = match_indicator(prev_subject) if prev_subject else ""
    respective = _respective(sentence, quantities)
    for qi, q in enumerate(quantities):
        left = max(sentence.rfind(ch, 0, q.start) for ch in ",,;;:")
        left = max(left + 1, prev_end)
        before_full = sentence[:q.start]
        before = sentence[left:q.start]
        after = sentence[q.end:]
        after_clause = re.split(r"[,,;;。]", after)[0]
        comp_tail = re.match(r"^(?:及)?(?:以上|以下|左右|以内)?", after).group(0)
        q_end = q.end + len(comp_tail)
        btxt = before.strip()
        notes: list[str] = []
        conf = 0.6
        # --- filters: not a target -----------------------------------------------------------
        if q.unit in ("元", "美元", "万亿元"):
            continue
        if q.unit == "倍" and not re.search(rf"(?:{GROWTH_VERBS}|是|为|到)$", btxt):
            continue
        if re.search(r"[《〈][^》〉]*$", before_full) or before_full.count("“") > before_full.count("”"):
            continue  # inside a document title or a quoted slogan
        if _POLICY.search(before[-12:]) or re.match(r"^(?:以上)?的(?:比例|标准|额度|补助|奖励|资助)", after):
            continue  # a policy parameter
        if re.match(r"^(?:以内|以下)", after) and not re.search(r"控制", btxt):
            continue
        bf = _outside_book_titles(before_full)
        years = [m for m in _YEAR_RE.finditer(bf) if not _is_base_year(bf, m)]
        if years and ctx.doc.year and not ctx.in_table:
            y = int(years[-1].group(2) or years[-1].group(1))
            y_pos = years[-1].start()
            if y < ctx.doc.year and y_pos >= left - 12:
                prev_subject = _clean_subject(before) or prev_subject  # "2023年…612家, 2024年力争达到700家"
                continue  # a past year governs the clause: an achievement or baseline
        if _PAST_CUE.search(btxt):
            continue  # "已建成…12家": done, not to do
        cue = list(_THIRD_PARTY.finditer(sentence[:q.start]))
        if cue and not re.search(r"力争|确保|目标|达到|实现|完成", sentence[cue[-1].end():q.start]):
            continue  # "鼓励研究院集中引进x-x个团队": encouraging others is not a commitment
        noun = _tail_noun(after)
        action_before = re.search(rf"(?:{ACTION_VERBS})(?:和|与|或|、)?(?:{ACTION_VERBS})?$", btxt)
        quantity_first = bool(noun) and not re.match(r"^(?:以上|以下|左右)?[、,,]", after)
        if quantity_first:
            if action_before is None:
                continue  # "9项指标", "10条产业链": the number describes the noun
            if not re.match(r"[\dxX]", q.raw) and ((q.value or 0) < 2 or re.match(r"^(?:某某|[xX×]{2})", noun)):
                continue  # "打造一个…体系", "建设五个某某": idiom or slogan, not a figure
        # --- subject --------------------------------------------------------------------------
        subject = _clean_subject(before)
        if qi in respective:
            subject, shared_verb = respective[qi]
            btxt = shared_verb
            notes.append("分别: subjects and figures paired in order")
        if quantity_first and len(noun) >= 2:
            subject = noun  # "培育3家新型研发机构": the noun after the number is the indicator
        inherited = False
        if not subject or subject in ("占", "比重", "增长", "同比", "其中"):
            subject = prev_subject
            inherited = True
            if not subject or q.unit == "位":  # the clause before names it ("…资金支持,确保超过6000万元")
                prev_clause = re.split(r"[,,;;:]", sentence[:left].rstrip(",,;;:"))[-1]
                prev_clause = re.split(r"实现|达到|保持|力争", prev_clause)[0] if q.unit == "位" else prev_clause
                subject = _clean_subject(re.sub(r"(?:支持|力度|工作)$", "", prev_clause))[:20] or subject
                inherited = False
        elif _SUBSET_SUBJECT.match(subject) and prev_subject:
            subject = subject.replace("其中", "") + _clean_subject(prev_subject)
            notes.append("part of the preceding target (其中…)")
            inherited = True
        if subject.endswith("占") and q.unit == "%":
            subject = subject[:-1]
        if q.unit == "位" or re.search(r"排名|位次|前$|第$", btxt[-6:]):
            rank_subject = re.sub(r"(?:实现|跃居|位居|位列|进入|居|排名|排位|前进|提升|上升|提高)*(?:全国|全省|全市|全区|省|市)?(?:前|第)?$", "", subject)
            if not rank_subject:
                prev_clause = re.split(r"[,,;;:]", sentence[:left].rstrip(",,;;:"))[-1]
                rank_subject = _clean_subject(re.split(r"实现|达到|保持|力争", prev_clause)[0]) or prev_subject
            subject = rank_subject
        if not subject or _GENERIC_SUBJECT.match(subject):
            continue
        # --- type, value, unit --------------------------------------------------------------
        ttype, tnotes = _classify(q, btxt, after_clause, subject, quantity_first, inherited, prev_type)
        notes += tnotes
        value, unit = q.value, q.unit
        if q.unit == "倍":
            value = multiple_to_growth(q.value, btxt) if q.value is not None else None
            notes.append(f"{q.raw}: growth rate from a multiple")
            unit = "%"
        if unit == "万":
            if re.search(r"金额|资金|基金|收入|投资|经费|投入|额|融资|产值|销售|资本", subject + btxt):
                unit = "万元"
            else:
                value = None if value is None else value * 1e4
                unit = ""
        comparator = _comparator(btxt, after, q)
        if ttype == "rank" and re.search(r"前$", btxt):
            comparator = "<="
            notes.append(f"rank within the top {q.raw}")
        elif ttype == "rank" and re.search(r"前进|提升|上升|进位", btxt[-6:]):
            comparator = ">="
            notes.append("rank improvement (places gained)")
        if q.upper is not None:
            notes.append(f"range {q.raw}: lower bound taken as the target, upper bound {q.upper:g}")
            conf -= 0.1
        elif q.is_range:
            notes.append(f"masked range {q.raw}")
        if q.approx:
            notes.append(f"{q.raw}: approximate ({q.approx})")
        # --- time -------------------------------------------------------------------------------
        quarter = None
        qm = list(_QUARTER_RE.finditer(before_full))
        if qm:
            quarter = _cn_quarter(qm[-1].group(2))
            notes.append(f"quarter from the text ({qm[-1].group(0)})")
        elif _HALF_RE.search(before_full):
            quarter = 2
            notes.append("上半年: first-half milestone (target_quarter 2)")
        elif ctx.quarter:
            quarter = ctx.quarter  # a quarter column's plan, even when it restates the annual figure
        if quarter:
            if ttype == "growth_rate":
                notes.append("milestone of a growth rate (同比增长)")
            ttype = "milestone"
        year, explicit = _resolve_year(before_full, sentence, ctx, notes)
        if not explicit:
            conf -= 0.05
        base_year = _base_year(before_full, year)
        # --- indicator ------------------------------------------------------------------------
        code = match_indicator(subject)
        if not code and not inherited and not quantity_first:  # "新增高级职称…人才数量": the verb is part of the name
            code = match_indicator(_TRAIL_VERB.sub("", _LEAD.sub("", _HEADING_LEAD.sub("", btxt))))
        if inherited and not code and subject == prev_subject:
            code = prev_code
        kind = _indicator_kind(code) if code else ""
        if unit == "%" and ttype in ("level", "increment") and not q.points:
            if kind in ("count", "amount", "rate"):
                ttype = "growth_rate"  # a % of a count or amount is its growth; a rate is itself a growth
            elif kind == "share" or re.search(r"强度|占比|比重|比例", subject):
                ttype = "share"
        if ttype == "growth_rate" and inherited:
            notes.append("growth rate stated with a level target")
        # --- confidence -----------------------------------------------------------------------
        if code:
            conf += 0.1
        if re.search(rf"(?:{LEVEL_VERBS}|{GROWTH_VERBS}|{INC_VERBS})$", btxt) or comparator != "=":
            conf += 0.1
        if ctx.goal_section:
            conf += 0.1
        if unit and unit not in CANONICAL_UNITS:
            conf -= 0.15
        if not unit:
            conf -= 0.2
            notes.append("no unit in the text")
        if quantity_first:
            conf -= 0.1 if re.match(r"[\dxX]", q.raw) else 0.2
        if _ENCOURAGE.search(sentence[left:q.start] if not quantity_first else sentence[:q.start]) \
                and not re.search(r"力争|确保|目标", before_full):
            conf -= 0.15
        if inherited:
            conf -= 0.05
        if re.search(r"每[条个家项所]|各\d|各$", btxt):
            conf -= 0.2
            notes.append("per-unit figure (每…/各…)")
        if mode == "review":
            conf -= 0.15
            notes.append("stated in a review section with a future cue")
        if re.search(r"力争$", btxt):
            notes.append("力争: stretch figure")
        if q.masked:
            notes.append("number masked in the text")
            value = None
        start = _subject_start(sentence, left, q.start)
        end = prev_end = q_end
        if quantity_first and noun in after:
            end = q.end + after.find(noun) + len(noun)
        subjects = [subject]
        if btxt.endswith("各") and "、" in subject:  # "学校、社区示范场所各1个": one row per item
            subjects = _distribute(subject.rstrip("各"))
            notes.append(f"各: the figure applies to each of {len(subjects)} items")
        for subj in subjects:
            out.append(Candidate(
                start=offset + start, end=offset + end, indicator_zh=subj, target_type=ttype,
                comparator=comparator, target_value=value, unit=unit, masked=q.masked,
                indicator=code if len(subjects) == 1 else match_indicator(subj),
                target_year=year, target_quarter=quarter, baseline_year=base_year, notes=list(notes),
                confidence=round(max(0.05, min(0.99, conf)), 2), source=ctx.source,
            ))
        if not inherited:
            prev_subject, prev_code = subject, code
        prev_type = ttype
    out += _breakthroughs(sentence, offset, ctx)
    out += _doublings(sentence, offset, ctx)
    if mode == "plan":
        out += _phrase_targets(sentence, offset, ctx)
    return out


def _distribute(subject: str) -> list[str]:
    """``学校、社区示范场所`` → [学校示范场所, 社区示范场所]: short leading items share the last item's head."""
    parts = [p for p in subject.split("、") if p]
    last = parts[-1]
    head_len = max(len(p) for p in parts[:-1])
    tail = last[head_len:] if len(last) > head_len + 1 else ""
    return [p + tail if tail and len(p) <= head_len else p for p in parts[:-1]] + [last]


_STEADY_RE = re.compile(r"[“\"]?只增不减[”\"]?")
_COVER_RE = re.compile(r"(?:实现|达到|推动|推进)([^,,;;。]{2,30}?)全覆盖")


def _phrase_targets(sentence: str, offset: int, ctx: SentenceContext) -> list[Candidate]:
    """Targets stated without a number: 只增不减 (growth > 0) and 实现…全覆盖 (coverage = 100%)."""
    out = []
    for m in _STEADY_RE.finditer(sentence):
        left = max(sentence.rfind(ch, 0, m.start()) for ch in ",,;;:") + 1
        subject = _clean_subject(re.sub(r"(?:确保|保持|实现)+$", "", sentence[left:m.start()]))
        if subject:
            notes = ["只增不减: growth above zero"]
            year, _ = _resolve_year(sentence[:m.start()], sentence, ctx, notes)
            out.append(Candidate(offset + left, offset + m.end(), subject, "growth_rate", ">", 0.0, "%",
                                 indicator=match_indicator(subject), target_year=year, notes=notes,
                                 confidence=0.5, source=ctx.source))
    for m in _COVER_RE.finditer(sentence):
        if re.search(r"[\d一二三四五六七八九十两][大项个]$", m.group(1)):
            continue  # "三大全覆盖": a count of programmes
        subject = _clean_subject(m.group(1))
        if subject:
            notes = ["全覆盖: coverage of 100%"]
            year, _ = _resolve_year(sentence[:m.start()], sentence, ctx, notes)
            out.append(Candidate(offset + m.start(), offset + m.end(), subject + "覆盖率", "share", "=", 100.0, "%",
                                 target_year=year, notes=notes, confidence=0.5, source=ctx.source))
    return out


def _subject_start(sentence: str, left: int, qstart: int) -> int:
    """Start of the quoted span: the clause start, after punctuation, list and heading marks."""
    i = left
    while i < qstart and sentence[i] in " ,,;;:、":
        i += 1
    m = _HEADING_LEAD.match(sentence[i:qstart])
    return i + (m.end() if m else 0)


_UNITLESS_RE = re.compile(r"(?<![\d.年月日号第])(\d{1,5}(?:\.\d+)?)(?=以上)")


def _unitless_targets(sentence: str, found: list[Quantity]) -> list[Quantity]:
    """Numbers written without a unit but with 以上 (``共建创新载体1以上``): unit left empty."""
    taken = [(q.start, q.end) for q in found]
    out = []
    for m in _UNITLESS_RE.finditer(sentence):
        if any(a <= m.start() < b for a, b in taken):
            continue
        out.append(Quantity(m.start(), m.end(), m.group(0), float(m.group(1)), ""))
    return out


@lru_cache(maxsize=1)
def _kinds() -> dict[str, str]:
    from analysis.config import data_dir

    try:
        t = pd.read_csv(data_dir() / "indicators.csv", dtype=str, keep_default_na=False)
        return dict(zip(t["code"], t["kind"]))
    except FileNotFoundError:
        return {}


def _indicator_kind(code: str) -> str:
    return _kinds().get(code, "")


_BREAK_RE = re.compile(r"[“\"]?(?:零|0|〇)[”\"]?的?突破|零突破")


def _breakthroughs(sentence: str, offset: int, ctx: SentenceContext) -> list[Candidate]:
    """零的突破 / 实现"0"的突破: one breakthrough row per indicator listed before it."""
    out = []
    for m in _BREAK_RE.finditer(sentence):
        before = sentence[:m.start()]
        left = max(before.rfind(ch) for ch in ",,;;:") + 1
        clause = before[left:]
        if re.search(r"\d+\s*[个项]\S{0,4}指标", clause):
            continue  # "3个空白指标取得零的突破": a count of indicators, the list follows elsewhere
        clause = re.sub(r"(?:等)?(?:指标|领域|方面)?(?:数据)?(?:实现|取得|力争|争取|确保)*[“\"]?$", "", clause)
        clause = re.sub(r"等(?:指标|领域)?(?:数据)?$", "", clause)
        clause = _LEAD.sub("", clause)
        parts = [p for p in re.split(r"、(?=[^、]{4,})", clause) if p.strip()] if "等" in before[left:] else [clause]
        if not clause.strip():
            continue
        notes: list[str] = ["零的突破: from zero to above zero (at least 1 for a count)"]
        year, _ = _resolve_year(before, sentence, ctx, notes)
        pos = left
        for part in parts:
            part_start = sentence.find(part, pos)
            subject = _clean_subject(part)
            if not subject or _GENERIC_SUBJECT.match(subject):
                continue
            out.append(Candidate(
                start=offset + max(part_start, left), end=offset + m.end(), indicator_zh=subject,
                target_type="breakthrough", comparator=">", target_value=0.0, unit="",
                indicator=match_indicator(subject), target_year=year, notes=list(notes),
                confidence=0.55 if ctx.mode == "plan" else 0.35, source=ctx.source,
            ))
            pos = max(part_start, pos) + len(part)
    return out


def _doublings(sentence: str, offset: int, ctx: SentenceContext) -> list[Candidate]:
    """翻一番 / 实现倍增: growth-rate targets of 100% (×2) or 300% (×4)."""
    out = []
    for a, b, factor in find_doublings(sentence):
        before = sentence[:a]
        left = max(before.rfind(ch) for ch in ",,;;:") + 1
        clause = re.split(r"(?:在|以|比|较)\d{4}年", before[left:])[0]
        subject = _clean_subject(re.sub(r"(?:实现|力争|数量|规模|[“\"]?双)+$", "", clause))
        if not subject:
            continue
        notes = [f"{sentence[a:b]}: ×{factor:g}"]
        year, _ = _resolve_year(before, sentence, ctx, notes)
        out.append(Candidate(
            start=offset + left, end=offset + b, indicator_zh=subject, target_type="growth_rate",
            comparator=">=", target_value=(factor - 1) * 100, unit="%", indicator=match_indicator(subject),
            target_year=year, baseline_year=_base_year(before, year), notes=notes, confidence=0.55,
            source=ctx.source,
        ))
    return out


# ------------------------------------------------------------------------------------------------
# Flattened tables
# ------------------------------------------------------------------------------------------------

_NUM_CELL = re.compile(r"^[-+]?\d+(?:\.\d+)?$|^[xX]+(?:\.[xX]+)?$")
_ANNOT_CELL = re.compile(r"^[((][^()()]*\d{4}年[^()()]*[))]$")
_UNIT_IN_LABEL = re.compile(r"[((]([^()()]{1,6})[))]\s*$")


@dataclass
class Column:
    """A header column: role ∈ indicator, unit, baseline, target, growth, quarter, group, other."""

    label: str
    role: str
    year: int | None = None
    quarter: int | None = None


def classify_header(cell: str) -> Column:
    """Role of one header cell (``2022年目标数`` → target 2022, ``第一季度`` → quarter 1…)."""
    c = cell.strip()
    y = re.search(r"(\d{4})年", c)
    year = int(y.group(1)) if y else None
    if re.fullmatch(r"\d{4}年?(?:底|末)?(?:[((][^()()]{0,6}[))])?", c):
        return Column(c, "year", year)
    if m := re.fullmatch(r"(?:第)?([一二三四1-4])季度(?:末)?", c):
        return Column(c, "quarter", quarter=_cn_quarter(m.group(1)))
    if re.search(r"季度.*计划|推进计划|进度安排|季度安排", c):
        return Column(c, "group")
    if re.search(r"完成|实际|现状|基数|基期|基准|上年", c) and not re.search(r"目标", c):
        return Column(c, "baseline", year)
    if re.search(r"目标|预期|计划值|规划值", c):
        return Column(c, "target", year)
    if re.search(r"增长|增速|增幅|增量", c):
        return Column(c, "growth", year)
    if re.fullmatch(r"(?:计量)?单位", c):
        return Column(c, "unit")
    if re.search(r"指标|名称|任务", c):
        return Column(c, "indicator")
    return Column(c, "other")


@dataclass
class Cell:
    start: int
    end: int
    text: str


def _cells(text: str) -> list[Cell]:
    """Non-empty lines as cells; a numbered list ("1.…" then "2.…") inside one cell is kept together."""
    cells: list[Cell] = []
    for m in re.finditer(r"[^\n]+", text):
        t = m.group(0).strip()
        if not t:
            continue
        k = re.match(r"^(\d{1,2})[.、．](?!\d)", t)
        if k and cells and int(k.group(1)) >= 2:
            prev = cells[-1]
            last_no = [int(x) for x in re.findall(r"(?:^|[。;;])\s*(\d{1,2})[.、．](?!\d)", prev.text)]
            if last_no and last_no[-1] == int(k.group(1)) - 1:
                cells[-1] = Cell(prev.start, m.end(), prev.text + "\n" + t)
                continue
        cells.append(Cell(m.start(), m.end(), t))
    return cells


def _is_value(c: str) -> bool:
    return bool(_NUM_CELL.match(c))


def _is_headerish(c: str) -> bool:
    return len(c) <= 16 and not _is_value(c) and not re.search(r"[。;;]$", c) and not re.search(r"\d+(?:\.\d+)?%", c)


def find_table_headers(cells: list[Cell]) -> list[tuple[int, int, list[Column]]]:
    """(first cell, end cell, columns) of every flattened table header.

    A header is a run of at least four short, non-numeric cells that names a target column
    (``XXXX年目标数``, ``目标值``…) and an indicator or baseline column.
    """
    out = []
    i = 0
    while i < len(cells):
        if not _is_headerish(cells[i].text):
            i += 1
            continue
        j = i
        while j < len(cells) and _is_headerish(cells[j].text):
            j += 1
        cols = [classify_header(c.text) for c in cells[i:j]]
        years = [c for c in cols if c.role == "year"]
        if len(years) >= 2 and not any(c.role == "target" for c in cols):
            first = min(c.year for c in years)  # bare year columns: earliest = baseline, later = targets
            for c in years:
                c.role = "baseline" if c.year == first else "target"
        roles = {c.role for c in cols}
        if j - i >= 4 and "target" in roles and ({"indicator", "baseline"} & roles) and j < len(cells):
            out.append((i, j, cols))
        i = j
    return out


def _value_columns(cols: list[Column]) -> list[Column]:
    idx = max((k for k, c in enumerate(cols) if c.role == "indicator"), default=-1)
    if idx < 0:
        idx = min(k for k, c in enumerate(cols) if c.role in ("baseline", "target")) - 1
    return [c for c in cols[idx + 1:] if c.role != "group"]


def _fits(col: Column, cell: str) -> bool:
    if col.role in ("baseline", "target"):
        return _is_value(cell) or bool(_DASH.match(cell))
    if col.role == "growth":
        return bool(re.search(r"\d(?:\.\d+)?\s*%|^[-+]?\d+(?:\.\d+)?$", cell)) and len(cell) <= 12 or bool(_DASH.match(cell))
    if col.role == "unit":
        return bool(_UNIT_CELL.match(cell))
    return True  # quarter / other: anything


def parse_tables(nt: Normalised, doc: DocInfo, sections: list[Section]) -> tuple[list[Candidate], list[tuple[int, int]]]:
    """Candidates from flattened tables, and the text spans the tables cover."""
    text = nt.text
    cells = _cells(text)
    headers = find_table_headers(cells)
    out: list[Candidate] = []
    spans: list[tuple[int, int]] = []
    for h, (hi, hj, cols) in enumerate(headers):
        stop = headers[h + 1][0] if h + 1 < len(headers) else len(cells)
        vcols = _value_columns(cols)
        rows = _table_rows(cells[hj:stop], vcols)
        names = _sub_row_names(rows)
        for (label_cell, assigned, last), name in zip(rows, names):
            out += _row_candidates(nt, doc, sections, label_cell, assigned, vcols, last, name)
        end = rows[-1][2].end if rows else cells[hj - 1].end
        spans.append((cells[hi].start, end))
    return out, spans


_UNIT_CELL = re.compile(r"^(?:%|‰|家|个|项|件|人|名|位|所|次|人次|万人|万件|亿元|万元|万美元|千瓦|件/万人|[^\d\s]{1,3}/[^\d\s]{1,3})$")


def _is_anchor(cells: list[Cell], k: int, n_value_cols: int, unit_first: bool = False) -> bool:
    c = cells[k].text
    if not re.search(rf"[{CJK}]", c) or len(c) > 40 or re.search(r"[。;;]$", c):
        return False
    if re.match(r"^\d+[.、．]", c) or _ANNOT_CELL.match(c) or re.search(r"\d\s*%", c) or _UNIT_CELL.match(c):
        return False
    if unit_first and k + 1 < len(cells) and _UNIT_CELL.match(cells[k + 1].text):
        k += 1  # a unit column between the label and the values
    if k + 1 >= len(cells) or not _is_value(cells[k + 1].text):
        return False
    if n_value_cols <= 1:
        return True
    if k + 2 < len(cells):
        nxt = cells[k + 2].text
        return _is_value(nxt) or bool(_ANNOT_CELL.match(nxt)) or bool(re.search(r"\d\s*%", nxt)) or bool(_DASH.match(nxt))
    return False


def _table_rows(cells: list[Cell], vcols: list[Column]) -> list[tuple[Cell, dict[int, Cell], Cell]]:
    """Rows as (label cell, {value column index: cell}, last cell) — typed column assignment."""
    rows = []
    n_num = sum(c.role in ("baseline", "target") for c in vcols)
    unit_first = bool(vcols) and vcols[0].role == "unit"
    anchors = [k for k in range(len(cells)) if _is_anchor(cells, k, n_num, unit_first)]
    for n, k in enumerate(anchors):
        limit = anchors[n + 1] if n + 1 < len(anchors) else len(cells)
        label = cells[k]
        pos = k + 1
        # the row's number (序号) just before its label: the next number ends the row
        row_no = next((int(cells[j].text) for j in range(k - 1, max(-1, k - 5), -1)
                       if re.fullmatch(r"\d{1,3}", cells[j].text)), None)
        while True:
            assigned: dict[int, Cell] = {}
            ci = 0
            last = label
            while ci < len(vcols) and pos < limit:
                cell = cells[pos]
                if row_no is not None and cell.text == str(row_no + 1) and vcols[ci].role not in ("baseline", "target") and \
                        (pos + 1 >= len(cells) or not _is_value(cells[pos + 1].text)):
                    break  # the next row's 序号
                if _ANNOT_CELL.match(cell.text) and assigned:
                    assigned[max(assigned)] = Cell(assigned[max(assigned)].start, cell.end,
                                                   assigned[max(assigned)].text + "|" + cell.text)
                    last = cell
                    pos += 1
                    continue
                base_zero = any(vcols[j].role == "baseline" and _cell_number(c.text)[0] == 0 for j, c in assigned.items())
                if vcols[ci].role == "growth" and base_zero and _DASH.match(cell.text):
                    ci += 1  # growth from a zero baseline is undefined: the cell is left blank
                    continue
                if _fits(vcols[ci], cell.text):
                    assigned[ci] = cell
                    last = cell
                    pos += 1
                ci += 1
            rows.append((label, assigned, last))
            # a continuation sub-row under a merged label: two value cells before the next row
            if pos + 1 < limit and _is_value(cells[pos].text) and _is_value(cells[pos + 1].text):
                label = Cell(label.start, label.end, label.text + "|续")
                continue
            break
    return rows


def _cell_number(cell: str) -> tuple[float | None, bool]:
    """(value, masked) of a value cell ('' or dash → (None, False))."""
    c = cell.split("|")[0].strip()
    if re.fullmatch(r"[xX]+(?:\.[xX]+)?", c):
        return None, True
    v = parse_number(c) if _NUM_CELL.match(c) else None
    return v, False


def _sub_row_names(rows: list[tuple[Cell, dict[int, Cell], Cell]]) -> list[str | None]:
    """Names for sub-rows under one merged label that lists as many indicators as there are rows.

    ``本科院校理工类专业、理工类学生占比`` over two rows → 本科院校理工类专业占比, 理工类学生占比
    (the head word of the last item, 占比, is shared). Other rows keep their label (None).
    """
    names: list[str | None] = [None] * len(rows)
    i = 0
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and rows[j + 1][0].start == rows[i][0].start:
            j += 1
        label = _UNIT_IN_LABEL.sub("", rows[i][0].text.split("|")[0]).strip()
        parts = [p for p in re.split(r"[、和及]", label) if p]
        if j > i and len(parts) == j - i + 1:
            head = re.search(r"(?:占比|比重|比例|数量|总额|金额|数)$", parts[-1])
            for k, part in enumerate(parts):
                names[i + k] = part + head.group(0) if head and not part.endswith(head.group(0)) else part
        i = j + 1
    return names


def _row_candidates(nt: Normalised, doc: DocInfo, sections: list[Section], label_cell: Cell,
                    assigned: dict[int, Cell], vcols: list[Column], last: Cell,
                    name_override: str | None = None) -> list[Candidate]:
    label = label_cell.text.split("|")[0]
    sub_row = label_cell.text.endswith("|续")
    m = _UNIT_IN_LABEL.search(label)
    unit = m.group(1).strip() if m else ""
    if unit in ("%", "%"):
        unit = "%"
    name = name_override or _UNIT_IN_LABEL.sub("", label).strip()
    for ci, col in enumerate(vcols):
        if col.role == "unit" and ci in assigned:
            unit = assigned[ci].text
    code = match_indicator(name)
    kind = _indicator_kind(code) if code else ""
    rate = kind == "rate" or bool(re.search(r"增速|增长率|增幅", name))
    share = unit == "%" and not rate and (kind == "share" or bool(re.search(r"占比|比重|比例|率|强度", name)))
    out: list[Candidate] = []
    baseline_value, baseline_year, base_note = None, None, ""
    annual: dict[int | None, float | None] = {}
    for ci, col in enumerate(vcols):
        if col.role != "baseline" or ci not in assigned:
            continue
        baseline_value, _ = _cell_number(assigned[ci].text)
        baseline_year = col.year
        ann = re.search(r"(\d{4})年", assigned[ci].text.split("|", 1)[1]) if "|" in assigned[ci].text else None
        if ann:
            baseline_year = int(ann.group(1))
            base_note = f"baseline year from the cell note {assigned[ci].text.split('|', 1)[1]}"
    sec = section_at(sections, label_cell.start)
    for ci, col in enumerate(vcols):
        if col.role != "target" or ci not in assigned:
            continue
        value, masked = _cell_number(assigned[ci].text)
        if value is None and not masked:
            continue
        notes = ["from a table row" + (" (second sub-row under a merged label)" if sub_row else "")]
        if base_note:
            notes.append(base_note)
        year = col.year or doc.year
        if not col.year:
            notes.append("target year assumed to be the document year")
        ttype = "growth_rate" if rate else ("share" if share else "level")
        if masked:
            notes.append("number masked in the text")
        out.append(Candidate(
            start=label_cell.start, end=assigned[ci].end, indicator_zh=name, target_type=ttype,
            comparator="=", target_value=value, unit=unit, masked=masked, indicator=code,
            target_year=year, baseline_year=baseline_year if baseline_value is not None else None,
            baseline_value=baseline_value, notes=notes,
            confidence=0.85 if code else 0.8, source="table",
        ))
        annual[year] = value
    target_year = next((c.year for c in vcols if c.role == "target" and c.year), doc.year)
    # growth column: the growth rate that goes with the level target
    for ci, col in enumerate(vcols):
        if col.role != "growth" or ci not in assigned or not rate:
            continue  # for a level row the growth follows from baseline → target; for a rate row it is another figure
        cell = assigned[ci].text
        qs = [q for q in find_quantities(cell) if q.unit == "%"]
        if not qs and _NUM_CELL.match(cell):
            qs = [Quantity(0, len(cell), cell, parse_number(cell), "%")]
        if not qs or qs[0].value is None:
            continue
        comp = ">=" if re.search(r"以上|不低于|不少于", cell) else "="
        out.append(Candidate(
            start=label_cell.start, end=assigned[ci].end, indicator_zh=name, target_type="growth_rate",
            comparator=comp, target_value=qs[0].value, unit="%", indicator=code, target_year=target_year,
            notes=["from a table row: growth of the underlying quantity, stated beside the rate"],
            confidence=0.5, source="table",
        ))
    # quarter columns
    quarters = [(ci, col) for ci, col in enumerate(vcols) if col.role == "quarter"]
    numeric = [ci for ci, _ in quarters if ci in assigned and _is_value(assigned[ci].text)]
    for ci, col in quarters:
        if ci not in assigned:
            continue
        cell = assigned[ci]
        if ci in numeric:
            value, masked = _cell_number(cell.text)
            if value is None and not masked:
                continue
            out.append(Candidate(
                start=label_cell.start, end=cell.end, indicator_zh=name, target_type="milestone",
                comparator="=", target_value=value, unit=unit, masked=masked, indicator=code,
                target_year=target_year, target_quarter=col.quarter,
                notes=["from a table row: quarterly milestone" + (" (cumulative)" if not share and not rate else "")],
                confidence=0.75, source="table",
            ))
            continue
        ctx = SentenceContext(doc=doc, mode="plan", section_year=target_year, quarter=col.quarter,
                              default_subject=name, source="cell", in_table=True, goal_section=sec.goal)
        for s, e in _sentence_spans(nt.text, cell.start, cell.end):
            out += analyse_sentence(nt.text[s:e], s, ctx)
    return out


# ------------------------------------------------------------------------------------------------
# Sentences
# ------------------------------------------------------------------------------------------------


def _sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """``[start, end)`` spans of sentences: split at 。;!? and line breaks, not inside （）."""
    end = len(text) if end is None else end
    spans = []
    s = start
    depth = 0
    for i in range(start, end):
        c = text[i]
        if c in "((":
            depth += 1
        elif c in "))":
            depth = max(0, depth - 1)
        if c == "\n" or (c in "。;;!?!?" and depth == 0):
            if i > s:
                spans.append((s, i))
            s = i + 1
            depth = 0 if c == "\n" else depth
    if end > s:
        spans.append((s, end))
    return spans


def extract_sentences(nt: Normalised, doc: DocInfo, sections: list[Section],
                      skip: list[tuple[int, int]]) -> list[Candidate]:
    """Candidates from running text (outside the table spans in ``skip``)."""
    out: list[Candidate] = []
    for s, e in _sentence_spans(nt.text):
        if any(a <= s < b for a, b in skip):
            continue
        sec = section_at(sections, s)
        # a heading glued to its first sentence ("二、总体目标全社会…") belongs to the new section
        ctx = SentenceContext(doc=doc, mode=sec.mode, section_year=sec.year, goal_section=sec.goal)
        out += analyse_sentence(nt.text[s:e], s, ctx)
    return out


# ------------------------------------------------------------------------------------------------
# Assembly
# ------------------------------------------------------------------------------------------------


def _simplified(s: str) -> str:
    try:
        from analysis.targets.text import _converter

        return _converter().convert(s)
    except Exception:  # noqa: BLE001
        return s


def _similar(a: str, b: str) -> bool:
    a2 = re.sub(r"[((][^()()]*[))]|数量|总额|总数|当年|全市|全区|年度", "", a)
    b2 = re.sub(r"[((][^()()]*[))]|数量|总额|总数|当年|全市|全区|年度", "", b)
    if not a2 or not b2:
        return False
    short, long_ = sorted((a2, b2), key=len)
    if short in long_ and len(short) >= max(2, 0.6 * len(long_)):
        return True
    sa, sb = set(a2), set(b2)
    return len(sa & sb) / len(sa | sb) >= 0.7


def _same_target(x: Candidate, y: Candidate) -> bool:
    if x.masked or y.masked:
        return False
    if (x.target_quarter or 0) != (y.target_quarter or 0):
        return False
    vx, ux = x.canonical()
    vy, uy = y.canonical()
    if vx is None or vy is None or ux != uy or abs(vx - vy) > 1e-9 * max(1.0, abs(vx)):
        return False
    if (x.target_type == "growth_rate") != (y.target_type == "growth_rate"):
        return False
    if x.indicator and y.indicator:
        return x.indicator == y.indicator
    return _similar(x.indicator_zh, y.indicator_zh)


def _merge(cands: list[Candidate]) -> list[Candidate]:
    """Merge restatements of one target in running text; keep table rows as their own records.

    A target restated later in the prose (总体目标 and again under 重点工作) is one row. A table
    row and a quarter-column cell are separate records of the document (they carry their own
    quote, baseline or quarter), as in the hand-checked registry; they are cross-referenced in
    ``note`` and share a baseline found in the table.
    """
    kept: list[Candidate] = []
    for c in sorted(cands, key=lambda c: (c.source != "text", -c.confidence, c.start)):
        same = [k for k in kept if _same_target(k, c)]
        text_dup = next((k for k in same if k.source == "text" and c.source == "text" and k.start != c.start), None)
        if text_dup is not None:
            text_dup.confidence = round(min(0.99, text_dup.confidence + 0.05), 2)
            text_dup.notes.append("restated later in the text")
            continue
        for k in same:
            if k.baseline_value is None and c.baseline_value is not None:
                k.baseline_value, k.baseline_year = c.baseline_value, c.baseline_year
            if c.baseline_value is None and k.baseline_value is not None:
                c.baseline_value, c.baseline_year = k.baseline_value, k.baseline_year
            k.notes.append(f"also stated in the {'table' if c.source != 'text' else 'text'}")
            c.notes.append(f"also stated in the {'table' if k.source != 'text' else 'text'}")
        kept.append(c)
    return sorted(kept, key=lambda c: c.start)


_RANK_OF_LIST = re.compile(r"(\d+|[一二三四五六七八九十]+)\s*[项个]指标[^,,;;。]{0,10}?(?:排名|排位|位次)[^,,;;。]{0,4}?(?:前进|提升|上升|进)")


def _expand_list_ranks(cands: list[Candidate], text: str) -> list[Candidate]:
    """"力争8项指标排名前进1位。A达到…;B达到…" → one rank row per indicator listed after it.

    Only when the paragraph that follows names exactly that many targets; otherwise the single
    row is kept with a note.
    """
    out = []
    for c in cands:
        m = _RANK_OF_LIST.search(text[c.start:c.end]) if c.target_type == "rank" else None
        if not m:
            out.append(c)
            continue
        n = int(parse_number(m.group(1)) or 0)
        para_end = text.find("\n", c.end)
        para_end = len(text) if para_end < 0 else para_end
        listed: list[Candidate] = []
        for k in cands:
            if c.end <= k.start < para_end and k.source == "text" and k.target_type in ("level", "increment", "share") \
                    and not any(_similar(k.indicator_zh, x.indicator_zh) for x in listed):
                listed.append(k)
        if len(listed) != n:
            c.notes.append(f"rank improvement of {n} indicators; {len(listed)} targets follow in the paragraph")
            out.append(c)
            continue
        for k in listed:
            out.append(Candidate(
                start=c.start, end=c.end, indicator_zh=k.indicator_zh + "全省排名" if "全省" in text[c.start - 30:c.end] else k.indicator_zh + "排名",
                target_type="rank", comparator=c.comparator, target_value=c.target_value, unit=c.unit,
                indicator=k.indicator, target_year=c.target_year,
                notes=c.notes + [f"one of the {n} indicators whose rank is to improve (listed after it)"],
                confidence=c.confidence, source=c.source))
    return out


def _fill_units(cands: list[Candidate]) -> None:
    """Breakthrough rows take the unit of a similar target in the document, else the catalogue's."""
    for c in cands:
        if c.target_type != "breakthrough" or c.unit:
            continue
        other = next((k for k in cands if k is not c and k.unit and k.target_type not in ("breakthrough", "growth_rate")
                      and _similar(re.sub(r"、|和", "", c.indicator_zh), re.sub(r"、|和|数量", "", k.indicator_zh))), None)
        if other is not None:
            c.unit = other.unit
            c.notes.append(f"unit from the related target {other.indicator_zh}")
        elif c.indicator:
            c.unit = _catalogue_units().get(c.indicator, "")
        if c.unit in COUNT_UNITS:  # a count goes from 0 to at least 1; a share or amount above 0
            c.comparator, c.target_value = ">=", 1.0


@lru_cache(maxsize=1)
def _catalogue_units() -> dict[str, str]:
    from analysis.config import data_dir

    try:
        t = pd.read_csv(data_dir() / "indicators.csv", dtype=str, keep_default_na=False)
        return dict(zip(t["code"], t["unit"]))
    except FileNotFoundError:
        return {}


def _registry_unit(unit: str, notes: list[str]) -> str:
    """The unit if the loader knows it; otherwise '' and the written unit goes to ``note``."""
    try:
        from analysis.data.units import KNOWN_UNITS
    except ImportError:  # pragma: no cover
        return unit
    if unit and unit not in KNOWN_UNITS:
        notes.append(f"unit as written: {unit} (not in the registry's unit list)")
        return ""
    return unit


def extract_text(original: str, document: str = "", min_confidence: float = 0.0) -> pd.DataFrame:
    """Candidate target rows (registry columns + ``confidence``) for one document's raw text."""
    nt = normalise(original)
    doc = document_info(nt.text, document)
    sections = section_modes(nt.text, doc.kind)
    table_cands, table_spans = parse_tables(nt, doc, sections)
    cands = table_cands + extract_sentences(nt, doc, sections, table_spans)
    cands = _expand_list_ranks(_merge(cands), nt.text)
    _fill_units(cands)
    cands = [c for c in cands if c.confidence >= min_confidence]
    stem = Path(document).stem if document else "doc"
    rows = []
    for i, c in enumerate(cands, 1):
        quote = nt.quote(c.start, c.end).strip()
        unit = _registry_unit(c.unit, c.notes)
        notes = list(dict.fromkeys(c.notes))
        if doc.year_note and doc.year is not None and c.target_year == doc.year and any("document year" in n for n in notes):
            notes.append(doc.year_note)
        rows.append({
            "target_id": f"{stem}-{i:03d}",
            "document": Path(document).name if document else "",
            "region": doc.region,
            "level": doc.level,
            "parent": doc.parent,
            "indicator": c.indicator,
            "indicator_zh": c.indicator_zh,
            "target_type": c.target_type,
            "comparator": c.comparator,
            "baseline_year": c.baseline_year,
            "baseline_value": c.baseline_value,
            "target_year": c.target_year,
            "target_quarter": c.target_quarter,
            "target_value": None if c.masked else c.target_value,
            "unit": unit,
            "quote": quote,
            "masked": bool(c.masked),
            "region_note": doc.region_note,
            "note": "; ".join(notes),
            "confidence": c.confidence,
        })
    frame = pd.DataFrame(rows, columns=OUTPUT_COLUMNS)
    for col in ("baseline_year", "target_year", "target_quarter"):
        frame[col] = frame[col].astype("Int64")
    for col in ("baseline_value", "target_value", "confidence"):
        frame[col] = frame[col].astype("float64")
    return frame


def extract_file(path: str | Path, min_confidence: float = 0.0) -> pd.DataFrame:
    """Candidate target rows for one file (``document`` = its file name)."""
    path = Path(path)
    return extract_text(read_text(path), path.name, min_confidence=min_confidence)


def extract_files(paths: list[str | Path], min_confidence: float = 0.0) -> pd.DataFrame:
    """Candidates of several files, concatenated."""
    frames = [extract_file(p, min_confidence) for p in paths]
    if not frames:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    return pd.concat(frames, ignore_index=True)


# ------------------------------------------------------------------------------------------------
# Evaluation against the hand-checked registry
# ------------------------------------------------------------------------------------------------


def _row_key(row: pd.Series) -> tuple[str, float | None, str]:
    value = row.get("target_value")
    value = None if value is None or pd.isna(value) or value == "" else float(value)
    v, u = canonical_value(value, str(row.get("unit") or ""))
    return Path(str(row.get("document") or "")).name, v, u


def _is_masked(row: pd.Series) -> bool:
    m = row.get("masked")
    return str(m).strip().lower() in ("true", "1", "yes")


def _matches(cand: pd.Series, gold: pd.Series) -> bool:
    dc, vc, uc = _row_key(cand)
    dg, vg, ug = _row_key(gold)
    if dc != dg:
        return False
    if _is_masked(cand) or _is_masked(gold):
        if not (_is_masked(cand) and _is_masked(gold)):
            return False
        ci, gi = str(cand.get("indicator") or ""), str(gold.get("indicator") or "")
        if ci and gi and ci == gi:
            return (uc == ug) or not (uc and ug)
        return _similar(_simplified(str(cand.get("indicator_zh") or "")), _simplified(str(gold.get("indicator_zh") or ""))) \
            and (uc == ug or not (uc and ug))
    if vc is None or vg is None:
        return False
    return uc == ug and abs(vc - vg) <= 1e-6 * max(1.0, abs(vg))


def evaluate(candidates: pd.DataFrame, registry: pd.DataFrame, documents: list[str] | None = None) -> dict:
    """Precision/recall of ``candidates`` against the hand-checked ``registry``.

    Only registry rows of ``documents`` count (file names; default: the documents present in
    ``candidates`` — pass the processed files so that a file without candidates counts). A candidate matches a
    registry row of the same document with the same value and unit (on the loader's canonical
    scale: 1200 万元 = 0.12 亿元); masked rows match masked rows of the same document by indicator
    code, else by a similar ``indicator_zh``. Matching is one-to-one; among several possible
    registry rows the one with the most similar indicator is taken.
    """
    if documents is not None:
        docs = {Path(str(d)).name for d in documents}
    else:
        docs = {Path(str(d)).name for d in candidates["document"]} if len(candidates) else set()
    registry = registry.copy()
    for col in ("document", "indicator", "indicator_zh", "unit", "masked", "target_value"):
        if col not in registry.columns:
            registry[col] = ""
    candidates = candidates.copy()
    for col in ("document", "indicator", "indicator_zh", "unit", "masked", "target_value"):
        if col not in candidates.columns:
            candidates[col] = ""
    gold = registry[registry["document"].map(lambda d: Path(str(d)).name).isin(docs)].reset_index(drop=True)
    cand = candidates.reset_index(drop=True)
    used: set[int] = set()
    matched_c: set[int] = set()
    pairs = []
    for ci, crow in cand.iterrows():
        options = [gi for gi, grow in gold.iterrows() if gi not in used and _matches(crow, grow)]
        if not options:
            continue
        options.sort(key=lambda gi: (not _similar(str(crow["indicator_zh"]), str(gold.loc[gi, "indicator_zh"])),
                                     str(crow.get("indicator") or "") != str(gold.loc[gi, "indicator"] or "")))
        used.add(options[0])
        matched_c.add(ci)
        pairs.append((ci, options[0]))
    tp = len(pairs)
    fp = len(cand) - tp
    fn = len(gold) - len(used)
    cols_c = [c for c in ("target_id", "document", "indicator_zh", "target_type", "target_value", "unit", "masked", "confidence", "quote") if c in cand.columns]
    cols_g = [c for c in ("target_id", "document", "indicator_zh", "target_type", "target_value", "unit", "masked", "quote") if c in gold.columns]
    misses = gold.loc[[i for i in range(len(gold)) if i not in used], cols_g].to_dict("records")
    false_alarms = cand.loc[[i for i in range(len(cand)) if i not in matched_c], cols_c].to_dict("records")
    per_doc = {}
    for d in sorted(docs):
        g_idx = [i for i in range(len(gold)) if Path(str(gold.loc[i, "document"])).name == d]
        c_idx = [i for i in range(len(cand)) if Path(str(cand.loc[i, "document"])).name == d]
        t = sum(1 for ci, gi in pairs if ci in c_idx)
        per_doc[d] = {"tp": t, "fp": len(c_idx) - t, "fn": len(g_idx) - t,
                      "precision": t / len(c_idx) if c_idx else None,
                      "recall": t / len(g_idx) if g_idx else None}
    return {
        "precision": tp / len(cand) if len(cand) else None,
        "recall": tp / len(gold) if len(gold) else None,
        "tp": tp, "fp": fp, "fn": fn,
        "per_document": per_doc,
        "misses": misses,
        "false_alarms": false_alarms,
    }


def format_evaluation(result: dict) -> str:
    """A readable table of :func:`evaluate`'s result."""
    def pct(x):
        return "   –  " if x is None else f"{x:6.1%}"

    lines = [f"{'document':40s} {'tp':>4s} {'fp':>4s} {'fn':>4s} {'precision':>10s} {'recall':>8s}"]
    for d, r in result["per_document"].items():
        lines.append(f"{d:40s} {r['tp']:4d} {r['fp']:4d} {r['fn']:4d} {pct(r['precision']):>10s} {pct(r['recall']):>8s}")
    lines.append(f"{'ALL':40s} {result['tp']:4d} {result['fp']:4d} {result['fn']:4d} "
                 f"{pct(result['precision']):>10s} {pct(result['recall']):>8s}")
    if result["misses"]:
        lines.append("")
        lines.append("misses (in the registry, not proposed):")
        for m in result["misses"]:
            v = "masked" if _is_masked(pd.Series(m)) else f"{m.get('target_value')} {m.get('unit')}"
            lines.append(f"  {m.get('document')}  {m.get('indicator_zh')}  {v}  «{str(m.get('quote', ''))[:50]}»")
    if result["false_alarms"]:
        lines.append("")
        lines.append("false alarms (proposed, not in the registry):")
        for m in result["false_alarms"]:
            v = "masked" if _is_masked(pd.Series(m)) else f"{m.get('target_value')} {m.get('unit')}"
            lines.append(f"  {m.get('document')}  {m.get('indicator_zh')}  {v}  conf={m.get('confidence')}  «{str(m.get('quote', ''))[:50]}»")
    return "\n".join(lines)


__all__ = [
    "OUTPUT_COLUMNS", "REGISTRY_COLUMNS", "Candidate", "DocInfo", "analyse_sentence", "document_info",
    "evaluate", "extract_file", "extract_files", "extract_text", "format_evaluation", "load_synonyms",
    "match_indicator", "parse_tables", "section_modes",
]

