"""Benchmark: assess 1,000 and 10,000 targets drawn over the panels.

Prints targets per second and peak memory (the process's peak resident set, ru_maxrss) for each size, and
the ratio against a baseline run in the same process (the first size's rate, and the stored first
run of this script on main in bench/baseline_assess.json, per data set and size: a size/data pair not
stored yet is stored by its first run). Never asserts on time.

Wall seconds and the process's CPU seconds are both printed: on a shared machine the CPU time
(``time.process_time``) moves less with the load than the wall time.

Each size is timed twice: ``cold`` (a new, empty fit cache: every model fitted within the timing)
and ``warm`` (a new engine on the fit cache the cold run filled: fits read from disk, as-of views
rebuilt). The stored first runs are cold runs of main before the fit cache existed.

    python bench/bench_assess.py [--sizes 1000 10000]                       # bundled data
    python bench/bench_assess.py [--sizes 1000 10000] --data-dir ../shared/data   # extra data
    python bench/bench_assess.py --sizes 10000 --floor                      # + the draws' floor

``--against SRC`` (the ``src`` folder of another checkout, e.g. main's) times warm runs of this
code and of SRC alternately, each in its own process with its own fit cache (filled by one cold
run of each first), ``--repeat`` times, and prints the medians, their ratio and whether the two
tables are the same (a digest of every cell's ``repr``): a ratio measured within one run, which
the machine's load moves less than two runs apart. ``--workers N`` times the warm runs in N
processes.

    python bench/bench_assess.py --sizes 10000 --against ../main/src --repeat 3 [--workers 2]

``--floor`` adds a third, warm run in which every random-number call of the engine (the per-target
``Generator`` creation and each draw: ``standard_t``, ``standard_normal``, ``chisquare``, ``integers``,
…) is timed on its own: the per-target floor of today's draws (4,000 per model) and its share of
the run, with the rate the draws alone would allow on one core.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
import resource
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

BASELINE = Path(__file__).with_name("baseline_assess.json")


def draw_targets(panel: pd.DataFrame, n: int, seed: int = 0) -> pd.DataFrame:
    """Targets drawn over the panel: a region-year as baseline, a horizon 1–3, a target ±growth."""
    rng = np.random.default_rng(seed)
    obs = panel[panel["qualifier"].isin(["exact", "approx"]) & (panel["value"] > 0)]
    pick = obs.iloc[rng.integers(0, len(obs), n)]
    h = rng.integers(1, 4, n)
    growth = rng.uniform(-0.1, 0.6, n)
    return pd.DataFrame({
        "target_id": [f"bench{i}" for i in range(n)], "region": pick["region"].to_numpy(),
        "level": pick["level"].to_numpy(), "parent": pick["parent"].to_numpy(),
        "indicator": pick["indicator"].to_numpy(), "target_type": "level", "comparator": ">=",
        "baseline_year": pick["year"].to_numpy(), "baseline_value": pick["value"].to_numpy(),
        "target_year": pick["year"].to_numpy() + h,
        "target_value": pick["value"].to_numpy() * (1 + growth) ** h, "masked": False,
    })


def _cpu() -> float:
    """CPU seconds of this process and of its finished child processes (the parallel parts)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def run(sizes: list[int], workers: int = 1) -> list[dict]:
    """Cold then warm timing of each size (each size gets its own empty fit cache); with ``workers``
    > 1 also a warm run in that many processes, its table compared with the one-process warm table."""
    from analysis.assess import Engine, assess
    from analysis.data.loaders import load_panel

    panel = load_panel()
    out = []
    for n in sizes:
        targets = draw_targets(panel, n)
        with tempfile.TemporaryDirectory(prefix="bench-fits-") as folder:
            os.environ["ANALYSIS_CACHE_DIR"] = folder
            os.environ.pop("ANALYSIS_CACHE", None)
            tables = {}
            for mode in ("cold", "warm") + ((f"warm×{workers}",) if workers > 1 else ()):
                t0, c0 = time.perf_counter(), _cpu()
                engine = Engine(panel, seed=0)  # a new engine: only the on-disk fits carry over
                table = assess(targets, engine=engine, workers=workers if "×" in mode else 1)
                dt, cpu = time.perf_counter() - t0, _cpu() - c0
                peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
                tables[mode] = table
                same = "" if "×" not in mode else ("same" if table.equals(tables["warm"]) else "DIFFERENT")
                out.append({"n": n, "mode": mode, "seconds": dt, "cpu_seconds": cpu, "targets_per_s": n / dt,
                            "peak_mb": peak_mb, "same": same,
                            "errors": int((table["verdict"] == "error").sum())})
    return out


