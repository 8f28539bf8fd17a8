"""Goals, not rows: fold restated registry rows of one goal under one entry with one probability.

The registry keeps every statement as its own row (``data/raw/README.md``, "How the registry was
read"): Shanwei states a goal in the prose, the appendix table and the Q4 cell of the quarterly
plan, and a growth rate beside a level. Rows of one document, region, indicator and target year
are one goal (rank goals and Q1–Q3 milestones stay apart). The goal's P comes from one row, the
*lead*: a level row with a probability if any, else any row with one, so a page never shows one
goal as 3 %, 3 %, 4 % and 7 %.

Example:
    >>> rows = [{"target_id": "a", "document": "d", "region": "r", "indicator": "x", "target_year": 2022,
    ...          "target_type": "growth_rate", "p_meet": 0.07, "verdict": "unlikely"},
    ...         {"target_id": "b", "document": "d", "region": "r", "indicator": "x", "target_year": 2022,
    ...          "target_type": "level", "p_meet": 0.03, "verdict": "implausible"}]
    >>> [(g["target_ids"], g["p_meet"]) for g in fold_goals(rows)]
    [(['a', 'b'], 0.03)]
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from analysis.reports.numbers import fmt_year, is_missing

_QUARTER = re.compile(r"-q([1-3])$")


def goal_key(r: Mapping[str, Any]) -> str:
    """The goal a registry/assessment row states: document | region | indicator | year | kind."""
    tid = str(r.get("target_id") or "")
    quarter = r.get("target_quarter")
    q = (str(int(float(quarter))) if not is_missing(quarter) and int(float(quarter)) < 4 else "") or \
        (_QUARTER.search(tid).group(1) if _QUARTER.search(tid) else "")
    kind = "rank" if r.get("target_type") == "rank" else ("q" + q if q else "level")
    if r.get("target_type") in ("breakthrough",):
        kind = "breakthrough"
    doc = str(r.get("document") or tid.split("-")[0])
    return "|".join((doc, str(r.get("region") or ""), str(r.get("indicator") or r.get("indicator_zh") or tid),
                     fmt_year(r.get("target_year")), kind))


def _lead(rows: list[Mapping[str, Any]]) -> Mapping[str, Any]:
    with_p = [r for r in rows if not is_missing(r.get("p_meet"))]
    for r in with_p:
        if r.get("target_type") in ("level", None, ""):
            return r
    return with_p[0] if with_p else rows[0]


def fold_goals(rows: pd.DataFrame | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Goals in first-seen order: ``key``, ``lead`` row, ``target_ids``, ``rows``, ``p_meet``, ``verdict``."""
    records = rows.to_dict(orient="records") if isinstance(rows, pd.DataFrame) else list(rows)
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for r in records:
        groups.setdefault(goal_key(r), []).append(r)
    out = []
    for key, members in groups.items():
        lead = _lead(members)
        p = None if is_missing(lead.get("p_meet")) else float(lead["p_meet"])
        verdict = str(lead.get("verdict") or ("error" if lead.get("status") == "failed" else "insufficient_data"))
        out.append({"key": key, "lead": lead, "rows": members, "p_meet": p, "verdict": verdict,
                    "target_ids": [str(m.get("target_id") or "") for m in members]})
    return out
