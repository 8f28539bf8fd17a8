"""Text with a map back to the original characters: the :class:`Normalised` value.

Every normalisation step (:mod:`analysis.targets.text`) returns a new :class:`Normalised`: the
normalised ``text`` plus, for each of its characters, the ``[start, end)`` span of the original
text it came from, so a span of the normalised text can always be cut verbatim from the original
(:meth:`Normalised.quote`). The maps are int64 numpy arrays; substitutions, deletions and
character maps build the new maps from views of the old ones joined once, or with vectorised
masks, so a step costs a few operations per change rather than a Python step per character.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np


def _offsets(values) -> np.ndarray:
    """An offset map as a compact int64 array (8 bytes a character)."""
    return np.asarray(values, dtype=np.int64)


def _join(parts: list[np.ndarray]) -> np.ndarray:
    """Concatenate offset-map pieces (views of the old map and small new runs) in one pass."""
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _codes(text: str) -> np.ndarray:
    """The code points of ``text`` as a uint32 array (for vectorised character edits)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _from_codes(codes: np.ndarray) -> str:
    """The text of a uint32 code-point array (inverse of :func:`_codes`)."""
    return np.ascontiguousarray(codes, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")


@dataclass
class Normalised:
    """Normalised text with, per character, the ``[start, end)`` span in ``original``.

    The offset maps are int64 numpy arrays; every transformation builds the new maps from views
    of the old ones joined once, so a step costs a few operations per change, not per character.
    """

    original: str
    text: str
    starts: np.ndarray
    ends: np.ndarray

    @classmethod
    def identity(cls, original: str) -> "Normalised":
        """The original text, unchanged, with the identity offset map."""
        n = len(original)
        return cls(original, original, np.arange(n, dtype=np.int64), np.arange(1, n + 1, dtype=np.int64))

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` covering normalised characters ``[start, end)``."""
        if end <= start:
            pos = int(self.starts[start]) if start < len(self.starts) else len(self.original)
            return pos, pos
        return int(self.starts[start]), int(self.ends[end - 1])

    def quote(self, start: int, end: int) -> str:
        """Verbatim original text behind normalised characters ``[start, end)``."""
        a, b = self.original_span(start, end)
        return self.original[a:b]

    # -- transformation helpers -------------------------------------------------------------
    def sub(self, pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str]) -> "Normalised":
        """Regex substitution that keeps the offset map.

        A replacement of the same length as the match maps character by character; otherwise
        every replacement character maps to the whole matched original span.
        """
        literal = None if callable(repl) or "\\" in repl else repl  # no group references: no expand
        if literal == "":
            return self.delete_spans([m.span() for m in pattern.finditer(self.text)])
        chars: list[str] = []
        starts: list[np.ndarray] = []
        ends: list[np.ndarray] = []
        pos = 0
        text = self.text
        for m in pattern.finditer(text):
            a, b = m.span()
            chars.append(text[pos:a])
            starts.append(self.starts[pos:a])
            ends.append(self.ends[pos:a])
            r = literal if literal is not None else (repl(m) if callable(repl) else m.expand(repl))
            if len(r) == b - a:
                starts.append(self.starts[a:b])
                ends.append(self.ends[a:b])
            elif r:
                o_start, o_end = self.original_span(a, b) if b > a else self.original_span(a, a)
                starts.append(np.full(len(r), o_start, dtype=np.int64))
                ends.append(np.full(len(r), o_end, dtype=np.int64))
            chars.append(r)
            pos = b
        if pos == 0 and not chars:
            return self  # no match: nothing changes
        chars.append(text[pos:])
        starts.append(self.starts[pos:])
        ends.append(self.ends[pos:])
        return Normalised(self.original, "".join(chars), _join(starts), _join(ends))

    def __post_init__(self) -> None:
        # compact offset maps: 8 bytes a character instead of a list of int objects (~36 bytes)
        if not isinstance(self.starts, np.ndarray) or self.starts.dtype != np.int64:
            self.starts = _offsets(self.starts)
        if not isinstance(self.ends, np.ndarray) or self.ends.dtype != np.int64:
            self.ends = _offsets(self.ends)

    def map_chars(self, func: Callable[[str], str]) -> "Normalised":
        """Replace each character ``c`` by ``func(c)`` (which may be empty or longer).

        Linear time: ``func`` is called once per distinct character; characters mapped to one
        character go through :meth:`str.translate`, deleted ones through :meth:`delete_spans`.
        """
        table = {c: func(c) for c in set(self.text)}
        if all(len(r) <= 1 for r in table.values()):
            changed = {ord(c): ord(r) for c, r in table.items() if r and r != c}
            deleted = [ord(c) for c, r in table.items() if r == ""]
            if not changed and not deleted:
                return self
            codes = _codes(self.text)
            if changed:
                src = np.array(sorted(changed), dtype=np.uint32)
                dst = np.array([changed[k] for k in sorted(changed)], dtype=np.uint32)
                idx = np.minimum(np.searchsorted(src, codes), len(src) - 1)
                hit = src[idx] == codes
                codes = np.where(hit, dst[idx], codes)
            if not deleted:
                return Normalised(self.original, _from_codes(codes), self.starts, self.ends)
            keep = ~np.isin(codes, np.array(deleted, dtype=np.uint32))
            return Normalised(self.original, _from_codes(codes[keep]), self.starts[keep], self.ends[keep])
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        for c, s, e in zip(self.text, self.starts.tolist(), self.ends.tolist()):
            r = func(c)
            chars.append(r)
            starts += [s] * len(r)
            ends += [e] * len(r)
        return Normalised(self.original, "".join(chars), starts, ends)

    def delete_spans(self, spans: list[tuple[int, int]]) -> "Normalised":
        """Delete the normalised ``[start, end)`` spans (they may overlap); linear in the text.

        Vectorised: the spans mark a boolean mask (a running sum of +1 at each start and −1 at
        each end), and the text and both offset maps keep the unmarked characters.

        >>> Normalised.identity("ab  cd").delete_spans([(2, 4)]).text
        'abcd'
        """
        n = len(self.text)
        if not spans or not n:
            return self
        bounds = np.clip(np.asarray(spans, dtype=np.int64).reshape(-1, 2), 0, n)
        bounds = bounds[bounds[:, 1] > bounds[:, 0]]
        if not len(bounds):
            return self  # nothing deleted
        delta = np.zeros(n + 1, dtype=np.int64)
        np.add.at(delta, bounds[:, 0], 1)
        np.add.at(delta, bounds[:, 1], -1)
        keep = np.cumsum(delta[:n]) == 0
        text = _from_codes(_codes(self.text)[keep])
        return Normalised(self.original, text, self.starts[keep], self.ends[keep])
