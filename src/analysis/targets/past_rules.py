"""The wording of a reported past value: time, period, qualifier, growth and target cues.

Pure functions on (normalised, simplified) sentence text used by :mod:`analysis.targets.past`:

- :func:`is_target_context`: a quantity stated as a goal (力争, 目标, 计划, 预计, 到2025年 …) is
  not a past value;
- :func:`explicit_year`: the year a clause names for its value (``2021年``, ``截至2021年底``),
  ignoring comparison bases (``比2020年``, ``较上年``) and future years;
- :func:`period_months`: partial-year wording (``上半年``, ``1-6月``, ``一季度``, ``截至10月底``) →
  the last month covered (6, 6, 3, 10), or None for a full year;
- :func:`qualifier_of`: ``突破/超/以上/余/多`` → at_least, ``约/左右/近`` → approx,
  ``不到/不足`` → at_most, else exact;
- :func:`growth_before`: the growth wording just before a percentage (``同比增长``, ``下降``,
  ``提高…个百分点``) → sign, or None;
- :func:`clean_subject`: the indicator as written, without time words, region words and verbs.
"""
from __future__ import annotations

import re

#: Words that make a quantity a goal, not a report (checked in the sentence before the quantity).
TARGET_CUE = re.compile(
    r"力争|确保|争取|目标|计划(?!执行|单列|项目|专项|的)|预计|预期|拟|将(?:达到|突破|超过|实现|新增|力争)|"
    r"要(?:达到|突破|实现|新增|完成)|努力(?:实现|达到)|规划(?:到|至)|(?<!截)到\d{4}年|(?<![截])至\d{4}年|明年|下一步|"
    r"任务|工作打算|思路"
)
#: Report wording that overrides an earlier cue in the same sentence (完成目标任务…, 比上年…).
PAST_CUE = re.compile(r"截至|截止|已|目前|累计|同比|比上年|较上年|比去年|较去年|比年初|全年|年末|年底共|共有|现有|达到了|实现了|完成了")
_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})\s*年(?:度)?(?P<tail>底|末|全年|上半年|前三季度|第?[一二三四]季度|1-\d{1,2}月|1至\d{1,2}月|\d{1,2}月(?:底|末|份)?)?")
_BASE_BEFORE = re.compile(r"(?:比|较|相比|与|同|以|从|由)$")
_BASE_AFTER = re.compile(r"^(?:的)?(?:基础上|为基数|为基期|基数|相比|同期|水平)")
_LAST_YEAR = re.compile(r"(?<![比较同与])(?:去年|上年|上一年|过去一年|2?过去的一年)(?![同底末])")
_CN_MONTH = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "十一": 11, "十二": 12}


def is_target_context(before: str) -> bool:
    """Whether the sentence text before a quantity states a goal rather than a result.

    The last cue wins: ``今年目标任务已完成, 全年新增…`` reads as a report.
    >>> is_target_context("力争2022年全市高新技术企业达到"), is_target_context("2021年全市高新技术企业达到")
    (True, False)
    """
    last_target = max((m.end() for m in TARGET_CUE.finditer(before)), default=-1)
    if last_target < 0:
        return False
    last_past = max((m.end() for m in PAST_CUE.finditer(before)), default=-1)
    return last_target > last_past


def explicit_year(before: str) -> tuple[int | None, str]:
    """(year, period words) named last in ``before`` that is not a comparison base.

    >>> explicit_year("截至2021年底,全市")
    (2021, '底')
    >>> explicit_year("较2020年大幅提高")
    (None, '')
    """
    for m in reversed(list(_YEAR.finditer(before))):
        if _BASE_BEFORE.search(before[:m.start()]) or _BASE_AFTER.match(before[m.end():]):
            continue
        return int(m.group(1)), m.group("tail") or ""
    return None, ""


def last_year_adverb(before: str) -> bool:
    """``去年``/``上年``/``过去一年`` used as the time of the value (not ``比上年``, ``去年底`` bases)."""
    return _LAST_YEAR.search(before) is not None


