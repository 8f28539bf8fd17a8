"""Cache keys and skipping unchanged reports (no kernel involved)."""
from __future__ import annotations

import json
from pathlib import Path

from analysis.reports.batch import assign_keys, cached_result, make_job
from analysis.reports.cache import cache_key, data_fingerprint
from analysis.reports.render import notebook_path


def _job(tmp_path, **params):
    job = make_job("target", "t1", {"target_id": "t1", "lang": "zh", "seed": 0, **params}, tmp_path)
    assign_keys([job])
    return job


def _store(job, ok=True):
    Path(job.html).parent.mkdir(parents=True, exist_ok=True)
    Path(job.html).write_text("<html></html>", encoding="utf-8")
    Path(job.sidecar).parent.mkdir(parents=True, exist_ok=True)
    Path(job.sidecar).write_text(json.dumps({"key": job.key, "ok": ok, "summary": {"p_meet": 0.5}}), encoding="utf-8")


def test_key_depends_on_parameters_and_notebook():
    nb = notebook_path("target_feasibility")
    k = cache_key(nb, {"target_id": "a", "lang": "zh"}, "d", "c")
    assert k == cache_key(nb, {"lang": "zh", "target_id": "a"}, "d", "c")  # order does not matter
    assert k != cache_key(nb, {"target_id": "a", "lang": "en"}, "d", "c")
    assert k != cache_key(nb, {"target_id": "a", "lang": "zh"}, "d2", "c")
    assert k != cache_key(notebook_path("city_scorecard"), {"target_id": "a", "lang": "zh"}, "d", "c")
    assert len(data_fingerprint()) == 64


def test_unchanged_successful_report_is_skipped(tmp_path):
    job = _job(tmp_path)
    assert cached_result(job) is None  # nothing stored yet
    _store(job)
    hit = cached_result(job)
    assert hit is not None and hit.skipped and hit.ok and hit.summary == {"p_meet": 0.5}
    assert cached_result(_job(tmp_path, seed=1)) is None  # other parameters: rebuild


def test_failed_or_missing_report_is_rebuilt(tmp_path):
    job = _job(tmp_path)
    _store(job, ok=False)
    assert cached_result(job) is None
    _store(job, ok=True)
    Path(job.html).unlink()
    assert cached_result(job) is None
