"""Post-processing of a document's candidates: restatements, rank lists, units.

Holds :func:`_merge` (a target restated in the prose is one row; table rows stay separate
records, cross-referenced in ``note``), :func:`_expand_list_ranks` ("N项指标排名前进M位" → one rank
row per listed target), :func:`_fill_units` (breakthrough rows borrow a unit) and
:func:`_registry_unit` (units the loader does not know go to ``note``). :func:`_similar`, the
fuzzy indicator-name comparison, is shared with :mod:`analysis.targets.evaluate`.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

from analysis.targets.candidates import Candidate, convert_value
from analysis.targets.indicators import _catalogue_units
from analysis.targets.numerals import COUNT_UNITS, parse_number

_NAME_NOISE = re.compile(r"[((][^()()]*[))]|数量|总额|总数|当年|全市|全区|年度")


@lru_cache(maxsize=1 << 16)
def _similar(a: str, b: str) -> bool:
    """Whether two indicator names (as written) probably name the same indicator.

    Cached: a long text repeats its indicator names, and the merge and unit passes compare them often.

    >>> _similar("高新技术企业数量", "高新技术企业"), _similar("高新技术企业", "技术合同成交额")
    (True, False)
    """
    a2 = _NAME_NOISE.sub("", a)
    b2 = _NAME_NOISE.sub("", b)
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


#: How many earlier rows with the same value, unit and quarter a candidate is compared with: a
#: restatement sits among the few targets sharing its figure; a hostile text repeating one figure
#: a million times must not make merging quadratic.
MERGE_WINDOW = 32
COMPARISONS = {"n": 0}  # comparisons made by the last _merge call (tests check linearity with it)


def _merge_key(c: Candidate) -> tuple:
    """Candidates that can be the same target share this key (value, unit, quarter, growth or not)."""
    v, u = c.canonical()
    return (c.target_quarter or 0, v, u, c.target_type == "growth_rate", bool(c.masked))


def _same_in_bucket(k: Candidate, c: Candidate, key: tuple) -> bool:
    """:func:`_same_target` for two candidates known to share ``key`` (:func:`_merge_key`).

    The key already equates quarter, canonical value and unit, growth or not, and masking, so
    only the checks it cannot make are left: no masked or missing value, and the same indicator.
    """
    if key[4] or key[1] is None:
        return False
    if k.indicator and c.indicator:
        return k.indicator == c.indicator
    return _similar(k.indicator_zh, c.indicator_zh)


def _merge(cands: list[Candidate]) -> list[Candidate]:
    """Merge restatements of one target in running text; keep table rows as their own records.

    A target restated later in the prose (总体目标 and again under 重点工作) is one row. A table
    row and a quarter-column cell are separate records of the document (they carry their own
    quote, baseline or quarter), as in the hand-checked registry; they are cross-referenced in
    ``note`` and share a baseline found in the table.
    """
    kept: list[Candidate] = []
    buckets: dict[tuple, list[Candidate]] = {}
    COMPARISONS["n"] = 0
    for c in sorted(cands, key=lambda c: (c.source != "text", -c.confidence, c.start)):
        key = _merge_key(c)
        bucket = buckets.setdefault(key, [])
        window = bucket[-MERGE_WINDOW:]
        COMPARISONS["n"] += len(window)
        same = [k for k in window if _same_in_bucket(k, c, key)]
        text_dup = next((k for k in same if k.source == "text" and c.source == "text" and k.start != c.start), None)
        if text_dup is not None:
            text_dup.confidence = round(min(0.99, text_dup.confidence + 0.05), 2)
            text_dup.notes.append("restated later in the text")
            continue
        for k in same:
            if k.baseline_value is None and c.baseline_value is not None:
                k.baseline_value = convert_value(c.baseline_value, c.unit, k.unit)
                k.baseline_year = c.baseline_year
            if c.baseline_value is None and k.baseline_value is not None:
                c.baseline_value = convert_value(k.baseline_value, k.unit, c.unit)
                c.baseline_year = k.baseline_year
            k.notes.append(f"also stated in the {'table' if c.source != 'text' else 'text'}")
            c.notes.append(f"also stated in the {'table' if k.source != 'text' else 'text'}")
        kept.append(c)
        bucket.append(c)
    return sorted(kept, key=lambda c: c.start)


_RANK_OF_LIST = re.compile(r"(\d+|[一二三四五六七八九十]+)\s*[项个]指标[^,,;;。]{0,10}?(?:排名|排位|位次)[^,,;;。]{0,4}?(?:前进|提升|上升|进)")


def _expand_list_ranks(cands: list[Candidate], text: str) -> list[Candidate]:
    """"力争8项指标排名前进1位。A达到…;B达到…" → one rank row per indicator listed after it.

    Only when the paragraph that follows names exactly that many targets; otherwise the single
    row is kept with a note.
    """
    out = []
    starts = [k.start for k in cands]
    ordered = all(a <= b for a, b in zip(starts, starts[1:]))
    for c in cands:
        m = _RANK_OF_LIST.search(text[c.start:c.end]) if c.target_type == "rank" else None
        if not m:
            out.append(c)
            continue
        n = int(parse_number(m.group(1)) or 0)
        para_end = text.find("\n", c.end)
        para_end = len(text) if para_end < 0 else para_end
        listed: list[Candidate] = []
        # only rows starting in [c.end, para_end) count: with rows in text order, look there only
        window = cands[bisect_left(starts, c.end):bisect_left(starts, para_end)] if ordered else cands
        for k in window:
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


def link_growth_baselines(cands: list[Candidate]) -> None:
    """A growth rate stated right after a level target ("达到100家,同比增长90%") takes its baseline.

    The registry gives such a growth row the level's base year and base value (49家 in 2021):
    the growth is of that quantity. Only the nearest preceding level or increment row of the
    prose within a dozen characters counts.
    """
    prev: Candidate | None = None
    for c in sorted(cands, key=lambda k: (k.start, k.end)):
        if c.source != "text":
            continue
        if c.target_type == "growth_rate" and c.baseline_year is None and prev is not None \
                and prev.baseline_year is not None and 0 <= c.start - prev.end <= 12:
            c.baseline_year, c.baseline_value = prev.baseline_year, prev.baseline_value
            c.notes.append("baseline of the level target it follows")
        if c.target_type in ("level", "increment"):
            prev = c


def _fill_units(cands: list[Candidate]) -> None:
    """Breakthrough rows take the unit of a similar target in the document, else the catalogue's.

    The first similar target in document order gives the unit. Targets are compared by their
    name once per distinct name (the first target of each name stands for it), so a long text
    with many rows costs one pass, not one pass per breakthrough row.
    """
    firsts: dict[str, Candidate] = {}  # cleaned name → first target with a unit (document order)
    for k in cands:
        if k.unit and k.target_type not in ("breakthrough", "growth_rate"):
            firsts.setdefault(re.sub(r"、|和|数量", "", k.indicator_zh), k)
    for c in cands:
        if c.target_type != "breakthrough" or c.unit:
            continue
        name = re.sub(r"、|和", "", c.indicator_zh)
        other = next((k for clean, k in firsts.items() if _similar(name, clean)), None)
        if other is not None:
            c.unit = other.unit
            c.notes.append(f"unit from the related target {other.indicator_zh}")
        elif c.indicator:
            c.unit = _catalogue_units().get(c.indicator, "")
        if c.unit in COUNT_UNITS:  # a count goes from 0 to at least 1; a share or amount above 0
            c.comparator, c.target_value = ">=", 1.0


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
