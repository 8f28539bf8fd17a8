"""Recalibrated P(meet) for rungs B and C: Platt scaling learned on the ladder backtest, by outcome year.

The family model (rungs B and C) gets the mean of an indicator right but cannot tell cases within
an indicator apart, so its high and low probabilities are too extreme (on the bundled panel, rung C's
P 0.9–1.0 came true 73 % of the time). This module maps the model's probability ``p`` of a
target-like event (growth ≥ 10/20/50/100 % a year, the ``p_g*``/``met_g*`` columns of
:func:`analysis.backtest_ladder.ladder_cases`) to

    p_cal = σ(a + b·logit(p)),   p clipped to [1e-4, 1 − 1e-4]            (Platt 1999)

fitted per rung by maximum likelihood (Newton steps) on the stacked event pairs. With b > 0 the
map is monotone and keeps 0 → 0 and 1 → 1, so an easy target stays near 1; b < 1 shrinks towards
the middle (over-confidence), a shifts up or down.

No look-ahead: the map used for an assessment as of year t is fitted only on backtest cases whose
outcome year (origin + horizon) is ≤ t. Maps are stored cumulatively by year in
``recalibration.json`` beside this module ({rung: {year: {a, b, n_events, n_cases}}}) for every
year with at least :data:`MIN_EVENTS` events from :data:`MIN_YEARS` outcome years. Before the first map there is nothing to learn
from: the assessment keeps the model's P and says so (note ``recalibration_unavailable``) rather
than withholding a verdict, because the raw P is the same model that judged targets before this
module existed, and the note tells the reader it is not recalibrated.

Proof out of sample (:func:`reliability_before_after`): cross-fitting by group (rung C: fit on
every other indicator, apply to indicator k; rung B: by held-out level or indicator), optionally
also time-respecting (only other groups' outcomes ≤ the case's origin). A rung's maps are applied
only where that proof shows a gain (:func:`analysis.models.recalibrate_build.proof`); otherwise
the note ``recalibration_not_proven`` gives the scores and the model's P is kept — unless the
raw P is itself not calibrated out of sample for the target's held-out group (the cluster-bootstrap
slope check of :mod:`analysis.models.calibration_check`, stored under ``proof.<rung>.calibration``):
then no probability is shown, only the range (note ``probability_withheld``).

Rung C per indicator (:mod:`analysis.models.recalibrate_indicator`, stored under ``indicator``): one
pooled map cannot fix indicators miscalibrated in opposite directions, so an indicator with enough
backtest folds gets its own map shrunk toward the pooled one (note ``recalibrated_indicator``), and a
gate withholds P where the recalibrated P of the target's indicator still fails the slope check or
misses calibration in the large out of sample (note ``probability_withheld_indicator``).

Rebuild the stored maps (after the models or the bundled data change; the build lives in
:mod:`analysis.models.recalibrate_build`)::

    python -m analysis.models.recalibrate            # ladder cases B and C, 300 draws, seed 0

Example:
    >>> m = PlattMap(a=0.0, b=0.5)
    >>> round(float(m(0.9)), 3), round(float(m.inverse(m(0.9))), 3)
    (0.75, 0.9)
"""
from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

MAP_PATH = Path(__file__).with_name("recalibration.json")
BUILD_COMMAND = "python -m analysis.models.recalibrate"
CLIP = 1e-4
#: a map is stored for a year only when this many events (4 per case) have outcomes up to it
MIN_EVENTS = 200
#: ... and outcomes in at least this many distinct years: calibration errors share year shocks (a boom
#: year makes every growth event come true), so the effective sample is nearer the number of years
MIN_YEARS = 5
RUNGS = ("B", "C")
#: cross-fitting groups per rung (rung B: the held-out level, as in its backtest)
GROUP_BY = {"B": "level", "C": "indicator"}
BUILD_DRAWS, BUILD_SEED = 300, 0


def logit(p: Any) -> np.ndarray:
    """log(p / (1 − p)) of ``p`` clipped to [1e-4, 1 − 1e-4].

    >>> float(logit(0.5)), round(float(logit(1.0)), 2)
    (0.0, 9.21)
    """
    p = np.clip(np.asarray(p, float), CLIP, 1 - CLIP)
    return np.log(p / (1 - p))


