"""What a document says about itself: title, region, year and kind (plan or summary).

Holds :func:`document_info` with its region look-up (``data/regions.csv``) and year detection
(title → signature date → years stated with targets → page time stamp), plus the year regexes
shared with the target-year resolution in :mod:`analysis.targets.clauses`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from analysis.targets.numerals import find_quantities
from analysis.targets.text import CJK

KIND_WORDS = r"工作要点|工作方案|实施方案|行动方案|行动计划|工作计划|规划|纲要|工作总结|总结|工作报告|报告|要点|方案|计划|意见|通知|清单|汇报"
SUMMARY_WORDS = r"总结|工作报告|情况报告|汇报|工作情况"
LEVEL_ORDER = {"district": 0, "county": 0, "city": 1, "province": 2}


@dataclass
class DocInfo:
    """What the document says about itself."""

    document: str
    title: str = ""
    region: str = ""
    level: str = ""
    parent: str = ""
    region_note: str = ""
    year: int | None = None
    year_note: str = ""
    kind: str = "plan"  # plan | summary
    multi_year: bool = False
    horizon: int | None = None  # last year of a multi-year plan (十四五 → 2025)
    year_inferred: bool = False  # year guessed from the years of the targets (no date, title or number)


def _regions() -> pd.DataFrame:
    try:
        from analysis.data.regions import region_table

        return region_table()
    except Exception:  # noqa: BLE001 - extraction works without the region table
        return pd.DataFrame(columns=["name", "aliases", "level", "parent", "note"])


def normalise_region_name(written: str, names: list[tuple[str, str]]) -> str:
    """Official name for a written region name (alias table), or the name as written."""
    return next((o for w, o in names if w == written), written)


def _find_region(title: str, text: str) -> tuple[str, str, str, str]:
    """(region, level, parent, note) named in ``title`` (else in the head of ``text``)."""
    table = _regions()
    names: list[tuple[str, str]] = []  # (written form, official name)
    for name, aliases in zip(table["name"], table["aliases"]):
        names.append((name, name))
        names += [(a.strip(), name) for a in str(aliases).split(";") if len(a.strip()) >= 2]
    names.sort(key=lambda x: len(x[0]), reverse=True)
    info = {n: (lv, p) for n, lv, p in zip(table["name"], table["level"], table["parent"])}
    table_notes = dict(zip(table["name"], table["note"])) if "note" in table else {}
    for scope in (title, text[:400]):
        found = []
        for written, official in names:
            if written and written in scope and written not in ("全国", "中国"):
                lv, parent = info.get(official, ("", ""))
                found.append((LEVEL_ORDER.get(lv, 1), scope.index(written), official, lv, parent))
        nested = re.search(rf"(?:^|印发|】|《)([{CJK}]{{2,4}}市)([{CJK}]{{2,4}}?(?:区|县|市))(?=人民政府|科学技术局|科技局|[“\"{CJK}]|\d{{4}})", scope)
        inner_known = nested and any(o == nested.group(2) for _, o in names)
        if nested and not inner_known and not re.match(r"^(?:关于|印发)", nested.group(1)):
            outer, inner = nested.group(1), nested.group(2)
            lv = {"市": "county", "区": "district", "县": "county"}[inner[-1]]
            parent = info.get(normalise_region_name(outer, names), ("", ""))[1] if outer else ""
            return inner, lv, parent, f"{outer}辖{'县级市' if inner.endswith('市') else inner[-1]}; not in data/regions.csv"
        if found:
            found.sort()
            _, _, official, lv, parent = found[0]
            note = "name withheld in the document" if "某某" in official else str(table_notes.get(official, "") or "")
            return official, lv, parent, note
        m = re.search(rf"([{CJK}]{{2,5}}?(?:市|区|县))(?:人民政府|科学技术局|科技局|\d{{4}}年|关于|全市|全区|全县)", scope) or \
            re.search(rf"(?:^|印发|】|《)([{CJK}]{{2,4}}?(?:市|区|县))(?=[“\"{CJK}])", scope)
        if m and not re.match(r"^(?:关于|印发|全市|全区|我市|我区|本市)", m.group(1)):
            name = m.group(1)
            lv = {"市": "city", "区": "district", "县": "county"}[name[-1]]
            return name, lv, "", "region not in data/regions.csv; level from its suffix"
    # Unnamed: infer the level from how the text refers to itself
    counts = {lv: len(re.findall(pat, text)) for lv, pat in
              (("city", r"全市|我市|市科技局|市委"), ("district", r"全区|我区|区科技局|区委"), ("county", r"全县|我县|县科技局|县委"))}
    lv = max(counts, key=counts.get)
    if counts[lv] == 0:
        return "", "", "", "region not named in the text"
    return "", lv, "", f"region not named in the text; level from how it refers to itself ({counts[lv]}×)"


_YEAR_RE = re.compile(r"(?<![\d.])(19[5-9]\d|20\d{2})(?:\s*[-—–至~]\s*(19[5-9]\d|20\d{2}))?\s*年")
_CN_YEAR_RE = re.compile(r"([一二〇零○Ｏ][〇零○Ｏ一二三四五六七八九]{1,3})年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日")
_DATE_RE = re.compile(r"(19[5-9]\d|20\d{2})年\d{1,2}月\d{1,2}日")
_STAMP_RE = re.compile(r"(20\d{2})-\d{1,2}-\d{1,2}")


def _cn_year(s: str) -> int | None:
    digits = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
    try:
        n = int("".join(str(digits[c]) for c in s))
    except KeyError:
        return None
    if len(s) == 2:  # 一三年 = 2013 (two-digit year in a signature date)
        n += 2000
    return n if 1950 <= n <= 2100 else None


def _outside_book_titles(text: str) -> str:
    """``text`` with 《…》 titles blanked (years of other documents are not this one's)."""
    return re.sub(r"《[^》]{0,80}》", lambda m: " " * len(m.group(0)), text)


_DATED_LINE_RE = re.compile(
    r"(?:发布时间|发布日期|发文日期|成文日期|印发日期|发稿时间|日期|时间)\s*[::]?\s*"
    r"(19[5-9]\d|20\d{2})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})")
_ADDRESS_RE = re.compile(r"(?:https?://|www\.)[^\s\u4e00-\u9fff]+", re.I)
_ADDRESS_DATE_RE = re.compile(r"(?<!\d)(19[5-9]\d|20\d{2})[-/]?(0[1-9]|1[0-2])[-/]?(0[1-9]|[12]\d|3[01])(?!\d)")
_ADDRESS_MONTH_RE = re.compile(r"/(19[5-9]\d|20\d{2})-?(0[1-9]|1[0-2])/")
_WENHAO_RE = re.compile(r"[〔\[(【]\s*(19[5-9]\d|20\d{2})\s*[〕\])】]\s*\d{1,4}\s*号")
_ISSUER_LINE_RE = re.compile(r"(?:发布机构|发布单位|信息来源|来源|发文机关)\s*[::]\s*([^\s::,,。]{2,30})")
_SIGNATURE_RE = re.compile(rf"^([{CJK}]{{2,24}}(?:人民政府办公室|人民政府|科学技术局|科技局|委员会|办公室|管委会))$")


@dataclass
class DocContext:
    """A document's date and place, read once: year, date (ISO), region, issuer, title, and how.

    ``how`` names the source of each field (``{"year": "title", "date": "address"}``) so that a
    year resolved from 今年/明年 can say where it came from.
    """

    year: int | None = None
    date: str = ""
    region: str = ""
    issuer: str = ""
    title: str = ""
    how: dict[str, str] = field(default_factory=dict)


def publication_date(text: str, path: str = "") -> tuple[str, str]:
    """(ISO date, how) of a document's publication: a 发布时间/日期 line, a dated address, a time stamp.

    Only the head of the text (first 1 500 characters) and its first address line are read,
    so a 20 MB file costs no more than a short one. ``how`` is ``''`` when nothing was found.

    >>> publication_date("https://lywb.lyd.com.cn/html/2008-03/08/content_1.htm\n昨日…")
    ('2008-03-08', 'date in the page address')
    """
    head = text[:1500]
    m = _DATED_LINE_RE.search(head)
    if m:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}", "dated line (发布时间/日期)"
    for addr in [a.group(0) for a in _ADDRESS_RE.finditer(head)] + ([path] if path else []):
        a = re.sub(r"^(?:https?://)?[^/]*", "", addr)  # the path only: host names hold no dates
        m = _ADDRESS_DATE_RE.search(a)
        if m:
            return f"{m.group(1)}-{m.group(2)}-{m.group(3)}", "date in the page address"
        m2 = re.search(r"/(19[5-9]\d|20\d{2})-(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])/", a)
        if m2:
            return f"{m2.group(1)}-{m2.group(2)}-{m2.group(3)}", "date in the page address"
        m3 = _ADDRESS_MONTH_RE.search(a)
        if m3:
            return f"{m3.group(1)}-{m3.group(2)}", "month in the page address"
    m = re.search(r"(?<!\d)(19[5-9]\d|20\d{2})-(\d{1,2})-(\d{1,2})(?!\d)", head)
    if m:
        return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}", "time stamp in the page head"
    return "", ""


