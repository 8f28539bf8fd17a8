"""Backtest charts: calibration (reliability diagram), interval coverage and CRPS by model and horizon.

Labels and model names come from the catalogue in ``lang``; see :mod:`analysis.reports.plots` for
the shared helpers. Example: ``plots.crps_by_model(run_backtest(), "en")`` returns a Figure.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analysis.reports.figures import BAND_COLOUR, _empty, _figure
from analysis.reports.words import label, t


def reliability_diagram(calibration: pd.DataFrame, lang: str = "zh", rung: str | None = None) -> Figure:
    """Predicted P(meet) (bin mean) vs observed frequency, with ±2 s.e. bars (``synthetic_calibration``,
    or with ``rung`` a reliability table of the real panel from :func:`analysis.backtest_ladder.report_data`)."""
    fig, ax = _figure(5.0, 4.6)
    title = label("reliability_title", lang) if rung is None else label("reliability_real_title", lang, rung=rung)
    cal = calibration[calibration["n"] > 0] if calibration is not None and not calibration.empty else calibration
    if cal is None or cal.empty:
        _empty(ax, lang, title)
        return fig
    se = np.sqrt(np.clip(cal["mean_p"] * (1 - cal["mean_p"]), 1e-9, None) / cal["n"])
    ax.plot([0, 1], [0, 1], color="#777777", ls="--", lw=1, label=label("perfect", lang))
    ax.errorbar(cal["mean_p"], cal["observed"], yerr=2 * se, fmt="o", color=BAND_COLOUR, capsize=3,
                label=label("observed", lang))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    pct = FuncFormatter(lambda v, _: f"{100 * v:.0f}%")
    ax.xaxis.set_major_formatter(pct)
    ax.yaxis.set_major_formatter(pct)
    ax.set_xlabel(label("predicted", lang))
    ax.set_ylabel(label("observed", lang))
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    return fig


def interval_coverage(scores: pd.DataFrame, lang: str = "zh", indicator: str = "all") -> Figure:
    """Coverage of the 50/80/95 % intervals by horizon, one panel per level, a line per model."""
    levels = [c for c in ("coverage_50", "coverage_80", "coverage_95") if scores is not None and c in scores]
    d = scores[scores["indicator"] == indicator] if levels else pd.DataFrame()
    title = label("coverage_chart", lang)
    if d.empty:
        fig, ax = _figure(7.5, 2.5)
        _empty(ax, lang, title)
        return fig
    fig = Figure(figsize=(9.0, 3.4), layout="constrained")
    axes = fig.subplots(1, len(levels), sharey=False)
    axes = np.atleast_1d(axes)
    palette = dict(zip(sorted(d["model"].unique()), _palette(d["model"].nunique())))
    for ax, col in zip(axes, levels):
        nominal = int(col.split("_")[1]) / 100
        for model, g in d.sort_values("horizon").groupby("model"):
            ax.plot(g["horizon"], g[col], marker="o", color=palette[model], label=_model_label(model, lang))
        ax.axhline(nominal, color="black", lw=1.5, ls="--")
        ax.set_title(label(f"band{int(nominal * 100)}", lang), fontsize=10)
        ax.set_xlabel(label("horizon", lang))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
    axes[0].set_ylabel(label("coverage_chart", lang))
    axes[-1].legend(fontsize=7, loc="lower left")
    fig.suptitle(title + t(" (dashed: nominal)", lang), fontsize=11)
    return fig


def _model_label(model: object, lang: str) -> str:
    """A backtest model name in ``lang`` (baselines and models through the catalogue)."""
    from analysis.reports.tables import column_label

    return column_label(model, lang)


def _palette(n: int) -> list:
    import seaborn as sns

    return sns.color_palette("tab10", n)


def crps_by_model(scores: pd.DataFrame, lang: str = "zh", indicator: str = "all",
                  models: Sequence[str] | None = None) -> Figure:
    """CRPS by model and horizon (lower is better)."""
    import seaborn as sns

    fig, ax = _figure(7.5, 3.6)
    title = label("crps_title", lang)
    d = scores[scores["indicator"] == indicator] if scores is not None and not scores.empty else pd.DataFrame()
    if models is not None and not d.empty:
        d = d[d["model"].isin(models)]
    d = d.dropna(subset=["crps"]) if "crps" in d else d
    if d.empty:
        _empty(ax, lang, title)
        return fig
    d = d.assign(model=[_model_label(m, lang) for m in d["model"]])
    sns.barplot(data=d, x="horizon", y="crps", hue="model", ax=ax)
    ax.set_xlabel(label("horizon", lang))
    ax.set_ylabel("CRPS")
    ax.set_title(title)
    ax.legend(fontsize=8, ncol=3)
    return fig
