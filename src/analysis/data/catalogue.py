"""The indicator catalogue (``data/indicators.csv``): codes, names, canonical units and kinds.

``kind`` decides the scale the models work on: counts and amounts on log scale (growth in %),
shares and rates on their own scale (change in percentage points).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis.config import data_dir

KINDS = ("count", "amount", "share", "rate")
LOG_KINDS = ("count", "amount")


def load_indicators(path: Path | None = None) -> pd.DataFrame:
    """Load the indicator catalogue, indexed by ``code``.

    Raises ``ValueError`` naming the file, line and column when a row is malformed.
    """
    path = Path(path or data_dir() / "indicators.csv")
    from analysis.data.csvio import read_csv_text

    table = read_csv_text(path, required=["code", "name_zh", "unit", "kind", "higher_is_better"])
    problems = []
    for i, row in table.iterrows():
        line = i + 2
        if not row["code"]:
            problems.append(f"{path}:{line}:code: empty indicator code")
        if row["kind"] not in KINDS:
            problems.append(f"{path}:{line}:kind: {row['kind']!r} not in {KINDS}")
        if row["higher_is_better"].lower() not in ("true", "false"):
            problems.append(f"{path}:{line}:higher_is_better: must be true or false")
    dup = table["code"][table["code"].duplicated()]
    problems += [f"{path}:{i + 2}:code: duplicate code {c!r}" for i, c in dup.items()]
    if problems:
        raise ValueError("\n".join(problems))
    table["higher_is_better"] = table["higher_is_better"].str.lower() == "true"
    return table.set_index("code", drop=False)


@lru_cache(maxsize=1)
def indicator_names() -> dict[str, tuple[str, str]]:
    """Indicator code -> (Chinese name, English name) from the bundled catalogue, read once.

    Example: ``indicator_names()["hte_count"][0]`` is the catalogue's Chinese name of 高企.
    """
    cat = load_indicators()
    return {str(code): (str(row.get("name_zh") or code), str(row.get("name_en") or code))
            for code, row in cat.iterrows()}


def is_log_scale(kind: str) -> bool:
    """Counts and amounts are modelled as log levels; shares and rates in points."""
    return kind in LOG_KINDS


#: ``<code>[_ytd<M>][_growth]``: the partial-year (January to month M) and growth-rate variants of a
#: catalogue code, as written by ``analysis extract --past`` (see :func:`variant_of`).
_VARIANT_RE = re.compile(r"^(?P<base>[a-z0-9_]+?)(?:_ytd(?P<month>[1-9]|1[01]))?(?P<growth>_growth)?$")


def variant_of(code: str, catalogue: pd.DataFrame) -> dict | None:
    """Catalogue row of a variant code, or None when ``code`` is not a variant of a catalogue code.

    Partial-year values (``上半年``, ``1-6月``, ``截至6月底``) carry the suffix ``_ytd<M>`` (M = last
    month covered) so that they never mix with annual values; a stated year-on-year growth rate is
    its own row with the suffix ``_growth`` (kind ``rate``, unit ``%``). The base keeps its kind and
    unit. Example: ``variant_of("tech_contract_value_ytd6_growth", cat)["unit"] == "%"``.
    """
    if code in catalogue.index:
        return None
    m = _VARIANT_RE.match(code)
    if not m or m.group("base") not in catalogue.index or not (m.group("month") or m.group("growth")):
        return None
    row = catalogue.loc[m.group("base")].to_dict()
    row["code"] = code
    if m.group("month"):
        row["name_zh"] = f"{row['name_zh']}(1-{m.group('month')}月)"
        row["name_en"] = f"{row['name_en']} (January to month {m.group('month')})"
    if m.group("growth"):
        row.update(kind="rate", unit="%", stock_or_flow="flow", name_zh=f"{row['name_zh']}增速",
                   name_en=f"{row['name_en']}: year-on-year growth")
    return row


def with_variants(catalogue: pd.DataFrame, codes) -> pd.DataFrame:
    """``catalogue`` plus a row for each variant code among ``codes`` (see :func:`variant_of`)."""
    rows = [r for r in (variant_of(str(c), catalogue) for c in set(codes)) if r is not None]
    if not rows:
        return catalogue
    extra = pd.DataFrame(rows).set_index("code", drop=False)
    return pd.concat([catalogue, extra[catalogue.columns.intersection(extra.columns)]])
