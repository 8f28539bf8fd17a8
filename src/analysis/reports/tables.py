"""HTML tables of the reports (what it takes, probability, levels, sources, scorecard, generic frames).

Every string from the data is escaped here; labels come from the catalogue (:mod:`.words`), numbers
from :mod:`.numbers`. Sources show the document title (``data/raw/README.md``) with the file as a link.

Example:
    >>> import pandas as pd
    >>> "50 % 区间覆盖率" in frame_html(pd.DataFrame({"coverage_50": [0.5]}), lang="zh")
    True
"""
from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from analysis.assessment import Assessment
from analysis.reports.numbers import (comparator_prefix, fmt_annual_change, fmt_change, fmt_prob, fmt_rate,
                                      fmt_value, fmt_year, is_missing, prob_error)
from analysis.reports.prose import verdict_badge
from analysis.reports.words import (eurostat_label, indicator_name, label, model_name, reference_class_label,
                                    region_name, t)

#: column names of generic tables (backtest, growth) -> English msgid
COLUMN_LABELS: dict[str, str] = {
    "indicator": "indicator", "model": "model", "h": "horizon (years)", "horizon": "horizon (years)",
    "n": "n", "crps": "CRPS", "coverage_50": "50% interval coverage", "coverage_80": "80% interval coverage",
    "coverage_95": "95% interval coverage", "brier_g10": "Brier score (growth ≥ 10%)",
    "brier_g20": "Brier score (growth ≥ 20%)", "brier_g50": "Brier score (growth ≥ 50%)",
    "brier_g100": "Brier score (growth ≥ 100%)", "region": "region", "mean": "mean annual growth",
    "best": "best annual growth", "bin": "bin", "predicted": "predicted P", "observed": "observed frequency",
    "count": "count", "p_mean": "mean predicted P", "freq": "observed frequency", "year": "year",
    "all": "all indicators", "no_change": "no change", "drift": "drift", "pooled": "pooled (mixed model)",
    "peers": "peers (reference class)", "own": "own trend (drift)", "ets": "exponential smoothing",
    "rung": "rung", "family": "shrinkage model of the ladder (rungs B, C)",
    "count_family": "small-count family model (rung C, negative binomial)",
    "level": "level", "regions": "regions", "region_years": "region-years with a value",
    "applied": "recalibration applied", "cross_fit_by": "held out by", "yes": "yes", "no": "no",
    "brier_before": "Brier score, model", "brier_after": "Brier score, recalibrated",
    "log_before": "log score, model", "log_after": "log score, recalibrated",
    "n_time_respecting": "events with a map from earlier outcomes",
    "brier_before_time": "Brier score, model (earlier outcomes only)",
    "brier_after_time": "Brier score, recalibrated (earlier outcomes only)",
    "bin_lo": "bin from", "bin_hi": "bin to", "mean_p": "mean predicted P",
    "se": "binomial standard error",
    "clusters": "fold fits", "slope_b": "Platt slope b",
    "b_lo": "b, 95% interval from", "b_hi": "b, 95% interval to", "calibrated": "P of the model calibrated",
    "all_levels": "all levels", "city": "city", "province": "province",
    "slope_b_after": "Platt slope b, recalibrated", "b_lo_after": "b recalibrated, 95% interval from",
    "b_hi_after": "b recalibrated, 95% interval to", "gap_after": "observed minus predicted frequency, recalibrated",
    "calibrated_after": "recalibrated P calibrated (P shown)",
    "unseen": "indicators without backtest folds (map of all indicators)",
    "as_of": "judged as of (outcomes up to)", "windows": "held-out windows",
}


def _table(rows: Iterable[tuple[str, str]], cls: str = "kv") -> str:
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="{cls}">{body}</table>'


def _required_change(a: Assessment, lang: str) -> str:
    """The required change on the model scale; from a zero baseline (no log ratio) the increment in the
    indicator's unit, e.g. ``+3家`` for 0 → 3 listed firms."""
    if a.required_change is None and a.baseline_value == 0 and a.target_value is not None:
        return "+" + fmt_value(float(a.target_value), a.unit, lang)
    return fmt_change(a.required_change, a.scale, lang)


