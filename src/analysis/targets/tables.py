"""Flattened tables: one cell per line, a header naming its columns, one row per indicator.

Holds header detection (:func:`classify_header`, :func:`find_table_headers`: ``2022年目标数`` →
target 2022, ``第一季度`` → quarter 1…), row parsing with typed column assignment
(:func:`_table_rows`), and :func:`parse_tables`, which turns rows into candidates (target,
growth and quarter columns; a text cell in a quarter column is read as sentences).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from analysis.targets.candidates import Candidate, SentenceContext
from analysis.targets.clauses import Section, _cn_quarter, _sentence_spans, section_at
from analysis.targets.document import DocInfo
from analysis.targets.indicators import _indicator_kind, match_indicator
from analysis.targets.numerals import Quantity, find_quantities, parse_number
from analysis.targets.rules import _DASH
from analysis.targets.sentences import analyse_sentence
from analysis.targets.text import CJK, Normalised

_NUM_CELL = re.compile(r"^[-+]?\d+(?:\.\d+)?$|^[xX]+(?:\.[xX]+)?$")
_ANNOT_CELL = re.compile(r"^[((][^()()]*\d{4}年[^()()]*[))]$")
_UNIT_IN_LABEL = re.compile(r"[((]([^()()]{1,6})[))]\s*$")


@dataclass
class Column:
    """A header column: role ∈ indicator, unit, baseline, target, growth, quarter, group, other."""

    label: str
    role: str
    year: int | None = None
    quarter: int | None = None


def classify_header(cell: str) -> Column:
    """Role of one header cell (``2022年目标数`` → target 2022, ``第一季度`` → quarter 1…)."""
    c = cell.strip()
    y = re.search(r"(\d{4})年", c)
    year = int(y.group(1)) if y else None
    if re.fullmatch(r"\d{4}年?(?:底|末)?(?:[((][^()()]{0,6}[))])?", c):
        return Column(c, "year", year)
    if m := re.fullmatch(r"(?:第)?([一二三四1-4])季度(?:末)?", c):
        return Column(c, "quarter", quarter=_cn_quarter(m.group(1)))
    if re.search(r"季度.*计划|推进计划|进度安排|季度安排", c):
        return Column(c, "group")
    if re.search(r"完成|实际|现状|基数|基期|基准|上年", c) and not re.search(r"目标", c):
        return Column(c, "baseline", year)
    if re.search(r"目标|预期|计划值|规划值", c):
        return Column(c, "target", year)
    if re.search(r"增长|增速|增幅|增量", c):
        return Column(c, "growth", year)
    if re.fullmatch(r"(?:计量)?单位", c):
        return Column(c, "unit")
    if re.search(r"指标|名称|任务", c):
        return Column(c, "indicator")
    return Column(c, "other")


@dataclass
class Cell:
    start: int
    end: int
    text: str


def _cells(text: str) -> list[Cell]:
    """Non-empty lines as cells; a numbered list ("1.…" then "2.…") inside one cell is kept together."""
    cells: list[Cell] = []
    for m in re.finditer(r"[^\n]+", text):
        t = m.group(0).strip()
        if not t:
            continue
        k = re.match(r"^(\d{1,2})[.、．](?!\d)", t)
        if k and cells and int(k.group(1)) >= 2:
            prev = cells[-1]
            last_no = [int(x) for x in re.findall(r"(?:^|[。;;])\s*(\d{1,2})[.、．](?!\d)", prev.text)]
            if last_no and last_no[-1] == int(k.group(1)) - 1:
                cells[-1] = Cell(prev.start, m.end(), prev.text + "\n" + t)
                continue
        cells.append(Cell(m.start(), m.end(), t))
    return cells


def _is_value(c: str) -> bool:
    return bool(_NUM_CELL.match(c))


def _is_headerish(c: str) -> bool:
    return len(c) <= 16 and not _is_value(c) and not re.search(r"[。;;]$", c) and not re.search(r"\d+(?:\.\d+)?%", c)


def find_table_headers(cells: list[Cell]) -> list[tuple[int, int, list[Column]]]:
    """(first cell, end cell, columns) of every flattened table header.

    A header is a run of at least four short, non-numeric cells that names a target column
    (``XXXX年目标数``, ``目标值``…) and an indicator or baseline column.
    """
    out = []
    i = 0
    while i < len(cells):
        if not _is_headerish(cells[i].text):
            i += 1
            continue
        j = i
        while j < len(cells) and _is_headerish(cells[j].text):
            j += 1
        cols = [classify_header(c.text) for c in cells[i:j]]
        years = [c for c in cols if c.role == "year"]
        if len(years) >= 2 and not any(c.role == "target" for c in cols):
            first = min(c.year for c in years)  # bare year columns: earliest = baseline, later = targets
            for c in years:
                c.role = "baseline" if c.year == first else "target"
        roles = {c.role for c in cols}
        if j - i >= 4 and "target" in roles and ({"indicator", "baseline"} & roles) and j < len(cells):
            out.append((i, j, cols))
        i = j
    return out


def _value_columns(cols: list[Column]) -> list[Column]:
    idx = max((k for k, c in enumerate(cols) if c.role == "indicator"), default=-1)
    if idx < 0:
        idx = min(k for k, c in enumerate(cols) if c.role in ("baseline", "target")) - 1
    return [c for c in cols[idx + 1:] if c.role != "group"]


def _fits(col: Column, cell: str) -> bool:
    if col.role in ("baseline", "target"):
        return _is_value(cell) or bool(_DASH.match(cell))
    if col.role == "growth":
        return bool(re.search(r"\d(?:\.\d+)?\s*%|^[-+]?\d+(?:\.\d+)?$", cell)) and len(cell) <= 12 or bool(_DASH.match(cell))
    if col.role == "unit":
        return bool(_UNIT_CELL.match(cell))
    return True  # quarter / other: anything


def parse_tables(nt: Normalised, doc: DocInfo, sections: list[Section]) -> tuple[list[Candidate], list[tuple[int, int]]]:
    """Candidates from flattened tables, and the text spans the tables cover."""
    text = nt.text
    cells = _cells(text)
    headers = find_table_headers(cells)
    out: list[Candidate] = []
    spans: list[tuple[int, int]] = []
    for h, (hi, hj, cols) in enumerate(headers):
        stop = headers[h + 1][0] if h + 1 < len(headers) else len(cells)
        vcols = _value_columns(cols)
        rows = _table_rows(cells[hj:stop], vcols)
        names = _sub_row_names(rows)
        for (label_cell, assigned, last), name in zip(rows, names):
            out += _row_candidates(nt, doc, sections, label_cell, assigned, vcols, last, name)
        end = rows[-1][2].end if rows else cells[hj - 1].end
        spans.append((cells[hi].start, end))
    return out, spans


_UNIT_CELL = re.compile(r"^(?:%|‰|家|个|项|件|人|名|位|所|次|人次|万人|万件|亿元|万元|万美元|千瓦|件/万人|[^\d\s]{1,3}/[^\d\s]{1,3})$")


def _is_anchor(cells: list[Cell], k: int, n_value_cols: int, unit_first: bool = False) -> bool:
    c = cells[k].text
    if not re.search(rf"[{CJK}]", c) or len(c) > 40 or re.search(r"[。;;]$", c):
        return False
    if re.match(r"^\d+[.、．]", c) or _ANNOT_CELL.match(c) or re.search(r"\d\s*%", c) or _UNIT_CELL.match(c):
        return False
    if unit_first and k + 1 < len(cells) and _UNIT_CELL.match(cells[k + 1].text):
        k += 1  # a unit column between the label and the values
    if k + 1 >= len(cells) or not _is_value(cells[k + 1].text):
        return False
    if n_value_cols <= 1:
        return True
    if k + 2 < len(cells):
        nxt = cells[k + 2].text
        return _is_value(nxt) or bool(_ANNOT_CELL.match(nxt)) or bool(re.search(r"\d\s*%", nxt)) or bool(_DASH.match(nxt))
    return False


def _table_rows(cells: list[Cell], vcols: list[Column]) -> list[tuple[Cell, dict[int, Cell], Cell]]:
    """Rows as (label cell, {value column index: cell}, last cell) — typed column assignment."""
    rows = []
    n_num = sum(c.role in ("baseline", "target") for c in vcols)
    unit_first = bool(vcols) and vcols[0].role == "unit"
    anchors = [k for k in range(len(cells)) if _is_anchor(cells, k, n_num, unit_first)]
    for n, k in enumerate(anchors):
        limit = anchors[n + 1] if n + 1 < len(anchors) else len(cells)
        label = cells[k]
        pos = k + 1
        # the row's number (序号) just before its label: the next number ends the row
        row_no = next((int(cells[j].text) for j in range(k - 1, max(-1, k - 5), -1)
                       if re.fullmatch(r"\d{1,3}", cells[j].text)), None)
        while True:
            assigned: dict[int, Cell] = {}
            ci = 0
            last = label
            while ci < len(vcols) and pos < limit:
                cell = cells[pos]
                if row_no is not None and cell.text == str(row_no + 1) and vcols[ci].role not in ("baseline", "target") and \
                        (pos + 1 >= len(cells) or not _is_value(cells[pos + 1].text)):
                    break  # the next row's 序号
                if _ANNOT_CELL.match(cell.text) and assigned:
                    assigned[max(assigned)] = Cell(assigned[max(assigned)].start, cell.end,
                                                   assigned[max(assigned)].text + "|" + cell.text)
                    last = cell
                    pos += 1
                    continue
                base_zero = any(vcols[j].role == "baseline" and _cell_number(c.text)[0] == 0 for j, c in assigned.items())
                if vcols[ci].role == "growth" and base_zero and _DASH.match(cell.text):
                    ci += 1  # growth from a zero baseline is undefined: the cell is left blank
                    continue
                if _fits(vcols[ci], cell.text):
                    assigned[ci] = cell
                    last = cell
                    pos += 1
                ci += 1
            rows.append((label, assigned, last))
            # a continuation sub-row under a merged label: two value cells before the next row
            if pos + 1 < limit and _is_value(cells[pos].text) and _is_value(cells[pos + 1].text):
                label = Cell(label.start, label.end, label.text + "|续")
                continue
            break
    return rows


def _cell_number(cell: str) -> tuple[float | None, bool]:
    """(value, masked) of a value cell ('' or dash → (None, False))."""
    c = cell.split("|")[0].strip()
    if re.fullmatch(r"[xX]+(?:\.[xX]+)?", c):
        return None, True
    v = parse_number(c) if _NUM_CELL.match(c) else None
    return v, False


def _sub_row_names(rows: list[tuple[Cell, dict[int, Cell], Cell]]) -> list[str | None]:
    """Names for sub-rows under one merged label that lists as many indicators as there are rows.

    ``本科院校理工类专业、理工类学生占比`` over two rows → 本科院校理工类专业占比, 理工类学生占比
    (the head word of the last item, 占比, is shared). Other rows keep their label (None).
    """
    names: list[str | None] = [None] * len(rows)
    i = 0
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and rows[j + 1][0].start == rows[i][0].start:
            j += 1
        label = _UNIT_IN_LABEL.sub("", rows[i][0].text.split("|")[0]).strip()
        parts = [p for p in re.split(r"[、和及]", label) if p]
        if j > i and len(parts) == j - i + 1:
            head = re.search(r"(?:占比|比重|比例|数量|总额|金额|数)$", parts[-1])
            for k, part in enumerate(parts):
                names[i + k] = part + head.group(0) if head and not part.endswith(head.group(0)) else part
        i = j + 1
    return names


def _row_candidates(nt: Normalised, doc: DocInfo, sections: list[Section], label_cell: Cell,
                    assigned: dict[int, Cell], vcols: list[Column], last: Cell,
                    name_override: str | None = None) -> list[Candidate]:
    label = label_cell.text.split("|")[0]
    sub_row = label_cell.text.endswith("|续")
    m = _UNIT_IN_LABEL.search(label)
    unit = m.group(1).strip() if m else ""
    if unit in ("%", "%"):
        unit = "%"
    name = name_override or _UNIT_IN_LABEL.sub("", label).strip()
    for ci, col in enumerate(vcols):
        if col.role == "unit" and ci in assigned:
            unit = assigned[ci].text
    code = match_indicator(name)
    kind = _indicator_kind(code) if code else ""
    rate = kind == "rate" or bool(re.search(r"增速|增长率|增幅", name))
    share = unit == "%" and not rate and (kind == "share" or bool(re.search(r"占比|比重|比例|率|强度", name)))
    out: list[Candidate] = []
    baseline_value, baseline_year, base_note = None, None, ""
    annual: dict[int | None, float | None] = {}
    for ci, col in enumerate(vcols):
        if col.role != "baseline" or ci not in assigned:
            continue
        baseline_value, _ = _cell_number(assigned[ci].text)
        baseline_year = col.year
        ann = re.search(r"(\d{4})年", assigned[ci].text.split("|", 1)[1]) if "|" in assigned[ci].text else None
        if ann:
            baseline_year = int(ann.group(1))
            base_note = f"baseline year from the cell note {assigned[ci].text.split('|', 1)[1]}"
    sec = section_at(sections, label_cell.start)
    for ci, col in enumerate(vcols):
        if col.role != "target" or ci not in assigned:
            continue
        value, masked = _cell_number(assigned[ci].text)
        if value is None and not masked:
            continue
        notes = ["from a table row" + (" (second sub-row under a merged label)" if sub_row else "")]
        if base_note:
            notes.append(base_note)
        year = col.year or doc.year
        if not col.year:
            notes.append("target year assumed to be the document year")
        ttype = "growth_rate" if rate else ("share" if share else "level")
        if masked:
            notes.append("number masked in the text")
        out.append(Candidate(
            start=label_cell.start, end=assigned[ci].end, indicator_zh=name, target_type=ttype,
            comparator=">=", target_value=value, unit=unit, masked=masked, indicator=code,
            target_year=year, baseline_year=baseline_year if baseline_value is not None else None,
            baseline_value=baseline_value, notes=notes,
            confidence=0.85 if code else 0.8, source="table",
        ))
        annual[year] = value
    target_year = next((c.year for c in vcols if c.role == "target" and c.year), doc.year)
    # growth column: the growth rate that goes with the level target
    for ci, col in enumerate(vcols):
        if col.role != "growth" or ci not in assigned or not rate:
            continue  # for a level row the growth follows from baseline → target; for a rate row it is another figure
        cell = assigned[ci].text
        qs = [q for q in find_quantities(cell) if q.unit == "%"]
        if not qs and _NUM_CELL.match(cell):
            qs = [Quantity(0, len(cell), cell, parse_number(cell), "%")]
        if not qs or qs[0].value is None:
            continue
        comp = ">="  # a plan table's figures are floors (the registry's reading rule)
        out.append(Candidate(
            start=label_cell.start, end=assigned[ci].end, indicator_zh=name, target_type="growth_rate",
            comparator=comp, target_value=qs[0].value, unit="%", indicator=code, target_year=target_year,
            notes=["from a table row: growth of the underlying quantity, stated beside the rate"],
            confidence=0.5, source="table",
        ))
    # quarter columns
    quarters = [(ci, col) for ci, col in enumerate(vcols) if col.role == "quarter"]
    numeric = [ci for ci, _ in quarters if ci in assigned and _is_value(assigned[ci].text)]
    for ci, col in quarters:
        if ci not in assigned:
            continue
        cell = assigned[ci]
        if ci in numeric:
            value, masked = _cell_number(cell.text)
            if value is None and not masked:
                continue
            out.append(Candidate(
                start=label_cell.start, end=cell.end, indicator_zh=name, target_type="milestone",
                comparator=">=", target_value=value, unit=unit, masked=masked, indicator=code,
                target_year=target_year, target_quarter=col.quarter,
                baseline_year=baseline_year if baseline_value is not None else None, baseline_value=baseline_value,
                notes=["from a table row: quarterly milestone" + (" (cumulative)" if not share and not rate else "")],
                confidence=0.75, source="table",
            ))
            continue
        ctx = SentenceContext(doc=doc, mode="plan", section_year=target_year, quarter=col.quarter,
                              default_subject=name, source="cell", in_table=True, goal_section=sec.goal,
                              baseline=(baseline_year, baseline_value, unit) if baseline_value is not None else None)
        for s, e in _sentence_spans(nt.text, cell.start, cell.end):
            out += analyse_sentence(nt.text[s:e], s, ctx)
    return out
