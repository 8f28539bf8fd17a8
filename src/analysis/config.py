"""Where things live: the repository's data folder, extra data folders and the reports folder.

The bundled data sit in ``<repo>/data``. Extra series folders are added on top of it through the
``ANALYSIS_DATA_PATH`` environment variable (``os.pathsep``-separated, like ``PATH``) or the
``--data-dir`` option of every command. Files in an extra folder are read *in addition to* the
bundled ones; they are never copied into the repository (``../shared/data/province_panel.csv`` is
used that way because it was built from another project's files).
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ENV_DATA_PATH = "ANALYSIS_DATA_PATH"
ENV_HOME = "ANALYSIS_HOME"


def repo_root() -> Path:
    """The project root: ``$ANALYSIS_HOME`` if set, else the folder above ``src/`` (editable install)."""
    home = os.environ.get(ENV_HOME)
    if home:
        return Path(home).resolve()
    return PACKAGE_DIR.parent.parent


def data_dir() -> Path:
    """The bundled data folder (``data/``)."""
    return repo_root() / "data"


def reports_dir() -> Path:
    """Default output folder for rendered reports."""
    return repo_root() / "reports"


def notebooks_dir() -> Path:
    """Folder with the parameterized report notebooks."""
    return repo_root() / "notebooks"


def extra_data_dirs(extra: list[str | Path] | None = None) -> list[Path]:
    """Extra series folders: those given explicitly, then those in ``$ANALYSIS_DATA_PATH``.

    A folder may hold CSV files directly or a ``series/`` subfolder; both are searched.
    Non-existent folders raise, so a typo does not silently drop data.
    """
    dirs: list[Path] = [Path(p) for p in (extra or [])]
    env = os.environ.get(ENV_DATA_PATH, "")
    dirs += [Path(p) for p in env.split(os.pathsep) if p.strip()]
    out: list[Path] = []
    for d in dirs:
        d = d.expanduser().resolve()
        if not d.is_dir():
            raise FileNotFoundError(
                f"extra data folder {d} does not exist (from --data-dir or ${ENV_DATA_PATH})"
            )
        if d not in out:
            out.append(d)
    return out


def set_extra_data_dirs(dirs: list[str | Path] | None) -> None:
    """Make ``--data-dir`` folders visible to every loader (and to notebook kernels) via the env."""
    if not dirs:
        return
    current = [p for p in os.environ.get(ENV_DATA_PATH, "").split(os.pathsep) if p]
    for d in dirs:
        s = str(Path(d).expanduser().resolve())
        if s not in current:
            current.append(s)
    os.environ[ENV_DATA_PATH] = os.pathsep.join(current)