def sigmoid(x: Any) -> np.ndarray:
    """1 / (1 + e^−x). ``sigmoid(logit(p)) == p`` inside the clip range.

    >>> float(sigmoid(0.0))
    0.5
    """
    x = np.asarray(x, float)
    return np.exp(-np.logaddexp(0.0, -x))


@dataclass(frozen=True)
class PlattMap:
    """p_cal = σ(a + b·logit(p)); ``n_events`` / ``n_cases`` it was fitted on, ``year`` its last outcome year.

    >>> PlattMap(a=0.2, b=1.0).inverse(float(sigmoid(0.2)))  # the raw P that maps to σ(0.2) is 0.5
    0.5
    """

    a: float
    b: float
    se_a: float = float("nan")
    se_b: float = float("nan")
    n_events: int = 0
    n_cases: int = 0
    year: int | None = None

    def __call__(self, p: Any) -> Any:
        """The recalibrated probability of raw ``p`` (scalar in, float out; array in, array out)."""
        out = sigmoid(self.a + self.b * logit(p))
        return float(out) if np.ndim(out) == 0 else out

    def inverse(self, p_cal: float) -> float:
        """The raw probability q with recal(q) = ``p_cal``: logit(q) = (logit(p_cal) − a) / b."""
        return round(float(sigmoid((logit(p_cal) - self.a) / self.b)), 12)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (rounded to 6 decimals)."""
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def fit_platt(p: Any, met: Any, steps: int = 50, year: int | None = None, n_cases: int | None = None) -> PlattMap:
    """Maximum-likelihood (a, b) of σ(a + b·logit(p)) for outcomes ``met`` (0/1), by Newton's method.

    Standard errors from the inverse observed information (events treated as independent).

    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.95, 4000); met = rng.random(4000) < p
    >>> m = fit_platt(p, met)
    >>> abs(m.a) < 0.15, abs(m.b - 1) < 0.15
    (True, True)
    """
    x = logit(p)
    y = np.asarray(met, float)
    if len(x) == 0 or len(x) != len(y):
        raise ValueError(f"fit_platt: need as many outcomes as probabilities (got {len(x)} and {len(y)})")
    X = np.column_stack([np.ones_like(x), x])
    w = np.array([0.0, 1.0])
    ll = _loglik(X, y, w)
    for _ in range(steps):  # Newton with step halving: the log-likelihood never decreases
        mu = sigmoid(X @ w)
        hess = X.T @ (X * (mu * (1 - mu))[:, None]) + 1e-9 * np.eye(2)
        step, t = np.linalg.solve(hess, X.T @ (y - mu)), 1.0
        while t > 1e-8 and _loglik(X, y, w + t * step) < ll - 1e-12:
            t /= 2
        w, ll_new = w + t * step, _loglik(X, y, w + t * step)
        if abs(ll_new - ll) < 1e-10 * max(1.0, abs(ll)):
            break
        ll = ll_new
    mu = sigmoid(X @ w)
    cov = np.linalg.pinv(X.T @ (X * (mu * (1 - mu))[:, None]))
    return PlattMap(float(w[0]), float(w[1]), float(np.sqrt(cov[0, 0])), float(np.sqrt(cov[1, 1])),
                    int(len(y)), int(n_cases if n_cases is not None else len(y)), year)


def _loglik(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    z = X @ w
    return float(np.sum(y * z - np.logaddexp(0.0, z)))


def events(cases: pd.DataFrame) -> pd.DataFrame:
    """The target-like events of backtest cases stacked: one row per (case, growth threshold).

    Columns ``case`` (row position in ``cases``), ``indicator``, ``level``, ``origin``, ``horizon``,
    ``outcome_year`` (origin + horizon), ``g`` (threshold, % a year), ``p`` and ``met``.

    >>> c = pd.DataFrame({"indicator": ["x"], "level": ["city"], "origin": [2018], "horizon": [2],
    ...                   "p_g10": [0.7], "met_g10": [1.0], "p_g20": [0.4], "met_g20": [0.0]})
    >>> events(c)[["outcome_year", "g", "p", "met"]].values.tolist()
    [[2020.0, 10.0, 0.7, 1.0], [2020.0, 20.0, 0.4, 0.0]]
    """
    gs = [c[3:] for c in cases.columns if c.startswith("p_g") and f"met_g{c[3:]}" in cases.columns]
    if not gs:
        raise ValueError("backtest cases have no p_g*/met_g* columns (target-like events)")
    base = pd.DataFrame({"case": np.arange(len(cases)),
                         "indicator": cases["indicator"].to_numpy() if "indicator" in cases else "",
                         "level": cases["level"].to_numpy() if "level" in cases else "",
                         "origin": cases["origin"].to_numpy(int), "horizon": cases["horizon"].to_numpy(int)})
    base["outcome_year"] = base["origin"] + base["horizon"]
    parts = [base.assign(g=float(g), p=cases[f"p_g{g}"].to_numpy(float), met=cases[f"met_g{g}"].to_numpy(float))
             for g in gs]
    out = pd.concat(parts, ignore_index=True)
    return out[out["p"].notna() & out["met"].notna()].reset_index(drop=True)


def maps_by_year(cases: pd.DataFrame, min_events: int = MIN_EVENTS, min_years: int = MIN_YEARS) -> dict[int, PlattMap]:
    """Cumulative maps: for each outcome year t, the map fitted on events with outcome year ≤ t only
    (none while fewer than ``min_events`` events or ``min_years`` distinct outcome years). Nothing
    after t enters t's map."""
    ev = events(cases)
    out: dict[int, PlattMap] = {}
    for year in sorted(ev["outcome_year"].unique()):
        sub = ev[ev["outcome_year"] <= year]
        if len(sub) >= min_events and sub["outcome_year"].nunique() >= min_years:
            out[int(year)] = fit_platt(sub["p"], sub["met"], year=int(year), n_cases=int(sub["case"].nunique()))
    return out


