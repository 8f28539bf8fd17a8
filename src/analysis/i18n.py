"""One message catalogue per language, read with Babel (no compile step, no hand-made dicts).

``translate(msgid, lang)`` returns the ``lang`` text of an English message id from
``locale/<lang>/LC_MESSAGES/messages.po`` (English is the id itself). A missing translation
falls back to the English id, and ``missing(lang)`` lists such ids so a test can fail on them.

Example:
    >>> translate("own trend: {n} change(s) before {before}, fewer than {needed} needed", "en")
    'own trend: {n} change(s) before {before}, fewer than {needed} needed'
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

LOCALE_DIR = Path(__file__).parent / "locale"
LANGS = ("zh", "en")


@lru_cache(maxsize=None)
def _catalog(lang: str) -> dict[str, str]:
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        cat = read_po(fh, locale=lang)
    return {m.id: m.string for m in cat if m.id and isinstance(m.id, str) and m.string}


def translate(msgid: str, lang: str = "en") -> str:
    """The ``lang`` text for the English ``msgid`` (the id itself for English or when missing)."""
    if lang == "en":
        return msgid
    return _catalog(lang).get(msgid, msgid)


def missing(lang: str, msgids: list[str]) -> list[str]:
    """Those of ``msgids`` that have no ``lang`` translation."""
    cat = _catalog(lang)
    return [m for m in msgids if m not in cat]


#: order in which a reference class's levels are listed
LEVEL_ORDER = ("city", "province", "district", "county")


def format_composition(comp: dict, lang: str = "en") -> str:
    """A class's composition by level in ``lang``, levels in a fixed order.

    >>> format_composition({"province": {"changes": 51, "regions": 31}, "city": {"changes": 13, "regions": 10}})
    'city 13 changes / 10 regions; province 51 changes / 31 regions'
    """
    keys = [k for k in LEVEL_ORDER if k in comp] + sorted(k for k in comp if k not in LEVEL_ORDER)
    return translate("; ", lang).join(
        translate("{level} {changes} changes / {regions} regions", lang).format(
            level=translate(k, lang), changes=comp[k]["changes"], regions=comp[k]["regions"]) for k in keys)


def format_param(value: Any, lang: str = "en", key: str = "") -> Any:
    """A note parameter ready for a sentence: floats with 4 significant digits, a class composition
    (level -> changes, regions) in words; in Chinese, a ``level`` by its Chinese name and an
    ``indicator`` code by the catalogue's Chinese name (a zh page never shows ``city级hte_count``);
    the rest as is.

    >>> format_param("city", "zh", key="level"), format_param("city", "en", key="level")
    ('城市', 'city')
    """
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, dict) and all(isinstance(v, dict) and "changes" in v for v in value.values()):
        return format_composition(value, lang)
    if lang != "en" and isinstance(value, str):
        if key == "level":
            return translate(value, lang)
        if key == "indicator":
            from analysis.data.catalogue import indicator_names

            return indicator_names().get(value, (value,))[0]
    return value
