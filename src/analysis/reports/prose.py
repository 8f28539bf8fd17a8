"""Sentences of the reports: the verdict paragraph (with its own layout for masked and no-data targets),
notes, the method, and the reproducibility block. All text comes from the message catalogue.

Example:
    >>> from analysis.assessment import Assessment
    >>> a = Assessment("t", "汕尾市", "hte_count", indicator_zh="高新技术企业数量", unit="家", target_year=2022)
    >>> "No baseline value" in headline(a, "en"), "文件和数据中都没有基期数值" in headline(a, "zh")
    (True, True)
"""
from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

from analysis.assessment import Assessment
from analysis.reports.numbers import (fmt_change, fmt_prob, fmt_rate, fmt_value, fmt_year, is_missing,
                                      prob_error)
from analysis.reports.words import indicator_name, model_name, region_name, t

MASK_MARK = "masks the target number"


def verdict_badge(verdict: str, lang: str = "zh") -> str:
    """A coloured HTML badge for a verdict code."""
    from analysis.assessment import VERDICTS
    from analysis.reports.words import verdict_label

    colour = VERDICTS.get(verdict, ("", "", "#999999"))[2]
    fg = "#000" if verdict in ("stretch", "insufficient_data", "withheld") else "#fff"
    return (f'<span class="verdict" data-verdict="{html.escape(verdict, quote=True)}" style="background:{colour};'
            f'color:{fg};padding:2px 8px;border-radius:4px;white-space:nowrap">'
            f'{html.escape(verdict_label(verdict, lang))}</span>')


def is_masked(a: Assessment) -> bool:
    """The document hides the number (``xx``): a masked-note code or the engine's masked sentence."""
    return any("mask" in getattr(n, "code", "") for n in a.note_codes) or any(MASK_MARK in str(n) for n in a.notes)


def _intro(a: Assessment, ind: str, region: str, lang: str) -> str:
    base, tgt = fmt_value(a.baseline_value, a.unit, lang), fmt_value(a.target_value, a.unit, lang)
    by, ty = fmt_year(a.baseline_year), fmt_year(a.target_year)
    if by and not is_missing(a.baseline_value) and ty:
        text = t("{region} plans to raise {indicator} from <b>{base}</b> ({by}) to <b>{target}</b> ({ty})", lang,
                 region=region, indicator=ind, base=base, by=by, target=tgt, ty=ty)
    elif ty:
        text = t("{region} plans {indicator} of <b>{target}</b> in {ty}", lang, region=region, indicator=ind,
                 target=tgt, ty=ty)
    else:
        text = t("{region} plans {indicator} of <b>{target}</b>", lang, region=region, indicator=ind, target=tgt)
    if a.required_change is not None and a.horizon:
        return text + t(": {change} over {h} year(s), {rate} on average.", lang,
                        change=fmt_change(a.required_change, a.scale, lang), h=a.horizon,
                        rate=fmt_rate(a.required_cagr, a.scale, lang))
    return text + t(".", lang)


def _levels_sentence(a: Assessment, lang: str) -> str:
    if a.level_p50 is None:
        return ""
    return t("Realistic {year} levels: <b>{p80}</b> with 80% and <b>{p50}</b> with 50% probability.", lang,
             year=fmt_year(a.target_year) or "—", p80=fmt_value(a.level_p80, a.unit, lang),
             p50=fmt_value(a.level_p50, a.unit, lang))


def missing_sentence(a: Assessment, lang: str = "zh") -> str:
    """What is missing for a probability and what would unlock it (reads ``data_wanted`` if the engine sets it)."""
    wanted = getattr(a, "data_wanted", None)
    if is_missing(a.baseline_value):
        text = t("No baseline value in the document or the data, so no probability can be computed.", lang)
    elif a.history is None or len(a.history) == 0:
        text = t("There is no data series for this indicator and region, so no probability can be computed.", lang)
    else:
        text = t("The data are not enough to estimate a probability; only the required growth is shown.", lang)
    if wanted:
        items = wanted if isinstance(wanted, (list, tuple)) else [wanted]
        from analysis.reports.gaps import wanted_text

        what = t("; ", lang).join(wanted_text(w, lang) if isinstance(w, dict) else str(w) for w in items)
        text += " " + t("What would unlock it: {what}.", lang, what=html.escape(what))
    else:
        text += " " + t("A few more years of this indicator for the region, or its peers, would unlock it.", lang)
    return text


