"""Past values read from documents (``analysis extract --past``): series rows for human review.

Where the target extractor (:mod:`analysis.targets.extract`) reads what a plan *wants*, this module
reads what a document *reports*: 统计公报, 年鉴 tables, 政府工作报告 reviews, work summaries, news and
the 基本情况 section of plans. Both share the text layer: :func:`~analysis.targets.text.normalise`
(OpenCC, pinyin debris, scrape debris, offsets for verbatim quotes), :func:`~analysis.targets.numerals.find_quantities`,
:func:`~analysis.targets.document.document_info`, :func:`~analysis.targets.clauses.section_modes`,
:func:`~analysis.targets.indicators.match_indicator` and the table reader
:func:`~analysis.targets.tables.parse_tables` (whose baseline column, e.g. ``2021年完成数``, holds past values).

Conventions (each row's ``note`` says which applied):

- **Targets are not past values**: a quantity after a goal cue (力争, 目标, 计划, 预计, 到2025年 …,
  :func:`~analysis.targets.past_rules.is_target_context`), a year after the document's reference
  year in a plan, or a plan section without a past marker, is skipped.
- **Year**: an explicit year before the value (``2021年``, ``截至2021年底``; not ``比2020年``) → else
  ``去年``/``上年``/``过去一年`` = document year − 1 → else the last explicit year of the paragraph →
  else the document's reference year (plans: the year before the plan year; other documents: the
  year they mention most outside goals).
- **Partial years** (``上半年``, ``1-6月``, ``一季度``, ``截至10月底``) get the indicator suffix
  ``_ytd<M>`` (M = last month covered), so they never mix with annual values; validation accepts
  these variant codes (:func:`analysis.data.catalogue.variant_of`).
- **Qualifiers**: ``突破/超/以上/余/多`` → at_least, ``约/左右/近`` → approx, ``不到/不足`` → at_most.
- **Growth**: a stated growth rate is its own row with the suffix ``_growth`` (unit %). The level of
  the year before is computed from it (``51家,增长11.36%`` → 2020: 51/1.1136 = 45.80, ``derived=true``,
  qualifier approx); from an increment (``较上年增加26家``) exactly; from a change in points
  (``较2020年提高5个百分点``) for shares.
- **零的突破 / 仍为零**: indicators listed as 仍为零 get the value 0; those that 实现零的突破 get 0 for
  the year before (``derived=true``).
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd

from analysis.targets.clauses import section_at, section_modes
from analysis.targets.document import _YEAR_RE, DocInfo, document_info
from analysis.targets.indicators import _catalogue_units
from analysis.targets.past_rules import PAST_CUE, explicit_year, is_target_context, last_year_adverb, period_months
from analysis.targets.past_sentences import (
    _TIME_WORDS,
    SERIES_UNITS,
    Context,
    PastValue,
    analyse_past_sentence,
    code_for,
    only_items,
    sentence_spans,
    zero_rows,
)
from analysis.targets.past_tables import YearRow, year_tables
from analysis.targets.tables import parse_tables
from analysis.targets.text import Normalised, normalise, read_text

SERIES_COLUMNS = ["region", "level", "parent", "indicator", "year", "value", "unit", "qualifier",
                  "source", "quote", "reliability", "derived", "note"]
PAST_COLUMNS = SERIES_COLUMNS + ["indicator_zh", "document", "confidence"]
_PLAN_TITLE = r"要点|方案|规划|计划|纲要|意见|通知|打算|思路"
_REPORT_TITLE = r"执行情况|统计公报|公报|年鉴|总结|工作报告|通报|情况报告"
_OFFICIAL = re.compile(r"统计公报|政府工作报告|人民政府|统计局|科学技术局|科技局|发展和改革局|人大|政府信息公开|年鉴")


# --------------------------------------------------------------------------- document level
def reference_year(text: str, doc: DocInfo) -> tuple[int | None, str]:
    """The year a document reports about when a sentence names none (see the module docstring)."""
    if doc.kind == "plan" and doc.year and not re.search(r"统计公报|年鉴|公报", doc.title):
        return doc.year - 1, f"year not stated: the plan year {doc.year} minus one (a plan reports the year before it)"
    counts: Counter[int] = Counter()
    for sent in re.split(r"[。;;\n]", text):
        if is_target_context(sent):
            continue  # years stated with goals are not the year reported on
        for m in _YEAR_RE.finditer(sent):
            y = int(m.group(1))
            if re.match(r"\s*年\d{1,2}月\d{1,2}日", sent[m.end() - 1:]):
                continue
            if doc.year is None or y <= doc.year:
                counts[y] += 1
    if counts:
        y = max(counts, key=lambda k: (counts[k], k))
        return y, f"year not stated: {y}, the year the document mentions most outside goals"
    if doc.year:
        return doc.year, f"year not stated: the document year {doc.year}"
    return None, "year not found in the document"


# --------------------------------------------------------------------------- tables
def table_rows(nt: Normalised, doc: DocInfo, sections) -> tuple[list[PastValue], list[tuple[int, int]]]:
    """Values of the baseline column (``2021年完成数``, ``现状值``) of flattened tables, and the table spans."""
    cands, spans = parse_tables(nt, doc, sections)
    out: list[PastValue] = []
    seen: set[tuple] = set()
    for c in cands:
        if c.baseline_value is None or c.baseline_year is None:
            continue
        key = (c.indicator or c.indicator_zh, c.baseline_year, c.baseline_value)  # a baseline restated by milestone rows: once
        if key in seen:
            continue
        seen.add(key)
        code = c.indicator if c.indicator and not re.search(r"[市区县]本级", c.indicator_zh) else ""
        unit = c.unit or _catalogue_units().get(code, "")
        if code and unit == "%" and _catalogue_units().get(code, "%") != "%":
            code += "_growth"  # a growth rate of a level indicator (工业技改投资增速 −25.2%): its own row
        out.append(PastValue(c.start, c.end, code, c.indicator_zh, c.baseline_year, float(c.baseline_value), unit,
                             notes=["from a table's baseline column (完成数/现状值)"] + [n for n in c.notes if "baseline" in n],
                             confidence=0.8 if code else 0.6))
    return out, spans


# --------------------------------------------------------------------------- documents
def extract_past_values(nt: Normalised, doc: DocInfo) -> list[PastValue]:
    """Every past value of a normalised document (tables first, then the prose outside them)."""
    text = nt.text
    sections = section_modes(text, doc.kind)
    ref_year, ref_note = reference_year(text, doc)
    ctx = Context(doc, ref_year, ref_note)
    values: list[PastValue] = []
    spans: list[tuple[int, int]] = []
    for row in year_tables(nt):  # yearbook tables first: a header of bare years is not baseline → target
        values += _year_row_values(row, doc)
        spans.append((row.start, row.end))
    year_spans = list(spans)
    plan_values, plan_spans = table_rows(nt, doc, sections)
    values += [v for v in plan_values if not any(a <= v.start < b for a, b in year_spans)]
    spans += plan_spans
    pos = 0
    for para in text.split("\n"):
        start, end = pos, pos + len(para)
        pos = end + 1
        if any(a <= start < b for a, b in spans):
            continue
        ctx.paragraph_year = ctx.paragraph_months = None
        ctx.paragraph_subject = ""
        previous: list[PastValue] = []
        prev_items_only = False
        goal_before = False  # "力争…。高新技术产业增加值达到90亿元": a goal list goes on
        for s, e in sentence_spans(text, start, end):
            sentence = text[s:e]
            plan = _plan_section(text, section_at(sections, s), ref_year) or \
                (goal_before and not PAST_CUE.search(sentence) and not explicit_year(sentence)[0])
            found = analyse_past_sentence(sentence, s, ctx, plan)
            goal_before = is_target_context(sentence) or (goal_before and plan)
            values += found
            values += zero_rows(sentence, s, ctx, found, previous if prev_items_only else [])
            prev_items_only = only_items(sentence)
            previous = found
            years = [y for y, _ in [explicit_year(sentence)] if y and (ref_year is None or y <= (doc.year or y))]
            if years and not is_target_context(sentence):
                ctx.paragraph_year = years[0]
            elif last_year_adverb(sentence) and doc.year and not is_target_context(sentence):
                ctx.paragraph_year = doc.year - 1  # "去年上海…。…达到4.4%": the next sentences share the year
            if _TIME_WORDS.search(sentence) and not is_target_context(sentence):
                ctx.paragraph_months = period_months(sentence)
    return values


def _year_row_values(row: YearRow, doc: DocInfo) -> list[PastValue]:
    """Past values of one year-column table row (a ``…增长率`` label is the growth of its indicator)."""
    growth = re.search(r"(?:年)?(?:增长率|增速|增幅)$", row.label)
    base = row.label[: growth.start()] if growth else row.label
    code = code_for(base) if base else ""
    unit = {"%": "%", "%": "%"}.get(row.unit, row.unit) if not growth else "%"
    notes = ["from a year-column table (年鉴)"]
    if not unit and code:
        unit = _catalogue_units().get(code, "")
        notes.append(f"no unit in the table ({unit}, the catalogue's)")
    return [PastValue(row.start, row.end, code, row.label, year, value, unit, growth=bool(growth), notes=list(notes),
                      confidence=0.75 if code else 0.5)
            for year, value in row.values.items() if doc.year is None or year <= doc.year]


def _plan_section(text: str, sec, ref_year: int | None) -> bool:
    """Whether a section states goals: a plan section whose heading names neither a past year
    (``一、2015年科技工作情况``) nor a review word (情况, 成效, 回顾)."""
    if sec.mode != "plan":
        return False
    heading = text[sec.start: sec.start + 40].split("\n")[0]
    if re.search(r"思路|目标|打算|要点|安排|任务|措施|重点", heading):
        return True
    y, _ = explicit_year(heading)
    if (y and ref_year and y <= ref_year) or re.search(r"情况|成效|回顾|总结|成绩|进展", heading):
        return False
    return True


def _reliability(doc: DocInfo, text: str) -> tuple[str, str]:
    """A first guess of the ``reliability`` column, said to be a guess in ``note``."""
    if re.search(r"记者|新闻网|日报|晚报|报道|网讯|供稿", text[:300]):
        return "press", "reliability guessed (a news article): check it"
    if _OFFICIAL.search(doc.title) or _OFFICIAL.search(text[:400]):
        return "official", "reliability guessed from the text (a government or statistics publisher): check it"
    return "press", "reliability guessed (no government publisher named in the text): check it"


def extract_past_text(original: str, document: str = "", *, region: str | None = None, level: str | None = None,
                      parent: str | None = None, year: int | None = None, source: str | None = None,
                      reliability: str | None = None, min_confidence: float = 0.0,
                      coded_only: bool = True) -> pd.DataFrame:
    """Proposed series rows (:data:`PAST_COLUMNS`) for one document's raw text.

    ``region``/``level``/``parent``/``year`` override what the text says about itself; ``source``
    (default: the file name) and ``reliability`` (default: guessed) fill those columns. With
    ``coded_only`` (default) only rows that validate are returned: a catalogue indicator, a year and
    a known unit; ``coded_only=False`` also returns the others for review.

    >>> extract_past_text("2021年,全市高新技术企业达到51家,增长11.36%。", "x.txt", region="临江市")[["indicator", "year", "value"]].values.tolist()
    [['hte_count', 2021, 51.0], ['hte_count_growth', 2021, 11.36], ['hte_count', 2020, 45.8]]
    """
    nt = normalise(original)
    doc = document_info(nt.text, document)
    if doc.kind == "plan" and (not re.search(_PLAN_TITLE, doc.title) or re.search(_REPORT_TITLE, doc.title)):
        doc.kind = "summary"  # news, 公报, reports: read as reviews unless a heading says otherwise
    if doc.kind == "summary" and "inferred" in doc.year_note:
        doc.year, doc.year_note = None, "document year not stated (years are read from each sentence)"
    if year is not None:
        doc.year, doc.year_note = year, "document year given by the user"
    if region:
        doc.region, doc.level, doc.parent = region, level or doc.level, parent if parent is not None else doc.parent
    rel, rel_note = (reliability, "") if reliability else _reliability(doc, nt.text)
    rows = []
    for pv in extract_past_values(nt, doc):
        code = pv.code()
        ok = bool(code) and pv.year is not None and pv.unit in SERIES_UNITS and bool(doc.region)
        if (coded_only and not ok) or pv.confidence < min_confidence:
            continue
        notes = list(dict.fromkeys(pv.notes + ([rel_note] if rel_note else [])))
        if not doc.region:
            notes.append("region not named in the text: give it with --region")
        rows.append({
            "region": doc.region, "level": doc.level or "city", "parent": doc.parent, "indicator": code,
            "year": pv.year, "value": pv.value, "unit": pv.unit, "qualifier": pv.qualifier,
            "source": source or (Path(document).name if document else "text"),
            "quote": re.sub(r"\s+", " ", nt.quote(pv.start, pv.end)).strip() or nt.text[pv.start:pv.end], "reliability": rel,
            "derived": pv.derived, "note": "; ".join(notes), "indicator_zh": pv.indicator_zh,
            "document": Path(document).name if document else "", "confidence": round(pv.confidence, 2),
        })
    frame = pd.DataFrame(rows, columns=PAST_COLUMNS)
    frame["year"] = frame["year"].astype("Int64")
    frame["value"] = frame["value"].astype("float64")
    return frame


def extract_past_file(path: str | Path, **options) -> pd.DataFrame:
    """Proposed series rows for one file (``document`` = its file name); options as :func:`extract_past_text`."""
    path = Path(path)
    return extract_past_text(read_text(path), path.name, **options)


def extract_past_files(paths: list[str | Path], **options) -> pd.DataFrame:
    """Proposed series rows of several files, concatenated."""
    frames = [extract_past_file(p, **options) for p in paths]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PAST_COLUMNS)
