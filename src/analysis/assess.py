"""Assess targets: one target in, one :class:`~analysis.assessment.Assessment` out.

The :class:`Engine` holds the panel (:class:`~analysis.engine.views.PanelViews`, cached as-of
views) and walks the reference-class ladder (:mod:`analysis.engine.ladder`): A same indicator and
level (pooled MixedLM, peers, own trend), B same indicator every level, C the indicator family.
No look-ahead: before anything is fitted, every series is cut to years ≤ the as-of year (default:
the target's baseline year). The outcome, where the data hold it, is looked up in the uncut panel
(``outcome_value``, ``met``). Special targets live in :mod:`analysis.engine.special`, the headline
and Methods text in :mod:`analysis.engine.headline`.
"""
from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis.assessment import INTEGER_FIELDS, Assessment, is_ceiling, p_meet_from
from analysis.engine import ladder, special
from analysis.engine.headline import FAN_QUANTILES, clip_levels, fan, headline_name, set_headline  # noqa: F401 (re-export)
from analysis.engine.views import PanelViews
from analysis.lazy import Lazy
from analysis.models import own, peers, recalibrate, required
from analysis.models.changes import model_scale
from analysis.models.forecast import N_DRAWS, Forecast
from analysis.models.verdict import eurostat_category

SMALL_COUNT = 10


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


def _peer_core(fit: peers.PeerFit | None) -> tuple | None:
    """(reference_class, coefs, y0_range) of a peer fit: everything but its windows."""
    return None if fit is None else (fit.reference_class, fit.coefs, fit.y0_range)


