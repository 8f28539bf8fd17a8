"""Many reports at once: every registry target, one scorecard per region, and ``index.html``.

* jobs run in worker **processes** (papermill's ``cwd`` handling is not thread-safe, #473), or on
  an existing Dask cluster (``scheduler="tcp://…"``); each worker keeps a warm kernel
  (:mod:`analysis.reports.kernels`);
* one progress bar, one tick per finished report;
* a failing report does not stop the others: its executed notebook is kept in ``_work/`` and
  linked from the index, and the batch ends with a non-zero status;
* unchanged reports are skipped: a report is rebuilt only when its cache key (notebook, parameters,
  data, code; :mod:`analysis.reports.cache`) differs from the one stored beside it, or with ``force``;
* every file is written atomically; file names come from :func:`~analysis.reports.index.safe_name`.

Layout of ``out``::

    index.html                    backtest-<hash>.html, panel-<indicator>-<hash>.html (extras)
    targets/<id>-<hash>.html      cities/<region>-<hash>.html
    _work/targets/<id>-<hash>.ipynb (executed notebook) and .json (summary + cache key)
    _work/kernels.log             the kernels' own output (all workers, this batch)
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from analysis.reports.paths import inside, relative_href, safe_name
from analysis.reports.render import RenderResult, atomic_write_text, notebook_path, render_report

#: report kind -> (folder under out, file-name prefix); panels and the backtest sit beside index.html
FOLDERS = {"target": ("targets", ""), "city": ("cities", ""), "panel": (".", "panel-"), "backtest": (".", "")}
NOTEBOOK_OF = {"target": "target_feasibility", "city": "city_scorecard", "panel": "cross_city_panel",
               "backtest": "backtest"}


@dataclass
class Job:
    """One report to build (picklable: sent to worker processes or Dask workers)."""

    kind: str
    name: str
    notebook: str
    params: dict[str, Any]
    html: str
    ipynb: str
    sidecar: str
    key: str = ""
    validate: bool = True
    fresh_kernel: bool = False
    timeout: float | None = 900


@dataclass
class JobResult:
    job: Job
    ok: bool
    skipped: bool = False
    error: str | None = None
    stage: str = ""
    summary: dict[str, Any] | None = None
    seconds: float = 0.0
    ipynb: str | None = None
    pid: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------- planning
def default_workers() -> int:
    """Cores available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS/Windows
        return max(1, os.cpu_count() or 1)


def make_job(kind: str, name: str, params: dict[str, Any], out_dir: Path, **options: Any) -> Job:
    """A job whose files live under ``out_dir`` whatever ``name`` contains."""
    out_dir = Path(out_dir).resolve()
    folder, prefix = FOLDERS[kind]
    stem = safe_name(prefix + str(name))
    html = inside(out_dir, out_dir / folder / f"{stem}.html")
    work = inside(out_dir, out_dir / "_work" / (folder if folder != "." else "other"))
    return Job(kind=kind, name=str(name), notebook=NOTEBOOK_OF[kind], params=dict(params), html=str(html),
               ipynb=str(work / f"{stem}.ipynb"), sidecar=str(work / f"{stem}.json"), **options)


