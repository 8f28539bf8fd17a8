"""Rung C's recalibration per indicator: a Platt map for each indicator shrunk toward the pooled one,
and the gate that withholds P where even that map is not calibrated out of sample.

Why: rung C's pooled map σ(a + b·logit P) is calibrated when all indicators are pooled, but not per
indicator. On the bundled panel, out of sample (cross-fitted by indicator, time-respecting), the pooled
map leaves 16 of 17 indicators outside the slope check: rd_expenditure's recalibrated slope is 3.2
(under-confident), tech_contract_value's intercept 1.5 (events come true far more often than said).
One map cannot move indicators in opposite directions.

The per-indicator map (empirical Bayes on θ = (a, b)): for indicator k as of year t,

    θ_k(t) = θ₀ + T (T + V_k)⁻¹ (θ̂_k − θ₀)

where θ̂_k is the Platt fit on k's own backtest events with outcome year ≤ t, V_k its cluster-robust
(sandwich) covariance over k's fold fits (level × origin; events of one fit share its error), θ₀
the pooled map of the *other* indicators' events ≤ t, and T the between-indicator covariance of θ
(method of moments: the spread of θ̂_k − θ₀ net of the mean V_k). An indicator with few fold fits
(V_k large) stays near the pooled map; one with many moves to its own. Everything at year t uses
outcomes ≤ t only (an assessment of indicator k as of t may use k's backtest outcomes ≤ t).

The gate: for each year t and indicator k, the cluster-bootstrap slope check of
:mod:`analysis.models.calibration_check` on k's *out-of-sample* recalibrated events with outcome
year ≤ t (each event recalibrated by the map of its origin year, which never saw it). Where k fails
— or has too few fold fits and the pooled check fails — rung-C targets of k assessed as of t show
no probability (note ``probability_withheld_indicator``).

Example:
    >>> theta0, T, V = np.array([0.0, 0.7]), np.diag([0.25, 0.25]), np.diag([0.25, 0.25])
    >>> shrink(np.array([0.0, 1.7]), V, theta0, T).round(3).tolist()   # half-way: T = V
    [0.0, 1.2]
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.models.recalibrate import MIN_EVENTS, MIN_YEARS, PlattMap, events, fit_platt, logit, sigmoid

#: an indicator gets a map of its own only with this many fold fits (clusters) behind it
MIN_OWN_CLUSTERS = 4
#: and only when this many indicators have own fits to estimate the between-indicator spread T
MIN_INDICATORS = 3
#: eigenvalue floor of T (a T of 0 means "no indicator differs": every map is the pooled one)
T_FLOOR = 1e-4
#: the gate's bootstrap: as many replicates and the same seed as the slope check of rungs B and C
GATE_REPS, GATE_SEED = 400, 0
#: calibration in the large: the observed frequency may differ from the mean P by at most this much
MAX_GAP = 0.05
#: the rung whose recalibration is per indicator (rung B is judged by level: models/calibration_check.py)
RUNG = "C"


def clustered(ev: pd.DataFrame) -> pd.DataFrame:
    """``ev`` with a ``cluster`` column: indicator × level × origin (one fold fit of rung C)."""
    return ev.assign(cluster=ev["indicator"].astype(str) + "|" + ev["level"].astype(str) + "|"
                     + ev["origin"].astype(str))


def sandwich(ev: pd.DataFrame, m: PlattMap) -> np.ndarray:
    """Cluster-robust covariance of the Platt (a, b) fitted on ``ev`` (column ``cluster``), with the
    small-sample factor G/(G − 1): H⁻¹ (Σ_c s_c s_cᵀ) H⁻¹, s_c the score of cluster c."""
    x = logit(ev["p"])
    X = np.column_stack([np.ones_like(x), x])
    mu = sigmoid(X @ np.array([m.a, m.b]))
    resid = ev["met"].to_numpy(float) - mu
    scores = pd.DataFrame(X * resid[:, None]).groupby(ev["cluster"].to_numpy()).sum().to_numpy()
    g = len(scores)
    hinv = np.linalg.pinv(X.T @ (X * (mu * (1 - mu))[:, None]))
    return hinv @ (scores.T @ scores) @ hinv * (g / max(g - 1, 1))


def shrink(theta: np.ndarray, V: np.ndarray, theta0: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Posterior mean of θ under θ ~ N(θ₀, T) and θ̂ ~ N(θ, V): θ₀ + T (T + V)⁻¹ (θ̂ − θ₀)."""
    return theta0 + T @ np.linalg.pinv(T + V) @ (theta - theta0)


