"""Region names: normalise short or variant names to full official names (广东 → 广东省, 汕尾 → 汕尾市).

The mapping lives in ``data/regions.csv`` (``name, aliases, level, parent, note``; aliases are
``;``-separated). Names not in the mapping are kept as written: users may bring regions the
mapping does not list yet.
"""
from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis.config import data_dir


@lru_cache(maxsize=8)
def _load(path: str) -> pd.DataFrame:
    from analysis.data.csvio import read_csv_text

    return read_csv_text(path, required=["name", "aliases", "level", "parent"])


def region_table(path: Path | None = None) -> pd.DataFrame:
    """The region mapping as a DataFrame (``name, aliases, level, parent, note``)."""
    return _load(str(path or data_dir() / "regions.csv")).copy()


@lru_cache(maxsize=8)
def _alias_map(path: str) -> dict[str, str]:
    return alias_map(_load(path))


def alias_map(table: pd.DataFrame) -> dict[str, str]:
    """Every name and alias of ``table`` mapped to the full name (``{'汕尾': '汕尾市', '汕尾市': '汕尾市', …}``)."""
    out: dict[str, str] = {}
    for name, aliases in zip(table["name"], table["aliases"]):
        out[name] = name
        for alias in filter(None, (a.strip() for a in aliases.split(";"))):
            out.setdefault(alias, name)
    return out


def normalise_region(name: str, path: Path | None = None) -> str:
    """Full official name for ``name`` (``'汕尾'`` → ``'汕尾市'``); unknown names are returned stripped."""
    key = str(name).strip()
    return _alias_map(str(path or data_dir() / "regions.csv")).get(key, key)


def close_matches(name: str, candidates: list[str], n: int = 5) -> list[str]:
    """Up to ``n`` candidates that resemble ``name`` (for 'did you mean' messages)."""
    name = str(name)
    hits = [c for c in candidates if name and (name in c or c in name)]
    hits += difflib.get_close_matches(name, candidates, n=n, cutoff=0.3)
    seen: list[str] = []
    for h in hits:
        if h not in seen:
            seen.append(h)
    return seen[:n]
