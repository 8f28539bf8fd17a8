"""As-of views of the panel and their cache: every model sees only years ≤ the as-of year.

:class:`PanelViews` holds the panel split by indicator once (numpy-friendly frames) and caches
every derived view by (kind, indicator, as-of year, …): model-scale levels, consecutive changes,
h-year windows, each region's history, and a family's changes across indicators. Created once,
it serves thousands of targets.

Example:
    >>> import pandas as pd
    >>> p = pd.DataFrame({"region": ["a", "a"], "level": "city", "parent": "P", "indicator": "hte_count",
    ...                   "year": [2020, 2021], "value": [10.0, 12.0], "qualifier": "exact"})
    >>> v = PanelViews(p)
    >>> len(v.changes("hte_count", 2021)), len(v.changes("hte_count", 2020))
    (1, 0)
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.data.catalogue import is_log_scale, load_indicators
from analysis.data.derived import with_derived
from analysis.engine.cache import PERSISTED_KINDS, FitCache, cache_dir, frame_hash
from analysis.models.changes import consecutive_changes, fit_rows, h_windows

HISTORY_COLUMNS = ["year", "value", "qualifier", "derived", "source", "quote", "reliability", "note"]
#: levels that may be peers of each other (the nation is never a peer of a province or city)
SUBNATIONAL = ("province", "city", "district", "county")


@dataclass(frozen=True)
class HistoryArrays:
    """A region's history as arrays sorted by year: year, value, qualifier, derived (as bool)."""

    year: np.ndarray
    value: np.ndarray
    qualifier: np.ndarray
    derived: np.ndarray | None

    @classmethod
    def of(cls, history: pd.DataFrame) -> "HistoryArrays":
        """The arrays of a history frame (``derived`` None where the frame has no such column).

        >>> HistoryArrays.of(pd.DataFrame({"year": [2020], "value": [1.0], "qualifier": ["exact"]})).year
        array([2020])
        """
        return cls(year=history["year"].to_numpy(), value=history["value"].to_numpy(),
                   qualifier=history["qualifier"].to_numpy(),
                   derived=history["derived"].astype(bool).to_numpy() if "derived" in history else None)


@dataclass(frozen=True)
class RowCodes:
    """A changes or windows frame's rows as integer codes (region, level, parent) and end years.

    A reference class (rows ending ≤ as-of, one level, maybe one parent) is then a numpy mask over
    the uncut frame, in its row order: counting a class, its regions or its changes needs no
    filtered frame (each cost 0.3–0.5 ms in pandas, once per class and engine).

    >>> f = pd.DataFrame({"region": ["a", "b", "a"], "level": "city", "parent": ["P", "Q", "P"],
    ...                   "end_year": [2020, 2020, 2022]})
    >>> rc = RowCodes.of(f)
    >>> rc.select(2021, "city", "P").tolist(), rc.n_regions(rc.select(2022, "city"))
    ([True, False, False], 2)
    """

    end: np.ndarray
    region: np.ndarray
    level: np.ndarray
    parent: np.ndarray
    levels: dict
    parents: dict

    @classmethod
    def of(cls, frame: pd.DataFrame) -> "RowCodes":
        """Codes of ``frame``'s region, level and parent columns (missing values: code -1)."""
        region, _ = pd.factorize(frame["region"])
        level, lv = pd.factorize(frame["level"])
        parent, pa = pd.factorize(frame["parent"])
        return cls(end=frame["end_year"].to_numpy(), region=region, level=level, parent=parent,
                   levels={k: i for i, k in enumerate(lv)}, parents={k: i for i, k in enumerate(pa)})

    def select(self, as_of: int, level: str | None = None, parent: str | None = None) -> np.ndarray:
        """Rows ending ≤ ``as_of`` (at ``level``, under ``parent`` where given): a boolean mask."""
        mask = self.end <= as_of
        if level is not None:
            mask &= self.level == self.levels.get(level, -2)  # -2: a value the frame does not hold
        if parent is not None:
            mask &= self.parent == self.parents.get(parent, -2)
        return mask

    def n_regions(self, mask: np.ndarray) -> int:
        """How many regions the selected rows come from (= ``frame[mask]["region"].nunique()``)."""
        r = self.region[mask]
        r = r[r >= 0]
        return int(np.count_nonzero(np.bincount(r))) if r.size else 0


