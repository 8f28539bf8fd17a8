"""Assessment records: each target assessed once per batch, with one engine, and read by the notebooks.

A batch (:func:`prepare_records`, in the batch's own process) assesses every target its reports
need with one engine and writes each :class:`~analysis.assessment.Assessment` to
``<out>/_work/records/<key>.pkl``. The key is the target id, seed and as-of year together with the
data and code fingerprints (:mod:`analysis.reports.cache`), so a record is never read for other
data or other code. A batch kernel is told the folder (:func:`use_dir`, sent by the worker); the
notebooks then load their record (:func:`load_record`) instead of building an engine and fitting
its models again. Without a record (JupyterLab, ``analysis report``, a target the batch could not
assess) the notebook assesses the target itself: the same engine code, the same numbers.

Example::

    prepare_records([("shanwei2022-p-hte_count", 0, None)], Path("reports/_work/records"))
    use_dir("reports/_work/records")
    load_record("shanwei2022-p-hte_count", 0, None)  # the Assessment, or None
"""
from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

RECORDS_DIR = "records"
#: written into the records folder when the batch has stored every record it could (or gave up)
DONE_MARK = ".done"
#: bumped when the record's layout changes (older files are then never read)
RECORD_VERSION = "1"

_STATE: dict[str, Any] = {"dir": None, "fingerprints": None}


def record_key(target_id: str, seed: int, as_of: int | None, data_fp: str, code_fp: str) -> str:
    """The file stem of one record: a hash of everything its numbers depend on.

    Example: ``record_key("t", 0, None, "d", "c") != record_key("t", 1, None, "d", "c")``.
    """
    h = hashlib.sha256()
    h.update(json.dumps([RECORD_VERSION, str(target_id), int(seed), as_of, data_fp, code_fp]).encode("utf-8"))
    return h.hexdigest()[:40]


def _fingerprints() -> tuple[str, str]:
    """Data and code fingerprints (re-checked on each call: hashing is cached by file size and mtime)."""
    from analysis.reports.cache import code_fingerprint, data_fingerprint

    return data_fingerprint(), code_fingerprint()


def use_dir(path: str | Path | None, fingerprints: Sequence[str] | None = None) -> None:
    """Inside a batch kernel, before each notebook: read records from ``path`` (``None``: assess in the notebook).

    ``fingerprints`` are the batch's (data, code) fingerprints, which its records are keyed by
    (computed once in the batch process); without them they are taken now, once per notebook
    rather than once per record (a city scorecard reads about a hundred; taking them costs ~15 ms).
    Example: ``use_dir("reports/_work/records", ("<data sha>", "<code sha>"))``.
    """
    _STATE["dir"] = Path(path) if path else None
    _STATE["fingerprints"] = (tuple(fingerprints) if fingerprints else _fingerprints()) if path else None


def records_dir() -> Path | None:
    """The folder set by :func:`use_dir`, if any."""
    return _STATE["dir"]


def load_record(target_id: str, seed: int = 0, as_of: int | None = None) -> Any:
    """The stored Assessment of one target, or ``None`` (no folder set, no record, unreadable file)."""
    folder = _STATE["dir"]
    if folder is None:
        return None
    path = folder / f"{record_key(target_id, seed, as_of, *(_STATE['fingerprints'] or _fingerprints()))}.pkl"
    try:
        with open(path, "rb") as fh:  # written by this toolkit's own batch into its work folder
            return pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None


