"""Running report jobs: in this process, on a pool of worker processes, or on a Dask cluster.

Each worker process keeps a warm kernel (:mod:`analysis.reports.kernels`). A worker that dies
costs only the report it was running: the broken pool is replaced and the other jobs run again
(:func:`_run_processes`). One progress bar, one tick per finished report.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from analysis.engine.parallel import default_workers  # noqa: F401 - the batch's default, re-exported
from analysis.reports.jobs import Job, JobResult, _log_dir, run_job


def _skip_slow_optional_imports() -> None:
    """In a worker process: keep jsonschema from importing ``rfc3987_syntax`` (~1 s to build a grammar).

    jsonschema imports it only to check the "iri" string format, which notebook schemas do not
    use; marking it missing before jsonschema loads makes jsonschema skip that checker.
    """
    import sys

    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def _warm_up(log_dir: str | None) -> None:
    """Worker start: launch this worker's kernel (its warm-up runs meanwhile), import the renderer."""
    from analysis.reports import kernel_state, kernels

    _skip_slow_optional_imports()
    try:
        kernels.thread_session(log_dir=log_dir).prestart()
    except Exception:  # noqa: BLE001 - the first job will start (and report) it
        pass
    import nbconvert.exporters.html  # noqa: F401 - heavy imports while the kernel warms up
    import papermill  # noqa: F401

    from analysis.reports.fonts import base_font

    try:
        base_font()  # the font every page's subset is cut from (read from its cache, or made once)
    except Exception:  # noqa: BLE001 - the pages then cut from the whole font
        pass
    kernel_state.freeze_heap()  # this process's imports: out of every later garbage collection


def validate_outputs_with_the_notebook() -> None:
    """In a batch worker process: stop nbformat validating each output as it arrives.

    nbclient builds every output with ``nbformat.v4.new_output``, which validates it on its own
    against the schema with the slow ``jsonschema`` validator (~2 ms an output, ~50 outputs a
    report). The whole notebook is still validated when papermill writes it and again before the
    export, with the fast validator, so an invalid output still fails the report.
    Example: called once by the worker's initializer (:func:`_warm_worker`), never in the CLI process.
    """
    from nbformat.v4 import nbbase

    nbbase.validate = lambda node, ref=None: None  # noqa: ARG005 - the notebook is validated as a whole


def _warm_worker(log_dir: str | None) -> None:
    """A pool worker's initializer: outputs validated with their notebook, the registry parsed once
    (a scorecard job reads it to know its records; :func:`~analysis.reports.kernel_state.cache_registry`),
    then :func:`_warm_up`."""
    from analysis.reports.kernel_state import cache_registry

    validate_outputs_with_the_notebook()
    cache_registry()
    _warm_up(log_dir)


def _failed(job: Job, err: BaseException, reason: str = "") -> JobResult:
    from analysis.reports.render import error_message

    return JobResult(job=job, ok=False, error=reason or error_message(err), stage="worker")


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="report", desc="reports", disable=not enabled, dynamic_ncols=True)


def _tick(bar, res: JobResult, counts: dict[str, int]) -> None:
    counts["failed" if not res.ok else "ok"] += 1
    bar.set_postfix(ok=counts["ok"], failed=counts["failed"], last=res.job.name[:24], refresh=False)
    bar.update(1)