def floor_run(n: int) -> dict:
    """A warm run (the fit cache filled by a cold one) with every RNG call timed: the draws' floor."""
    import collections

    import analysis.engine.views as views
    from analysis.assess import Engine, assess
    from analysis.data.loaders import load_panel

    panel = load_panel()
    targets = draw_targets(panel, n)
    spent: collections.Counter = collections.Counter()
    calls: collections.Counter = collections.Counter()
    clock = time.perf_counter

    class Timed:
        """A Generator whose every method call is timed (the proxy's own overhead is outside)."""

        def __init__(self, gen):
            self._gen = gen

        def __getattr__(self, name):
            f = getattr(self._gen, name)
            if not callable(f):
                return f

            def timed(*args, **kw):
                t0 = clock()
                out = f(*args, **kw)
                spent[name] += clock() - t0
                calls[name] += 1
                return out
            return timed

    plain = views.PanelViews.rng

    def rng(self, target_id):
        t0 = clock()
        gen = plain(self, target_id)
        spent["default_rng"] += clock() - t0
        calls["default_rng"] += 1
        return Timed(gen)

    with tempfile.TemporaryDirectory(prefix="bench-fits-") as folder:
        os.environ["ANALYSIS_CACHE_DIR"] = folder
        assess(targets, engine=Engine(panel, seed=0))  # cold: fills the fit cache
        views.PanelViews.rng = rng
        try:
            t0, c0 = clock(), time.process_time()
            assess(targets, engine=Engine(panel, seed=0))
            dt, cpu = clock() - t0, time.process_time() - c0
        finally:
            views.PanelViews.rng = plain
    return {"n": n, "seconds": dt, "cpu_seconds": cpu, "rng_seconds": sum(spent.values()),
            "by_call": {k: (calls[k], v) for k, v in spent.most_common()}}


def print_floor(f: dict) -> None:
    """The floor of the draws per target, its share of the run and the rate it allows on one core."""
    n, rng = f["n"], f["rng_seconds"]
    print(f"draws' floor (warm, {n} targets): RNG calls {rng:.2f} s of {f['seconds']:.2f} s wall "
          f"({rng / f['seconds']:.0%}); {1e3 * rng / n:.3f} ms/target -> at most {n / rng:.0f} targets/s on one core "
          f"with these draws; the rest {1e3 * (f['seconds'] - rng) / n:.3f} ms/target")
    for name, (k, v) in f["by_call"].items():
        print(f"  {name:16s} {k:7d} calls {v:7.2f} s {1e6 * v / k:7.1f} us/call")


def table_digest(table: pd.DataFrame) -> str:
    """sha256 (16 hex digits) of the columns and every cell's ``repr``: equal digests, equal bits."""
    h = hashlib.sha256("\0".join(map(str, table.columns)).encode())
    for row in table.itertuples(index=False):
        h.update("\0".join(repr(v) for v in row).encode())
    return h.hexdigest()[:16]


def one_run(n: int, workers: int) -> dict:
    """One timed run of this process's code on the n bench targets (fit cache from the environment):
    seconds, CPU seconds (children included) and the table's digest. For ``--against``."""
    from analysis.assess import Engine, assess
    from analysis.data.loaders import load_panel

    panel = load_panel()
    targets = draw_targets(panel, n)
    t0, c0 = time.perf_counter(), _cpu()
    table = assess(targets, engine=Engine(panel, seed=0), workers=workers)
    return {"seconds": time.perf_counter() - t0, "cpu_seconds": _cpu() - c0, "digest": table_digest(table)}


