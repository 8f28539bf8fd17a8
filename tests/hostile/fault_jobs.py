"""Stand-in report jobs for the fault tests: no kernel, behaviour chosen by ``job.params["do"]``.

Imported by name in spawned worker processes (pytest puts this folder on ``sys.path``, and
multiprocessing hands ``sys.path`` to its children).

* ``ok``: write a small HTML page atomically and succeed;
* ``kill``: kill the worker process running it (every time);
* ``kill_once``: kill the worker the first time (a marker file records it), succeed afterwards;
* ``sigint``: send SIGINT to this process (run in-process: a real Ctrl-C);
* ``sigint_parent``: send SIGINT to the batch process (run in a worker), then finish the report;
* ``crash``: raise an ordinary exception.
"""
from __future__ import annotations

import html
import os
import signal
from pathlib import Path

from analysis.reports.jobs import JobResult, store_sidecar
from analysis.reports.render import atomic_write_text, error_message


def fake_report(job):
    do = job.params.get("do", "ok")
    if do == "kill" or (do == "kill_once" and not Path(job.params["marker"]).exists()):
        if do == "kill_once":
            Path(job.params["marker"]).write_text("died once", encoding="utf-8")
        os.kill(os.getpid(), signal.SIGKILL)
    if do == "sigint":
        os.kill(os.getpid(), signal.SIGINT)
    if do == "sigint_parent":  # Ctrl-C reaches the batch process while this worker finishes its report
        os.kill(os.getppid(), signal.SIGINT)
    if do == "crash":
        raise RuntimeError("stand-in job failed on purpose")
    summary = {"target_id": job.name, "verdict": "on_track", "p_meet": 0.9, "region": job.params.get("region", "")}
    try:
        atomic_write_text(Path(job.html), f"<html><body>{html.escape(job.name)}</body></html>")
    except OSError as err:
        res = JobResult(job=job, ok=False, error=error_message(err), stage="export", pid=os.getpid())
    else:
        res = JobResult(job=job, ok=True, summary=summary, pid=os.getpid())
    store_sidecar(res)
    return res
