"""Assess targets: one target in, one :class:`~analysis.assessment.Assessment` out.

The :class:`Engine` holds the panel and caches every fitted model by (indicator, as-of year,
reference class, horizon), so a registry of thousands of targets fits each model once.
No look-ahead: before anything is fitted, every series of every region is cut to years ≤ the
as-of year (default: the target's baseline year). The outcome, where the data hold it, is looked
up in the uncut panel and reported beside (``outcome_value``, ``met``).

Headline probability: the pooled model where it can be fitted, else peers, else own trend; small
counts (< 10, including zero baselines) use the count model. The report names which.
"""
from __future__ import annotations

import difflib
import math
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis.assessment import INTEGER_FIELDS, Assessment, verdict_for
from analysis.data.catalogue import is_log_scale, load_indicators
from analysis.data.derived import with_derived
from analysis.models import counts, own, peers, pooled, required
from analysis.models.changes import consecutive_changes, fit_rows, from_y, h_windows, to_y
from analysis.models.forecast import N_DRAWS, Forecast
from analysis.models.verdict import eurostat_category

SMALL_COUNT = 10
FAN_QUANTILES = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)


class TargetError(ValueError):
    """The target itself is invalid (reported with verdict ``error``)."""


def _num(x: Any) -> float | None:
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _int(x: Any) -> int | None:
    f = _num(x)
    return None if f is None else int(round(f))