def issuer_of(text: str) -> str:
    """The issuing body named in a 发布机构/来源 line or a signature line, else ''."""
    m = _ISSUER_LINE_RE.search(text[:1500])
    if m and not re.match(r"网络|本站|网友", m.group(1)):
        return m.group(1)
    for line in text[-1500:].split("\n")[::-1]:
        sm = _SIGNATURE_RE.match(line.strip())
        if sm:
            return sm.group(1)
    return ""


def document_context(text: str, path: str = "") -> DocContext:
    """A document's year, publication date, region, issuer and title, each with how it was found.

    Used by the target extractor (今年/明年/去年/全年/到年底 are resolved against ``year``) and
    by the past-value extractor. Example::

        ctx = document_context(read_text("a.txt"), "a.txt")
        ctx.year, ctx.how["year"]   # 2008, "date in the page address"
    """
    from analysis.targets.text import normalise

    info = document_info(normalise(text[:20000]).text if len(text) > 20000 else normalise(text).text, path)
    date, date_how = publication_date(text, path)
    how = {"year": info.year_note, "region": info.region_note or ("title" if info.region else "")}
    if date:
        how["date"] = date_how
    issuer = issuer_of(text)
    if issuer:
        how["issuer"] = "issuer line or signature"
    return DocContext(year=info.year, date=date, region=info.region, issuer=issuer, title=info.title, how=how)


