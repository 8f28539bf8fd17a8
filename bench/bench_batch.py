"""Benchmark the report batch: per-report time against its floor, the full batch, report sizes.

Five parts, all printed, never asserted (timing on a shared machine is noisy: compare ratios
measured in one run, and take the median of a few runs):

1. **Per report vs floor** (one warm kernel, in this process). The floor of a report is what any
   notebook-per-report design pays: an *empty* notebook run by papermill on the same warm kernel,
   plus the HTML export (nbconvert + font subset) of that report's own executed notebook. Each
   sampled report is rendered with :func:`analysis.reports.render.render_report` on the same
   kernel session and its time divided by its floor (goal ≤ 1.3×).
2. **Full batch**: ``analysis batch --force --workers 2 --extra backtest --extra panel:hte_count``
   (what ``make report`` runs), its wall time (goal ≤ 45 s on 2 cores) — skip with ``--no-batch``.
3. **Report sizes** of that batch (or of ``--sizes-of DIR``): median, p90 and max of the HTML
   files, split into CSS, images, font and content (goal: median ≤ 150 KiB).
4. **Charts** (``--charts``): a target report's three charts drawn in this process, CPU time and
   bytes per report for each way of drawing them (constrained layout as before, the margin layout
   the reports use, the same as SVG with text left as text), and a floor for a chart: an axes with
   the same title, labels and ticks but no data, drawn with the margin layout.
5. **Byte identity** (``--identity``): the batch is run a second time into another folder and every
   HTML file compared line by line; only the generated-time lines may differ (goal: no other line).

Usage::

    python bench/bench_batch.py                     # all three (a few minutes)
    python bench/bench_batch.py --no-batch -n 4     # per-report part only
    python bench/bench_batch.py --no-batch --repeat 3  # per-report part, median of 3 runs each
    python bench/bench_batch.py --sizes-of reports  # sizes of an existing batch only
    python bench/bench_batch.py --charts -n 8       # chart variants only (CPU ms and KiB per report)
    python bench/bench_batch.py --no-floor --identity  # the batch twice: wall times, sizes, identical bytes?
    python bench/bench_batch.py --compare A B       # only compare two existing batch folders
"""
from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

BIN = Path(sys.executable).parent
KIB = 1024

_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.S | re.I)
_FONT = re.compile(r"data:font/[a-z0-9+.-]+;base64,[A-Za-z0-9+/=]+")
_IMAGE = re.compile(r"data:image/[a-z0-9+.-]+;base64,[A-Za-z0-9+/=]+")


def page_components(page: str) -> dict[str, int]:
    """Bytes of one HTML report by component: CSS (without the font), images, font, content."""
    size = lambda s: len(s.encode("utf-8"))  # noqa: E731
    styles = "".join(_STYLE.findall(page))
    font = sum(size(m) for m in _FONT.findall(styles))
    images = sum(size(m) for m in _IMAGE.findall(_STYLE.sub("", page)))  # icons inside CSS count as CSS
    css = size(styles) - font
    total = size(page)
    return {"total": total, "css": css, "images": images, "font": font, "content": total - css - images - font}


