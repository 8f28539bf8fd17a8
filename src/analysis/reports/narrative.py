"""Words and tables of the reports, in Chinese (``zh``) or English (``en``).

Every function returns plain text, Markdown or an HTML fragment; every string that comes from the
data (region names, quotes, sources, notes) is HTML-escaped here, so a notebook only displays what
these functions return. Numbers carry their units (家, 亿元, %).
"""
from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis.assessment import VERDICTS, Assessment

LANGS = ("zh", "en")

#: UI strings; keys are used by plots.py and the notebooks
LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "year": "年份", "history": "历年数据", "history_bound": "下限值（突破/超）",
        "history_approx": "约数", "history_derived": "推算值", "median": "中位预测",
        "band50": "50% 区间", "band80": "80% 区间", "band95": "95% 区间", "target": "目标",
        "baseline": "基期", "outcome": "实际结果", "no_data": "无可用数据",
        "fan_title": "{region} · {indicator}：历史与预测", "peer_title": "同类地区{h}年累计变化分布",
        "peer_x_log": "{h}年累计增长（%）", "peer_x_points": "{h}年累计变化（百分点）",
        "peer_count": "窗口数", "required": "目标所需", "peers_met": "{met} / {n} 个同类窗口达到",
        "levels_title": "{year}年现实水平与目标", "level_p80": "80% 把握（P80）",
        "level_p50": "50% 把握（P50）", "scorecard_title": "{region}：各项目标达成概率",
        "p_meet": "达成概率", "coverage_title": "{indicator}：数据覆盖（来源数）",
        "region": "地区", "reliability_title": "概率校准（模拟面板）", "predicted": "预测概率",
        "observed": "实际达成比例", "perfect": "完全校准", "coverage_chart": "预测区间覆盖率",
        "nominal": "名义水平", "horizon": "预测期（年）", "crps_title": "CRPS（越低越好）",
        "levels_rank_title": "{indicator}（{year}年，{unit}）", "growth_title": "{indicator}：年增长分布",
        "growth_x_log": "年增长（%）", "growth_x_points": "年变化（百分点）", "n_regions": "地区数",
    },
    "en": {
        "year": "year", "history": "reported values", "history_bound": "lower bound (突破/超)",
        "history_approx": "approximate", "history_derived": "derived", "median": "median forecast",
        "band50": "50% interval", "band80": "80% interval", "band95": "95% interval", "target": "target",
        "baseline": "baseline", "outcome": "outcome", "no_data": "no data available",
        "fan_title": "{region} · {indicator}: history and forecast", "peer_title": "Peers' {h}-year change",
        "peer_x_log": "{h}-year growth (%)", "peer_x_points": "{h}-year change (pp)",
        "peer_count": "windows", "required": "required", "peers_met": "{met} of {n} peer windows did it",
        "levels_title": "Realistic {year} levels vs target", "level_p80": "80% sure (P80)",
        "level_p50": "50% sure (P50)", "scorecard_title": "{region}: probability of meeting each target",
        "p_meet": "P(meet)", "coverage_title": "{indicator}: data coverage (sources)",
        "region": "region", "reliability_title": "Calibration (synthetic panels)", "predicted": "predicted P",
        "observed": "observed frequency", "perfect": "perfect calibration", "coverage_chart": "interval coverage",
        "nominal": "nominal", "horizon": "horizon (years)", "crps_title": "CRPS (lower is better)",
        "levels_rank_title": "{indicator} ({year}, {unit})", "growth_title": "{indicator}: annual growth",
        "growth_x_log": "annual growth (%)", "growth_x_points": "annual change (pp)", "n_regions": "regions",
    },
}

