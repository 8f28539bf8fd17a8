"""The wording of a target: verbs, cues, subject cleaning, comparators and target types.

Holds the vocabulary (action, level, growth and increment verbs; future and past cues; policy
and encouragement words), :func:`_clean_subject` (the indicator as written, without connectors
and verbs), :func:`_comparator` (以上/不低于 → ``>=``, 突破/超过 → ``>``), :func:`_classify`
(increment, growth_rate, share, rank or level) and the helpers for 分别 (paired subjects),
各 (one row per item) and numbers written without a unit.
"""
from __future__ import annotations

import re

from analysis.targets.numerals import Quantity
from analysis.targets.text import CJK

# --- vocabulary ---------------------------------------------------------------------------------
_PAST_SENTENCE = r"截至|截止|已|目前|共实施|累计|获得|荣获|(?<![为除])了|同比增长|比上年"
FUTURE_CUE = r"力争|确保|计划(?=到|在|于|新增|完成|实现|引进|培育|达到)|目标是|下一步|明年|努力实现|预期目标为|拟(?=新增|完成|实现|引进|培育|达到)"
ACTION_VERBS = (
    "新认定|认定|新培育|培育|新引进|引进|引育|新建|建设|建成|组建|创建|打造|组织实施|实施|承担|获批|获得|获|"
    "列入|登记|举办|组织|达成|设立|共建|推荐|申报|服务|新增|净增|完成|招引|挂牌|评价|入库|"
    "立项|认证|备案|入选|吸引|安排|配备|配齐|选派|建立|推广应用|推广|推进|构建"
)
LEVEL_VERBS = (
    "达到|到达|达|提高到|提升到|增加到|增长到|上升到|提高至|提升至|增加至|增长至|增至|升至|达至|"
    "突破|超过|超出|超|逾|高于|不低于|不少于|至少|保持在|稳定在|控制在|实现|完成|为|破"
)
GROWTH_VERBS = r"同比增长|年均增长|年增长|增长|增速|增幅|提高|提升|增加"
TRAIL_GROWTH = r"同比增长|年均增长|年增长|增长|提高|提升|增加"
INC_VERBS = r"新增|净增|新认定|新培育|新引进|新建|新设|建成|增加(?!到|至)"
STRICT_LEVEL = r"达到|到达|达|突破|超过|超|不低于|不少于|累计|总数|提高到|增加到|提升到|增至"
# words that make a 新增… statement a level (a total to reach), unlike 突破/超过, which only compare
TOTAL_WORDS = r"达到|到达|(?<!新增)达(?!成)|累计|总数|总量|提高到|增加到|提升到|增至"
SHARE_WORDS = r"占|比重|比例|占比|覆盖率|建有率|强度|贡献率"
_LEAD = re.compile(
    r"^(?:[一二三四五六七八九十]是|其[一二三四五六七八九十]|首先|其次|最后|"
    r"其中|同时|并且|并|而且|以及|另外|此外|力争|确保|争取|努力|全力|积极|计划|预计|要|将|使|让|"
    r"每年|年均|全年|年内|今年|明年|到今年底|到年底|今年底|年底前|年底|年末|届时|全市|全区|全县|全省|我市|我区|我县|本市|"
    r"(?:到|至|在|截至|截止)?(?:\d{4}|[xX]{4})年(?:度|底|末|全年)?|(?:前|第)?[一二三四]季度|上半年|实现|、|\s)+"
)
_TRAIL_VERB = re.compile(rf"(?:要|将|力争|确保|争取|能|可)?(?:{LEVEL_VERBS}|{TRAIL_GROWTH}|{ACTION_VERBS})$")
_HEADING_LEAD = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}[、.]|[((][一二三四五六七八九十\d]{1,3}[))]|\d{1,2}[.、．](?!\d)|"
    r"\d{1,3}(?![\d年月日号个家项件人名位万亿千百十])(?=[\u4e00-\u9fff]))\s*"
    r"(?:(?:总体|主要|具体|发展|工作|年度)?目标(?:任务)?[::]?)?"
)
_LEAD_VERB = re.compile(rf"^(?:(?:{ACTION_VERBS})(?:和|与|或|、)?)+")
_POLICY = re.compile(r"按照|按(?!期|时|计划)|给予|最高|不超过|贴息|奖补标准|补助标准")
_ENCOURAGE = re.compile(r"鼓励|支持|引导|推动|帮助|指导")
_THIRD_PARTY = re.compile(r"鼓励|引导|倡导")
_PAST_CUE = re.compile(r"(?:已经|已|业已)(?:累计)?(?:建成|完成|实现|达到|认定|引进|培育|获批|建立|落地|签约|有|达)")
_GENERIC_SUBJECT = re.compile(r"^(?:各项|主要|重点|空白|监测|考核)?指标$|^各项工作$")
_DASH = re.compile(r"^[-—–/\\]+$|^无$|^-$")


