"""``reports/index.html``: every target with its verdict and a link, city reports, failures.

Every string that comes from data is HTML-escaped; links are built from sanitised file names
(:func:`safe_name`), never from raw ids, so nothing can point outside the reports folder. The
table sorts by clicking a header (a few lines of inline JavaScript, no library, works offline).
"""
from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from analysis.assessment import VERDICTS
from analysis.reports.narrative import fmt_prob, fmt_rate, fmt_value, is_missing, record_scale, verdict_badge
from analysis.reports.paths import inside, relative_href, safe_name  # noqa: F401 - re-exported

def _num_attr(x: Any) -> str:
    if is_missing(x):
        return ""
    try:
        return f"{float(x):.6g}"
    except (TypeError, ValueError):
        return ""


_TEXT = {
    "zh": {
        "title": "科技创新目标可行性评估：报告索引", "targets": "全部目标", "cities": "城市评分卡",
        "failures": "生成失败的报告", "region": "地区", "indicator": "指标", "target": "目标",
        "change": "基期 → 目标", "cagr": "所需年均增速", "p": "达成概率", "verdict": "结论", "report": "报告",
        "open": "查看", "notebook": "执行记录", "error": "错误", "n_targets": "目标数", "sort": "点击表头排序",
        "summary": "共 {n} 个目标报告、{c} 个城市报告；{f} 个失败。", "other": "其他报告",
    },
    "en": {
        "title": "Feasibility of S&T targets: report index", "targets": "All targets", "cities": "City scorecards",
        "failures": "Reports that failed", "region": "region", "indicator": "indicator", "target": "target",
        "change": "baseline → target", "cagr": "required rate", "p": "P(meet)", "verdict": "verdict",
        "report": "report", "open": "open", "notebook": "executed notebook", "error": "error",
        "n_targets": "targets", "sort": "click a header to sort",
        "summary": "{n} target reports, {c} city reports; {f} failed.", "other": "Other reports",
    },
}

_SORT_JS = """
document.querySelectorAll('table.sortable th').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var body = th.closest('table').tBodies[0], rows = Array.from(body.rows);
    var asc = th.dataset.dir !== 'asc'; th.dataset.dir = asc ? 'asc' : 'desc';
    var num = th.dataset.type === 'num';
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.v !== undefined ? a.cells[col].dataset.v : a.cells[col].textContent;
      var y = b.cells[col].dataset.v !== undefined ? b.cells[col].dataset.v : b.cells[col].textContent;
      if (num) { x = x === '' ? -Infinity : parseFloat(x); y = y === '' ? -Infinity : parseFloat(y);
                 return asc ? x - y : y - x; }
      return asc ? x.localeCompare(y, 'zh') : y.localeCompare(x, 'zh');
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
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
.muted { color: #777; font-size: 90%; }
td.region { white-space: nowrap; } td.id { color: #666; font-size: 12px; word-break: break-all; }
"""


def _cell(text: str, value: Any = None, cls: str = "") -> str:
    attrs = f' class="{cls}"' if cls else ""
    if value is not None:
        attrs += f' data-v="{html.escape(str(value), quote=True)}"'
    return f"<td{attrs}>{text}</td>"


def _target_row(r: Mapping[str, Any], lang: str) -> str:
    e = html.escape
    unit = str(r.get("unit") or "")
    scale = record_scale(r)
    by, ty = r.get("baseline_year"), r.get("target_year")
    def level(v: Any, year: Any) -> str:
        if is_missing(v):
            return ""
        return fmt_value(v, unit, lang) + ("" if is_missing(year) else f" ({int(float(year))})")

    base, tgt = level(r.get("baseline_value"), by), level(r.get("target_value"), ty) or "—"
    verdict = str(r.get("verdict") or ("error" if r.get("status") == "failed" else "insufficient_data"))
    order = list(VERDICTS).index(verdict) if verdict in VERDICTS else len(VERDICTS)
    links = []
    if r.get("href"):
        links.append(f'<a href="{e(str(r["href"]), quote=True)}">{_TEXT[lang]["open"]}</a>')
    if r.get("ipynb_href") and r.get("status") == "failed":
        links.append(f'<a href="{e(str(r["ipynb_href"]), quote=True)}">{_TEXT[lang]["notebook"]}</a>')
    return (
        "<tr>"
        + _cell(e(str(r.get("region") or "")), cls="region")
        + _cell(e(str(r.get("indicator_zh") or r.get("indicator") or "")))
        + _cell(e(str(r.get("target_id") or "")), cls="id")
        + _cell(e(f"{base} → {tgt}" if base else tgt), _num_attr(r.get("target_value")))
        + _cell(e(fmt_rate(r.get("required_cagr"), scale, lang)), _num_attr(r.get("required_cagr")), "num")
        + _cell(e(fmt_prob(r.get("p_meet"))), _num_attr(r.get("p_meet")), "num")
        + _cell(verdict_badge(verdict, lang), order)
        + _cell(" · ".join(links))
        + "</tr>"
    )