#: headings of report sections
HEADINGS: dict[str, dict[str, str]] = {
    "zh": {
        "target_title": "目标可行性评估：{region} · {indicator}", "city_title": "城市目标评分卡：{region}",
        "panel_title": "跨地区面板：{indicator}", "backtest_title": "回测与校准",
        "verdict": "结论", "what_it_takes": "实现目标需要什么", "inside": "自身趋势与预测（内部视角）",
        "outside": "同类地区的经验（外部视角）", "probability": "达成概率与依据", "levels": "现实的目标水平",
        "sources": "数据来源", "notes": "说明与数据缺口", "method": "方法", "targets": "全部目标",
        "coverage": "数据覆盖", "ranking": "最新水平排名", "growth": "增长分布",
        "scores": "滚动预测评分", "calibration": "概率校准", "quote": "文件原文",
    },
    "en": {
        "target_title": "Target feasibility: {region} · {indicator}", "city_title": "City scorecard: {region}",
        "panel_title": "Cross-region panel: {indicator}", "backtest_title": "Backtest and calibration",
        "verdict": "Verdict", "what_it_takes": "What it takes", "inside": "Own trend and forecast (inside view)",
        "outside": "What comparable regions did (outside view)", "probability": "Probability and evidence",
        "levels": "Realistic levels", "sources": "Data sources", "notes": "Notes and data gaps",
        "method": "Method", "targets": "All targets", "coverage": "Data coverage", "ranking": "Latest levels",
        "growth": "Growth distribution", "scores": "Rolling-origin scores", "calibration": "Calibration",
        "quote": "Quote from the document",
    },
}

MODEL_NAMES = {
    "zh": {"pooled": "合并模型（分层混合模型）", "peers": "同类地区（参照组分位回归）", "own": "自身趋势（带漂移随机游走）",
           "count": "计数模型（负二项）", "pooled (rank)": "排名联合模拟", None: "无模型",
           "pooled_ols": "合并模型（混合最小二乘，分层混合模型未收敛）", "family_b": "参照组B（同一指标各层级，收缩模型）",
           "family_c": "参照组C（同类指标族，收缩模型）", "rank_outside": "排名变化的外部参照"},
    "en": {"pooled": "pooled (mixed model)", "peers": "peers (reference class)", "own": "own trend (drift)",
           "count": "count model (negative binomial)", "pooled (rank)": "joint rank simulation", None: "no model",
           "pooled_ols": "pooled (OLS fallback of the mixed model)", "family_b": "rung B (same indicator, every level, shrunk)",
           "family_c": "rung C (indicator family, shrunk)", "rank_outside": "outside view of rank changes"},
}

COUNT_UNITS = ("家", "个", "项", "件", "人", "名", "位", "所", "台", "次")


