"""Targets in running text: one sentence at a time.

Holds :func:`analyse_sentence` (every quantity of a sentence → subject, type, comparator,
value, unit, year, quarter, indicator code and confidence, using the rules in
:mod:`analysis.targets.rules`) and :func:`extract_sentences` (the prose outside tables, each
sentence read in the mode of its section).
"""
from __future__ import annotations

import re
from bisect import bisect_right

from analysis.targets.candidates import Candidate, SentenceContext
from analysis.targets.clauses import (
    _HALF_RE,
    _QUARTER_RE,
    Section,
    _base_year,
    _cn_quarter,
    _is_base_year,
    _resolve_year,
    _sentence_spans,
    section_at,
)
from analysis.targets.document import _YEAR_RE, DocInfo, _outside_book_titles
from analysis.targets.indicators import _indicator_kind, match_indicator
from analysis.targets.merge import _similar
from analysis.targets.numerals import CANONICAL_UNITS, find_quantities, multiple_to_growth
from analysis.targets.phrases import _breakthroughs, _doublings, _phrase_targets
from analysis.targets.rules import (
    _ENCOURAGE,
    _GENERIC_SUBJECT,
    _HEADING_LEAD,
    _LEAD,
    _PAST_CUE,
    _PAST_SENTENCE,
    _POLICY,
    _SUBSET_SUBJECT,
    _THIRD_PARTY,
    _TRAIL_VERB,
    ACTION_VERBS,
    FUTURE_CUE,
    GROWTH_VERBS,
    INC_VERBS,
    LEVEL_VERBS,
    _classify,
    _clause_start,
    _clean_subject,
    _comparator,
    _distribute,
    _previous_clause,
    _respective,
    _subject_start,
    _tail_noun,
    _unitless_targets,
)
from analysis.targets.text import Normalised


# wordings tested for every sentence or quantity, compiled once (the verb lists are long)
_FUTURE_CUE_RE = re.compile(FUTURE_CUE)
_PAST_SENTENCE_RE = re.compile(_PAST_SENTENCE)
_FUTURE = re.compile(FUTURE_CUE + r"|今年|将|要|到\d{4}年")
_FUTURE_OR_DATED = re.compile(FUTURE_CUE + r"|今年|将|要|到\d{4}年|[xX]{4}年")
_MULTIPLE_VERB_END = re.compile(rf"(?:{GROWTH_VERBS}|是|为|到)$")
_ACTION_END = re.compile(rf"(?:{ACTION_VERBS})(?:和|与|或|、)?(?:{ACTION_VERBS})?$")
_TARGET_VERB_END = re.compile(rf"(?:{LEVEL_VERBS}|{GROWTH_VERBS}|{INC_VERBS})$")


def _past_sentence(sentence: str, ctx: SentenceContext) -> bool:
    """A sentence that opens with a past time (去年, 2017年 before the document year) and has no future cue.

    >>> from analysis.targets.document import DocInfo
    >>> _past_sentence("2017年,全省高新技术企业新增1079家", SentenceContext(doc=DocInfo("a", year=2018)))
    True
    """
    if ctx.in_table or _FUTURE_OR_DATED.search(sentence):
        return False
    if ctx.doc.year and any(int(y.group(1)) >= ctx.doc.year for y in _YEAR_RE.finditer(sentence)):
        return False  # "截至2020年底…49家, 2021年达到100家": a target year follows
    head = re.sub(r"^[\s“”\"]+", "", sentence)[:14]
    if re.match(r"(?:去年|上年|过去一年|一年来|今年以来|目前|截至|截止)", head):
        return True
    m = re.match(r"(?:截至|截止|到)?(19[5-9]\d|20\d{2})年", head)
    return bool(m and ctx.doc.year and int(m.group(1)) < ctx.doc.year)


