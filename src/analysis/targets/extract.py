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

7. ``confidence`` is calibrated (:mod:`~analysis.targets.calibration`): a logistic regression of
   "right in value+unit, year and type" on the rules' score and a few row facts, fitted on the
   registry and the gold set. Texts over :data:`CHUNK_CHARS` characters are read in chunks, so
   time and memory grow linearly with the file.

This module keeps the public entry points (:func:`extract_text`, :func:`extract_file`,
:func:`extract_files`) and the output columns, and re-exports the names other code imports from
here. The stages live in small modules beside it:

- :mod:`~analysis.targets.indicators`: synonyms → catalogue codes, catalogue kind/unit look-ups;
- :mod:`~analysis.targets.document`: title, region, year and kind of the document (step 2);
- :mod:`~analysis.targets.clauses`: review/plan sections, sentence spans, target/base years (3);
- :mod:`~analysis.targets.candidates`: the ``Candidate`` and ``SentenceContext`` records;
- :mod:`~analysis.targets.tables`: flattened tables (4);
- :mod:`~analysis.targets.rules`: verbs, cues, subjects, comparators and target types;
- :mod:`~analysis.targets.sentences`: :func:`analyse_sentence` and the prose pass (5);
- :mod:`~analysis.targets.phrases`: 只增不减, 全覆盖, 零的突破, 翻一番;
- :mod:`~analysis.targets.merge`: restatements, rank lists, units (6);
- :mod:`~analysis.targets.chunks`: a long text's chunks, read in this process or two workers;
- :mod:`~analysis.targets.evaluate`: precision/recall against the hand-checked registry.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

# Re-exports: other code and tests import these names from analysis.targets.extract.
from analysis.targets.calibration import calibrate
from analysis.targets.chunks import candidates_by_chunk
from analysis.targets.candidates import Candidate, SentenceContext, canonical_value  # noqa: F401
from analysis.targets.clauses import (  # noqa: F401
    PLAN_HEADING,
    REVIEW_HEADING,
    Section,
    section_at,
    section_modes,
)
from analysis.targets.document import (  # noqa: F401
    KIND_WORDS,
    LEVEL_ORDER,
    SUMMARY_WORDS,
    DocInfo,
    document_info,
    normalise_region_name,
)
from analysis.targets.evaluate import evaluate, format_evaluation  # noqa: F401
from analysis.targets.indicators import SYNONYMS_PATH, Synonym, load_synonyms, match_indicator  # noqa: F401
from analysis.targets.merge import _fill_units, _merge, _registry_unit, link_growth_baselines
from analysis.targets.numerals import (  # noqa: F401
    CANONICAL_UNITS,
    COUNT_UNITS,
    Quantity,
    find_doublings,
    find_quantities,
    multiple_to_growth,
    parse_number,
)
from analysis.targets.rules import (  # noqa: F401
    ACTION_VERBS,
    FUTURE_CUE,
    GROWTH_VERBS,
    INC_VERBS,
    LEVEL_VERBS,
    STRICT_LEVEL,
    TRAIL_GROWTH,
)
from analysis.targets.sentences import analyse_sentence, extract_sentences  # noqa: F401
from analysis.targets.tables import Cell, Column, classify_header, find_table_headers, parse_tables  # noqa: F401
from analysis.targets.text import CJK, Normalised, normalise, read_text  # noqa: F401

REGISTRY_COLUMNS = [
    "target_id", "document", "region", "level", "parent", "indicator", "indicator_zh",
    "target_type", "comparator", "baseline_year", "baseline_value", "target_year",
    "target_quarter", "target_value", "unit", "quote", "masked", "region_note", "note",
]
OUTPUT_COLUMNS = REGISTRY_COLUMNS + ["confidence"]


#: Texts longer than this (characters) are read in chunks cut at line breaks, so that time and
#: memory grow linearly with the size of the file (a 20 MB dump is not one document anyway).
CHUNK_CHARS = 1_000_000


def text_chunks(original: str, size: int = CHUNK_CHARS) -> list[tuple[int, int]]:
    """``[start, end)`` pieces of ``original`` of about ``size`` characters, cut after a line break.

    >>> text_chunks("ab\ncd\nef", size=3)
    [(0, 3), (3, 6), (6, 8)]
    """
    out = []
    pos = 0
    n = len(original)
    while pos < n:
        end = min(n, pos + size)
        if end < n:
            nl = original.rfind("\n", pos, end)
            end = nl + 1 if nl > pos else end
        out.append((pos, end))
        pos = end
    return out


def extract_text(original: str, document: str = "", min_confidence: float = 0.0,
                 raw_confidence: bool = False) -> pd.DataFrame:
    """Candidate target rows (registry columns + ``confidence``) for one document's raw text.

    Long texts are read in chunks of :data:`CHUNK_CHARS` characters (the document's date,
    place and kind are read once, from its head; the chunks after the first are read by worker
    processes, :mod:`~analysis.targets.chunks`); restatements are merged across chunks.
    """
    pieces = text_chunks(original, CHUNK_CHARS)
    first = normalise(original[:pieces[0][1]] if pieces else "")
    doc = document_info(first.text, document)
    cands: list[Candidate] = [c for chunk in candidates_by_chunk(original, pieces, first, doc) for c in chunk]
    if len(pieces) > 1:
        cands = _merge(cands)
    link_growth_baselines(cands)
    _fill_units(cands)
    stem = Path(document).stem if document else "doc"
    rows = []
    for i, c in enumerate(cands, 1):
        quote = c.quote
        unit = _registry_unit(c.unit, c.notes)
        notes = list(dict.fromkeys(c.notes))
        if doc.year_note and doc.year is not None and c.target_year == doc.year and any("document year" in n for n in notes) \
                and not any(doc.year_note in n for n in notes):
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
    if not raw_confidence:
        frame["confidence"] = calibrate(frame)
    if min_confidence > 0:
        frame = frame[frame["confidence"] >= min_confidence].reset_index(drop=True)
    return frame


def extract_file(path: str | Path, min_confidence: float = 0.0, raw_confidence: bool = False) -> pd.DataFrame:
    """Candidate target rows for one file (``document`` = its file name)."""
    path = Path(path)
    return extract_text(read_text(path), path.name, min_confidence=min_confidence, raw_confidence=raw_confidence)


def extract_files(paths: list[str | Path], min_confidence: float = 0.0) -> pd.DataFrame:
    """Candidates of several files, concatenated."""
    frames = [extract_file(p, min_confidence) for p in paths]
    if not frames:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    return pd.concat(frames, ignore_index=True)


__all__ = [
    "OUTPUT_COLUMNS", "REGISTRY_COLUMNS", "Candidate", "DocInfo", "analyse_sentence", "document_info",
    "evaluate", "extract_file", "extract_files", "extract_text", "format_evaluation", "load_synonyms",
    "match_indicator", "parse_tables", "section_modes",
]

