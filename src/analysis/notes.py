"""Notes as data: the engine records *codes with parameters*, words are chosen at the edge.

Every remark the engine makes about a judgement ("the region has only one past change",
"the pooled model fell back to OLS") is a :class:`Note`: a stable ``code`` plus the numbers and
names it needs. ``analysis assess --format json`` prints both the English sentence (``notes``,
the contract) and the codes (``note_codes``); reports render the same codes in their own language
through the message catalogue (:mod:`analysis.i18n`), so a Chinese page never carries an English
note.

The English template of each code is its gettext ``msgid``; the Chinese text lives in
``locale/zh/LC_MESSAGES/messages.po``. Adding a code = one line in :data:`NOTE_TEXT` + one entry
in the ``.po`` file (a test checks every code has a translation).

Example:
    >>> n = Note.make("own_too_few_changes", n=1, needed=3, before=2022)
    >>> n.text("en")
    'own trend: 1 change(s) before 2022, fewer than 3 needed'
    >>> n.to_json()
    {'code': 'own_too_few_changes', 'params': {'n': 1, 'needed': 3, 'before': 2022}}
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

#: code -> English template (str.format placeholders). The template is also the gettext msgid.
NOTE_TEXT: dict[str, str] = {
    "own_too_few_changes": "own trend: {n} change(s) before {before}, fewer than {needed} needed",
    "as_of_last_known": 'as of {as_of}: projecting from the last known value {value} ({year}) instead of the {baseline_year} baseline',
    "baseline_from_data": 'baseline {value} taken from the data ({year})',
    "baseline_last_known": 'baseline taken from the last known value ({year})',
    "baseline_differs": "the data give {data} for {year}, the document {document}; the document's baseline is used",
    "increment_no_baseline": 'increment target without a baseline: cannot convert to a level',
    "increment_converted": 'increment +{increment} converted to the level {level}',
    "growth_baseline_from_data": 'baseline {value} {unit} taken from the data (the document writes {document})',
    "growth_unit_as_written": 'level unit as written in the document (the data hold no baseline)',
    "growth_converted": 'growth-rate target {rate}% converted to the level {level}',
    "outcome_lower_bound": 'outcome is a lower bound below the target: met or not is unknown',
    "small_count": 'small count ({value}): negative binomial count model on peers that started small',
    "breakthrough_extrapolated": 'zero baseline (零的突破): the count model is read at a start of 0 from windows that started small',
    "count_too_few_windows": 'count model: fewer than {needed} small-count {h}-year windows of {indicator} or its family up to {as_of}',
    "count_family_fitted": "small-count family model (rung C): negative binomial (NB2) of the end count on log(start + ½) over {windows} small-start windows (start ≤ {small_max}) of {indicators} count indicators in {regions} regions, data up to {as_of}",
    "count_family_widened_stock": "the stock count indicators have fewer than {needed} small-start windows up to {as_of}: the class is widened to every count indicator (stock and flow)",
    "count_family_widened_flow": "the flow count indicators have fewer than {needed} small-start windows up to {as_of}: the class is widened to every count indicator (stock and flow)",
    "count_family_widened_other": "the indicator's stock/flow type has fewer than {needed} small-start windows up to {as_of}: the class is widened to every count indicator",
    "count_family_level": "level is a covariate of the small-count family model: an offset for level {level} against the other level",
    "count_family_no_level": "level is not a covariate of the small-count family model: an offset needs at least {regions} regions and {windows} windows at every level of the class",
    "count_family_zero_start": "zero baseline (零的突破): read from the family model at a start of 0; the class holds {n} zero-start window(s), {positive} of which reached at least 1, too few to judge from the transitions alone",
    "count_family_calibrated": "the small-count family model's P(meet) passes its leave-one-indicator-out backtest check: Platt slope {b}, 95 % interval {b_lo}–{b_hi}, {events} events from {clusters} fold fits with outcomes up to {as_of}",
    "count_family_withheld": "no probability shown: the small-count family model is not calibrated out of sample (leave-one-indicator-out backtest: {windows} held-out windows, {events} events from {clusters} fold fits with outcomes up to {as_of}; Platt slope {b}, 95 % interval {b_lo}–{b_hi}; 1 is calibrated); its range is not shown either",
    "count_family_withheld_few": "no probability shown: the small-count family model's leave-one-indicator-out backtest has only {windows} held-out windows, {events} events from {clusters} fold fits with outcomes up to {as_of}; its calibration check needs at least {min_events} events and {min_clusters} fold fits; its range is not shown either",
    "methods_count_family": "Evidence C (small counts): the end count is modelled by a negative binomial (NB2) on log(start + ½) over the small-start windows of {indicators} count indicators at every level ({levels}): {n} windows of {regions} regions; its P(meet) is checked by a leave-one-indicator-out backtest.",
    "methods_class_level_windows": "Class composition: level {level}, {n} windows of {k} indicators from {regions} regions.",
    "rank_joint": 'rank goal: rank {current} of {n} in {parent} ({year}) → {goal} (advance {advance}); {n} regions simulated jointly',
    "rank_no_parent": "rank goal: the region's parent is unknown, so the ranking group is unknown",
    "rank_too_few_regions": 'rank goal: values for {year} exist for {n} region(s) of {parent}: cannot simulate the ranking',
    "rank_no_pooled": 'rank goal: the pooled model cannot be fitted for the ranking group',
    "rank_no_outside_view": 'rank goal: too few rank changes in the panel for an outside view',
    "rank_outside": "rank goal judged from the outside view of rank changes: provinces moved up at least {advance} place(s) in {h} year(s) in {met} of {n} windows ({indicators} S&T indicators); the city's own ranking group has no data",
    "bounds_not_fitted": '{n} bound value(s) (突破/超…) of this region are shown but not used to fit trends',
    "derived_values": '{n} derived value(s) in the history (see note column)',
    "invalid_target": 'invalid target: {reason}',
    "engine_error": '{error}',
    "masked": 'the document masks the target number (xx): nothing to assess',
    "quarterly_milestone": 'quarterly milestone (Q{quarter}): within-year progress cannot be judged from annual data; see the year-end target',
    "no_catalogue_code": "indicator '{indicator_zh}' has no catalogue code and no series: arithmetic only",
    "no_baseline": 'no baseline value in the document or the data: probability cannot be computed',
    "peers_too_few": 'peers: fewer than 5 {h}-year windows of {indicator} at level {level} up to {as_of}',
    "no_rung": 'no reference class: {indicator} and its family have too few changes at level {level} up to {as_of}',
    "pooled_region_unseen": 'pooled: the region has no changes of this indicator in the data; its own tendency is drawn from the spread between regions',
    "pooled_region_shrunk_to_zero": "pooled: the region's own tendency is not estimated (no region variance); it is drawn from the spread between regions",
    "pooled_ols_fallback": 'pooled: MixedLM fell back to pooled OLS (region variance at zero or no convergence): no region effects',
    "rung_b": "rung B: the same indicator at every level, level and size as covariates of mean and spread ({composition}); the region's own {own} change(s) move its effect, shrunk",
    "rung_c": "rung C: the indicator family (same kind and stock/flow type) at every level, indicator, level and region effects shrunk ({composition}); the region's own {own} change(s) move its effect, shrunk",
    "recalibrated": "P(meet) recalibrated from the model's {p_raw}: σ(a + b·logit P) with a = {a}, b = {b}, learned on {n} rung-{rung} backtest events with outcomes up to {year} (bundled data {data})",
    "level_at_bound": "the model's P{which} level {value} lies beyond what the indicator can be; the bound {bound} is shown",
    "recalibration_unavailable": "P(meet) not recalibrated: no rung-{rung} backtest map has outcomes up to {as_of} (the first is {first}); the model's P is shown",
    "recalibration_not_proven": "P(meet) not recalibrated: on the rung-{rung} backtest, recalibration did not improve out of sample (Brier {brier_before} → {brier_after}, log score {log_before} → {log_after}); the model's P is shown",
    "probability_withheld": "no probability shown: rung {rung}'s P(meet) is not calibrated out of sample (backtest Platt slope {b}, 95 % interval {b_lo}–{b_hi} over {clusters} fold fits; 1 is calibrated) and no recalibration is proven; only the realistic range is shown",
    "recalibrated_indicator": "P(meet) recalibrated from the model's {p_raw}: σ(a + b·logit P) with a = {a}, b = {b} for {indicator}, learned on its {n} rung-{rung} backtest events with outcomes up to {year} and shrunk toward the map of all indicators (bundled data {data})",
    "probability_withheld_indicator": "no probability shown: rung {rung}'s recalibrated P(meet) for {indicator} is not calibrated out of sample (backtest Platt slope {b}, 95 % interval {b_lo}–{b_hi}; observed frequency minus stated P {gap} points; {clusters} fold fits; calibrated means slope 1 and a gap within ±5 points); only the realistic range is shown",
    "calibrated_across_indicators": "{indicator} has too few rung-{rung} backtest fold fits of its own up to {year} to check its P: the recalibrated P is calibrated across the indicators the map never saw (slope {b}, observed frequency minus stated P {gap} points), not for {indicator} in particular",
    "ets_cross_check": 'ETS cross-check: P = {p}',
    "methods_none": 'No reference class could be fitted: only the arithmetic of the target is shown.',
    "methods_a": 'Evidence A: peers are the same indicator ({indicator}) at the same administrative level ({level}): {n} annual changes of {regions} regions; the headline model fitted is {fitted}.',
    "methods_b": 'Evidence B: peers are the same indicator ({indicator}) at every level ({levels}) with level and size as covariates of the mean and the spread: {n} annual changes of {regions} regions.',
    "methods_c": 'Evidence C: peers are the indicator family of {indicator} (same kind and stock/flow type) at every level ({levels}), with shrunk indicator, level and region effects: {n} annual changes of {regions} regions.',
    "methods_rank_outside": 'Rank goal: outside view of rank changes among provinces ({n} windows).',
    "methods_class_level": 'Class composition: level {level}, {n} changes from {regions} regions.',
}


@dataclass(frozen=True)
class Note:
    """One remark of the engine: a code from :data:`NOTE_TEXT` and its parameters."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def make(cls, code: str, **params: Any) -> "Note":
        """A note with a known ``code`` (``KeyError`` naming the code otherwise)."""
        if code not in NOTE_TEXT:
            raise KeyError(f"unknown note code {code!r}: add it to analysis.notes.NOTE_TEXT")
        return cls(code, dict(params))

    def text(self, lang: str = "en") -> str:
        """The note as a sentence in ``lang`` ("en" or "zh")."""
        from analysis import i18n

        template = i18n.translate(NOTE_TEXT[self.code], lang)
        return template.format(**{k: i18n.format_param(v, lang, key=k) for k, v in self.params.items()})

    def to_json(self) -> dict[str, Any]:
        """``{"code": ..., "params": {...}}`` with JSON-ready values."""
        from analysis.assessment import json_value

        return {"code": self.code, "params": {k: json_value(v) for k, v in self.params.items()}}
