"""Review workflow: candidates compared with the registry, and reviewed rows merged into it.

:func:`review_table` pairs each candidate with a registry row of the same document (the same
statement and a similar indicator, or the same value; :func:`analysis.targets.fields.pair_rows`)
and marks it ``new``, ``changed`` (with the differing fields, ``field: registry → candidate``) or
``unchanged``; registry rows of the same documents that no candidate matches are listed as
``not found``. Each row carries the quote in context (the text around it) and an empty
``accept`` column for the reviewer.

:func:`merge_reviewed` applies the rows whose ``accept`` is yes: a ``changed`` row replaces the
registry row with its ``target_id``, a ``new`` row is appended under a stable id (document stem
plus a hash of document, quote, indicator, value and unit: rerunning gives the same id). The
result is validated with the registry's own schema (:func:`analysis.data.loaders.load_targets`)
before it replaces the registry file atomically (written beside it, then renamed).

Example::

    analysis extract plans/*.txt --against data/targets/targets.csv --out review.csv
    # fill accept=yes on the rows to keep, then
    analysis targets merge review.csv
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pandas as pd

from analysis.targets.fields import field_checks, pair_rows

COMPARED = ("target_value", "unit", "target_year", "target_type", "comparator", "region",
            "baseline_year", "baseline_value", "target_quarter", "indicator")
ACCEPT_WORDS = ("yes", "y", "true", "1", "accept", "ok", "x", "是")
CONTEXT_CHARS = 40


def stable_id(row: dict) -> str:
    """Registry id for a new row: document stem + 8 hex digits of a hash of what identifies it.

    >>> stable_id({"document": "a.txt", "quote": "q", "indicator_zh": "高企", "target_value": 1, "unit": "家"})
    'a-x0a6a7fd7'
    """
    key = "|".join(str(row.get(k, "")) for k in ("document", "quote", "indicator_zh", "target_value", "unit"))
    return f"{Path(str(row.get('document') or 'doc')).stem}-x{hashlib.sha1(key.encode('utf-8')).hexdigest()[:8]}"


def _cell(v: object) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _same(a: object, b: object) -> bool:
    sa, sb = _cell(a), _cell(b)
    try:
        return abs(float(sa) - float(sb)) <= 1e-9 * max(1.0, abs(float(sb)))
    except ValueError:
        return sa == sb


def quote_in_context(text: str, quote: str, chars: int = CONTEXT_CHARS) -> str:
    """``…before【quote】after…`` cut from ``text`` (the first place the quote occurs), or the quote.

    >>> quote_in_context("一二三四五六七八九十", "五六", chars=2)
    '…三四【五六】七八…'
    """
    i = text.find(quote) if quote else -1
    if i < 0:
        return quote
    a, b = max(0, i - chars), min(len(text), i + len(quote) + chars)
    return ("…" if a else "") + text[a:i] + "【" + quote + "】" + text[i + len(quote):b] + ("…" if b < len(text) else "")


def review_table(candidates: pd.DataFrame, registry: pd.DataFrame, texts: dict[str, str] | None = None) -> pd.DataFrame:
    """The review CSV's rows (see the module docstring); ``texts`` maps document names to their text."""
    texts = texts or {}
    cand = candidates.reset_index(drop=True)
    docs = {Path(str(d)).name for d in cand["document"]} | set(texts)
    gold = registry[registry["document"].map(lambda d: Path(str(d)).name).isin(docs)].reset_index(drop=True)
    pairs = dict(pair_rows(cand, gold)) if len(cand) and len(gold) else {}
    rows = []
    for ci, crow in cand.iterrows():
        row = {k: _cell(v) for k, v in crow.items()}
        gi = pairs.get(ci)
        if gi is None:
            status, diffs, tid = "new", "", stable_id(row)
        else:
            g = gold.loc[gi]
            diffs = "; ".join(f"{c}: {_cell(g.get(c)) or '∅'} → {row.get(c) or '∅'}"
                              for c in COMPARED if c in g and not _same(g.get(c), row.get(c)))
            status, tid = ("changed" if diffs else "unchanged"), _cell(g.get("target_id"))
            if not field_checks(crow, g)["value"]:
                diffs = diffs or "value"
        row.update({"status": status, "target_id": tid, "differences": diffs,
                    "context": quote_in_context(texts.get(row["document"], ""), row.get("quote", "")),
                    "accept": ""})
        rows.append(row)
    paired = set(pairs.values())
    for gi, g in gold.iterrows():
        if gi not in paired:
            row = {k: _cell(v) for k, v in g.items()}
            row.update({"status": "not found", "differences": "no candidate matches this registry row",
                        "context": quote_in_context(texts.get(row.get("document", ""), ""), row.get("quote", "")),
                        "accept": ""})
            rows.append(row)
    first = ["accept", "status", "target_id", "differences", "context"]
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=first + list(candidates.columns))
    return out[first + [c for c in out.columns if c not in first]]


