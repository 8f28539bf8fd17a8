"""Units: canonicalise values as they are loaded (万元 → 亿元 ÷ 10 000, 亿元 kept, counts as-is).

The raw value and unit are kept beside the canonical ones, so nothing is lost.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas only for the annotation: keep this module import-light
    import pandas as pd

# unit as written -> (canonical unit, factor to multiply the value by)
CANONICAL: dict[str, tuple[str, float]] = {
    "家": ("家", 1.0),
    "万家": ("家", 1e4),
    "个": ("个", 1.0),
    "项": ("项", 1.0),
    "件": ("件", 1.0),
    "万件": ("件", 1e4),
    "人": ("人", 1.0),
    "名": ("人", 1.0),
    "万人": ("人", 1e4),
    "人次": ("人次", 1.0),
    "人年": ("人年", 1.0),
    "万人年": ("人年", 1e4),
    "位": ("位", 1.0),
    "元": ("亿元", 1e-8),
    "万元": ("亿元", 1e-4),
    "亿元": ("亿元", 1.0),
    "万亿元": ("亿元", 1e4),
    "万美元": ("万美元", 1.0),
    "亿美元": ("万美元", 1e4),
    "%": ("%", 1.0),
    "百分点": ("%", 1.0),
    "千瓦": ("千瓦", 1.0),
    "件/万人": ("件/万人", 1.0),
}

#: Units that may stand for each other inside one indicator (a count of platforms may be 个 or 家).
COMPATIBLE_GROUPS: list[set[str]] = [
    {"家", "个", "项", "件", "人", "位", "人次"},
    {"亿元"},
    {"万美元"},
    {"%"},
    {"千瓦"},
    {"件/万人"},
    {"人年"},
]

KNOWN_UNITS = frozenset(CANONICAL)


class UnknownUnitError(ValueError):
    """A unit string the toolkit does not know how to canonicalise."""


def canonical_unit(unit: str) -> str:
    """Canonical unit for a unit as written (万元 → 亿元). Raises :class:`UnknownUnitError`."""
    try:
        return CANONICAL[unit.strip()][0]
    except KeyError as exc:
        raise UnknownUnitError(
            f"unknown unit {unit!r}; known units: {', '.join(sorted(KNOWN_UNITS))}"
        ) from exc


def to_canonical(value: float, unit: str) -> tuple[float, str]:
    """Convert ``value`` in ``unit`` to the canonical unit: ``to_canonical(550, '万元') == (0.055, '亿元')``."""
    try:
        canon, factor = CANONICAL[unit.strip()]
    except KeyError as exc:
        raise UnknownUnitError(f"unknown unit {unit!r}") from exc
    return value * factor, canon


def canonicalise(values: "pd.Series", units: "pd.Series") -> tuple["pd.Series", "pd.Series"]:
    """Vectorised :func:`to_canonical` for columns; unknown units are left as written (the schema reports them)."""
    factors = units.map(lambda u: CANONICAL.get(u, (u, 1.0))[1])
    return values * factors, units.map(lambda u: CANONICAL.get(u, (u, 1.0))[0])


def compatible(unit_a: str, unit_b: str) -> bool:
    """Whether two canonical units can describe the same indicator."""
    if unit_a == unit_b:
        return True
    return any(unit_a in g and unit_b in g for g in COMPATIBLE_GROUPS)
