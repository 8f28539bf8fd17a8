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
import os
import subprocess
import threading
from pathlib import Path
from typing import Any

KERNEL_NAME = "analysis"

#: run once in a new kernel: heavy imports and the data, so notebooks start warm
WARMUP = """
import analysis.reports.fonts, analysis.reports.plots, analysis.reports.narrative, analysis.reports.params
import matplotlib.pyplot, seaborn, pandas, numpy
analysis.reports.fonts.setup_plotting()
try:
    import analysis.assess
    analysis.assess.get_engine(0)
except Exception:  # engine or data missing: the notebook will report it
    pass
"""

#: run (silently) after each notebook
RESET = "__import__('analysis.reports.kernels', fromlist=['_']).reset_kernel_state()"


def reset_kernel_state() -> None:
    """Inside a kernel: forget the previous notebook (namespace, figures, rcParams, cwd)."""
    import os
    import warnings

    from IPython import get_ipython

    ip = get_ipython()
    if ip is not None:
        ip.reset(new_session=True)
    try:
        import matplotlib
        import matplotlib.pyplot as plt

        plt.close("all")
        matplotlib.rcdefaults()
    except ImportError:
        pass
    warnings.resetwarnings()
    home = os.environ.get("ANALYSIS_KERNEL_CWD")
    if home:
        os.chdir(home)


class KernelSession:
    """A kernel kept warm in this process (not thread-safe: use one per thread)."""

    def __init__(self, kernel_name: str = KERNEL_NAME, warmup: str = WARMUP, max_uses: int = 20,
                 startup_timeout: float = 60, log_path: str | None = None):
        self.kernel_name = kernel_name
        self.log_path = log_path  # the kernel's own stdout/stderr go here (default: discarded)
        self.warmup = warmup
        self.max_uses = max_uses
        self.startup_timeout = startup_timeout
        self.km: Any = None
        self.uses = 0
        self.starts = 0

    # -------------------------------------------------------------- lifecycle
    def acquire(self) -> Any:
        """A started, warmed-up ``AsyncKernelManager`` for the next notebook."""
        if self.km is not None and (self.uses >= self.max_uses or not self._alive()):
            self.shutdown()
        if self.km is None:
            self._start()
        self.uses += 1
        return self.km

    def release(self, ok: bool) -> None:
        """After a notebook: reset the kernel for reuse if it succeeded, else shut it down."""
        if self.km is None:
            return
        if not ok or self.uses >= self.max_uses:
            self.shutdown()
            return
        try:
            self._execute(RESET, timeout=30)
        except Exception:  # noqa: BLE001 - a kernel that cannot reset is not reused
            self.shutdown()

    def shutdown(self) -> None:
        """Stop the kernel (if any)."""
        km, self.km, self.uses = self.km, None, 0
        if km is None:
            return
        from jupyter_core.utils import run_sync

        try:
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

    def _start(self) -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        km = AsyncKernelManager(kernel_name=self.kernel_name)
        if self.log_path:
            Path(self.log_path).parent.mkdir(parents=True, exist_ok=True)
            log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the kernel process
        else:
            log = subprocess.DEVNULL
        try:
            run_sync(km.start_kernel)(stdout=log, stderr=log)
        finally:
            if log is not subprocess.DEVNULL:
                log.close()
        self.km = km
        self.starts += 1
        if self.warmup:
            try:
                self._execute(self.warmup, timeout=300)
            except Exception:
                self.shutdown()
                raise

    def _execute(self, code: str, timeout: float) -> None:
        from jupyter_core.utils import run_sync

        async def run() -> None:
            import time

            kc = self.km.client()
            kc.start_channels(iopub=False, stdin=False, hb=False)  # only the shell reply is needed
            try:
                msg_id = kc.execute(code, silent=True, store_history=False, allow_stdin=False)
                deadline = time.monotonic() + timeout
                while True:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeoutError(f"kernel did not answer within {timeout} s")
                    reply = await kc.get_shell_msg(timeout=remaining)
                    if reply["parent_header"].get("msg_id") == msg_id:
                        break
                if reply["content"].get("status") != "ok":
                    c = reply["content"]
                    raise RuntimeError(f"kernel setup failed: {c.get('ename')}: {c.get('evalue')}")
            finally:
                kc.stop_channels()

        run_sync(run)()


_LOCAL = threading.local()
_ALL: list[KernelSession] = []
_LOCK = threading.Lock()


def thread_session(max_uses: int = 20, log_dir: str | Path | None = None) -> KernelSession:
    """This thread's warm kernel session (created on first use, shut down at process exit).

    With ``log_dir``, the kernel's own output goes to ``<log_dir>/kernel-<pid>-<thread>.log``.
    """
    s = getattr(_LOCAL, "session", None)
    if s is None:
        log = (str(Path(log_dir) / f"kernel-{os.getpid()}-{threading.get_ident() % 100000}.log")
               if log_dir else None)
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
