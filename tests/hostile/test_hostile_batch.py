"""Faults during a batch: a dead worker, a full disk, a second batch, Ctrl-C, a broken notebook.

The jobs are stand-ins (:mod:`fault_jobs`): no kernel starts, so each case runs in seconds.
"""
from __future__ import annotations

import errno
import html
import json
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

from analysis.reports import jobs as jobs_mod
from analysis.reports import render
from analysis.reports.batch import LOCK_NAME, BatchLocked, make_job, run_batch, summary_lines
from analysis.reports.jobs import JobResult, prevalidate
from analysis.reports.runner import run_jobs
from fault_jobs import fake_report


def stand_ins(out: Path, behaviours: list[str], **params) -> list:
    """One target job per behaviour, named zq0, zq1, … (no parameter check, no warm kernel)."""
    return [make_job("target", f"zq{i}", {"do": do, **params}, out, validate=False, fresh_kernel=True)
            for i, do in enumerate(behaviours)]


def index_text(out: Path) -> str:
    return (out / "index.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the probes
def test_a_killed_worker_costs_only_its_own_report(tmp_path):
    out = tmp_path / "reports"
    jobs = stand_ins(out, ["ok", "ok", "kill", "ok", "ok", "ok", "ok", "ok"])
    results = run_jobs(jobs, workers=2, progress=False, fn=fake_report)
    by_name = {r.job.name: r for r in results}
    assert len(results) == 8  # before: 21 of 31 reports failed with BrokenProcessPool
    assert [n for n, r in by_name.items() if not r.ok] == ["zq2"]
    assert by_name["zq2"].error.startswith("WorkerDied: the worker process running this report died twice")
    assert all(Path(j.html).is_file() for j in jobs if j.name != "zq2")


def test_a_worker_that_dies_once_is_retried(tmp_path):
    out = tmp_path / "reports"
    jobs = stand_ins(out, ["ok", "kill_once", "ok"], marker=str(tmp_path / "died"))
    results = run_jobs(jobs, workers=2, progress=False, fn=fake_report)
    assert all(r.ok for r in results), [r.error for r in results]
    assert (tmp_path / "died").exists()  # it did die, and was run again


def test_disk_full_names_the_path_keeps_the_rest_and_writes_the_index(tmp_path, monkeypatch):
    out = tmp_path / "reports"
    jobs = stand_ins(out, ["ok", "ok", "ok"])
    real_replace = render.os.replace

    def full_for_t1(src, dst):
        if "zq1-" in Path(dst).name and Path(dst).suffix == ".html":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(render.os, "replace", full_for_t1)
    batch = run_batch(out, workers=1, progress=False, jobs=jobs, run=fake_report)
    failed = {r.job.name: r.error for r in batch.failed}
    assert list(failed) == ["zq1"]
    assert "No space left on device" in failed["zq1"] and jobs[1].html in failed["zq1"]  # before: no path
    assert not any(p.name.endswith(".tmp") for p in out.rglob("*"))  # nothing partial left
    assert Path(jobs[0].html).is_file() and Path(jobs[2].html).is_file()
    page = index_text(out)  # before: no index at all
    assert "zq0" in page and "zq2" in page and "No space left on device" in page
    assert batch.exit_code == 1


def test_index_that_cannot_be_written_is_named_and_reports_are_kept(tmp_path, monkeypatch):
    out = tmp_path / "reports"
    jobs = stand_ins(out, ["ok", "ok"])
    real_replace = render.os.replace

    def full_for_index(src, dst):
        if Path(dst).name == "index.html":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(render.os, "replace", full_for_index)
    batch = run_batch(out, workers=1, progress=False, jobs=jobs, run=fake_report)
    assert batch.index is None and str(out / "index.html") in batch.index_error
    assert batch.exit_code == 1
    assert any("index not written" in line for line in summary_lines(batch))
    assert all(Path(j.html).is_file() for j in jobs)


def test_second_concurrent_batch_is_refused(tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    with FileLock(str(out / LOCK_NAME)):
        with pytest.raises(BatchLocked, match="another batch is writing into"):
            run_batch(out, workers=1, progress=False, jobs=stand_ins(out, ["ok"]), run=fake_report)
        res = subprocess.run([sys.executable, "-m", "analysis", "batch", "--out", str(out), "--limit", "1",
                              "--no-progress"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 2 and "another batch is writing into" in res.stderr  # before: both ran at once
    assert not (out / "index.html").exists() and not (out / "targets").exists()


@pytest.fixture
def ctrl_c_enabled():
    """A shell's background job (``cmd &``) starts with SIGINT ignored: Ctrl-C must mean Ctrl-C here."""
    import signal

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_leaves_the_index_of_finished_reports(tmp_path, ctrl_c_enabled):
    out = tmp_path / "reports"
    jobs = stand_ins(out, ["ok", "ok", "sigint", "ok"])
    with pytest.raises(KeyboardInterrupt):
        run_batch(out, workers=1, progress=False, jobs=jobs, run=fake_report)
    page = index_text(out)
    assert "zq0" in page
    assert "zq1" in page and "zq3" not in page
    assert not Path(jobs[3].html).exists()
    FileLock(str(out / LOCK_NAME)).acquire(timeout=0)  # the lock was released


def test_reports_finished_after_ctrl_c_are_in_that_index(tmp_path, ctrl_c_enabled):
    out = tmp_path / "reports"
    jobs = stand_ins(out, ["sigint_parent", "ok"])  # the worker finishes its report after the batch got Ctrl-C
    with pytest.raises(KeyboardInterrupt):
        run_batch(out, workers=2, progress=False, jobs=jobs, run=fake_report)
    page = index_text(out)
    assert Path(jobs[0].html).is_file()
    assert "zq0" in page and "zq1" in page  # before: zq0 appeared only in the next batch's index


def test_notebook_that_is_not_json_fails_naming_the_file(tmp_path, monkeypatch):
    bad = tmp_path / "target_feasibility.ipynb"
    bad.write_text('{"cells": [', encoding="utf-8")
    monkeypatch.setattr(jobs_mod, "notebook_path", lambda name: bad)
    job = make_job("target", "x", {"target_id": "x"}, tmp_path / "reports")
    good, failed = prevalidate([job])
    assert good == [] and len(failed) == 1
    assert failed[0].error.startswith(f"NotebookError: {bad} is not valid JSON")


# ---------------------------------------------------------------- more faults
def test_a_crashing_job_fails_alone(tmp_path):
    out = tmp_path / "reports"
    results = run_jobs(stand_ins(out, ["ok", "crash", "ok"]), workers=2, progress=False, fn=fake_report)
    assert [r.ok for r in results] == [True, False, True]
    assert "stand-in job failed on purpose" in results[1].error


def test_notebook_that_is_json_but_not_a_notebook(tmp_path, monkeypatch):
    bad = tmp_path / "nb.ipynb"
    bad.write_text("[1, 2]", encoding="utf-8")
    monkeypatch.setattr(jobs_mod, "notebook_path", lambda name: bad)
    _, failed = prevalidate([make_job("target", "x", {"target_id": "x"}, tmp_path / "r")])
    assert f"{bad} is not a notebook" in failed[0].error


def test_wrong_parameter_types_fail_before_any_kernel(tmp_path):
    job = make_job("target", "x", {"target_id": "shanwei2022-p-hte_count", "seed": "many"}, tmp_path / "r")
    good, failed = prevalidate([job])
    assert good == [] and failed[0].stage == "validate"
    assert "ParameterError" in failed[0].error and "seed" in failed[0].error


def test_sidecar_that_cannot_be_written_keeps_the_report(tmp_path, monkeypatch):
    out = tmp_path / "reports"
    jobs = stand_ins(out, ["ok"])
    real_replace = render.os.replace

    def full_for_json(src, dst):
        if Path(dst).suffix == ".json":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(render.os, "replace", full_for_json)
    batch = run_batch(out, workers=1, progress=False, jobs=jobs, run=fake_report)
    assert batch.results[0].ok and Path(jobs[0].html).is_file()
    assert any(f"cannot write {jobs[0].sidecar}" in line for line in summary_lines(batch))


def test_names_with_path_characters_stay_inside_the_output(tmp_path):
    out = tmp_path / "reports"
    job = make_job("city", "../../etc/passwd", {"region": "x"}, out)
    assert Path(job.html).resolve().is_relative_to(out.resolve())
    assert Path(job.sidecar).resolve().is_relative_to(out.resolve())


def test_symlinked_folder_pointing_out_of_reports_is_refused(tmp_path):
    out, elsewhere = tmp_path / "reports", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "targets").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(ValueError, match="is outside"):
        make_job("target", "t", {}, out)


def test_out_that_is_a_file_is_a_clear_error(tmp_path):
    f = tmp_path / "reports"
    f.write_text("not a folder", encoding="utf-8")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        run_batch(f, workers=1, progress=False, jobs=[], run=fake_report)


def test_html_in_every_data_field_is_escaped_in_the_index(tmp_path):
    from analysis.reports.batch import write_batch_index

    out = tmp_path / "reports"
    evil = "<script>alert(1)</script>"
    job = make_job("target", evil, {}, out)
    city = make_job("city", evil, {}, out)
    summary = {k: evil for k in ("target_id", "region", "indicator", "indicator_zh", "verdict", "model",
                                 "reference_class", "unit", "document")}
    results = [JobResult(job=job, ok=False, error=evil, summary=summary),
               JobResult(job=city, ok=True, summary={"region": evil, "n_targets": 1, "counts": {evil: 1}})]
    Path(city.html).parent.mkdir(parents=True, exist_ok=True)
    Path(city.html).write_text("x", encoding="utf-8")
    page = write_batch_index(out, results).read_text(encoding="utf-8")
    assert evil not in page and html.escape(evil) in page


def test_reruns_after_a_batch_reuse_its_reports(tmp_path):
    out = tmp_path / "reports"
    first = run_batch(out, workers=1, progress=False, jobs=stand_ins(out, ["ok", "ok"]), run=fake_report)
    second = run_batch(out, workers=1, progress=False, jobs=stand_ins(out, ["ok", "ok"]), run=fake_report)
    assert first.exit_code == second.exit_code == 0
    assert len(second.skipped) == 2
    assert json.loads(Path(second.results[0].job.sidecar).read_text(encoding="utf-8"))["ok"]
