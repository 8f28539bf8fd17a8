"""``analysis report target ID`` · ``analysis report city REGION`` (· ``panel INDICATOR`` · ``backtest``)."""
from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("report", help="render one HTML report (papermill + nbconvert)")
    rsub = p.add_subparsers(dest="report_kind", required=True, metavar="KIND")

    def options(q: argparse.ArgumentParser, seed: bool = True) -> None:
        q.add_argument("--lang", choices=["zh", "en"], default="zh", help="report language (default zh)")
        q.add_argument("--out", default=None, metavar="DIR", help="output folder (default reports/)")
        if seed:
            q.add_argument("--seed", type=int, default=0, help="Monte Carlo seed (default 0)")
        q.set_defaults(func=run)

    t = rsub.add_parser("target", parents=[common], help="one registry target (deep dive)")
    t.add_argument("name", metavar="ID", help="target id from data/targets/targets.csv")
    t.add_argument("--as-of", type=int, default=None, help="use data up to this year (default: baseline year)")
    options(t)
    c = rsub.add_parser("city", parents=[common], help="every target of one region (scorecard)")
    c.add_argument("name", metavar="REGION", help="region name, e.g. 汕尾市 (or 汕尾)")
    c.add_argument("--as-of", type=int, default=None, help="use data up to this year (default: baseline years)")
    options(c)
    n = rsub.add_parser("panel", parents=[common], help="one indicator across regions")
    n.add_argument("name", metavar="INDICATOR", help="indicator code, e.g. hte_count")
    n.add_argument("--level", default="city", help="province | city | district | county (default city)")
    n.add_argument("--parent", default=None, help="only regions under this parent, e.g. 广东省")
    options(n, seed=False)
    b = rsub.add_parser("backtest", parents=[common], help="rolling-origin backtest and calibration")
    options(b)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from analysis.config import reports_dir
    from analysis.reports.batch import make_job
    from analysis.reports.params import ParameterError, validate_parameters
    from analysis.reports.render import KernelNotFound, check_kernel, render_report

    kind = args.report_kind
    if kind == "target":
        params = {"target_id": args.name, "lang": args.lang, "seed": args.seed, "as_of": args.as_of}
    elif kind == "city":
        params = {"region": args.name, "lang": args.lang, "seed": args.seed, "as_of": args.as_of}
    elif kind == "panel":
        params = {"indicator": args.name, "level": args.level, "parent": args.parent, "lang": args.lang}
    else:
        params = {"lang": args.lang, "seed": args.seed}
    out = Path(args.out) if args.out else reports_dir()
    notebook = {"target": "target_feasibility", "city": "city_scorecard", "panel": "cross_city_panel",
                "backtest": "backtest"}[kind]
    try:  # fail before any kernel starts, with close matches
        params = dict(validate_parameters(notebook, params))
    except ParameterError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    name = {"target": params.get("target_id"), "city": params.get("region"),
            "panel": params.get("indicator")}.get(kind, "backtest")
    job = make_job(kind, name, params, out)  # same file name as `analysis batch` gives it
    try:
        check_kernel()
    except KernelNotFound as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    res = render_report(job.notebook, params, job.html, work_dir=Path(job.ipynb).parent)
    if not res.ok:
        where = f"\n  executed notebook: {res.ipynb}" if res.ipynb else ""
        print(f"error: report failed ({res.stage}): {res.error}{where}", file=sys.stderr)
        return 1
    print(res.html)
    return 0
