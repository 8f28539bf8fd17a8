"""``reports/index-<lang>.html``: every goal with its verdict and links, city reports, failures.

One row per *goal* (restated rows folded under it, one P per goal; :mod:`.goals`), grouped by
document; counts of goals per verdict on top; a search box and region / verdict / document filters
(plain inline JavaScript, no library, works offline; ``#region=…&verdict=…&q=…`` in the address
presets them); a CSV of the filtered rows built in the page, and the full assessment table as CSV
and Excel files beside the page (:mod:`.index_export`). Every string from data is HTML-escaped;
links come from sanitised file names (:func:`safe_name`).
"""
from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from analysis.assessment import VERDICTS
from analysis.reports.gaps import gaps_html
from analysis.reports.goals import fold_goals
from analysis.reports.numbers import comparator_prefix, fmt_prob, fmt_rate, fmt_value, fmt_year, is_missing
from analysis.reports.paths import inside, relative_href, safe_name  # noqa: F401 - re-exported
from analysis.reports.prose import verdict_badge
from analysis.reports.tables import document_titles, record_scale
from analysis.reports.words import indicator_name, region_name, t, verdict_label

#: key -> English msgid of the page's words
TEXT: dict[str, str] = {
    "title": "Feasibility of S&T targets: report index", "targets": "All goals", "cities": "City scorecards",
    "failures": "Reports that failed", "region": "region", "indicator": "indicator", "target": "rows",
    "document": "document", "change": "baseline → target", "cagr": "required rate", "p": "P(meet)",
    "verdict": "verdict", "report": "report", "open": "open", "notebook": "executed notebook", "error": "error",
    "n_targets": "goals", "sort": "click a header to sort",
    "summary": "{n} goals in {r} target reports, {c} city reports; {f} failed.", "other": "Other reports",
    "search": "search", "all": "all", "shown": "goals shown:", "csv_filtered": "CSV of the rows shown",
    "csv_all": "full table (CSV)", "xlsx_all": "full table (Excel)", "goal_counts": "Goals per verdict:",
    "lang_other": "Chinese version",  # the link to the other language (zh page: the English one)
}

_JS = """
(function () {
  var table = document.getElementById('targets');
  function text(c) { return c.dataset.v !== undefined ? c.dataset.v : c.textContent; }
  document.querySelectorAll('table.sortable th').forEach(function (th, col) {
    th.addEventListener('click', function () {
      var body = th.closest('table').tBodies[0], rows = Array.from(body.rows);
      var asc = th.dataset.dir !== 'asc'; th.dataset.dir = asc ? 'asc' : 'desc';
      var num = th.dataset.type === 'num';
      rows.sort(function (a, b) {
        var x = text(a.cells[col]), y = text(b.cells[col]);
        if (num) { x = x === '' ? -Infinity : parseFloat(x); y = y === '' ? -Infinity : parseFloat(y);
                   return asc ? x - y : y - x; }
        return asc ? x.localeCompare(y, 'zh') : y.localeCompare(x, 'zh');
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  if (!table) { return; }
  var data = JSON.parse(document.getElementById('rows-data').textContent);
  var q = document.getElementById('q'), fr = document.getElementById('f-region'),
      fv = document.getElementById('f-verdict'), fd = document.getElementById('f-doc');
  var link = document.getElementById('dl-csv'), shown = document.getElementById('n-shown');
  function csvCell(v) { v = v === null || v === undefined ? '' : String(v);
    return /[",\\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; }
  function apply() {
    var words = q.value.trim().toLowerCase().split(/\\s+/).filter(Boolean), goals = {}, n = 0;
    Array.from(table.tBodies[0].rows).forEach(function (r) {
      var ok = (!fr.value || r.dataset.region === fr.value) && (!fv.value || r.dataset.verdict === fv.value) &&
               (!fd.value || r.dataset.doc === fd.value) &&
               words.every(function (w) { return r.dataset.search.indexOf(w) >= 0; });
      r.hidden = !ok; if (ok) { goals[r.dataset.goal] = true; n += 1; }
    });
    shown.textContent = n;
    var cols = data.columns, lines = [cols.map(csvCell).join(',')];
    data.rows.forEach(function (row) { if (goals[row[0]]) { lines.push(row.map(csvCell).join(',')); } });
    link.href = 'data:text/csv;charset=utf-8,' + encodeURIComponent('\\ufeff' + lines.join('\\n') + '\\n');
  }
  var preset = new URLSearchParams(location.hash.replace(/^#/, ''));
  if (preset.get('q')) { q.value = preset.get('q'); }
  if (preset.get('region')) { fr.value = preset.get('region'); }
  if (preset.get('verdict')) { fv.value = preset.get('verdict'); }
  if (preset.get('doc')) { fd.value = preset.get('doc'); }
  [q, fr, fv, fd].forEach(function (el) { el.addEventListener('input', apply); el.addEventListener('change', apply); });
  document.querySelectorAll('[data-set-verdict]').forEach(function (b) {
    b.addEventListener('click', function () { fv.value = b.dataset.setVerdict; apply(); });
  });
  apply();
})();
"""