def check_lang(lang: str) -> str:
    """``lang`` if supported, else ``ValueError``."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    return lang


def label(key: str, lang: str = "zh", **fmt: Any) -> str:
    """A UI label (chart axes, legends), formatted with ``fmt``."""
    return LABELS[check_lang(lang)][key].format(**fmt)


def heading(key: str, lang: str = "zh", level: int = 2, **fmt: Any) -> str:
    """An HTML heading; ``fmt`` values are escaped."""
    text = HEADINGS[check_lang(lang)][key].format(**{k: html.escape(str(v)) for k, v in fmt.items()})
    return f"<h{level}>{text}</h{level}>"


# ---------------------------------------------------------------------- number formatting
def is_missing(x: Any) -> bool:
    """None, NaN or anything that is not a number counts as missing."""
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def fmt_value(v: Any, unit: str = "", lang: str = "zh") -> str:
    """A level with its unit: ``49家``, ``12.35亿元``, ``2.45%`` (``—`` when missing)."""
    if is_missing(v):
        return "—"
    v = float(v)
    if unit == "%":
        num = f"{v:,.2f}".rstrip("0").rstrip(".")
        return f"{num}%"
    if unit in COUNT_UNITS:
        num = f"{v:,.0f}" if abs(v) >= 10 or float(v).is_integer() else f"{v:,.1f}"
    elif abs(v) >= 1000:
        num = f"{v:,.0f}"
    elif abs(v) >= 100:
        num = f"{v:,.1f}"
    else:
        num = f"{v:,.2f}".rstrip("0").rstrip(".") if v != 0 else "0"
    sep = "" if lang == "zh" or not unit else " "
    return f"{num}{sep}{unit}"


def fmt_prob(p: Any) -> str:
    """A probability in percent: ``37%``, ``<1%``, ``>99%``."""
    if is_missing(p):
        return "—"
    p = float(p)
    if 0 < p < 0.01:
        return "<1%"
    if 0.99 < p < 1:
        return ">99%"
    return f"{100 * p:.0f}%"


def fmt_change(x: Any, scale: str = "log", lang: str = "zh") -> str:
    """A change on the model scale, readable: log ratio → ``+104.1%``; points → ``+0.50个百分点``."""
    if is_missing(x):
        return "—"
    x = float(x)
    if scale == "log":
        return f"{100 * math.expm1(x):+,.1f}%"
    return f"{x:+.2f}" + ("个百分点" if lang == "zh" else " pp")


def fmt_rate(x: Any, scale: str = "log", lang: str = "zh") -> str:
    """A required/observed annual rate: fraction per year (``+104.1%/年``) or pp per year."""
    if is_missing(x):
        return "—"
    x = float(x)
    per = "/年" if lang == "zh" else "/yr"
    if scale == "log":
        return f"{100 * x:+,.1f}%{per}"
    return f"{x:+.2f}" + ("个百分点" if lang == "zh" else " pp") + per


def fmt_annual_change(x: Any, scale: str = "log", lang: str = "zh") -> str:
    """An annual change on the model scale (log ratio or pp) as a rate per year."""
    if is_missing(x):
        return "—"
    return fmt_rate(math.expm1(float(x)) if scale == "log" else float(x), scale, lang)


def verdict_badge(verdict: str, lang: str = "zh") -> str:
    """A coloured HTML badge for a verdict code."""
    zh, en, colour = VERDICTS.get(verdict, (verdict, verdict, "#999999"))
    text = zh if lang == "zh" else en
    fg = "#000" if verdict in ("stretch", "insufficient_data") else "#fff"
    return (f'<span class="verdict" style="background:{colour};color:{fg};padding:2px 8px;'
            f'border-radius:4px;white-space:nowrap">{html.escape(text)}</span>')


def model_name(model: str | None, lang: str = "zh") -> str:
    return MODEL_NAMES[check_lang(lang)].get(model, str(model))


# ---------------------------------------------------------------------- prose
def headline(a: Assessment, lang: str = "zh") -> str:
    """The verdict paragraph of a target report (HTML)."""
    e = html.escape
    ind = e(a.indicator_zh or a.indicator)
    region = e(a.region)
    base = fmt_value(a.baseline_value, a.unit, lang)
    tgt = fmt_value(a.target_value, a.unit, lang)
    parts: list[str] = []
    if lang == "zh":
        if a.baseline_year is not None and a.baseline_value is not None:
            parts.append(f"{region}计划{ind}由{a.baseline_year}年的<b>{base}</b>提高到{a.target_year}年的<b>{tgt}</b>")
        else:
            parts.append(f"{region}计划{ind}在{a.target_year}年达到<b>{tgt}</b>")
        if a.required_change is not None:
            parts[-1] += (f"，{a.horizon}年累计变化{fmt_change(a.required_change, a.scale, lang)}，"
                          f"需年均{fmt_rate(a.required_cagr, a.scale, lang)}。")
        else:
            parts[-1] += "。"
        if a.verdict == "error":
            parts.append("该目标无法评估：" + e("; ".join(a.notes) or "目标无效") + "。")
        elif a.p_meet is None:
            parts.append("现有数据不足以估计达成概率，以上仅为所需增速的算术结果。")
        else:
            parts.append(f"按{e(model_name(a.model, lang))}估计，达成概率约为<b>{fmt_prob(a.p_meet)}</b>，"
                         f"结论：{verdict_badge(a.verdict, lang)}。")
            if a.level_p50 is not None:
                parts.append(f"现实的{a.target_year}年目标：有80%把握达到<b>{fmt_value(a.level_p80, a.unit, lang)}</b>，"
                             f"有50%把握达到<b>{fmt_value(a.level_p50, a.unit, lang)}</b>。")
        if a.outcome_value is not None:
            met = {True: "已达成", False: "未达成", None: "无法判断"}[a.met]
            parts.append(f"实际结果：{a.target_year}年为{fmt_value(a.outcome_value, a.unit, lang)}（{met}）。")
    else:
        if a.baseline_year is not None and a.baseline_value is not None:
            parts.append(f"{region} plans to raise {ind} from <b>{base}</b> ({a.baseline_year}) to "
                         f"<b>{tgt}</b> ({a.target_year})")
        else:
            parts.append(f"{region} plans {ind} of <b>{tgt}</b> in {a.target_year}")
        if a.required_change is not None:
            parts[-1] += (f": {fmt_change(a.required_change, a.scale, lang)} over {a.horizon} year(s), "
                          f"{fmt_rate(a.required_cagr, a.scale, lang)} on average.")
        else:
            parts[-1] += "."
        if a.verdict == "error":
            parts.append("The target cannot be assessed: " + e("; ".join(a.notes) or "invalid target") + ".")
        elif a.p_meet is None:
            parts.append("The data are not enough to estimate a probability; only the required growth is shown.")
        else:
            parts.append(f"The {e(model_name(a.model, lang))} gives a probability of <b>{fmt_prob(a.p_meet)}</b>: "
                         f"{verdict_badge(a.verdict, lang)}.")
            if a.level_p50 is not None:
                parts.append(f"A realistic {a.target_year} target: <b>{fmt_value(a.level_p80, a.unit, lang)}</b> with 80% "
                             f"and <b>{fmt_value(a.level_p50, a.unit, lang)}</b> with 50% probability.")
        if a.outcome_value is not None:
            met = {True: "met", False: "not met", None: "unknown"}[a.met]
            parts.append(f"Outcome: {fmt_value(a.outcome_value, a.unit, lang)} in {a.target_year} ({met}).")
    quote = f'<blockquote class="quote">{e(a.quote)}</blockquote>' if a.quote else ""
    return f'<div class="headline"><p>{" ".join(parts)}</p>{quote}</div>'


def _table(rows: Iterable[tuple[str, str]], cls: str = "kv") -> str:
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="{cls}">{body}</table>'


def requirements_table(a: Assessment, lang: str = "zh") -> str:
    """What it takes: required change and CAGR against the region's own record and the peers."""
    zh = lang == "zh"
    pct = "—" if a.required_percentile is None else (
        f"第{a.required_percentile:.0f}百分位" if zh else f"{a.required_percentile:.0f}th percentile")
    rows = [
        ("所需累计变化" if zh else "required total change", fmt_change(a.required_change, a.scale, lang)),
        ("所需年均增速" if zh else "required annual rate", fmt_rate(a.required_cagr, a.scale, lang)),
        ("自身年均变化" if zh else "own mean annual change", fmt_annual_change(a.own_mean_change, a.scale, lang)),
        ("自身最好年份" if zh else "own best year", fmt_annual_change(a.own_max_change, a.scale, lang)),
        ("在同类变化中的位置" if zh else "among peers' changes", pct),
    ]
    if a.eurostat_ratio is not None:
        rows.append(("近年实际/所需增速（Eurostat）" if zh else "observed / required rate (Eurostat)",
                     f"{a.eurostat_ratio:.2f} ({html.escape(eurostat_label(a.eurostat_category, lang))})"))
    return _table(rows)