class PanelViews:
    """The panel, cut by as-of year on demand, with every view cached."""

    def __init__(self, panel: pd.DataFrame | None = None, seed: int = 0, n_draws: int = 4000):
        from analysis.data.loaders import load_panel

        base = load_panel() if panel is None else panel
        self.panel = with_derived(base)
        self.catalogue = load_indicators()
        self.seed = seed
        self.n_draws = n_draws
        self._by_indicator = {k: g for k, g in self.panel.groupby("indicator")}
        self._cache: dict[tuple, Any] = {}
        self._log_scales: dict[str, bool] = {}
        folder = cache_dir()
        self._disk: FitCache | None | bool = None if folder is None else True  # made on first fit
        self._disk_folder = folder

    def cached(self, key: tuple, make) -> Any:
        """The cached value under ``key``, computed by ``make()`` on first use.

        Model fits and the h-year windows (kinds in :data:`~analysis.engine.cache.PERSISTED_KINDS`)
        are also kept on disk across runs (:class:`~analysis.engine.cache.FitCache`, keyed by data and code hashes).
        """
        if key not in self._cache:
            disk = self.fit_cache() if key[0] in PERSISTED_KINDS else None
            self._cache[key] = make() if disk is None else disk.get_or_make(key, make)
        return self._cache[key]

    def fit_cache(self) -> FitCache | None:
        """The on-disk fit cache for this panel and catalogue (None when ``ANALYSIS_CACHE=0``)."""
        if self._disk is True:
            self._disk = FitCache(self._disk_folder, frame_hash(self.panel, self.catalogue))
        return self._disk

    def log_scale(self, indicator: str) -> bool:
        """True for counts and amounts (modelled on log scale), False for shares and rates."""
        scales = self._log_scales
        if indicator not in scales:
            scales[indicator] = (is_log_scale(self.catalogue.loc[indicator, "kind"])
                                 if indicator in self.catalogue.index else True)
        return scales[indicator]

    def catalogue_row(self, indicator: str) -> dict | None:
        """The indicator's catalogue row as a dict (None if unknown), looked up once."""
        rows = self.cached(("catalogue_rows",), lambda: {k: r for k, r in zip(
            self.catalogue.index, self.catalogue.to_dict(orient="records"))})
        return rows.get(indicator)

    def rng(self, target_id: str) -> np.random.Generator:
        """Per-target seeded generator: results do not depend on the order targets are assessed in."""
        return np.random.default_rng([self.seed, zlib.crc32(str(target_id).encode("utf-8"))])

    # Every as-of view is the uncut view of the indicator (built once) with rows after the as-of
    # year dropped: a region's consecutive changes and h-year windows ending ≤ as_of are exactly those
    # of the series cut at as_of (rows are sorted by region and year; (region, year) is unique).
    def _levels_all(self, indicator: str) -> pd.DataFrame:
        def make():
            g = self._by_indicator.get(indicator, self.panel.iloc[0:0])
            return fit_rows(g, self.log_scale(indicator))
        return self.cached(("levels_all", indicator), make)

    def _changes_all(self, indicator: str) -> pd.DataFrame:
        return self.cached(("changes_all", indicator), lambda: consecutive_changes(self._levels_all(indicator)))

    def levels(self, indicator: str, as_of: int) -> pd.DataFrame:
        """Model-scale levels usable for fitting (exact/approx values, years ≤ as_of)."""
        def make():
            full = self._levels_all(indicator)
            return full[full["year"].to_numpy() <= as_of]
        return self.cached(("levels", indicator, as_of), make)

    def changes(self, indicator: str, as_of: int) -> pd.DataFrame:
        """Consecutive changes of every region of ``indicator`` ending ≤ as_of."""
        return self.cached(("changes", indicator, as_of), lambda: _upto(self._changes_all(indicator), as_of))

    def _windows_all(self, indicator: str, h: int) -> pd.DataFrame:
        return self.cached(("windows_all", indicator, h), lambda: h_windows(self._levels_all(indicator), h))

    def windows(self, indicator: str, as_of: int, h: int) -> pd.DataFrame:
        """Every h-year window of ``indicator`` ending ≤ as_of."""
        return self.cached(("windows", indicator, as_of, h), lambda: _upto(self._windows_all(indicator, h), as_of))

    def window_codes(self, indicator: str, h: int) -> RowCodes:
        """:class:`RowCodes` of every h-year window of ``indicator`` (uncut; select by as-of year)."""
        return self.cached(("window_codes", indicator, h), lambda: RowCodes.of(self._windows_all(indicator, h)))

    def window_changes(self, indicator: str, h: int) -> np.ndarray:
        """The ``change`` column of every h-year window of ``indicator`` (uncut), as floats."""
        return self.cached(("window_changes", indicator, h),
                           lambda: self._windows_all(indicator, h)["change"].to_numpy(float))

    def change_codes(self, indicator: str) -> RowCodes:
        """:class:`RowCodes` of every consecutive change of ``indicator`` (uncut)."""
        return self.cached(("change_codes", indicator), lambda: RowCodes.of(self._changes_all(indicator)))

    def own_changes(self, indicator: str, as_of: int, region: str) -> pd.DataFrame:
        """The region's own consecutive changes up to ``as_of``.

        A region's changes are sorted by year, so those ending ≤ as_of are a prefix: a positional
        slice (no boolean filter per target). Same rows, index and values as filtering on end_year.
        """
        by = self.cached(("own_changes_all", indicator), lambda: _prefix_index(self._changes_all(indicator),
                                                                              "end_year"))
        if region not in by:
            return self._changes_all(indicator).iloc[0:0]
        d, end = by[region]
        if end is None:  # not sorted by end year (never for consecutive changes): filter
            return d[d["end_year"].to_numpy() <= as_of]
        return d.iloc[:int(np.searchsorted(end, as_of, side="right"))]

    def own_change_arrays(self, indicator: str, as_of: int, region: str) -> tuple[np.ndarray, ...]:
        """(dy, dt, end_year) of :meth:`own_changes` as arrays, cached per region and as-of year."""
        def make():
            arrays = self.cached(("own_change_arrays_all", indicator), lambda: {
                r: (d["dy"].to_numpy(), d["dt"].to_numpy(), d["end_year"].to_numpy())
                for r, d in self._changes_all(indicator).groupby("region")})
            if region not in arrays:
                d = self._changes_all(indicator).iloc[0:0]
                return d["dy"].to_numpy(), d["dt"].to_numpy(), d["end_year"].to_numpy()
            dy, dt, end = arrays[region]
            keep = (slice(0, int(np.searchsorted(end, as_of, side="right"))) if np.all(end[1:] >= end[:-1])
                    else end <= as_of)  # a prefix: a region's changes are in year order
            return dy[keep], dt[keep], end[keep]
        return self.cached(("own_change_arrays", indicator, as_of, region), make)

    def own_levels(self, indicator: str, as_of: int, region: str) -> pd.DataFrame:
        """The region's own fit rows up to ``as_of``."""
        by = self.cached(("own_levels_all", indicator),
                         lambda: {r: d for r, d in self._levels_all(indicator).groupby("region")})
        if region not in by:
            return self._levels_all(indicator).iloc[0:0]
        d = by[region]
        return d[d["year"].to_numpy() <= as_of]

    def history(self, region: str, indicator: str) -> pd.DataFrame:
        """Every reported value of the region (uncut: outcomes are looked up here).

        The indicator's rows are put in (region, year) order once; a region's history is then a
        positional slice of them, renumbered from 0 (the same frame as sorting the region's rows by
        year, since a region reports a year once).
        """
        frame, spans = self.cached(("history_rows", indicator), lambda: self._history_rows(indicator))
        if region not in spans:
            return pd.DataFrame(columns=HISTORY_COLUMNS[:-1])
        by = self.cached(("history", indicator), dict)
        if region not in by:
            start, stop = spans[region]
            by[region] = frame.iloc[start:stop].reset_index(drop=True)
        return by[region]

    def _history_rows(self, indicator: str) -> tuple[pd.DataFrame | None, dict]:
        """The indicator's history columns in (region, year) order, and each region's (start, stop)."""
        g = self._by_indicator.get(indicator)
        if g is None:
            return None, {}
        year = g["year"].to_numpy()
        parts, spans, at = [], {}, 0
        for region, pos in g.groupby("region", sort=False).indices.items():
            pos = pos[np.argsort(year[pos], kind="stable")]
            parts.append(pos)
            spans[region] = (at, at + pos.size)
            at += pos.size
        cols = [c for c in HISTORY_COLUMNS if c in g]
        return g[cols].iloc[np.concatenate(parts)], spans

    def history_arrays(self, region: str, indicator: str) -> HistoryArrays:
        """The region's :meth:`history` as numpy arrays (per-target look-ups without pandas filters).

        Slices of the indicator's columns in (region, year) order: the same values as the arrays of
        the region's history frame, without building that frame (it is for charts only).
        """
        by = self.cached(("history_arrays", indicator), dict)
        if region not in by:
            frame, spans = self.cached(("history_rows", indicator), lambda: self._history_rows(indicator))
            if region not in spans:
                by[region] = HistoryArrays.of(self.history(region, indicator))
            else:
                cols = self.cached(("history_columns", indicator), lambda: HistoryArrays.of(frame))
                cut = slice(*spans[region])
                by[region] = HistoryArrays(year=cols.year[cut], value=cols.value[cut], qualifier=cols.qualifier[cut],
                                           derived=None if cols.derived is None else cols.derived[cut])
        return by[region]

    def family(self, indicator: str) -> list[str]:
        """Indicators of the same kind and stock/flow type as ``indicator`` (itself included)."""
        return list(self.cached(("family", indicator), lambda: tuple(self._family(indicator))))

    def _family(self, indicator: str) -> list[str]:
        cat = self.catalogue
        if indicator not in cat.index:
            return [indicator]
        row = cat.loc[indicator]
        sf = cat["stock_or_flow"] if "stock_or_flow" in cat else pd.Series("", index=cat.index)
        same = cat[(cat["kind"] == row["kind"]) & (sf == sf.loc[indicator])].index
        return sorted(set(same) | {indicator})

    def scale_family(self, indicator: str) -> list[str]:
        """Every indicator modelled on the same scale (counts and amounts: log; shares and rates: points)."""
        def make():
            log = self.log_scale(indicator)
            return tuple(sorted({k for k in self.catalogue.index if self.log_scale(k) == log} | {indicator}))
        return list(self.cached(("scale_family", indicator), make))

    def _class_changes_all(self, indicators: tuple[str, ...]) -> pd.DataFrame:
        def make_all():
            parts = [self._changes_all(k).assign(indicator=k) for k in indicators if k in self._by_indicator]
            parts = [p for p in parts if not p.empty]
            if not parts:
                return pd.DataFrame(columns=["region", "level", "parent", "start_year", "end_year", "dt", "y0",
                                             "dy", "indicator"])
            out = pd.concat(parts, ignore_index=True)
            return out[out["level"].isin(SUBNATIONAL)].reset_index(drop=True)
        return self.cached(("class_changes_all", tuple(indicators)), make_all)

    def class_changes(self, indicators: tuple[str, ...], as_of: int) -> pd.DataFrame:
        """Changes of several indicators (with an ``indicator`` column), sub-national levels only."""
        return self.cached(("class_changes", tuple(indicators), as_of),
                           lambda: _upto(self._class_changes_all(tuple(indicators)), as_of))

    def class_change_codes(self, indicators: tuple[str, ...]) -> RowCodes:
        """:class:`RowCodes` of :meth:`class_changes` uncut (every year)."""
        return self.cached(("class_change_codes", tuple(indicators)),
                           lambda: RowCodes.of(self._class_changes_all(tuple(indicators))))


def _prefix_index(changes: pd.DataFrame, year: str) -> dict:
    """region -> (its rows, their ``year`` column if sorted ascending else None), in frame order.

    >>> d = _prefix_index(pd.DataFrame({"region": ["a", "b", "a"], "end_year": [2020, 2020, 2021]}), "end_year")
    >>> d["a"][1].tolist(), len(d["b"][0])
    ([2020, 2021], 1)
    """
    out = {}
    for r, d in changes.groupby("region"):
        end = d[year].to_numpy()
        out[r] = (d, end if np.all(end[1:] >= end[:-1]) else None)
    return out


def _upto(frame: pd.DataFrame, as_of: int) -> pd.DataFrame:
    """Rows of a changes or windows frame ending ≤ as_of, renumbered from 0."""
    if frame.empty:
        return frame
    return frame[frame["end_year"].to_numpy() <= as_of].reset_index(drop=True)
