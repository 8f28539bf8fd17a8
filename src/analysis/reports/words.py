"""Words of the reports in one language: labels, headings and names, all from the message catalogue.

Every user-facing string is an English gettext ``msgid`` whose Chinese text lives in
``locale/zh/LC_MESSAGES/messages.po`` (read by :mod:`analysis.i18n`); this module only maps short
keys (used by the plots and notebooks) to those ids, and data names (regions, indicators, units)
to their English form for ``lang='en'`` (``regions.csv`` and ``indicators.csv`` ``name_en``).

Example:
    >>> label("band50", "zh"), label("band50", "en")
    ('50% 区间', '50% interval')
    >>> region_name("汕尾市", "en"), unit_name("家", "en")
    ('Shanwei', 'firms')
"""
from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

from analysis.i18n import translate

LANGS = ("zh", "en")
#: a Chinese gloss in brackets inside an English name ("… at municipal level (市级)")
_CJK_GLOSS = re.compile(r"\s*[(（][^()（）]*[\u3400-\u9fff][^()（）]*[)）]")

#: short key -> English msgid (chart axes, legends, table heads); the zh text is in the catalogue
LABELS: dict[str, str] = {
    "year": "year", "history": "reported values", "history_bound": "lower bound (at least)",
    "history_approx": "approximate", "history_derived": "derived", "median": "median forecast",
    "band50": "50% interval", "band80": "80% interval", "band95": "95% interval", "target": "target",
    "baseline": "baseline", "outcome": "outcome", "no_data": "no data available",
    "fan_title": "{region} · {indicator}: history and forecast", "peer_title": "Peers' {h}-year change",
    "peer_x_log": "{h}-year growth (%)", "peer_x_points": "{h}-year change (pp)",
    "peer_count": "windows", "required": "required", "peers_met": "{met} of {n} peer windows did it",
    "levels_title": "Realistic {year} levels vs target",
    "levels_uncalibrated": ("Not calibrated: these levels come from the same forecast whose probability is "
                            "withheld; read them as the model's range, not as odds."),
    "level_p80": "80% sure (P80)",
    "level_p50": "50% sure (P50)", "scorecard_title": "{region}: probability of meeting each goal",
    "p_meet": "P(meet)", "coverage_title": "{indicator}: data coverage (sources)",
    "region": "region", "reliability_title": "Calibration (synthetic panels)",
    "reliability_real_title": "Calibration on the real panel (rung {rung}, target-like events)", "predicted": "predicted P",
    "observed": "observed frequency", "perfect": "perfect calibration", "coverage_chart": "interval coverage",
    "nominal": "nominal", "horizon": "horizon (years)", "crps_title": "CRPS (lower is better)",
    "levels_rank_title": "{indicator} ({year}, {unit})", "growth_title": "{indicator}: annual growth",
    "growth_x_log": "annual growth (%)", "growth_x_points": "annual change (pp)", "n_regions": "regions",
}

#: report section headings (key -> English msgid)
HEADINGS: dict[str, str] = {
    "target_title": "Target feasibility: {region} · {indicator}", "city_title": "City scorecard: {region}",
    "panel_title": "Cross-region panel: {indicator}", "backtest_title": "Backtest and calibration",
    "verdict": "Verdict", "what_it_takes": "What it takes", "inside": "Own trend and forecast (inside view)",
    "outside": "What comparable regions did (outside view)", "probability": "Probability and evidence",
    "levels": "Realistic levels", "sources": "Data sources", "notes": "Notes and data gaps",
    "method": "Method", "targets": "All goals", "coverage": "Data coverage", "ranking": "Latest levels",
    "growth": "Growth distribution", "scores": "Rolling-origin scores", "calibration": "Calibration",
    "quote": "Quote from the document", "reproducibility": "Reproducibility",
}

#: model code -> English msgid
MODEL_NAMES: dict[Any, str] = {
    "pooled": "pooled (mixed model)", "peers": "peers (reference class)", "own": "own trend (drift)",
    "count": "count model (negative binomial)", "pooled (rank)": "joint rank simulation", None: "no model",
    "pooled_ols": "pooled (OLS fallback of the mixed model)",
    "family_b": "rung B (same indicator, every level, shrunk)",
    "family_c": "rung C (indicator family, shrunk)", "rank_outside": "outside view of rank changes",
}

#: Chinese unit -> English msgid (amounts are rescaled by analysis.reports.numbers first)
UNITS_EN: dict[str, str] = {
    "家": "firms", "个": "", "项": "items", "件": "items", "人": "persons", "名": "persons", "位": "places",
    "所": "institutions", "台": "units", "次": "times", "千瓦": "kW", "件/万人": "per 10,000 people", "%": "%",
    "亿元": "CNY 100m", "万元": "CNY 10k", "元": "CNY", "万美元": "USD 10k", "美元": "USD",
}

