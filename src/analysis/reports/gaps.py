"""Data gaps: the series a researcher should collect, most-unlocking first.

Every unjudged target carries ``data_wanted`` (see :func:`analysis.engine.ladder.data_wanted`):
the region's own recent years of the indicator, and the same years for its peers. This module folds
those wishes over many targets into one list — one row per series (region or peer group ×
indicator), with the years wanted and how many targets it would unlock — and renders it in the
report's language for the index and the city scorecard.

Example:
    >>> wanted = [{"scope": "own", "region": "汕尾市", "level": "city", "parent": "广东省",
    ...            "indicator": "rd_intensity", "years": [2020, 2021]}]
    >>> recs = [{"target_id": tid, "p_meet": None, "data_wanted": wanted} for tid in ("a", "b")]
    >>> data_gaps(recs)[0]["n_targets"]
    2
"""
from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any


def data_gaps(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per wanted series: scope, region, level, parent, indicator, years, n_targets, targets.

    Rows are sorted by how many targets they would unlock (then by region and indicator); a target
    restated in several rows counts once per row id.
    """
    from analysis.reports.numbers import is_missing

    if hasattr(records, "to_dict"):  # a DataFrame of assessment records
        records = records.to_dict("records")
    gaps: dict[tuple, dict[str, Any]] = {}
    for rec in records:
        if not is_missing(rec.get("p_meet")):
            continue
        for w in rec.get("data_wanted") or []:
            if not isinstance(w, Mapping):
                continue
            key = (w.get("scope") or "own", w.get("region") or "", w.get("level") or "", w.get("parent") or "",
                   w.get("indicator") or "")
            row = gaps.setdefault(key, {"scope": key[0], "region": key[1], "level": key[2], "parent": key[3],
                                        "indicator": key[4], "years": set(), "targets": []})
            row["years"].update(int(y) for y in w.get("years") or [])
            if rec.get("target_id") not in row["targets"]:
                row["targets"].append(rec.get("target_id"))
    out = []
    for row in gaps.values():
        row["years"] = sorted(row["years"])
        row["n_targets"] = len(row["targets"])
        out.append(row)
    return sorted(out, key=lambda r: (-r["n_targets"], r["scope"] != "own", r["region"], r["indicator"]))


def wanted_text(item: Mapping[str, Any], lang: str = "zh") -> str:
    """One wanted series as words: ``汕尾市 · 研发投入强度 · 2017–2021`` or the peers' version."""
    from analysis.reports.words import indicator_name, region_name, t

    years = sorted(int(y) for y in item.get("years") or [])
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "—")
    ind = indicator_name(item.get("indicator"), "", lang)
    if item.get("scope") == "peers":
        who = t("other {level} regions of {parent}", lang, level=t(str(item.get("level") or "region"), lang),
                parent=region_name(item.get("parent"), lang))
    else:
        who = region_name(item.get("region"), lang)
    return t("{who} · {indicator} · {years}", lang, who=who, indicator=ind, years=span)


def gaps_html(records: Iterable[Mapping[str, Any]], lang: str = "zh", limit: int = 20) -> str:
    """The data-gap list as an HTML table ("" when every target has a probability)."""
    from analysis.reports.words import t

    rows = data_gaps(records)
    if not rows:
        return ""
    e = html.escape
    body = "".join(f"<tr><td>{e(wanted_text(r, lang))}</td><td class='num'>{r['n_targets']}</td></tr>"
                   for r in rows[:limit])
    more = (f"<p class='muted'>{e(t('… and {n} more series.', lang, n=len(rows) - limit))}</p>"
            if len(rows) > limit else "")
    return (f"<h2>{e(t('Data gaps: series to collect', lang))}</h2>"
            f"<p>{e(t('Targets without a probability, and the series that would unlock them, most-unlocking first.', lang))}</p>"
            f"<table class='gaps'><thead><tr><th>{e(t('series wanted', lang))}</th>"
            f"<th>{e(t('targets it would unlock', lang))}</th></tr></thead><tbody>{body}</tbody></table>{more}")
