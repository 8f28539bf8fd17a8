"""One normalisation and validation layer for what a user types, shared by the CLI and the Python API.

A researcher writes 汕尾 or 汕尾市, 高新技术企业数量 or ``hte_count``; the CLI and
``analysis.assess_one`` must understand both the same way and refuse the same things. Every
public entry point (``analysis assess``, ``analysis report``, ``analysis.assess_one``,
``analysis.load_panel`` …) sends its names and numbers through this module first:

- **regions**: short names → full official names (``data/regions.csv``), level and parent
  defaulted from that table or, for regions only the data know, from the data; an unknown name
  is an error with close matches, unless its level and parent are stated (an ad-hoc region);
  names with path characters (``../../etc``) are refused;
- **indicators**: catalogue codes, Chinese or English names (``data/indicators.csv``) and the
  extraction synonyms (``targets/synonyms.csv``) → one code; unknown → close matches;
- **numbers**: finite only; counts and amounts need a positive target; years are years.

Errors are :class:`ResolveError` (a ``ValueError``) carrying the parameter's API name, so the CLI
can name its own option instead (``--region``).

Example:
    >>> resolve_indicator("高新技术企业数量")
    'hte_count'
    >>> resolve_region("汕尾")
    Region(name='汕尾市', level='city', parent='广东省', known=True)
    >>> resolve_region("../../etc")
    Traceback (most recent call last):
    ...
    analysis.resolve.ResolveError: region: '../../etc' contains path characters (/ \\ ..), which a name may not hold
"""
from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

log = logging.getLogger(__name__)

LEVELS = ("country", "province", "city", "district", "county")
#: kinds whose level targets must be positive (modelled on log scale)
POSITIVE_KINDS = ("count", "amount")
FIRST_YEAR, LAST_YEAR = 1949, 2100
_PATH_CHARS = re.compile(r"[/\\\x00-\x1f]|\.\.")
_CACHE: dict[str, Any] = {}  # catalogue and spellings, keyed on the catalogue file's mtime
_PANEL_REGIONS: list[tuple[pd.DataFrame, dict[str, tuple[str, str]]]] = []  # last panel seen


class ResolveError(ValueError):
    """A user-given name or number that cannot be used; ``param`` names it, ``reason`` says why.

    Example:
        >>> str(ResolveError("draws", "must be at least 1, got 0"))
        'draws: must be at least 1, got 0'
    """

    def __init__(self, param: str, reason: str):
        super().__init__(f"{param}: {reason}")
        self.param, self.reason = param, reason

    def named(self, names: Mapping[str, str]) -> str:
        """The message with the parameter renamed (``{'region': '--region'}`` for the CLI)."""
        return f"{names.get(self.param, self.param)}: {self.reason}"


@dataclass(frozen=True)
class Region:
    """A resolved region: official name, level, parent, and whether regions.csv or the data know it."""

    name: str
    level: str
    parent: str
    known: bool


def _close(name: str, candidates: list[str]) -> str:
    from analysis.data.regions import close_matches

    hits = close_matches(name, candidates)
    return f"close matches: {', '.join(hits)}" if hits else "no close match"


# ---------------------------------------------------------------------- indicators
def indicator_catalogue() -> pd.DataFrame:
    """The indicator catalogue, re-read only when ``data/indicators.csv`` changes."""
    from analysis.config import data_dir
    from analysis.data.catalogue import load_indicators

    path = data_dir() / "indicators.csv"
    key = (str(path), path.stat().st_mtime_ns if path.exists() else 0)
    if _CACHE.get("catalogue_key") != key:
        _CACHE.clear()
        _CACHE["catalogue_key"], _CACHE["catalogue"] = key, load_indicators(path)
    return _CACHE["catalogue"]


def indicator_names() -> dict[str, str]:
    """Every accepted spelling → indicator code: codes, name_zh, name_en (lower case), synonyms.

    Example:
        >>> indicator_names()["高企"]
        'hte_count'
    """
    from analysis.targets.indicators import load_synonyms

    cat = indicator_catalogue()
    if "names" in _CACHE:
        return _CACHE["names"]
    names: dict[str, str] = {}
    for code, zh, en in zip(cat["code"], cat["name_zh"], cat["name_en"]):
        names[code] = code
        names.setdefault(zh, code)
        names.setdefault(en.lower(), code)
    for syn in load_synonyms():
        if syn.code and "*" not in syn.phrase:
            names.setdefault(syn.phrase, syn.code)
    _CACHE["names"] = names
    return names


def resolve_indicator(name: Any, param: str = "indicator") -> str:
    """The catalogue code for a code, a Chinese/English name or a synonym; else ResolveError.

    Example:
        >>> resolve_indicator("hte_count"), resolve_indicator("国家高新技术企业")
        ('hte_count', 'hte_count')
    """
    text = str(name if name is not None else "").strip()
    if not text:
        raise ResolveError(param, "is empty; give an indicator code such as hte_count (see `analysis indicators`)")
    names = indicator_names()
    for key in (text, text.lower(), text.replace(" ", "")):
        if key in names:
            return names[key]
    codes = sorted(set(names.values()))
    raise ResolveError(param, f"unknown indicator {text!r} (see `analysis indicators`); "
                              f"{_close(text, codes + [k for k in names if k not in codes])}")