def _clause_start(text: str, end: int) -> int:
    """Position just after the last clause mark (,;:) before ``end``; 0 if there is none."""
    return max(text.rfind(ch, 0, end) for ch in ",,;;:") + 1


def _previous_clause(sentence: str, left: int) -> str:
    """The clause that ends at the punctuation just before position ``left``."""
    return re.split(r"[,,;;:]", sentence[:left].rstrip(",,;;:"))[-1]


def _clean_subject(s: str) -> str:
    """Strip connectors, modal words, leading verbs and trailing verbs from a subject phrase."""
    s = s.strip(" ,,;;:、“”\"'()()—-")
    s = _HEADING_LEAD.sub("", s)
    prev = None
    while prev != s:
        prev = s
        s = _LEAD.sub("", s)
        s = _TRAIL_VERB.sub("", s)
        s = _LEAD_VERB.sub("", s) if len(_LEAD_VERB.sub("", s)) >= 2 else s
        s = re.sub(r"(?:累计|总数|年度|共|共计|合计|大幅)$", "", s)
        s = s.strip(" ,,;;:、“”\"'")
    if s.count("“") > s.count("”"):
        s += "”"
    return s


_REACH = r"(?:达到|到达|达|提高到|提升到|增加到|增长到|上升到|提高至|提升至|增加至|增长至|增至|升至|达至)"


def _comparator(before: str, after: str, q: Quantity) -> str:
    """The comparator a figure's wording implies (DESIGN.md and the registry's reading rules).

    以上/不低于/不少于/至少/达到 → ``>=``; 突破/超过/逾 (and N余/N多) → ``>``; a range → ``>=`` on
    its lower bound; …以内 on a rank → ``<=``; 左右, 力争N and a bare figure → ``=``.

    >>> _comparator("高企达到", "家", Quantity(0, 3, "100", 100.0, "家"))
    '>='
    """
    if re.match(r"^(?:及)?以上|^(?:或)?更多", after) or re.search(r"(?:不低于|不少于|至少)$", before):
        return ">="
    if re.search(r"(?:突破|超过|超出|超|逾|高于|破)$", before) or q.approx in ("余", "多"):
        return ">"
    if q.upper is not None:
        return ">="
    if re.match(r"^(?:名|位)?以内", after):
        return "<="
    if re.match(r"^左右", after) or q.approx == "左右":
        return "="
    if re.search(rf"{_REACH}$", before):
        return ">="
    return "="


def _tail_noun(after: str) -> str:
    """Noun phrase after a quantity (``…培育3家新型研发机构`` → 新型研发机构), or ''."""
    t = re.sub(r"^(?:及)?(?:以上|以下|左右|以内)", "", after)
    t = re.split(r"[,,;;。:]", t)[0]
    if not t or not re.match(rf"[{CJK}“]", t) or re.match(r"^(?:和|及|与|或|至|到|、)[\dxX一二三四五六七八九十]|^等", t):
        return ""
    if "的" in t:
        t = t.rsplit("的", 1)[1]
    return t.strip("“”")[:25]


_SUBSET_SUBJECT = re.compile(r"^(?:其中)?(?:国家级|省级|市级|县级|区级|国家|省|市)(?:以上)?$")