class MergeError(ValueError):
    """The reviewed file cannot be merged; ``problems`` are ``file:line:column: reason`` strings."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def merge_reviewed(reviewed: pd.DataFrame, registry_path: Path, reviewed_name: str = "reviewed") -> dict:
    """Apply accepted rows of a review table to the registry file at ``registry_path``, atomically.

    Returns ``{"replaced": n, "added": n, "skipped": n}``; raises :class:`MergeError` naming the
    line and column of every problem (the registry file is then left untouched).
    """
    from analysis.data.loaders import load_targets
    from analysis.data.schemas import DataValidationError

    registry = pd.read_csv(registry_path, dtype=str, keep_default_na=False)
    columns = list(registry.columns)
    problems: list[str] = []
    for col in ("accept", "status", "target_id"):
        if col not in reviewed.columns:
            problems.append(f"{reviewed_name}: missing column '{col}' (is this a file written by extract --against?)")
    if problems:
        raise MergeError(problems)
    ids = list(registry["target_id"])
    origin: dict[int, int] = {}  # registry index → line of the reviewed file it came from
    replaced = added = skipped = 0
    for i, r in reviewed.iterrows():
        line = i + 2
        if str(r["accept"]).strip().lower() not in ACCEPT_WORDS:
            skipped += 1
            continue
        status = str(r["status"]).strip()
        missing = [c for c in columns if c not in reviewed.columns]
        if missing:
            problems.append(f"{reviewed_name}:{line}: missing registry column(s) {', '.join(missing)}")
            continue
        new_row = {c: _cell(r[c]) for c in columns}
        if status == "changed" or status == "unchanged":
            tid = new_row["target_id"]
            if tid not in ids:
                problems.append(f"{reviewed_name}:{line}:target_id: '{tid}' is not in {registry_path.name}")
                continue
            registry.loc[registry["target_id"] == tid, columns] = [new_row[c] for c in columns]
            origin[int(registry.index[registry["target_id"] == tid][0])] = line
            replaced += status == "changed"
        elif status == "new":
            tid = new_row["target_id"] or stable_id(new_row)
            if tid in ids:
                problems.append(f"{reviewed_name}:{line}:target_id: '{tid}' already in {registry_path.name}")
                continue
            new_row["target_id"] = tid
            ids.append(tid)
            registry = pd.concat([registry, pd.DataFrame([new_row])], ignore_index=True)
            origin[len(registry) - 1] = line
            added += 1
        else:
            problems.append(f"{reviewed_name}:{line}:status: '{status}' cannot be merged (new, changed or unchanged)")
    if problems:
        raise MergeError(problems)
    fd, tmp = tempfile.mkstemp(prefix=".targets-", suffix=".csv", dir=str(registry_path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            registry.to_csv(fh, index=False)
        try:
            load_targets(Path(tmp), validate=True)
        except DataValidationError as err:
            raise MergeError([_explain(p, reviewed_name, origin) for p in err.problems]) from None
        os.replace(tmp, registry_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return {"replaced": replaced, "added": added, "skipped": skipped}


def _explain(problem, reviewed_name: str, origin: dict[int, int]) -> str:
    """A schema problem of the merged file, pointed at the reviewed row it came from."""
    where = reviewed_name
    if problem.line is not None:
        src = origin.get(problem.line - 2)
        where += f":{src}" if src else f" (registry line {problem.line}, not from the review)"
    if problem.column:
        where += f":{problem.column}"
    return f"{where}: {problem.reason}"