def requirements_table(a: Assessment, lang: str = "zh") -> str:
    """What it takes: required change and rate against the region's own record and the peers."""
    pct = "—" if a.required_percentile is None else t("percentile {p}", lang, p=f"{a.required_percentile:.0f}")
    rows = [
        (t("required total change", lang), _required_change(a, lang)),
        (t("required annual rate", lang), fmt_rate(a.required_cagr, a.scale, lang)),
        (t("own mean annual change", lang), fmt_annual_change(a.own_mean_change, a.scale, lang)),
        (t("own best year", lang), fmt_annual_change(a.own_max_change, a.scale, lang)),
        (t("among peers' changes", lang), pct),
    ]
    if a.eurostat_ratio is not None:
        rows.append((t("observed / required rate (Eurostat)", lang),
                     f"{a.eurostat_ratio:.2f} ({html.escape(eurostat_label(a.eurostat_category, lang))})"))
    return _table(rows)


def probability_table(a: Assessment, lang: str = "zh") -> str:
    """P(meet) by model and the evidence behind it; the headline model is marked."""
    rows = []
    # the first row is whatever filled p_pooled: the mixed model, its OLS fallback or a ladder rung
    # (named as fitted); where it is the headline it shows the headline's P (recalibrated, or withheld)
    first = a.model if a.model in ("pooled_ols", "family_b", "family_c") else "pooled"
    for key, p in ((first, a.p_pooled), ("peers", a.p_peers), ("own", a.p_own), ("count", a.p_count)):
        if p is None and key == "count":
            continue
        headline = a.model == key
        if headline and key == first and key.startswith("family_"):
            text = fmt_prob(a.p_meet, None, lang) if a.p_meet is not None else t("withheld (not calibrated)", lang)
        else:
            text = fmt_prob(p, prob_error(key, p), lang)
        rows.append((html.escape(model_name(key, lang)), text + (" ◀" if headline else "")))
    rows.append((t("reference class", lang), html.escape(reference_class_label(a.reference_class, lang))))
    if a.n_peer_windows:
        met = "—" if a.n_peer_met is None else str(a.n_peer_met)
        text = f"{met} / {a.n_peer_windows}"
        if a.n_peer_regions:
            text += t(" ({n} regions)", lang, n=a.n_peer_regions)
        rows.append((t("peer windows that did it", lang), text))
    rows.append((t("own annual changes", lang), str(a.n_own_changes or 0)))
    rows.append((t("data as of (no look-ahead)", lang), fmt_year(a.as_of) or t("no data", lang)))
    return _table(rows)


def levels_table(a: Assessment, lang: str = "zh") -> str:
    """Baseline, realistic levels (P80, P50), target and outcome."""
    by, ty = fmt_year(a.baseline_year), fmt_year(a.target_year)
    rows = [
        (t("baseline {year}", lang, year=by) if by else t("baseline", lang), fmt_value(a.baseline_value, a.unit, lang)),
        (label("level_p80", lang), fmt_value(a.level_p80, a.unit, lang)),
        (label("level_p50", lang), fmt_value(a.level_p50, a.unit, lang)),
        (t("target {year}", lang, year=ty) if ty else t("target", lang), fmt_value(a.target_value, a.unit, lang)),
    ]
    if a.outcome_value is not None:
        rows.append((label("outcome", lang), fmt_value(a.outcome_value, a.unit, lang)))
    return _table(rows)


# ---------------------------------------------------------------------- sources
_URL = re.compile(r"^https?://[^\s<>\"']+$")
_SEED = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")


@lru_cache(maxsize=1)
def document_titles() -> dict[str, str]:
    """Seed file name -> document title, read from the table in ``data/raw/README.md``.

    The title is the document number when the title cell gives one in brackets (汕府办函〔2022〕201号),
    else the first title written; traditional characters and pinyin glosses are normalised.
    """
    from analysis.config import data_dir
    from analysis.targets.text import normalise

    path = data_dir() / "raw" / "README.md"
    if not path.exists():
        return {}
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 7 or not _SEED.match(cells[0].strip("`")):
            continue
        title = cells[6]
        number = re.search(r"\(([^()]*〔\d{4}〕[^()]*号)\)", title)
        if number:
            title = number.group(1)
        elif title.lower().startswith("none"):
            continue
        else:
            title = re.split(r" / |; ", title)[0].strip()
        out[cells[0].strip("`")] = normalise(title).text.strip()
    return out


