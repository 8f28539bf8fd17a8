"""The assessment table behind the index, as rows (for the page's CSV), a CSV file and an Excel file.

One line per registry row, with the goal it belongs to and the goal's one P (``goal_p_meet``)
beside the row's own ``p_meet``. Column names are the JSON contract's field names, so the files
read the same in both languages; names and verdicts also come in the report's language.

Example:
    >>> cols, rows = table_rows([{"lead": {}, "p_meet": 0.5, "verdict": "on_track",
    ...                           "rows": [{"target_id": "t1", "region": "汕尾市", "p_meet": 0.5}]}], "en")
    >>> dict(zip(cols, rows[0]))["region_name"], rows[0][0]
    ('Shanwei', 0)
"""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from analysis.reports.numbers import is_missing
from analysis.reports.words import indicator_name, region_name, verdict_label

COLUMNS = ("goal", "document", "document_title", "target_id", "region", "region_name", "indicator",
           "indicator_name", "target_type", "baseline_year", "baseline_value", "target_year", "target_value",
           "unit", "required_cagr", "p_meet", "goal_p_meet", "verdict", "verdict_label", "href")


def _plain(v: Any) -> Any:
    if is_missing(v) and not isinstance(v, str):
        return None if v is None or isinstance(v, float) else v
    if hasattr(v, "item"):
        return v.item()
    return v


def table_rows(goals: Sequence[Mapping[str, Any]], lang: str = "zh") -> tuple[list[str], list[list[Any]]]:
    """``(columns, rows)``: one row per registry row, ``goal`` = the goal's position in ``goals``."""
    from analysis.reports.index import doc_title

    out = []
    for n, g in enumerate(goals):
        for r in g["rows"]:
            verdict = str(r.get("verdict") or "")
            rec = {
                "goal": n, "document": r.get("document"), "document_title": doc_title(r.get("document")),
                "target_id": r.get("target_id"), "region": r.get("region"),
                "region_name": region_name(r.get("region"), lang), "indicator": r.get("indicator"),
                "indicator_name": indicator_name(r.get("indicator"), r.get("indicator_zh"), lang),
                "target_type": r.get("target_type"), "baseline_year": r.get("baseline_year"),
                "baseline_value": r.get("baseline_value"), "target_year": r.get("target_year"),
                "target_value": r.get("target_value"), "unit": r.get("unit"), "required_cagr": r.get("required_cagr"),
                "p_meet": r.get("p_meet"), "goal_p_meet": g.get("p_meet"), "verdict": verdict,
                "verdict_label": verdict_label(verdict, lang) if verdict else "", "href": r.get("href"),
            }
            out.append([_plain(rec[c]) for c in COLUMNS])
    return list(COLUMNS), out


def write_tables(out_dir: Path, goals: Sequence[Mapping[str, Any]], lang: str = "zh") -> tuple[Path, Path]:
    """Write ``assessments-<lang>.csv`` (UTF-8 with BOM, so Excel reads Chinese) and ``.xlsx``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from analysis.reports.render import atomic_write_text

    cols, rows = table_rows(goals, lang)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cols)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    csv_path = atomic_write_text(Path(out_dir) / f"assessments-{lang}.csv", "\ufeff" + buf.getvalue())
    wb = Workbook()
    ws = wb.active
    ws.title = "assessments"
    ws.append(cols)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    ws.freeze_panes = "A2"
    xlsx_path = Path(out_dir) / f"assessments-{lang}.xlsx"
    tmp = xlsx_path.with_suffix(".xlsx.tmp")
    wb.save(tmp)
    tmp.replace(xlsx_path)
    return csv_path, xlsx_path
