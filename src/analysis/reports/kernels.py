"""Warm kernels for batches: one Jupyter kernel per worker, reused for several notebooks.

Starting a kernel and importing pandas/statsmodels/matplotlib and the data costs a few seconds,
more than a report's own work. A batch worker therefore keeps one kernel (named ``analysis``)
alive, pre-imports the toolkit once (:data:`WARMUP`), and hands it to papermill (``km=``) for each
notebook. Between notebooks the user namespace is wiped (``InteractiveShell.reset``), figures
closed and matplotlib's rcParams reset; imported modules and the toolkit's read-only caches (the
loaded panel) stay, which is the point. A kernel whose notebook failed or timed out is shut down
and a fresh one started for the next job; every kernel is recycled after ``max_uses`` notebooks.
``analysis batch --fresh-kernels`` turns this off (one new kernel per notebook).
"""
from __future__ import annotations

import atexit
import subprocess
import threading
from pathlib import Path
from typing import Any

KERNEL_NAME = "analysis"
LOG_NAME = "kernels.log"
#: report kernels keep no input history: no SQLite write per cell (~1.5 ms of kernel time a cell),
#: and no "database is locked" between the workers' kernels sharing one history file
KERNEL_ARGS = ("--HistoryManager.enabled=False",)
ENV_MAX_USES = "ANALYSIS_KERNEL_MAX_USES"


def default_max_uses() -> int:
    """Notebooks a warm kernel runs before it is replaced: ``$ANALYSIS_KERNEL_MAX_USES`` or 100.

    A restart costs a kernel start plus the warm-up (~3 s); the kernel's memory grew by only a few MB
    over 85 notebooks (the namespace is reset after each), so a long interval is safe: 100 means
    no restart in a 169-report batch on 2 workers (20 restarted each worker 4 times).
    Example: ``ANALYSIS_KERNEL_MAX_USES=20 analysis batch`` restores the old interval.
    """
    import os

    raw = os.environ.get(ENV_MAX_USES, "")
    try:
        return max(1, int(raw)) if raw else 100
    except ValueError:
        raise ValueError(f"${ENV_MAX_USES}={raw!r} is not a whole number of notebooks") from None

#: run once in a new kernel: heavy imports and the registry, so notebooks start warm; then a reset, so
#: the first notebook sees an empty namespace like the others. No engine: a batch hands the kernels
#: their assessments (:mod:`analysis.reports.records`); a kernel builds one only for a target
#: without a record
WARMUP = """
__import__('analysis.reports.kernel_state', fromlist=['_']).remember_kernel_state()
import analysis.reports.fonts, analysis.reports.plots, analysis.reports.narrative, analysis.reports.params
import matplotlib.pyplot, seaborn, pandas, numpy
analysis.reports.fonts.setup_plotting()
__import__('analysis.reports.figure_pool', fromlist=['_']).enable()
__import__('analysis.reports.kernel_state', fromlist=['_']).quick_display()
__import__('analysis.reports.kernel_state', fromlist=['_']).memo_cell_transform()
__import__('analysis.reports.kernel_state', fromlist=['_']).cache_registry()
import analysis.reports.views, analysis.reports.records
__import__('analysis.reports.kernel_state', fromlist=['_']).preload_registry()
__import__('analysis.reports.kernel_state', fromlist=['_']).reset_kernel_state()
"""

#: run (silently) after each notebook
RESET = "__import__('analysis.reports.kernel_state', fromlist=['_']).reset_kernel_state()"