def _classify(q: Quantity, btxt: str, after_clause: str, subject: str, quantity_first: bool,
              inherited: bool, prev_type: str) -> tuple[str, list[str]]:
    """Target type of a quantity from the words around it (see the module docstring)."""
    notes: list[str] = []
    core = _LEAD.sub("", _HEADING_LEAD.sub("", btxt))
    if q.points:
        notes.append("percentage points (个百分点)")
        return "increment", notes
    if q.unit == "倍":
        return "growth_rate", notes
    if q.unit == "%":
        if re.search(rf"{SHARE_WORDS}|率$", btxt + after_clause[:6]) or \
                (re.search(rf"{SHARE_WORDS}|率$", subject) and not re.search(r"增长率|增速|增幅", subject)):
            return "share", notes
        if re.search(rf"(?:{GROWTH_VERBS})(?:率)?(?:要|将|力争)?(?:达到|达|为|保持在|超过|不低于)?$", btxt) or \
                re.search(r"增速|增长率|增幅", subject + btxt):
            return "growth_rate", notes
        return "level", notes
    if q.unit == "位" or re.search(r"排名|排位|位次|进位|前进", btxt[-8:]) or \
            (q.unit in ("名", "") and re.match(r"^(?:名|位)?以内|^强", after_clause)) or \
            (q.unit in ("名", "位") and re.search(r"(?:全国|全省|全市|前|第)$", btxt)):
        return "rank", notes
    if re.search(rf"(?:{INC_VERBS})$", btxt) and not re.search(r"累计|总数|总量", core):
        return "increment", notes
    lead_inc = re.match(rf"^(?:{INC_VERBS})", core)
    if lead_inc and not re.search(TOTAL_WORDS, core):
        return "increment", notes
    if quantity_first and re.search(rf"(?:{INC_VERBS})(?:和|与|或|、)?(?:建设|认定|培育)?$", btxt):
        return "increment", notes
    if re.search(r"(?:增加|提升|提高)$", btxt):
        return "increment", notes
    if inherited and prev_type == "increment" and not re.search(STRICT_LEVEL, core):
        return "increment", notes
    if not inherited and prev_type == "increment" and not re.search(STRICT_LEVEL + "|" + ACTION_VERBS, core):
        notes.append("listed after a 新增 item: read as an increment")
        return "increment", notes
    return "level", notes


_RESPECTIVE = re.compile(r"分别(?:要|将)?(?:达到|超过|突破|为|增长|达|新增|提高到|不低于|不少于|增加)?")


def _respective(sentence: str, quantities: list[Quantity]) -> dict[int, tuple[str, str]]:
    """``A和B…分别达到X和Y``: quantity index → (its own subject, the shared verb)."""
    out: dict[int, tuple[str, str]] = {}
    for m in _RESPECTIVE.finditer(sentence):
        group, pos = [], m.end()
        for i, q in enumerate(quantities):
            if q.start < m.end():
                continue
            if not re.fullmatch(r"(?:以上)?[和、及与,,]?", sentence[pos:q.start]):
                break
            group.append(i)
            pos = q.end
        if len(group) < 2:
            continue
        clauses = re.split(r"[,,;;:]", sentence[:m.start()])
        subj = ""
        for clause in reversed(clauses):
            subj = re.split(r"在(?:\d{4})年|较|比|(?:实现|力争)", _clean_subject(clause))[0]
            if subj:
                break
        parts = [_clean_subject(p) for p in re.split(r"[和、及与]", subj) if p]
        if len(parts) == len(group):
            for i, part in zip(group, parts):
                out[i] = (part, m.group(0))
    return out


def _distribute(subject: str) -> list[str]:
    """``学校、社区示范场所`` → [学校示范场所, 社区示范场所]: short leading items share the last item's head."""
    parts = [p for p in subject.split("、") if p]
    last = parts[-1]
    head_len = max(len(p) for p in parts[:-1])
    tail = last[head_len:] if len(last) > head_len + 1 else ""
    return [p + tail if tail and len(p) <= head_len else p for p in parts[:-1]] + [last]


def _subject_start(sentence: str, left: int, qstart: int) -> int:
    """Start of the quoted span: the clause start, after punctuation, list and heading marks."""
    i = left
    while i < qstart and sentence[i] in " ,,;;:、":
        i += 1
    m = _HEADING_LEAD.match(sentence[i:qstart])
    return i + (m.end() if m else 0)


_UNITLESS_RE = re.compile(r"(?<![\d.年月日号第])(\d{1,5}(?:\.\d+)?)(?=以上|强)")


def _unitless_targets(sentence: str, found: list[Quantity]) -> list[Quantity]:
    """Numbers written without a unit but with 以上 (``共建创新载体1以上``): unit left empty."""
    taken = [(q.start, q.end) for q in found]
    out = []
    for m in _UNITLESS_RE.finditer(sentence):
        if any(a <= m.start() < b for a, b in taken):
            continue
        out.append(Quantity(m.start(), m.end(), m.group(0), float(m.group(1)), ""))
    return out
