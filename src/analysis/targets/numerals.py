"""Numbers in Chinese plan text: Arabic and Chinese numerals, units, ranges, percentages, masks.

:func:`find_quantities` scans (normalised, simplified) text for quantities — a number followed by
a unit — and returns :class:`Quantity` objects with their position.

Conventions (documented because the registry depends on them):

- **Units** are kept as written, using the canonical symbols 家 个 项 件 人 名 位 亿元 万元 万美元
  % 千瓦 (and 次 场次 人年 … when the text uses them; the extractor leaves units the loader does
  not know empty and names them in ``note``). Money keeps its own unit (``5000万元`` → 5000
  万元; the loader converts to 亿元). For other units 万/亿 are multipliers: ``1.2万家`` → 12000 家,
  ``9万千瓦`` → 90000 千瓦. A bare ``万`` with no unit (``500万``) is returned with unit ``万``; the
  caller decides (money context → 万元).
- **Ranges** (``3-5家``, ``1—2个``, ``三至五家``): ``value`` is the *lower* bound and ``upper`` the
  upper bound. A plan that says "3-5" commits to at least 3; the upper bound is an aspiration, so
  the extractor records the lower bound as the target (comparator ``>=``) and names the range in
  ``note``.
- **Percentages**: ``10%``/``百分之十`` → 10 with unit ``%``; ``0.5个百分点`` → 0.5 ``%`` with
  ``points=True`` (a change in percentage points).
- **Multiples**: ``2倍`` → value 2 unit ``倍``; :func:`find_doublings` finds 翻一番 (×2), 翻两番
  (×4) and 倍增 (×2, but not the programme name 倍增计划).
- **Masked numbers** (``xx家``, ``x.x%``, ``xx.xx亿元``): ``masked=True`` and ``value=None``.
- **Approximations**: ``500余家``/``30多个`` → ``approx='余'``/``'多'`` (more than the number).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

#: Units the extractor recognises, longest first so that 万元 wins over 万 and 人次 over 人.
MONEY_UNITS = ("万亿元", "亿美元", "万美元", "亿元", "万元", "美元", "元")
POWER_UNITS = ("万千瓦", "千瓦")
COUNT_UNITS = (
    "件/万人", "万人次", "人次", "人年", "家次", "项次", "场次", "家", "个", "项", "件", "人", "名", "位", "所", "次",
    "场", "篇", "套", "台", "户", "座", "支", "款", "株", "部", "处",
)
PERCENT_UNITS = ("个百分点", "百分点", "%", "‰")
MULTIPLE_UNITS = ("倍",)
ALL_UNITS = tuple(
    sorted(MONEY_UNITS + POWER_UNITS + COUNT_UNITS + PERCENT_UNITS + MULTIPLE_UNITS, key=len, reverse=True)
)
#: Canonical count units (a count written with them is most likely an indicator value).
CANONICAL_UNITS = frozenset({"家", "个", "项", "件", "人", "名", "位", "亿元", "万元", "万美元", "%", "千瓦", "件/万人"})

CN_DIGITS = "零〇一二两三四五六七八九"
_CN_NUM = rf"[{CN_DIGITS}十百千]+(?:[万亿][{CN_DIGITS}十百千]*)?(?:点[{CN_DIGITS}]+)?"
_AR_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_MASK = r"(?<![A-Za-z])[xX×]+(?:\.[xX×]+)?(?![A-Za-z])"
_NUM = rf"(?:{_AR_NUM}|{_CN_NUM}|{_MASK})"
_RANGE_SEP = r"(?:-|–|—|~|～|至|到)"
_UNIT_RE = "|".join(re.escape(u) for u in ALL_UNITS)

QUANTITY_RE = re.compile(
    rf"(?P<pct>百分之(?P<pctnum>{_CN_NUM}|{_AR_NUM}|{_MASK}))"
    rf"|(?P<num>{_NUM})(?:\s*{_RANGE_SEP}\s*(?P<num2>{_NUM}))?"
    rf"(?P<mult>[万亿](?!元|美元|千瓦|人次))?(?P<approx>多|余|来)?(?P<unit>{_UNIT_RE})?"
)


@dataclass(frozen=True)
class Quantity:
    """A number found in text, with its unit and position (``text[start:end] == raw``)."""

    start: int
    end: int
    raw: str
    value: float | None
    unit: str
    upper: float | None = None
    masked: bool = False
    approx: str = ""
    points: bool = False

    @property
    def is_range(self) -> bool:
        return self.upper is not None or (self.masked and bool(re.search(_RANGE_SEP, self.raw)))

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"


def is_masked(token: str) -> bool:
    """Whether ``token`` is a masked number (``xx``, ``x.x``, ``××``)."""
    return re.fullmatch(r"[xX×]+(?:\.[xX×]+)?", token.strip()) is not None


def parse_number(token: str) -> float | None:
    """Value of one number token: ``'1,200'`` → 1200, ``'三十'`` → 30, ``'两千三百'`` → 2300,
    ``'1.2万'`` → 12000, ``'百分之十五'`` → 15. Masked or unparsable tokens give ``None``."""
    token = token.strip().replace(",", "")
    if not token or is_masked(token):
        return None
    if token.startswith("百分之"):
        return parse_number(token[3:])
    mult = 1.0
    if token[-1] in "万亿" and len(token) > 1 and re.match(r"\d", token):
        mult = 1e4 if token[-1] == "万" else 1e8
        token = token[:-1]
    if re.fullmatch(r"\d+(?:\.\d+)?", token):
        return float(token) * mult
    if token[0] in "十百千万":
        token = "一" + token
    try:
        import cn2an

        return float(cn2an.cn2an(token, "smart")) * mult
    except Exception:  # noqa: BLE001 - cn2an raises plain ValueError/KeyError subclasses
        return None


def _clean(v: float | None) -> float | None:
    if v is None:
        return None
    return float(round(v, 10))


def find_quantities(text: str, require_unit: bool = True) -> list[Quantity]:
    """Every quantity in ``text`` (see the module docstring for conventions).

    With ``require_unit`` (default) only numbers followed by a unit are returned; bare numbers are
    left out (they are years, item numbers, document numbers…). Ordinals (``第3位``) are left out.
    """
    out: list[Quantity] = []
    for m in QUANTITY_RE.finditer(text):
        if m.group("pct"):
            tok = m.group("pctnum")
            masked = is_masked(tok)
            out.append(Quantity(m.start(), m.end(), m.group(0), None if masked else _clean(parse_number(tok)),
                                "%", masked=masked))
            continue
        num = m.group("num")
        if not num:
            continue
        unit = m.group("unit") or ""
        mult = m.group("mult") or ""
        if not unit and not mult and require_unit:
            continue
        if not unit and mult and require_unit and m.group("approx") is None:
            unit = mult  # bare 万/亿 ("500万"): let the caller decide
            mult = ""
        elif not unit and require_unit:
            continue
        start = m.start()
        if start > 0 and text[start - 1] == "第":
            continue  # ordinal
        if re.fullmatch(r"[十百千万亿]+", num):
            continue  # 千人计划, 百名专家, 千家万户: idioms, not figures
        # A Chinese numeral glued to a preceding Chinese numeral word is not a number here
        masked = is_masked(num) or (m.group("num2") is not None and is_masked(m.group("num2")))
        v1 = parse_number(num)
        v2 = parse_number(m.group("num2")) if m.group("num2") else None
        if not masked and v1 is None:
            continue
        points = unit in ("个百分点", "百分点")
        if points or unit == "‰":
            unit_out = "%" if points else "‰"
        else:
            unit_out = unit
        factor = 1.0
        if mult:
            if unit in MONEY_UNITS or unit in PERCENT_UNITS:
                unit_out = mult + unit  # "3亿美元" is matched as a unit; defensive
            else:
                factor = 1e4 if mult == "万" else 1e8
        if unit == "万千瓦":
            factor, unit_out = 1e4, "千瓦"
        elif unit in ("万人次",):
            factor, unit_out = 1e4, "人次"
        value = None if masked else _clean(v1 * factor)
        upper = None if masked or v2 is None else _clean(v2 * factor)
        if upper is not None and value is not None and upper < value:
            value, upper = upper, value
        out.append(
            Quantity(start, m.end(), m.group(0), value, unit_out, upper=upper, masked=masked,
                     approx=m.group("approx") or "", points=points)
        )
    return out


_DOUBLING_RE = re.compile(r"翻(?P<n>一|两|二|三)?番|(?<!实施)(?<!开展)倍增(?![”\"’]?(?:计划|行动|工程|专项|方案|工作))")


def find_doublings(text: str) -> list[tuple[int, int, float]]:
    """Doubling phrases: ``(start, end, factor)`` for 翻一番 (2), 翻两番 (4), 翻番 (2), 倍增 (2).

    倍增 followed by 计划/行动/工程 (a programme's name, e.g. 高新技术企业倍增计划) is not a target.
    """
    out = []
    for m in _DOUBLING_RE.finditer(text):
        if m.group(0).startswith("翻"):
            n = {"一": 1, None: 1, "两": 2, "二": 2, "三": 3}[m.group("n")]
            out.append((m.start(), m.end(), float(2**n)))
        else:
            out.append((m.start(), m.end(), 2.0))
    return out


def multiple_to_growth(multiple: float, phrase: str = "") -> float:
    """Growth rate in % implied by a multiple: ``2`` (翻一番, 增加到2倍) → 100.

    Chinese usage: "增长2倍"/"增加2倍" strictly means ×3; "增长到2倍"/"是…的2倍"/"翻一番" mean ×2.
    Pass the phrase before the multiple to apply the stricter reading.
    """
    if re.search(r"(?:增长|增加|提高)(?!到|至)$", phrase):
        return round(multiple * 100.0, 10)
    return round((multiple - 1.0) * 100.0, 10)
