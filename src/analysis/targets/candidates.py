"""The records passed between extraction stages: a proposed row and a sentence's context.

:class:`Candidate` is one proposed registry row (positions in the normalised text, type,
comparator, value, unit, year…); :class:`SentenceContext` is what surrounds a sentence (section
mode and year, the document, a table cell's quarter and label). :func:`canonical_value` puts a
value on the loader's scale (万元 → 亿元) so that restatements and registry rows compare.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

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
    quote: str = ""  # set when the text is read in chunks (the chunk's offset map is then gone)

    def canonical(self) -> tuple[float | None, str]:
        """Value and unit on the loader's canonical scale (万元 → 亿元), for comparisons."""
        return canonical_value(self.target_value, self.unit)


@lru_cache(maxsize=256)
def unit_factor(unit: str) -> tuple[str, float]:
    """(canonical unit, factor) for a unit as written, as the loader converts it; unknown: (unit, 1).

    >>> unit_factor("万元")
    ('亿元', 0.0001)
    """
    try:
        from analysis.data.units import CANONICAL

        return CANONICAL[unit.strip()]
    except (ImportError, KeyError, AttributeError):
        return unit, 1.0


def canonical_value(value: float | None, unit: str) -> tuple[float | None, str]:
    """(value, unit) converted like the loader does (万元 → 亿元, 名 → 人); unknown units unchanged."""
    u, factor = unit_factor(unit or "")
    if value is None or (value != value if isinstance(value, float) else pd.isna(value)):  # NaN: x != x
        return None, u
    return round(float(value) * factor, 9), u


def convert_value(value: float | None, unit: str, to_unit: str) -> float | None:
    """``value`` in ``unit`` expressed in ``to_unit`` (same canonical unit), else ``value`` unchanged.

    >>> convert_value(0.11, "亿元", "万元")
    1100.0
    """
    if value is None:
        return None
    (cu, f), (tu, g) = unit_factor(unit or ""), unit_factor(to_unit or "")
    return round(value * f / g, 9) if cu == tu and g else value


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
    baseline: tuple[int | None, float | None, str] | None = None  # a table row's (year, value, unit)
    past_checked: bool = False  # the caller already ruled out a sentence about the past