_CLASS_ZH = (
    ("same level (province) and parent", "同级（省级）且同上级"), ("same level (city) and parent", "同级（地级市）且同上级"),
    ("same level (county) and parent", "同级（县级）且同上级"), ("same level (district) and parent", "同级（区）且同上级"),
    ("same level (province)", "同级（省级）"), ("same level (city)", "同级（地级市）"),
    ("same level (county)", "同级（县级）"), ("same level (district)", "同级（区）"), ("all levels", "所有层级"),
    ("fewer than 20 windows", "窗口不足20个"),
    ("unconditional (too few windows to condition on size)", "未按规模条件化（窗口太少）"),
)


def reference_class_label(text: str | None, lang: str = "zh") -> str:
    """The engine's reference-class description, in Chinese for ``lang='zh'``."""
    if not text:
        return "—"
    if lang != "zh":
        return text
    for en, zh in _CLASS_ZH:
        text = text.replace(en, zh)
    return text.replace("; ", "；")


def eurostat_label(code: str | None, lang: str = "zh") -> str:
    """Label of a Eurostat-style progress category."""
    from analysis.models.verdict import EUROSTAT_CATEGORIES

    zh, en = EUROSTAT_CATEGORIES.get(code or "", (code or "", code or ""))
    return zh if lang == "zh" else en


