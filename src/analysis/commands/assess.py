"""``analysis assess``: every registry target, or one ad-hoc target given by options."""
from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("assess", parents=[common], help="assess targets (registry or one ad-hoc target)")
    p.add_argument("--region", help="ad-hoc target: region (e.g. 汕尾市)")
    p.add_argument("--indicator", help="ad-hoc target: indicator code (e.g. hte_count)")
    p.add_argument("--baseline-year", type=int)
    p.add_argument("--baseline", type=float, help="baseline value (default: the data's value)")
    p.add_argument("--target-year", type=int)
    p.add_argument("--target", type=float, help="target value")
    p.add_argument("--target-type", default="level", help="level | increment | growth_rate | share")
    p.add_argument("--level", default=None, help="administrative level of the region (default from data)")
    p.add_argument("--id", dest="target_ids", action="append", default=[], help="only these registry target ids")
    p.add_argument("--as-of", type=int, default=None, help="cut every series to years ≤ YEAR before fitting")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--format", choices=["json", "csv", "table"], default="table")
    p.set_defaults(func=run)


def _adhoc(args: argparse.Namespace) -> dict:
    """Validate an ad-hoc target; raises ValueError with a clear message."""
    from analysis.data.catalogue import load_indicators
    from analysis.data.loaders import load_panel
    from analysis.data.regions import close_matches, normalise_region

    missing = [o for o, v in (("--region", args.region), ("--indicator", args.indicator),
                              ("--target-year", args.target_year), ("--target", args.target)) if v is None]
    if missing:
        raise ValueError(f"an ad-hoc target needs {', '.join(missing)}")
    cat = load_indicators()
    if args.indicator not in cat.index:
        raise ValueError(f"unknown indicator {args.indicator!r}; close matches: "
                         f"{', '.join(close_matches(args.indicator, list(cat.index))) or 'none'}")
    panel = load_panel()
    region = normalise_region(args.region)
    regions = sorted(set(panel["region"]))
    rows = panel[(panel["region"] == region)]
    if rows.empty:
        raise ValueError(f"unknown region {args.region!r} (no data); close matches: "
                         f"{', '.join(close_matches(region, regions)) or 'none'}")
    if args.baseline_year is not None and args.target_year <= args.baseline_year:
        raise ValueError(f"--target-year {args.target_year} is not after --baseline-year {args.baseline_year}")
    kind = cat.loc[args.indicator, "kind"]
    if kind in ("count", "amount") and args.target <= 0 and args.target_type == "level":
        raise ValueError(f"--target must be positive for a {kind} indicator, got {args.target:g}")
    first = rows.iloc[0]
    return {
        "target_id": "adhoc", "region": region, "level": args.level or first["level"], "parent": first["parent"],
        "indicator": args.indicator, "target_type": args.target_type, "comparator": ">=",
        "baseline_year": args.baseline_year, "baseline_value": args.baseline, "target_year": args.target_year,
        "target_value": args.target, "unit": cat.loc[args.indicator, "unit"], "masked": False,
    }


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from analysis.assess import assess, find_target
    from analysis.assessment import json_record
    from analysis.data.loaders import load_targets
    from analysis.data.schemas import DataValidationError

    adhoc = any(v is not None for v in (args.region, args.indicator, args.target, args.target_year))
    try:
        if adhoc:
            targets = pd.DataFrame([_adhoc(args)])
        else:
            targets = load_targets()
            if args.target_ids:
                targets = pd.DataFrame([find_target(i, targets) for i in args.target_ids])
    except (ValueError, KeyError, DataValidationError) as err:
        msg = err.args[0] if isinstance(err, KeyError) else str(err)
        print(f"error: {msg}", file=sys.stderr)
        return 2
    table = assess(targets, seed=args.seed, as_of=args.as_of)
    if args.format == "json":
        for rec in table.to_dict(orient="records"):
            print(json.dumps(json_record(rec), ensure_ascii=False))
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
