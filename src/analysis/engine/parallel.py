"""Assess a table of targets in several processes: the same rows, bit for bit, in less wall time.

A target's result depends only on the data, the seed and its own id (its random stream is derived
from ``target_id``; ``tests/models/test_engine_throughput.py`` checks that the other targets of a
table and their order change nothing), so a table can be cut into parts assessed side by side and
put back in its order. Each part is assessed by a forked copy of the caller's engine, which brings
its in-memory views and fits along; fits made in a part are shared through the on-disk fit cache.

The parts are cut by indicator (all targets of an indicator in one part, the parts balanced by
their number of targets), so that a class's views and fits are built in one process, not in each.

Forking is used where the platform offers it (Linux, macOS); elsewhere, or for a table too small to
be worth a process, the caller's process assesses the table itself.

Example:
    >>> import pandas as pd
    >>> split_by_indicator(pd.DataFrame({"indicator": ["a", "b", "a", "c"]}), 2)
    [[0, 2], [1, 3]]
"""
from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from typing import Any
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

#: below this many targets a part does not repay its process (fork, views, pickling the rows back)
MIN_PER_WORKER = 200

_JOB: Callable[[Any], Any] | None = None  # set in the parent, inherited by the fork


def default_workers() -> int:
    """The cores this process may use (its CPU affinity where the platform tells it)."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - macOS/Windows
        return max(1, os.cpu_count() or 1)


def split_by_indicator(targets: pd.DataFrame, parts: int) -> list[list[int]]:
    """Row positions cut into ``parts`` groups, each indicator whole, largest indicators placed first
    into the group with the fewest rows so far (greedy balance); empty groups are dropped."""
    groups: list[list[int]] = [[] for _ in range(parts)]
    codes = targets["indicator"].astype(str).to_numpy() if "indicator" in targets else [""] * len(targets)
    by_indicator: dict[str, list[int]] = {}
    for pos, code in enumerate(codes):
        by_indicator.setdefault(code, []).append(pos)
    for rows in sorted(by_indicator.values(), key=lambda r: (-len(r), r[0])):
        min(groups, key=len).extend(rows)
    return [sorted(g) for g in groups if g]


def _run_item(item: Any) -> Any:
    assert _JOB is not None
    return _JOB(item)


def fork_map(func: Callable[[Any], Any], items: list[Any], workers: int) -> list[Any] | None:
    """``[func(x) for x in items]`` in up to ``workers`` forked processes, results in the items' order.

    ``func`` may be a closure over the caller's state (an engine with its views and fits): the fork
    inherits it, nothing but the items and the results is pickled. Returns None where forking does not
    apply (one worker or one item, no ``fork`` start method): the caller then runs the loop itself.

    >>> fork_map(len, [[1], [1, 2]], 1) is None
    True
    """
    global _JOB
    if workers <= 1 or len(items) < 2 or "fork" not in mp.get_all_start_methods():
        return None
    _JOB = func
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(items)), mp_context=mp.get_context("fork")) as pool:
            return list(pool.map(_run_item, items))
    finally:
        _JOB = None


def assess_parallel(targets: pd.DataFrame, records_of: Callable[[pd.DataFrame], list[dict[str, Any]]],
                    workers: int) -> list[dict[str, Any]] | None:
    """``records_of`` over parts of ``targets`` in ``workers`` forked processes: the records in the
    table's row order (the caller builds the table from them exactly as from a sequential run).

    Returns None where parallel work does not apply (one worker, too few targets, no fork): the
    caller then assesses the table itself.
    """
    if workers <= 1 or len(targets) < 2 * MIN_PER_WORKER:
        return None
    parts = split_by_indicator(targets, min(workers, len(targets) // MIN_PER_WORKER))
    results = fork_map(lambda positions: records_of(targets.iloc[positions]), parts, len(parts))
    if results is None:
        return None
    records: list[dict[str, Any] | None] = [None] * len(targets)
    for part, recs in zip(parts, results):
        for pos, rec in zip(part, recs):
            records[pos] = rec
    return records  # type: ignore[return-value]
