"""``analysis assess``: every registry target, or one ad-hoc target given by options."""
from __future__ import annotations

import argparse
import json
import logging

from analysis.commands.args import HELP_FORMAT, at_least, examples, fail, finite_float, name, year

log = logging.getLogger(__name__)

EXAMPLES = examples(
    "analysis assess                                  # every registry target, as a table",
    "analysis assess --format json --id shanwei2022-t01-hte_count",
    "analysis assess --region 汕尾 --indicator 高企 --baseline-year 2021 --baseline 49 \\",
    "                --target-year 2022 --target 100  # an ad-hoc target (short names accepted)",
    "analysis assess --region 新城市 --level city --parent 广东 --indicator hte_count \\",
    "                --baseline-year 2021 --baseline 30 --target-year 2023 --target 60   # a region without series",
    "analysis assess --as-of 2019 --seed 1            # judge with what was known in 2019",
)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("assess", parents=[common], help="assess targets (registry or one ad-hoc target)",
                       description="Assess every registry target, or one ad-hoc target given by options.",
                       epilog=EXAMPLES, formatter_class=HELP_FORMAT)
    p.add_argument("--region", type=name, help="ad-hoc target: region (汕尾市, or the short name 汕尾)")
    p.add_argument("--indicator", help="ad-hoc target: indicator code or Chinese name (hte_count, 高企; "
                                       "see `analysis indicators`)")
    p.add_argument("--baseline-year", type=year)
    p.add_argument("--baseline", type=finite_float, help="baseline value (default: the data's value)")
    p.add_argument("--target-year", type=year)
    p.add_argument("--target", type=finite_float, help="target value")
    p.add_argument("--target-type", default="level", choices=["level", "increment", "growth_rate", "share"],
                   help="level | increment | growth_rate | share (default level)")
    p.add_argument("--level", default=None, help="administrative level (default: from data/regions.csv or the data; "
                                                 "required with --parent for a region without series)")
    p.add_argument("--parent", type=name, default=None, help="parent region (default: from data/regions.csv or the data)")
    p.add_argument("--id", dest="target_ids", action="append", default=[], help="only these registry target ids")
    p.add_argument("--as-of", type=year, default=None, help="cut every series to years ≤ YEAR before fitting")
    p.add_argument("--seed", type=at_least(0), default=0, help="Monte Carlo seed (≥ 0, default 0)")
    p.add_argument("--workers", type=at_least(1), default=1,
                   help="processes for a large table (≥ 400 targets; ≥ 1, default 1): the same result, faster")
    p.add_argument("--format", choices=["json", "csv", "table"], default="table")
    p.set_defaults(func=run)


def _adhoc(args: argparse.Namespace, panel) -> dict:
    """The ad-hoc target of the options, resolved (ResolveError naming the option otherwise)."""
    from analysis.data.catalogue import load_indicators
    from analysis.resolve import ResolveError, resolve_target

    missing = [o for o, v in (("--region", args.region), ("--indicator", args.indicator),
                              ("--target-year", args.target_year), ("--target", args.target)) if v is None]
    if missing:
        raise ResolveError(missing[0], f"an ad-hoc target needs {', '.join(missing)}")
    t = resolve_target({
        "target_id": "adhoc", "region": args.region, "level": args.level, "parent": args.parent,
        "indicator": args.indicator, "target_type": args.target_type, "comparator": ">=",
        "baseline_year": args.baseline_year, "baseline_value": args.baseline, "target_year": args.target_year,
        "target_value": args.target, "masked": False,
    }, panel=panel)
    t["unit"] = load_indicators().loc[t["indicator"], "unit"]
    return t


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from analysis.api import assess
    from analysis.assess import find_target, get_engine
    from analysis.assessment import json_record
    from analysis.data.loaders import load_targets
    from analysis.data.schemas import DataValidationError

    adhoc = any(v is not None for v in (args.region, args.indicator, args.target, args.target_year))
    try:
        engine = get_engine(args.seed)
        if adhoc:
            targets = pd.DataFrame([_adhoc(args, engine.panel)])
        else:
            targets = load_targets()
            if args.target_ids:
                targets = pd.DataFrame([find_target(i, targets) for i in args.target_ids])
    except (KeyError, DataValidationError) as err:
        return fail(err.args[0] if isinstance(err, KeyError) else str(err))
    log.info("assessing %d target(s)", len(targets))
    table = assess(targets, seed=args.seed, as_of=args.as_of, workers=args.workers)
    if adhoc and table.iloc[0]["verdict"] == "error":
        return fail(f"invalid target: {'; '.join(table.iloc[0]['notes'])}")
    if args.format == "json":
        from analysis.provenance import run_info

        info = run_info(seed=args.seed, as_of=args.as_of)  # --data-dir folders are in the env by now
        for rec in table.to_dict(orient="records"):
            print(json.dumps({**json_record(rec), "run_info": info}, ensure_ascii=False))
    elif args.format == "csv":
        out = table.copy()
        out["notes"] = out["notes"].map(lambda n: " | ".join(n) if isinstance(n, list) else n)
        print(out.to_csv(index=False), end="")
    else:
        print(format_table(table))
    return 0


def format_table(table) -> str:
    """A compact human-readable table of assessments."""
    def pct(x):
        return "" if x is None or x != x else f"{100 * x:5.1f}%"

    def rate(r):
        x = r.get("required_cagr")
        if x is None or x != x:
            return ""
        return f"{x:+.2f}pp" if r.get("scale") == "points" else pct(x)

    lines = [f"{'target_id':34} {'region':8} {'indicator':24} {'base→target':>22} {'CAGR':>8} {'P':>6} {'model':10} ev verdict"]
    for r in table.to_dict(orient="records"):
        bt = ""
        if r.get("baseline_value") is not None and r.get("target_value") is not None:
            bt = f"{r['baseline_value']:g}→{r['target_value']:g}"
        lines.append(f"{str(r['target_id'])[:34]:34} {str(r['region'])[:8]:8} {str(r['indicator'])[:24]:24} "
                     f"{bt:>22} {rate(r):>8} {pct(r.get('p_meet')):>6} {str(r.get('model') or '')[:10]:10} "
                     f"{str(r.get('evidence') or '-'):2} {r['verdict']}")
    return "\n".join(lines)
