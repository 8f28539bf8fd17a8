"""Cache keys for reports: rebuild a report only when its notebook, parameters, data or code changed.

key = sha256(notebook file bytes, parameters as canonical JSON, data fingerprint, code fingerprint).
The data fingerprint hashes every CSV under ``data/`` (and the extra data folders) by path and
content; the code fingerprint hashes the ``analysis`` package's Python sources and templates,
since a change in a model changes the numbers of every report.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from analysis.config import PACKAGE_DIR, data_dir, extra_data_dirs

# (path, size, mtime_ns) -> sha256 of the file, so hashing a big panel twice is free
_FILE_HASHES: dict[tuple[str, int, int], str] = {}


def file_digest(path: Path) -> str:
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _FILE_HASHES:
        _FILE_HASHES[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _FILE_HASHES[key]


def files_fingerprint(paths: Iterable[Path], root: Path | None = None) -> str:
    h = hashlib.sha256()
    for p in sorted(set(paths)):
        name = str(p.relative_to(root)) if root is not None and p.is_relative_to(root) else str(p)
        h.update(name.encode("utf-8") + b"\0" + file_digest(p).encode("ascii") + b"\n")
    return h.hexdigest()


def data_files() -> list[Path]:
    """Every CSV the reports may read: ``data/**/*.csv`` and the extra data folders' CSVs."""
    files = [p for p in data_dir().rglob("*.csv") if "raw" not in p.relative_to(data_dir()).parts]
    for folder in extra_data_dirs():
        files += list(folder.glob("*.csv")) + list((folder / "series").glob("*.csv"))
    return files


def data_fingerprint() -> str:
    return files_fingerprint(data_files(), data_dir())


def code_fingerprint() -> str:
    files = [p for p in PACKAGE_DIR.rglob("*") if p.is_file() and p.suffix in (".py", ".j2", ".json", ".css", ".csv")]
    return files_fingerprint(files, PACKAGE_DIR)


def cache_key(notebook_file: Path, params: Mapping[str, Any], data_fp: str | None = None,
              code_fp: str | None = None) -> str:
    """The key of one report; equal keys mean the report would come out the same."""
    h = hashlib.sha256()
    h.update(Path(notebook_file).read_bytes())
    h.update(json.dumps(dict(params), sort_keys=True, ensure_ascii=False, default=str).encode("utf-8"))
    h.update((data_fp or data_fingerprint()).encode("ascii"))
    h.update((code_fp or code_fingerprint()).encode("ascii"))
    return h.hexdigest()
