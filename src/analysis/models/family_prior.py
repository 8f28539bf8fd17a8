"""What other indicators say about a rung-B class's common terms: how much the class mean moves from
year to year (common shocks) and how far one level's mean drift sits from another's.

A rung-B class holds one indicator. Where that indicator has few years, or a target's level has
few changes, its own fit cannot estimate these two variances: on the real panel, a class fitted on
two years of 15 cities' patent grants put P ≥ 0.8 on growth the provinces then met 8 % of the time
(Platt slope 0.23 out of sample). The prior is learnt on the *other* indicators on the same scale
(log for counts and amounts, points for shares and rates), from changes ending ≤ the origin only,
and shrinks the class's own estimates towards it (:func:`analysis.models.family.fit_family`):

- ``shock_var``: the mean over (indicator, level) groups with ≥ :data:`MIN_YEARS` years of the
  variance of the group's yearly mean annual change;
- ``level_var``: the mean over indicators with two or more levels of the squared difference of
  their levels' mean annual changes in common years (the variance of an unseen level's offset from
  a seen one); where no other indicator has two levels, ``shock_var`` stands in.

Example:
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> yrs = np.repeat(np.arange(2010, 2020), 5)
    >>> ch = pd.DataFrame({"indicator": "k", "level": "province", "region": np.tile(list("abcde"), 10),
    ...                    "end_year": yrs, "dt": 1, "dy": 0.1 + rng.normal(0, 0.1, 10)[yrs - 2010]})
    >>> p = learn_prior(ch)
    >>> p.n_groups, p.n_level_pairs, p.level_var == p.shock_var, 0.003 < p.shock_var < 0.03
    (1, 0, True, True)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: a group needs this many years (with ≥ MIN_PER_YEAR changes each) to say how its yearly mean varies
MIN_YEARS = 3
MIN_PER_YEAR = 3
#: the prior counts as this many years (degrees of freedom) against the class's own yearly means
PRIOR_DF = 4


@dataclass(frozen=True)
class FamilyPrior:
    """Variances learnt on other indicators (see the module docstring); ``n_groups`` and
    ``n_level_pairs`` say how many (indicator, level) groups and indicators with two levels fed them."""

    shock_var: float
    level_var: float
    n_groups: int
    n_level_pairs: int

    def shrink_shock_var(self, own_var: float, n_years: int) -> float:
        """The class's year-shock variance shrunk towards the prior: a df-weighted mean
        ((n_years − 1)·own + PRIOR_DF·prior) / (n_years − 1 + PRIOR_DF).

        >>> FamilyPrior(0.02, 0.01, 5, 1).shrink_shock_var(0.0, 1)
        0.02
        """
        df = max(n_years - 1, 0)
        own = own_var if np.isfinite(own_var) else 0.0
        return float((df * own + PRIOR_DF * self.shock_var) / (df + PRIOR_DF))


def yearly_means(changes: pd.DataFrame) -> pd.DataFrame:
    """Mean annual change per (indicator, level, end year), years with ≥ MIN_PER_YEAR changes.

    Cutting this table at an end year gives the same prior as cutting the changes first (a year's
    mean uses only changes ending that year), so an engine computes it once per class.
    """
    ch = changes[np.isfinite(changes["dy"].to_numpy(float))]
    cols = ["indicator", "level", "end_year", "mean", "size"]
    if ch.empty:
        return pd.DataFrame(columns=cols)
    g = ch.assign(x=ch["dy"].to_numpy(float) / ch["dt"].to_numpy(float)) \
        .groupby(["indicator", "level", "end_year"])["x"].agg(["mean", "size"]).reset_index()
    return g[g["size"] >= MIN_PER_YEAR][cols].reset_index(drop=True)


def learn_prior(changes: pd.DataFrame) -> FamilyPrior | None:
    """The prior from other indicators' changes (columns indicator, level, end_year, dt, dy), or None
    when no (indicator, level) group has MIN_YEARS years."""
    return prior_from_means(yearly_means(changes))


def prior_from_means(ym: pd.DataFrame) -> FamilyPrior | None:
    """The prior from a :func:`yearly_means` table (already cut to the indicators and years wanted)."""
    if ym.empty:
        return None
    groups: dict[tuple, dict[int, float]] = {}
    for k, lv, y, m in zip(ym["indicator"], ym["level"], ym["end_year"].to_numpy(int), ym["mean"].to_numpy(float)):
        groups.setdefault((k, lv), {})[int(y)] = float(m)
    vars_ = [float(np.var(list(d.values()), ddof=1)) for d in groups.values() if len(d) >= MIN_YEARS]
    if not vars_:
        return None
    shock_var = float(np.mean(vars_))
    by_indicator: dict[str, list[dict[int, float]]] = {}
    for (k, _lv), d in sorted(groups.items()):
        by_indicator.setdefault(k, []).append(d)
    diffs = []
    for levels in by_indicator.values():
        common = sorted(set.intersection(*(set(d) for d in levels))) if len(levels) >= 2 else []
        if common:
            lv = np.array([[d[y] for d in levels] for y in common])
            # mean offset over common years of every pair of levels
            for i in range(lv.shape[1]):
                for j in range(i + 1, lv.shape[1]):
                    diffs.append(float(np.mean(lv[:, i] - lv[:, j])) ** 2)
    level_var = float(np.mean(diffs)) if diffs else shock_var
    return FamilyPrior(shock_var=shock_var, level_var=level_var, n_groups=len(vars_), n_level_pairs=len(diffs))