_CSS = """
body { font-family: "Noto Sans SC", "PingFang SC", "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif;
       max-width: 1200px; margin: 0 auto; padding: 1.5em 1em 3em; color: #222; }
table { border-collapse: collapse; width: 100%; margin: 0.8em 0 2em; font-size: 14px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #f5f5f5; cursor: pointer; user-select: none; white-space: nowrap; }
th[data-dir=asc]::after { content: " ▲"; } th[data-dir=desc]::after { content: " ▼"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.error { color: #a50026; font-family: monospace; font-size: 12px; white-space: pre-wrap; }
.muted { color: #777; font-size: 90%; } .filters { display: flex; flex-wrap: wrap; gap: 0.6em; align-items: center; }
.filters input, .filters select { font-size: 14px; padding: 3px 6px; font-family: inherit; } [data-set-verdict] { cursor: pointer; }
td.region { white-space: nowrap; } td.id { color: #666; font-size: 12px; word-break: break-all; }
"""


def _num_attr(x: Any) -> str:
    if is_missing(x):
        return ""
    try:
        return f"{float(x):.6g}"
    except (TypeError, ValueError):
        return ""


def _cell(text: str, value: Any = None, cls: str = "") -> str:
    attrs = f' class="{cls}"' if cls else ""
    if value is not None:
        attrs += f' data-v="{html.escape(str(value), quote=True)}"'
    return f"<td{attrs}>{text}</td>"


def doc_title(doc: Any) -> str:
    """A document's title (``data/raw/README.md``), or its file name."""
    doc = str(doc or "")
    return document_titles().get(doc, doc)


def _goal_row(n: int, g: Mapping[str, Any], lang: str) -> str:
    e = html.escape
    r = g["lead"]
    unit = str(r.get("unit") or "")

    def level(v: Any, year: Any) -> str:
        return "" if is_missing(v) else fmt_value(v, unit, lang) + (f" ({fmt_year(year)})" if fmt_year(year) else "")

    base, tgt = level(r.get("baseline_value"), r.get("baseline_year")), level(r.get("target_value"), r.get("target_year"))
    tgt = comparator_prefix(r.get("comparator")) + tgt if tgt else tgt
    verdict = g["verdict"]
    order = list(VERDICTS).index(verdict) if verdict in VERDICTS else len(VERDICTS)
    links = []
    for m in g["rows"]:
        tid = e(str(m.get("target_id") or ""))
        if m.get("href"):
            links.append(f'<a href="{e(str(m["href"]), quote=True)}" title="{tid}">{tid}</a>')
        else:
            links.append(tid)
        if m.get("ipynb_href") and m.get("status") == "failed":
            links[-1] += f' (<a href="{e(str(m["ipynb_href"]), quote=True)}">{t(TEXT["notebook"], lang)}</a>)'
    region = region_name(r.get("region"), lang)
    ind = indicator_name(r.get("indicator"), r.get("indicator_zh"), lang)
    doc = str(r.get("document") or "")
    search = " ".join([region, str(r.get("region") or ""), ind, doc_title(doc), *g["target_ids"]]).lower()
    attrs = (f' data-goal="{n}" data-region="{e(region, quote=True)}" data-verdict="{e(verdict, quote=True)}"'
             f' data-doc="{e(doc, quote=True)}" data-search="{e(search, quote=True)}"')
    return (
        f"<tr{attrs}>"
        + _cell(f'<span class="source-title">{e(doc_title(doc))}</span>', doc)
        + _cell(e(region), cls="region")
        + _cell(e(ind))
        + _cell(e(f"{base} → {tgt}" if base else (tgt or "—")), _num_attr(r.get("target_value")))
        + _cell(e(fmt_rate(r.get("required_cagr"), record_scale(r), lang)), _num_attr(r.get("required_cagr")), "num")
        + _cell(e(fmt_prob(g["p_meet"])), _num_attr(g["p_meet"]), "num")
        + _cell(verdict_badge(verdict, lang), order)
        + _cell("<br>".join(links), len(links), "id")
        + "</tr>"
    )