class Engine(PanelViews):
    """Panel + cached model fits + the ladder. Create once, assess many targets."""

    def __init__(self, panel: pd.DataFrame | None = None, seed: int = 0, n_draws: int = N_DRAWS,
                 with_ets: bool = False):
        super().__init__(panel, seed=seed, n_draws=n_draws)
        self.with_ets = with_ets

    def peer_fit(self, indicator: str, as_of: int, h: int, region: str, level: str, parent: str):
        """Size-conditioned peer quantiles of the same indicator and level (cached per class)."""
        def frame() -> pd.DataFrame:  # the class's windows as a frame: fitting and charts only
            return peers.choose_class(self.windows(indicator, as_of, h), level, parent)[0]

        def make():
            # the class as a mask over the indicator's windows (the same rows as choose_class)
            codes = self.window_codes(indicator, h)
            mask, label = peers.choose_class_rows(codes, as_of, level, parent)
            # the stored fit holds what was fitted, not the class's windows (rebuilt from the views,
            # which the key's data hash pins down): a small entry, read fast from the fit cache
            core = self.cached(("peers", indicator, as_of, h, label), lambda: _peer_core(peers.fit_peers(frame(), label)))
            if core is None:
                return None
            return peers.PeerFit.from_rows(Lazy(frame), core, self.window_changes(indicator, h)[mask],
                                           codes.n_regions(mask))
        return self.cached(("peer_class", indicator, as_of, h, level, parent), make)

    def pooled_fit(self, indicator: str, as_of: int, level: str, parent: str):
        """Rung A's pooled model (same indicator and level), or None."""
        rung = ladder.fit_a(self, indicator, as_of, level, parent)
        return None if rung is None else rung.pooled

    def _history(self, region: str, indicator: str) -> pd.DataFrame:
        return self.history(region, indicator)

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
            a.add_note("invalid_target", reason=str(err))
            return a
        if a.p_meet is None and a.data_wanted is None:
            a.data_wanted = ladder.data_wanted(a)
        return a

    def _assess_into(self, a: Assessment, t: dict, as_of: int | None) -> None:
        ind = a.indicator
        row = self.catalogue_row(ind)
        if row is not None:
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
            a.add_note("masked")
            a.data_wanted = []
            return
        if a.target_type == "milestone" and _int(t.get("target_quarter")) in (1, 2, 3):
            a.add_note("quarterly_milestone", quarter=_int(t.get("target_quarter")))
            special.arithmetic_only(a, log_scale)
            return
        if not ind:
            a.add_note("no_catalogue_code", indicator_zh=a.indicator_zh)
            special.arithmetic_only(a, log_scale)
            return
        if row is None:
            raise TargetError(f"unknown indicator {ind!r}")
        if a.target_type == "rank":
            special.rank_goal(self, a)
            return
        a.history = Lazy(self.history, a.region, ind)  # a frame for charts: built on first read
        hist = self.history_arrays(a.region, ind)
        special.start_point(a, hist)
        special.target_level(self, a)
        if a.baseline_value is None or a.target_value is None:
            a.add_note("no_baseline")
            return
        h = a.horizon = a.target_year - a.baseline_year
        if log_scale and a.target_value <= 0:
            raise TargetError("target value must be positive for a count or amount")
        a.required_change = required.required_change(a.baseline_value, a.target_value, log_scale)
        a.required_cagr = required.required_cagr(a.baseline_value, a.target_value, h, log_scale)
        special.outcome(a, hist)
        cut = a.as_of
        dy, dt, end = self.own_change_arrays(ind, cut, a.region)
        # required.own_annual_changes on arrays (the same sums and ratios)
        a.own_mean_change, a.own_max_change, a.n_own_changes = (
            (float(dy.sum() / dt.sum()), float((dy / dt).max()), int(len(dy))) if len(dy) else (None, None, 0))
        recent = end > a.baseline_year - 5
        if recent.any() and a.required_cagr is not None:
            obs = required.change_to_annual_rate(float(dy[recent].sum() / dt[recent].sum()), 1, log_scale)
            a.eurostat_ratio, a.eurostat_category = eurostat_category(obs, a.required_cagr)
        if log_scale and a.baseline_value <= 0 or (a.kind == "count" and a.baseline_value < SMALL_COUNT):
            if special.small_count(self, a, h) or a.baseline_value <= 0 or a.kind == "count":
                return  # a small count without a count model: continuous log-scale models do not apply
        self._forecast(a, h, log_scale, (dy, dt))
        special.bound_notes(a, hist)

    def _forecast(self, a: Assessment, h: int, log_scale: bool, own_changes: tuple[np.ndarray, np.ndarray]) -> None:
        """Own trend, peers and the first rung of the ladder that fits; the headline from the rung.

        ``own_changes``: the region's (Δy, Δt) up to the as-of year."""
        ind, cut = a.indicator, a.as_of
        y0 = model_scale(a.baseline_value, log_scale)
        y_star = model_scale(a.target_value, log_scale)
        rng = self.rng(a.target_id)
        forecasts: dict[str, Forecast] = {}
        f_own = own.own_forecast(y0, h, own_changes, rng)
        if f_own is not None:
            forecasts["own"] = f_own
            a.p_own = p_meet_from(f_own.p_at_least(y_star), a.comparator)
        else:
            a.add_note("own_too_few_changes", n=len(own_changes[0]), before=cut + 1, needed=own.MIN_CHANGES)
        pf = self.peer_fit(ind, cut, h, a.region, a.level, a.parent)
        if pf is not None:
            met = pf.changes <= a.required_change if is_ceiling(a.comparator) else pf.changes >= a.required_change
            a.n_peer_met, a.n_peer_windows = int(np.sum(met)), int(len(pf.changes))
            a.n_peer_regions = pf.n_regions
            a.peer_changes = pf.changes
            a.peer_windows = Lazy(getattr, pf, "windows")  # a frame for charts: built on first read
            a.peer_class = pf.reference_class
            a.required_percentile = required.percentile_among(a.required_change, a.peer_changes)
            q = pf.quantiles_at(y0)  # once for both
            a.p_peers = p_meet_from(peers.p_meet_peers(pf, y0, a.required_change, q), a.comparator)
            forecasts["peers"] = peers.peer_forecast(pf, y0, rng, self.n_draws, q)
        else:
            a.n_peer_windows = int(np.count_nonzero(self.window_codes(ind, h).select(cut, a.level)))
            a.add_note("peers_too_few", h=h, indicator=ind, as_of=cut, level=a.level)
        # the rung depends on (indicator, as-of year, level, parent) only: chosen once per class
        rung = self.cached(("choose", ind, cut, a.level, a.parent),
                           lambda: ladder.choose(self, ind, cut, a.level, a.parent))
        if rung is None:
            a.add_note("no_rung", indicator=ind, level=a.level, as_of=cut)
        else:
            a.evidence, a.class_composition, a.model_fitted = rung.evidence, rung.composition, rung.method
            a.reference_class = rung.label
            if rung.pooled is not None:
                fp = rung.pooled.forecast(y0, a.region, h, rng, self.n_draws)
                forecasts["pooled"] = fp
                a.p_pooled = p_meet_from(fp.p_at_least(y_star), a.comparator)
                if not fp.info["region_in_fit"]:
                    a.add_note("pooled_region_unseen" if a.n_own_changes == 0 else "pooled_region_shrunk_to_zero")
                if rung.pooled.method != "MixedLM":
                    a.add_note("pooled_ols_fallback")
            else:
                name = "family_" + rung.evidence.lower()
                fam = rung.family.forecast(y0, a.region, ind, a.level, h, rng, self.n_draws, name=name)
                forecasts[name] = fam
                a.p_pooled = p_meet_from(fam.p_at_least(y_star), a.comparator)
                # n_peer_windows / n_peer_met / n_peer_regions stay those of the same-level peer fit
                # (what the histogram draws); the family's size is in class_composition
                a.add_note("rung_" + rung.evidence.lower(), composition=rung.composition,
                           own=a.n_own_changes or 0)
        if self.with_ets:
            fe = own.ets_forecast(self.own_levels(ind, cut, a.region)[["year", "y"]], h, rng)
            if fe is not None:
                a.add_note("ets_cross_check", p=p_meet_from(fe.p_at_least(y_star), a.comparator))
        for name in ("pooled", "family_b", "family_c", "peers", "own"):
            if name in forecasts:
                method = rung.pooled.method if (rung is not None and rung.pooled is not None) else None
                set_headline(a, forecasts[name], y_star, log_scale, h, headline_name(name, method))
                if name in ("family_b", "family_c"):  # calibrated on the ladder backtest (models/recalibrate.py)
                    recalibrate.apply(a, forecasts[name], y_star, log_scale, name[-1].upper())
                clip_levels(a)
                if name in ("peers", "own"):
                    a.evidence = a.evidence or "A"
                break


