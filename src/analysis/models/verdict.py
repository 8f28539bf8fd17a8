"""Deterministic progress categories (Eurostat / Statistics Canada style) reported beside P(meet).

RR = observed CAGR / required CAGR, both per year. Cut-points 95 % / 60 % / 0 %:
RR ≥ 0.95 on track · 0.60–0.95 moderate progress, acceleration needed · 0–0.60 insufficient
progress · < 0 movement away. (Open SDG docs/progress-methodology.md; Eurostat SDG report.)
"""
from __future__ import annotations

EUROSTAT_CATEGORIES = {
    "achieved": ("已达成", "target already met"),
    "on_track": ("进度充分", "on track (RR ≥ 95%)"),
    "moderate": ("需加速", "moderate progress, acceleration needed (60% ≤ RR < 95%)"),
    "insufficient": ("进度不足", "insufficient progress (0 ≤ RR < 60%)"),
    "moving_away": ("反向变化", "movement away (RR < 0)"),
}


def eurostat_category(observed_rate: float | None, required_rate: float | None) -> tuple[float | None, str | None]:
    """(RR, category code) for an observed and a required annual rate (same units)."""
    if observed_rate is None or required_rate is None:
        return None, None
    if required_rate <= 0:
        return None, "achieved"
    rr = observed_rate / required_rate
    if rr >= 0.95:
        return rr, "on_track"
    if rr >= 0.60:
        return rr, "moderate"
    if rr >= 0:
        return rr, "insufficient"
    return rr, "moving_away"
