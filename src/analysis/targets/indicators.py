"""Indicator names → catalogue codes: the synonym table and the indicator catalogue.

Holds the ``synonyms.csv`` loader, :func:`match_indicator` (the head-of-phrase rule that maps a
subject as written to a code in ``data/indicators.csv``) and cached look-ups of a code's
``kind`` and ``unit`` in that catalogue. Kept apart so that every extraction stage (sentences,
tables, post-processing) names indicators the same way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

SYNONYMS_PATH = Path(__file__).with_name("synonyms.csv")


def _read_catalogue(indicators_path: Path | None = None) -> pd.DataFrame | None:
    """``data/indicators.csv`` (or ``indicators_path``) as strings; None when the file is missing."""
    from analysis.config import data_dir

    path = Path(indicators_path or data_dir() / "indicators.csv")
    from analysis.data.csvio import read_csv_text

    if not path.exists():
        return None
    return read_csv_text(path)


@lru_cache(maxsize=None)
def _catalogue_field(column: str) -> dict[str, str]:
    """code → ``column`` (kind, unit…) of the default catalogue, read once; {} without a catalogue."""
    table = _read_catalogue()
    return {} if table is None else dict(zip(table["code"], table[column]))


def _indicator_kind(code: str) -> str:
    """The catalogue's ``kind`` of an indicator code (count, amount, share, rate…), or ''."""
    return _catalogue_field("kind").get(code, "")


def _catalogue_units() -> dict[str, str]:
    """code → the catalogue's unit."""
    return _catalogue_field("unit")


@dataclass(frozen=True)
class Synonym:
    """A phrase (``*`` = up to 10 characters) that names an indicator code ('' = known, no code)."""

    phrase: str
    code: str
    pattern: re.Pattern[str]


def _indicator_codes(indicators_path: Path | None) -> set[str]:
    table = _read_catalogue(indicators_path)
    return set() if table is None else set(table["code"])


@lru_cache(maxsize=4)
def _load_synonyms_cached(path: str, indicators_path: str | None) -> tuple[Synonym, ...]:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    codes = _indicator_codes(Path(indicators_path) if indicators_path else None)
    out = []
    for phrase, code in zip(table["phrase"], table["code"]):
        phrase, code = phrase.strip(), code.strip()
        if not phrase:
            continue
        if code and code not in codes:
            code = ""  # not in the catalogue (yet): the phrase still blocks shorter, wrong matches
        parts = [re.escape(p) for p in phrase.split("*")]
        out.append(Synonym(phrase, code, re.compile(".{0,10}?".join(parts), re.IGNORECASE)))
    out.sort(key=lambda s: len(s.phrase.replace("*", "")), reverse=True)
    return tuple(out)


def load_synonyms(path: Path | None = None, indicators_path: Path | None = None) -> tuple[Synonym, ...]:
    """Synonym table (``synonyms.csv``); codes absent from ``data/indicators.csv`` become '' (blockers)."""
    return _load_synonyms_cached(str(path or SYNONYMS_PATH), str(indicators_path) if indicators_path else None)


_HEAD_SUFFIX = re.compile(r"^(?:的)?(?:数量|总数|总量|个数|家数|数|总额|金额|额|规模|量|)$")


def match_indicator(subject: str, synonyms: tuple[Synonym, ...] | None = None) -> str:
    """Indicator code for a subject phrase, or '' (the phrase must be the head of the subject).

    Chinese noun phrases put the head last, so a synonym counts only when it ends the subject
    (allowing 数量/总额/数…): 国家高新技术企业 → hte_count, but 高新技术企业研发费用 does not.
    A per-capita subject (每万人…) matches only a per-capita phrase.
    Wildcard phrases (``研发*占*GDP``) may be followed by anything (…的比重). Longest phrase wins;
    phrases with an empty code block a shorter match (高价值发明专利拥有量).
    """
    if synonyms is None:
        return _match_default(subject)
    return _match(subject, synonyms)


@lru_cache(maxsize=65536)
def _match_default(subject: str) -> str:
    """:func:`match_indicator` with the bundled synonyms, cached (documents repeat their subjects)."""
    return _match(subject, load_synonyms())


def _match(subject: str, syns: tuple[Synonym, ...]) -> str:
    subj = re.sub(r"[((][^()()]*[))]\s*$", "", subject).strip()
    per_capita = re.search(r"每万|万人|人均|每百", subj)
    for syn in syns:
        if per_capita and not re.search(r"每万|万人|人均|每百", syn.phrase):
            continue  # "每万名就业人员中研发人员" is a ratio, not the head count
        for m in syn.pattern.finditer(subj):
            rest = subj[m.end():]
            if "*" in syn.phrase or _HEAD_SUFFIX.match(rest):
                return syn.code
    return ""
