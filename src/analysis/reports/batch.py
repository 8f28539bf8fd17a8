"""Many reports at once: every registry target, one scorecard per region, and ``index.html``.

* jobs (:mod:`analysis.reports.jobs`) run in worker **processes** (papermill's ``cwd`` handling is
  not thread-safe, #473), or on an existing Dask cluster (``scheduler="tcp://…"``); each worker
  keeps a warm kernel (:mod:`analysis.reports.kernels`); running is :mod:`analysis.reports.runner`;
* one progress bar, one tick per finished report;
* a failing report does not stop the others: its executed notebook is kept in ``_work/`` and
  linked from the index, and the batch ends with a non-zero status; a worker process that dies
  costs only its own report (the pool is rebuilt and the others run again);
* unchanged reports are skipped: a report is rebuilt only when its cache key (notebook, parameters,
  data, code; :mod:`analysis.reports.cache`) differs from the one stored beside it, or with ``force``;
* every file is written atomically; file names come from :func:`~analysis.reports.paths.safe_name`;
  a file that cannot be written (disk full) is named, the rest is kept and the index still written;
* one batch at a time per output folder (a :mod:`filelock` lock, ``<out>/.batch.lock``); Ctrl-C
  writes the index of the reports finished so far.

Layout of ``out``::

    index.html                    backtest-<hash>.html, panel-<indicator>-<hash>.html (extras)
    targets/<id>-<hash>.html      cities/<region>-<hash>.html
    _work/targets/<id>-<hash>.ipynb (executed notebook) and .json (summary + cache key)
    _work/kernels.log             the kernels' own output (all workers, this batch)
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from analysis.reports.jobs import (  # noqa: F401 - re-exported: the batch API in one place
    FOLDERS,
    NOTEBOOK_OF,
    Job,
    JobResult,
    assign_keys,
    cached_result,
    make_job,
    plan_order,
    plan_jobs,
    prevalidate,
    run_job,
    store_sidecar,
)
from analysis.reports.paths import relative_href
from analysis.reports.records import DONE_MARK, RECORDS_DIR, prepare_records, wanted
from analysis.reports.runner import default_workers, run_jobs, start_pool  # noqa: F401

LOCK_NAME = ".batch.lock"


@dataclass
class BatchResult:
    out_dir: Path
    results: list[JobResult]
    index: Path | None
    seconds: float
    index_error: str | None = None
    interrupted: bool = False

    @property
    def failed(self) -> list[JobResult]:
        return [r for r in self.results if not r.ok]

    @property
    def skipped(self) -> list[JobResult]:
        return [r for r in self.results if r.skipped]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.index_error else 0


class BatchLocked(ValueError):
    """Another batch is writing into the same output folder."""


def _lock(out: Path) -> Any:
    """An exclusive lock on ``out`` (``<out>/.batch.lock``, :mod:`filelock`), or :class:`BatchLocked`."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(out / LOCK_NAME))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise BatchLocked(f"another batch is writing into {out} (lock file {out / LOCK_NAME} is held); "
                          "wait for it to finish or choose another --out") from None
    return lock


def run_batch(out_dir: str | Path = "reports", *, workers: int | None = None, scheduler: str | None = None,
              force: bool = False, lang: str = "zh", seed: int = 0, limit: int | None = None,
              target_ids: Sequence[str] | None = None, cities: bool = True, extras: Sequence[str] = (),
              fresh_kernels: bool = False, progress: bool = True, jobs: Sequence[Job] | None = None,
              timeout: float | None = 900, run: Callable[[Job], JobResult] = run_job) -> BatchResult:
    """Plan, skip unchanged, run, and write ``index.html``. See the module docstring.

    Holds a lock on ``out_dir`` for the whole batch. On Ctrl-C the index of the reports finished
    so far is written before ``KeyboardInterrupt`` propagates. ``run`` builds one job (tests pass
    a stand-in that needs no kernel).
    """
    t0 = time.perf_counter()
    if not scheduler and run is run_job:
        from analysis.reports.render import check_kernel

        check_kernel()  # a missing kernel would fail every report: say so once
    out = Path(out_dir).resolve()
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {out} is a file, not a folder")
    out.mkdir(parents=True, exist_ok=True)
    lock = _lock(out)
    try:
        return _run_locked(out, t0, workers=workers, scheduler=scheduler, force=force, lang=lang, seed=seed,
                           limit=limit, target_ids=target_ids, cities=cities, extras=extras,
                           fresh_kernels=fresh_kernels, progress=progress, jobs=jobs, timeout=timeout, run=run)
    finally:
        lock.release()


