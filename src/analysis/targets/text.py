"""Normalise raw plan text for extraction while keeping a map back to the original characters.

Every step works on a :class:`Normalised` value (:mod:`~analysis.targets.offsets`): the normalised
``text`` plus, for each of its characters, the ``[start, end)`` span of the original text it came
from. A span of the normalised text can therefore always be cut verbatim from the original
(:meth:`Normalised.quote`), which is what the target registry's ``quote`` column needs.

Steps (:func:`normalise`), in order:

1. traditional → simplified Chinese (OpenCC ``t2s``);
2. full-width ASCII forms → ASCII (``２０２２％`` → ``2022%``, ``（`` → ``(``), ideographic space → space;
3. pinyin glosses left by some converters (``區(qū)`` → ``区``);
4. web-scrape debris: share/print/font buttons, breadcrumbs, QR-code lines, copyright and
   "recommended" footers, the header sentence of document-sharing sites, ``- 1 -`` page numbers;
5. page markers of document-sharing sites (``…上争资金4\\n3、000万元`` → ``…上争资金4000万元``);
6. table rows on one line separated by tabs or wide spaces → one cell per line; then whitespace inside Chinese text (``党代 会`` → ``党代会``; ``10 亿元`` → ``10亿元``), line indentation;
7. hard line wraps inside a sentence (a long line that stops mid-sentence is joined to the next).

Line structure is otherwise kept: flattened tables (one cell per line) stay one cell per line.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np

from analysis.targets.offsets import Normalised, _join  # noqa: F401 - Normalised is imported from here too

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: Characters that end a sentence or clause (a line ending with one of them is not hard-wrapped).
TERMINAL = "。;;!?！？:：…”’」』)）】》"
TONE_MARKS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"


# --- 1. traditional → simplified -------------------------------------------------------------
@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(nt: Normalised) -> Normalised:
    """Convert traditional characters to simplified (OpenCC ``t2s``), line by line.

    Lines whose conversion keeps their length map character by character; otherwise the line is
    converted character by character so the offset map stays exact.

    The whole text is converted in one call and cut at its line breaks: OpenCC's dictionaries hold
    no line break, so its longest-match segmentation restarts at each one and a line converts the
    same alone or within the text. When no line changes length (the usual case) the offset map is
    kept as it is; only lines that change length are redone character by character.
    """
    conv = _converter()
    text = nt.text
    converted = conv.convert(text) if text else text
    if converted == text:
        return nt
    lines = text.split("\n")
    out_lines = converted.split("\n")
    if len(out_lines) == len(lines) and len(converted) == len(text) and \
            all(len(o) == len(i) for o, i in zip(out_lines, lines)):
        return Normalised(nt.original, converted, nt.starts, nt.ends)
    if len(out_lines) != len(lines):  # pragma: no cover - a dictionary entry with a line break
        out_lines = [conv.convert(line) if line else line for line in lines]
    chars: list[str] = []
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    pos = 0
    for i, (line, out) in enumerate(zip(lines, out_lines)):
        s = nt.starts[pos:pos + len(line)]
        e = nt.ends[pos:pos + len(line)]
        if len(out) == len(line):
            chars.append(out)
            starts.append(s)
            ends.append(e)
        else:
            for c, cs, ce in zip(line, s.tolist(), e.tolist()):
                r = conv.convert(c)
                chars.append(r)
                starts.append(np.full(len(r), cs, dtype=np.int64))
                ends.append(np.full(len(r), ce, dtype=np.int64))
        pos += len(line)
        if i < len(lines) - 1:
            chars.append("\n")
            starts.append(nt.starts[pos:pos + 1])
            ends.append(nt.ends[pos:pos + 1])
            pos += 1
    return Normalised(nt.original, "".join(chars), _join(starts), _join(ends))


# --- 2. full-width forms -----------------------------------------------------------------------
def _halfwidth(c: str) -> str:
    o = ord(c)
    if 0xFF01 <= o <= 0xFF5E:
        return unicodedata.normalize("NFKC", c)
    if c in "\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff":
        return " " if c not in "\u200b\ufeff" else ""
    if c == "﹪":
        return "%"
    if c == "\r":
        return ""
    return c


def to_halfwidth(nt: Normalised) -> Normalised:
    """Full-width ASCII → ASCII (digits, letters, ``%``, brackets, punctuation); odd spaces → space."""
    return nt.map_chars(_halfwidth)


# --- 3. pinyin glosses -------------------------------------------------------------------------
_GLOSS_TONED = re.compile(
    rf"(?<=[{CJK}])\((?=[a-zü{TONE_MARKS}]*[{TONE_MARKS}])[a-zü{TONE_MARKS}]{{1,7}}\)"
)
_GLOSS_ANY = re.compile(rf"(?<=[{CJK}])\([a-zü{TONE_MARKS}]{{1,6}}\)")


def remove_pinyin_glosses(nt: Normalised) -> Normalised:
    """Remove ``(qū)``-style pinyin glosses after a Chinese character.

    Glosses with a tone mark are always removed. Toneless ones (``(de)``) are removed only when the
    document has at least five toned glosses, i.e. when it is clearly a glossed text.
    """
    toned = len(_GLOSS_TONED.findall(nt.text))
    pattern = _GLOSS_ANY if toned >= 5 else _GLOSS_TONED
    return nt.sub(pattern, "")


# --- 4. web-scrape debris ----------------------------------------------------------------------
_DEBRIS_LINE = re.compile(
    r"(?m)^[ \t•·]*(?:分享到|分享:|打印本页|【?打印】?\s*$|关闭窗口|【关闭】|收藏\s*$|朗读\s*$|【字体|字体[::]|"
    r"扫一扫|用手机扫|您现在所在的位置|您的位置|当前位置|您访问的链接即将离开|上一篇|下一篇|相关文章|"
    r"相关阅读|相关链接|推荐访问|推荐阅读|责任编辑|版权声明|版权保护|版权所有|免责声明|详细咨询|"
    r"关注微信|打开微信|站点关键词|网站地图|关怀版\s*$|无障碍|手机站|[-—–]\s*\d+\s*[-—–]\s*$).*$"
)
_SHARING_HEADER = re.compile(r"(?m)^[^\n]*由会员分享[^\n]*?(?:上搜索。|$)")
_BREADCRUMB = re.compile(r"(?m)^[^\n。,,]{0,40}?(?:>|»|›)[^\n。,,]{0,40}?(?:>|»|›)[^\n。]*$")
_BUTTONS = re.compile(r"(?m)^(?:[ \t]*[【\[][^】\]\n]{1,6}[】\]])+[ \t]*$")


def remove_debris(nt: Normalised) -> Normalised:
    """Delete page furniture of scraped web pages (whole lines) and document-sharing headers."""
    nt = nt.sub(_SHARING_HEADER, "")
    nt = nt.sub(_BREADCRUMB, "")
    nt = nt.sub(_BUTTONS, "")
    return nt.sub(_DEBRIS_LINE, "")


# --- 5. page markers of document-sharing sites ----------------------------------------------------
_PAGE_MARK = re.compile(r"(?m)^(\d{1,3})、")


def remove_page_markers(nt: Normalised) -> Normalised:
    """Join pages of document-sharing dumps: ``…以培育壮大\\n2、创新主体…`` → ``…以培育壮大创新主体…``.

    A marker ``k、`` at a line start counts as a page number when the markers form the sequence
    1, 2, 3, … and each line before a marker ``k ≥ 2`` is long and stops mid-sentence. Ordinary
    numbered lists (whose items end with ``。``) are left alone.
    """
    text = nt.text
    marks = [(m, int(m.group(1))) for m in _PAGE_MARK.finditer(text)]
    chain: list[re.Match[str]] = []
    expected = 1
    for m, k in marks:
        if k != expected:
            continue
        if k >= 2:
            prev_line = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
            if len(prev_line) < 60 or prev_line[-1:] in TERMINAL + "。":
                continue
        chain.append(m)
        expected += 1
    if len(chain) < 2:
        return nt
    spans: list[tuple[int, int]] = []
    for m in chain:
        a = m.start()
        if m.group(1) != "1":
            while a > 0 and text[a - 1] in "\n ":
                a -= 1
        spans.append((a, m.end()))
    return nt.delete_spans(spans)


# --- 6. whitespace -------------------------------------------------------------------------------
_CELL_GAP = re.compile(r"(?<=\S)(?:\t+|[ ]{2,})(?=\S)")


def split_spaced_cells(nt: Normalised) -> Normalised:
    """Table rows written on one line with tabs or wide spaces become one cell per line.

    Only lines with at least two such gaps count as rows (``指标  49  100``); a single wide gap
    (a signature followed by a date) is left to :func:`remove_inner_spaces`.
    """
    text = nt.text
    # a gap never crosses a line break (\S on both sides), so one scan of the text finds the gaps
    # of every line; they are kept for the lines that have two or more
    by_line: dict[int, list[tuple[int, int]]] = {}
    line_no, pos = 0, 0
    for g in _CELL_GAP.finditer(text):
        line_no += text.count("\n", pos, g.start())
        pos = g.start()
        by_line.setdefault(line_no, []).append(g.span())
    spans = [span for gaps in by_line.values() if len(gaps) >= 2 for span in gaps]
    if not spans:
        return nt
    chars: list[str] = []
    starts: list[np.ndarray] = []
    ends_out: list[np.ndarray] = []
    i = 0
    for a, b in spans:  # each gap becomes one line break mapped to the whole gap
        chars.append(text[i:a])
        starts.append(nt.starts[i:a])
        ends_out.append(nt.ends[i:a])
        chars.append("\n")
        starts.append(nt.starts[a:a + 1])
        ends_out.append(nt.ends[b - 1:b])
        i = b
    chars.append(text[i:])
    starts.append(nt.starts[i:])
    ends_out.append(nt.ends[i:])
    return Normalised(nt.original, "".join(chars), _join(starts), _join(ends_out))

_INNER_SPACE = re.compile(r"[ \t]+")


def remove_inner_spaces(nt: Normalised) -> Normalised:
    """Delete spaces and tabs except between two ASCII letters/digits (``49 100`` stays apart)."""
    text = nt.text
    spans = []
    for m in _INNER_SPACE.finditer(text):
        a, b = m.span()
        left = text[a - 1] if a > 0 else "\n"
        right = text[b] if b < len(text) else "\n"
        if left.isascii() and left.isalnum() and right.isascii() and right.isalnum():
            if b - a > 1:
                spans.append((a + 1, b))
            continue
        spans.append((a, b))
    return nt.delete_spans(spans)


# --- 7. hard wraps -----------------------------------------------------------------------------
_LIST_START = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.]|[(][一二三四五六七八九十\d]+[)]|\d+[、.．]\D|第[一二三四五六七八九十]+)"
)


def join_hard_wraps(nt: Normalised, min_len: int = 25) -> Normalised:
    """Join a line to the next when it is long, stops mid-sentence, and the next line continues it.

    Only for hard-wrapped texts: at least half of the long lines must stop mid-sentence (in a
    normal web page they end with 。, and a title must not be glued to the next line), and at
    least three of them.
    """
    text = nt.text
    spans = []
    pos = 0
    lines = text.split("\n")
    long_lines = [ln for ln in lines if len(ln) >= min_len]
    open_ended = [ln for ln in long_lines if ln[-1:] not in TERMINAL + "。,,、"]
    if len(open_ended) < 3 or len(open_ended) < 0.6 * len(long_lines):
        return nt  # most long lines end a sentence: the text is not hard-wrapped
    for i, line in enumerate(lines[:-1]):
        end = pos + len(line)
        nxt = lines[i + 1]
        if (
            len(line) >= min_len
            and line[-1:] not in TERMINAL + "。,,、"
            and nxt
            and (re.match(rf"[{CJK}\d“]", nxt[0]) is not None)
            and not _LIST_START.match(nxt)
        ):
            spans.append((end, end + 1))
        pos = end + 1
    return nt.delete_spans(spans)


def normalise(original: str) -> Normalised:
    """Run every normalisation step on ``original`` (see the module docstring)."""
    nt = Normalised.identity(original)
    nt = to_halfwidth(nt)
    nt = to_simplified(nt)
    nt = remove_pinyin_glosses(nt)
    nt = remove_debris(nt)
    nt = remove_page_markers(nt)
    nt = split_spaced_cells(nt)
    nt = remove_inner_spaces(nt)
    nt = join_hard_wraps(nt)
    return nt


def strip_all_whitespace(s: str) -> str:
    """``s`` without any whitespace (the registry's quote check compares texts this way)."""
    return re.sub(r"\s+", "", s)


# Reading files lives in analysis.targets.reading; the names stay importable from here.
from analysis.targets.reading import NotTextError, looks_like_text, read_text  # noqa: E402,F401
