"""Targets stated by a set phrase rather than a plain figure.

Holds 只增不减 (growth > 0), 实现…全覆盖 (coverage = 100%), 零的突破 (breakthrough rows, one per
listed indicator) and 翻一番 / 倍增 (growth of 100% or 300%). Each reads one sentence and
returns :class:`~analysis.targets.candidates.Candidate` rows; :func:`analyse_sentence` calls them.
"""
from __future__ import annotations

import re

from analysis.targets.candidates import Candidate, SentenceContext
from analysis.targets.clauses import _base_year, _resolve_year
from analysis.targets.indicators import match_indicator
from analysis.targets.numerals import find_doublings
from analysis.targets.rules import _GENERIC_SUBJECT, _LEAD, _clause_start, _clean_subject

_STEADY_RE = re.compile(r"[“\"]?只增不减[”\"]?")
_COVER_RE = re.compile(r"(?:实现|达到|推动|推进)([^,,;;。]{2,30}?)全覆盖")


def _phrase_targets(sentence: str, offset: int, ctx: SentenceContext) -> list[Candidate]:
    """Targets stated without a number: 只增不减 (growth > 0) and 实现…全覆盖 (coverage = 100%)."""
    out = []
    for m in _STEADY_RE.finditer(sentence):
        left = _clause_start(sentence, m.start())
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


_BREAK_RE = re.compile(r"[“\"]?(?:零|0|〇)[”\"]?的?突破|零突破")


def _breakthroughs(sentence: str, offset: int, ctx: SentenceContext) -> list[Candidate]:
    """零的突破 / 实现"0"的突破: one breakthrough row per indicator listed before it."""
    out = []
    for m in _BREAK_RE.finditer(sentence):
        before = sentence[:m.start()]
        left = _clause_start(before, len(before))
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
        left = _clause_start(before, len(before))
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