def probability_table(a: Assessment, lang: str = "zh") -> str:
    """P(meet) by model and the evidence behind it; the headline model is marked."""
    zh = lang == "zh"
    rows = []
    for key, p in (("pooled", a.p_pooled), ("peers", a.p_peers), ("own", a.p_own), ("count", a.p_count)):
        if p is None and key == "count":
            continue
        mark = " ◀" if a.model == key else ""
        rows.append((html.escape(model_name(key, lang)), fmt_prob(p) + mark))
    ref = html.escape(reference_class_label(a.reference_class, lang))
    rows.append(("参照组" if zh else "reference class", ref))
    if a.n_peer_windows:
        met = "—" if a.n_peer_met is None else str(a.n_peer_met)
        rows.append(("同类窗口达到目标增幅" if zh else "peer windows that did it",
                     f"{met} / {a.n_peer_windows}" + (f"（{a.n_peer_regions}个地区）" if zh and a.n_peer_regions else
                                                      (f" ({a.n_peer_regions} regions)" if a.n_peer_regions else ""))))
    rows.append(("自身历史变化数" if zh else "own annual changes", str(a.n_own_changes or 0)))
    rows.append(("截至年份（无前视）" if zh else "data as of (no look-ahead)", str(a.as_of or "—")))
    return _table(rows)


def levels_table(a: Assessment, lang: str = "zh") -> str:
    zh = lang == "zh"
    rows = [
        ((f"{a.baseline_year}年基期" if zh else f"baseline {a.baseline_year}"), fmt_value(a.baseline_value, a.unit, lang)),
        (label("level_p80", lang), fmt_value(a.level_p80, a.unit, lang)),
        (label("level_p50", lang), fmt_value(a.level_p50, a.unit, lang)),
        ((f"{a.target_year}年目标" if zh else f"target {a.target_year}"), fmt_value(a.target_value, a.unit, lang)),
    ]
    if a.outcome_value is not None:
        rows.append((label("outcome", lang), fmt_value(a.outcome_value, a.unit, lang)))
    return _table(rows)


_URL = re.compile(r"^https?://[^\s<>\"']+$")


def source_link(source: Any) -> str:
    """A link for an http(s) URL, escaped text for anything else (e.g. a seed file name)."""
    s = "" if is_missing(source) and not isinstance(source, str) else str(source)
    if _URL.match(s):
        short = s if len(s) <= 60 else s[:57] + "…"
        return f'<a href="{html.escape(s, quote=True)}" rel="noopener noreferrer">{html.escape(short)}</a>'
    return html.escape(s)