def start_pool(workers: int, log_dir: str | None, warm: bool = True) -> Any:
    """A process pool whose workers are spawned now and start warming their kernels at once."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("spawn")  # no fork of a process that may hold threads/zmq sockets
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_warm_worker if warm else None,
                               initargs=(log_dir,) if warm else ())
    for _ in range(workers):  # one submit per worker spawns them all
        pool.submit(os.getpid)
    return pool


def run_jobs(jobs: Sequence[Job], *, workers: int | None = None, scheduler: str | None = None,
             progress: bool = True, pool: Any = None, sink: list[JobResult] | None = None,
             fn: Callable[[Job], JobResult] = run_job) -> list[JobResult]:
    """Run jobs in local processes (``workers``), in this process (``workers=1``) or on Dask.

    ``pool`` is an optional pool from :func:`start_pool` (the caller shuts it down; if it breaks,
    it is replaced). ``sink`` receives each result as it arrives, so a caller interrupted midway
    (Ctrl-C) still knows what finished. ``fn`` runs one job (tests pass a stand-in).
    """
    jobs = list(jobs)
    if not jobs:
        return []
    counts = {"ok": 0, "failed": 0}
    results: list[JobResult] = sink if sink is not None else []
    with _progress(len(jobs), progress) as bar:
        if scheduler:
            results.extend(_run_dask(jobs, scheduler, bar, counts))
        elif pool is not None:
            _run_processes(jobs, workers or default_workers(), bar, counts, results, pool, fn)
        elif (workers or default_workers()) <= 1 or len(jobs) == 1:
            if not jobs[0].fresh_kernel:
                _warm_up(_log_dir(jobs))
            for job in jobs:
                try:
                    res = fn(job)
                except Exception as err:  # noqa: BLE001
                    res = _failed(job, err)
                results.append(res)
                _tick(bar, res, counts)
        else:
            _run_processes(jobs, workers or default_workers(), bar, counts, results, None, fn)
    order = {id(j): i for i, j in enumerate(jobs)}
    return sorted(results, key=lambda r: order.get(id(r.job), 0))


def _run_processes(jobs: list[Job], workers: int, bar, counts, results: list[JobResult], pool: Any = None,
                   fn: Callable[[Job], JobResult] = run_job) -> None:
    """Run ``jobs`` on a process pool; a dead worker costs only its own report.

    When a worker process dies (killed, out of memory, a crashing kernel library), the pool is
    broken and every job still in it fails with ``BrokenProcessPool``. Those jobs are run again
    on a new pool; jobs caught in a second break are run once more each on a pool of their own,
    so the job that kills its worker is found and marked failed, and the others finish.
    """
    warm = not jobs[0].fresh_kernel
    log_dir = _log_dir(jobs)
    external = pool
    pending, rounds = list(jobs), 0
    try:
        while pending:
            rounds += 1
            if rounds > 4:  # pools that keep breaking at submission: give up on these jobs, loudly
                for job in pending:
                    res = _failed(job, RuntimeError(), "WorkerDied: no worker process could be started for this report")
                    results.append(res)
                    _tick(bar, res, counts)
                break
            isolate = rounds > 2
            batches = [[job] for job in pending] if isolate else [pending]
            pending = []
            for group in batches:
                if pool is None:
                    pool = start_pool(1 if isolate else min(workers, len(group)), log_dir, warm=warm)
                lost = _drain(pool, group, fn, results, bar, counts, last_chance=isolate)
                pending += lost
                if lost or isolate:  # a broken pool cannot be reused; an isolating one is used once
                    pool.shutdown(wait=not lost, cancel_futures=True)
                    pool = None
    finally:
        if pool is not None and pool is not external:
            pool.shutdown(wait=True, cancel_futures=True)


def _drain(pool: Any, jobs: list[Job], fn: Callable[[Job], JobResult], results: list[JobResult], bar, counts,
           last_chance: bool) -> list[Job]:
    """Submit ``jobs`` to ``pool`` and collect results; returns the jobs lost to a broken pool."""
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    lost: list[Job] = []
    futures = {}
    for job in jobs:
        try:
            futures[pool.submit(fn, job)] = job
        except BrokenProcessPool:  # broken while submitting: run it on the next pool
            lost.append(job)
    for fut in as_completed(futures):
        job = futures[fut]
        try:
            res = fut.result()
            res.job = job  # keep the caller's Job object (identity used for ordering)
        except BrokenProcessPool as err:
            if not last_chance:
                lost.append(job)
                continue
            res = _failed(job, err, f"WorkerDied: the worker process running this report died twice "
                                    f"({err or 'process terminated abruptly'}); see {job.ipynb} and the kernel log")
        except Exception as err:  # noqa: BLE001 - a failing job fails only itself
            res = _failed(job, err)
        results.append(res)
        _tick(bar, res, counts)
    return lost


def _run_dask(jobs: list[Job], scheduler: str, bar, counts) -> list[JobResult]:
    """Run ``jobs`` on an existing Dask cluster (a lost worker is retried by Dask itself)."""
    from distributed import Client, as_completed

    from analysis.reports.kernels import shutdown_sessions

    results = []
    with Client(scheduler) as client:
        futures = client.map(run_job, jobs, pure=False)
        by_key = {f.key: job for f, job in zip(futures, jobs)}
        for fut in as_completed(futures):
            job = by_key[fut.key]
            try:
                res = fut.result()
                res.job = job
            except Exception as err:  # noqa: BLE001
                res = _failed(job, err)
            results.append(res)
            _tick(bar, res, counts)
        try:
            client.run(shutdown_sessions)  # warm kernels on the workers
        except Exception:  # noqa: BLE001
            pass
    return results
