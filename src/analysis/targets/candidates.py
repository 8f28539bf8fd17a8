"""The records passed between extraction stages: a proposed row and a sentence's context.

:class:`Candidate` is one proposed registry row (positions in the normalised text, type,
comparator, value, unit, year…); :class:`SentenceContext` is what surrounds a sentence (section
mode and year, the document, a table cell's quarter and label). :func:`canonical_value` puts a
value on the loader's scale (万元 → 亿元) so that restatements and registry rows compare.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis.targets.document import DocInfo


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
