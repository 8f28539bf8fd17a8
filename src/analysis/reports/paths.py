"""Safe file names for reports: ids and region names can never point outside the reports folder."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path, PurePosixPath
from urllib.parse import quote

_UNSAFE = re.compile(r"[^\w\-]+", re.UNICODE)


def safe_name(text: str, max_len: int = 48) -> str:
    """A file-name stem from any id or region name: word characters and ``-`` only, plus a hash.

    ``safe_name("../../etc/x")`` → ``"etc-x-<8 hex>"``; the hash keeps distinct ids distinct after
    sanitising (``a/b`` and ``a-b`` differ).
    """
    raw = str(text)
    norm = unicodedata.normalize("NFKC", raw)
    slug = _UNSAFE.sub("-", norm).strip("-_")[:max_len].strip("-_") or "report"
    digest = hashlib.sha1(raw.encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}"


def report_stem(name: str, lang: str | None = None) -> str:
    """The file-name stem of a report: :func:`safe_name` plus the language, so zh and en never overwrite
    each other (``report_stem("汕尾市", "en")`` → ``"汕尾市-<8 hex>-en"``)."""
    stem = safe_name(name)
    return f"{stem}-{lang}" if lang else stem


def inside(root: Path, path: Path) -> Path:
    """``path`` resolved, after checking it lies inside ``root`` (else ``ValueError``)."""
    root_r, path_r = Path(root).resolve(), Path(path).resolve()
    if not path_r.is_relative_to(root_r):
        raise ValueError(f"{path} is outside {root}")
    return path_r


def relative_href(root: Path, path: Path) -> str:
    """A relative, percent-encoded link from ``root/index.html`` to ``path``."""
    rel = PurePosixPath(*inside(root, path).relative_to(Path(root).resolve()).parts)
    return quote(str(rel), safe="/")
