"""Field-by-field accuracy of proposed rows, and the reliability of their confidence.

:func:`evaluate` (in :mod:`analysis.targets.evaluate`) counts a candidate as found when its value
and unit match a registry row. That says nothing about the other fields a researcher would
otherwise retype. Here a candidate is paired with a registry row of the same document when the
two quote the same statement (one quote contains the other) and name a similar indicator, or
when their values match; each pair is then checked field by field (:data:`FIELDS`).
:func:`reliability_table` bins candidates by confidence and compares the mean confidence with the
share of rows right in every field that matters (value+unit, year, type).

Example::

    result = evaluate_fields(candidates, registry, documents=["a.txt"])
    result["accuracy"]["year"]  # share of found targets with the right target year
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analysis.targets.candidates import canonical_value
from analysis.targets.merge import _similar

FIELDS = ("value", "year", "type", "comparator", "region", "baseline")
KEY_FIELDS = ("value", "year", "type")  # "right in every field that matters" for the confidence


def _simplified(s: str) -> str:
    try:
        from analysis.targets.text import _converter

        return _converter().convert(s)
    except Exception:  # noqa: BLE001 - evaluation still works on simplified text without OpenCC
        return s


def _clean(s: object) -> str:
    """A cell as a simplified string without whitespace ('' for missing values)."""
    if s is None or (not isinstance(s, str) and pd.isna(s)):
        return ""
    return _simplified(re.sub(r"\s+", "", str(s)))


def _num(s: object) -> float | None:
    try:
        v = float(str(s).strip())
    except (TypeError, ValueError):
        return None
    return None if pd.isna(v) else v


def _masked(s: object) -> bool:
    return str(s).strip().lower() in ("true", "1", "yes")


def _value_key(row: pd.Series) -> tuple[float | None, str]:
    return canonical_value(_num(row.get("target_value")), str(row.get("unit") or "").strip())


def _same_number(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def field_checks(cand: pd.Series, gold: pd.Series) -> dict[str, bool]:
    """Which fields of ``cand`` agree with the registry row ``gold`` (see :data:`FIELDS`).

    >>> field_checks(pd.Series({"target_value": "100", "unit": "家", "target_type": "level"}),
    ...              pd.Series({"target_value": "100", "unit": "家", "target_type": "increment"}))["type"]
    False
    """
    vc, uc = _value_key(cand)
    vg, ug = _value_key(gold)
    if _masked(cand.get("masked")) or _masked(gold.get("masked")):
        value_ok = _masked(cand.get("masked")) == _masked(gold.get("masked")) and (uc == ug or not (uc and ug))
    else:
        value_ok = uc == ug and _same_number(vc, vg)
    base_ok = _same_number(_num(cand.get("baseline_year")), _num(gold.get("baseline_year"))) and \
        _same_number(_num(cand.get("baseline_value")), _num(gold.get("baseline_value")))
    return {
        "value": value_ok,
        "year": _same_number(_num(cand.get("target_year")), _num(gold.get("target_year"))),
        "type": _clean(cand.get("target_type")) == _clean(gold.get("target_type")),
        "comparator": _clean(cand.get("comparator")) == _clean(gold.get("comparator")),
        "region": _clean(cand.get("region")) == _clean(gold.get("region")),
        "baseline": base_ok,
    }


def _pair_score(cand: pd.Series, gold: pd.Series) -> int:
    """How well a candidate and a registry row of one document correspond (0: not at all)."""
    cq, gq = _clean(cand.get("quote")), _clean(gold.get("quote"))
    same_quote = bool(cq and gq and (cq in gq or gq in cq))
    similar = _similar(_clean(cand.get("indicator_zh")), _clean(gold.get("indicator_zh"))) or \
        (bool(cand.get("indicator")) and cand.get("indicator") == gold.get("indicator"))
    checks = field_checks(cand, gold)
    if not (checks["value"] and not _masked(gold.get("masked"))) and not (same_quote and (similar or checks["value"])):
        if not (_masked(gold.get("masked")) and checks["value"] and similar):
            return 0
    return 4 * checks["value"] + 2 * same_quote + similar + checks["year"] + checks["type"]


def pair_rows(cand: pd.DataFrame, gold: pd.DataFrame) -> list[tuple[int, int]]:
    """One-to-one (candidate index, registry index) pairs, best-scoring first, within each document."""
    pairs: list[tuple[int, int, int]] = []
    gdocs = gold["document"].map(lambda d: Path(str(d)).name)
    cdocs = cand["document"].map(lambda d: Path(str(d)).name)
    for doc in set(gdocs) & set(cdocs):
        gi_list = list(gold.index[gdocs == doc])
        for ci in cand.index[cdocs == doc]:
            for gi in gi_list:
                s = _pair_score(cand.loc[ci], gold.loc[gi])
                if s:
                    pairs.append((s, ci, gi))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    used_c: set[int] = set()
    used_g: set[int] = set()
    out = []
    for _, ci, gi in pairs:
        if ci in used_c or gi in used_g:
            continue
        used_c.add(ci)
        used_g.add(gi)
        out.append((ci, gi))
    return sorted(out)


def evaluate_fields(candidates: pd.DataFrame, registry: pd.DataFrame,
                    documents: list[str] | None = None) -> dict:
    """Recall, precision and per-field accuracy among found targets; per-candidate correctness.

    Returns ``{"found", "candidates", "gold", "recall", "precision", "accuracy": {field: share},
    "correct": [bool per candidate row, in order]}``; ``correct`` means paired and right in
    value+unit, year and type (:data:`KEY_FIELDS`).
    """
    cand = candidates.reset_index(drop=True)
    docs = {Path(str(d)).name for d in (documents if documents is not None else cand.get("document", []))}
    gold = registry[registry["document"].map(lambda d: Path(str(d)).name).isin(docs)].reset_index(drop=True)
    pairs = pair_rows(cand, gold) if len(cand) and len(gold) else []
    right = {f: 0 for f in FIELDS}
    correct = [False] * len(cand)
    for ci, gi in pairs:
        checks = field_checks(cand.loc[ci], gold.loc[gi])
        for f in FIELDS:
            right[f] += checks[f]
        correct[ci] = all(checks[f] for f in KEY_FIELDS)
    n = len(pairs)
    return {
        "found": n, "candidates": len(cand), "gold": len(gold),
        "recall": n / len(gold) if len(gold) else None,
        "precision": n / len(cand) if len(cand) else None,
        "accuracy": {f: (right[f] / n if n else None) for f in FIELDS},
        "correct": correct,
        "pairs": pairs,
    }


def reliability_table(confidence: list[float], correct: list[bool], bins: int = 5) -> list[dict]:
    """Rows ``{lo, hi, n, mean_confidence, share_correct}`` for equal-width confidence bins.

    >>> reliability_table([0.1, 0.9], [False, True], bins=2)[1]["share_correct"]
    1.0
    """
    rows = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, c in enumerate(confidence) if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        rows.append({
            "lo": lo, "hi": hi, "n": len(idx),
            "mean_confidence": sum(confidence[i] for i in idx) / len(idx) if idx else None,
            "share_correct": sum(bool(correct[i]) for i in idx) / len(idx) if idx else None,
        })
    return rows


def format_fields(result: dict, table: list[dict] | None = None) -> str:
    """The per-field table (and the reliability table) printed by ``analysis extract --evaluate``."""
    def pct(x: float | None) -> str:
        return "  –  " if x is None else f"{x:6.1%}"

    lines = ["", f"field-by-field, among found targets ({result['found']} of {result['gold']} registry rows; "
                 f"{result['candidates']} candidates):",
             f"  {'recall':22s} {pct(result['recall'])}", f"  {'precision':22s} {pct(result['precision'])}"]
    names = {"value": "value+unit", "year": "target year", "type": "target type", "comparator": "comparator",
             "region": "region", "baseline": "baseline"}
    lines += [f"  {names[f]:22s} {pct(result['accuracy'][f])}" for f in FIELDS]
    if table:
        lines += ["", "confidence reliability (right in value+unit, year and type):",
                  f"  {'bin':11s} {'rows':>5s} {'mean conf':>10s} {'right':>7s} {'gap':>6s}"]
        for r in table:
            if not r["n"]:
                continue
            gap = r["share_correct"] - r["mean_confidence"]
            lines.append(f"  {r['lo']:.1f}–{r['hi']:.1f}    {r['n']:5d} {r['mean_confidence']:10.2f} "
                         f"{r['share_correct']:7.2f} {gap:+6.2f}")
    return "\n".join(lines)