def is_withheld(a: Assessment) -> bool:
    """Whether the engine withheld an uncalibrated probability (verdict ``withheld``: a model was
    fitted, its P failed the out-of-sample check; the range may still be shown)."""
    return a.verdict == "withheld"


def headline(a: Assessment, lang: str = "zh") -> str:
    """The verdict paragraph of a target report (HTML), with its own layout for masked and no-data targets."""
    e = html.escape
    ind = e(indicator_name(a.indicator, a.indicator_zh, lang))
    region = e(region_name(a.region, lang))
    parts: list[str] = []
    if is_masked(a):
        parts.append(t("The document hides the target number of {indicator} for {region} ({ty}): there is "
                       "nothing to compare against.", lang, indicator=ind, region=region,
                       ty=fmt_year(a.target_year) or "—"))
        parts.append(_levels_sentence(a, lang))
    elif a.verdict == "error":
        parts.append(_intro(a, ind, region, lang))
        parts.append(t("The target cannot be assessed: {why}.", lang, why=e("; ".join(note_texts(a, lang))) or "—"))
    elif is_withheld(a):
        parts.append(_intro(a, ind, region, lang))
        parts.append(t("The {model} was fitted, but its probability is not calibrated out of sample for targets "
                       "like this one, so none is shown (the notes give the backtest check).", lang,
                       model=e(model_name(a.model, lang))))
        if a.level_p50 is not None:
            parts.append(t("Its uncalibrated range for {year}, for orientation only: {p80} (its 80% level) and "
                           "{p50} (its median).", lang, year=fmt_year(a.target_year) or "—",
                           p80=fmt_value(a.level_p80, a.unit, lang), p50=fmt_value(a.level_p50, a.unit, lang)))
    elif a.p_meet is None:
        parts.append(_intro(a, ind, region, lang))
        parts.append(missing_sentence(a, lang))
    else:
        parts.append(_intro(a, ind, region, lang))
        parts.append(t("The {model} gives a probability of <b>{p}</b>: {badge}.", lang, model=e(model_name(a.model, lang)),
                       p=fmt_prob(a.p_meet, prob_error(a.model, a.p_meet), lang), badge=verdict_badge(a.verdict, lang)))
        parts.append(_levels_sentence(a, lang))
    if a.outcome_value is not None:
        met = t({True: "met", False: "not met", None: "unknown"}[a.met], lang)
        parts.append(t("Outcome: {value} in {year} ({met}).", lang, value=fmt_value(a.outcome_value, a.unit, lang),
                       year=fmt_year(a.target_year), met=met))
    quote = f'<blockquote class="quote">{e(a.quote)}</blockquote>' if a.quote else ""
    return f'<div class="headline"><p>{" ".join(p for p in parts if p)}</p>{quote}</div>'


def note_texts(a: Assessment, lang: str = "zh") -> list[str]:
    """The notes in ``lang``: coded notes through the catalogue, plain sentences translated when listed."""
    from analysis.i18n import translate

    coded = list(a.note_codes)
    english = {n.text("en") for n in coded}
    out = [n.text(lang) for n in coded]
    out += [translate(str(s), lang) for s in a.notes if str(s) not in english]
    return out


def notes_list(notes: Iterable[str] | Assessment, lang: str = "zh") -> str:
    """Notes as an HTML list (an :class:`Assessment` is rendered through its note codes)."""
    from analysis.i18n import translate

    texts = note_texts(notes, lang) if isinstance(notes, Assessment) else [translate(str(n), lang) for n in notes]
    items = []
    for n in texts:
        # a sentence the catalogue does not know yet keeps its English words; mark it for readers and tests
        cls = " class='untranslated' lang='en'" if lang == "zh" and n.isascii() else ""
        items.append(f"<li{cls}>{html.escape(n)}</li>")
    if not items:
        return "<p>" + t("none", lang) + "</p>"
    return "<ul class='notes'>" + "".join(items) + "</ul>"


def target_block(a: Assessment, lang: str = "zh") -> str:
    """A compact block for one target inside a city report: id, verdict paragraph, notes."""
    return f"<h4>{html.escape(a.target_id)}</h4>" + headline(a, lang) + notes_list(a, lang)


