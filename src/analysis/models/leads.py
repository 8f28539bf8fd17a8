"""Cross-indicator leads of rung A: a region's earlier change of a related indicator.

Some indicators follow another one with a delay fixed by how they are made, not found by search:

- patents are granted after examination, so a region's grants in year t follow its applications
  of year t − 1 (utility models and designs, examined in about a year) and, for invention patents,
  of years t − 1 and t − 2 (substantive examination takes two to three years);
- the stock of valid invention patents grows with the invention patents granted: its change in
  year t follows the region's invention grants of year t − 1.

:data:`LEADS` lists exactly these pairs. In the pooled model (:mod:`analysis.models.pooled`) each
lead enters as a covariate γ·x_i,t−L, where x is the region's annual change of the lead indicator
(model scale) **centred on that year's mean over the class**: the lead moves a region relative to
the others of its year, while the common year shock stays with the year effects (the year mean of
lagged applications hardly predicts the next year's common shock: in the backtest, centring on
all years instead made grants' h = 1 CRPS worse). γ is fitted with the other coefficients, on
changes ending ≤ the as-of year; every x used is a change ending ≤ the as-of year, so a forecast
from year t uses only data ≤ t. Steps beyond the lag (x not yet observed) draw x from the class's
centred values, so the spread keeps γ²·Var(x).

Backtest (bundled panel, rolling origin, ``analysis backtest``): rung A's CRPS against own drift
8.0/13.5/18.9 % lower without leads, 8.5/14.4/19.7 % with them (h = 1/2/3), coverage in band.

Example:
    >>> x = within_year_centred(np.array([0.1, 0.3, np.nan]), np.array([2021, 2021, 2021]))
    >>> [round(float(v), 2) for v in x]
    [-0.1, 0.1, 0.0]
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: indicator -> its leads (lead indicator, lag in years), each with its reason in the docstring above
LEADS: dict[str, tuple[tuple[str, int], ...]] = {
    "patent_grants": (("patent_applications", 1),),
    "invention_patent_grants": (("invention_patent_applications", 1), ("invention_patent_applications", 2)),
    "valid_invention_patents": (("invention_patent_grants", 1),),
}
#: fewest class changes with an observed lead value for the lead to enter the fit
MIN_OBSERVED = 20


@dataclass(frozen=True)
class LeadSeries:
    """One lead of an indicator: its name, lag L and the annual changes (region, end year) -> Δy
    of the lead indicator, every one ending ≤ the as-of year."""

    indicator: str
    lag: int
    rates: dict


@dataclass(frozen=True)
class LeadTerms:
    """The lead covariates of a fitted class: design columns and what a forecast needs.

    ``columns``: (n_changes, K) centred x (0 where unobserved), before the √Δt design weight;
    ``known``: region -> (K, max lag) array of centred x for forecast steps s = 1..L (NaN beyond L
    or where unobserved); ``pools``: per lead, the class's centred x (drawn for steps beyond L);
    ``names``: "indicator (lag L)" per lead.
    """

    columns: np.ndarray
    known: dict
    pools: tuple
    lags: tuple
    names: tuple


def within_year_centred(x: np.ndarray, years: np.ndarray) -> np.ndarray:
    """x minus the mean of the observed x of the same year; 0 where x is NaN.

    >>> within_year_centred(np.array([1.0, 3.0, 5.0]), np.array([1, 1, 2])).tolist()
    [-1.0, 1.0, 0.0]
    """
    x = np.asarray(x, float)
    ok = np.isfinite(x)
    out = np.zeros_like(x)
    if ok.any():
        means = pd.Series(x[ok]).groupby(np.asarray(years)[ok]).transform("mean").to_numpy()
        out[ok] = x[ok] - means
    return out


def lead_terms(changes: pd.DataFrame, leads: list[LeadSeries] | tuple = ()) -> LeadTerms | None:
    """The lead covariates of a class's changes (None if no lead has :data:`MIN_OBSERVED` values).

    A change over Δt > 1 years has no single annual lead value and gets x = 0 (the year's mean).
    The forecast values are anchored at the class's last end year E: step s uses the lead's change
    ending E + s − L (observed for s ≤ L), centred on the class's mean of that year.
    """
    if not leads or changes.empty:
        return None
    reg = changes["region"].to_numpy()
    end = changes["end_year"].to_numpy(int)
    one = changes["dt"].to_numpy(int) == 1
    last_end = int(end.max())
    regions = np.unique(reg)
    cols, pools, lags, names, known_parts = [], [], [], [], []
    for lead in leads:
        x = np.array([lead.rates.get((r, e - lead.lag), np.nan) if o else np.nan
                      for r, e, o in zip(reg, end, one)], dtype=float)
        if np.count_nonzero(np.isfinite(x)) < MIN_OBSERVED:
            continue
        xc = within_year_centred(x, end)
        cols.append(xc)
        pools.append(xc[np.isfinite(x)])
        lags.append(lead.lag)
        names.append(f"{lead.indicator} (lag {lead.lag})")
        steps = {}
        for s in range(1, lead.lag + 1):
            vals = {r: lead.rates[(r, last_end + s - lead.lag)] for r in regions
                    if (r, last_end + s - lead.lag) in lead.rates}
            if vals:
                centre = float(np.mean(list(vals.values())))
                steps[s] = {r: v - centre for r, v in vals.items()}
        known_parts.append(steps)
    if not cols:
        return None
    width = max(lags)
    known = {}
    for r in regions:
        arr = np.full((len(lags), width), np.nan)
        for k, steps in enumerate(known_parts):
            for s, vals in steps.items():
                if r in vals:
                    arr[k, s - 1] = vals[r]
        known[r] = arr
    return LeadTerms(np.column_stack(cols), known, tuple(pools), tuple(lags), tuple(names))


def lead_inputs(changes_of, indicator: str, as_of: int) -> list[LeadSeries]:
    """The leads of ``indicator`` with their annual changes ending ≤ ``as_of``.

    ``changes_of(indicator, as_of)`` returns that indicator's consecutive changes (the engine's
    as-of view); a lead indicator with no one-year change is left out.

    >>> ch = pd.DataFrame({"region": ["a"], "end_year": [2020], "dt": [1], "dy": [0.1]})
    >>> [s.lag for s in lead_inputs(lambda i, t: ch, "invention_patent_grants", 2020)]
    [1, 2]
    """
    out = []
    for name, lag in LEADS.get(indicator, ()):
        ch = changes_of(name, as_of)
        ch = ch[(ch["dt"].to_numpy() == 1) & (ch["end_year"].to_numpy() <= as_of)]
        if len(ch):
            out.append(LeadSeries(name, lag, dict(zip(zip(ch["region"], ch["end_year"].astype(int)),
                                                      ch["dy"].astype(float)))))
    return out
