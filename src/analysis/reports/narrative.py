"""The report vocabulary in one import (``from analysis.reports import narrative as nr``).

The notebooks call ``nr.headline``, ``nr.sources_table`` … The code lives by what it holds:

* :mod:`.words` – labels, headings and names (regions, indicators, units, verdicts) from the catalogue;
* :mod:`.numbers` – numbers as a reader writes them (units, significant digits, Monte Carlo error);
* :mod:`.prose` – sentences: the verdict paragraph, empty-case layouts, notes, method, reproducibility;
* :mod:`.tables` – HTML tables (what it takes, probability, levels, sources, scorecard, frames);
* :mod:`.goals` – restated rows folded into goals with one probability.

Example:
    >>> from analysis.reports import narrative as nr
    >>> nr.fmt_value(550, "万元", "zh"), nr.label("year", "zh")
    ('550万元', '年份')
"""
from __future__ import annotations

from typing import Any

from analysis.assessment import Assessment
from analysis.reports.gaps import data_gaps, gaps_html, wanted_text  # noqa: F401
from analysis.reports.goals import fold_goals, goal_key  # noqa: F401
from analysis.reports.numbers import (COUNT_UNITS, fmt_annual_change, fmt_change, fmt_prob, fmt_rate,  # noqa: F401
                                      fmt_value, fmt_year, is_missing, prob_error)
from analysis.reports.prose import (backtest_note, goal_blocks, headline, is_masked, method_note, missing_sentence,  # noqa: F401
                                    note_texts, notes_list, panel_intro, reproducibility_block, target_block,
                                    verdict_badge)
from analysis.reports.tables import (column_label, document_titles, frame_html, level_grid_html,  # noqa: F401
                                     levels_table, probability_table, record_scale, requirements_table, scorecard_table,
                                     source_link, sources_table, verdict_counts)
from analysis.reports.words import (HEADINGS, LABELS, LANGS, check_lang, eurostat_label, heading,  # noqa: F401
                                    indicator_name, label, model_name, reference_class_label, region_name, t,
                                    unit_name, verdict_label)


def summary_record(a: Assessment) -> dict[str, Any]:
    """The JSON-ready record a target report publishes for the index (contract fields + extras)."""
    return a.to_record()


def reproducibility(lang: str = "zh", seed: int | None = None, as_of: int | None = None) -> str:
    """The reproducibility block of a report: :func:`analysis.provenance.run_info` as a table."""
    from analysis.provenance import run_info

    return reproducibility_block(run_info(seed=seed, as_of=as_of), lang)


def _year(x: Any) -> str:
    return fmt_year(x)
