"""The engine's reference-class description, rendered in the report's language.

The engine (:mod:`analysis.engine.ladder`) describes the class that judged a target in one English
line for the JSON contract, e.g. ``"B: hte_count, every level with level and size as covariates
(city 13 changes / 10 regions; province 51 changes / 31 regions)"``. Reports must not show that line
on a Chinese page, so this module reads its known shapes back into parts (rung, indicator, level,
composition) and writes them again through the message catalogue, with indicator names from the
catalogue. A line of an unknown shape is shown as the engine wrote it.

Example:
    >>> reference_class_label("B: hte_count, every level with level and size as covariates "
    ...                       "(city 13 changes / 10 regions)", "zh")
    '参照组B：同一指标（高新技术企业数量）的各行政层级，以层级和规模为协变量（城市 13 个变化 / 10 个地区）'
"""
from __future__ import annotations

import re

_COMP = re.compile(r"(\w+) (\d+) changes / (\d+) regions")
_WCOMP = re.compile(r"(\w+) (\d+) windows / (\d+) regions / (\d+) indicators")
_SHAPES = (
    ("a_parent", re.compile(r"^A: (?P<ind>\S+), same level \((?P<level>\w+)\) and parent \((?P<parent>[^)]*)\)$")),
    ("a_level", re.compile(r"^A: (?P<ind>\S+), same level \((?P<level>\w+)\)$")),
    ("b", re.compile(r"^B: (?P<ind>\S+), every level with level and size as covariates \((?P<comp>.*)\)$")),
    ("c_family", re.compile(r"^C: family of (?P<ind>\S+) \((?P<n>\d+) indicators\), every level with level and size "
                            r"as covariates \((?P<comp>.*)\)$")),
    ("c_log", re.compile(r"^C: every log-scale \(count and amount\) indicator \((?P<n>\d+)\), every level with level "
                         r"and size as covariates \((?P<comp>.*)\)$")),
    ("c_points", re.compile(r"^C: every points-scale \(share and rate\) indicator \((?P<n>\d+)\), every level with "
                            r"level and size as covariates \((?P<comp>.*)\)$")),
    ("c_small_count", re.compile(r"^C: small-count windows \(start ≤ (?P<max>\d+)\) of (?P<what>every count indicator|the "
                                 r"stock count indicators|the flow count indicators) \((?P<n>\d+) indicators\), "
                                 r"(?P<lvl>level as a covariate|level not a covariate) \((?P<wcomp>.*)\)$")),
    ("c_rank", re.compile(r"^C: rank changes of provinces on (?P<n>\d+) S&T indicators \((?P<w>\d+) (?P<h>\d+)-year "
                          r"windows\)$")),
)
_TEMPLATES = {
    "a_parent": "rung A: same indicator ({ind}), same level ({level}) and parent ({parent})",
    "a_level": "rung A: same indicator ({ind}), same level ({level})",
    "b": "rung B: same indicator ({ind}) at every level, level and size as covariates ({comp})",
    "c_family": "rung C: the family of {ind} ({n} indicators) at every level, level and size as covariates ({comp})",
    "c_log": "rung C: every count and amount indicator ({n}) at every level, level and size as covariates ({comp})",
    "c_points": "rung C: every share and rate indicator ({n}) at every level, level and size as covariates ({comp})",
    "c_small_count": "rung C: small-count windows (start ≤ {max}) of {what} ({n} indicators), {lvl} ({wcomp})",
    "c_rank": "rung C: rank changes of provinces on {n} S&T indicators ({w} windows of {h} years)",
}


def composition_label(text: str, lang: str = "zh") -> str:
    """``"city 13 changes / 10 regions; province 51 …"`` in ``lang`` (levels named in words)."""
    from analysis.reports.words import t

    parts = [t("{level} {changes} changes / {regions} regions", lang, level=t(level, lang), changes=c, regions=r)
             for level, c, r in _COMP.findall(text)]
    return t("; ", lang).join(parts) if parts else text


def reference_class_label(text: str | None, lang: str = "zh") -> str:
    """The engine's reference-class line in ``lang`` ("—" when there is none)."""
    from analysis.reports.words import indicator_name, region_name, t

    if not text:
        return "—"
    for shape, pattern in _SHAPES:
        m = pattern.match(text)
        if m is None:
            continue
        parts = m.groupdict()
        if "ind" in parts:
            parts["ind"] = indicator_name(parts["ind"], "", lang)
        if "level" in parts:
            parts["level"] = t(parts["level"], lang)
        if "parent" in parts:
            parts["parent"] = region_name(parts["parent"], lang)
        if "comp" in parts:
            parts["comp"] = composition_label(parts["comp"], lang)
        if "wcomp" in parts:  # the small-count family: windows / regions / indicators per level
            parts["wcomp"] = t("; ", lang).join(
                t("{level} {windows} windows / {regions} regions / {k} indicators", lang, level=t(lv, lang),
                  windows=w, regions=r, k=k) for lv, w, r, k in _WCOMP.findall(parts["wcomp"]))
            parts["what"], parts["lvl"] = t(parts["what"], lang), t(parts["lvl"], lang)
        return t(_TEMPLATES[shape], lang, **parts)
    return text
