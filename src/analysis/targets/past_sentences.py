"""Past values in one sentence: subject, year, period, qualifier, growth, derived prior levels.

Holds :class:`PastValue` (one proposed series row), :class:`Context` (what a sentence inherits from
its document and paragraph), :func:`analyse_past_sentence` and :func:`zero_rows` (仍为零, 零的突破),
used by :mod:`analysis.targets.past`, whose docstring states the conventions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from analysis.targets.clauses import split_sentences
from analysis.targets.document import DocInfo
from analysis.targets.indicators import _catalogue_units, _indicator_kind, match_indicator
from analysis.targets.numerals import Quantity, find_quantities
from analysis.targets.past_rules import (
    INCREMENT_BASE,
    clean_subject,
    explicit_year,
    growth_before,
    is_target_context,
    last_year_adverb,
    period_months,
    qualifier_of,
)
from analysis.targets.text import CJK

#: Units the series loader knows (a value in another unit cannot be validated and is left out).
SERIES_UNITS = {"家", "万家", "个", "项", "件", "万件", "人", "名", "万人", "人次", "位", "元", "万元", "亿元",
                "万亿元", "万美元", "亿美元", "%", "千瓦", "件/万人"}

@dataclass
class PastValue:
    """One proposed series row; ``start``/``end`` are positions in the normalised text (the quote)."""

    start: int
    end: int
    indicator: str
    indicator_zh: str
    year: int | None
    value: float
    unit: str
    qualifier: str = "exact"
    derived: bool = False
    months: int | None = None
    growth: bool = False
    notes: list[str] = field(default_factory=list)
    confidence: float = 0.6

    def code(self) -> str:
        """Indicator code with its partial-year and growth suffixes (``''`` when not in the catalogue)."""
        if not self.indicator:
            return ""
        kind = _indicator_kind(self.indicator)
        suffix = f"_ytd{self.months}" if self.months else ""
        return self.indicator + suffix + ("_growth" if self.growth and kind not in ("rate",) else "")


@dataclass
class Context:
    """What a sentence inherits: the document, its reference year, and the paragraph's last year."""

    doc: DocInfo
    ref_year: int | None
    ref_note: str
    paragraph_year: int | None = None
    paragraph_months: int | None = None
    paragraph_subject: str = ""


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans in ``text[start:end]``: split at 。!? (not inside brackets or quotes) and line breaks.

    Semicolons do not split: the clauses of an enumeration share their time words.
    """
    return split_sentences(text, start, end, "。!?", "(“", ")”")


# --------------------------------------------------------------------------- subjects
def _subject_span(sentence: str, qstart: int, floor: int) -> tuple[int, str]:
    """(start, phrase) of the words naming a quantity: back to the clause mark or ``floor``.

    ``“高新技术企业数量(51家,增长…`` → the phrase before the bracket.
    """
    masked = re.sub(r"[((][^()()]*[))]", lambda m: "·" * len(m.group(0)), sentence[:qstart])  # closed brackets
    a = max(floor, max(masked.rfind(ch, 0, qstart) for ch in ",,;;:、“(()") + 1)
    phrase = sentence[a:qstart]
    if not clean_subject(_GROWTH_WORDS.sub("", phrase)) and a > 0 and sentence[a - 1] in "((":
        b = a - 1
        a2 = max(floor, max(sentence.rfind(ch, 0, b) for ch in ",,;;:、“”") + 1)
        return a2, sentence[a2:b]
    return a, phrase


def _merge_subject(subject: str, previous: str) -> str:
    """A sub-item named after its parent: ``其中发明专利`` after ``专利授权量`` → ``发明专利授权量``;
    ``占GDP的比重`` after ``R&D经费支出`` → ``R&D经费支出占GDP的比重``."""
    if not previous:
        return subject
    if subject.startswith("占") or subject.startswith("其中占"):
        return previous + subject.removeprefix("其中")
    for k in range(len(subject), 1, -1):
        tail = subject[-k:]
        pos = previous.find(tail)
        if pos >= 0 and previous[pos + k:]:
            return subject + previous[pos + k:]
    return subject


_TIME_WORDS = re.compile(r"\d{4}年|全年|年底|年末|上半年|季度|\d{1,2}月|截至|截止")
_ONE_MONTH = re.compile(r"(?:^|[,,。;;])\s*(?<![-—–至~\d])\d{1,2}月份?[,,]|当月|单月")
_SUBSET_SENTENCE = re.compile(r"(?:^|[,,;;])\s*\d+家[^,,。]{2,20}中[,,]")
_GROWTH_WORDS = re.compile(r"(?:同比|较上年|比上年|较去年|比去年)?(?:增长|增速|增幅|提高|下降|减少|增加)(?:了|为|达)?-?$")


def _sibling_subject(subject: str, previous: str) -> str:
    """``和硕士`` after ``当年新增博士`` → ``当年新增硕士`` (the sibling replaces the last noun)."""
    for k in range(min(len(subject), len(previous)) - 1, 0, -1):
        if previous.endswith(subject[-k:]):
            return previous[: len(previous) - len(subject)] + subject if len(previous) > len(subject) else subject
    return subject


def code_for(subject: str) -> str:
    """Catalogue code for a subject, unless it names a part of the region (市本级, 其中…企业中).

    Tries the subject as written, then without 的 (``向企业的转移技术成果数``).
    """
    if re.search(r"[市区县]本级|企业中|园区|高新区|以上的|以下的", subject):
        return ""
    if re.match(r"(?:新)?申报|申请认定|推荐申报|培育", subject):
        return ""  # applications and candidates are not the stock
    plain = re.sub(r"(?<=.)国家级", "", subject.replace("的", ""))
    plain = re.sub(r"(?<=.)(?:实现|完成)(?=.)", "", plain).replace("总产值", "产值")
    first = re.split(r"及|和", subject)[0]
    unbracketed = re.sub(r"[(()) ]", "", plain)
    for form in (plain, subject, first.replace("的", ""), unbracketed):
        code = match_indicator(form)
        if code == "hte_count" and re.match(r"(?:新认定|认定通过|通过认定|新增认定|认定|新增)", form):
            return "hte_new_certified"  # 认定通过国家高新技术企业13家: certified in the year
        if code:
            return code
    return ""


def _unit_for(q: Quantity, code: str, notes: list[str]) -> str:
    """The series unit of a quantity: bare 万 of an amount → 万元; 件 of a per-10 000 indicator → 件/万人."""
    unit = q.unit
    cat_unit = _catalogue_units().get(code, "")
    if unit == "万" and cat_unit == "亿元":
        notes.append("written 万 (万元)")
        return "万元"
    if unit == "件" and cat_unit == "件/万人":
        return "件/万人"
    if not unit and cat_unit:
        notes.append(f"no unit written ({cat_unit}, the catalogue's)")
        return cat_unit
    return unit


_UNITLESS = re.compile(r"(?<=[((])(\d+(?:\.\d+)?)(?=[,,])")


def _quantities(sentence: str) -> list[Quantity]:
    """Quantities with a unit, plus a bare number opening a bracket (``当年新增博士(108,增长50%)``)."""
    qs = find_quantities(sentence)
    taken = [(q.start, q.end) for q in qs]
    for m in _UNITLESS.finditer(sentence):
        if not any(a <= m.start() < b for a, b in taken):
            qs.append(Quantity(m.start(), m.end(), m.group(0), float(m.group(1)), ""))
    return sorted(qs, key=lambda q: q.start)


# --------------------------------------------------------------------------- one sentence
def _time_of(before: str, ctx: Context, notes: list[str]) -> tuple[int | None, bool]:
    """(year, explicit) of a value from the sentence text before it (see the module docstring)."""
    y, _ = explicit_year(before)
    if y is not None:
        return y, True
    if last_year_adverb(before) and ctx.doc.year:
        notes.append(f"去年/上年 resolved from the document year {ctx.doc.year} → {ctx.doc.year - 1}")
        return ctx.doc.year - 1, True
    if ctx.paragraph_year is not None:
        notes.append(f"year {ctx.paragraph_year} carried from the same paragraph")
        return ctx.paragraph_year, False
    notes.append(ctx.ref_note)
    return ctx.ref_year, False


def _describes_noun(after: str) -> bool:
    """``117家高新技术企业中`` / ``13家单位``: the quantity counts a following noun, not an indicator."""
    return bool(re.match(rf"[{CJK}]", after)) and not re.match(
        r"(?:以上|左右|以下|以内|多|余|和|及|与|、|或|至|到|的|之|人次|同比|比|较|增长|位居|居|排|列|占|为|是|创|实现|稳居|跃居|其中)", after)


def analyse_past_sentence(sentence: str, offset: int, ctx: Context, plan_section: bool) -> list[PastValue]:
    """Past values in one sentence (``offset`` = its position in the normalised text)."""
    out: list[PastValue] = []
    subset = _SUBSET_SENTENCE.search(sentence)  # "117家高新技术企业中, …": figures of a group of firms
    last_level: list[PastValue] = []
    prev_subject = ctx.paragraph_subject
    floor = 0
    respective: list[PastValue] = []
    last_sign = 1
    for q in _quantities(sentence):
        before, after = sentence[:q.start], sentence[q.end:]
        if subset and q.start >= subset.start():
            break
        if _ONE_MONTH.search(before):
            floor = q.end
            continue  # "6月份, …15.2亿元": a single month's value is neither annual nor year-to-date
        if q.unit in ("倍", "位", "‰") or q.masked or q.value is None or _describes_noun(after):
            floor = q.end
            continue
        if is_target_context(before):
            floor = q.end
            continue
        notes: list[str] = []
        year, explicit = _time_of(before, ctx, notes)
        if year is not None and ctx.doc.year is not None and year > ctx.doc.year:
            floor = q.end
            continue  # a future year: a goal
        if plan_section and not (explicit and ctx.ref_year is not None and year is not None and year <= ctx.ref_year) \
                and not re.search(r"截至|截止|已|去年|上年", before):
            floor = q.end
            continue
        if ctx.doc.kind == "plan" and ctx.ref_year is not None and year is not None and year > ctx.ref_year:
            floor = q.end
            continue
        months = period_months(before) if _TIME_WORDS.search(before) else ctx.paragraph_months
        a, phrase = _subject_span(sentence, q.start, floor)
        sign = growth_before(phrase) or growth_before(before)
        minus = before.endswith("-")
        subject = clean_subject(_GROWTH_WORDS.sub("", phrase))
        if re.match(r"\s*其中", phrase) or subject.startswith("占"):
            subject = _merge_subject(subject.removeprefix("其中"), prev_subject)
        elif re.match(r"(?:和|及|与|以及)", subject) and prev_subject:
            subject = _sibling_subject(re.sub(r"^(?:和|及|与|以及)", "", subject), prev_subject)
        code = code_for(subject) if subject else ""
        kind = _indicator_kind(code) if code else ""
        value = -q.value if minus else q.value
        inc_base = INCREMENT_BASE.search(before[-16:])
        if respective and q.unit == "%" and before.endswith("、"):
            sign = last_sign  # "分别较上年增长60.1%、54%": the next item of the list
        if sign is not None and kind == "rate" and subject:
            growth = False  # "增速-25.2%": the level of a rate indicator
        elif sign is not None or inc_base:
            target = None if (subject and code and not last_level) else (last_level[-1] if last_level else None)
            if subject and code and (not last_level or last_level[-1].indicator != code):
                target = None
            if "分别" in sentence[floor:q.start] and last_level:
                n = 1 + re.match(r"(?:、-?[\d.]+%)*", sentence[q.end:]).group(0).count("、")
                respective = last_level[-n:] if len(last_level) >= n else []
            if respective:
                target = respective.pop(0)
            last_sign = sign if sign is not None else 1
            floor = q.end
            if target is None and not (subject and code):
                continue
            yearend = re.search(r"(?:比|较)(?:去年底|上年底|上年末|去年末|年初)[^,,;;]{0,12}$", before) is not None
            out += _growth_rows(q, sign if sign is not None else 1, value, target, code, subject, year, months,
                                inc_base, a + offset, offset, notes, yearend)
            continue
        else:
            growth = False
        if not subject and last_level:
            floor = q.end
            continue
        unit = _unit_for(q, code, notes)
        pv = PastValue(a + offset, q.end + offset, code, subject or "", year, value, unit,
                       qualifier_of(before, after, q.approx), months=months, growth=growth, notes=notes,
                       confidence=0.45 + 0.25 * bool(code) + 0.15 * explicit + 0.1 * (unit in SERIES_UNITS))
        if months:
            pv.notes.append(f"partial year: January to month {months} (indicator suffix _ytd{months})")
        out.append(pv)
        last_level.append(pv)
        prev_subject = subject or prev_subject
        ctx.paragraph_subject = prev_subject
        floor = q.end
    exact_derived = {(v.indicator, v.year, v.months) for v in out if v.derived and v.qualifier == "exact"}
    return [v for v in out if not (v.derived and v.qualifier == "approx" and (v.indicator, v.year, v.months) in exact_derived)]


def _growth_rows(q: Quantity, sign: int, value: float, target: PastValue | None, code: str, subject: str,
                 year: int | None, months: int | None, inc_base: re.Match[str] | None, start: int,
                 offset: int, notes: list[str], yearend: bool = False) -> list[PastValue]:
    """A growth-rate row and the level of the year before derived from it (see the module docstring).

    Growth since the end of last year (``比去年底增幅12.41%``) is not a year-on-year rate: no growth
    row, and the derived level is last year's year-end (annual) value.
    """
    ind = target.indicator if target else code
    zh = target.indicator_zh if target else subject
    yr = target.year if target else year
    mo = target.months if target else months
    begin = target.start if target else start
    end = q.end + offset
    kind = _indicator_kind(ind)
    rows: list[PastValue] = []
    if q.unit == "%" and not q.points:
        g = value if value < 0 else sign * value
        if not yearend:
            rows.append(PastValue(begin, end, ind, zh, yr, g, "%", qualifier_of("", ""), months=mo, growth=True,
                                  notes=notes + ["stated growth rate (its own row)"], confidence=0.6 + 0.2 * bool(ind)))
        if target and kind in ("count", "amount") and target.qualifier == "exact" and g > -100:
            prior = target.value / (1 + g / 100)
            rows.append(PastValue(begin, end, ind, zh, None if yr is None else yr - 1, _round(prior), target.unit,
                                  "approx", derived=True, months=None if yearend else mo,
                                  notes=[f"derived: {target.value:g}/(1{g:+g}%) = {_round(prior):g}"] + notes,
                                  confidence=0.55))
    elif target and target.qualifier == "exact":
        base_year, base_months = (None if yr is None else yr - 1), mo
        base_words = inc_base.group("base") if inc_base else ""
        if m := re.match(r"((?:19|20)\d{2})年", base_words):
            base_year = int(m.group(1))
        if re.search(r"底|末|年初", base_words):
            base_months = None  # 比年初/比去年底: the year-end level of the year before
        if q.points and kind == "share":
            prior = target.value - sign * value
        elif q.unit and q.unit == target.unit and kind in ("count", "amount"):
            prior = target.value - sign * value
        else:
            return rows
        rows.append(PastValue(begin, end, ind, zh, base_year, _round(prior), target.unit, "exact" if not q.points else "approx",
                              derived=True, months=base_months,
                              notes=[f"derived: {target.value:g} {'−' if sign > 0 else '+'} {value:g}{'个百分点' if q.points else q.unit}"
                                     f" ({base_words or '上年'}) = {_round(prior):g}"] + notes, confidence=0.55))
    return rows


def _round(x: float) -> float:
    """Four significant digits for a derived value (its inputs are rounded)."""
    return float(f"{x:.4g}") if abs(x) < 1e4 else round(x, 1)


# --------------------------------------------------------------------------- 仍为零 and 零的突破
_ZERO_STILL = re.compile(r"仍(?:然)?为(?:零|0)|仍是空白|仍为空白")
_ZERO_BREAK = re.compile(r"[“\"]?(?:零|0)[”\"]?的突破")
_QUOTED = re.compile(r"“([^”]{2,40})”")


def _split_item(item: str) -> list[str]:
    """``本科院校理工类专业占比和理工类学生占比`` → both parts; ``A和B数量`` → A数量, B数量."""
    item = re.sub(r"[((][^()()]*[))]", "", item)
    parts = [p for p in re.split(r"和|及|、", item) if p]
    if len(parts) < 2:
        return [item]
    head = re.search(r"(?:占比|比重|数量|数)$", parts[-1])
    return [p + head.group(0) if head and not p.endswith(head.group(0)) else p for p in parts]


def zero_rows(sentence: str, offset: int, ctx: Context, found: list[PastValue],
              previous: list[PastValue]) -> list[PastValue]:
    """Rows for indicators a review lists as 仍为零 (value 0) or as 实现零的突破 (0 the year before)."""
    out: list[PastValue] = []
    if is_target_context(sentence):
        return out
    if _ZERO_STILL.search(sentence):
        notes: list[str] = []
        year, _ = _time_of(sentence[:sentence.find("“")], ctx, notes)
        for m in _QUOTED.finditer(sentence):
            whole = re.sub(r"[((][^()()]*[))]", "", m.group(1))
            parts = _split_item(m.group(1))
            split = len({code_for(p) for p in parts} - {""}) >= 2
            for part in (parts if split or not code_for(whole) else [whole]):
                code = code_for(part)
                if not code:
                    continue
                unit = _catalogue_units().get(code, "")
                out.append(PastValue(offset, offset + len(sentence), code, part, year, 0.0, unit,
                                     notes=notes + ["listed as 仍为零 (still zero); no unit written"], confidence=0.6))
    if _ZERO_BREAK.search(sentence):
        for pv in found + previous:
            if pv.derived or pv.growth or not pv.indicator or pv.value <= 0 or pv.year is None:
                continue
            out.append(PastValue(pv.start, pv.end, pv.indicator, pv.indicator_zh, pv.year - 1, 0.0, pv.unit,
                                 derived=True, months=pv.months, confidence=0.5,
                                 notes=[f"derived: the value of {pv.year} is a 零的突破 (first non-zero value), so {pv.year - 1} was 0"]))
    return out


def only_items(sentence: str) -> bool:
    """A sentence made only of quoted items (its predicate is in the next sentence)."""
    return bool(_QUOTED.search(sentence)) and not re.sub(r"“[^”]*”|[、,,。\s]", "", sentence)