# ---------------------------------------------------------------------- regions
def resolve_level(level: Any, param: str = "level") -> str | None:
    """A level name (``province``/``city``/…), lower-cased; None stays None.

    Example:
        >>> resolve_level("City")
        'city'
    """
    if level is None or (isinstance(level, float) and math.isnan(level)) or str(level).strip() == "":
        return None
    text = str(level).strip().lower()
    if text not in LEVELS:
        raise ResolveError(param, f"{level!r} is not a level; one of {', '.join(LEVELS)}")
    return text


def official_regions() -> dict[str, tuple[str, str]]:
    """name → (level, parent) from ``data/regions.csv`` (re-read when the file changes)."""
    from analysis.config import data_dir
    from analysis.data.regions import region_table

    path = data_dir() / "regions.csv"
    key = ("regions", str(path), path.stat().st_mtime_ns if path.exists() else 0)
    if key not in _CACHE:
        table = region_table(path)
        _CACHE[key] = {n: (lv, p) for n, lv, p in zip(table["name"], table["level"], table["parent"])}
    return _CACHE[key]


def data_regions(panel: pd.DataFrame | None = None) -> dict[str, tuple[str, str]]:
    """region → (level, parent) as the data give them (the most frequent pair per region)."""
    if panel is None:
        from analysis.data.loaders import load_panel

        panel = load_panel()
    if _PANEL_REGIONS and _PANEL_REGIONS[0][0] is panel:
        return _PANEL_REGIONS[0][1]
    if panel.empty:
        return {}
    pairs = panel.groupby(["region", "level", "parent"], dropna=False).size().reset_index(name="n")
    pairs = pairs.sort_values(["region", "n"], ascending=[True, False]).drop_duplicates("region")
    regions = {r: (str(lv or ""), str(p or "")) for r, lv, p in zip(pairs["region"], pairs["level"], pairs["parent"])}
    _PANEL_REGIONS[:] = [(panel, regions)]
    return regions


def check_name(name: Any, param: str) -> str:
    """A stripped, non-empty name without path characters (it ends up in file names)."""
    text = str(name if name is not None else "").strip()
    if not text:
        raise ResolveError(param, "is empty")
    if _PATH_CHARS.search(text):
        raise ResolveError(param, f"{text!r} contains path characters (/ \\ ..), which a name may not hold")
    return text


def resolve_region(name: Any, *, level: Any = None, parent: Any = None, panel: pd.DataFrame | None = None,
                   param: str = "region") -> Region:
    """Official name, level and parent of a region (short names and aliases from ``data/regions.csv``).

    Level and parent default to regions.csv, else to the data; a stated level or parent that
    contradicts them is an error. A region neither table knows is accepted only with both its
    level and parent stated (an ad-hoc region, ``known=False``).

    Example:
        >>> resolve_region("广东")
        Region(name='广东省', level='province', parent='全国', known=True)
        >>> resolve_region("新城市", level="city", parent="广东")
        Region(name='新城市', level='city', parent='广东省', known=False)
    """
    from analysis.data.regions import normalise_region

    text = check_name(name, param)
    full = normalise_region(text)
    level = resolve_level(level)
    parent_name = normalise_region(check_name(parent, "parent")) if parent not in (None, "") and parent == parent else None
    table = official_regions()
    if full in table:
        known_level, known_parent = table[full]
    else:
        regions = data_regions(panel)
        suffixed = [full + s for s in ("市", "省", "区", "县") if full + s in regions]
        full = suffixed[0] if full not in regions and len(suffixed) == 1 else full
        if full not in regions:
            if level and parent_name:
                return Region(full, level, parent_name, known=False)
            candidates = sorted(set(table) | set(regions))
            raise ResolveError(param, f"unknown region {text!r} (not in data/regions.csv nor the data; an ad-hoc "
                                      f"region needs its level and parent stated); {_close(full, candidates)}")
        known_level, known_parent = regions[full]
    if level and known_level and level != known_level:
        raise ResolveError("level", f"{full} is a {known_level}, not a {level}")
    if parent_name and known_parent and parent_name != known_parent:
        raise ResolveError("parent", f"{full} lies in {known_parent}, not in {parent_name}")
    return Region(full, level or known_level, parent_name or known_parent, known=True)


