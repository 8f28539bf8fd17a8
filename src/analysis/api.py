"""The Python API a researcher calls from JupyterLab: the same names and checks as the CLI.

Each function here is a thin wrapper: it sends what the user typed through
:mod:`analysis.resolve` (the layer ``analysis assess`` and ``analysis report`` use too), then calls
the engine (:mod:`analysis.assess`) or the loaders. So ``analysis.assess_one({"region": "汕尾", …})``
and ``analysis assess --region 汕尾 …`` assess the same target, with the level and parent taken
from ``data/regions.csv`` or the data, and refuse the same mistakes with the same message.

Example:
    >>> import analysis
    >>> a = analysis.assess_one({"region": "汕尾", "indicator": "高新技术企业数量", "baseline_year": 2021,
    ...                          "baseline_value": 49, "target_year": 2022, "target_value": 100})
    >>> a.region, a.level, a.parent, a.indicator, a.evidence
    ('汕尾市', 'city', '广东省', 'hte_count', 'B')
    >>> a.p_meet < 0.2, a.level_p50 < 100  # rung B's city fold is calibrated out of sample: P is shown
    (True, True)
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import resolve

log = logging.getLogger(__name__)


def _engine(seed: int, panel: pd.DataFrame | None):
    from analysis.assess import get_engine

    return get_engine(resolve.at_least(seed, 0, "seed"), panel)


def _as_of(as_of: Any, engine) -> int | None:
    return resolve.check_as_of(as_of, resolve.data_years(engine.panel))


def assess_one(target: Mapping[str, Any], *, panel: pd.DataFrame | None = None, seed: int = 0,
               as_of: int | None = None):
    """Assess one target given as a mapping with the registry columns (an :class:`~analysis.Assessment`).

    Region short names, Chinese indicator names and synonyms are accepted; level and parent are
    filled in from ``data/regions.csv`` or the data. A bad name or number raises
    :class:`analysis.resolve.ResolveError` (a ``ValueError``) naming the column.

    Example:
        >>> a = assess_one({"region": "汕尾市", "indicator": "hte_count", "baseline_year": 2021,
        ...                 "baseline_value": 49, "target_year": 2022, "target_value": 100})
        >>> round(a.required_cagr, 4)
        1.0408
    """
    engine = _engine(seed, panel)
    year = _as_of(as_of, engine)
    return engine.assess(resolve.resolve_target(target, panel=engine.panel), as_of=year)


def assess_target(target_id: str, *, seed: int = 0, as_of: int | None = None, panel: pd.DataFrame | None = None):
    """Assess one registry target by id; an unknown id raises ``KeyError`` listing close matches.

    Example:
        >>> a = assess_target("shanwei2022-t01-hte_count")
        >>> a.baseline_value, a.target_value, a.evidence
        (49.0, 100.0, 'B')
    """
    from analysis.assess import find_target

    return assess_one(find_target(target_id).to_dict(), panel=panel, seed=seed, as_of=as_of)


def assess(targets: pd.DataFrame | None = None, *, seed: int = 0, as_of: int | None = None,
           panel: pd.DataFrame | None = None, workers: int = 1) -> pd.DataFrame:
    """Assess a DataFrame of targets (default: the registry); one row per target, contract columns first.

    Every row goes through :func:`analysis.resolve.resolve_target`; a row that fails it, or that
    raises in the engine, gets verdict ``error`` with the reason in ``notes``, and the others are
    still assessed. ``workers=2`` uses two processes for a large table (≥ 400 targets; the same
    result, bit for bit; see :mod:`analysis.engine.parallel`).

    Example:
        >>> table = assess(load_targets().head(3))
        >>> len(table), list(table.columns[:3])
        (3, ['target_id', 'region', 'indicator'])
    """
    from analysis.assess import assess as assess_table
    from analysis.assessment import INTEGER_FIELDS, Assessment
    from analysis.data.loaders import load_targets

    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers: must be a whole number ≥ 1, got {workers!r}")
    targets = load_targets() if targets is None else targets
    engine = _engine(seed, panel)
    year = _as_of(as_of, engine)
    good, bad = [], {}
    for i, row in enumerate(targets.to_dict(orient="records")):
        try:
            good.append((i, resolve.resolve_target(row, panel=engine.panel)))
        except resolve.ResolveError as err:
            bad[i] = Assessment(target_id=str(row.get("target_id") or "adhoc"), region=str(row.get("region") or ""),
                                indicator=str(row.get("indicator") or ""), verdict="error",
                                notes=[f"invalid target: {err}"]).to_record()
    done = (assess_table(pd.DataFrame([t for _, t in good]), as_of=year, engine=engine, workers=workers)
            if good else pd.DataFrame())
    records = dict(zip([i for i, _ in good], done.to_dict(orient="records")))
    records.update(bad)
    table = pd.DataFrame.from_records([records[i] for i in sorted(records)])
    for col in INTEGER_FIELDS:
        if col in table:
            table[col] = table[col].astype("Int64")
    return table


def load_panel(extra_dirs: list[str | Path] | None = None, indicator: str | None = None,
               level: str | None = None, region: str | None = None) -> pd.DataFrame:
    """The tidy panel (one value per region, indicator and year), optionally filtered.

    ``indicator`` may be a code, a Chinese name or a synonym; an unknown one raises
    :class:`~analysis.resolve.ResolveError` with close matches instead of returning an empty frame.

    Example:
        >>> sw = load_panel(indicator="高企", region="汕尾")
        >>> sorted(set(sw["region"])), sorted(set(sw["indicator"]))
        (['汕尾市'], ['hte_count'])
    """
    from analysis.data.loaders import load_panel as load

    code = resolve.resolve_indicator(indicator) if indicator is not None else None
    lvl = resolve.resolve_level(level)
    panel = load(extra_dirs, indicator=code, level=lvl)
    if region is not None:
        name = resolve.resolve_region(region, panel=load(extra_dirs)).name
        panel = panel[panel["region"] == name].reset_index(drop=True)
    return panel


def coverage_grid(indicator: str = "hte_count", level: str | None = None, parent: str | None = None,
                  **kwargs: Any) -> pd.DataFrame:
    """Region × year grid of sourced values (see :func:`analysis.data.coverage.coverage_grid`).

    Example:
        >>> grid = coverage_grid("高企", level="city")
        >>> "汕尾市" in grid.index.get_level_values("region")
        True
    """
    from analysis.data.coverage import coverage_grid as grid

    par = resolve.resolve_region(parent, param="parent").name if parent is not None else None
    return grid(resolve.resolve_indicator(indicator), level=resolve.resolve_level(level), parent=par, **kwargs)


def load_targets(path: str | Path | None = None, validate: bool = True) -> pd.DataFrame:
    """The hand-checked target registry (``data/targets/targets.csv``), typed and validated.

    Example:
        >>> "shanwei2022-t01-hte_count" in set(load_targets()["target_id"])
        True
    """
    from analysis.data.loaders import load_targets as load

    return load(Path(path) if path is not None else None, validate=validate)
