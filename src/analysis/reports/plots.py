"""Report charts: each function takes an Assessment or DataFrames and returns a matplotlib Figure.

Call :func:`analysis.reports.fonts.setup_plotting` first (the notebooks do) so Chinese labels
render. Labels come in Chinese or English (``lang``); values carry their units. A chart whose
data are missing says so on the canvas instead of failing: a report is still produced.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analysis.assessment import VERDICTS, Assessment
from analysis.reports.chart_layout import MarginLayout
from analysis.reports.numbers import AMOUNT_UNITS, COUNT_UNITS, fmt_change, fmt_prob, fmt_value
from analysis.reports.figures import (BAND_COLOUR, _empty, _figure, figure_png, palette_png, show,  # noqa: F401
                                     wrap_title)
from analysis.reports.words import indicator_name, label, region_name, t, unit_name, verdict_label

TARGET_COLOUR = "#d62728"
HISTORY_COLOUR = "#222222"

_QUALIFIER_MARKERS = {"exact": "o", "approx": "D", "at_least": "^", "at_most": "v"}


def _unit_label(name: str, unit: str, lang: str) -> str:
    """An axis title with its unit; amounts leave the unit to the tick labels (they pick 万/亿 or m/bn)."""
    unit = "" if unit in AMOUNT_UNITS else unit_name(unit, lang)
    return f"{name}（{unit}）" if lang == "zh" and unit else (f"{name} ({unit})" if unit else name)


def has_chart_data(a: Assessment) -> bool:
    """A fan chart needs a history or a forecast; a target alone gives no chart (no 1925–2100 axis)."""
    hist_ok = a.history is not None and not a.history.empty
    fan_ok = a.fan is not None and not a.fan.dropna(subset=["q50"]).empty if a.fan is not None else False
    return bool(hist_ok or fan_ok)


@lru_cache(maxsize=4096)
def tick_value(v: float, unit: str, lang: str) -> str:
    """:func:`fmt_value` of a tick, memoised: a layout pass formats the same ticks several times.

    Example: ``tick_value(100.0, "家", "zh") == fmt_value(100.0, "家", "zh")``.
    """
    return fmt_value(v, unit, lang)


def _value_axis(ax, unit: str, lang: str) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: tick_value(float(v), unit, lang)))
    if unit in COUNT_UNITS:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def _year_axis(ax) -> None:
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{int(v)}"))


# ---------------------------------------------------------------------- target charts
def fan_chart(a: Assessment, lang: str = "zh") -> Figure:
    """History points, predictive 50/80/95 % bands from the baseline to the target year, the target."""
    fig, ax = _figure()
    draw_fan(ax, a, lang)
    return fig


def fan_grid(assessments: Sequence[Assessment], lang: str = "zh", ncols: int = 2) -> Figure:
    """Small multiples of fan charts (one panel per target), e.g. for a city scorecard."""
    n = max(1, len(assessments))
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(5.2 * ncols, 3.4 * nrows), layout=MarginLayout())
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, a in zip(axes, assessments):
        draw_fan(ax, a, lang, small=True)
    for ax in axes[len(assessments):]:
        ax.set_axis_off()
    if not assessments:
        _empty(axes[0], lang, shrink=False)
    return fig


def draw_fan(ax, a: Assessment, lang: str = "zh", small: bool = False) -> None:
    """Draw a fan chart of ``a`` into ``ax`` (``small``: compact title, no legend)."""
    ind = indicator_name(a.indicator, a.indicator_zh, lang)
    year = "" if a.target_year is None else a.target_year
    title = (f"{ind}（{year}）" if lang == "zh" else f"{ind} ({year})") if small else \
        label("fan_title", lang, region=region_name(a.region, lang), indicator=ind)
    hist = a.history if a.history is not None else pd.DataFrame(columns=["year", "value"])
    fan = a.fan
    if not has_chart_data(a):
        _empty(ax, lang, title, shrink=not small)
        return
    if not hist.empty:
        qual = hist["qualifier"] if "qualifier" in hist else pd.Series("exact", index=hist.index)
        derived = hist["derived"].fillna(False).astype(bool) if "derived" in hist else pd.Series(False, index=hist.index)
        ax.plot(hist["year"], hist["value"], color=HISTORY_COLOUR, lw=1, alpha=0.5, zorder=2)
        legend_keys = {"exact": "history", "approx": "history_approx", "at_least": "history_bound",
                       "at_most": "history_bound"}
        for q, marker in _QUALIFIER_MARKERS.items():
            sel = (qual == q) & ~derived
            if sel.any():
                ax.scatter(hist.loc[sel, "year"], hist.loc[sel, "value"], marker=marker, s=36, color=HISTORY_COLOUR,
                           zorder=4, label=label(legend_keys[q], lang))
        if derived.any():
            ax.scatter(hist.loc[derived, "year"], hist.loc[derived, "value"], marker="o", s=36, facecolor="white",
                       edgecolor=HISTORY_COLOUR, zorder=4, label=label("history_derived", lang))
    if fan is not None and not fan.empty:
        f = fan.dropna(subset=["q50"])
        if len(f) >= 2:
            for lo, hi, alpha, key in (("q05", "q95", 0.15, "band95"), ("q10", "q90", 0.25, "band80"),
                                       ("q25", "q75", 0.4, "band50")):
                ax.fill_between(f["year"], f[lo], f[hi], color=BAND_COLOUR, alpha=alpha, lw=0, label=label(key, lang))
            ax.plot(f["year"], f["q50"], color=BAND_COLOUR, lw=2, label=label("median", lang))
        elif len(f) == 1:  # only the horizon: an interval at the target year
            r = f.iloc[0]
            ax.errorbar([r["year"]], [r["q50"]], yerr=[[r["q50"] - r["q05"]], [r["q95"] - r["q50"]]], fmt="s",
                        color=BAND_COLOUR, capsize=4, label=label("band95", lang))
    if a.baseline_value is not None and a.baseline_year is not None:
        ax.scatter([a.baseline_year], [a.baseline_value], marker="o", s=70, facecolor="none", edgecolor=BAND_COLOUR,
                   lw=2, zorder=5, label=f"{label('baseline', lang)} {fmt_value(a.baseline_value, a.unit, lang)}")
    if a.target_value is not None and a.target_year is not None:
        ax.scatter([a.target_year], [a.target_value], marker="*", s=260, color=TARGET_COLOUR, zorder=6,
                   label=f"{label('target', lang)} {fmt_value(a.target_value, a.unit, lang)}")
    if a.outcome_value is not None and a.target_year is not None:
        ax.scatter([a.target_year], [a.outcome_value], marker="X", s=90, color="#2ca02c", zorder=6,
                   label=f"{label('outcome', lang)} {fmt_value(a.outcome_value, a.unit, lang)}")
    ax.set_title(wrap_title(title, lang, ax.figure.get_figwidth() / (2 if small else 1), 10 if small else 12),
                 fontsize=10 if small else None)
    ax.set_xlabel("" if small else label("year", lang))
    short = ind if len(ind) <= 32 else ind[:31] + "…"  # long English names would overflow the axis
    ax.set_ylabel(_unit_label("", a.unit, lang).strip("（）() ") if small else _unit_label(short, a.unit, lang))
    _year_axis(ax)
    _value_axis(ax, a.unit, lang)
    if not small:
        ax.legend(loc="upper left", fontsize=8, frameon=True)


_NICE_GROWTH = (-0.9, -0.75, -0.5, -0.25, -0.1, 0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0)


def _growth_ticks(ax, scale: str) -> None:
    """On the log scale, put ticks at round growth percentages (−50%, 0%, +25%, +100% …)."""
    ax.xaxis.set_major_formatter(_change_formatter(scale))
    if scale != "log":
        return
    lo, hi = ax.get_xlim()
    ticks = [math.log1p(g) for g in _NICE_GROWTH if lo <= math.log1p(g) <= hi]
    if len(ticks) >= 3:
        ax.set_xticks(ticks)


def _change_formatter(scale: str) -> FuncFormatter:
    if scale == "log":
        return FuncFormatter(lambda x, _: f"{100 * math.expm1(x):+.0f}%")
    return FuncFormatter(lambda x, _: f"{x:+.1f}")


def peer_distribution(a: Assessment, lang: str = "zh") -> Figure:
    """Histogram of peers' h-year changes (model scale, % labels) with the required change marked."""
    fig, ax = _figure(7.5, 3.8)
    h = a.horizon or 1
    title = label("peer_title", lang, h=h)
    changes = np.asarray(a.peer_changes if a.peer_changes is not None else [], dtype=float)
    changes = changes[np.isfinite(changes)]
    if changes.size == 0:
        _empty(ax, lang, title)
        return fig
    req = a.required_change
    lo, hi = np.quantile(changes, [0.0, 1.0])
    if req is not None and np.isfinite(req):
        lo, hi = min(lo, req), max(hi, req)
    pad = 0.05 * (hi - lo or 1.0)
    bins = np.linspace(lo - pad, hi + pad, min(40, max(10, changes.size // 4)) + 1)
    ax.hist(changes, bins=bins, color="#8c9fb8", edgecolor="white")
    if req is not None and np.isfinite(req):
        ax.axvspan(req, bins[-1], color=TARGET_COLOUR, alpha=0.08)
        ax.axvline(req, color=TARGET_COLOUR, lw=2.5,
                   label=f"{label('required', lang)} {fmt_change(req, a.scale, lang)}")
    if a.n_peer_windows:
        met = a.n_peer_met if a.n_peer_met is not None else int((changes >= (req if req is not None else np.inf)).sum())
        ax.text(0.98, 0.95, label("peers_met", lang, met=met, n=a.n_peer_windows), transform=ax.transAxes,
                ha="right", va="top", fontsize=9, bbox={"facecolor": "white", "alpha": 0.8, "lw": 0})
    _growth_ticks(ax, a.scale)
    key = "peer_x_log" if a.scale == "log" else "peer_x_points"
    ax.set_xlabel(label(key, lang, h=h))
    ax.set_ylabel(label("peer_count", lang))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # windows are counted: no 0.5 of a window
    ax.set_title(title, fontsize=10)  # the class is long: it goes under the chart (peer_caption)
    if req is not None:
        ax.legend(loc="upper left", fontsize=8)
    return fig


def peer_caption(a: Assessment, lang: str = "zh") -> str:
    """The peer chart's caption: the class of the windows it draws (``""`` without one).

    The histogram draws the same-indicator, same-level peer windows, which is not always the
    class behind the headline (rung B or C pools levels or indicators), so the caption names
    the windows drawn, not the headline's class.

    Example: ``peer_caption(a, "en")`` starts with ``"same indicator"``.
    """
    from analysis.reports.words import reference_class_label

    return reference_class_label(a.peer_class, lang) if a.peer_class else ""


def levels_caption(a: Assessment, lang: str = "zh") -> str:
    """The realistic-levels chart's caption: empty, unless the probability was withheld as not
    calibrated; then the levels are the same uncalibrated forecast and the caption says so.

    Example: ``levels_caption(a, "en") == ""`` for a target with a calibrated P.
    """
    from analysis.reports.prose import is_withheld

    if is_withheld(a):
        return label("levels_uncalibrated", lang)
    return ""


def realistic_levels(a: Assessment, lang: str = "zh") -> Figure:
    """Horizontal bars: baseline, the levels reached with 80 % and 50 % probability, and the target."""
    fig, ax = _figure(7.5, 3.0)
    year = a.target_year or ""
    title = label("levels_title", lang, year=year)
    items = [
        (f"{label('baseline', lang)} {a.baseline_year or ''}", a.baseline_value, "#9e9e9e"),
        (label("level_p80", lang), a.level_p80, "#6baed6"),
        (label("level_p50", lang), a.level_p50, BAND_COLOUR),
        (f"{label('target', lang)} {year}", a.target_value, a.verdict_colour if a.p_meet is not None else TARGET_COLOUR),
    ]
    if a.outcome_value is not None:
        items.append((label("outcome", lang), a.outcome_value, "#2ca02c"))
    items = [(n, float(v), c) for n, v, c in items if v is not None and np.isfinite(v)]
    if len(items) < 2 or a.level_p50 is None:
        _empty(ax, lang, title)
        return fig
    names, values, colours = zip(*items)
    pos = np.arange(len(values))[::-1]
    ax.barh(pos, values, color=colours, height=0.6)
    vmax = max(values)
    for y, v in zip(pos, values):
        ax.text(v + 0.01 * vmax, y, fmt_value(v, a.unit, lang), va="center", fontsize=9)
    ax.set_yticks(pos, names)
    ax.set_xlim(0 if min(values) >= 0 else min(values) * 1.1, vmax * 1.15)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: tick_value(float(v), a.unit, lang)))
    ax.set_title(title)
    return fig


# ---------------------------------------------------------------------- city and panel charts
def city_scorecard(results: pd.DataFrame, region: str = "", lang: str = "zh", max_rows: int = 40) -> Figure:
    """P(meet) of a city's targets as bars coloured by verdict (0–100 %, cut-points 5/20/50 % marked).

    Only targets with a probability are drawn (at most ``max_rows``, lowest first); the others
    (insufficient data, invalid) are counted in a footnote — the scorecard table lists them all.
    """
    from analysis.reports.goals import fold_goals

    title = label("scorecard_title", lang, region=region_name(region, lang))
    if not results.empty:  # one bar per goal: restated rows share the lead row's P
        results = pd.DataFrame([{**g["lead"], "p_meet": g["p_meet"], "verdict": g["verdict"]}
                                for g in fold_goals(results)])
    p_all = pd.to_numeric(results["p_meet"], errors="coerce") if "p_meet" in results else pd.Series(dtype=float)
    rows = results[p_all.notna()].assign(_p=p_all[p_all.notna()]).sort_values("_p").head(max_rows)
    n, left_out = len(rows), len(results) - len(rows)
    fig, ax = _figure(7.5, max(2.5, 0.42 * n + 1.4))
    if left_out:
        note = t("{n} more goal(s) without a probability (insufficient data or invalid): see the table", lang,
                 n=left_out)
        fig.text(0.01, 0.005, note, fontsize=8, color="#555555", ha="left", va="bottom")
    if n == 0:
        _empty(ax, lang, title)
        return fig
    rows = rows.reset_index(drop=True)
    names = []
    for r in rows.to_dict(orient="records"):
        ind = indicator_name(r.get("indicator"), r.get("indicator_zh"), lang) or str(r.get("target_id"))
        year = r.get("target_year")
        ind = ind if len(ind) <= 16 else ind[:15] + "…"
        names.append((f"{ind}（{int(year)}）" if lang == "zh" else f"{ind} ({int(year)})")
                     if year is not None and not pd.isna(year) else ind)
    p = pd.to_numeric(rows["p_meet"], errors="coerce").to_numpy(float)
    colours = [VERDICTS.get(v, VERDICTS["insufficient_data"])[2] for v in rows["verdict"]]
    pos = np.arange(n)[::-1]
    ax.barh(pos, np.nan_to_num(p, nan=0.0), color=colours, height=0.65, edgecolor="#555555", lw=0.5)
    for y, pv, v in zip(pos, p, rows["verdict"]):
        text = fmt_prob(pv) if np.isfinite(pv) else verdict_label(v, lang)
        ax.text((pv if np.isfinite(pv) else 0) + 0.01, y, text, va="center", fontsize=9)
    for cut in (0.05, 0.2, 0.5):
        ax.axvline(cut, color="#777777", lw=0.8, ls="--")
    ax.set_yticks(pos, names)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlim(0, 1.08)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
    ax.set_xlabel(label("p_meet", lang))
    ax.set_title(title)
    return fig


def coverage_heatmap(grid: pd.DataFrame, indicator: str = "", lang: str = "zh", max_rows: int = 60) -> Figure:
    """Region × year grid of the number of sourced values (``coverage_grid`` output)."""
    import seaborn as sns

    title = label("coverage_title", lang, indicator=indicator)
    if grid is None or grid.empty:
        fig, ax = _figure(7.5, 2.5)
        _empty(ax, lang, title)
        return fig
    g = grid.copy()
    if "total" in g.columns:
        g = g.sort_values("total", ascending=False).head(max_rows).drop(columns="total")
    g.index = [region_name(idx[-1] if isinstance(idx, tuple) else idx, lang) for idx in g.index]
    fig, ax = _figure(min(12.0, 2.5 + 0.35 * g.shape[1]), min(16.0, 1.5 + 0.28 * g.shape[0]))
    sns.heatmap(g, ax=ax, cmap="Blues", cbar_kws={"label": label("peer_count", lang) if False else ""},
                linewidths=0.3, linecolor="white", annot=g.shape[0] * g.shape[1] <= 300, fmt="d", vmin=0)
    ax.set_xlabel(label("year", lang))
    ax.set_ylabel(label("region", lang))
    ax.set_title(title)
    return fig


def latest_levels(levels: pd.DataFrame, indicator: str = "", unit: str = "", year: int | None = None,
                  lang: str = "zh", top: int = 30) -> Figure:
    """Bars of the latest level of each region (``levels``: region, year, value)."""
    yr = year if year is not None else (int(levels["year"].max()) if not levels.empty else "")
    title = label("levels_rank_title", lang, indicator=indicator, year=yr, unit=unit_name(unit, lang) or "—")
    if levels.empty:
        fig, ax = _figure(7.5, 2.5)
        _empty(ax, lang, title)
        return fig
    d = levels.sort_values("value", ascending=False).head(top)
    fig, ax = _figure(7.5, max(2.5, 0.3 * len(d) + 1.0))
    pos = np.arange(len(d))[::-1]
    ax.barh(pos, d["value"], color=BAND_COLOUR)
    labels = [f"{region_name(r, lang)} ({int(y)})" if year is None and y != yr else region_name(r, lang)
              for r, y in zip(d["region"], d["year"])]
    ax.set_yticks(pos, labels)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: tick_value(float(v), unit, lang)))
    ax.set_title(title)
    return fig


def growth_distribution(changes: pd.DataFrame, indicator: str = "", scale: str = "log", lang: str = "zh",
                        by: str | None = "level") -> Figure:
    """Distribution of annual changes (``changes``: region, year, change on the model scale[, level])."""
    import seaborn as sns

    fig, ax = _figure(7.5, 3.8)
    title = label("growth_title", lang, indicator=indicator)
    if changes.empty:
        _empty(ax, lang, title)
        return fig
    hue = by if by and by in changes and changes[by].nunique() > 1 else None
    lo, hi = np.quantile(changes["change"], [0.01, 0.99])
    d = changes[(changes["change"] >= lo) & (changes["change"] <= hi)]
    sns.histplot(data=d, x="change", hue=hue, ax=ax, bins=30, element="step", stat="count", common_norm=False)
    _growth_ticks(ax, scale)
    ax.set_xlabel(label("growth_x_log" if scale == "log" else "growth_x_points", lang))
    ax.set_ylabel(label("peer_count", lang))
    ax.set_title(title)
    return fig


# the backtest charts live in their own module; re-exported so notebooks call plots.crps_by_model(...)
from analysis.reports.backtest_plots import crps_by_model, interval_coverage, reliability_diagram  # noqa: E402,F401