def map_for(maps: dict[int, PlattMap], as_of: int | None) -> PlattMap | None:
    """The map for an assessment as of ``as_of``: the latest year ≤ as_of, or None (none learned yet).

    >>> map_for({2017: PlattMap(0, 1, year=2017), 2019: PlattMap(0, 2, year=2019)}, 2018).year
    2017
    """
    if as_of is None:
        return None
    years = [y for y in maps if y <= as_of]
    return maps[max(years)] if years else None


def cross_fit(cases: pd.DataFrame, by: str, time_respecting: bool = False,
              min_events: int = MIN_EVENTS) -> pd.DataFrame:
    """Events with ``p_cal`` from a map that never saw their group (``by`` = "indicator" or "level").

    ``time_respecting``: the map of a case with origin o also uses only other groups' outcomes ≤ o
    (what an assessment as of o could have known); events with no such map keep ``p`` (``has_map`` False).
    """
    ev = events(cases)
    if by not in ev:
        raise ValueError(f"cross_fit: unknown group column {by!r} (use 'indicator' or 'level')")
    ev["p_cal"], ev["has_map"] = ev["p"], False
    for grp in ev[by].unique():
        train = ev[ev[by] != grp]
        test_idx = ev.index[ev[by] == grp]
        if not time_respecting:
            if len(train) >= min_events:
                ev.loc[test_idx, "p_cal"] = fit_platt(train["p"], train["met"])(ev.loc[test_idx, "p"].to_numpy())
                ev.loc[test_idx, "has_map"] = True
            continue
        maps = maps_by_year(cases.iloc[train["case"].unique()], min_events)
        for origin, idx in ev.loc[test_idx].groupby("origin").groups.items():
            m = map_for(maps, int(origin))
            if m is not None:
                ev.loc[idx, "p_cal"] = m(ev.loc[idx, "p"].to_numpy())
                ev.loc[idx, "has_map"] = True
    return ev


