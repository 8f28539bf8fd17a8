"""Rank goals ("排名前进1位"): P(rank at the target year ≤ goal) by joint simulation.

Every region under the same parent with a value of the indicator in the as-of year is projected
with the pooled model, sharing one common year shock per simulated year (so a good year lifts
everyone and ranks move only through region-specific differences).
"""
from __future__ import annotations

import numpy as np


def rank_probability(engine, a) -> dict | None:
    """Dict with p, reference_class and note, or None (with a note on ``a``) if it cannot be done."""
    if not a.parent:
        a.notes.append("rank goal: the region's parent is unknown, so the ranking group is unknown")
        return None
    levels = engine.levels(a.indicator, a.as_of)
    now = levels[(levels["year"] == a.as_of) & (levels["parent"] == a.parent)]
    if a.region not in set(now["region"]) or len(now) < 3:
        a.notes.append(f"rank goal: {a.indicator} values for {a.as_of} exist for {len(now)} region(s) of {a.parent}"
                       f"{'' if a.region in set(now['region']) else ' (not for ' + a.region + ')'}: cannot rank")
        return None
    fit = engine.pooled_fit(a.indicator, a.as_of, a.level, a.parent)
    if fit is None:
        a.notes.append("rank goal: the pooled model cannot be fitted")
        return None
    regions = now["region"].tolist()
    y0 = now["y"].to_numpy(float)
    current = int((y0 > y0[regions.index(a.region)]).sum()) + 1
    advance = int(a.target_value or 1)
    goal = max(1, current - advance)
    paths = fit.simulate(y0, regions, max(a.horizon, 1), engine.rng(a.target_id), engine.n_draws)
    final = paths[:, :, -1]
    mine = final[:, regions.index(a.region)][:, None]
    ranks = (final > mine).sum(axis=1) + 1
    a.baseline_value, a.target_value = float(current), float(goal)
    return {"p": float(np.mean(ranks <= goal)), "reference_class": fit.reference_class,
            "note": f"rank goal: rank {current} of {len(regions)} in {a.parent} ({a.as_of}) → {goal} "
                    f"(advance {advance}); {len(regions)} regions simulated jointly"}