def plan_jobs(out_dir: Path, *, lang: str = "zh", seed: int = 0, limit: int | None = None,
              target_ids: Sequence[str] | None = None, cities: bool = True, extras: Sequence[str] = (),
              targets: Any = None, **options: Any) -> list[Job]:
    """Jobs for the registry's targets (or ``target_ids``), one city scorecard per region, extras.

    ``limit`` keeps the first N targets (and the scorecards of their regions). ``extras`` may hold
    ``"backtest"`` and indicator codes (``"panel:hte_count"``) for cross-region panels.
    """
    from analysis.data.loaders import load_targets

    reg = load_targets() if targets is None else targets
    if target_ids:
        ids = [str(t) for t in target_ids]
    else:
        ids = reg["target_id"].astype(str).tolist()
    if limit is not None:
        ids = ids[:limit]
    jobs = [make_job("target", tid, {"target_id": tid, "lang": lang, "seed": seed}, out_dir, **options) for tid in ids]
    if cities:
        chosen = reg[reg["target_id"].astype(str).isin(ids)]
        for region in dict.fromkeys(chosen["region"].astype(str)):  # registry order, unique
            jobs.append(make_job("city", region, {"region": region, "lang": lang, "seed": seed}, out_dir, **options))
    for extra in extras:
        if extra == "backtest":
            jobs.append(make_job("backtest", "backtest", {"lang": lang, "seed": seed}, out_dir, **options))
        elif extra.startswith("panel:"):
            ind = extra.split(":", 1)[1]
            jobs.append(make_job("panel", ind, {"indicator": ind, "lang": lang}, out_dir, **options))
        else:
            raise ValueError(f"unknown extra report {extra!r} (use 'backtest' or 'panel:<indicator>')")
    return jobs


#: typical seconds of one report by kind (warm worker, bundled data), for jobs never run before
EXPECTED_SECONDS = {"backtest": 13.0, "panel": 2.0, "city": 1.2, "target": 0.6}


def plan_order(jobs: Iterable[Job]) -> list[Job]:
    """Jobs longest first, so the batch does not end waiting on one long report (the backtest).

    A job's length is the ``seconds`` stored in its sidecar by the last run, else the typical time
    of its kind (:data:`EXPECTED_SECONDS`); ties keep their planned order.
    Example: ``[j.kind for j in plan_order(jobs)][0] == "backtest"`` for a batch with the backtest.
    """
    def expected(job: Job) -> float:
        try:
            return float(json.loads(Path(job.sidecar).read_text(encoding="utf-8"))["seconds"])
        except (OSError, ValueError, KeyError, TypeError):
            return EXPECTED_SECONDS.get(job.kind, 1.0)

    jobs = list(jobs)
    cost = [expected(j) for j in jobs]
    return [jobs[i] for i in sorted(range(len(jobs)), key=lambda i: -cost[i])]


def assign_keys(jobs: Iterable[Job]) -> None:
    """Compute every job's cache key (data and code are hashed once)."""
    from analysis.reports.cache import cache_key, code_fingerprint, data_fingerprint

    data_fp, code_fp = data_fingerprint(), code_fingerprint()
    for job in jobs:
        job.key = cache_key(notebook_path(job.notebook), job.params, data_fp, code_fp)


def cached_result(job: Job) -> JobResult | None:
    """The stored result of an unchanged, successful report (``None`` if it must be rebuilt)."""
    side = Path(job.sidecar)
    if not job.key or not side.is_file() or not Path(job.html).is_file():
        return None
    try:
        stored = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if stored.get("key") != job.key or not stored.get("ok"):
        return None
    return JobResult(job=job, ok=True, skipped=True, summary=stored.get("summary"), seconds=0.0,
                     ipynb=job.ipynb if Path(job.ipynb).exists() else None)


# ---------------------------------------------------------------------- running
def run_job(job: Job) -> JobResult:
    """Build one report (in whatever process runs this) and store its sidecar JSON."""
    from analysis.reports import kernels

    log_dir = _log_dir([job])  # <out>/_work
    session = (kernels.KernelSession(warmup="", max_uses=1, log_path=str(Path(log_dir) / kernels.LOG_NAME))
               if job.fresh_kernel else kernels.thread_session(log_dir=log_dir))
    res: RenderResult = render_report(job.notebook, job.params, job.html, work_dir=Path(job.ipynb).parent,
                                      validate=job.validate, session=session, timeout=job.timeout)
    if job.fresh_kernel:
        session.shutdown()
    out = JobResult(job=job, ok=res.ok, error=res.error, stage=res.stage, summary=res.summary,
                    seconds=res.seconds, ipynb=res.ipynb, pid=os.getpid(),
                    extra={"kernel_starts": session.starts})
    store_sidecar(out)
    return out


