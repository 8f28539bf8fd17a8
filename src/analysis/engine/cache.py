"""An on-disk cache of model fits shared across runs and batch workers.

A fit is stored under a key made of three parts, so a stale fit is never reused:

- the **data hash**: a digest of the panel the engine holds (after derived series) and of the
  indicator catalogue (scales, families);
- the **code hash**: sha256 over the model and engine sources (``models/*.py``, ``engine/*.py``),
  so any change to how a fit is made invalidates every stored fit;
- the **fit key**: the engine's in-memory cache key, e.g. ``("peers", "hte_count", 2021, 2, label)``.

Entries are pickles under ``$ANALYSIS_CACHE_DIR`` (default ``~/.cache/analysis/fits``), written to a
temporary file and moved into place (readers never see half a file) while holding a per-entry
``filelock`` (two batch workers needing the same fit compute it once). A file that cannot be read
is treated as absent: the fit is made again and the file replaced. ``ANALYSIS_CACHE=0`` switches
the cache off. The folder is the user's own: pickles are only read from there.

Example:
    >>> import tempfile
    >>> c = FitCache(Path(tempfile.mkdtemp()), data_key="d")
    >>> c.get_or_make(("peers", "x", 2020), lambda: 41 + 1), c.get_or_make(("peers", "x", 2020), lambda: 0)
    (42, 42)
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

#: the in-memory cache kinds kept on disk: model fits, and every h-year window of an indicator
#: (``windows_all``: a merge per indicator and h, 0.8 s of a new engine's 10k bundled run against
#: 0.08 s to read them back; the other views are cheap and stay in memory only)
PERSISTED_KINDS = frozenset({"peers", "pooled", "rung", "counts", "windows_all",
                             "count_family_cases", "count_family_fit", "count_family_gate"})
_PACKAGE = Path(__file__).resolve().parents[1]


def cache_dir() -> Path | None:
    """The fit-cache folder from the environment, or None when ``ANALYSIS_CACHE=0``."""
    if os.environ.get("ANALYSIS_CACHE", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    folder = os.environ.get("ANALYSIS_CACHE_DIR")
    return Path(folder) if folder else Path.home() / ".cache" / "analysis" / "fits"


@lru_cache(maxsize=1)
def code_hash() -> str:
    """sha256 (first 16 hex digits) over the sources of ``analysis/models`` and ``analysis/engine``."""
    h = hashlib.sha256()
    for sub in ("models", "engine"):
        for path in sorted((_PACKAGE / sub).glob("*.py")):
            h.update(f"{sub}/{path.name}\0".encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def frame_hash(*frames: pd.DataFrame) -> str:
    """A digest of DataFrames' contents, index and column names (stable across runs).

    >>> frame_hash(pd.DataFrame({"a": [1]})) == frame_hash(pd.DataFrame({"a": [1]}))
    True
    """
    h = hashlib.sha256()
    for f in frames:
        h.update("\0".join(map(str, f.columns)).encode())
        h.update(pd.util.hash_pandas_object(f, index=True).to_numpy().tobytes())
    return h.hexdigest()[:16]


def _plain(key: Any) -> Any:
    """The key with numpy scalars as Python values (``np.int64(2020)`` and ``2020`` are one key)."""
    if isinstance(key, tuple):
        return tuple(_plain(k) for k in key)
    if isinstance(key, np.generic):
        return key.item()
    return key


class FitCache:
    """Fits on disk under one folder, for one data hash and the current code hash."""

    def __init__(self, folder: Path, data_key: str):
        self.folder = Path(folder)
        self.data_key = data_key

    def path(self, key: tuple) -> Path:
        """The file of ``key`` (a digest of data hash, code hash and fit key)."""
        digest = hashlib.sha256(repr((self.data_key, code_hash(), _plain(key))).encode()).hexdigest()[:40]
        return self.folder / f"{digest}.pkl"

    def get_or_make(self, key: tuple, make: Callable[[], Any]) -> Any:
        """The stored fit of ``key``, else ``make()`` stored atomically (corrupt files are replaced)."""
        path = self.path(key)
        hit, value = _read(path)
        if hit:
            return value
        from filelock import FileLock

        self.folder.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path) + ".lock"):
            hit, value = _read(path)  # another worker may have made it while we waited
            if hit:
                return value
            value = make()
            _write(path, value)
        return value


def _read(path: Path) -> tuple[bool, Any]:
    """(True, value) for a readable entry; (False, None) when absent or unreadable."""
    try:
        with open(path, "rb") as fh:
            tag, value = pickle.load(fh)
        return (True, value) if tag == "fit" else (False, None)
    except Exception:  # noqa: BLE001 - absent, truncated or foreign file: refit
        return False, None


def _write(path: Path, value: Any) -> None:
    """Pickle ``value`` to a temporary file beside ``path`` and move it into place."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pkl")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(("fit", value), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except Exception:  # noqa: BLE001 - an unwritable cache only costs the next run a refit
        try:
            os.unlink(tmp)
        except OSError:
            pass
