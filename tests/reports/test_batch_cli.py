"""`analysis batch` / `analysis report` from the command line: exit codes, cache, failures."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True, timeout=600)


def test_batch_skips_unchanged_reports_and_fails_on_a_broken_target(small_batch, shanwei_id, tmp_path):
    from analysis.reports.batch import assign_keys, plan_jobs, prevalidate

    out = tmp_path / "reports"
    shutil.copytree(small_batch.out_dir, out)
    html = next((out / "targets").glob(f"{shanwei_id}-*.html"))
    before = html.stat().st_mtime_ns
    # the key covers data and code: if another process edited either since the shared batch ran,
    # the report must be rebuilt instead of skipped
    job = prevalidate(plan_jobs(out, target_ids=[shanwei_id], cities=False))[0][0]
    assign_keys([job])
    unchanged = json.loads(Path(job.sidecar).read_text(encoding="utf-8"))["key"] == job.key
    proc = _cli("batch", "--out", str(out), "--target", shanwei_id, "--target", "no-such-id", "--no-cities",
                "--workers", "2", "--no-progress")
    assert proc.returncode == 1, proc.stderr
    assert "FAILED target no-such-id: ParameterError: unknown target 'no-such-id'" in proc.stderr
    if unchanged:
        assert "2 report(s): 1 ok (1 unchanged, skipped), 1 failed" in proc.stdout
        assert html.stat().st_mtime_ns == before  # not rebuilt
    else:
        assert "2 report(s): 1 ok (0 unchanged, skipped), 1 failed" in proc.stdout
        assert html.stat().st_mtime_ns > before
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "no-such-id" in index and shanwei_id in index


def test_report_command_rejects_unknown_region_before_any_kernel(tmp_path):
    proc = _cli("report", "city", "汕为市", "--out", str(tmp_path))
    assert proc.returncode == 2
    assert "close matches: 汕尾市" in proc.stderr
    assert not any(tmp_path.iterdir())


def test_batch_help_lists_the_contract_options():
    proc = _cli("batch", "--help")
    for opt in ("--out", "--workers", "--scheduler", "--force", "--lang", "--limit"):
        assert opt in proc.stdout