def between_cov(dev: np.ndarray, Vs: np.ndarray) -> np.ndarray:
    """Method-of-moments between-indicator covariance: mean(d dᵀ) − mean(V), eigenvalues floored at
    :data:`T_FLOOR` (``dev`` K×2 deviations θ̂_k − θ₀, ``Vs`` K×2×2)."""
    raw = dev.T @ dev / len(dev) - Vs.mean(axis=0)
    w, U = np.linalg.eigh((raw + raw.T) / 2)
    return U @ np.diag(np.maximum(w, T_FLOOR)) @ U.T


def maps_at(ev: pd.DataFrame, year: int) -> dict[str, Any]:
    """The shrunk per-indicator maps from events with outcome year ≤ ``year`` (``ev`` clustered).

    Returns ``{"maps": {indicator: PlattMap}, "pooled": {indicator: PlattMap}, "T": 2×2 list}``;
    an indicator without enough fold fits of its own has no entry in ``maps`` (its targets use the
    pooled map of all indicators). Empty when the events up to ``year`` are too few.
    """
    sub = ev[ev["outcome_year"] <= year]
    if len(sub) < MIN_EVENTS or sub["outcome_year"].nunique() < MIN_YEARS:
        return {}
    own, dev, Vs = {}, [], []
    for k, g in sub.groupby("indicator"):
        rest = sub[sub["indicator"] != k]
        if g["cluster"].nunique() < MIN_OWN_CLUSTERS or len(rest) < MIN_EVENTS:
            continue
        m_k, m_0 = fit_platt(g["p"], g["met"]), fit_platt(rest["p"], rest["met"])
        if not (np.isfinite([m_k.a, m_k.b]).all() and m_k.b > 0):
            continue
        V = sandwich(g, m_k)
        if not np.isfinite(V).all():
            continue
        own[k] = (np.array([m_k.a, m_k.b]), V, m_0, int(len(g)), int(g["case"].nunique()))
        dev.append(own[k][0] - np.array([m_0.a, m_0.b]))
        Vs.append(V)
    if len(own) < MIN_INDICATORS:
        return {"maps": {}, "pooled": {}, "T": None}
    T = between_cov(np.array(dev), np.array(Vs))
    maps, pooled = {}, {}
    for k, (theta, V, m_0, n_ev, n_cases) in own.items():
        a, b = shrink(theta, V, np.array([m_0.a, m_0.b]), T)
        if b > 0:
            maps[k] = PlattMap(float(a), float(b), float(np.sqrt(V[0, 0])), float(np.sqrt(V[1, 1])), n_ev, n_cases,
                               int(year))
            pooled[k] = m_0
    return {"maps": maps, "pooled": pooled, "T": T.round(6).tolist()}


def indicator_maps_by_year(cases: pd.DataFrame) -> dict[int, dict[str, PlattMap]]:
    """For each outcome year t, the shrunk maps of every indicator from outcomes ≤ t (:func:`maps_at`)."""
    ev = clustered(events(cases))
    out = {}
    for year in sorted(ev["outcome_year"].unique()):
        got = maps_at(ev, int(year))
        if got:
            out[int(year)] = got["maps"]
    return out


def out_of_sample(cases: pd.DataFrame, by_year: dict[int, dict[str, PlattMap]] | None = None,
                  pooled: dict[int, PlattMap] | None = None) -> pd.DataFrame:
    """Events of ``cases`` with ``p_cal``: recalibrated by the map of the case's *origin* year (never
    its own outcome): the indicator's shrunk map where it has one, else the pooled map of that year
    (``pooled``, default :func:`analysis.models.recalibrate.maps_by_year` of the cases), else raw
    (``has_map`` False). ``source`` says which ("indicator", "pooled", "none")."""
    from analysis.models.recalibrate import map_for, maps_by_year

    by_year = indicator_maps_by_year(cases) if by_year is None else by_year
    pooled = maps_by_year(cases) if pooled is None else pooled
    ev = clustered(events(cases))
    ev["p_cal"], ev["has_map"], ev["source"] = ev["p"], False, "none"
    for (k, origin), idx in ev.groupby(["indicator", "origin"]).groups.items():
        years = [y for y in by_year if y <= origin]
        m = by_year[max(years)].get(k) if years else None
        src = "indicator"
        if m is None:
            m, src = map_for(pooled, int(origin)), "pooled"
        if m is not None:
            ev.loc[idx, "p_cal"] = m(ev.loc[idx, "p"].to_numpy())
            ev.loc[idx, ["has_map", "source"]] = True, src
    return ev


