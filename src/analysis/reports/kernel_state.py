"""What runs *inside* a warm batch kernel: remember its start state, cache the registry between
notebooks, reset the namespace after each notebook, and freeze the long-lived heap.

:mod:`analysis.reports.kernels` (the batch side: starting, reusing and replacing kernels) sends
these calls to the kernel as code (``WARMUP``, ``RESET``); they live here so that module holds only
the batch side.

Example: ``remember_kernel_state(); ...; reset_kernel_state()`` inside a kernel.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

_SAVED: dict[str, Any] = {}


def remember_kernel_state() -> None:
    """Inside a fresh kernel: note what :func:`reset_kernel_state` restores (cwd, warning filters)."""
    import os
    import warnings

    _SAVED["cwd"] = os.getcwd()
    _SAVED["filters"] = list(warnings.filters)


#: files the registry load reads (the registry, the indicator catalogue, the region names)
REGISTRY_INPUTS = ("targets/targets.csv", "indicators.csv", "regions.csv")


def _registry_stamp(path: Any) -> tuple:
    """What the cached registry depends on: its path and the size and mtime of every input file."""
    from analysis.config import data_dir

    files = [Path(path)] if path is not None else []
    files += [data_dir() / name for name in REGISTRY_INPUTS]
    stamp: list[Any] = [str(path)]
    for f in files:
        try:
            st = f.stat()
            stamp.append((str(f), st.st_mtime_ns, st.st_size))
        except OSError:
            stamp.append((str(f), None))
    return tuple(stamp)


def cache_registry() -> None:
    """Inside a batch kernel: keep the parsed, validated target registry between notebooks.

    ``load_targets`` re-reads and re-validates ``targets.csv`` on every call (~0.3 s, once or twice a
    report); in a warm kernel the same files give the same frame, so it is cached, keyed by the
    inputs' size and mtime (an edited file is re-read), and each caller gets its own copy. Only the
    batch kernels do this (the warm-up calls it); the library is unchanged.
    Example: after ``cache_registry()``, ``load_targets() is not load_targets()`` but they are equal.
    """
    import functools

    from analysis.data import loaders

    original = loaders.load_targets
    if getattr(original, "_cached_in_kernel", False):
        return
    memo: dict[tuple, Any] = {}

    @functools.wraps(original)
    def load_targets(path: Any = None, validate: bool = True) -> Any:
        key = (_registry_stamp(path), validate)
        if key not in memo:
            table = original(path, validate)
            memo.clear()
            memo[key] = table
        return memo[key].copy()

    load_targets._cached_in_kernel = True  # type: ignore[attr-defined]
    loaders.load_targets = load_targets
    import analysis

    if "load_targets" in vars(analysis):  # the package's lazy attribute, if already resolved
        analysis.load_targets = load_targets


def quick_display() -> None:
    """Inside a batch kernel: ``display()`` flushes stdout/stderr only when they hold unsent text.

    ipykernel flushes both streams before every display message and waits for its I/O thread to
    confirm (a thread round trip, ~2 ms under load; a report makes 20-30 displays). With nothing
    written since the last flush there is nothing to send: the display message goes to the same
    I/O thread queue after any flush already under way, so outputs keep their order.
    Example: after ``quick_display()``, ``print("x"); display(...)`` still shows "x" first.
    """
    import sys

    from ipykernel.zmqshell import ZMQDisplayPublisher

    if getattr(ZMQDisplayPublisher._flush_streams, "_quick", False):
        return

    def _flush_streams(self) -> None:
        for stream in (sys.stdout, sys.stderr):
            if getattr(stream, "_flush_pending", True) or getattr(stream, "_subprocess_flush_pending", True):
                stream.flush()

    _flush_streams._quick = True  # type: ignore[attr-defined]
    ZMQDisplayPublisher._flush_streams = _flush_streams


def preload_registry() -> None:
    """Inside a batch kernel's warm-up: import the assessment modules and parse the registry now.

    The first notebook of every kernel otherwise pays for them (~2.5 s: pandera, the engine
    modules, the registry's checks) while the warm-up overlaps the batch's own work. After
    :func:`cache_registry`, so the parsed registry is kept. A registry that fails to load is left
    to the notebooks, which report the error as usual.
    Example: ``cache_registry(); preload_registry()``.
    """
    try:
        import analysis.assess  # noqa: F401 - the modules a stored assessment needs
        from analysis.data import loaders

        loaders.load_targets()
    except Exception:  # noqa: BLE001 - the notebook shows the error where it belongs
        pass


#: transformed cells kept by :func:`memo_cell_transform` (a batch runs a handful of notebooks' cells)
MAX_TRANSFORMED_CELLS = 64


def memo_cell_transform() -> None:
    """Inside a batch kernel: remember IPython's transform of each cell's source text.

    IPython turns every cell into Python (magics, ``!`` lines, prompts stripped) twice per run, by
    tokenising it: ~10 ms for a report's long cell, and the same text every report. The transform
    depends only on the text (a batch kernel registers no new magics or transformers), so it is
    kept, keyed by the text, for the last :data:`MAX_TRANSFORMED_CELLS` cells.
    Example: after ``memo_cell_transform()``, ``ip.transform_cell("x = 1") == "x = 1\n"``.
    """
    from collections import OrderedDict

    from IPython import get_ipython

    ip = get_ipython()
    if ip is None or getattr(ip.transform_cell, "_memo", False):
        return
    original = ip.transform_cell
    memo: OrderedDict[str, str] = OrderedDict()

    def transform_cell(raw_cell: str) -> str:
        if raw_cell in memo:
            memo.move_to_end(raw_cell)
            return memo[raw_cell]
        out = memo[raw_cell] = original(raw_cell)
        while len(memo) > MAX_TRANSFORMED_CELLS:
            memo.popitem(last=False)
        return out

    transform_cell._memo = True  # type: ignore[attr-defined]
    ip.transform_cell = transform_cell


def reset_kernel_state() -> None:
    """Inside a kernel: forget the previous notebook (namespace, figures, rcParams, warnings, cwd)."""
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
    if "filters" in _SAVED:
        warnings.filters[:] = _SAVED["filters"]
        warnings._filters_mutated()  # type: ignore[attr-defined]
    if "cwd" in _SAVED:
        os.chdir(_SAVED["cwd"])
    freeze_heap()


def freeze_heap() -> None:
    """Collect the garbage, then move every surviving object out of the garbage collector's sight.

    A warm kernel holds pandas, statsmodels, matplotlib and the toolkit's caches: hundreds of
    thousands of long-lived objects that every full collection would walk again (about a quarter of
    a chart's time, and most of a namespace reset). ``gc.freeze`` leaves them out of later
    collections; objects a notebook makes are still collected as usual. Called after the warm-up and
    after each reset (the namespace is empty then, so nothing of a notebook is frozen).
    Example: ``freeze_heap(); gc.get_freeze_count() > 0``.
    """
    import gc

    gc.collect()
    gc.freeze()