def wanted(jobs: Iterable[Any], targets: Any = None) -> list[tuple[str, int, int | None]]:
    """(target id, seed, as-of) of every assessment the given report jobs show.

    Target reports show their target; a city scorecard shows every registry target of its region.
    The target reports' come first, in job order (each waits for one record), then the rest of the
    scorecards' (a scorecard waits for about a hundred, mostly the same targets).
    """
    from analysis.reports.views import region_targets

    out: dict[tuple[str, int, int | None], None] = {}
    regions: dict[str, list[str]] = {}
    jobs = list(jobs)
    if targets is None and any(j.kind == "city" for j in jobs):  # read once, not once per scorecard
        from analysis.data.loaders import load_targets

        targets = load_targets()
    for job in [j for j in jobs if j.kind == "target"] + [j for j in jobs if j.kind != "target"]:
        p = job.params
        seed, as_of = int(p.get("seed") or 0), p.get("as_of")
        if job.kind == "target":
            out[(str(p["target_id"]), seed, as_of)] = None
        elif job.kind == "city":
            region = str(p["region"])
            if region not in regions:
                regions[region] = region_targets(region, targets)["target_id"].astype(str).tolist()
            for tid in regions[region]:
                out[(tid, seed, as_of)] = None
    return list(out)


def record_paths(items: Iterable[tuple[str, int, int | None]], folder: Path,
                 fingerprints: Sequence[str] | None = None) -> list[Path]:
    """Where the records of ``items`` are (or will be) stored (``fingerprints``: the batch's, else taken now)."""
    data_fp, code_fp = tuple(fingerprints) if fingerprints else _fingerprints()
    return [Path(folder) / f"{record_key(tid, seed, as_of, data_fp, code_fp)}.pkl" for tid, seed, as_of in items]


def wait_for_records(items: Sequence[tuple[str, int, int | None]], folder: Path, timeout: float = 600,
                     fingerprints: Sequence[str] | None = None) -> bool:
    """In a worker: wait until the batch has stored the records of ``items`` (or finished trying).

    The batch writes records while the first reports (the backtest, the panels) run; a report that
    needs one not written yet waits here rather than assessing its targets a second time. Returns
    ``True`` when every record is there. Example: ``wait_for_records([("t", 0, None)], folder, 60)``.
    """
    import time

    folder = Path(folder)
    if not items or not folder.is_dir():
        return False
    paths = record_paths(items, folder, fingerprints)
    deadline = time.monotonic() + timeout
    while True:
        if all(p.is_file() for p in paths):
            return True
        if (folder / DONE_MARK).exists() or time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def prepare_records(items: Sequence[tuple[str, int, int | None]], folder: Path, force: bool = False,
                    stop: Any = None, fingerprints: Sequence[str] | None = None) -> dict[str, int]:
    """Assess ``items`` with one engine per seed and write their records into ``folder``.

    Existing records are kept unless ``force``. A target that raises gets no record (its notebook
    then assesses it itself and shows the same error as before). ``stop`` (a ``threading.Event``)
    ends the work early. Returns counts ``{"written": …, "kept": …, "failed": …}``.
    """
    from analysis.assess import find_target, get_engine
    from analysis.data.loaders import load_targets
    from analysis.reports.render import atomic_write_bytes

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data_fp, code_fp = tuple(fingerprints) if fingerprints else _fingerprints()  # the batch's keys, if given
    counts = {"written": 0, "kept": 0, "failed": 0}
    registry = load_targets()
    broken: set[int] = set()  # seeds whose engine cannot be built (missing data): left to the notebooks
    for tid, seed, as_of in items:
        if stop is not None and stop.is_set():  # the batch was interrupted
            break
        path = folder / f"{record_key(tid, seed, as_of, data_fp, code_fp)}.pkl"
        if path.is_file() and not force:
            counts["kept"] += 1
            continue
        if seed in broken:
            counts["failed"] += 1
            continue
        try:
            engine = get_engine(seed)
        except Exception:  # noqa: BLE001 - each notebook will report it
            broken.add(seed)
            counts["failed"] += 1
            continue
        try:
            a = engine.assess(find_target(tid, registry).to_dict(), as_of=as_of)
            atomic_write_bytes(path, pickle.dumps(a, protocol=pickle.HIGHEST_PROTOCOL))
            counts["written"] += 1
        except Exception:  # noqa: BLE001 - the notebook assesses (and reports) this target itself
            counts["failed"] += 1
    return counts
