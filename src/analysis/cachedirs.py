"""The on-disk caches (model fits, cut fonts): where they are, how big, and pruning them.

Both caches are keyed by content (the fit cache by data hash, code hash and fit key; the font cache
by font file and characters), so an entry is either exactly right or never read again: entries left
by older code or data accumulate. Deleting any of them is always safe; it only costs the next run a
refit or a re-cut. ``analysis cache`` shows the sizes and prunes by age.

Example:
    >>> sorted(cache_folders())
    ['fits', 'fonts']
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

#: names of the files each cache writes (anything else in the folder is not touched)
_PATTERNS = {"fits": ("*.pkl", "*.pkl.lock", ".tmp-*.pkl"),
             "fonts": ("base-*.otf", ".tmp-*", "subsets/*.woff", "subsets/*.woff2", "subsets/.tmp-*")}


@dataclass(frozen=True)
class Usage:
    """Size of one cache folder: files, bytes and the oldest / newest modification time (epoch s)."""

    name: str
    folder: Path | None
    files: int = 0
    bytes: int = 0
    oldest: float | None = None
    newest: float | None = None


def cache_folders() -> dict[str, Path | None]:
    """Each cache's folder from the environment (``None`` when ``ANALYSIS_CACHE=0``)."""
    from analysis.engine.cache import cache_dir
    from analysis.reports.fonts import _font_cache_dir

    return {"fits": cache_dir(), "fonts": _font_cache_dir()}


def _entries(name: str, folder: Path | None) -> list[Path]:
    """The files of cache ``name`` in ``folder`` (only the names that cache writes)."""
    if folder is None or not folder.is_dir():
        return []
    seen: dict[Path, None] = {}
    for pattern in _PATTERNS[name]:
        for p in folder.glob(pattern):
            if p.is_file() and not p.is_symlink():
                seen[p] = None
    return sorted(seen)


def usage(name: str, folder: Path | None) -> Usage:
    """How many files and bytes cache ``name`` holds, and their age range."""
    stats = [p.stat() for p in _entries(name, folder)]
    if not stats:
        return Usage(name, folder)
    times = [s.st_mtime for s in stats]
    return Usage(name, folder, len(stats), sum(s.st_size for s in stats), min(times), max(times))


def prune(name: str, folder: Path | None, older_than_days: float = 0.0, now: float | None = None) -> Usage:
    """Delete the entries of cache ``name`` last written more than ``older_than_days`` days ago
    (0: all of them); returns what was removed. Files another process deletes meanwhile are skipped."""
    cutoff = (time.time() if now is None else now) - older_than_days * 86400.0
    removed, size, times = 0, 0, []
    for p in _entries(name, folder):
        try:
            st = p.stat()
            if st.st_mtime > cutoff:
                continue
            p.unlink()
        except FileNotFoundError:
            continue
        removed, size = removed + 1, size + st.st_size
        times.append(st.st_mtime)
    return Usage(name, folder, removed, size, min(times, default=None), max(times, default=None))