def period_months(text: str) -> int | None:
    """Last month covered by partial-year wording in ``text``; None for a full year.

    >>> period_months("2023年1-10月份,全市"), period_months("上半年,"), period_months("全年")
    (10, 6, None)
    """
    found: list[tuple[int, int | None]] = []  # (position, months): the last time words win
    for m in re.finditer(r"全年|(?<![去上])年底|(?<![去上])年末|12月底|12月末|1-12月", text):
        found.append((m.start(), None))
    for m in re.finditer(r"1\s*[-—–至~]\s*(\d{1,2})\s*月|(?:截至|截止|到)(?:\d{4}年)?(\d{1,2})月(?:底|末|份)?", text):
        n = int(m.group(1) or m.group(2))
        found.append((m.start(), n if 1 <= n <= 11 else None))
    for pattern, n in ((r"上半年|前两个?季度|前二季度", 6), (r"前三季度", 9), (r"(?:第)?一季度", 3)):
        found += [(m.start(), n) for m in re.finditer(pattern, text)]
    for m in re.finditer(r"(?:截至|截止)(?:\d{4}年)?([一二三四五六七八九十]{1,2})月", text):
        found.append((m.start(), _CN_MONTH.get(m.group(1))))
    return max(found)[1] if found else None


def qualifier_of(before: str, after: str, approx_marker: str = "") -> str:
    """Series qualifier from the words around a number (see the module docstring).

    >>> qualifier_of("总数突破", ""), qualifier_of("约", ""), qualifier_of("达", "以上"), qualifier_of("为", "")
    ('at_least', 'approx', 'at_least', 'exact')
    """
    if re.search(r"(?:突破|超过|超出|超|逾|高于|不低于|不少于|至少)$", before) or approx_marker in ("余", "多") \
            or re.match(r"^(?:及)?以上|^多", after):
        return "at_least"
    if re.search(r"(?:不到|不足|低于|不超过)$", before) or re.match(r"^(?:以下|以内)", after):
        return "at_most"
    if re.search(r"(?:约|大约|近|将近|接近|左右达|大概)$", before) or re.match(r"^左右", after) or approx_marker == "来":
        return "approx"
    return "exact"


_GROWTH_BEFORE = re.compile(
    r"(?P<verb>同比增长|同比增加|同比提高|同比上升|同比下降|同比减少|增长|增速为?|增幅为?|增加|提高|提升|上升|"
    r"下降|减少|回落|同比)(?:了|达到?|为)?(?P<minus>-)?$"
)


def growth_before(before: str) -> int | None:
    """+1/−1 when ``before`` ends with growth wording (``同比增长``, ``下降``), else None.

    >>> growth_before("较上年同比增长"), growth_before("同比下降"), growth_before("达到")
    (1, -1, None)
    """
    m = _GROWTH_BEFORE.search(before[-12:])
    if not m:
        return None
    return -1 if re.search(r"下降|减少|回落", m.group("verb")) else 1


#: Comparison bases of an increment: "较上年增加26家", "比年初增加122家", "比去年底增长4710件".
INCREMENT_BASE = re.compile(r"(?:比|较)(?P<base>上年|去年|上一年|年初|去年底|上年底|上年末|去年同期|上年同期|(?:19|20)\d{2}年(?:底|末)?)(?:同比)?(?:净)?(?:增加|增长|新增|提高|上升|多|减少|下降)(?:了)?$")

_LEAD_WORDS = re.compile(
    r"^(?:其中|同时|此外|另外|目前|当前|现有|截至|截止|到|至|全年|年末|年底|年内|当年|今年|去年|上年|"
    r"上半年|前三季度|(?:第)?[一二三四]季度|1\s*[-—–至]\s*\d{1,2}月份?|\d{1,2}月(?:底|末|份)?|"
    r"(?:\d{4})年(?:度|底|末|全年)?|全市|全区|全县|全省|全国|我市|我区|我县|我省|本市|该市|"
    r"[一二三四五六七八九十]是|共有|共(?!享|建)|拥有|有(?!效)|累计|、|,|\s)+"
)
_TRAIL_WORDS = re.compile(
    r"(?:已经|已|共|共计|合计|累计|总数|总量|总计|分别|继续|大幅|稳步|持续)?"
    r"(?:达到了|达到|达|到达|突破|超过|超出|超|逾|为|是|有|实现了|实现|完成了|完成|增至|增长到|增加到|提高到|提高至|提升到|"
    r"提升至|上升到|上升至|升至|扩大到|累计达|共有|拥有|保持在|稳定在|认定通过|认定|通过)?"
    r"(?:约|大约|近|将近|接近)?$"
)


def clean_subject(phrase: str) -> str:
    """The indicator as written: ``2021年,全市高新技术企业数量达到`` → ``高新技术企业数量``.

    >>> clean_subject("目前全市国家级高新技术企业数量已达")
    '国家级高新技术企业数量'
    """
    s = phrase.strip(" ,,;;:、“”\"'()()—-")
    prev = None
    while prev != s:
        prev = s
        s = _LEAD_WORDS.sub("", s)
        s = _TRAIL_WORDS.sub("", s).strip(" ,,;;:、“”\"'")
    return s