def store_sidecar(res: JobResult) -> None:
    """``_work/…/<name>.json``: cache key, status, the notebook's summary (read by the index)."""
    job = res.job
    sidecar = {"key": job.key, "ok": res.ok, "kind": job.kind, "name": job.name, "params": job.params,
               "summary": res.summary, "error": res.error, "stage": res.stage, "seconds": round(res.seconds, 3),
               "html": job.html if res.ok else None, "ipynb": res.ipynb}
    atomic_write_text(Path(job.sidecar), json.dumps(sidecar, ensure_ascii=False, indent=1, default=str))


def prevalidate(jobs: Iterable[Job]) -> tuple[list[Job], list[JobResult]]:
    """Check every job's parameters here, once, before any worker or kernel starts.

    Valid jobs get their normalised parameters (``汕尾`` → ``汕尾市``, defaults filled) and are not
    checked again by the workers (the notebook's first cell still checks); invalid ones fail here.
    """
    from analysis.reports.params import ParameterError, validate_parameters

    good, failed = [], []
    for job in jobs:
        if not job.validate:
            good.append(job)
            continue
        try:
            job.params = dict(validate_parameters(job.notebook, job.params))
            job.validate = False
            good.append(job)
        except ParameterError as err:
            res = JobResult(job=job, ok=False, error=f"ParameterError: {err}", stage="validate")
            store_sidecar(res)
            failed.append(res)
    return good, failed


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
    from analysis.reports import kernels

    _skip_slow_optional_imports()
    try:
        kernels.thread_session(log_dir=log_dir).prestart()
    except Exception:  # noqa: BLE001 - the first job will start (and report) it
        pass
    import nbconvert.exporters.html  # noqa: F401 - heavy imports while the kernel warms up
    import papermill  # noqa: F401


def _log_dir(jobs: Sequence[Job]) -> str:
    return str(Path(jobs[0].ipynb).parent.parent)


def _failed(job: Job, err: BaseException) -> JobResult:
    from analysis.reports.render import error_message

    return JobResult(job=job, ok=False, error=error_message(err), stage="worker")


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
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_warm_up if warm else None,
                               initargs=(log_dir,) if warm else ())
    for _ in range(workers):  # one submit per worker spawns them all
        pool.submit(os.getpid)
    return pool


def run_jobs(jobs: Sequence[Job], *, workers: int | None = None, scheduler: str | None = None,
             progress: bool = True, pool: Any = None) -> list[JobResult]:
    """Run jobs in local processes (``workers``), in this process (``workers=1``) or on Dask.

    ``pool`` is an optional pool from :func:`start_pool` (the caller shuts it down).
    """
    jobs = list(jobs)
    if not jobs:
        return []
    counts = {"ok": 0, "failed": 0}
    results: list[JobResult] = []
    with _progress(len(jobs), progress) as bar:
        if scheduler:
            results = _run_dask(jobs, scheduler, bar, counts)
        elif pool is not None:
            results = _run_processes(jobs, workers or default_workers(), bar, counts, pool)
        elif (workers or default_workers()) <= 1 or len(jobs) == 1:
            if not jobs[0].fresh_kernel:
                _warm_up(_log_dir(jobs))
            for job in jobs:
                try:
                    res = run_job(job)
                except Exception as err:  # noqa: BLE001
                    res = _failed(job, err)
                results.append(res)
                _tick(bar, res, counts)
        else:
            results = _run_processes(jobs, workers or default_workers(), bar, counts)
    order = {id(j): i for i, j in enumerate(jobs)}
    return sorted(results, key=lambda r: order.get(id(r.job), 0))


