"""Data shaped for the report notebooks (so the notebooks stay a few lines per cell)."""
from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from analysis.assessment import Assessment


def region_targets(region: str, targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """The registry rows of one region, in registry order."""
    from analysis.data.loaders import load_targets

    reg = load_targets() if targets is None else targets
    return reg[reg["region"] == region].reset_index(drop=True)


def target_assessment(target_id: str, seed: int = 0, as_of: int | None = None) -> Assessment:
    """The Assessment of one registry target: the batch's stored record, else assessed here.

    In a batch the target was assessed once, before the notebooks ran
    (:mod:`analysis.reports.records`); standalone (JupyterLab, ``analysis report``) there is no
    record and the target is assessed now, with the same engine code and the same numbers.
    Example: ``target_assessment("shanwei2022-p-hte_count").verdict``.
    """
    from analysis.assess import assess_target
    from analysis.reports.records import load_record

    stored = load_record(target_id, seed, as_of)
    return stored if stored is not None else assess_target(target_id, seed=seed, as_of=as_of)


def assess_rows(rows: pd.DataFrame, seed: int = 0, as_of: int | None = None) -> tuple[pd.DataFrame, list[Assessment]]:
    """Assess registry rows one by one: a record table (one row per target) and the Assessments.

    Each row's stored batch record is used when there is one (see :func:`target_assessment`).
    A target that raises is kept in the table with verdict ``error`` and the reason in ``notes``.
    """
    from analysis.assess import assess_one
    from analysis.reports.records import load_record

    records, assessments = [], []
    for row in rows.to_dict(orient="records"):
        try:
            a = load_record(str(row.get("target_id")), seed, as_of)
            a = a if a is not None else assess_one(row, seed=seed, as_of=as_of)
        except Exception as err:  # noqa: BLE001 - one bad target must not sink the scorecard
            a = Assessment(target_id=str(row.get("target_id")), region=str(row.get("region")),
                           indicator=str(row.get("indicator") or ""), indicator_zh=str(row.get("indicator_zh") or ""),
                           verdict="error", notes=[f"{type(err).__name__}: {err}"])
        assessments.append(a)
        records.append(a.to_record())
    return pd.DataFrame.from_records(records), assessments


def city_summary(region: str, results: pd.DataFrame) -> dict[str, Any]:
    """What a city report publishes for the index: goals (restated rows folded) and their verdicts.

    ``n_targets`` counts goals, ``n_rows`` the registry rows; ``counts`` is goals per verdict.
    """
    from analysis.reports.goals import fold_goals

    goals = fold_goals(results) if not results.empty else []
    counts = Counter(g["verdict"] for g in goals)
    return {"region": region, "n_targets": len(goals), "n_rows": int(len(results)), "counts": dict(counts),
            "target_ids": results["target_id"].tolist() if not results.empty else []}


def indicator_panel(series: pd.DataFrame, indicator: str, level: str | None = None) -> pd.DataFrame:
    """``load_panel(indicator=…, level=…)`` from already loaded series (the pick rule is per region-year).

    Lets a notebook read and check the series files once for its panel and its coverage tables.
    Example: ``indicator_panel(load_series(), "hte_count", "city")``.
    """
    from analysis.data.loaders import pick_observations

    s = series[series["indicator"] == indicator]
    if level is not None:
        s = s[s["level"] == level]
    return pick_observations(s).reset_index(drop=True)


def latest_levels(panel: pd.DataFrame) -> pd.DataFrame:
    """Each region's latest value (region, parent, year, value, unit, qualifier, source, quote)."""
    if panel.empty:
        return panel
    last = panel.sort_values("year").groupby("region", as_index=False).tail(1)
    cols = [c for c in ("region", "parent", "year", "value", "unit", "qualifier", "reliability", "source", "quote")
            if c in last]
    return last[cols].sort_values("value", ascending=False).reset_index(drop=True)


def annual_changes(panel: pd.DataFrame, log_scale: bool = True) -> pd.DataFrame:
    """Annual changes between consecutive observed years (per year when years are skipped).

    Columns: region, level, parent, year (end year), change (log ratio or pp per year). Bounds
    (突破/超) are left out, as in the models.
    """
    from analysis.models.changes import consecutive_changes, fit_rows

    if panel.empty:
        return pd.DataFrame(columns=["region", "level", "parent", "year", "change"])
    ch = consecutive_changes(fit_rows(panel, log_scale))
    out = ch.assign(year=ch["end_year"], change=ch["dy"] / ch["dt"])
    return out[["region", "level", "parent", "year", "change"]].reset_index(drop=True)


def growth_table(changes: pd.DataFrame, log_scale: bool = True) -> pd.DataFrame:
    """Per region: number of changes, mean and best annual growth (%/yr or pp/yr), sorted by mean."""
    if changes.empty:
        return pd.DataFrame(columns=["region", "n", "mean", "best"])
    g = changes.groupby("region")["change"].agg(n="size", mean="mean", best="max").reset_index()
    if log_scale:
        g["mean"] = 100 * np.expm1(g["mean"])
        g["best"] = 100 * np.expm1(g["best"])
    return g.sort_values("mean", ascending=False).reset_index(drop=True)
