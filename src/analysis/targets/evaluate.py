"""Precision and recall of proposed rows against the hand-checked target registry.

Holds :func:`evaluate` (one-to-one matching by document, value and unit on the loader's scale;
masked rows by indicator) and :func:`format_evaluation` (the table printed by
``analysis extract --evaluate``). Separate from extraction: it reads finished rows only.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.targets.candidates import canonical_value
from analysis.targets.merge import _similar

_MATCH_COLUMNS = ("document", "indicator", "indicator_zh", "unit", "masked", "target_value")


def _simplified(s: str) -> str:
    try:
        from analysis.targets.text import _converter

        return _converter().convert(s)
    except Exception:  # noqa: BLE001
        return s


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


def _with_match_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every column the matching reads (missing ones empty)."""
    frame = frame.copy()
    for col in _MATCH_COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
    return frame


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
    registry = _with_match_columns(registry)
    candidates = _with_match_columns(candidates)
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


def score_lines(result: dict, width: int, cut: bool = False) -> list[str]:
    """Header, one line per document and an ALL line of tp/fp/fn, precision and recall.

    Shared by the target (:func:`format_evaluation`) and past-value evaluations; ``width`` is the
    document column's width (with ``cut``, longer names are cut to it).

    >>> score_lines({"per_document": {}, "tp": 1, "fp": 0, "fn": 1, "precision": 1.0, "recall": 0.5}, 8)[1]
    'ALL         1    0    1     100.0%    50.0%'
    """
    def pct(x):
        return "   –  " if x is None else f"{x:6.1%}"

    lines = [f"{'document':{width}s} {'tp':>4s} {'fp':>4s} {'fn':>4s} {'precision':>10s} {'recall':>8s}"]
    for d, r in result["per_document"].items():
        lines.append(f"{d[:width] if cut else d:{width}s} {r['tp']:4d} {r['fp']:4d} {r['fn']:4d} {pct(r['precision']):>10s} "
                     f"{pct(r['recall']):>8s}")
    lines.append(f"{'ALL':{width}s} {result['tp']:4d} {result['fp']:4d} {result['fn']:4d} "
                 f"{pct(result['precision']):>10s} {pct(result['recall']):>8s}")
    return lines


def format_evaluation(result: dict) -> str:
    """A readable table of :func:`evaluate`'s result."""
    lines = score_lines(result, 40)
    def row_line(m: dict, with_confidence: bool) -> str:
        v = "masked" if _is_masked(pd.Series(m)) else f"{m.get('target_value')} {m.get('unit')}"
        conf = f"  conf={m.get('confidence')}" if with_confidence else ""
        return f"  {m.get('document')}  {m.get('indicator_zh')}  {v}{conf}  «{str(m.get('quote', ''))[:50]}»"

    for key, title, with_conf in (("misses", "misses (in the registry, not proposed):", False),
                                  ("false_alarms", "false alarms (proposed, not in the registry):", True)):
        if result[key]:
            lines += ["", title] + [row_line(m, with_conf) for m in result[key]]
    return "\n".join(lines)
