"""What a reader needs to reproduce a result: version, commit, data folders with hashes, seed, as-of, time.

:func:`run_info` is shared by every report (the "reproducibility" block at the bottom) and by
``analysis assess --format json`` (its ``run_info`` field), so a page and a JSON record made
from the same run state the same facts.

Example:
    >>> info = run_info(seed=0, as_of=2021)
    >>> sorted(info)[:4]
    ['analysis_version', 'as_of', 'data_dirs', 'generated_utc']
    >>> info["seed"], info["data_dirs"][0]["role"]
    (0, 'bundled')
"""
from __future__ import annotations

import datetime as _dt
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

NOT_GIT = "not a git checkout"


@lru_cache(maxsize=8)
def git_commit(root: str) -> str:
    """The commit hash checked out at ``root`` (``+dirty`` if files differ), or :data:`NOT_GIT`."""
    try:
        head = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10)
        if head.returncode != 0:
            return NOT_GIT
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10)
        return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return NOT_GIT


def folder_hash(folder: Path) -> str:
    """sha256 (first 12 hex digits) over the CSV files of ``folder`` (names and contents).

    ``data/raw`` (the source documents) is left out, as in the report cache key.
    """
    from analysis.reports.cache import files_fingerprint

    folder = Path(folder)
    files = [p for p in folder.rglob("*.csv") if "raw" not in p.relative_to(folder).parts]
    return files_fingerprint(files, folder)[:12]


def data_folders(extra: Iterable[str | Path] | None = None) -> list[dict[str, str]]:
    """The bundled ``data/`` folder and every extra folder (``--data-dir``, ``$ANALYSIS_DATA_PATH``)."""
    from analysis.config import data_dir, extra_data_dirs

    out = [{"role": "bundled", "path": str(data_dir()), "sha256": folder_hash(data_dir())}]
    for d in extra_data_dirs(list(extra or [])):
        out.append({"role": "extra", "path": str(d), "sha256": folder_hash(d)})
    return out


def run_info(data_dirs: Iterable[str | Path] | None = None, *, seed: int | None = None,
             as_of: int | None = None) -> dict[str, Any]:
    """Package version, git commit (or "not a git checkout"), data folders with a hash each, seed,
    as-of year (``None``: each target's baseline year) and the generation time (UTC, minutes)."""
    import analysis
    from analysis.config import repo_root

    return {
        "analysis_version": analysis.__version__,
        "git_commit": git_commit(str(repo_root())),
        "data_dirs": data_folders(data_dirs),
        "seed": seed,
        "as_of": as_of,
        "generated_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M"),
    }