def _run_locked(out: Path, t0: float, *, workers, scheduler, force, lang, seed, limit, target_ids, cities, extras,
                fresh_kernels, progress, jobs, timeout, run) -> BatchResult:
    from analysis.reports.kernels import LOG_NAME

    (out / "_work" / LOG_NAME).unlink(missing_ok=True)  # one kernel log per batch
    n_workers = workers or default_workers()
    pool = None
    if (force or not (out / "_work").exists()) and not scheduler and n_workers > 1:
        # everything will be built: let the workers warm their kernels while we plan and hash
        bound = n_workers
        if jobs is not None:
            bound = len(jobs)
        elif target_ids:
            bound = 2 * len(target_ids) + len(extras)
        elif limit is not None:
            bound = 2 * limit + len(extras)
        if min(n_workers, bound) > 1:
            pool = start_pool(min(n_workers, bound), str(out / "_work"), warm=not fresh_kernels and run is run_job)
    done: list[JobResult] = []
    ran: list[JobResult] = []
    interrupted = False
    sharing = None
    try:
        if jobs is None:
            jobs = plan_jobs(out, lang=lang, seed=seed, limit=limit, target_ids=target_ids, cities=cities,
                             extras=extras, fresh_kernel=fresh_kernels, timeout=timeout)
        jobs = list(jobs)
        valid, done = prevalidate(jobs)
        assign_keys(valid)
        todo: list[Job] = []
        for job in valid:
            hit = None if force else cached_result(job)
            (done.append(hit) if hit else todo.append(job))
        todo = plan_order(todo)
        if run is run_job:
            sharing = share_assessments(todo, force)
        run_jobs(todo, workers=n_workers, scheduler=scheduler, progress=progress, pool=pool, sink=ran, fn=run)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if sharing is not None:
            sharing.stop(now=interrupted)
        if pool is not None:
            _shutdown(pool, interrupted)
    done += ran
    if interrupted:  # reports the workers finished after Ctrl-C belong in this index too
        done += finished_since(jobs or [], done)
    order = {id(j): i for i, j in enumerate(jobs or [])}
    done.sort(key=lambda r: order.get(id(r.job), 0))
    index, index_error = None, None
    try:
        index = write_batch_index(out, done, lang, registry=sharing.registry if sharing is not None else None)
    except OSError as err:  # disk full, read-only: the reports stay; say which file could not be written
        index_error = f"index not written: {err.strerror or err}: {err.filename or out / 'index.html'}"
    batch = BatchResult(out_dir=out, results=done, index=index, seconds=time.perf_counter() - t0,
                        index_error=index_error, interrupted=interrupted)
    if interrupted:
        import sys

        print(f"interrupted: {len(done)} finished report(s) kept; "
              f"{index_error or f'index of them written to {index}'}", file=sys.stderr)
        raise KeyboardInterrupt
    return batch


def _shutdown(pool: Any, interrupted: bool) -> None:
    """Shut the pool down; after Ctrl-C, queued reports are dropped and running ones may finish.

    A second Ctrl-C stops the wait (those reports then appear in the next index).
    """
    if interrupted:
        import sys

        print("interrupted: letting the running reports finish (Ctrl-C again to stop at once)", file=sys.stderr)
    try:
        pool.shutdown(wait=True, cancel_futures=True)
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)


def finished_since(jobs: Sequence[Job], known: Sequence[JobResult]) -> list[JobResult]:
    """Jobs not in ``known`` whose report was nevertheless finished (sidecar with this job's key, HTML present).

    After Ctrl-C the workers may complete the reports they were running; their sidecars say so.
    Example: ``finished_since(planned, results_so_far)`` after an interrupted batch.
    """
    seen = {id(r.job) for r in known}
    out = []
    for job in jobs:
        if id(job) in seen or not job.key:
            continue
        hit = cached_result(job)
        if hit is not None:
            hit.skipped = False
            out.append(hit)
    return out


class SharedAssessments:
    """Every target the jobs show, assessed once in this process (a thread) while the workers start.

    Records go to ``<out>/_work/records`` (:mod:`analysis.reports.records`) in the order the jobs
    run, so the first reports (the backtest, the panels) overlap with the engine's start; a report
    whose records are not written yet waits for them (:func:`~analysis.reports.records.wait_for_records`).
    A failure here only means the notebooks assess for themselves, as they do standalone.
    """

    def __init__(self, items: list, folder: Path, force: bool, fingerprints: tuple[str, str] | None = None):
        import threading

        self.folder, self.counts = folder, {}
        self.registry: dict[str, dict[str, Any]] | None = None  # the index's registry rows, read ahead
        self._stop = threading.Event()
        folder.mkdir(parents=True, exist_ok=True)
        if force:  # all redone: records of older data or code go too
            for old in folder.glob("*.pkl"):
                old.unlink(missing_ok=True)
        (folder / DONE_MARK).unlink(missing_ok=True)  # before any job runs: workers wait for this batch's records
        self._thread = threading.Thread(target=self._run, args=(items, force, fingerprints), daemon=True,
                                        name="assessments")
        self._thread.start()

    def _run(self, items: list, force: bool, fingerprints: tuple[str, str] | None) -> None:
        try:
            self.counts = prepare_records(items, self.folder, force=force, stop=self._stop, fingerprints=fingerprints)
        except Exception:  # noqa: BLE001 - e.g. a registry that does not load: every notebook says why
            pass
        finally:
            try:
                (self.folder / DONE_MARK).write_text("done\n", encoding="utf-8")
            except OSError:  # disk full: the workers stop waiting at their timeout
                pass
        self._read_ahead()

    def _read_ahead(self) -> None:
        """While the last reports run: the index's registry rows and its spreadsheet library.

        Otherwise both (~1-2 s) would be read after the last report, when one core waits.
        """
        if self._stop.is_set():
            return
        self.registry = _registry_rows()
        try:
            import openpyxl  # noqa: F401 - imported ahead for the index's .xlsx
        except ImportError:  # pragma: no cover - a declared dependency
            pass

    def stop(self, now: bool = False) -> None:
        """Wait for the thread; ``now`` (after Ctrl-C) makes it stop between two targets first."""
        if now:
            self._stop.set()
        self._thread.join(timeout=600)


