"""Report jobs: what to build (:class:`Job`), planning, cache look-up, parameter checks, one run.

A job is picklable (sent to worker processes or Dask workers); its files always lie under the
batch's output folder whatever the target id or region name contains (:func:`make_job`).
Each finished job leaves a sidecar JSON beside its executed notebook (``_work/…/<name>.json``)
holding its cache key, status and summary; the index is built from these.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.reports.paths import inside, report_stem
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
    #: the batch's (data, code) fingerprints (set with the key): the records' keys, not re-hashed per report
    fingerprints: tuple[str, str] | None = None


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
def make_job(kind: str, name: str, params: dict[str, Any], out_dir: Path, **options: Any) -> Job:
    """A job whose files live under ``out_dir`` whatever ``name`` contains."""
    out_dir = Path(out_dir).resolve()
    folder, prefix = FOLDERS[kind]
    stem = report_stem(prefix + str(name), params.get("lang"))
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
        job.fingerprints = (data_fp, code_fp)


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


def broken_notebooks(names: Iterable[str]) -> dict[str, str]:
    """Notebook name -> why its file cannot be used (missing, not valid JSON), naming the file.

    >>> broken_notebooks(["target_feasibility"])  # doctest: +SKIP
    {}
    """
    out = {}
    for name in sorted(set(names)):
        path: Any = name
        try:
            path = notebook_path(name)
            nb = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
                out[name] = f"NotebookError: {path} is not a notebook (no list of cells)"
        except ValueError as err:  # JSONDecodeError, UnicodeDecodeError, unknown notebook name
            out[name] = f"NotebookError: {path} is not valid JSON: {err}" if isinstance(err, json.JSONDecodeError) \
                else f"NotebookError: {err}"
        except OSError as err:
            out[name] = f"NotebookError: cannot read {err.filename or name}: {err.strerror or err}"
    return out


# ---------------------------------------------------------------------- running
def run_job(job: Job) -> JobResult:
    """Build one report (in whatever process runs this) and store its sidecar JSON."""
    from analysis.reports import kernels

    from analysis.reports.records import RECORDS_DIR

    log_dir = _log_dir([job])  # <out>/_work
    session = (kernels.KernelSession(warmup="", max_uses=1, log_path=str(Path(log_dir) / kernels.LOG_NAME))
               if job.fresh_kernel else kernels.thread_session(log_dir=log_dir))
    records = Path(log_dir) / RECORDS_DIR
    session.records_dir = str(records) if records.is_dir() else None
    session.records_fingerprints = job.fingerprints
    if session.records_dir:  # the batch may still be writing this report's assessments
        from analysis.reports.records import wait_for_records, wanted

        try:
            wait_for_records(wanted([job]), records, timeout=job.timeout or 600, fingerprints=job.fingerprints)
        except Exception:  # noqa: BLE001 - without its records the notebook assesses by itself
            pass
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
    """``_work/…/<name>.json``: cache key, status, the notebook's summary (read by the index).

    A sidecar that cannot be written (disk full, read-only folder) does not lose the report: the
    result keeps its summary for the index, is not cached, and its ``error`` names the path.
    """
    job = res.job
    sidecar = {"key": job.key, "ok": res.ok, "kind": job.kind, "name": job.name, "params": job.params,
               "summary": res.summary, "error": res.error, "stage": res.stage, "seconds": round(res.seconds, 3),
               "html": job.html if res.ok else None, "ipynb": res.ipynb}
    try:
        atomic_write_text(Path(job.sidecar), json.dumps(sidecar, ensure_ascii=False, indent=1, default=str))
    except OSError as err:
        res.extra["sidecar_error"] = f"cannot write {job.sidecar}: {err.strerror or err}"


def prevalidate(jobs: Iterable[Job]) -> tuple[list[Job], list[JobResult]]:
    """Check every job's parameters here, once, before any worker or kernel starts.

    Valid jobs get their normalised parameters (``汕尾`` → ``汕尾市``, defaults filled) and are not
    checked again by the workers (the notebook's first cell still checks); invalid ones fail here.
    """
    from analysis.reports.params import ParameterError, validate_parameters

    good, failed = [], []
    broken = broken_notebooks({job.notebook for job in jobs})
    for job in jobs:
        if job.notebook in broken:
            res = JobResult(job=job, ok=False, error=broken[job.notebook], stage="validate")
            store_sidecar(res)
            failed.append(res)
            continue
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


def _log_dir(jobs: Sequence[Job]) -> str:
    """``<out>/_work`` of a batch (the folder holding the kernel log)."""
    return str(Path(jobs[0].ipynb).parent.parent)
