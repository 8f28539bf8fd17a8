"""The reference-class ladder: which class judges a target, and what it is made of.

Tried in order, the first that can be fitted is used and recorded (``evidence`` A/B/C):

- **A** the same indicator at the same level (parent first), size-conditioned: the pooled
  mixed model, peers and the region's own trend (:mod:`analysis.models.pooled`).
- **B** the same indicator at every sub-national level, level and size as covariates of the mean
  and of the spread (:mod:`analysis.models.family`); only where the target's level itself has
  changes in the class (the level effect is estimated, not assumed).
- **C** the indicator family (same kind and stock/flow type), every sub-national level, indicator,
  level and series effects shrunk; again only where the target's level has changes. Where the
  family has too few changes at the target's level, C widens to every indicator on the same scale
  (counts and amounts; shares and rates), said in the class label.

The nation (全国) is never a peer. Where no rung applies, :func:`data_wanted` names the series
that would unlock one.

Example:
    >>> composition_text({"city": {"changes": 23, "regions": 5}, "province": {"changes": 0, "regions": 0}})
    'city 23 changes / 5 regions; province 0 changes / 0 regions'
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from analysis.models import family, pooled
from analysis.models.leads import lead_inputs
from analysis.models import family_prior as family_prior_mod
from analysis.models.family import FamilyFit
from analysis.models.pooled import PooledFit

#: a level must have this many changes in a B/C class for the level effect to be estimated
MIN_AT_LEVEL = 3
RUNGS = ("A", "B", "C")


@dataclass
class Rung:
    """The class that judges a target: its grade, its label and its composition by level."""

    evidence: str
    label: str
    composition: dict = field(default_factory=dict)
    pooled: PooledFit | None = None
    family: FamilyFit | None = None

    @property
    def method(self) -> str:
        """What was actually fitted: MixedLM, its OLS fallback, or the shrunk family model."""
        if self.pooled is not None:
            return "MixedLM" if self.pooled.method == "MixedLM" else "OLS"
        return "ridge-EB"


def composition(changes: pd.DataFrame) -> dict:
    """Changes and regions per level of a class (``{"city": {"changes": 23, "regions": 5}}``)."""
    return {lv: {"changes": int(len(g)), "regions": int(g["region"].nunique())}
            for lv, g in changes.groupby("level")}


def composition_text(comp: dict) -> str:
    """Composition as one English line, levels in a fixed order (see :func:`analysis.i18n.format_composition`)."""
    from analysis.i18n import format_composition

    return format_composition(comp, "en")


def fit_a(eng, indicator: str, as_of: int, level: str, parent: str) -> Rung | None:
    """Rung A: the pooled model on the same indicator and level (same parent where it suffices)."""
    def frame(same_parent: bool) -> pd.DataFrame:  # the class as a frame: for fitting only
        ch = eng.changes(indicator, as_of)
        return ch[(ch["level"] == level) & (ch["parent"] == parent)] if same_parent else ch[ch["level"] == level]

    def make():
        # counted on arrays (the same rows as the frames above); a frame is cut only to fit
        codes = eng.change_codes(indicator)
        at_level = codes.select(as_of, level)
        for same_parent, mask, label in (
                (True, at_level & (codes.parent == codes.parents.get(parent, -2)),
                 f"same level ({level}) and parent ({parent})"),
                (False, at_level, f"same level ({level})")):
            n, regions = int(np.count_nonzero(mask)), codes.n_regions(mask)
            if regions >= pooled.MIN_REGIONS and n >= pooled.MIN_CHANGES:
                fit = eng.cached(("pooled", indicator, as_of, label),
                                 lambda: pooled.fit_pooled(frame(same_parent), label,
                                                           leads=lead_inputs(eng.changes, indicator, as_of)))
                if fit is not None:  # one level: composition(frame) is this level's counts
                    return Rung("A", f"A: {indicator}, {label}", {level: {"changes": n, "regions": regions}},
                                pooled=fit)
        return None
    return eng.cached(("rung_a", indicator, as_of, level, parent), make)


def family_prior(eng, indicator: str, as_of: int):
    """Rung B's prior: year-shock and level-offset variances learnt on the *other* indicators of
    the family (same kind and stock/flow type; every indicator on the same scale where the family
    has fewer than 3 groups with enough years), changes ending ≤ ``as_of``
    (:mod:`analysis.models.family_prior`); None if none."""
    def make():
        prior = None
        for members in (tuple(eng.family(indicator)), tuple(eng.scale_family(indicator))):
            # yearly means of every member, all years, computed once per class and then cut
            ym = eng.cached(("prior_means", members), lambda: family_prior_mod.yearly_means(
                eng.class_changes(members, 10 ** 6)))
            prior = family_prior_mod.prior_from_means(
                ym[(ym["indicator"] != indicator) & (ym["end_year"].to_numpy() <= as_of)])
            if prior is not None and prior.n_groups >= 3:
                return prior
        return prior
    return eng.cached(("family_prior", indicator, as_of), make)


def fit_family_rung(eng, rung: str, indicator: str, as_of: int, level: str, wide: bool = False) -> Rung | None:
    """Rung B (``indicators = [indicator]``) or C (its family; ``wide``: every indicator on the same
    scale), if the target's level is in the class."""
    inds = (indicator,) if rung == "B" else tuple(eng.scale_family(indicator) if wide else eng.family(indicator))
    codes = eng.class_change_codes(inds)  # counted on arrays; the frame is cut only to fit
    upto = codes.select(as_of)
    if np.count_nonzero(upto & (codes.level == codes.levels.get(level, -2))) < MIN_AT_LEVEL:
        return None
    if rung == "B" and np.unique(codes.level[upto]).size < 2:
        return None  # one level only: that is rung A's class
    what = indicator if rung == "B" else (
        f"{'every log-scale (count and amount)' if eng.log_scale(indicator) else 'every points-scale (share and rate)'}"
        f" indicator ({len(inds)})" if wide else f"family of {indicator} ({len(inds)} indicators)")

    def labelled(comp: dict) -> str:
        return f"{rung}: {what}, every level with level and size as covariates ({composition_text(comp)})"

    def make():
        ch = eng.class_changes(inds, as_of)
        comp = composition(ch)
        fit = family.fit_family(ch, labelled(comp), family_prior(eng, indicator, as_of) if rung == "B" else None)
        return None if fit is None else Rung(rung, labelled(comp), comp, family=fit)
    fitted = eng.cached(("rung", rung, inds, as_of, level), make)
    # the fit is shared by the family; the label names this target's indicator (else it would name
    # whichever indicator of the family was assessed first, and depend on the order of targets)
    if fitted is None or fitted.label == labelled(fitted.composition):
        return fitted
    return replace(fitted, label=labelled(fitted.composition))