class KernelSession:
    """A kernel kept warm in this process (not thread-safe: use one per thread)."""

    def __init__(self, kernel_name: str = KERNEL_NAME, warmup: str = WARMUP, max_uses: int | None = None,
                 warmup_timeout: float = 300, log_path: str | None = None):
        self.kernel_name = kernel_name
        self.log_path = log_path  # the kernel's own stdout/stderr go here (default: discarded)
        self.warmup = warmup
        self.max_uses = default_max_uses() if max_uses is None else max_uses
        self.warmup_timeout = warmup_timeout
        self.km: Any = None
        self.kc: Any = None  # one client per kernel, channels kept open between notebooks
        self._pending: str | None = None  # msg_id of a warm-up/reset request not yet answered
        self.uses = 0
        self.starts = 0
        self.records_dir: str | None = None  # where the notebooks find their assessments (batch)
        #: the batch's (data, code) fingerprints the records are keyed by; ``None``: the kernel takes them
        self.records_fingerprints: tuple[str, str] | None = None
        self._told_records: tuple | None = None  # what this kernel was last told

    # -------------------------------------------------------------- lifecycle
    def prestart(self) -> None:
        """Start the kernel and send the warm-up now, without waiting (overlaps with other work)."""
        if self.km is None:
            self._launch()

    def acquire(self) -> Any:
        """A started, warmed-up ``AsyncKernelManager`` for the next notebook."""
        if self.km is not None and self._pending is None and (self.uses >= self.max_uses or not self._alive()):
            self.shutdown()
        if self.km is not None and self._pending is not None:
            try:  # the reset sent after the previous notebook
                self._settle()
            except Exception:  # noqa: BLE001 - a kernel that cannot reset is replaced
                self.shutdown()
        if self.km is None:
            self._launch()
            try:
                self._settle()
            except Exception:
                self.shutdown()
                raise
        told = (self.records_dir, self.records_fingerprints)
        # the batch's fingerprints are fixed: told once; without them every notebook takes them afresh
        if (self.records_dir or self._told_records) and (told != self._told_records or told[1] is None):
            self._tell_records()
        self.uses += 1
        return self.km

    def _tell_records(self) -> None:
        """Tell the kernel where this batch's assessment records are (one silent request)."""
        fps = tuple(self.records_fingerprints) if self.records_fingerprints else None
        code = f"__import__('analysis.reports.records', fromlist=['_']).use_dir({self.records_dir!r}, {fps!r})"
        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        self._wait_reply(msg_id, timeout=self.warmup_timeout)
        self._told_records = (self.records_dir, self.records_fingerprints)

    def release(self, ok: bool) -> None:
        """After a notebook: queue a reset (it runs while the caller exports HTML), or shut down."""
        if self.km is None:
            return
        if not ok or self.uses >= self.max_uses:
            self.shutdown()
            return
        try:
            self._pending = self.kc.execute(RESET, silent=True, store_history=False, allow_stdin=False)
        except Exception:  # noqa: BLE001
            self.shutdown()

    def _settle(self) -> None:
        msg_id, self._pending = self._pending, None
        if msg_id is not None:
            self._wait_reply(msg_id, timeout=self.warmup_timeout)

    def shutdown(self) -> None:
        """Stop the kernel (if any)."""
        km, kc, self.km, self.kc, self.uses, self._pending = self.km, self.kc, None, None, 0, None
        self._told_records = None
        if km is None:
            return
        from jupyter_core.utils import run_sync

        try:
            if kc is not None:
                kc.stop_channels()
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass

    # -------------------------------------------------------------- internals
    def _alive(self) -> bool:
        from jupyter_core.utils import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:  # noqa: BLE001
            return False

    def _launch(self) -> None:
        """Start the kernel process, connect a client and queue the warm-up (returns at once).

        ZeroMQ queues the request until the kernel is up; :meth:`acquire` waits for its reply.
        """
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        km = AsyncKernelManager(kernel_name=self.kernel_name)
        if self.log_path:
            Path(self.log_path).parent.mkdir(parents=True, exist_ok=True)
            log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the kernel process
        else:
            log = subprocess.DEVNULL
        try:
            run_sync(km.start_kernel)(stdout=log, stderr=log, extra_arguments=list(KERNEL_ARGS))
        finally:
            if log is not subprocess.DEVNULL:
                log.close()
        self.km = km
        self.starts += 1
        kc = km.client()
        kc.start_channels()
        kc.allow_stdin = False
        self.kc = kc
        # the warm-up (or a no-op) doubles as the readiness check
        self._pending = kc.execute(self.warmup or "pass", silent=True, store_history=False, allow_stdin=False)

    def _wait_reply(self, msg_id: str, timeout: float) -> None:
        """Wait for the shell reply to ``msg_id``; raise if the code failed or the kernel died."""
        from jupyter_core.utils import run_sync

        async def run() -> dict:
            import time

            deadline = time.monotonic() + timeout
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"kernel did not answer within {timeout} s")
                try:
                    reply = await self.kc.get_shell_msg(timeout=min(remaining, 2.0))
                except Exception:  # queue.Empty: check the kernel is still there, then wait on
                    if not await self.km.is_alive():
                        raise RuntimeError("the kernel died while starting (see the kernel log)") from None
                    continue
                if reply["parent_header"].get("msg_id") == msg_id:
                    return reply

        reply = run_sync(run)()
        if reply["content"].get("status") != "ok":
            c = reply["content"]
            raise RuntimeError(f"kernel setup failed: {c.get('ename')}: {c.get('evalue')}")


# ---------------------------------------------------------------------- papermill engine
def _register_engine() -> None:
    """A papermill engine that runs on a session's open kernel client (no reconnect per notebook).

    nbclient connects a new client and waits for ``kernel_info`` for every notebook (~0.2 s);
    given ``kc=`` this engine hands the session's connected client to nbclient instead.
    """
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.utils import merge_kwargs, remove_args

    class WarmKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            kc = kwargs.pop("kc", None)
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            final = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
                                 kernel_name=kernel_name, log_output=log_output, stdout_file=stdout_file,
                                 stderr_file=stderr_file)
            client = PapermillNotebookClient(nb_man, **final)
            client.kc = kc  # connected already; nbclient keeps it open since it does not own the kernel
            return client.execute()

    papermill_engines.register(WARM_ENGINE, WarmKernelEngine)


WARM_ENGINE = "analysis-warm-kernel"

_LOCAL = threading.local()
_ALL: list[KernelSession] = []
_LOCK = threading.Lock()


def thread_session(max_uses: int | None = None, log_dir: str | Path | None = None) -> KernelSession:
    """This thread's warm kernel session (created on first use, shut down at process exit).

    With ``log_dir``, the kernel's own output is appended to ``<log_dir>/kernels.log``.
    """
    s = getattr(_LOCAL, "session", None)
    if s is None:
        log = str(Path(log_dir) / LOG_NAME) if log_dir else None
        s = KernelSession(max_uses=max_uses, log_path=log)
        _LOCAL.session = s
        with _LOCK:
            _ALL.append(s)
    return s


def shutdown_sessions() -> int:
    """Shut down every warm kernel of this process; returns how many sessions there were."""
    with _LOCK:
        sessions = list(_ALL)
        _ALL.clear()
    for s in sessions:
        s.shutdown()
    _LOCAL.__dict__.pop("session", None)
    return len(sessions)


def _register_exit_hooks() -> None:
    atexit.register(shutdown_sessions)
    try:  # multiprocessing children leave via os._exit: atexit does not run there, Finalize does
        from multiprocessing import util

        util.Finalize(None, shutdown_sessions, exitpriority=10)
    except Exception:  # noqa: BLE001
        pass


_register_exit_hooks()


_ENGINE_READY = False


def ensure_engine() -> None:
    """Register the warm-kernel papermill engine once per process."""
    global _ENGINE_READY
    if not _ENGINE_READY:
        _register_engine()
        _ENGINE_READY = True