def _in_process(src: str | None, cache: str, n: int, workers: int) -> dict:
    """:func:`one_run` in a new Python process running the code in ``src`` (None: this checkout's)."""
    env = dict(os.environ, ANALYSIS_CACHE_DIR=cache)
    env.pop("ANALYSIS_CACHE", None)
    if src:
        env["PYTHONPATH"] = str(Path(src).resolve()) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, __file__, "--one-run", str(n), "--workers", str(workers)], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def against(n: int, src: str, repeat: int, workers: int) -> None:
    """Warm runs of this code and of ``src`` alternately (each on its own fit cache, filled by a cold
    run first): medians, the ratio of the medians and whether the tables are the same."""
    with tempfile.TemporaryDirectory(prefix="bench-fits-") as a, tempfile.TemporaryDirectory(prefix="bench-fits-") as b:
        codes = {"this": (None, a), "against": (src, b)}
        runs: dict[str, list[dict]] = {k: [] for k in codes}
        for name, (code, cache) in codes.items():  # cold: fills each code's fit cache
            _in_process(code, cache, n, 1)
        for _ in range(repeat):
            for name, (code, cache) in codes.items():
                runs[name].append(_in_process(code, cache, n, workers))
    med = {k: {x: statistics.median(r[x] for r in v) for x in ("seconds", "cpu_seconds")} for k, v in runs.items()}
    same = {r["digest"] for v in runs.values() for r in v}
    print(f"{n} targets, warm, workers={workers}, median of {repeat} (alternating):")
    for k, (code, _) in codes.items():
        m = med[k]
        print(f"  {k:8s} {m['seconds']:7.2f} s {n / m['seconds']:7.0f} targets/s  cpu {m['cpu_seconds']:7.2f} s "
              f"{n / m['cpu_seconds']:6.0f}/cpu s  ({code or 'this checkout'}; runs: "
              + ", ".join(f"{r['seconds']:.1f}" for r in runs[k]) + ")")
    print(f"  ratio (against / this): wall {med['against']['seconds'] / med['this']['seconds']:.2f}x, "
          f"cpu {med['against']['cpu_seconds'] / med['this']['cpu_seconds']:.2f}x; "
          f"tables {'the same' if len(same) == 1 else 'DIFFERENT'}")


def data_label(data_dir: str | None) -> str:
    """``bundled`` or ``extra`` (the baseline is stored per data set and size)."""
    return "extra" if data_dir else "bundled"


def load_baseline() -> list[dict]:
    """Stored first runs; entries without a ``data`` key are from the bundled data."""
    if not BASELINE.exists():
        return []
    return [{"data": "bundled", **x} for x in json.loads(BASELINE.read_text())]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--data-dir", default=None, help="extra data read on top of data/ (e.g. ../shared/data)")
    ap.add_argument("--workers", type=int, default=1,
                    help="also time a warm run in this many processes (assess(..., workers=N)) and compare its table")
    ap.add_argument("--against", metavar="SRC", help="time warm runs of the code in SRC alternately with this one")
    ap.add_argument("--repeat", type=int, default=3, help="warm runs of each code with --against (median)")
    ap.add_argument("--one-run", type=int, metavar="N", help=argparse.SUPPRESS)  # a child of --against
    ap.add_argument("--floor", action="store_true", help="also time every RNG call in a warm run (the draws' floor)")
    ap.add_argument("--save-baseline", action="store_true",
                    help="store this run as the baseline (sizes missing from the stored one are added anyway)")
    args = ap.parse_args()
    if args.data_dir:
        os.environ["ANALYSIS_DATA_PATH"] = args.data_dir
    if args.one_run:
        print(json.dumps(one_run(args.one_run, args.workers)))
        return
    if args.against:
        if args.repeat < 1:
            ap.error("--repeat: must be at least 1")
        for n in args.sizes:
            against(n, args.against, args.repeat, args.workers)
        return
    label = data_label(args.data_dir)
    res = [{"data": label, **r} for r in run(args.sizes, args.workers)]
    base = load_baseline()
    first = res[0]["targets_per_s"]
    print(f"data: {label}" + (f" ({args.data_dir})" if args.data_dir else ""))
    print(f"{'targets':>8} {'mode':>7} {'seconds':>8} {'cpu s':>7} {'targets/s':>10} {'per cpu s':>10} "
          f"{'peak RSS MB':>11} {'vs first size':>14} {'vs baseline':>12} {'table':>6}")
    for r in res:
        b = next((x for x in base if x["n"] == r["n"] and x["data"] == label), None)
        vs_base = f"{r['targets_per_s'] / b['targets_per_s']:.2f}x" if b else "(stored now)"
        print(f"{r['n']:8d} {r['mode']:>7} {r['seconds']:8.2f} {r['cpu_seconds']:7.2f} {r['targets_per_s']:10.0f} "
              f"{r['n'] / r['cpu_seconds']:10.0f} {r['peak_mb']:11.1f} "
              f"{r['targets_per_s'] / first:13.2f}x {vs_base:>12} {r.get('same', ''):>6}")
    if args.floor:
        print_floor(floor_run(args.sizes[-1]))
    res = [r for r in res if r["mode"] == "cold"]  # the stored first runs are cold runs
    keep = [x for x in base if not any(x["n"] == r["n"] and x["data"] == r["data"] for r in res)]
    missing = [r for r in res if not any(x["n"] == r["n"] and x["data"] == r["data"] for x in base)]
    if args.save_baseline or missing:
        stored = keep + res if args.save_baseline else base + missing
        BASELINE.write_text(json.dumps(stored, indent=1))
        print(f"baseline stored in {BASELINE}")


if __name__ == "__main__":
    main()