def render_index(targets: Iterable[Mapping[str, Any]], cities: Iterable[Mapping[str, Any]] = (),
                 failures: Iterable[Mapping[str, Any]] = (), others: Iterable[Mapping[str, Any]] = (),
                 lang: str = "zh") -> str:
    """The index page as a string.

    ``targets``: rows with the assessment record fields (region, indicator_zh, target_id,
    baseline/target values and years, unit, required_cagr, p_meet, verdict) plus ``href``.
    ``cities``: rows with region, n_targets, verdict counts (``counts``: {verdict: n}) and ``href``.
    ``failures``: rows with ``name``, ``error`` and optionally ``ipynb_href``.
    """
    t = _TEXT[lang]
    e = html.escape
    targets, cities, failures, others = list(targets), list(cities), list(failures), list(others)
    heads = [("region", "str"), ("indicator", "str"), ("target", "str"), ("change", "num"), ("cagr", "num"),
             ("p", "num"), ("verdict", "num"), ("report", "str")]
    thead = "".join(f'<th data-type="{kind}">{t[k]}</th>' for k, kind in heads)
    target_rows = "".join(_target_row(r, lang) for r in targets)
    city_rows = ""
    for c in cities:
        counts = c.get("counts") or {}
        badges = " ".join(f"{verdict_badge(v, lang)} {int(counts[v])}" for v in VERDICTS if counts.get(v))
        link = f'<a href="{e(str(c["href"]), quote=True)}">{t["open"]}</a>' if c.get("href") else ""
        city_rows += ("<tr>" + _cell(e(str(c.get("region") or ""))) + _cell(e(str(c.get("n_targets") or "")),
                                                                           _num_attr(c.get("n_targets")), "num")
                      + _cell(badges) + _cell(link) + "</tr>")
    fail_rows = ""
    for f in failures:
        link = f'<a href="{e(str(f["ipynb_href"]), quote=True)}">{t["notebook"]}</a>' if f.get("ipynb_href") else ""
        fail_rows += ("<tr>" + _cell(e(str(f.get("name") or ""))) + _cell(e(str(f.get("error") or "")), cls="error")
                      + _cell(link) + "</tr>")
    other_rows = "".join(
        "<tr>" + _cell(e(str(o.get("name") or ""))) + _cell(
            f'<a href="{e(str(o["href"]), quote=True)}">{t["open"]}</a>' if o.get("href") else "") + "</tr>"
        for o in others)
    summary = t["summary"].format(n=len(targets), c=len(cities), f=len(failures))
    parts = [
        f'<!DOCTYPE html>\n<html lang="{e(lang)}">\n<head>\n<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{t['title']}</title>\n<style>{_CSS}</style>\n</head>\n<body>",
        f"<h1>{t['title']}</h1>\n<p>{summary} <span class='muted'>{t['sort']}</span></p>",
    ]
    if failures:
        parts.append(f"<h2>{t['failures']}</h2><table class='failures'><thead><tr><th>{t['report']}</th>"
                     f"<th>{t['error']}</th><th></th></tr></thead><tbody>{fail_rows}</tbody></table>")
    parts.append(f"<h2>{t['targets']}</h2><table class='sortable' id='targets'><thead><tr>{thead}</tr></thead>"
                 f"<tbody>{target_rows}</tbody></table>")
    if cities:
        parts.append(f"<h2>{t['cities']}</h2><table class='sortable' id='cities'><thead><tr>"
                     f"<th data-type='str'>{t['region']}</th><th data-type='num'>{t['n_targets']}</th>"
                     f"<th data-type='str'>{t['verdict']}</th><th data-type='str'>{t['report']}</th></tr></thead>"
                     f"<tbody>{city_rows}</tbody></table>")
    if others:
        parts.append(f"<h2>{t['other']}</h2><table><tbody>{other_rows}</tbody></table>")
    parts.append(f"<script>{_SORT_JS}</script>\n</body>\n</html>\n")
    return "\n".join(parts)


def write_index(out_dir: Path, targets: Iterable[Mapping[str, Any]], cities: Iterable[Mapping[str, Any]] = (),
                failures: Iterable[Mapping[str, Any]] = (), others: Iterable[Mapping[str, Any]] = (),
                lang: str = "zh") -> Path:
    """Write ``<out_dir>/index.html`` atomically and return its path."""
    from analysis.reports.render import atomic_write_text

    from analysis.reports.fonts import embed_page_font

    path = Path(out_dir) / "index.html"
    return atomic_write_text(path, embed_page_font(render_index(targets, cities, failures, others, lang)))
