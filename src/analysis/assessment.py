"""The result of assessing one target: the contract fields plus what the charts need.

An :class:`Assessment` is what ``assess_one`` returns, what the notebooks plot and what
``analysis assess --format json`` prints (``to_record``). In JupyterLab it displays as a short
HTML summary.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.lazy import lazy_attribute, resolved_state

#: verdict code -> (Chinese label, English label, colour)
VERDICTS: dict[str, tuple[str, str, str]] = {
    "on_track": ("可实现", "on track", "#1a9850"),
    "stretch": ("有挑战", "stretch", "#fee08b"),
    "unlikely": ("难度大", "unlikely", "#fc8d59"),
    "implausible": ("基本不可能", "implausible", "#d73027"),
    # a model was fitted, but its probability is not calibrated out of sample: none is shown
    "withheld": ("概率未校准", "probability withheld", "#c6dbef"),
    "insufficient_data": ("数据不足", "insufficient data", "#bdbdbd"),
    "error": ("错误", "error", "#7b3294"),
}

#: the JSON contract of ``analysis assess`` (DESIGN.md, CLI contract), in order
CONTRACT_FIELDS = (
    "target_id", "region", "indicator", "baseline_year", "baseline_value", "target_year",
    "target_value", "horizon", "required_cagr", "p_meet", "p_own", "p_peers", "p_pooled", "model",
    "verdict", "level_p50", "level_p80", "n_peer_windows", "reference_class", "outcome_value", "met",
    "notes", "evidence", "data_wanted",
)


def is_ceiling(comparator: str | None) -> bool:
    """A ceiling target ("at most", ``<=`` or ``<``): met when the value stays at or below the target."""
    return comparator in ("<=", "<")


def p_meet_from(p_up: float | None, comparator: str | None) -> float | None:
    """P(meet) from a model's P(Y ≥ y*): its complement for a ceiling target, so that every model's
    P means "met" whatever the comparator.

    >>> p_meet_from(0.3, ">="), p_meet_from(0.25, "<=")
    (0.3, 0.75)
    """
    if p_up is None:
        return None
    return float(1 - p_up) if is_ceiling(comparator) else p_up


def verdict_for(p: float | None) -> str:
    """Verdict code for a probability (contract cut-points 0.5 / 0.2 / 0.05)."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "insufficient_data"
    if p >= 0.5:
        return "on_track"
    if p >= 0.2:
        return "stretch"
    if p >= 0.05:
        return "unlikely"
    return "implausible"


