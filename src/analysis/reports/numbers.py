"""Numbers as a reader writes them: amounts in the unit that keeps 2–4 significant digits, whole counts,
probabilities with their Monte Carlo error when it matters. Digits are grouped by Babel for the locale.

Example:
    >>> fmt_value(0.055, "亿元", "zh"), fmt_value(60.05, "亿元", "zh"), fmt_value(63.42, "家", "zh")
    ('550万元', '60.05亿元', '63家')
    >>> fmt_value(0.055, "亿元", "en"), fmt_value(49, "家", "en")
    ('CNY 5.5m', '49 firms')
"""
from __future__ import annotations

import math
from typing import Any

from babel.numbers import format_decimal

#: units whose values are whole things (shown without decimals)
COUNT_UNITS = ("家", "个", "项", "件", "人", "名", "位", "所", "台", "次")
#: amount units -> (currency, value of one unit in currency units)
AMOUNT_UNITS = {"亿元": ("CNY", 1e8), "万元": ("CNY", 1e4), "元": ("CNY", 1.0),
                "万美元": ("USD", 1e4), "美元": ("USD", 1.0)}
_LOCALE = {"zh": "zh_Hans_CN", "en": "en"}
#: Monte Carlo draws behind a probability from a draw-based model (analysis.models.forecast.N_DRAWS)
DRAW_MODELS = ("count", "pooled (rank)")


def is_missing(x: Any) -> bool:
    """None, NaN or anything that is not a number counts as missing."""
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def sig(v: float, digits: int = 4, lang: str = "zh") -> str:
    """``v`` with at most ``digits`` significant digits (integer digits never dropped), grouped for ``lang``.

    >>> sig(12345.6), sig(0.05512), sig(60.05)
    ('12,346', '0.05512', '60.05')
    """
    if v == 0:
        return "0"
    mag = int(math.floor(math.log10(abs(v))))
    decimals = max(0, digits - 1 - mag)
    rounded = round(v, decimals)
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(rounded, format=pattern, locale=_LOCALE.get(lang, "en"))


def _amount(v: float, unit: str, lang: str) -> str:
    """An amount rescaled to 万/亿 (zh) or k/m/bn (en) so that it keeps 2–4 significant digits."""
    cur, size = AMOUNT_UNITS[unit]
    base = v * size
    if lang == "zh":
        suffix = "元" if cur == "CNY" else "美元"
        for div, name in ((1e8, "亿"), (1e4, "万")):
            if abs(base) >= div:
                return f"{sig(base / div, 4, lang)}{name}{suffix}"
        return f"{sig(base, 4, lang)}{suffix}"
    for div, name in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(base) >= div:
            return f"{cur} {sig(base / div, 4, lang)}{name}"
    return f"{cur} {sig(base, 4, lang)}"


def fmt_value(v: Any, unit: str = "", lang: str = "zh") -> str:
    """A level with its unit: ``49家``, ``60.05亿元``, ``550万元``, ``2.45%`` (``—`` when missing)."""
    from analysis.reports.words import unit_name

    if is_missing(v):
        return "—"
    v = float(v)
    unit = str(unit or "")
    if unit in AMOUNT_UNITS:
        return _amount(v, unit, lang)
    if unit == "%":
        return f"{sig(v, 3, lang) if abs(v) < 100 else sig(v, 4, lang)}%"
    if unit in COUNT_UNITS:
        num = format_decimal(round(v), format="#,##0", locale=_LOCALE.get(lang, "en"))
    else:
        num = sig(v, 4, lang)
    name = unit_name(unit, lang)
    sep = "" if lang == "zh" or not name else " "
    return f"{num}{sep}{name}"


def mc_error(p: Any, n_draws: int | None) -> float | None:
    """Standard error of a Monte Carlo probability, sqrt(p(1-p)/n) (``None`` without draws)."""
    if is_missing(p) or not n_draws:
        return None
    p = float(p)
    return math.sqrt(max(p * (1 - p), 0.0) / n_draws)


def fmt_prob(p: Any, se: float | None = None, lang: str = "zh") -> str:
    """A probability in percent: ``37%``, ``<1%``, ``>99%``; ``37% ± 0.8`` when the Monte Carlo
    standard error ``se`` exceeds half a percentage point."""
    if is_missing(p):
        return "—"
    p = float(p)
    if 0 < p < 0.01:
        return "<1%"
    if 0.99 < p < 1:
        return ">99%"
    text = f"{100 * p:.0f}%"
    if se is not None and se > 0.005:
        text += f" ± {100 * se:.1f}"
    return text


def prob_error(model: Any, p: Any) -> float | None:
    """The Monte Carlo error of ``p`` when ``model`` computes it from draws, else ``None`` (exact)."""
    from analysis.models.forecast import N_DRAWS

    return mc_error(p, N_DRAWS) if model in DRAW_MODELS else None


def fmt_change(x: Any, scale: str = "log", lang: str = "zh") -> str:
    """A change on the model scale, readable: log ratio → ``+104.1%``; points → ``+0.50个百分点``."""
    from analysis.reports.words import t

    if is_missing(x):
        return "—"
    x = float(x)
    if scale == "log":
        return f"{100 * math.expm1(x):+,.1f}%"
    return t("{x} pp", lang, x=f"{x:+.2f}")


def fmt_rate(x: Any, scale: str = "log", lang: str = "zh") -> str:
    """A required/observed annual rate: fraction per year (``+104.1%/年``) or pp per year."""
    from analysis.reports.words import t

    if is_missing(x):
        return "—"
    x = float(x)
    if scale == "log":
        return t("{x}/yr", lang, x=f"{100 * x:+,.1f}%")
    return t("{x} pp/yr", lang, x=f"{x:+.2f}")


def fmt_annual_change(x: Any, scale: str = "log", lang: str = "zh") -> str:
    """An annual change on the model scale (log ratio or pp) as a rate per year."""
    if is_missing(x):
        return "—"
    return fmt_rate(math.expm1(float(x)) if scale == "log" else float(x), scale, lang)


def fmt_year(x: Any) -> str:
    """A year as four digits, ``''`` when missing (never ``None年``)."""
    return "" if is_missing(x) else str(int(float(x)))


#: comparators shown before a target level (``>=`` and ``=`` read as the level itself)
COMPARATOR_SIGNS = {">": "> ", "<": "< ", "<=": "≤ "}


def comparator_prefix(comparator: Any) -> str:
    """The sign written before a target level: ``">"`` → ``"> "`` (a breakthrough reads ``0% → > 0%``,
    not ``0% → 0%``); ``">="``, ``"="`` and a missing comparator → ``""``.

    >>> comparator_prefix(">"), comparator_prefix(">=")
    ('> ', '')
    """
    return COMPARATOR_SIGNS.get(str(comparator or ""), "")