def _compare(x: float, target: float, comparator: str) -> bool:
    return special.compare(x, target, comparator)


def _fan(f: Forecast, t0: int, v0: float, h: int, log_scale: bool) -> pd.DataFrame:
    return fan(f, t0, v0, h, log_scale)


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
           panel: pd.DataFrame | None = None, engine: Engine | None = None, workers: int = 1) -> pd.DataFrame:
    """Assess a DataFrame of targets (default: the registry); one row per target, contract columns first.

    A target that raises is reported with verdict ``error`` and the reason in ``notes``; the
    others are still assessed. ``workers`` > 1 assesses large tables (≥ 400 targets) in that many
    forked processes (:mod:`analysis.engine.parallel`): the same table, bit for bit.
    """
    from analysis.data.loaders import load_targets
    from analysis.engine.parallel import assess_parallel

    targets = load_targets() if targets is None else targets
    eng = engine or get_engine(seed, panel)
    records = assess_parallel(targets, lambda part: _records(part, eng, as_of), workers)
    if records is None:
        records = _records(targets, eng, as_of)
    table = pd.DataFrame.from_records(records)
    for col in INTEGER_FIELDS:  # years and counts stay whole numbers where missing values occur
        if col in table:
            table[col] = table[col].astype("Int64")
    return table


def _records(targets: pd.DataFrame, eng: Engine, as_of: int | None) -> list[dict[str, Any]]:
    """One contract record per target row, in order; a target that raises becomes an ``error`` record."""
    records = []
    for row in targets.to_dict(orient="records"):
        try:
            rec = eng.assess(row, as_of=as_of).to_record()
        except Exception as err:  # noqa: BLE001 - one bad target must not stop the others
            failed = Assessment(target_id=str(row.get("target_id")), region=str(row.get("region")),
                                indicator=str(row.get("indicator")), verdict="error")
            failed.add_note("engine_error", error=f"{type(err).__name__}: {err}")
            rec = failed.to_record()
        records.append(rec)
    return records