def _select(sel_id: str, options: Iterable[tuple[str, str]], lang: str) -> str:
    opts = "".join(f'<option value="{html.escape(v, quote=True)}">{html.escape(text)}</option>' for v, text in options)
    return f'<select id="{sel_id}"><option value="">{t(TEXT["all"], lang)}</option>{opts}</select>'


def _filters(goals: list[dict[str, Any]], lang: str) -> str:
    regions = sorted({region_name(g["lead"].get("region"), lang) for g in goals})
    docs = sorted({str(g["lead"].get("document") or "") for g in goals} - {""})
    verdicts = [v for v in VERDICTS if any(g["verdict"] == v for g in goals)]
    return (
        "<div class='filters'>"
        f'<label>{t(TEXT["search"], lang)} <input id="q" type="search"></label>'
        f'<label>{t(TEXT["region"], lang)} {_select("f-region", [(r, r) for r in regions], lang)}</label>'
        f'<label>{t(TEXT["verdict"], lang)} {_select("f-verdict", [(v, verdict_label(v, lang)) for v in verdicts], lang)}</label>'
        f'<label>{t(TEXT["document"], lang)} {_select("f-doc", [(d, doc_title(d)) for d in docs], lang)}</label>'
        f'<span>{t(TEXT["shown"], lang)} <b id="n-shown">{len(goals)}</b></span>'
        f'<a id="dl-csv" download="assessments-filtered-{lang}.csv" href="#">{t(TEXT["csv_filtered"], lang)}</a>'
        f'<a href="assessments-{lang}.csv">{t(TEXT["csv_all"], lang)}</a>'
        f'<a href="assessments-{lang}.xlsx">{t(TEXT["xlsx_all"], lang)}</a>'
        "</div>"
    )


def _goal_counts(goals: list[dict[str, Any]], lang: str) -> str:
    counts: dict[str, int] = {}
    for g in goals:
        counts[g["verdict"]] = counts.get(g["verdict"], 0) + 1
    badges = " ".join(f'<span data-set-verdict="{v}">{verdict_badge(v, lang)} {counts[v]}</span>'
                      for v in VERDICTS if v in counts)
    return f"<p class='goal-counts'>{t(TEXT['goal_counts'], lang)} {badges}</p>"


