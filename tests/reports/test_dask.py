"""`--scheduler ADDRESS`: the same jobs on an existing dask.distributed cluster."""
from __future__ import annotations

from pathlib import Path

import pytest


def test_batch_on_a_dask_cluster(tmp_path, shanwei_id):
    distributed = pytest.importorskip("distributed")
    from analysis.reports.batch import make_job, run_batch

    jobs = [make_job("target", shanwei_id, {"target_id": shanwei_id, "lang": "zh"}, tmp_path),
            make_job("target", "no-such-target", {"target_id": "no-such-target"}, tmp_path)]
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        batch = run_batch(tmp_path, scheduler=cluster.scheduler_address, jobs=jobs, progress=False)
    ok = [r for r in batch.results if r.ok]
    assert [r.job.name for r in ok] == [shanwei_id]
    assert ok[0].pid != __import__("os").getpid()  # ran in the Dask worker process
    assert Path(ok[0].job.html).exists() and 'src="data:image/png;base64,' in Path(ok[0].job.html).read_text("utf-8")
    assert batch.exit_code == 1 and batch.failed[0].job.name == "no-such-target"
    assert (tmp_path / "index.html").exists()