def gate_rows(ev: pd.DataFrame, reps: int = GATE_REPS, seed: int = GATE_SEED) -> dict[str, Any]:
    """The slope check of out-of-sample recalibrated events ``ev`` (columns ``p_cal``, ``met``,
    ``cluster``, ``indicator``): pooled and per indicator with at least
    :data:`analysis.models.calibration_check.MIN_CLUSTERS` fold fits, as
    :func:`analysis.models.calibration_check.slope_check` returns it, plus the calibration-in-the-large
    gap (observed frequency − mean P) and its cluster-bootstrap 95 % interval."""
    from analysis.models.calibration_check import MIN_CLUSTERS, _slope

    ev = ev[ev["has_map"]].assign(p=lambda d: d["p_cal"]) if "has_map" in ev else ev.assign(p=ev["p_cal"])
    if ev.empty:
        return {"pooled": None, "groups": {}}
    groups = {str(k): _judged(_slope(g, reps, seed)) for k, g in ev.groupby("indicator")
              if g["cluster"].nunique() >= MIN_CLUSTERS}
    return {"pooled": _judged(_slope(ev, reps, seed)), "groups": groups}


def _judged(row: dict[str, Any]) -> dict[str, Any]:
    """A slope-check row with ``slope_ok`` (the slope check's verdict) and ``calibrated`` = slope_ok
    and |gap| ≤ :data:`MAX_GAP` (a calibrated slope with events coming true 13 points more often than
    said is not a calibrated probability)."""
    return {**row, "slope_ok": row["calibrated"], "calibrated": bool(row["calibrated"] and abs(row["gap"]) <= MAX_GAP)}


def gates_by_year(ev: pd.DataFrame, reps: int = GATE_REPS, seed: int = GATE_SEED) -> dict[int, dict[str, Any]]:
    """For each outcome year t, :func:`gate_rows` of the out-of-sample events with outcome year ≤ t
    (each recalibrated by its origin's map): what an assessment as of t can know about whether the
    recalibrated P of each indicator is calibrated."""
    ev = ev[ev["has_map"]]
    return {int(t): gate_rows(ev[ev["outcome_year"] <= t], reps, seed)
            for t in sorted(ev["outcome_year"].unique())}


def gate_for(gates: dict[int, dict[str, Any]], indicator: str, as_of: int | None) -> tuple[bool, dict[str, Any] | None]:
    """Whether rung-C P of ``indicator`` may be shown as of ``as_of``, and the row that says so: the
    indicator's own row of the latest gate year ≤ as_of where it was judged, else that year's row for
    indicators the maps never saw (``unseen``: the pooled map cross-fitted by indicator), else the
    pooled row (``judged_by`` says which, ``year`` the gate year); (True, None) before the first gate
    year (nothing to judge from: the P keeps its other notes).

    >>> g = {2020: {"pooled": {"calibrated": True}, "groups": {"k": {"calibrated": False}}}}
    >>> gate_for(g, "k", 2021)[0], gate_for(g, "j", 2021)[0], gate_for(g, "k", 2019)
    (False, True, (True, None))
    """
    years = [y for y in gates if as_of is not None and y <= as_of]
    if not years:
        return True, None
    g = gates[max(years)]
    for judged_by, row in (("indicator", (g.get("groups") or {}).get(indicator)), ("unseen", g.get("unseen")),
                           ("pooled", g.get("pooled"))):
        if row is not None:
            return bool(row.get("calibrated", False)), {**row, "judged_by": judged_by, "year": max(years)}
    return True, None