def _rows_json(goals: list[dict[str, Any]], lang: str) -> str:
    from analysis.reports.index_export import table_rows

    columns, rows = table_rows(goals, lang)
    text = json.dumps({"columns": columns, "rows": rows}, ensure_ascii=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_index(targets: Iterable[Mapping[str, Any]], cities: Iterable[Mapping[str, Any]] = (),
                 failures: Iterable[Mapping[str, Any]] = (), others: Iterable[Mapping[str, Any]] = (),
                 lang: str = "zh") -> str:
    """The index page as a string.

    ``targets``: rows with the assessment record fields (document, region, indicator, target_id,
    baseline/target values and years, unit, required_cagr, p_meet, verdict) plus ``href``.
    ``cities``: rows with region, n_targets (goals), verdict counts (``counts``) and ``href``.
    ``failures``: rows with ``name``, ``error`` and optionally ``ipynb_href``.
    """
    e = html.escape
    T = {k: t(v, lang) for k, v in TEXT.items() if "{" not in v}
    targets, cities, failures, others = list(targets), list(cities), list(failures), list(others)
    goals = sorted(fold_goals(targets), key=lambda g: str(g["lead"].get("document") or ""))
    heads = [("document", "str"), ("region", "str"), ("indicator", "str"), ("change", "num"), ("cagr", "num"),
             ("p", "num"), ("verdict", "num"), ("target", "num")]
    thead = "".join(f'<th data-type="{kind}">{T[k]}</th>' for k, kind in heads)
    target_rows = "".join(_goal_row(n, g, lang) for n, g in enumerate(goals))
    city_rows = ""
    for c in cities:
        counts = c.get("counts") or {}
        badges = " ".join(f"{verdict_badge(v, lang)} {int(counts[v])}" for v in VERDICTS if counts.get(v))
        link = f'<a href="{e(str(c["href"]), quote=True)}">{T["open"]}</a>' if c.get("href") else ""
        city_rows += ("<tr>" + _cell(e(region_name(c.get("region"), lang)))
                      + _cell(e(str(c.get("n_targets") or "")), _num_attr(c.get("n_targets")), "num")
                      + _cell(badges) + _cell(link) + "</tr>")
    fail_rows = "".join(
        "<tr>" + _cell(f"<code>{e(str(f.get('name') or ''))}</code>") + _cell(e(str(f.get("error") or "")), cls="error")
        + _cell(f'<a href="{e(str(f["ipynb_href"]), quote=True)}">{T["notebook"]}</a>' if f.get("ipynb_href") else "")
        + "</tr>" for f in failures)
    other_rows = "".join(
        "<tr>" + _cell(f"<code>{e(str(o.get('name') or ''))}</code>") + _cell(
            f'<a href="{e(str(o["href"]), quote=True)}">{T["open"]}</a>' if o.get("href") else "") + "</tr>"
        for o in others)
    summary = t(TEXT["summary"], lang, n=len(goals), r=len(targets), c=len(cities), f=len(failures))
    other_lang = "en" if lang == "zh" else "zh"
    parts = [
        f'<!DOCTYPE html>\n<html lang="{e(lang)}">\n<head>\n<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{T['title']}</title>\n<style>{_CSS}</style>\n</head>\n<body>",
        f"<h1>{T['title']}</h1>\n<p>{summary} <span class='muted'>{T['sort']}</span> "
        f"<a href='index-{other_lang}.html' hreflang='{other_lang}'>{T['lang_other']}</a></p>",
        _goal_counts(goals, lang),
    ]
    if failures:
        parts.append(f"<h2>{T['failures']}</h2><table class='failures'><thead><tr><th>{T['report']}</th>"
                     f"<th>{T['error']}</th><th></th></tr></thead><tbody>{fail_rows}</tbody></table>")
    parts.append(f"<h2>{T['targets']}</h2>{_filters(goals, lang)}<table class='sortable' id='targets'><thead><tr>"
                 f"{thead}</tr></thead><tbody>{target_rows}</tbody></table>")
    parts.append(f'<script type="application/json" id="rows-data">{_rows_json(goals, lang)}</script>')
    parts.append(gaps_html(targets, lang))
    if cities:
        parts.append(f"<h2>{T['cities']}</h2><table class='sortable' id='cities'><thead><tr>"
                     f"<th data-type='str'>{T['region']}</th><th data-type='num'>{T['n_targets']}</th>"
                     f"<th data-type='str'>{T['verdict']}</th><th data-type='str'>{T['report']}</th></tr></thead>"
                     f"<tbody>{city_rows}</tbody></table>")
    if others:
        parts.append(f"<h2>{T['other']}</h2><table><tbody>{other_rows}</tbody></table>")
    parts.append(f"<script>{_JS}</script>\n</body>\n</html>\n")
    return "\n".join(parts)


def write_index(out_dir: Path, targets: Iterable[Mapping[str, Any]], cities: Iterable[Mapping[str, Any]] = (),
                failures: Iterable[Mapping[str, Any]] = (), others: Iterable[Mapping[str, Any]] = (),
                lang: str = "zh") -> Path:
    """Write ``index-<lang>.html`` (and ``index.html``, the latest language), ``assessments-<lang>.csv``
    and ``.xlsx`` atomically; return the path of ``index.html``."""
    from analysis.reports.fonts import embed_page_font
    from analysis.reports.index_export import write_tables
    from analysis.reports.render import atomic_write_text

    targets = list(targets)
    page = embed_page_font(render_index(targets, cities, failures, others, lang))
    out_dir = Path(out_dir)
    write_tables(out_dir, fold_goals(targets), lang)
    atomic_write_text(out_dir / f"index-{lang}.html", page)
    return atomic_write_text(out_dir / "index.html", page)
