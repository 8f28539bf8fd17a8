"""Precision and recall of proposed past values against a hand-checked gold series file.

A gold file has the series columns (``data/series/seed_documents.csv`` is one); the document a row
belongs to is its ``document`` column, else the file name at the end of its ``source``. A proposed
row matches a gold row of the same document and year whose value agrees on the loader's canonical
scale (万元 → 亿元): within 1e-6 relative for reported values, within 1 % for values derived from a
rounded growth rate. When both rows carry an indicator code the codes must agree as well. Matching
is one-to-one (the closest value first).

Proposed rows without an indicator code (``extract --past --all``) are review material and are not
scored. Growth-rate rows (``*_growth`` codes) are scored only for documents whose gold rows include growth
rates; otherwise they are set aside and counted (``set_aside``), because a gold set that does not
label growth rates cannot judge them.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.targets.candidates import canonical_value
from analysis.targets.evaluate import score_lines


def _document_of(row: pd.Series) -> str:
    doc = str(row.get("document") or "").strip()
    return Path(doc or str(row.get("source") or "").rstrip("/")).name


def _key(row: pd.Series) -> tuple[str, int | None, float | None, str]:
    year = row.get("year")
    year = None if year is None or pd.isna(year) or year == "" else int(float(year))
    value = row.get("value")
    value = None if value is None or pd.isna(value) or value == "" else float(value)
    v, _ = canonical_value(value, str(row.get("unit") or ""))
    return _document_of(row), year, v, str(row.get("indicator") or "")


def _derived(row: pd.Series) -> bool:
    return str(row.get("derived")).strip().lower() in ("true", "1", "yes")


def _matches(cand: pd.Series, gold: pd.Series) -> float | None:
    """Relative distance of two matching rows, or None when they do not match."""
    dc, yc, vc, ic = _key(cand)
    dg, yg, vg, ig = _key(gold)
    if dc != dg or yc != yg or vc is None or vg is None or (ic and ig and ic != ig):
        return None
    dist = abs(vc - vg) / max(abs(vg), 1e-9) if vg else abs(vc)
    tol = 0.01 if (_derived(cand) or _derived(gold)) else 1e-6
    return dist if dist <= tol else None


def evaluate_past(candidates: pd.DataFrame, gold: pd.DataFrame, documents: list[str] | None = None) -> dict:
    """Precision/recall of ``candidates`` against ``gold`` (see the module docstring).

    Only gold rows of ``documents`` (file names; default: those of the candidates) count.
    """
    docs = {Path(str(d)).name for d in documents} if documents is not None else \
        {_document_of(r) for _, r in candidates.iterrows()}
    gold = gold[[(_document_of(r) in docs) for _, r in gold.iterrows()]].reset_index(drop=True)
    growth_docs = {_document_of(r) for _, r in gold.iterrows() if str(r.get("indicator", "")).endswith("_growth")
                   and str(r.get("unit")) == "%" and not str(r.get("indicator")) == "tech_upgrade_investment_growth"}
    cand = candidates[candidates["indicator"].astype(str) != ""].reset_index(drop=True)  # review-only rows
    is_growth = [str(r["indicator"]).endswith("_growth") and str(r["indicator"]) != "tech_upgrade_investment_growth"
                 and _document_of(r) not in growth_docs for _, r in cand.iterrows()]
    set_aside = int(sum(is_growth))
    cand = cand[[not g for g in is_growth]].reset_index(drop=True)
    used: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for ci, crow in cand.iterrows():
        options = [(d, gi) for gi, grow in gold.iterrows() if gi not in used and (d := _matches(crow, grow)) is not None]
        if options:
            gi = min(options)[1]
            used.add(gi)
            pairs.append((ci, gi))
    matched = {ci for ci, _ in pairs}
    per_doc = {}
    for d in sorted(docs):
        g_n = sum(_document_of(r) == d for _, r in gold.iterrows())
        c_idx = [i for i, r in cand.iterrows() if _document_of(r) == d]
        tp = sum(1 for ci, _ in pairs if ci in c_idx)
        per_doc[d] = {"tp": tp, "fp": len(c_idx) - tp, "fn": g_n - tp,
                      "precision": tp / len(c_idx) if c_idx else None, "recall": tp / g_n if g_n else None}
    cols = [c for c in ("document", "source", "indicator", "year", "value", "unit", "derived", "quote") if c in gold.columns]
    return {
        "tp": len(pairs), "fp": len(cand) - len(pairs), "fn": len(gold) - len(used), "set_aside": set_aside,
        "precision": len(pairs) / len(cand) if len(cand) else None,
        "recall": len(pairs) / len(gold) if len(gold) else None,
        "per_document": per_doc,
        "misses": gold.loc[[i for i in range(len(gold)) if i not in used], cols].to_dict("records"),
        "false_alarms": cand.loc[[i for i in range(len(cand)) if i not in matched],
                                 [c for c in cols if c in cand.columns]].to_dict("records"),
    }


def format_past_evaluation(result: dict) -> str:
    """A readable table of :func:`evaluate_past`'s result."""
    lines = score_lines(result, 44, cut=True)
    if result["set_aside"]:
        lines.append(f"set aside: {result['set_aside']} growth-rate rows (the gold set labels no growth rates for their documents)")
    for key, title in (("misses", "misses (in the gold set, not proposed):"),
                       ("false_alarms", "false alarms (proposed, not in the gold set):")):
        if result[key]:
            lines += ["", title] + [
                f"  {_document_of(pd.Series(m))}  {m.get('indicator')}  {m.get('year')}  {m.get('value')} {m.get('unit')}"
                f"{'  (derived)' if _derived(pd.Series(m)) else ''}  «{str(m.get('quote', ''))[:50]}»" for m in result[key]]
    return "\n".join(lines)
