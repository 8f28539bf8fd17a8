"""``analysis backtest``: rolling-origin metrics per indicator, model and horizon."""
from __future__ import annotations

import argparse
import json
import sys

from analysis.commands.args import HELP_FORMAT, at_least, examples


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "backtest", parents=[common], help="rolling-origin backtest of every model",
        description="Rolling-origin backtest: CRPS, interval coverage and Brier scores per indicator, model and horizon.",
        epilog=examples("analysis backtest", "analysis backtest --indicator hte_count --format json",
                        "ANALYSIS_DATA_PATH=../shared/data analysis backtest --level province",
                        "analysis backtest --synthetic             # calibration on simulated panels",
                        "analysis backtest --workers 1             # one process (the same table)"),
        formatter_class=HELP_FORMAT)
    p.add_argument("--indicator", action="append", default=None,
                   help="only this indicator, code or Chinese name (repeatable)")
    p.add_argument("--level", action="append", default=None, choices=["province", "city", "district", "county"],
                   help="only regions of this level (repeatable)")
    p.add_argument("--ets", action="store_true", help="also score the statsmodels ETS baseline (slow)")
    p.add_argument("--draws", type=at_least(1), default=1000, help="Monte Carlo draws per forecast (≥ 1)")
    p.add_argument("--seed", type=at_least(0), default=0, help="Monte Carlo seed (≥ 0)")
    p.add_argument("--rung", action="append", default=None, choices=["A", "B", "C"],
                   help="ladder rung(s) to backtest: A rolling origin, B leave-one-level-out, C leave-one-indicator-out "
                        "(repeatable; default all)")
    p.add_argument("--workers", type=at_least(1), default=None,
                   help="processes (default: the CPUs this process may use, at most 4): the same table, faster")
    p.add_argument("--synthetic", action="store_true", help="print the synthetic calibration table instead")
    p.add_argument("--format", choices=["json", "table", "csv"], default="table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from analysis.backtest import run_backtest, synthetic_calibration
    from analysis.engine.parallel import default_workers
    from analysis.resolve import resolve_indicator

    indicators = [resolve_indicator(i) for i in args.indicator] if args.indicator else None

    if args.synthetic:
        table = synthetic_calibration(seed=args.seed)
    else:
        levels = tuple(args.level) if args.level else ("province", "city", "district", "county")
        table = run_backtest(seed=args.seed, indicators=indicators, with_ets=args.ets,
                             n_draws=args.draws, levels=levels, rungs=tuple(args.rung or ("A", "B", "C")),
                             workers=args.workers or min(4, default_workers()))
    if table.empty:
        print("backtest: no region has enough history (≥ 3 changes and a later outcome)", file=sys.stderr)
        return 1
    if args.format == "json":
        recs = table.astype(object).where(pd.notna(table), None).to_dict(orient="records")
        print(json.dumps(recs, ensure_ascii=False))
    elif args.format == "csv":
        print(table.to_csv(index=False), end="")
    else:
        with pd.option_context("display.width", 200, "display.max_rows", 500, "display.float_format", "{:.4f}".format):
            print(table.to_string(index=False))
    return 0