def build(cases: pd.DataFrame, pooled: dict[int, PlattMap], reps: int = GATE_REPS) -> dict[str, Any]:
    """What ``recalibration.json`` stores for rung C's per-indicator recalibration.

    ``maps`` {year: {indicator: map}} (shrunk, outcomes ≤ year); ``proof`` the out-of-sample scores of
    the pooled map vs the per-indicator maps on the same events (each recalibrated by its origin
    year's map); ``applied_by_year`` whether per-indicator maps are used as of each year (they improve
    the log score and do not worsen Brier on out-of-sample events with outcomes ≤ that year; ``applied``
    the last year's); ``gates`` {year: {"pooled", "groups", "unseen"}} the slope checks of that year's
    applied recalibration on out-of-sample events with outcomes ≤ year (``unseen``: the pooled map
    cross-fitted by indicator, time-respecting: how it does on an indicator it never saw). Nothing
    stored for year t depends on an outcome after t.
    """
    from analysis.models.recalibrate import cross_fit, scores

    by_year = indicator_maps_by_year(cases)
    own = out_of_sample(cases, by_year, pooled)
    base = out_of_sample(cases, {}, pooled)
    keep = own["has_map"] & base["has_map"]
    unseen = clustered(cross_fit(cases, "indicator", time_respecting=True))
    unseen = unseen[unseen["has_map"]]
    applied_by_year, gates = {}, {}
    for t in sorted(own.loc[keep, "outcome_year"].unique()):
        applied_by_year[int(t)] = _better(own[keep & (own["outcome_year"] <= t)], base[keep & (base["outcome_year"] <= t)])
        shown = own if applied_by_year[int(t)] else base
        gates[int(t)] = gate_rows(shown[shown["has_map"] & (shown["outcome_year"] <= t)], reps)
        sub = unseen[unseen["outcome_year"] <= t]
        if not sub.empty:
            gates[int(t)]["unseen"] = _judged(_slope_of(sub, reps))
    s_pool, s_ind = scores(base.loc[keep, "p_cal"], base.loc[keep, "met"]), scores(own.loc[keep, "p_cal"], own.loc[keep, "met"])
    r4 = lambda d: {k: round(v, 4) if isinstance(v, float) else v for k, v in d.items()}  # noqa: E731
    return {"applied": bool(applied_by_year and applied_by_year[max(applied_by_year)]),
            "applied_by_year": {str(t): v for t, v in applied_by_year.items()},
            "min_own_clusters": MIN_OWN_CLUSTERS, "max_gap": MAX_GAP, "reps": reps,
            "maps": {str(y): {k: m.to_json() for k, m in ms.items()} for y, ms in by_year.items()},
            "proof": {"n": s_pool["n"], "pooled_map": r4(s_pool), "indicator_maps": r4(s_ind)},
            "gates": {str(t): g for t, g in gates.items()}}


def _better(own: pd.DataFrame, base: pd.DataFrame) -> bool:
    """Per-indicator maps beat the pooled map on these out-of-sample events: lower log score, Brier no
    worse by more than 0.001 (the rule :func:`analysis.models.recalibrate_build.proof` uses)."""
    from analysis.models.recalibrate import scores

    if own.empty:
        return False
    s_own, s_base = scores(own["p_cal"], own["met"]), scores(base["p_cal"], base["met"])
    return bool(s_own["log_score"] < s_base["log_score"] and s_own["brier"] <= s_base["brier"] + 1e-3)


def _slope_of(ev: pd.DataFrame, reps: int) -> dict[str, Any]:
    from analysis.models.calibration_check import _slope

    return _slope(ev.assign(p=ev["p_cal"]), reps, GATE_SEED)