def choose(eng, indicator: str, as_of: int, level: str, parent: str) -> Rung | None:
    """The first rung (A, B, C) that can be fitted for this indicator, level and as-of year."""
    kind = eng.catalogue["kind"].get(indicator, "") if "kind" in eng.catalogue else ""
    return (fit_a(eng, indicator, as_of, level, parent)
            or fit_family_rung(eng, "B", indicator, as_of, level)
            or fit_family_rung(eng, "C", indicator, as_of, level)
            # the widest class pools counts with amounts, or shares with rates; a growth rate
            # (a volatile flow ratio) is never judged by how slowly shares move
            or (None if kind == "rate" else fit_family_rung(eng, "C", indicator, as_of, level, wide=True)))


def data_wanted(a, n_years: int = 5) -> list[dict]:
    """The series that would unlock an unjudged target: the region's own years, and peers' years.

    Each item: ``scope`` ("own": this region; "peers": the other regions of the same level and
    parent), ``region`` (empty for peers), ``level``, ``parent``, ``indicator`` and ``years``.

    >>> from analysis.assessment import Assessment
    >>> a = Assessment("t", "汕尾市", "incubator_mentors", level="city", parent="广东省", baseline_year=2021)
    >>> data_wanted(a)[0]["years"]
    [2017, 2018, 2019, 2020, 2021]
    >>> data_wanted(a)[1]["scope"], data_wanted(a)[1]["parent"]
    ('peers', '广东省')
    """
    end = a.baseline_year if a.baseline_year is not None else ((a.target_year or 1) - 1)
    years = list(range(end - n_years + 1, end + 1))
    ind = a.indicator or a.indicator_zh
    out = [{"scope": "own", "region": a.region, "level": a.level or "", "parent": a.parent or "",
            "indicator": ind, "years": years}]
    if a.parent:
        out.append({"scope": "peers", "region": "", "level": a.level or "", "parent": a.parent,
                    "indicator": ind, "years": years})
    return out