class Engine:
    """Panel + cached model fits. Create once, assess many targets."""

    def __init__(self, panel: pd.DataFrame | None = None, seed: int = 0, n_draws: int = N_DRAWS,
                 with_ets: bool = False):
        from analysis.data.loaders import load_panel

        base = load_panel() if panel is None else panel
        self.panel = with_derived(base)
        self.catalogue = load_indicators()
        self.seed = seed
        self.n_draws = n_draws
        self.with_ets = with_ets
        self._by_indicator = {k: g for k, g in self.panel.groupby("indicator")}
        self._cache: dict[tuple, Any] = {}

    # ------------------------------------------------------------------ cached data views
    def levels(self, indicator: str, as_of: int) -> pd.DataFrame:
        """Model-scale levels usable for fitting (exact/approx values, years ≤ as_of)."""
        key = ("levels", indicator, as_of)
        if key not in self._cache:
            g = self._by_indicator.get(indicator, self.panel.iloc[0:0])
            g = g[g["year"] <= as_of]
            self._cache[key] = fit_rows(g, self.log_scale(indicator))
        return self._cache[key]

    def changes(self, indicator: str, as_of: int) -> pd.DataFrame:
        key = ("changes", indicator, as_of)
        if key not in self._cache:
            self._cache[key] = consecutive_changes(self.levels(indicator, as_of))
        return self._cache[key]

    def windows(self, indicator: str, as_of: int, h: int) -> pd.DataFrame:
        key = ("windows", indicator, as_of, h)
        if key not in self._cache:
            self._cache[key] = h_windows(self.levels(indicator, as_of), h)
        return self._cache[key]

    def peer_fit(self, indicator: str, as_of: int, h: int, region: str, level: str, parent: str):
        """Size-conditioned peer quantiles for the class chosen for this region (cached per class).

        The class holds every region of that class, the target region's own past windows included
        (one region among many): fitting it once per class keeps a registry of thousands of
        targets fast, and the fixed widening order keeps it reproducible.
        """
        ckey = ("peer_class", indicator, as_of, h, level, parent)
        if ckey not in self._cache:
            frame, label = peers.choose_class(self.windows(indicator, as_of, h), level, parent)
            key = ("peers", indicator, as_of, h, label)
            if key not in self._cache:
                self._cache[key] = peers.fit_peers(frame, label)
            self._cache[ckey] = self._cache[key]
        return self._cache[ckey]

    def pooled_fit(self, indicator: str, as_of: int, level: str, parent: str):
        ckey = ("pooled_class", indicator, as_of, level, parent)
        if ckey not in self._cache:
            chosen = pooled.choose_pooled_class(self.changes(indicator, as_of), level, parent)
            if chosen is None:
                self._cache[ckey] = None
            else:
                frame, label = chosen
                key = ("pooled", indicator, as_of, label)
                if key not in self._cache:
                    self._cache[key] = pooled.fit_pooled(frame, label)
                self._cache[ckey] = self._cache[key]
        return self._cache[ckey]

    def own_changes(self, indicator: str, as_of: int, region: str) -> pd.DataFrame:
        """The region's own consecutive changes up to ``as_of`` (cached per indicator and as-of year)."""
        key = ("own_changes", indicator, as_of)
        if key not in self._cache:
            self._cache[key] = {r: d for r, d in self.changes(indicator, as_of).groupby("region")}
        return self._cache[key].get(region, self.changes(indicator, as_of).iloc[0:0])

    def count_fit(self, indicator: str, as_of: int, h: int):
        key = ("counts", indicator, as_of, h)
        if key not in self._cache:
            w = self.windows(indicator, as_of, h)
            vals = pd.DataFrame({"start_value": np.exp(w["y0"]), "end_value": np.exp(w["y0"] + w["change"])})
            self._cache[key] = counts.fit_counts(vals)
        return self._cache[key]

    def log_scale(self, indicator: str) -> bool:
        return is_log_scale(self.catalogue.loc[indicator, "kind"]) if indicator in self.catalogue.index else True

    def rng(self, target_id: str) -> np.random.Generator:
        """Per-target seeded generator: results do not depend on the order targets are assessed in."""
        return np.random.default_rng([self.seed, zlib.crc32(str(target_id).encode("utf-8"))])

    # ------------------------------------------------------------------ assessment
    def assess(self, target: Mapping, as_of: int | None = None) -> Assessment:
        """Assess one target (a registry row or a dict with the registry columns)."""
        t = dict(target)
        a = Assessment(
            target_id=str(t.get("target_id") or "adhoc"), region=str(t.get("region") or ""),
            indicator=str(t.get("indicator") or ""), indicator_zh=str(t.get("indicator_zh") or ""),
            unit=str(t.get("unit_c") or t.get("unit") or ""), level=str(t.get("level") or ""),
            parent=str(t.get("parent") or ""), target_type=str(t.get("target_type") or "level"),
            comparator=str(t.get("comparator") or ">="), baseline_year=_int(t.get("baseline_year")),
            baseline_value=_num(t.get("baseline_value_c", t.get("baseline_value"))),
            target_year=_int(t.get("target_year")),
            target_value=_num(t.get("target_value_c", t.get("target_value"))),
            quote=str(t.get("quote") or ""), document=str(t.get("document") or ""),
        )
        try:
            self._assess_into(a, t, as_of)
        except TargetError as err:
            a.verdict, a.p_meet = "error", None
            a.notes.append(f"invalid target: {err}")
        return a

    def _assess_into(self, a: Assessment, t: dict, as_of: int | None) -> None:
        ind = a.indicator
        if a.indicator in self.catalogue.index:
            row = self.catalogue.loc[ind]
            a.kind, a.indicator_zh = row["kind"], a.indicator_zh or row["name_zh"]
            a.unit = a.unit or row["unit"]
        if a.target_year is None:
            raise TargetError("no target year")
        if a.baseline_year is not None and a.target_year <= a.baseline_year:
            raise TargetError(f"target year {a.target_year} is not after baseline year {a.baseline_year}")
        log_scale = self.log_scale(ind) if ind else True
        a.scale = "log" if log_scale else "points"
        a.as_of = as_of if as_of is not None else (a.baseline_year if a.baseline_year is not None else a.target_year - 1)
        if str(t.get("masked", "")).lower() in ("true", "1") or t.get("masked") is True:
            a.notes.append("the document masks the target number (xx): nothing to assess")
            return
        if a.target_type == "milestone" and _int(t.get("target_quarter")) in (1, 2, 3):
            a.notes.append(f"quarterly milestone (Q{_int(t.get('target_quarter'))}): within-year progress cannot be judged "
                           "from annual data; see the year-end target")
            self._arithmetic_only(a, log_scale)
            return
        if not ind:
            a.notes.append(f"indicator '{a.indicator_zh}' has no catalogue code and no series: arithmetic only")
            self._arithmetic_only(a, log_scale)
            return
        if ind not in self.catalogue.index:
            raise TargetError(f"unknown indicator {ind!r}")
        if a.target_type == "rank":
            self._assess_rank(a, t)
            return
        history = self._history(a.region, ind)
        a.history = history
        self._start_point(a, history, log_scale)
        self._target_level(a, t, log_scale)
        if a.baseline_value is None or a.target_value is None:
            a.notes.append("no baseline value in the document or the data: probability cannot be computed")
            return
        h = a.horizon = a.target_year - a.baseline_year
        if log_scale and a.target_value <= 0:
            raise TargetError("target value must be positive for a count or amount")
        a.required_change = required.required_change(a.baseline_value, a.target_value, log_scale)
        a.required_cagr = required.required_cagr(a.baseline_value, a.target_value, h, log_scale)
        self._outcome(a, history)
        cut = a.as_of
        own_levels = self.own_levels(ind, cut, a.region)
        own_changes = self.own_changes(ind, cut, a.region)
        a.own_mean_change, a.own_max_change, a.n_own_changes = required.own_annual_changes(own_changes)
        recent = own_changes[own_changes["end_year"] > a.baseline_year - 5]
        if not recent.empty and a.required_cagr is not None:
            obs = required.change_to_annual_rate(float(recent["dy"].sum() / recent["dt"].sum()), 1, log_scale)
            a.eurostat_ratio, a.eurostat_category = eurostat_category(obs, a.required_cagr)
        if log_scale and a.baseline_value <= 0 or (a.kind == "count" and a.baseline_value < SMALL_COUNT):
            self._assess_small_count(a, h)
            return
        y0 = float(to_y([a.baseline_value], log_scale)[0])
        y_star = float(to_y([a.target_value], log_scale)[0])
        rng = self.rng(a.target_id)
        forecasts: dict[str, Forecast] = {}
        f_own = own.own_forecast(y0, h, own_changes, rng)
        if f_own is not None:
            forecasts["own"] = f_own
            a.p_own = f_own.p_at_least(y_star)
        else:
            a.notes.append(f"own trend: {len(own_changes)} change(s) before {cut + 1}, fewer than 3 needed")
        pf = self.peer_fit(ind, cut, h, a.region, a.level, a.parent)
        if pf is not None:
            a.reference_class = pf.reference_class
            a.n_peer_met, a.n_peer_windows = peers.raw_count(pf.windows, a.required_change)
            a.n_peer_regions = int(pf.windows["region"].nunique())
            a.peer_changes = pf.windows["change"].to_numpy(float)
            a.peer_windows = pf.windows
            a.required_percentile = required.percentile_among(a.required_change, a.peer_changes)
            a.p_peers = peers.p_meet_peers(pf, y0, a.required_change)
            forecasts["peers"] = peers.peer_forecast(pf, y0, rng, self.n_draws)
        else:
            a.n_peer_windows = int(len(self.windows(ind, cut, h)))
            a.notes.append(f"peers: fewer than 5 {h}-year windows of {ind} up to {cut}")
        fit = self.pooled_fit(ind, cut, a.level, a.parent)
        if fit is not None:
            fp = fit.forecast(y0, a.region, h, rng, self.n_draws)
            forecasts["pooled"] = fp
            a.p_pooled = fp.p_at_least(y_star)
            if not fp.info["region_in_fit"]:
                a.notes.append("pooled: the region has no changes in the data; its own tendency is drawn from the "
                               "spread between regions")
            if fit.method != "MixedLM":
                a.notes.append(f"pooled: {fit.method}")
            a.reference_class = a.reference_class or fit.reference_class
        else:
            a.notes.append(f"pooled: too few regions/changes of {ind} up to {cut} to fit")
        if self.with_ets:
            levels_r = own_levels[["year", "y"]]
            fe = own.ets_forecast(levels_r, h, rng)
            if fe is not None:
                a.notes.append(f"ETS cross-check: P = {fe.p_at_least(y_star):.2f}")
        for name in ("pooled", "peers", "own"):
            if name in forecasts:
                self._headline(a, forecasts[name], y_star, log_scale, h)
                break
        self._bound_notes(a, history)

    # ------------------------------------------------------------------ pieces
    def _history(self, region: str, indicator: str) -> pd.DataFrame:
        key = ("history", indicator)
        if key not in self._cache:
            g = self._by_indicator.get(indicator, self.panel.iloc[0:0])
            cols = [c for c in ("year", "value", "qualifier", "derived", "source", "quote", "reliability", "note") if c in g]
            self._cache[key] = {r: d[cols].sort_values("year").reset_index(drop=True) for r, d in g.groupby("region")}
        hist = self._cache[key].get(region)
        if hist is None:
            return pd.DataFrame(columns=["year", "value", "qualifier", "derived", "source", "quote", "reliability"])
        return hist

    def own_levels(self, indicator: str, as_of: int, region: str) -> pd.DataFrame:
        """The region's own fit rows up to ``as_of`` (cached per indicator and as-of year)."""
        key = ("own_levels", indicator, as_of)
        if key not in self._cache:
            self._cache[key] = {r: d for r, d in self.levels(indicator, as_of).groupby("region")}
        return self._cache[key].get(region, self.levels(indicator, as_of).iloc[0:0])

    def _start_point(self, a: Assessment, history: pd.DataFrame, log_scale: bool) -> None:
        known = history[history["year"] <= a.as_of]
        if a.baseline_year is not None and a.baseline_year > a.as_of:
            if known.empty:
                a.baseline_value = None
                return
            last = known.iloc[-1]
            a.notes.append(f"as of {a.as_of}: projecting from the last known value {last['value']:g} ({int(last['year'])}) "
                           f"instead of the {a.baseline_year} baseline")
            a.baseline_year, a.baseline_value = int(last["year"]), float(last["value"])
            return
        if a.baseline_value is None:
            if a.baseline_year is not None:
                at = known[known["year"] == a.baseline_year]
                if not at.empty:
                    a.baseline_value = float(at.iloc[0]["value"])
                    a.notes.append(f"baseline {a.baseline_value:g} taken from the data ({a.baseline_year})")
            elif not known.empty:
                last = known.iloc[-1]
                a.baseline_year, a.baseline_value = int(last["year"]), float(last["value"])
                a.notes.append(f"baseline taken from the last known value ({a.baseline_year})")
        else:
            at = known[known["year"] == a.baseline_year]
            if not at.empty and not np.isclose(float(at.iloc[0]["value"]), a.baseline_value, rtol=1e-3):
                a.notes.append(f"the data give {float(at.iloc[0]['value']):g} for {a.baseline_year}, the document "
                               f"{a.baseline_value:g}; the document's baseline is used")

    def _target_level(self, a: Assessment, t: dict, log_scale: bool) -> None:
        """Convert increments and growth-rate targets on levels to a target level."""
        if a.target_type == "increment":
            if a.baseline_value is None or a.target_value is None:
                a.target_value = None
                a.notes.append("increment target without a baseline: cannot convert to a level")
                return
            inc = a.target_value
            a.target_value = a.baseline_value + inc
            a.notes.append(f"increment +{inc:g} converted to the level {a.target_value:g}")
        elif a.target_type == "growth_rate" and a.kind != "rate":
            if a.baseline_value is None or a.target_value is None or a.baseline_year is None:
                a.target_value = None
                return
            g = a.target_value / 100.0
            h = a.target_year - a.baseline_year
            # the registry gives the rate in %; the level's baseline is taken from the data (canonical
            # unit) where it holds one, else the document's number is kept in the document's unit
            hist = self._history(a.region, a.indicator)
            at = hist[(hist["year"] == a.baseline_year) & hist["qualifier"].isin(["exact", "approx"])]
            if a.kind == "count":
                a.unit = self.catalogue.loc[a.indicator, "unit"]  # counts are written in their own unit
            elif not at.empty:
                if not np.isclose(float(at.iloc[0]["value"]), a.baseline_value):
                    a.notes.append(f"baseline {float(at.iloc[0]['value']):g} {self.catalogue.loc[a.indicator, 'unit']} "
                                   f"taken from the data (the document writes {a.baseline_value:g})")
                a.baseline_value = float(at.iloc[0]["value"])
                a.unit = self.catalogue.loc[a.indicator, "unit"]
            else:
                a.unit = ""
                a.notes.append("level unit as written in the document (the data hold no baseline)")
            a.target_value = a.baseline_value * (1 + g) ** h
            a.notes.append(f"growth-rate target {100 * g:g}% converted to the level {a.target_value:,.4g}")

    def _outcome(self, a: Assessment, history: pd.DataFrame) -> None:
        at = history[history["year"] == a.target_year]
        if at.empty or a.target_value is None:
            return
        row = at.iloc[0]
        a.outcome_value = float(row["value"])
        if row["qualifier"] == "at_least" and a.outcome_value < a.target_value:
            a.met = None
            a.notes.append("outcome is a lower bound below the target: met or not is unknown")
            return
        a.met = bool(_compare(a.outcome_value, a.target_value, a.comparator))

    def _headline(self, a: Assessment, f: Forecast, y_star: float, log_scale: bool, h: int) -> None:
        p = f.p_at_least(y_star)
        if a.comparator in ("<=", "<"):
            p = 1 - p
        a.p_meet, a.model = float(p), f.model
        a.verdict = verdict_for(a.p_meet)
        a.level_p50 = float(from_y(f.quantile(0.5), log_scale))
        a.level_p80 = float(from_y(f.quantile(0.2), log_scale))
        a.fan = _fan(f, a.baseline_year, a.baseline_value, h, log_scale)

    def _assess_small_count(self, a: Assessment, h: int) -> None:
        fit = self.count_fit(a.indicator, a.as_of, h)
        a.notes.append(f"small count ({a.baseline_value:g}): negative binomial count model on peers that started small")
        if fit is None:
            a.notes.append(f"count model: fewer than {counts.MIN_WINDOWS} small-count {h}-year windows of "
                           f"{a.indicator} up to {a.as_of}")
            return
        params, alpha = fit
        f = counts.count_forecast(a.baseline_value, params, alpha, self.rng(a.target_id), self.n_draws)
        a.p_count = counts.p_at_least_count(f, a.target_value)
        a.p_meet, a.model = a.p_count, "count"
        a.verdict = verdict_for(a.p_meet)
        a.level_p50 = float(np.quantile(f.draws, 0.5))
        a.level_p80 = float(np.quantile(f.draws, 0.2))

    def _arithmetic_only(self, a: Assessment, log_scale: bool) -> None:
        if a.baseline_value is not None and a.target_value is not None and a.baseline_year is not None:
            a.horizon = a.target_year - a.baseline_year
            a.required_change = required.required_change(a.baseline_value, a.target_value, log_scale)
            a.required_cagr = required.required_cagr(a.baseline_value, a.target_value, a.horizon, log_scale)

    def _assess_rank(self, a: Assessment, t: dict) -> None:
        """Rank goals ("排名前进1位"): joint simulation of every region under the same parent."""
        from analysis.models.rank import rank_probability

        a.history = self._history(a.region, a.indicator)
        a.horizon = a.target_year - a.as_of
        res = rank_probability(self, a)
        if res is None:
            return
        a.p_meet, a.model, a.reference_class = res["p"], "pooled (rank)", res["reference_class"]
        a.verdict = verdict_for(a.p_meet)
        a.notes.append(res["note"])

    def _bound_notes(self, a: Assessment, history: pd.DataFrame) -> None:
        h = history[history["year"] <= a.as_of]
        n_bound = int(h["qualifier"].isin(["at_least", "at_most"]).sum())
        if n_bound:
            a.notes.append(f"{n_bound} bound value(s) (突破/超…) of this region are shown but not used to fit trends")
        if "derived" in h and h["derived"].astype(bool).any():
            a.notes.append(f"{int(h['derived'].astype(bool).sum())} derived value(s) in the history (see note column)")