@dataclass
class Assessment:
    """Feasibility of one target.

    Scales: for counts and amounts the models work on y = log(value) and changes are log ratios;
    for shares and rates y = value and changes are percentage points (``scale`` says which).
    """

    target_id: str
    region: str
    indicator: str
    indicator_zh: str = ""
    unit: str = ""
    kind: str = ""
    scale: str = "log"  # "log" or "points"
    level: str = ""
    parent: str = ""
    target_type: str = "level"
    comparator: str = ">="
    baseline_year: int | None = None
    baseline_value: float | None = None
    target_year: int | None = None
    target_value: float | None = None
    as_of: int | None = None
    horizon: int | None = None
    # required: what it takes
    required_change: float | None = None      # log ratio or pp over the horizon
    required_cagr: float | None = None        # fraction per year (0.041 = 4.1 %/yr), or pp/yr for shares
    own_mean_change: float | None = None      # region's own mean annual change (same scale as required)
    own_max_change: float | None = None       # region's own best annual change
    required_percentile: float | None = None  # percentile of the requirement among peer h-year changes (0–100)
    eurostat_ratio: float | None = None       # observed / required CAGR
    eurostat_category: str | None = None
    # probabilities
    p_meet: float | None = None
    p_own: float | None = None
    p_peers: float | None = None
    p_pooled: float | None = None
    p_count: float | None = None
    p_meet_raw: float | None = None           # rungs B/C: the model's P before recalibration (models/recalibrate.py)
    model: str | None = None                  # which model gave the headline p_meet
    verdict: str = "insufficient_data"
    level_p50: float | None = None            # level reached with 50 % probability
    level_p80: float | None = None            # level reached with 80 % probability
    n_peer_windows: int | None = None
    n_peer_met: int | None = None
    n_peer_regions: int | None = None
    reference_class: str | None = None
    evidence: str | None = None               # rung of the reference-class ladder: A, B or C (None: unjudged)
    class_composition: dict | None = None     # level -> {"changes": n, "regions": m} of the class used
    model_fitted: str | None = None           # what was actually fitted (MixedLM, OLS, ridge-EB, ...)
    data_wanted: list | None = None           # unjudged: [{region, indicator, years}] that would unlock it
    n_own_changes: int | None = None
    outcome_value: float | None = None
    met: bool | None = None
    notes: list[str] = field(default_factory=list)            # English sentences (contract)
    note_codes: list[Any] = field(default_factory=list)       # the same notes as analysis.notes.Note
    quote: str = ""
    document: str = ""
    # chart data (not part of the JSON contract); history, fan and peer_windows are built on first
    # read (LAZY_FIELDS: the engine stores their recipe, a batch that never draws them never builds them)
    history: pd.DataFrame | None = None       # year, value, qualifier, derived, source, quote, reliability
    fan: pd.DataFrame | None = None           # year, q05, q10, q25, q50, q75, q90, q95 (value units)
    peer_changes: np.ndarray | None = None    # peers' h-year changes (model scale)
    peer_windows: pd.DataFrame | None = None  # region, start_year, end_year, start_value, end_value, change
    peer_class: str | None = None             # the class of those windows (same indicator and level)
    sources: pd.DataFrame | None = None       # source, quote, reliability for every value used

    def add_note(self, code: str, **params: Any) -> None:
        """Record a note as a code with parameters (and its English sentence in ``notes``).

        >>> a = Assessment("t", "汕尾市", "hte_count")
        >>> a.add_note("own_too_few_changes", n=1, needed=3, before=2022)
        >>> a.notes[0], a.note_codes[0].code
        ('own trend: 1 change(s) before 2022, fewer than 3 needed', 'own_too_few_changes')
        """
        from analysis.notes import Note

        note = Note.make(code, **params)
        self.note_codes.append(note)
        self.notes.append(note.text("en"))

    @property
    def verdict_zh(self) -> str:
        return VERDICTS.get(self.verdict, ("", "", ""))[0]

    @property
    def verdict_en(self) -> str:
        return VERDICTS.get(self.verdict, ("", "", ""))[1]

    @property
    def verdict_colour(self) -> str:
        return VERDICTS.get(self.verdict, ("", "", "#999999"))[2]

    def to_record(self, extended: bool = True) -> dict[str, Any]:
        """JSON-ready dict: the contract fields first (missing figures as ``None``), then extras."""
        rec: dict[str, Any] = {}
        names = list(CONTRACT_FIELDS)
        if extended:
            names += [
                "p_meet_raw", "indicator_zh", "unit", "kind", "scale", "level", "parent", "target_type", "comparator", "as_of",
                "required_change", "own_mean_change", "own_max_change", "required_percentile",
                "eurostat_ratio", "eurostat_category", "p_count", "n_peer_met", "n_peer_regions",
                "n_own_changes", "verdict_zh", "document", "quote", "class_composition", "model_fitted",
            ]
        for name in names:
            rec[name] = json_value(getattr(self, name))
        rec["note_codes"] = [n.to_json() for n in self.note_codes]
        if extended:
            from analysis.engine.headline import methods

            rec["methods"] = [n.to_json() for n in methods(self)]
        return rec

    def _repr_html_(self) -> str:
        """A short bilingual summary for JupyterLab; amounts and counts as a reader writes them
        (``550万元``, ``63家``), probabilities in percent, missing years left out (never ``None``)."""
        from analysis.reports.numbers import fmt_value, fmt_year

        def pct(x: float | None) -> str:
            return "—" if x is None else f"{100 * x:.1f}%"

        def num(x: float | None) -> str:
            return e(fmt_value(x, self.unit, "zh"))

        def year(y: int | None) -> str:
            return f" ({fmt_year(y)})" if fmt_year(y) else ""

        e = html.escape
        rows = [
            ("目标 target", f"{e(self.region)} · {e(self.indicator_zh or self.indicator)}: "
                            f"{num(self.baseline_value)}{year(self.baseline_year)} → {num(self.target_value)}"
                            f"{year(self.target_year)}"),
            ("所需年均增速 required CAGR", pct(self.required_cagr) if self.scale == "log" else
             ("—" if self.required_cagr is None else f"{self.required_cagr:+.2f} pp/yr")),
            ("达成概率 P(meet)", f"{pct(self.p_meet)} ({e(self.model or 'no model')})"),
            ("自身趋势 own / 同类 peers / 合并 pooled", f"{pct(self.p_own)} / {pct(self.p_peers)} / {pct(self.p_pooled)}"),
            ("现实水平 P50 / P80", f"{num(self.level_p50)} / {num(self.level_p80)}"),
            ("参照组 reference class", f"{e(self.reference_class or '—')} ({self.n_peer_windows or 0} windows)"),
        ]
        body = "".join(f"<tr><th style='text-align:left'>{k}</th><td style='text-align:left'>{v}</td></tr>" for k, v in rows)
        notes = "".join(f"<li>{e(n)}</li>" for n in self.notes)
        badge = (f"<span style='background:{self.verdict_colour};padding:2px 8px;border-radius:4px'>"
                 f"{e(self.verdict_zh)} · {e(self.verdict)}</span>")
        return (f"<div><h4>{e(self.target_id)} {badge}</h4><table>{body}</table>"
                + (f"<ul>{notes}</ul>" if notes else "") + "</div>")


#: chart fields that may hold a :class:`~analysis.lazy.Lazy` value (read as attributes as before;
#: a pickled assessment holds the frames themselves)
LAZY_FIELDS = ("history", "fan", "peer_windows")
for _name in LAZY_FIELDS:
    setattr(Assessment, _name, lazy_attribute(_name))
Assessment.__getstate__ = resolved_state


#: fields that are whole numbers (years, counts); kept as integers in JSON and DataFrames
INTEGER_FIELDS = ("baseline_year", "target_year", "horizon", "n_peer_windows", "n_peer_met", "n_peer_regions",
                  "n_own_changes", "as_of")


def json_record(rec: dict[str, Any]) -> dict[str, Any]:
    """A record ready for ``json.dumps``: NaN → None, numpy → Python, whole-number fields as int."""
    out = {k: json_value(v) for k, v in rec.items()}
    for k in INTEGER_FIELDS:
        if isinstance(out.get(k), float):
            out[k] = int(out[k])
    return out


_PLAIN = frozenset({str, int, bool})


def json_value(value: Any) -> Any:
    """None for NaN, plain Python numbers for numpy scalars (JSON-friendly)."""
    if value is None or type(value) in _PLAIN:  # the common cases first (one look-up)
        return value
    if type(value) is float:
        return None if math.isnan(value) else value
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, list):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    return value