# ---------------------------------------------------------------------- reading the stored artefact
def stored_gates(art: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The stored gates of ``recalibration.json`` (``art``) by year; {} when none are stored."""
    return {int(y): g for y, g in ((art.get("indicator") or {}).get("gates") or {}).items()}


def stored_map(art: dict[str, Any], indicator: str, as_of: int | None) -> PlattMap | None:
    """The stored shrunk map of ``indicator`` for an assessment as of ``as_of`` (latest year ≤ as_of), or
    None: none stored, not applied as of that year (``applied_by_year``), or the indicator has no map of
    its own that year (pooled map then)."""
    ind = art.get("indicator") or {}
    if as_of is None:
        return None
    years = [int(y) for y in ind.get("maps", {}) if int(y) <= as_of]
    applied = {int(y): v for y, v in (ind.get("applied_by_year") or {}).items() if int(y) <= as_of}
    if not years or not applied or not applied[max(applied)]:
        return None
    m = ind["maps"][str(max(years))].get(indicator)
    return PlattMap(**m) if m else None


# ---------------------------------------------------------------------- out-of-sample report
def shown_events(cases: pd.DataFrame, art: dict[str, Any], pooled: dict[int, PlattMap]) -> pd.DataFrame:
    """Out-of-sample events as an assessment as of each case's origin would show them: recalibrated
    by the stored maps of that year (``p_pooled``: by the pooled map alone), ``shown`` False where that
    year's gate withholds the indicator.
    ``art`` is ``recalibration.json`` (with ``indicator``)."""
    ev = clustered(events(cases))
    ev["p_cal"], ev["p_pooled"], ev["shown"] = np.nan, np.nan, False
    gates = stored_gates(art)
    from analysis.models.recalibrate import map_for

    for (k, origin), idx in ev.groupby(["indicator", "origin"]).groups.items():
        m0 = map_for(pooled, int(origin))
        if m0 is None:
            continue
        m = stored_map(art, k, int(origin)) or m0
        ev.loc[idx, "p_cal"] = m(ev.loc[idx, "p"].to_numpy())
        ev.loc[idx, "p_pooled"] = m0(ev.loc[idx, "p"].to_numpy())
        ev.loc[idx, "shown"] = gate_for(gates, k, int(origin))[0]
    return ev[ev["p_cal"].notna()].reset_index(drop=True)


def report(cases: pd.DataFrame, art: dict[str, Any], bins: int = 10) -> dict[str, pd.DataFrame]:
    """Rung C's reliability out of sample (all events with a map as of their origin): the model's P,
    the pooled map (what the engine showed before this module), the stored maps as applied, and the
    same restricted to the events the gate shows; with Brier and log scores.

    Example: ``report(ladder_cases(rung="C", n_draws=300), recalibrate.stored())["scores"]``.
    """
    from analysis.backtest_ladder import reliability_diagram
    from analysis.models.recalibrate import maps_by_year, scores

    if "rung" in cases:
        cases = cases[cases["rung"] == RUNG].reset_index(drop=True)
    ev = shown_events(cases, art, maps_by_year(cases))
    sets = {"model": (ev, "p"), "pooled_map": (ev, "p_pooled"), "indicator_maps": (ev, "p_cal"),
            "shown": (ev[ev["shown"]], "p_cal")}
    tables, rows = {}, []
    for name, (d, col) in sets.items():
        tables[name] = reliability_diagram(d[col].to_numpy(), d["met"].to_numpy(), bins)
        rows.append({"p": name, **scores(d[col], d["met"])})
    return {**tables, "scores": pd.DataFrame(rows)}


def main(argv: list[str] | None = None) -> int:
    """Print rung C's calibration per indicator out of sample: the pooled map (cross-fitted by
    indicator, time-respecting), the stored per-indicator maps, and the reliability as shown.

    ``python -m analysis.models.recalibrate_indicator --cache /tmp/cases`` (the build's ``--cache``).
    """
    import argparse
    from pathlib import Path

    from analysis.models.calibration_check import _slope
    from analysis.models.recalibrate import cross_fit, maps_by_year, stored
    from analysis.models.recalibrate_build import _cases

    ap = argparse.ArgumentParser(prog="python -m analysis.models.recalibrate_indicator", description=main.__doc__)
    ap.add_argument("--cache", type=Path, help="folder with the build's ladder cases (cases_C.pkl)")
    cases = _cases(RUNG, ap.parse_args(argv).cache)
    art = stored()
    pd.set_option("display.width", 200)
    cf = clustered(cross_fit(cases, "indicator", time_respecting=True))
    before = gate_rows(cf[cf["has_map"]])
    after = {"pooled": art["proof"][RUNG]["calibration_after"]["pooled"], **art["proof"][RUNG]["calibration_after"]["groups"]}
    cols = ["n_events", "n_clusters", "a", "b", "b_lo", "b_hi", "gap", "calibrated"]
    table = pd.concat({"pooled map (cross-fitted by indicator, time-respecting)":
                       pd.DataFrame({"pooled": before["pooled"], **before["groups"]}).T[cols],
                       "per-indicator maps (time-respecting)": pd.DataFrame(after).T[cols[2:]]}, axis=1)
    print(table.to_string())
    rep = report(cases, art)
    print(rep["scores"].round(4).to_string(index=False))
    print(pd.concat({k: rep[k].set_index("bin") for k in ("model", "pooled_map", "indicator_maps", "shown")},
                    axis=1).round(3).to_string())
    ev = shown_events(cases, art, maps_by_year(cases))
    for name, col, d in [("pooled map", "p_pooled", ev), ("stored maps", "p_cal", ev), ("shown", "p_cal", ev[ev["shown"]])]:
        row = _slope(d.assign(p=d[col]), GATE_REPS, GATE_SEED)
        print(name, {k: row[k] for k in cols[:-1]})
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