def _compare(x: float, target: float, comparator: str) -> bool:
    return {">=": x >= target, ">": x > target, "=": np.isclose(x, target) or x >= target,
            "<=": x <= target, "<": x < target}[comparator]


def _fan(f: Forecast, t0: int, v0: float, h: int, log_scale: bool) -> pd.DataFrame:
    names = [f"q{int(round(q * 100)):02d}" for q in FAN_QUANTILES]
    if f.path is not None:
        qs = np.quantile(f.path, FAN_QUANTILES, axis=0).T  # (h, len(q))
    else:
        qs = np.tile(np.full(len(FAN_QUANTILES), np.nan), (h, 1))
        qs[-1] = np.quantile(f.draws, FAN_QUANTILES)
    fan = pd.DataFrame(from_y(qs, log_scale), columns=names)
    fan.insert(0, "year", np.arange(t0 + 1, t0 + h + 1))
    start = pd.DataFrame([[t0] + [v0] * len(names)], columns=["year"] + names)
    return pd.concat([start, fan], ignore_index=True)


# ---------------------------------------------------------------------- public API
_ENGINES: dict[tuple, Engine] = {}


def get_engine(seed: int = 0, panel: pd.DataFrame | None = None) -> Engine:
    """A cached engine over the bundled (and extra) data, one per seed."""
    if panel is not None:
        return Engine(panel, seed=seed)
    import os

    key = (seed, os.environ.get("ANALYSIS_DATA_PATH", ""))
    if key not in _ENGINES:
        _ENGINES[key] = Engine(seed=seed)
    return _ENGINES[key]


