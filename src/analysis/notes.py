"""Notes as data: the engine records *codes with parameters*, words are chosen at the edge.

Every remark the engine makes about a judgement ("the region has only one past change",
"the pooled model fell back to OLS") is a :class:`Note`: a stable ``code`` plus the numbers and
names it needs. ``analysis assess --format json`` prints both the English sentence (``notes``,
the contract) and the codes (``note_codes``); reports render the same codes in their own language
through the message catalogue (:mod:`analysis.i18n`), so a Chinese page never carries an English
note.

The English template of each code is its gettext ``msgid``; the Chinese text lives in
``locale/zh/LC_MESSAGES/messages.po``. Adding a code = one line in :data:`NOTE_TEXT` + one entry
in the ``.po`` file (a test checks every code has a translation).

Example:
    >>> n = Note.make("own_too_few_changes", n=1, needed=3, before=2022)
    >>> n.text("en")
    'own trend: 1 change(s) before 2022, fewer than 3 needed'
    >>> n.to_json()
    {'code': 'own_too_few_changes', 'params': {'n': 1, 'needed': 3, 'before': 2022}}
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

#: code -> English template (str.format placeholders). The template is also the gettext msgid.
NOTE_TEXT: dict[str, str] = {
    "own_too_few_changes": "own trend: {n} change(s) before {before}, fewer than {needed} needed",
}


@dataclass(frozen=True)
class Note:
    """One remark of the engine: a code from :data:`NOTE_TEXT` and its parameters."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def make(cls, code: str, **params: Any) -> "Note":
        """A note with a known ``code`` (``KeyError`` naming the code otherwise)."""
        if code not in NOTE_TEXT:
            raise KeyError(f"unknown note code {code!r}: add it to analysis.notes.NOTE_TEXT")
        return cls(code, dict(params))

    def text(self, lang: str = "en") -> str:
        """The note as a sentence in ``lang`` ("en" or "zh")."""
        from analysis import i18n

        template = i18n.translate(NOTE_TEXT[self.code], lang)
        return template.format(**{k: i18n.format_param(v, lang) for k, v in self.params.items()})

    def to_json(self) -> dict[str, Any]:
        """``{"code": ..., "params": {...}}`` with JSON-ready values."""
        from analysis.assessment import json_value

        return {"code": self.code, "params": {k: json_value(v) for k, v in self.params.items()}}
