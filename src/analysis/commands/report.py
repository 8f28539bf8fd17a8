"""``analysis report target ID`` · ``analysis report city REGION`` (· ``panel INDICATOR`` · ``backtest``)."""
from __future__ import annotations

import argparse
import sys

from analysis.commands.args import HELP_FORMAT, at_least, examples, fail, name, out_dir, year


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("report", help="render one HTML report (papermill + nbconvert)", formatter_class=HELP_FORMAT,
                       epilog=examples("analysis report target shanwei2022-t01-hte_count",
                                       "analysis report city 汕尾 --lang en", "analysis report panel hte_count",
                                       "analysis report backtest"))
    rsub = p.add_subparsers(dest="report_kind", required=True, metavar="KIND")

    def options(q: argparse.ArgumentParser, seed: bool = True) -> None:
        q.add_argument("--lang", choices=["zh", "en"], default="zh", help="report language (default zh)")
        q.add_argument("--out", type=out_dir, default=None, metavar="DIR", help="output folder (default reports/)")
        if seed:
            q.add_argument("--seed", type=at_least(0), default=0, help="Monte Carlo seed (≥ 0, default 0)")
        q.set_defaults(func=run)

    def sub_parser(kind: str, help_text: str, *lines: str) -> argparse.ArgumentParser:
        return rsub.add_parser(kind, parents=[common], help=help_text, description=help_text[0].upper() + help_text[1:] + ".",
                               epilog=examples(*lines), formatter_class=HELP_FORMAT)

    t = sub_parser("target", "one registry target (deep dive)", "analysis report target shanwei2022-t01-hte_count",
                   "analysis report target shanwei2022-t01-hte_count --lang en --as-of 2020 --out /tmp/r")
    t.add_argument("name", type=name, metavar="ID", help="target id from data/targets/targets.csv")
    t.add_argument("--as-of", type=year, default=None, help="use data up to this year (default: baseline year)")
    options(t)
    c = sub_parser("city", "every target of one region (scorecard)", "analysis report city 汕尾市",
                   "analysis report city 汕尾 --lang en")
    c.add_argument("name", type=name, metavar="REGION", help="region name, e.g. 汕尾市 (or 汕尾)")
    c.add_argument("--as-of", type=year, default=None, help="use data up to this year (default: baseline years)")
    options(c)
    n = sub_parser("panel", "one indicator across regions", "analysis report panel hte_count",
                   "analysis report panel 研发投入强度 --level province --lang en")
    n.add_argument("name", metavar="INDICATOR", help="indicator code or Chinese name, e.g. hte_count")
    n.add_argument("--level", default="city", choices=["province", "city", "district", "county"],
                   help="administrative level (default city)")
    n.add_argument("--parent", type=name, default=None, help="only regions under this parent, e.g. 广东省")
    options(n, seed=False)
    b = sub_parser("backtest", "rolling-origin backtest and calibration", "analysis report backtest --lang en")
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
    if kind == "panel":
        from analysis.resolve import resolve_indicator

        params["indicator"] = resolve_indicator(args.name, param="INDICATOR")
    if getattr(args, "as_of", None) is not None:
        _check_as_of(args.as_of)
    try:  # fail before any kernel starts, with close matches
        params = dict(validate_parameters(notebook, params))
    except ParameterError as err:
        return fail(str(err))
    name = {"target": params.get("target_id"), "city": params.get("region"),
            "panel": params.get("indicator")}.get(kind, "backtest")
    job = make_job(kind, name, params, out)  # same file name as `analysis batch` gives it
    try:
        check_kernel()
    except KernelNotFound as err:
        return fail(str(err))
    res = render_report(job.notebook, params, job.html, work_dir=Path(job.ipynb).parent)
    if not res.ok:
        where = f"\n  executed notebook: {res.ipynb}" if res.ipynb else ""
        print(f"error: report failed ({res.stage}): {res.error}{where}", file=sys.stderr)
        return 1
    print(res.html)
    return 0


def _check_as_of(as_of: int) -> None:
    """--as-of before the data's first year is an error, after its last a warning (as `analysis assess`)."""
    from analysis.data.loaders import load_panel
    from analysis.resolve import check_as_of, data_years

    check_as_of(as_of, data_years(load_panel()))