# ---------------------------------------------------------------------- numbers
def finite(value: Any, param: str, *, allow_none: bool = True) -> float | None:
    """``value`` as a finite float (None passes when ``allow_none``); inf, nan and text are refused.

    Example:
        >>> finite("49", "baseline_value")
        49.0
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        if allow_none:
            return None
        raise ResolveError(param, "is required")
    if isinstance(value, bool):
        raise ResolveError(param, f"must be a number, not {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ResolveError(param, f"must be a number, not {value!r}") from None
    if math.isnan(number) and allow_none and not isinstance(value, str):
        return None  # a missing cell of a DataFrame
    if not math.isfinite(number):
        raise ResolveError(param, f"must be a finite number, not {value!r}")
    return number


def year(value: Any, param: str, *, allow_none: bool = True) -> int | None:
    """A whole year between 1949 and 2100 (None passes when ``allow_none``).

    Example:
        >>> year(2021.0, "baseline_year")
        2021
    """
    number = finite(value, param, allow_none=allow_none)
    if number is None:
        return None
    if not number.is_integer() or not FIRST_YEAR <= number <= LAST_YEAR:
        raise ResolveError(param, f"must be a year between {FIRST_YEAR} and {LAST_YEAR}, not {value!r}")
    return int(number)


def at_least(value: Any, minimum: int, param: str) -> Any:
    """``value`` unchanged when it is None or ≥ ``minimum``; else ResolveError naming ``param``."""
    if value is not None and value < minimum:
        raise ResolveError(param, f"must be at least {minimum}, got {value}")
    return value


def check_as_of(as_of: Any, years: tuple[int, int] | None, param: str = "as_of") -> int | None:
    """The as-of year: an error before the data's first year, a logged warning after its last.

    Example:
        >>> check_as_of(2019, (2012, 2025))
        2019
    """
    value = year(as_of, param)
    if value is None or years is None:
        return value
    first, last = years
    if value < first:
        raise ResolveError(param, f"{value} is before the data's first year {first}: nothing would be known")
    if value > last:
        log.warning("as-of year %d is beyond the data's last year %d: every series is used in full", value, last)
    return value


def data_years(panel: pd.DataFrame) -> tuple[int, int] | None:
    """First and last year of the panel (None when it is empty)."""
    if panel.empty:
        return None
    return int(panel["year"].min()), int(panel["year"].max())


# ---------------------------------------------------------------------- targets
def resolve_target(target: Mapping[str, Any], *, panel: pd.DataFrame | None = None) -> dict[str, Any]:
    """A target mapping (registry columns) with region, level, parent and indicator resolved and its
    numbers checked; the first problem raises :class:`ResolveError` naming the column.

    An empty ``indicator`` stays empty (the engine then does the arithmetic only, from
    ``indicator_zh``); an empty ``region`` stays empty.

    Example:
        >>> t = resolve_target({"region": "汕尾", "indicator": "高企", "baseline_year": 2021,
        ...                     "baseline_value": 49, "target_year": 2022, "target_value": 100})
        >>> t["region"], t["level"], t["parent"], t["indicator"]
        ('汕尾市', 'city', '广东省', 'hte_count')
        >>> resolve_target({"region": "汕尾", "indicator": "hte_count", "target_year": 2022, "target_value": 0})
        Traceback (most recent call last):
        ...
        analysis.resolve.ResolveError: target_value: must be positive for a count indicator, got 0
    """
    t = dict(target)
    if str(t.get("region") or "").strip():
        r = resolve_region(t["region"], level=t.get("level"), parent=t.get("parent"), panel=panel)
        t["region"], t["level"], t["parent"] = r.name, r.level, r.parent
    if str(t.get("indicator") or "").strip():
        t["indicator"] = resolve_indicator(t["indicator"])
    for key in ("baseline_year", "target_year"):
        if key in t:
            t[key] = year(t[key], key)
    for key in ("baseline_value", "target_value", "baseline_value_c", "target_value_c"):
        if key in t:
            t[key] = finite(t[key], key)
    if t.get("baseline_year") is not None and t.get("target_year") is not None \
            and t["target_year"] <= t["baseline_year"]:
        raise ResolveError("target_year", f"{t['target_year']} is not after baseline_year {t['baseline_year']}")
    _check_values(t)
    return t


def _check_values(t: Mapping[str, Any]) -> None:
    """Values the indicator's kind cannot take: a count target ≤ 0, a negative count, a share > 100."""
    code = t.get("indicator")
    if not code:
        return
    kind = indicator_catalogue().loc[code, "kind"]
    ttype = str(t.get("target_type") or "level")
    base, goal = t.get("baseline_value"), t.get("target_value")
    if kind in POSITIVE_KINDS:
        if ttype == "level" and goal is not None and goal <= 0:
            raise ResolveError("target_value", f"must be positive for a {kind} indicator, got {goal:g}")
        if base is not None and base < 0:
            raise ResolveError("baseline_value", f"must not be negative for a {kind} indicator, got {base:g}")
    if kind == "share":
        for key, value in (("baseline_value", base), ("target_value", goal if ttype in ("level", "share") else None)):
            if value is not None and not 0 <= value <= 100:
                raise ResolveError(key, f"a share is between 0 and 100 %, got {value:g}")