def analyse_sentence(sentence: str, offset: int, ctx: SentenceContext) -> list[Candidate]:
    """Candidate targets in one sentence (``offset`` = its position in the normalised text).

    For each quantity: the clause before it (back to the previous punctuation mark or quantity)
    names the subject and the verb; a quantity followed by a noun counts only after an action
    verb (``培育3家新型研发机构``), otherwise it describes that noun (``9项指标``) and is skipped.
    """
    mode = ctx.mode
    if mode == "review" and (not _FUTURE_CUE_RE.search(sentence) or _PAST_SENTENCE_RE.search(sentence)):
        return []
    if not ctx.past_checked and _past_sentence(sentence, ctx):
        return []
    out: list[Candidate] = []
    quantities = find_quantities(sentence)
    quantities += _unitless_targets(sentence, quantities)
    quantities.sort(key=lambda q: q.start)
    prev_end = 0
    prev_subject = ctx.default_subject
    prev_type = ""
    prev_code = match_indicator(prev_subject) if prev_subject else ""
    respective = _respective(sentence, quantities)
    pending_base: tuple[int, float, str, str] | None = None  # a past figure stated before the target
    for qi, q in enumerate(quantities):
        left = max(_clause_start(sentence, q.start), prev_end)
        before_full = sentence[:q.start]
        before = sentence[left:q.start]
        after = sentence[q.end:]
        after_clause = re.split(r"[,,;;。]", after)[0]
        comp_tail = re.match(r"^(?:及)?(?:以上|以下|左右|以内)?", after).group(0)
        q_end = q.end + len(comp_tail)
        btxt = before.strip()
        notes: list[str] = []
        conf = 0.6
        # --- filters: not a target -----------------------------------------------------------
        if q.unit in ("元", "美元", "万亿元"):
            continue
        if q.unit == "倍" and not _MULTIPLE_VERB_END.search(btxt):
            continue
        if re.search(r"[《〈][^》〉]*$", before_full) or re.search(r"“[^”]{0,15}$", before_full):
            continue  # inside a document title or a quoted slogan (a long quotation is speech: kept)
        if _POLICY.search(before[-12:]) or re.match(r"^(?:以上)?的(?:比例|标准|额度|补助|奖励|资助)", after):
            continue  # a policy parameter
        rank_within = q.unit in ("名", "位") and re.search(r"进入|跻身|前|全国|全省|全市|排名|位次", btxt)
        if re.match(r"^(?:以内|以下)", after) and not re.search(r"控制", btxt) and not rank_within:
            continue
        bf = _outside_book_titles(before_full)
        years = [m for m in _YEAR_RE.finditer(bf) if not _is_base_year(bf, m)]
        if years and ctx.doc.year and not ctx.in_table:
            y = int(years[-1].group(2) or years[-1].group(1))
            y_pos = years[-1].start()
            to_year = re.search(r"(?:到|(?<!截)至)$", bf[:y_pos])
            if y < ctx.doc.year and y_pos >= left - 12 and not to_year and not ctx.doc.year_inferred:
                prev_subject = _clean_subject(before) or prev_subject  # "2023年…612家, 2024年力争达到700家"
                if q.value is not None and not q.masked:
                    pending_base = (y, q.value, q.unit, prev_subject)
                continue  # a past year governs the clause: an achievement or baseline
        last_past = list(re.finditer(r"(?:^|[,,;;。])\s*(?:去年|上年|过去一年)", before_full))
        if last_past and not re.search(FUTURE_CUE + r"|今年|将|要", before_full[last_past[-1].end():]):
            continue  # "去年,全省…达2425亿元": a clause about last year
        if _PAST_CUE.search(btxt):
            continue  # "已建成…12家": done, not to do
        cue = list(_THIRD_PARTY.finditer(sentence[:q.start]))
        if cue and not re.search(r"力争|确保|目标|达到|实现|完成|[,,;;]", sentence[cue[-1].end():q.start]):
            continue  # "鼓励研究院集中引进x-x个团队": encouraging others is not a commitment
        noun = _tail_noun(after)
        action_before = _ACTION_END.search(btxt)
        quantity_first = bool(noun) and not re.match(r"^(?:以上|以下|左右)?[、,,]", after)
        if quantity_first:
            if action_before is None:
                continue  # "9项指标", "10条产业链": the number describes the noun
            if not re.match(r"[\dxX]", q.raw) and ((q.value or 0) < 2 or re.match(r"^(?:某某|[xX×]{2})", noun)):
                continue  # "打造一个…体系", "建设五个某某": idiom or slogan, not a figure
        # --- subject --------------------------------------------------------------------------
        subject = _clean_subject(before)
        if qi in respective:
            subject, shared_verb = respective[qi]
            btxt = shared_verb
            notes.append("分别: subjects and figures paired in order")
        if quantity_first and len(noun) >= 2:
            subject = noun  # "培育3家新型研发机构": the noun after the number is the indicator
        inherited = False
        if not subject or subject in ("占", "比重", "增长", "同比", "其中"):
            subject = prev_subject
            inherited = True
            if not subject or q.unit == "位":  # the clause before names it ("…资金支持,确保超过6000万元")
                prev_clause = _previous_clause(sentence, left)
                prev_clause = re.split(r"实现|达到|保持|力争", prev_clause)[0] if q.unit == "位" else prev_clause
                subject = _clean_subject(re.sub(r"(?:支持|力度|工作)$", "", prev_clause))[:20] or subject
                inherited = False
        elif _SUBSET_SUBJECT.match(subject) and prev_subject:
            subject = subject.replace("其中", "") + _clean_subject(prev_subject)
            notes.append("part of the preceding target (其中…)")
            inherited = True
        if subject.endswith("占") and q.unit == "%":
            subject = subject[:-1]
        if q.unit == "位" or rank_within or re.search(r"排名|位次|前$|第$", btxt[-6:]):
            rank_subject = re.sub(r"(?:实现|跃居|位居|位列|进入|居|排名|排位|前进|提升|上升|提高)*(?:全国|全省|全市|全区|省|市)?(?:前|第)?$", "", subject)
            if not rank_subject:
                prev_clause = _previous_clause(sentence, left)
                rank_subject = _clean_subject(re.split(r"实现|达到|保持|力争", prev_clause)[0]) or prev_subject
            subject = rank_subject
        if not subject or _GENERIC_SUBJECT.match(subject):
            continue
        # --- type, value, unit --------------------------------------------------------------
        ttype, tnotes = _classify(q, btxt, after_clause, subject, quantity_first, inherited, prev_type)
        notes += tnotes
        value, unit = q.value, q.unit
        if q.unit == "倍":
            value = multiple_to_growth(q.value, btxt) if q.value is not None else None
            notes.append(f"{q.raw}: growth rate from a multiple")
            unit = "%"
        if unit == "万":
            if re.search(r"金额|资金|基金|收入|投资|经费|投入|额|融资|产值|销售|资本", subject + btxt):
                unit = "万元"
            else:
                value = None if value is None else value * 1e4
                unit = ""
        comparator = _comparator(btxt, after, q)
        if ctx.in_table and comparator == "=":
            comparator = ">="  # a plan table's figures are floors (the registry's reading rule)
        if ttype == "rank" and unit in ("名", ""):
            unit = "位"
        if ttype == "rank" and re.match(r"^(?:名|位)?以内|^强", after):
            comparator = "<="
            notes.append(f"rank within the top {q.raw}")
        elif ttype == "rank" and re.search(r"前$", btxt):
            comparator = "<="
            notes.append(f"rank within the top {q.raw}")
        elif ttype == "rank" and re.search(r"前进|提升|上升|进位", btxt[-6:]):
            comparator = ">="
            notes.append("rank improvement (places gained)")
        if q.upper is not None:
            notes.append(f"range {q.raw}: lower bound taken as the target, upper bound {q.upper:g}")
            conf -= 0.1
        elif q.is_range:
            notes.append(f"masked range {q.raw}")
        if q.approx:
            notes.append(f"{q.raw}: approximate ({q.approx})")
        # --- time -------------------------------------------------------------------------------
        quarter = None
        qm = list(_QUARTER_RE.finditer(before_full))
        if qm:
            quarter = _cn_quarter(qm[-1].group(2))
            notes.append(f"quarter from the text ({qm[-1].group(0)})")
        elif _HALF_RE.search(before_full):
            quarter = 2
            notes.append("上半年: first-half milestone (target_quarter 2)")
        elif ctx.quarter:
            quarter = ctx.quarter  # a quarter column's plan, even when it restates the annual figure
        if quarter:
            if ttype == "growth_rate":
                notes.append("milestone of a growth rate (同比增长)")
            ttype = "milestone"
        year, explicit = _resolve_year(before_full, sentence, ctx, notes)
        if not explicit:
            conf -= 0.05
        base_year = _base_year(before_full, year)
        base_value = None
        if ctx.baseline and base_year is None:  # a table cell's plan: the row's baseline
            base_year = ctx.baseline[0]
            if ctx.baseline[2] == unit:
                base_value = ctx.baseline[1]
        if pending_base and pending_base[2] == unit and (year is None or pending_base[0] < year) and \
                (inherited or _similar(pending_base[3], subject) or not pending_base[3]):
            base_year, base_value = pending_base[0], pending_base[1]
            notes.append(f"baseline from the same statement ({base_year}: {base_value:g})")
        # --- indicator ------------------------------------------------------------------------
        code = match_indicator(subject)
        if not code and not inherited and not quantity_first:  # "新增高级职称…人才数量": the verb is part of the name
            code = match_indicator(_TRAIL_VERB.sub("", _LEAD.sub("", _HEADING_LEAD.sub("", btxt))))
        if inherited and not code and subject == prev_subject:
            code = prev_code
        kind = _indicator_kind(code) if code else ""
        if unit == "%" and ttype in ("level", "increment") and not q.points:
            if kind in ("count", "amount", "rate"):
                ttype = "growth_rate"  # a % of a count or amount is its growth; a rate is itself a growth
            elif kind == "share" or re.search(r"强度|占比|比重|比例", subject):
                ttype = "share"
        if ttype == "growth_rate" and inherited:
            notes.append("growth rate stated with a level target")
        # --- confidence -----------------------------------------------------------------------
        if code:
            conf += 0.1
        if _TARGET_VERB_END.search(btxt) or comparator != "=":
            conf += 0.1
        if ctx.goal_section:
            conf += 0.1
        if unit and unit not in CANONICAL_UNITS:
            conf -= 0.15
        if not unit:
            conf -= 0.2
            notes.append("no unit in the text")
        if quantity_first:
            conf -= 0.1 if re.match(r"[\dxX]", q.raw) else 0.2
        if _ENCOURAGE.search(sentence[left:q.start] if not quantity_first else sentence[:q.start]) \
                and not re.search(r"力争|确保|目标", before_full):
            conf -= 0.15
        if inherited:
            conf -= 0.05
        if re.search(r"每[条个家项所]|各\d|各$", btxt):
            conf -= 0.2
            notes.append("per-unit figure (每…/各…)")
        if mode == "review":
            conf -= 0.15
            notes.append("stated in a review section with a future cue")
        if re.search(r"力争$", btxt):
            notes.append("力争: stretch figure")
        if q.masked:
            notes.append("number masked in the text")
            value = None
        start = _subject_start(sentence, left, q.start)
        end = prev_end = q_end
        if quantity_first and noun in after:
            end = q.end + after.find(noun) + len(noun)
        subjects = [subject]
        if btxt.endswith("各") and "、" in subject:  # "学校、社区示范场所各1个": one row per item
            subjects = _distribute(subject.rstrip("各"))
            notes.append(f"各: the figure applies to each of {len(subjects)} items")
        for subj in subjects:
            out.append(Candidate(
                start=offset + start, end=offset + end, indicator_zh=subj, target_type=ttype,
                comparator=comparator, target_value=value, unit=unit, masked=q.masked,
                indicator=code if len(subjects) == 1 else match_indicator(subj),
                target_year=year, target_quarter=quarter, baseline_year=base_year, baseline_value=base_value,
                notes=list(notes),
                confidence=round(max(0.05, min(0.99, conf)), 2), source=ctx.source,
            ))
        if not inherited:
            prev_subject, prev_code = subject, code
        prev_type = ttype
    out += _breakthroughs(sentence, offset, ctx)
    out += _doublings(sentence, offset, ctx)
    if mode == "plan":
        out += _phrase_targets(sentence, offset, ctx)
    return out


