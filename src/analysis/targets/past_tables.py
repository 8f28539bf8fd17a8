"""Year-column tables (年鉴, 统计公报 annexes): one value per indicator row and year column.

A flattened table (one cell per line, as :func:`~analysis.targets.text.normalise` leaves it) whose
header names two or more years (``2020 2021``, ``2020年``/``2021年``) and no goal column
(目标/预期/计划) holds past values: each following row is an indicator label (its unit in brackets,
in the label or the next cell), cells without Chinese text (the English of bilingual yearbooks) are
skipped, and the next N numbers are the values of the N year columns. A label ending in
``增长率``/``增速`` names the growth rate of the indicator before it (``技术市场合同成交金额年增长率``
→ ``tech_contract_value_growth``).

Tables with a goal column are read by :func:`analysis.targets.tables.parse_tables` (their
``完成数`` column) instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from analysis.targets.text import CJK, Normalised

_YEAR_CELL = re.compile(r"^(?:(?:19|20)\d{2}\s*年?\s*)+$")
_NUMBER = re.compile(r"(?<![\d.])-?\d+(?:\.\d+)?(?![\d.])")
_GOAL = re.compile(r"目标|预期|计划|规划|力争")
_UNIT = re.compile(r"[((]\s*([^()()]{1,8}?)\s*[))]")


@dataclass
class YearRow:
    """One table row: label (as written), unit, {year: value}, and its span in the normalised text."""

    start: int
    end: int
    label: str
    unit: str
    values: dict[int, float]


def _cells(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0).strip()) for m in re.finditer(r"[^\n]+", text) if m.group(0).strip()]


def year_tables(nt: Normalised, max_rows: int = 60) -> list[YearRow]:
    """Rows of every year-column table in ``nt`` (see the module docstring)."""
    cells = _cells(nt.text)
    out: list[YearRow] = []
    i = 0
    while i < len(cells):
        years: list[int] = []
        j = i
        while j < len(cells) and _YEAR_CELL.match(cells[j][2]):
            years += [int(y) for y in re.findall(r"(?:19|20)\d{2}", cells[j][2])]
            j += 1
        head = " ".join(c[2] for c in cells[max(0, i - 4):j])
        if len(years) < 2 or len(set(years)) != len(years) or _GOAL.search(head):
            i = j + 1 if j > i else i + 1
            continue
        rows, i = _rows(cells, j, years, max_rows)
        out += rows
    return out


def _rows(cells: list[tuple[int, int, str]], k: int, years: list[int], max_rows: int) -> tuple[list[YearRow], int]:
    """Rows after a header ending at cell ``k``; returns them and the cell index where the table ends."""
    rows: list[YearRow] = []
    while k < len(cells) and len(rows) < max_rows:
        start, _, label = cells[k]
        if not re.search(rf"[{CJK}]", label) and not _NUMBER.search(re.sub(r"[((][^()()]*[))]", "", label)):
            k += 1  # the English of a bilingual yearbook, continued on its own line
            continue
        if not re.search(rf"[{CJK}]", label) or _YEAR_CELL.match(label):
            break
        unit_m = _UNIT.search(label)
        unit = unit_m.group(1).strip() if unit_m else ""
        numbers: list[float] = []
        end = cells[k][1]
        k += 1
        own = _NUMBER.findall(_UNIT.sub("", label).split(")")[-1]) if re.search(r"\d\s*$", label) else []
        numbers += [float(x) for x in own]
        while k < len(cells) and len(numbers) < len(years):
            text = cells[k][2]
            if (u := _UNIT.fullmatch(text)) and not unit:
                unit = u.group(1).strip()
            elif re.search(rf"[{CJK}]", text):
                break
            else:
                tail = re.search(r"(?:-?\d+(?:\.\d+)?\s*)+$", re.sub(r"[((][^()()]*[))]", "", text).strip())
                numbers += [float(x) for x in _NUMBER.findall(tail.group(0))] if tail else []
            end = cells[k][1]
            k += 1
        if len(numbers) != len(years):
            if not numbers:
                continue  # a group heading (一、…) or a label whose values follow on the next line
            break
        name = _UNIT.sub("", label)
        name = re.sub(r"[-\d.\s]+$", "", name).strip(" :: ")
        rows.append(YearRow(start, end, name, unit, dict(zip(years, numbers))))
    return rows, k