def scores(p: Any, met: Any) -> dict[str, float]:
    """Brier score and log score (mean −log likelihood, p clipped as in :func:`logit`); lower is better.

    >>> scores([0.5, 0.5], [1, 0])["brier"]
    0.25
    """
    p = np.clip(np.asarray(p, float), CLIP, 1 - CLIP)
    y = np.asarray(met, float)
    return {"n": int(len(y)), "brier": float(np.mean((p - y) ** 2)),
            "log_score": float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))}


def reliability_before_after(cases: pd.DataFrame, rung: str, by: str | None = None, time_respecting: bool = False,
                             bins: int = 10) -> dict[str, pd.DataFrame]:
    """What the backtest report shows for the recalibration of ``rung``, cross-fitted by group.

    Returns ``{"before": table, "after": table, "scores": table}``: the reliability tables (bin, n,
    mean_predicted, observed_frequency) of the raw and the cross-fitted recalibrated P, and the Brier
    and log scores before/after, pooled (``horizon`` "all") and per horizon.

    Example: ``reliability_before_after(ladder_cases(rung="C", n_draws=300), "C")["scores"]``.
    """
    from analysis.backtest_ladder import reliability_diagram

    if "rung" in cases:
        cases = cases[cases["rung"] == rung].reset_index(drop=True)
    ev = cross_fit(cases, by or GROUP_BY[rung], time_respecting)
    rows = []
    for h, sub in [("all", ev)] + list(ev.groupby("horizon")):
        before, after = scores(sub["p"], sub["met"]), scores(sub["p_cal"], sub["met"])
        rows.append({"horizon": str(h), "n": before["n"], "with_map": int(sub["has_map"].sum()),
                     "brier_before": before["brier"], "brier_after": after["brier"],
                     "log_before": before["log_score"], "log_after": after["log_score"]})
    return {"before": reliability_diagram(ev["p"].to_numpy(), ev["met"].to_numpy(), bins),
            "after": reliability_diagram(ev["p_cal"].to_numpy(), ev["met"].to_numpy(), bins),
            "scores": pd.DataFrame(rows)}


def proof_table(path: Path | None = None) -> pd.DataFrame:
    """The stored out-of-sample proof per rung, for the backtest report: whether the map is applied,
    the cross-fitting group, and Brier and log scores before → after (all years, and time-respecting).

    Example: ``proof_table()[["rung", "applied", "brier_before", "brier_after"]]``.
    """
    rows = []
    for rung, pr in sorted(stored(path).get("proof", {}).items()):
        allyears = pr.get("all_years") or {}
        rows.append({"rung": rung, "applied": "yes" if pr.get("applied") else "no", "cross_fit_by": pr.get("by"),
                     "n": allyears.get("n"), "brier_before": allyears.get("brier_before"),
                     "brier_after": allyears.get("brier_after"), "log_before": allyears.get("log_before"),
                     "log_after": allyears.get("log_after"), "n_time_respecting": pr.get("n_events"),
                     "brier_before_time": pr.get("brier_before"), "brier_after_time": pr.get("brier_after")})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------- the stored maps
@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def stored(path: Path | None = None) -> dict[str, Any]:
    """The stored artefact (``recalibration.json``); a clear error naming the build command if absent."""
    p = Path(path or MAP_PATH)
    if not p.exists():
        raise FileNotFoundError(f"{p} is missing: build it with `{BUILD_COMMAND}`")
    return _load(str(p))


def stored_maps(rung: str, path: Path | None = None) -> dict[int, PlattMap]:
    """The stored cumulative maps of ``rung`` by last outcome year."""
    return {int(y): PlattMap(**m) for y, m in stored(path).get("maps", {}).get(rung, {}).items()}