def quantile(values: list[float], q: float) -> float:
    """The q-quantile by linear interpolation (numpy's default), without numpy."""
    v = sorted(values)
    pos = q * (len(v) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def print_sizes(out: Path) -> None:
    """Size distribution of every report under ``out`` (index.html left out)."""
    pages = [p for p in out.rglob("*.html") if p.name != "index.html" and "_work" not in p.parts]
    if not pages:
        print(f"no reports under {out}")
        return
    comps = [page_components(p.read_text(encoding="utf-8")) for p in pages]
    print(f"\nreport sizes ({len(pages)} HTML files under {out}), KiB")
    print(f"{'':10} {'median':>8} {'p90':>8} {'max':>8} {'share of total':>15}")
    all_total = sum(c["total"] for c in comps)
    for key in ("total", "css", "images", "font", "content"):
        vals = [c[key] / KIB for c in comps]
        share = sum(c[key] for c in comps) / all_total
        print(f"{key:10} {statistics.median(vals):8.1f} {quantile(vals, 0.9):8.1f} {max(vals):8.1f} {share:14.0%}")


def empty_notebook(tmp: Path) -> Path:
    """A notebook holding only a parameters cell, on the ``analysis`` kernel."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "analysis", "display_name": "analysis", "language": "python"}
    path = tmp / "empty.ipynb"
    nbformat.write(nb, path)
    return path


def sample_jobs(n: int) -> list[tuple[str, dict]]:
    """``n`` target reports (spread over the registry) and the first city scorecard."""
    from analysis.data.loaders import load_targets

    reg = load_targets()
    step = max(1, len(reg) // max(1, n))
    ids = reg["target_id"].astype(str).tolist()[::step][:n]
    jobs = [("target_feasibility", {"target_id": t, "lang": "zh", "seed": 0}) for t in ids]
    jobs.append(("city_scorecard", {"region": str(reg["region"].iloc[0]), "lang": "zh", "seed": 0}))
    return jobs


def per_report_vs_floor(n: int, tmp: Path, repeat: int = 1) -> None:
    """Part 1: each sampled report's time against its floor, on one warm kernel (median of ``repeat``)."""
    import nbformat

    from analysis.reports.jobs import NOTEBOOK_OF
    from analysis.reports.kernels import KernelSession, shutdown_sessions
    from analysis.reports.params import validate_parameters
    from analysis.reports.records import RECORDS_DIR, prepare_records, wanted
    from analysis.reports.render import (execute_notebook, export_html, prepare_for_html, provenance,
                                         render_report)

    from analysis.reports.runner import validate_outputs_with_the_notebook

    validate_outputs_with_the_notebook()  # as in a batch worker process
    NOTEBOOK_KIND = {v: k for k, v in NOTEBOOK_OF.items()}
    session = KernelSession()
    empty = empty_notebook(tmp)
    jobs = sample_jobs(n)
    # as in a batch: the assessments are made once, before the notebooks run (outside the timing)
    folder = tmp / "_work" / RECORDS_DIR
    items = wanted([SimpleNamespace(kind=NOTEBOOK_KIND[nb], params=p) for nb, p in jobs])
    t0 = time.perf_counter()
    from analysis.reports.records import _fingerprints

    fingerprints = _fingerprints()
    prepare_records(items, folder, fingerprints=fingerprints)
    print(f"assessment records for the sampled reports: {len(items)} in {time.perf_counter() - t0:.1f} s "
          "(one engine, in the batch process)")
    session.records_dir = str(folder)
    session.records_fingerprints = fingerprints  # as a batch does: the kernel is told them once
    try:
        km = session.acquire()  # start + warm-up, outside every timing
        session.release(True)
        rows = []
        for notebook, params in jobs * repeat:
            params = dict(validate_parameters(notebook, params))
            # the floor, on the same warm kernel: an empty notebook ...
            km = session.acquire()
            t0 = time.perf_counter()
            execute_notebook(empty, tmp / "empty_out.ipynb", {"x": 2}, km=km, kc=session.kc)
            t_empty = time.perf_counter() - t0
            session.release(True)
            # ... the report itself ...
            out = tmp / f"{len(rows)}.html"
            res = render_report(notebook, params, out, work_dir=tmp / "_work", validate=False, session=session)
            if not res.ok:
                print(f"  ! {notebook} {params}: {res.error}")
                continue
            # ... plus the export of the same HTML
            nb = nbformat.read(res.ipynb, as_version=4)
            t0 = time.perf_counter()
            export_html(prepare_for_html(nb, params, "zh", provenance(0.0)), "zh", "floor")
            t_export = time.perf_counter() - t0
            floor = t_empty + t_export
            name = params.get("target_id") or params.get("region")
            rows.append((notebook, name, res.seconds, t_empty, t_export, floor, res.seconds / floor))
        rows = _medians(rows, repeat)
        print(f"per report on one warm kernel (floor = empty notebook + export of the same HTML), s"
              f"{f', median of {repeat} runs' if repeat > 1 else ''}")
        print(f"{'report':52} {'report':>7} {'empty':>6} {'export':>7} {'floor':>6} {'ratio':>6}")
        for nb_name, name, rep, t_empty, t_export, floor, ratio in rows:
            print(f"{(nb_name[:6] + ' ' + str(name))[:52]:52} {rep:7.2f} {t_empty:6.2f} {t_export:7.2f} "
                  f"{floor:6.2f} {ratio:5.2f}x")
        if rows:
            ratios = [r[-1] for r in rows]
            print(f"median ratio report / floor: {statistics.median(ratios):.2f}x  (goal <= 1.3x), "
                  f"max {max(ratios):.2f}x")
            for kind in sorted({r[0] for r in rows}):
                kr = [r for r in rows if r[0] == kind]
                print(f"  {kind:20} n={len(kr):2}  median ratio {statistics.median(r[-1] for r in kr):5.2f}x, "
                      f"median report {statistics.median(r[2] for r in kr):5.2f} s, "
                      f"floor {statistics.median(r[5] for r in kr):5.2f} s")
    finally:
        session.shutdown()
        shutdown_sessions()


def _medians(rows: list[tuple], repeat: int) -> list[tuple]:
    """One row per report: the median of its ``repeat`` runs, column by column (ratio recomputed)."""
    if repeat <= 1:
        return rows
    by_name: dict[tuple, list[tuple]] = {}
    for r in rows:
        by_name.setdefault((r[0], r[1]), []).append(r)
    out = []
    for (nb_name, name), runs in by_name.items():
        rep, t_empty, t_export, floor = (statistics.median(r[i] for r in runs) for i in (2, 3, 4, 5))
        out.append((nb_name, name, rep, t_empty, t_export, floor, rep / floor))
    return out


def _chart_variants() -> dict:
    """name -> (figure factory or None for the reports' own, output function) for :func:`chart_variants`."""
    import io

    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    from analysis.reports.figures import figure_png

    def constrained(width: float = 7.5, height: float = 4.2):
        fig = Figure(figsize=(width, height), layout="constrained")
        return fig, fig.add_subplot()

    def svg(fig) -> bytes:
        buf = io.StringIO()
        FigureCanvasSVG(fig).print_svg(buf, metadata={"Date": None})
        return buf.getvalue().encode("utf-8")

    return {"constrained layout, PNG (before)": (constrained, figure_png),
            "margin layout, PNG (fresh figures)": (None, figure_png),
            "margin layout, PNG, pooled (batch kernels)": ("pool", figure_png),
            "margin layout, SVG text as text": (None, svg)}


def _bare(fig) -> None:
    """The floor of a chart: drop its data artists, keep the axes, title, labels and ticks."""
    for ax in fig.axes:
        for artist in [*ax.lines, *ax.collections, *ax.patches, *ax.texts]:
            artist.remove()
        if ax.get_legend() is not None:
            ax.get_legend().remove()


def chart_variants(n: int, repeat: int = 3) -> None:
    """Part 4: a target report's three charts, CPU ms and KiB per report for each way of drawing."""
    import gc
    import matplotlib as mpl

    from analysis.assess import assess_target
    from analysis.reports import figure_pool, figures, plots
    from analysis.reports.figures import figure_png
    from analysis.reports.fonts import setup_plotting

    setup_plotting()
    ids = [job[1]["target_id"] for job in sample_jobs(10_000) if job[0] == "target_feasibility"]
    reports = []
    for t in ids:  # reports with all three charts (a chart without data is a cheap "no data" canvas)
        a = assess_target(t, seed=0)
        if plots.has_chart_data(a) and a.peer_changes is not None and len(a.peer_changes) and a.level_p50 is not None:
            reports.append(a)
        if len(reports) == n:
            break
    kinds = (plots.fan_chart, plots.peer_distribution, plots.realistic_levels)
    variants = _chart_variants()
    own = figures._figure
    gc.collect()
    gc.freeze()  # as in a batch kernel

    def one(make, out, bare: bool = False) -> tuple[float, int]:
        pool = make == "pool"
        make = None if pool else make
        plots._figure = make or own
        mpl.rcParams["axes.titley"] = None if make is not None else 1.0  # the old path placed titles itself
        figure_pool.enable(pool)
        for timed in (False, True):  # a warm-up pass first, as a batch kernel has drawn before
            t0, size = time.process_time(), 0
            for a in reports:
                for kind in kinds:
                    fig = kind(a)
                    if bare:
                        _bare(fig)
                    size += len(out(fig))
                    figure_pool.release(fig)
        figure_pool.enable(False)
        return (time.process_time() - t0) / len(reports), size // len(reports)

    results: dict[str, list[tuple[float, int]]] = {}
    try:
        for _ in range(repeat):  # interleaved, so load changes hit every variant alike
            for name, (make, out) in variants.items():
                results.setdefault(name, []).append(one(make, out))
            results.setdefault("floor: same axes, no data (pooled PNG)", []).append(one("pool", figure_png, bare=True))
    finally:
        plots._figure = own
        mpl.rcParams["axes.titley"] = 1.0
    print(f"\nthree charts of a target report, {len(reports)} reports with all three, median of {repeat} "
          "(CPU ms, KiB per report)")
    base = statistics.median(r[0] for r in results["constrained layout, PNG (before)"])
    for name, runs in results.items():
        ms = statistics.median(r[0] for r in runs)
        print(f"  {name:42} {1000 * ms:7.1f} ms  {runs[0][1] / KIB:6.1f} KiB  {ms / base:5.2f}x of before")


def full_batch(out: Path, workers: int) -> float:
    """Part 2: the ``make report`` batch with ``--force``; returns its wall time."""
    cmd = [str(BIN / "analysis"), "batch", "--out", str(out), "--workers", str(workers), "--force", "--no-progress",
           "--extra", "backtest", "--extra", "panel:hte_count"]
    import resource

    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the batch, its workers and their kernels
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    if proc.returncode != 0:
        print(f"  ! batch exited {proc.returncode}: {(proc.stdout + proc.stderr).strip()[-400:]}")
    n = len([p for p in out.rglob("*.html") if p.name != "index.html" and "_work" not in p.parts])
    print(f"\nfull batch ({n} reports, --workers {workers}, --force): {wall:6.1f} s  (goal <= 45 s); "
          f"CPU {cpu:6.1f} s in all its processes (steadier than the wall time on a loaded machine)")
    return wall


def generated_labels() -> tuple[str, ...]:
    """The generated-time label in every report language (the one line allowed to differ between runs)."""
    from analysis.reports.render import GENERATED_KEY
    from analysis.reports.words import t

    return tuple({t(GENERATED_KEY, lang) for lang in ("zh", "en")} | {GENERATED_KEY})


def compare_batches(first: Path, second: Path) -> int:
    """Part 4: every HTML file of two runs compared line by line, generated-time lines left out.

    Prints the files that differ elsewhere (with the first such line) and returns their number.
    """
    labels = generated_labels()
    pages = sorted(p.relative_to(first) for p in first.rglob("*.html") if "_work" not in p.parts)
    differ, missing = [], []
    for rel in pages:
        other = second / rel
        if not other.is_file():
            missing.append(rel)
            continue
        a = first.joinpath(rel).read_text(encoding="utf-8").splitlines()
        b = other.read_text(encoding="utf-8").splitlines()
        bad = [(x, y) for x, y in zip(a, b) if x != y and not any(lab in x and lab in y for lab in labels)]
        if bad or len(a) != len(b):
            differ.append((rel, bad[0] if bad else ("(number of lines)", f"{len(a)} vs {len(b)}")))
    print(f"\nbyte identity of {len(pages)} HTML files ({first} vs {second}): {len(differ)} differ outside "
          f"the generated-time lines, {len(missing)} missing from the second run")
    for rel, (x, y) in differ[:10]:
        print(f"  {rel}: {x[:100]!r} vs {y[:100]!r}")
    return len(differ) + len(missing)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=6, help="target reports sampled for the per-report part (default 6)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each sampled report (median; default 1)")
    ap.add_argument("--workers", type=int, default=2, help="batch workers (default 2)")
    ap.add_argument("--no-batch", action="store_true", help="skip the full batch (and its sizes)")
    ap.add_argument("--no-floor", action="store_true", help="skip the per-report part")
    ap.add_argument("--charts", action="store_true", help="only the chart variants (CPU time and bytes)")
    ap.add_argument("--out", default=None, help="keep the full batch here (default: a temporary folder)")
    ap.add_argument("--sizes-of", default=None, metavar="DIR", help="only print the sizes of the reports in DIR")
    ap.add_argument("--identity", action="store_true",
                    help="run the full batch a second time and compare the HTML files (byte identity)")
    ap.add_argument("--compare", nargs=2, default=None, metavar=("A", "B"),
                    help="only compare the HTML files of two existing batch folders")
    args = ap.parse_args()
    import os

    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg())
          + f" on {os.cpu_count()} cores (timings stretch with the load; compare ratios)")
    if args.sizes_of:
        print_sizes(Path(args.sizes_of))
        return
    if args.compare:
        compare_batches(Path(args.compare[0]), Path(args.compare[1]))
        return
    if args.charts:
        chart_variants(args.n, max(3, args.repeat))
        return
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmpdir:
        tmp = Path(tmpdir)
        if not args.no_floor:
            per_report_vs_floor(args.n, tmp, max(1, args.repeat))
        if not args.no_batch:
            out = Path(args.out) if args.out else tmp / "batch"
            full_batch(out, args.workers)
            print_sizes(out)
            if args.identity:
                again = out.with_name(out.name + "-again")
                full_batch(again, args.workers)
                compare_batches(out, again)


if __name__ == "__main__":
    main()