def document_info(text: str, document: str = "") -> DocInfo:
    """Title, region, year and kind of a normalised document (see the module docstring)."""
    info = DocInfo(document=document)
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    title = ""
    for ln in lines[:15]:
        km = re.search(KIND_WORDS, ln[:80])
        if km and not re.search(r"[,,。;;:]", ln[:km.start()]) and \
                not re.match(r"^(?:根据|为|按照|经研究|请|\d+[、.]|[一二三四五六七八九十]+、|[((])", ln):
            # a title glued to the body (document-sharing dumps) is cut a little after its keyword
            title = ln if len(ln) <= 60 else ln[: km.end() + 20]
            if title.startswith("《") and "》" in title:
                title = title[1: title.index("》")]
            break
    info.title = title
    info.region, info.level, info.parent, info.region_note = _find_region(title, text)
    head = "\n".join(lines[:12])
    if re.search(SUMMARY_WORDS, title) or (not title and re.search(r"今年以来|一年来|年以来|过去一年|全年共完成", text[:300])):
        info.kind = "summary"
    elif not title and re.search(r"工作总结|总结", head):
        info.kind = "summary"
    elif not title and not re.search(r"力争|确保|目标|计划|将|要|争取|努力|预计|拟|到\d{4}年|今年|明年|[xX]{2}年", text):
        info.kind = "summary"  # no word looks ahead: a news item or report of results
    elif not title:
        # no title: a text that mostly reports results (完成, 比去年增长…) is read as a summary
        past = len(re.findall(r"超额完成|完成了|已完成|比去年|较去年|较上年|比上年|同比增长|截至|取得了|实现了", text))
        future = len(re.findall(r"力争|确保|目标任务|计划到|到\d{4}年|以上", text))
        if past >= 3 and past > 2 * future:
            info.kind = "summary"
    # document year
    fyp = re.search(r"十([一二三四五六])五", title)
    if fyp:  # the n-th five-year plan (n ≥ 6) starts in 1981 + 5(n − 6): 十四五 = 2021–2025
        n = "一二三四五六".index(fyp.group(1)) + 11
        info.multi_year, info.horizon = True, 1981 + 5 * (n - 6) + 4
        info.year = info.horizon - 4
        info.year_note = f"{fyp.group(0)} plan: {info.year}–{info.horizon}"
        return info
    m = _YEAR_RE.search(title) if title else None
    if m:
        info.year = int(m.group(1))
        if m.group(2):
            info.multi_year, info.horizon = True, int(m.group(2))
        info.year_note = "document year from the title"
        if info.kind == "summary" and re.match(r"(?:度)?(?:工作)?(?:计划|打算|思路|安排)", title[m.end():]) \
                and not re.search(r"\d{4}年(?:度)?(?:工作)?总结", title):
            info.year -= 1  # "202x年工作总结和2025年工作计划": the summary covers the year before the plan
            info.year_note = "document year = the plan year in the title minus one (the summarised year is masked)"
        return info
    body = _outside_book_titles(text)
    m = _DATE_RE.search(body) or None
    if m:
        info.year = int(m.group(1))
        info.year_note = "document year from its date line"
        return info
    m = _CN_YEAR_RE.search(body)
    if m and _cn_year(m.group(1)):
        info.year = _cn_year(m.group(1))
        info.year_note = "document year from its date line"
        return info
    # years stated with targets (达到/超/新增 … in the same sentence)
    years: dict[int, int] = {}
    for sent in re.split(r"[。;;\n]", body):
        if re.search(r"力争|确保|以上|不低于|到\d{4}年", sent) and find_quantities(sent) and \
                not re.search(r"已|完成了|同比增长|较上年|比上年", sent):
            for y in _YEAR_RE.finditer(sent):
                if not y.group(2):
                    years[int(y.group(1))] = years.get(int(y.group(1)), 0) + 1
    if years:
        info.year = max(years, key=lambda y: (years[y], -y))
        info.year_inferred = True
        info.year_note = "document year inferred from the years stated with its targets (no dated title)"
        return info
    m = _WENHAO_RE.search(text[:3000])
    if m:
        info.year = int(m.group(1))
        info.year_note = f"document year from its reference number ({m.group(0)})"
        return info
    date, how = publication_date(text, document)
    if date:
        info.year = int(date[:4])
        info.year_note = f"document year from its publication date {date} ({how}; may be a republication date)"
        return info
    if re.search(r"[xX]{4}年", text):
        info.year_note = "document year not found: the text masks years (xxxx年)"
    else:
        info.year_note = "document year not found in the text"
    return info