def apply(a, f, y_star: float, log_scale: bool, rung: str) -> None:
    """Recalibrate a rung B/C headline in place (called right after ``set_headline``).

    ``p_meet_raw`` keeps the model's P; ``p_meet`` becomes recal(P(Y ≥ y*)) (complemented for ≤
    targets, as the map was learned on at-least events); the verdict follows the recalibrated P;
    ``level_p50`` / ``level_p80`` are the levels with recalibrated P 0.5 / 0.8, i.e. the raw
    forecast's (1 − q) quantile with logit(q) = (logit(x) − a)/b. Before the first stored year the
    raw P is kept with the note ``recalibration_unavailable``. A rung whose raw P is not calibrated
    out of sample and whose recalibration is not proven shows no probability (:func:`withhold`).
    """
    from analysis.assessment import is_ceiling, p_meet_from, verdict_for
    from analysis.models import recalibrate_indicator as indicator_maps
    from analysis.models.changes import from_y

    a.p_meet_raw = a.p_meet
    art = stored()
    proof = art.get("proof", {}).get(rung, {})
    if not proof.get("applied", False) and "calibration" in proof:
        from analysis.models.calibration_check import calibrated_for

        ok, row = calibrated_for(proof["calibration"], a.level if proof.get("by") == "level" else None)
        if not ok:
            withhold(a, rung, row)
            return
    if not proof.get("applied", False):
        failed = proof.get("failed") or {}
        a.add_note("recalibration_not_proven", rung=rung,
                   **{k: failed.get(k, "?") for k in ("brier_before", "brier_after", "log_before", "log_after")})
        return
    maps = stored_maps(rung)
    m = map_for(maps, a.as_of)
    if m is None or not m.b > 0:
        a.add_note("recalibration_unavailable", rung=rung, as_of=a.as_of,
                   first=min(maps) if maps else "none")
        return
    own = None
    if rung == indicator_maps.RUNG and "indicator" in art:
        ok, row = indicator_maps.gate_for(indicator_maps.stored_gates(art), a.indicator, a.as_of)
        if not ok:
            withhold(a, rung, row, indicator=a.indicator)
            return
        if row is not None and row["judged_by"] != "indicator":
            a.add_note("calibrated_across_indicators", rung=rung, indicator=a.indicator, year=row["year"],
                       b=row["b"], gap=round(100 * row["gap"], 1))
        own = indicator_maps.stored_map(art, a.indicator, a.as_of)
    m = own or m
    p_up = m(f.p_at_least(y_star))
    a.p_meet = float(p_meet_from(p_up, a.comparator))
    a.verdict = verdict_for(a.p_meet)
    a.level_p50 = float(from_y(f.quantile(1 - m.inverse(0.5)), log_scale))
    # a floor: P_cal(Y ≥ L) = 0.8; a ceiling: 1 − m(P(Y ≥ L)) = 0.8, i.e. P(Y ≥ L) = m⁻¹(0.2)
    x = 0.2 if is_ceiling(a.comparator) else 0.8
    a.level_p80 = float(from_y(f.quantile(1 - m.inverse(x)), log_scale))
    a.add_note("recalibrated_indicator" if own else "recalibrated", rung=rung, a=round(m.a, 3), b=round(m.b, 3),
               n=m.n_events, year=m.year, p_raw=round(float(a.p_meet_raw), 3), data=art.get("data_sha256", "?"),
               **({"indicator": a.indicator} if own else {}))



def withhold(a, rung: str, row: dict[str, Any], indicator: str | None = None) -> None:
    """No headline probability where a rung is not calibrated: ``p_meet`` None, verdict
    ``withheld`` (a model was fitted, unlike ``insufficient_data``), the model's P kept in ``p_meet_raw`` and the range (``level_p50`` /
    ``level_p80``) kept; the note ``probability_withheld`` gives the backtest slope ``row`` that says why
    (:func:`analysis.models.calibration_check.calibrated_for`). With ``indicator`` (rung C's gate,
    :mod:`analysis.models.recalibrate_indicator`) the note is ``probability_withheld_indicator``: the
    *recalibrated* P of that indicator failed the check, slope or calibration in the large."""
    a.p_meet = None
    a.verdict = "withheld"
    if indicator is None:
        a.add_note("probability_withheld", rung=rung, b=row["b"], b_lo=row["b_lo"], b_hi=row["b_hi"],
                   clusters=row["n_clusters"])
        return
    a.add_note("probability_withheld_indicator", rung=rung, indicator=indicator, b=row["b"], b_lo=row["b_lo"],
               b_hi=row["b_hi"], gap=round(100 * row["gap"], 1), clusters=row["n_clusters"])


if __name__ == "__main__":
    from analysis.models.recalibrate_build import main

    sys.exit(main())