def share_assessments(jobs: Sequence[Job], force: bool = False) -> SharedAssessments | None:
    """Start assessing every target ``jobs`` show (see :class:`SharedAssessments`); ``None`` if none."""
    from analysis.reports.jobs import _log_dir

    try:
        items = wanted(jobs)
    except Exception:  # noqa: BLE001 - a registry that does not load: the notebooks say why
        return None
    if not items:
        return None
    from analysis.reports.kernel_state import freeze_heap

    freeze_heap()  # the registry, pandas and the planning: out of the assessments' garbage collections
    return SharedAssessments(items, Path(_log_dir(jobs)) / RECORDS_DIR, force, jobs[0].fingerprints)


def _registry_rows() -> dict[str, dict[str, Any]]:
    try:
        from analysis.data.loaders import load_targets

        reg = load_targets()
    except Exception:  # noqa: BLE001 - the index is still written from what the reports said
        return {}
    return {str(r["target_id"]): r for r in reg.to_dict(orient="records")}


def index_rows(out: Path, results: Sequence[JobResult],
               registry: dict[str, dict[str, Any]] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Rows of the index tables from job results (summaries from the notebooks).

    ``registry`` is the registry by target id as :func:`_registry_rows` gives it (read now if ``None``).
    """
    registry = _registry_rows() if registry is None else registry
    targets, cities, failures, others = [], [], [], []
    for r in results:
        job = r.job
        href = relative_href(out, Path(job.html)) if r.ok else None
        ipynb = Path(r.ipynb) if r.ipynb else None
        ipynb_href = (relative_href(out, ipynb) if ipynb and ipynb.exists()
                      and ipynb.resolve().is_relative_to(out.resolve()) else None)
        if not r.ok:
            failures.append({"name": f"{job.kind}: {job.name}", "error": r.error, "ipynb_href": ipynb_href})
        if job.kind == "target":
            row = dict(registry.get(job.name, {}))
            row.update({k: v for k, v in (r.summary or {}).items()})
            row.setdefault("target_id", job.name)
            if not r.ok:
                row["verdict"], row["status"], row["p_meet"] = "error", "failed", None
            row["href"], row["ipynb_href"] = href, ipynb_href
            targets.append(row)
        elif job.kind == "city":
            s = r.summary or {}
            cities.append({"region": s.get("region", job.name), "n_targets": s.get("n_targets"),
                           "counts": s.get("counts") or {}, "href": href})
        elif r.ok:
            others.append({"name": f"{job.kind}: {job.name}", "href": href})
    return {"targets": targets, "cities": cities, "failures": failures, "others": others}


def write_batch_index(out: Path, results: Sequence[JobResult], lang: str = "zh",
                      registry: dict[str, dict[str, Any]] | None = None) -> Path:
    """``index.html`` (and the assessment tables) of a batch's results; ``registry`` as in :func:`index_rows`."""
    from analysis.reports.index import write_index

    rows = index_rows(out, results, registry)
    return write_index(out, rows["targets"], rows["cities"], rows["failures"], rows["others"], lang=lang)


def summary_lines(batch: BatchResult) -> list[str]:
    """A short end-of-batch table: counts, then each failure with its reason."""
    n = len(batch.results)
    lines = [f"{n} report(s): {n - len(batch.failed)} ok ({len(batch.skipped)} unchanged, skipped), "
             f"{len(batch.failed)} failed, {batch.seconds:.1f} s → {batch.index}"]
    for r in batch.failed:
        where = f" (notebook: {r.ipynb})" if r.ipynb else ""
        lines.append(f"  FAILED {r.job.kind} {r.job.name}: {r.error}{where}")
    for r in batch.results:
        if r.extra.get("sidecar_error"):
            lines.append(f"  FAILED to cache {r.job.kind} {r.job.name}: {r.extra['sidecar_error']}")
    if batch.index_error:
        lines.append(f"  FAILED {batch.index_error}")
    return lines


def results_json(batch: BatchResult) -> list[dict[str, Any]]:
    return [{**asdict(r), "job": asdict(r.job)} for r in batch.results]
