"""Where a sentence stands in the document and in time: sections, sentence spans, target years.

Holds the review/plan split by headings (:func:`section_modes`: only plan text, or review
text with a future cue, yields targets), sentence splitting (:func:`_sentence_spans`), and the
time of a quantity: target year (explicit → section → 今年/明年 → document year), base year
(在2022年的基础上, 比2020年) and quarter words (第一季度, 上半年).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from analysis.targets.candidates import SentenceContext
from analysis.targets.document import _YEAR_RE, _outside_book_titles

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


@lru_cache(maxsize=8)
def _marks(stops: str, opens: str, closes: str) -> re.Pattern[str]:
    """One character class of every character :func:`split_sentences` looks at."""
    return re.compile("[" + re.escape("\n" + stops + opens + closes) + "]")


def split_sentences(text: str, start: int, end: int, stops: str, opens: str, closes: str) -> list[tuple[int, int]]:
    """``[start, end)`` spans of the sentences of ``text[start:end]``, for both extractors.

    A sentence ends at a line break, or at one of ``stops`` outside brackets (``opens`` /
    ``closes``; the depth is reset at each line break). Only those characters are visited (one
    regex scan), so a long text costs one pass in C, not a Python step per character.

    >>> split_sentences("甲(乙。丙)丁。戊\n己", 0, 11, "。", "(", ")")
    [(0, 7), (8, 9), (10, 11)]
    """
    spans = []
    s = start
    depth = 0
    for m in _marks(stops, opens, closes).finditer(text, start, end):
        i = m.start()
        c = text[i]
        if c in opens:
            depth += 1
        elif c in closes:
            depth = max(0, depth - 1)
        if c == "\n" or (c in stops and depth == 0):
            if i > s:
                spans.append((s, i))
            s = i + 1
            depth = 0
    if end > s:
        spans.append((s, end))
    return spans


def _sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """``[start, end)`` spans of sentences: split at 。;!? and line breaks, not inside ()."""
    return split_sentences(text, start, len(text) if end is None else end, "。;!?", "(", ")")


_QUARTER_RE = re.compile(r"(前|第)?([一二三四1-4])季度")
_HALF_RE = re.compile(r"上半年|年中")


def _cn_quarter(s: str) -> int:
    return {"一": 1, "二": 2, "三": 3, "四": 4}.get(s, int(s) if s.isdigit() else 0)


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
            notes.append(f"明年 = {doc_year + 1}: the document year plus one ({ctx.doc.year_note})")
            return doc_year + 1, True
        notes.append("明年: document year not found")
        return None, False
    if re.search(r"去年|上年", sentence) and not re.search(r"今年|本年|年内|年底|年末|全年|当年", sentence):
        if doc_year:
            notes.append(f"去年 = {doc_year - 1}: the document year minus one ({ctx.doc.year_note})")
            return doc_year - 1, True
    if re.search(r"今年|本年|年内|年底|年末|全年|当年", sentence):
        if doc_year:
            word = re.search(r"今年|本年|年内|年底|年末|全年|当年", sentence).group(0)
            notes.append(f"{word} = {doc_year} ({ctx.doc.year_note or 'document year'})")
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