def _run_processes(jobs: list[Job], workers: int, bar, counts, pool: Any = None) -> list[JobResult]:
    from concurrent.futures import as_completed

    results = []
    own = pool is None
    if own:
        pool = start_pool(min(workers, len(jobs)), _log_dir(jobs), warm=not jobs[0].fresh_kernel)
    try:
        futures = {pool.submit(run_job, job): job for job in jobs}
        for fut in as_completed(futures):
            job = futures[fut]
            try:
                res = fut.result()
                res.job = job  # keep the caller's Job object (identity used for ordering)
            except Exception as err:  # noqa: BLE001 - a crashed worker fails only its job
                res = _failed(job, err)
            results.append(res)
            _tick(bar, res, counts)
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)
    return results


def _run_dask(jobs: list[Job], scheduler: str, bar, counts) -> list[JobResult]:
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


# ---------------------------------------------------------------------- the whole batch
@dataclass
class BatchResult:
    out_dir: Path
    results: list[JobResult]
    index: Path | None
    seconds: float

    @property
    def failed(self) -> list[JobResult]:
        return [r for r in self.results if not r.ok]

    @property
    def skipped(self) -> list[JobResult]:
        return [r for r in self.results if r.skipped]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def run_batch(out_dir: str | Path = "reports", *, workers: int | None = None, scheduler: str | None = None,
              force: bool = False, lang: str = "zh", seed: int = 0, limit: int | None = None,
              target_ids: Sequence[str] | None = None, cities: bool = True, extras: Sequence[str] = (),
              fresh_kernels: bool = False, progress: bool = True, jobs: Sequence[Job] | None = None,
              timeout: float | None = 900) -> BatchResult:
    """Plan, skip unchanged, run, and write ``index.html``. See the module docstring."""
    t0 = time.perf_counter()
    if not scheduler:
        from analysis.reports.render import check_kernel

        check_kernel()  # a missing kernel would fail every report: say so once
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
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
            pool = start_pool(min(n_workers, bound), str(out / "_work"), warm=not fresh_kernels)
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
        done += run_jobs(plan_order(todo), workers=n_workers, scheduler=scheduler, progress=progress, pool=pool)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    order = {id(j): i for i, j in enumerate(jobs)}
    done.sort(key=lambda r: order.get(id(r.job), 0))
    index = write_batch_index(out, done, lang)
    return BatchResult(out_dir=out, results=done, index=index, seconds=time.perf_counter() - t0)


def _registry_rows() -> dict[str, dict[str, Any]]:
    try:
        from analysis.data.loaders import load_targets

        reg = load_targets()
    except Exception:  # noqa: BLE001 - the index is still written from what the reports said
        return {}
    return {str(r["target_id"]): r for r in reg.to_dict(orient="records")}


def index_rows(out: Path, results: Sequence[JobResult]) -> dict[str, list[dict[str, Any]]]:
    """Rows of the index tables from job results (summaries from the notebooks)."""
    registry = _registry_rows()
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


def write_batch_index(out: Path, results: Sequence[JobResult], lang: str = "zh") -> Path:
    from analysis.reports.index import write_index

    rows = index_rows(out, results)
    return write_index(out, rows["targets"], rows["cities"], rows["failures"], rows["others"], lang=lang)


def summary_lines(batch: BatchResult) -> list[str]:
    """A short end-of-batch table: counts, then each failure with its reason."""
    n = len(batch.results)
    lines = [f"{n} report(s): {n - len(batch.failed)} ok ({len(batch.skipped)} unchanged, skipped), "
             f"{len(batch.failed)} failed, {batch.seconds:.1f} s → {batch.index}"]
    for r in batch.failed:
        where = f" (notebook: {r.ipynb})" if r.ipynb else ""
        lines.append(f"  FAILED {r.job.kind} {r.job.name}: {r.error}{where}")
    return lines


def results_json(batch: BatchResult) -> list[dict[str, Any]]:
    return [{**asdict(r), "job": asdict(r.job)} for r in batch.results]