def assess_one(target: Mapping, *, panel: pd.DataFrame | None = None, seed: int = 0,
               as_of: int | None = None) -> Assessment:
    """Assess one target given as a mapping with the registry columns."""
    return get_engine(seed, panel).assess(target, as_of=as_of)


def find_target(target_id: str, targets: pd.DataFrame | None = None) -> pd.Series:
    """The registry row of ``target_id``; unknown ids raise ``KeyError`` listing close matches."""
    from analysis.data.loaders import load_targets

    targets = load_targets() if targets is None else targets
    hit = targets[targets["target_id"] == target_id]
    if hit.empty:
        close = difflib.get_close_matches(target_id, targets["target_id"].tolist(), n=5, cutoff=0.4)
        raise KeyError(f"unknown target {target_id!r}; close matches: {', '.join(close) or 'none'}")
    return hit.iloc[0]


def assess_target(target_id: str, *, seed: int = 0, as_of: int | None = None,
                  panel: pd.DataFrame | None = None) -> Assessment:
    """Assess one registry target by id (``analysis.assess_target('shanwei2022-hte_count')``)."""
    return assess_one(find_target(target_id).to_dict(), panel=panel, seed=seed, as_of=as_of)


def assess(targets: pd.DataFrame | None = None, *, seed: int = 0, as_of: int | None = None,
           panel: pd.DataFrame | None = None, engine: Engine | None = None) -> pd.DataFrame:
    """Assess a DataFrame of targets (default: the registry); one row per target, contract columns first.

    A target that raises is reported with verdict ``error`` and the reason in ``notes``; the
    others are still assessed.
    """
    from analysis.data.loaders import load_targets

    targets = load_targets() if targets is None else targets
    eng = engine or get_engine(seed, panel)
    records = []
    for row in targets.to_dict(orient="records"):
        try:
            rec = eng.assess(row, as_of=as_of).to_record()
        except Exception as err:  # noqa: BLE001 - one bad target must not stop the others
            rec = Assessment(target_id=str(row.get("target_id")), region=str(row.get("region")),
                             indicator=str(row.get("indicator")), verdict="error",
                             notes=[f"{type(err).__name__}: {err}"]).to_record()
        records.append(rec)
    table = pd.DataFrame.from_records(records)
    for col in INTEGER_FIELDS:  # years and counts stay whole numbers where missing values occur
        if col in table:
            table[col] = table[col].astype("Int64")
    return table
