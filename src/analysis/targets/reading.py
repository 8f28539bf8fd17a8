"""Reading a plan file: decoding (UTF-8, GB18030) and refusing what is not text.

:func:`read_text` is re-exported by :mod:`analysis.targets.text` (its historical home).
"""
from __future__ import annotations

import re

#: A replacement character, or a control character other than \t \n \v \f \r (counted in C).
_BAD_CHAR = re.compile("[\x00-\x08\x0e-\x1f\ufffd]")


class NotTextError(ValueError):
    """A file that is not text (binary data, or bytes that decode to mostly garbage)."""


def looks_like_text(text: str) -> bool:
    """Whether decoded ``text`` is text: no NUL, and under 2 % control or replacement characters.

    >>> looks_like_text("高新技术企业达到100家"), looks_like_text("\x00\x01PK\x03")
    (True, False)
    """
    if "\x00" in text:
        return False
    sample = text[:200_000]
    bad = sum(1 for _ in _BAD_CHAR.finditer(sample))
    return bad <= 0.02 * max(1, len(sample))


def read_text(path) -> str:
    """Read a plan file: UTF-8 (with or without BOM), else GB18030; undecodable bytes are replaced.

    Raises :class:`NotTextError` (naming the file) for binary input: NUL bytes, or more than 2 %
    control or undecodable characters (random bytes, images, zip files, Office documents).
    """
    data = open(path, "rb").read()
    if b"\x00" in data[:1_000_000]:
        raise NotTextError(f"{path}: not text (binary data: NUL bytes); extract reads plain-text files")
    text = None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        text = data.decode("utf-8", errors="replace")
    if not looks_like_text(text):
        raise NotTextError(f"{path}: not text (mostly control or undecodable bytes); extract reads plain-text files")
    return text