def source_link(source: Any) -> str:
    """A link for an http(s) URL; a seed file as its document title with the file linked; else escaped text."""
    s = "" if is_missing(source) and not isinstance(source, str) else str(source)
    if _URL.match(s):
        short = s if len(s) <= 60 else s[:57] + "…"
        return f'<a href="{html.escape(s, quote=True)}" rel="noopener noreferrer">{html.escape(short)}</a>'
    if _SEED.match(s):
        from analysis.config import data_dir

        path = data_dir() / "raw" / s
        link = f'<a href="{html.escape(path.as_uri(), quote=True)}"><code>{html.escape(s)}</code></a>'
        title = document_titles().get(s)
        return f'<span class="source-title">{html.escape(title)}</span> ({link})' if title else link
    return f"<code>{html.escape(s)}</code>" if s.startswith("github.com/") else html.escape(s)


def sources_table(frame: pd.DataFrame | None, unit: str = "", lang: str = "zh") -> str:
    """Every value used, with its source (titled and linked) and the verbatim quote (and region, if a column)."""
    if frame is None or len(frame) == 0:
        return f"<p>{label('no_data', lang)}</p>"
    with_region = "region" in frame.columns
    heads = [t(h, lang) for h in ("year", "value", "qualifier", "reliability", "source", "quote")]
    if with_region:
        heads = [label("region", lang)] + heads
    out = ["<table class='sources'><thead><tr>" + "".join(f"<th>{h}</th>" for h in heads) + "</tr></thead><tbody>"]
    for _, r in frame.iterrows():
        derived = bool(r.get("derived", False)) if not is_missing(r.get("derived", 0)) else False
        qual = str(r.get("qualifier", "") or "")
        qual = html.escape(t(qual, lang) if lang == "zh" else qual) + ((" · " + t("derived", lang)) if derived else "")
        region = (f"<td class='region'>{html.escape(region_name(r.get('region', ''), lang))}</td>"
                  if with_region else "")
        rel = str(r.get("reliability", "") or "")
        out.append(
            f"<tr>{region}<td>{fmt_year(r.get('year'))}</td><td class='num'>{fmt_value(r.get('value'), unit, lang)}</td>"
            f"<td>{qual}</td><td>{html.escape(t(rel, lang) if rel else '')}</td>"
            f"<td>{source_link(r.get('source', ''))}</td>"
            f"<td class='quote'>{html.escape(str(r.get('quote', '') or ''))}</td></tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


# ---------------------------------------------------------------------- generic frames
def column_label(name: Any, lang: str = "zh") -> str:
    """A column or category name of a generic table in ``lang`` (``coverage_50`` → ``50 % 区间覆盖率``)."""
    key = str(name)
    return t(COLUMN_LABELS[key], lang) if key in COLUMN_LABELS else key


def frame_html(frame: pd.DataFrame, float_format: str = "{:,.3f}", lang: str = "zh") -> str:
    """A DataFrame as an escaped HTML table; headers and known category values in ``lang``."""
    def cell(col: str, v: Any) -> str:
        if isinstance(v, (float, np.floating)):
            return "—" if math.isnan(v) else float_format.format(v)
        if col == "region":
            return html.escape(region_name(v, lang))
        if col == "indicator":
            return html.escape(column_label(v, lang) if str(v) in COLUMN_LABELS else indicator_name(v, "", lang))
        return html.escape(column_label(v, lang))

    cols = [str(c) for c in frame.columns]
    heads = "".join(f"<th>{html.escape(column_label(c, lang))}</th>" for c in cols)
    rows = "".join("<tr>" + "".join(f"<td>{cell(c, v)}</td>" for c, v in zip(cols, row)) + "</tr>"
                   for row in frame.itertuples(index=False))
    return f"<table class='frame'><thead><tr>{heads}</tr></thead><tbody>{rows}</tbody></table>"


# ---------------------------------------------------------------------- city scorecard
def record_scale(r: Mapping[str, Any]) -> str:
    """The model scale of an assessment record: its ``scale`` field, else guessed from kind/unit."""
    if r.get("scale") in ("log", "points"):
        return str(r["scale"])
    return "points" if r.get("kind") in ("share", "rate") or (not r.get("kind") and r.get("unit") == "%") else "log"


def scorecard_table(results: pd.DataFrame, lang: str = "zh") -> str:
    """One row per goal of a city; restated rows are listed under the goal and share its one P."""
    from analysis.reports.goals import fold_goals

    heads = [t(h, lang) for h in ("goal", "indicator", "baseline → target", "required rate", "P(meet)", "verdict",
                                  "rows")]
    out = ["<table class='scorecard'><thead><tr>" + "".join(f"<th>{h}</th>" for h in heads) + "</tr></thead><tbody>"]
    for i, g in enumerate(fold_goals(results), start=1):
        r = g["lead"]
        unit = str(r.get("unit") or "")
        base = "" if is_missing(r.get("baseline_value")) else (
            f"{fmt_value(r.get('baseline_value'), unit, lang)} ({fmt_year(r.get('baseline_year'))})")
        tgt = html.escape(comparator_prefix(r.get("comparator"))) + (
            f"{fmt_value(r.get('target_value'), unit, lang)} ({fmt_year(r.get('target_year'))})")
        ids = "<br>".join(f"<code>{html.escape(str(x))}</code>" for x in g["target_ids"])
        out.append(
            f"<tr><td class='num'>{i}</td>"
            f"<td>{html.escape(indicator_name(r.get('indicator'), r.get('indicator_zh'), lang))}</td>"
            f"<td>{base + ' → ' if base else ''}{tgt}</td>"
            f"<td>{fmt_rate(r.get('required_cagr'), record_scale(r), lang)}</td>"
            f"<td>{fmt_prob(g['p_meet'], prob_error(r.get('model'), g['p_meet']), lang)}</td>"
            f"<td>{verdict_badge(g['verdict'], lang)}</td><td class='id'>{ids}</td></tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def verdict_counts(results: pd.DataFrame, lang: str = "zh") -> str:
    """``12 个目标（30 行）：可实现 3 · 有挑战 1 …`` as badges, counting goals, not rows."""
    from analysis.assessment import VERDICTS
    from analysis.reports.goals import fold_goals

    if results.empty:
        return ""
    goals = fold_goals(results)
    counts: dict[str, int] = {}
    for g in goals:
        counts[g["verdict"]] = counts.get(g["verdict"], 0) + 1
    total = t("{n} goals ({rows} rows in the document): ", lang, n=len(goals), rows=len(results))
    return total + " ".join(f"{verdict_badge(v, lang)} {counts[v]}" for v in VERDICTS if v in counts)


def level_grid_html(grid: pd.DataFrame, lang: str = "zh") -> str:
    """The levels × years coverage grid of one indicator as an HTML table (``·`` where no region has a value).

    ``grid`` is :func:`analysis.data.coverage.level_year_grid` for one indicator: one row per level,
    a column per year, then ``regions`` and ``region_years``. It shows how many peers each level
    offers in each year, which is what the outside view stands on.
    Example: ``level_grid_html(level_year_grid(["hte_count"]), "en")`` starts with ``<p>``.
    """
    if grid.empty:
        return f"<p>{html.escape(t('no data available', lang))}</p>"
    frame = grid.reset_index().drop(columns=["indicator"], errors="ignore")
    cols = [str(c) for c in frame.columns]
    heads = "".join(f"<th>{html.escape(column_label(c, lang))}</th>" for c in cols)
    def cell(col: str, v: Any) -> str:
        if col == "level":
            return html.escape(t(str(v), lang))
        return "·" if col not in ("regions", "region_years") and v == 0 else html.escape(str(v))
    rows = "".join("<tr>" + "".join(f"<td>{cell(c, v)}</td>" for c, v in zip(cols, row)) + "</tr>"
                   for row in frame.itertuples(index=False))
    intro = t("Regions with a value, by level and year (every level, not only the panel's):", lang)
    return (f"<p>{html.escape(intro)}</p><table class='frame level-grid'><thead><tr>{heads}</tr></thead>"
            f"<tbody>{rows}</tbody></table>")