def sources_table(frame: pd.DataFrame | None, unit: str = "", lang: str = "zh") -> str:
    """Every value used, with its source (linked) and the verbatim quote (and region, if a column)."""
    zh = lang == "zh"
    if frame is None or len(frame) == 0:
        return f"<p>{label('no_data', lang)}</p>"
    with_region = "region" in frame.columns
    heads = (["年份", "数值", "限定", "可靠性", "来源", "原文"] if zh else
             ["year", "value", "qualifier", "reliability", "source", "quote"])
    if with_region:
        heads = [label("region", lang)] + heads
    out = ["<table class='sources'><thead><tr>" + "".join(f"<th>{h}</th>" for h in heads) + "</tr></thead><tbody>"]
    for _, r in frame.iterrows():
        derived = bool(r.get("derived", False)) if not is_missing(r.get("derived", 0)) else False
        qual = html.escape(str(r.get("qualifier", "") or "")) + (" · derived" if derived else "")
        year = "" if is_missing(r.get("year")) else str(int(r.get("year")))
        region = f"<td class='region'>{html.escape(str(r.get('region', '')))}</td>" if with_region else ""
        out.append(
            f"<tr>{region}<td>{year}</td><td class='num'>{fmt_value(r.get('value'), unit, lang)}</td><td>{qual}</td>"
            f"<td>{html.escape(str(r.get('reliability', '') or ''))}</td><td>{source_link(r.get('source', ''))}</td>"
            f"<td class='quote'>{html.escape(str(r.get('quote', '') or ''))}</td></tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def notes_list(notes: Iterable[str], lang: str = "zh") -> str:
    items = [f"<li>{html.escape(str(n))}</li>" for n in notes]
    if not items:
        return "<p>" + ("无" if lang == "zh" else "none") + "</p>"
    return "<ul class='notes'>" + "".join(items) + "</ul>"


def method_note(lang: str = "zh") -> str:
    """A short description of the models (same for every report)."""
    if lang == "zh":
        return (
            "<p>计数与金额指标在对数尺度上建模（变化即增长率），比重与比率指标按百分点建模。"
            "<b>自身趋势</b>：基期及以前本地区年度变化的带漂移随机游走；"
            "<b>同类地区</b>：同一指标、同一行政层级在基期以前所有同长度窗口的变化，按起点规模做分位回归；"
            "<b>合并模型</b>：年度变化的分层混合模型（地区随机效应、共同年份冲击），蒙特卡洛模拟到目标年；"
            "小数值（含零基数）使用负二项计数模型。所有模型只使用截至基期的数据（无前视）。"
            "结论分级：达成概率 ≥50% 可实现，20–50% 有挑战，5–20% 难度大，&lt;5% 基本不可能。</p>"
        )
    return (
        "<p>Counts and amounts are modelled on the log scale (changes are growth rates), shares and rates in "
        "percentage points. <b>Own trend</b>: random walk with drift on the region's annual changes up to the "
        "baseline; <b>peers</b>: every window of the same length, indicator and level before the baseline, "
        "quantile regression on the starting size; <b>pooled</b>: mixed model of annual changes (region random "
        "effect, common year shocks), Monte Carlo to the target year; small counts (including zero baselines) use "
        "a negative binomial count model. Only data up to the baseline are used (no look-ahead). Verdicts: "
        "P ≥ 50% on track, 20–50% stretch, 5–20% unlikely, &lt;5% implausible.</p>"
    )


# ---------------------------------------------------------------------- city scorecard
def record_scale(r: Mapping[str, Any]) -> str:
    """The model scale of an assessment record: its ``scale`` field, else guessed from kind/unit."""
    if r.get("scale") in ("log", "points"):
        return str(r["scale"])
    return "points" if r.get("kind") in ("share", "rate") or (not r.get("kind") and r.get("unit") == "%") else "log"


def scorecard_table(results: pd.DataFrame, lang: str = "zh") -> str:
    """One row per target of a city (a frame of ``Assessment.to_record()`` rows)."""
    zh = lang == "zh"
    heads = (["目标", "指标", "基期 → 目标", "所需年均增速", "达成概率", "结论", "说明"] if zh else
             ["target", "indicator", "baseline → target", "required rate", "P(meet)", "verdict", "notes"])
    out = ["<table class='scorecard'><thead><tr>" + "".join(f"<th>{h}</th>" for h in heads) + "</tr></thead><tbody>"]
    for r in results.to_dict(orient="records"):
        unit = str(r.get("unit") or "")
        scale = record_scale(r)
        base = "" if is_missing(r.get("baseline_value")) else (
            f"{fmt_value(r.get('baseline_value'), unit, lang)}（{_year(r.get('baseline_year'))}）" if zh else
            f"{fmt_value(r.get('baseline_value'), unit, lang)} ({_year(r.get('baseline_year'))})")
        tgt = (f"{fmt_value(r.get('target_value'), unit, lang)}（{_year(r.get('target_year'))}）" if zh else
               f"{fmt_value(r.get('target_value'), unit, lang)} ({_year(r.get('target_year'))})")
        notes = r.get("notes") or []
        notes = notes if isinstance(notes, list) else [str(notes)]
        out.append(
            f"<tr><td>{html.escape(str(r.get('target_id', '')))}</td>"
            f"<td>{html.escape(str(r.get('indicator_zh') or r.get('indicator') or ''))}</td>"
            f"<td>{base + ' → ' if base else ''}{tgt}</td>"
            f"<td>{fmt_rate(r.get('required_cagr'), scale, lang)}</td><td>{fmt_prob(r.get('p_meet'))}</td>"
            f"<td>{verdict_badge(str(r.get('verdict', 'insufficient_data')), lang)}</td>"
            f"<td class='notes'>{html.escape('; '.join(map(str, notes[:2])))}</td></tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def verdict_counts(results: pd.DataFrame, lang: str = "zh") -> str:
    """``可实现 3 · 有挑战 1 …`` as badges."""
    if results.empty:
        return ""
    counts = results["verdict"].value_counts()
    total = f"{len(results)} 个目标：" if lang == "zh" else f"{len(results)} targets: "
    return total + " ".join(f"{verdict_badge(v, lang)} {int(counts[v])}" for v in VERDICTS if v in counts.index)


def _year(x: Any) -> str:
    return "" if is_missing(x) else str(int(float(x)))


def frame_html(frame: pd.DataFrame, float_format: str = "{:,.3f}") -> str:
    """A DataFrame as an escaped HTML table (for generic tables in the notebooks)."""
    def cell(v: Any) -> str:
        if isinstance(v, (float, np.floating)):
            return "—" if math.isnan(v) else float_format.format(v)
        return html.escape(str(v))

    heads = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    return f"<table class='frame'><thead><tr>{heads}</tr></thead><tbody>{rows}</tbody></table>"


def summary_record(a: Assessment) -> dict[str, Any]:
    """The JSON-ready record a target report publishes for the index (contract fields + extras)."""
    return a.to_record()


def target_block(a: Assessment, lang: str = "zh") -> str:
    """A compact block for one target inside a city report: id, verdict paragraph, notes."""
    return f"<h4>{html.escape(a.target_id)}</h4>" + headline(a, lang) + notes_list(a.notes, lang)


def panel_intro(n_regions: int, n_values: int, unit: str, lang: str = "zh") -> str:
    if lang == "zh":
        return f"<p>{n_regions} 个地区，{n_values} 个有来源的数值（单位：{html.escape(unit)}）。</p>"
    return f"<p>{n_regions} regions, {n_values} sourced values (unit: {html.escape(unit)}).</p>"


def backtest_note(lang: str = "zh") -> str:
    """What the backtest scores mean."""
    if lang == "zh":
        return ("<p>滚动起点回测：对每个地区和起点年份，只用起点及以前的数据（同类地区也一样）预测 h 年后的水平。"
                "CRPS 衡量整个预测分布的误差（越低越好）；覆盖率是实际值落入 50/80/95% 预测区间的比例，应接近名义水平；"
                "Brier 分数针对“h 年增长至少 10/20/50/100%”这类目标事件（越低越好）。"
                "no_change、drift 为基准模型。</p>")
    return ("<p>Rolling origin: for every region and origin year, only data up to the origin (peers too) forecast the "
            "level h years later. CRPS scores the whole predictive distribution (lower is better); coverage is the "
            "share of outcomes inside the 50/80/95% intervals and should match the nominal level; Brier scores are "
            "for target-like events (growth of at least 10/20/50/100% over h years; lower is better). no_change and "
            "drift are baselines.</p>")