METHOD = (
    "Counts and amounts are modelled on the log scale (changes are growth rates), shares and rates in "
    "percentage points. <b>Own trend</b>: random walk with drift on the region's annual changes up to the "
    "baseline; <b>peers</b>: every window of the same length, indicator and level before the baseline, "
    "quantile regression on the starting size; <b>pooled</b>: mixed model of annual changes (region random "
    "effect, common year shocks), Monte Carlo to the target year; small counts (including zero baselines) use "
    "a negative binomial count model. Only data up to the baseline are used (no look-ahead). Verdicts: "
    "P ≥ 50% on track, 20–50% stretch, 5–20% unlikely, &lt;5% implausible."
)

BACKTEST = (
    "Rolling origin: for every region and origin year, only data up to the origin (peers too) forecast the "
    "level h years later. CRPS scores the whole predictive distribution (lower is better); coverage is the "
    "share of outcomes inside the 50/80/95% intervals and should match the nominal level; Brier scores are "
    "for target-like events (growth of at least 10/20/50/100% over h years; lower is better). \"No change\" "
    "and \"drift\" are baselines."
)


def method_note(lang: str = "zh") -> str:
    """A short description of the models (same for every report)."""
    return f"<p>{t(METHOD, lang)}</p>"


def backtest_note(lang: str = "zh") -> str:
    """What the backtest scores mean."""
    return f"<p>{t(BACKTEST, lang)}</p>"


def panel_intro(n_regions: int, n_values: int, unit: str, lang: str = "zh", n_shown: int | None = None) -> str:
    """How many regions and sourced values the panel holds (and how many regions a table hides)."""
    from analysis.reports.words import unit_name

    text = t("{n} regions, {v} sourced values (unit: {unit}).", lang, n=n_regions, v=n_values,
             unit=html.escape(unit_name(unit, lang) or unit))
    if n_shown is not None and n_shown < n_regions:
        text += " " + t("The tables show {k} of them; {hidden} are hidden.", lang, k=n_shown, hidden=n_regions - n_shown)
    return f"<p>{text}</p>"


def reproducibility_block(info: Mapping[str, Any], lang: str = "zh") -> str:
    """The run facts of :func:`analysis.provenance.run_info` as a small table (file paths as code)."""
    e = html.escape
    folders = "<br>".join(f"<code>{e(str(d.get('path')))}</code> ({e(t(str(d.get('role')), lang))}, "
                          f"sha256 <code>{e(str(d.get('sha256')))}</code>)" for d in info.get("data_dirs", []))
    as_of = info.get("as_of")
    rows = [
        (t("package version", lang), f"<code>analysis {e(str(info.get('analysis_version')))}</code>"),
        (t("git commit", lang), f"<code>{e(str(info.get('git_commit')))}</code>"
         if info.get("git_commit") != "not a git checkout" else t("not a git checkout", lang)),
        (t("data folders", lang), folders),
        (t("seed", lang), f"<code>{e(str(info.get('seed')))}</code>"),
        (t("data as of", lang), e(str(as_of)) if as_of is not None else t("each target's baseline year", lang)),
        (t("generated (UTC)", lang), e(str(info.get("generated_utc")))),
    ]
    body = "\n".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)  # one row a line: only
    return f"<table class='kv reproducibility'>\n{body}\n</table>"  # the generated row differs between runs


def goal_blocks(assessments: Iterable[Assessment], lang: str = "zh") -> str:
    """One block per goal of a city report: the lead row's paragraph and notes (its one P), then the
    ids of the rows that restate it, so a goal never shows several probabilities on one page."""
    from analysis.reports.goals import fold_goals

    by_id = {a.target_id: a for a in assessments}
    out = []
    for g in fold_goals([a.to_record() for a in by_id.values()]):
        lead = by_id[str(g["lead"]["target_id"])]
        block = target_block(lead, lang)
        others = [i for i in g["target_ids"] if i != lead.target_id]
        if others:
            ids = " ".join(f"<code>{html.escape(i)}</code>" for i in others)
            block += f"<p class='muted'>{t('Restated in the document as:', lang)} {ids}</p>"
        out.append(block)
    return "".join(out)