#: reference-class phrases of the engine (English msgids, translated piecewise)
CLASS_PHRASES = (
    "same level (province) and parent", "same level (city) and parent", "same level (county) and parent",
    "same level (district) and parent", "same level (province)", "same level (city)", "same level (county)",
    "same level (district)", "all levels", "fewer than 20 windows",
    "unconditional (too few windows to condition on size)",
)


def check_lang(lang: str) -> str:
    """``lang`` if supported, else ``ValueError`` naming the parameter."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    return lang


def t(msgid: str, lang: str = "zh", **fmt: Any) -> str:
    """The ``lang`` text of ``msgid`` formatted with ``fmt`` (``t("{n} goals", "zh", n=3)`` → ``'3 个目标'``)."""
    text = translate(msgid, check_lang(lang))
    return text.format(**fmt) if fmt else text


def label(key: str, lang: str = "zh", **fmt: Any) -> str:
    """A UI label (chart axes, legends) by key, formatted with ``fmt``."""
    return t(LABELS[key], lang, **fmt)


def heading(key: str, lang: str = "zh", level: int = 2, **fmt: Any) -> str:
    """An HTML heading by key; ``fmt`` values are escaped."""
    text = t(HEADINGS[key], lang, **{k: html.escape(str(v)) for k, v in fmt.items()})
    return f"<h{level}>{text}</h{level}>"


def model_name(model: str | None, lang: str = "zh") -> str:
    """The name of the model that gave a probability."""
    return t(MODEL_NAMES[model], lang) if model in MODEL_NAMES else str(model)


def verdict_label(code: str, lang: str = "zh") -> str:
    """``'stretch'`` → ``'有挑战'`` / ``'stretch'`` (English label of VERDICTS as msgid)."""
    from analysis.assessment import VERDICTS

    en = VERDICTS.get(code, (code, code, ""))[1]
    return t(en, lang)


def unit_name(unit: str, lang: str = "zh") -> str:
    """A unit as written in ``lang`` (Chinese units as they are; English words for ``en``)."""
    unit = str(unit or "")
    if lang == "zh":
        return unit
    return UNITS_EN.get(unit, unit)


@lru_cache(maxsize=1)
def _region_en() -> dict[str, str]:
    from analysis.data.regions import region_table

    table = region_table()
    if "name_en" not in table:
        return {}
    return {n: e for n, e in zip(table["name"], table["name_en"]) if e}


def region_name(name: Any, lang: str = "zh") -> str:
    """A region's name in ``lang``: ``regions.csv`` ``name_en`` for English (as written if not listed)."""
    name = "" if name is None else str(name)
    if lang == "zh" or not name:
        return name
    from analysis.data.regions import normalise_region

    return _region_en().get(name) or _region_en().get(normalise_region(name)) or name


def indicator_name(code: Any, name_zh: Any = "", lang: str = "zh") -> str:
    """An indicator's name: ``name_zh`` (or the catalogue's) for Chinese, the catalogue ``name_en`` for English."""
    code = "" if code is None else str(code)
    from analysis.data.catalogue import indicator_names

    zh, en = indicator_names().get(code, (str(name_zh or code), code))
    if lang == "zh":
        return clean_title(str(name_zh or zh))
    return _CJK_GLOSS.sub("", en).strip()


@lru_cache(maxsize=512)
def clean_title(text: str) -> str:
    """A name for a title: traditional characters simplified and pinyin glosses removed
    (``全社會R&D經(jīng)費`` → ``全社会R&D经费``) with the steps of :mod:`analysis.targets.text`;
    quotes are never passed through this."""
    from analysis.targets.text import Normalised, remove_pinyin_glosses, to_simplified

    return remove_pinyin_glosses(to_simplified(Normalised.identity(text))).text.strip() or text


def reference_class_label(text: str | None, lang: str = "zh") -> str:
    """The engine's reference-class description in ``lang`` (see :mod:`analysis.reports.classes`)."""
    from analysis.reports.classes import reference_class_label as render

    if text and lang == "zh" and not text[:2] in ("A:", "B:", "C:"):  # older phrases (peers' widening)
        for phrase in CLASS_PHRASES:
            text = text.replace(phrase, t(phrase, lang))
        return text.replace("; ", "；")
    return render(text, lang)


def eurostat_label(code: str | None, lang: str = "zh") -> str:
    """Label of a Eurostat-style progress category (its English label is the msgid)."""
    from analysis.models.verdict import EUROSTAT_CATEGORIES

    _zh, en = EUROSTAT_CATEGORIES.get(code or "", (code or "", code or ""))
    return t(en, lang) if en else "—"