#: Anything a target needs: a digit or mask, a Chinese numeral, or a phrase target (零的突破,
#: 翻番/倍增, 全覆盖, 只增不减). Sentences without one are skipped before the costly analysis.
_MAY_HOLD_TARGET = re.compile(r"[\dxX×零〇一二两三四五六七八九十百千万]|突破|翻|倍|覆盖|只增不减")


def extract_sentences(nt: Normalised, doc: DocInfo, sections: list[Section],
                      skip: list[tuple[int, int]]) -> list[Candidate]:
    """Candidates from running text (outside the table spans in ``skip``)."""
    out: list[Candidate] = []
    skip = sorted(skip)
    skip_starts = [a for a, _ in skip]
    starts = [x.start for x in sections]
    para_past = False  # a paragraph that opened with last year's results ("2017年,…新增1079家。…总数达5.5万家。")
    prev_end = 0
    for s, e in _sentence_spans(nt.text):
        if "\n" in nt.text[prev_end:s + 1]:
            para_past = False
        prev_end = e
        k = bisect_right(skip_starts, s) - 1
        if k >= 0 and skip[k][0] <= s < skip[k][1]:
            continue
        sentence = nt.text[s:e]
        if not _MAY_HOLD_TARGET.search(sentence):
            continue  # no figure and no target phrase: nothing to find (about a third of a plan)
        sec = sections[max(0, bisect_right(starts, s) - 1)]
        # a heading glued to its first sentence ("二、总体目标全社会…") belongs to the new section
        ctx = SentenceContext(doc=doc, mode=sec.mode, section_year=sec.year, goal_section=sec.goal)
        future = _FUTURE.search(sentence)
        if _past_sentence(sentence, ctx):
            para_past = True
            continue
        if para_past and not future:
            continue
        para_past = False
        ctx.past_checked = True
        out += analyse_sentence(sentence, s, ctx)
    return out
