"""``analysis data validate`` and ``analysis data coverage``."""
from __future__ import annotations

import argparse
import sys

from analysis.commands.args import HELP_FORMAT, examples, fail, name


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("data", help="validate data files, show coverage", formatter_class=HELP_FORMAT,
                       epilog=examples("analysis data validate", "analysis data coverage --indicator 高企 --level city"))
    dsub = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    v = dsub.add_parser("validate", parents=[common], help="validate every data file (exit 1 on problems)",
                        description="Validate every data file; each problem as file:line:column: reason.",
                        epilog=examples("analysis data validate",
                                        "analysis data validate --data-dir ../shared/data",
                                        "analysis data validate --targets my_targets.csv"),
                        formatter_class=HELP_FORMAT)
    v.add_argument("--targets", help="registry file to validate instead of data/targets/targets.csv")
    v.set_defaults(func=run_validate)
    c = dsub.add_parser("coverage", parents=[common],
                        help="levels × years per indicator; with --indicator also its region × year grid",
                        description="What the outside view stands on: per indicator, how many regions of each level "
                                    "have a sourced value in each year; with --indicator also its region × year grid.",
                        epilog=examples("analysis data coverage",
                                        "analysis data coverage --indicator hte_count --level city",
                                        "analysis data coverage --indicator 研发投入强度 --parent 广东",
                                        "analysis data coverage --indicator rd_intensity --format csv"),
                        formatter_class=HELP_FORMAT)
    c.add_argument("--indicator", default=None,
                   help="indicator code or Chinese name: its levels × years summary and region × year grid "
                        "(default: the levels × years summary of every indicator; see `analysis indicators`)")
    c.add_argument("--level", default=None, choices=["country", "province", "city", "district", "county"],
                   help="only regions of this level")
    c.add_argument("--parent", type=name, default=None, help="only regions under this parent, e.g. 广东省 (or 广东)")
    c.add_argument("--format", choices=["table", "csv", "json"], default="table")
    c.set_defaults(func=run_coverage)


def run_validate(args: argparse.Namespace) -> int:
    from analysis.data.validate import validate_all

    problems, summary = validate_all(targets=args.targets)
    for p in problems:
        print(p, file=sys.stderr)
    rows = sum(summary.values())
    if problems:
        print(f"data validate: {len(problems)} problem(s) in {len(summary)} file(s)", file=sys.stderr)
        return 1
    print(f"data validate: OK — {len(summary)} files, {rows} rows")
    for name, n in summary.items():
        print(f"  {n:6d}  {name}")
    return 0


def run_coverage(args: argparse.Namespace) -> int:
    from analysis.data.coverage import coverage_grid, format_grid, format_level_grid, level_year_grid
    from analysis.data.loaders import load_series
    from analysis.data.schemas import DataValidationError
    from analysis.resolve import ResolveError, resolve_indicator, resolve_region

    try:
        if args.indicator is not None:
            args.indicator = resolve_indicator(args.indicator)
        if args.parent is not None:
            args.parent = resolve_region(args.parent, param="parent").name
        series = load_series()
        inds = [args.indicator] if args.indicator else None
        levels = level_year_grid(inds, level=args.level, parent=args.parent, series=series)
        grid = coverage_grid(indicator=args.indicator, level=args.level, parent=args.parent,
                             series=series) if args.indicator else None
    except ResolveError:
        raise  # named by the CLI (--indicator …)
    except (DataValidationError, ValueError) as err:
        return fail(str(err))
    if grid is None:  # no --indicator: the levels × years summary of every indicator
        if args.format == "csv":
            print(levels.to_csv(), end="")
        elif args.format == "json":
            out = levels.reset_index()
            out.columns = [str(c) for c in out.columns]
            print(out.to_json(orient="records", force_ascii=False))
        else:
            print(format_level_grid(levels))
        return 0
    if args.format == "csv":
        print(grid.to_csv(), end="")
    elif args.format == "json":
        print(grid.to_json(orient="index", force_ascii=False))
    else:
        print(format_level_grid(levels) + "\n\n" + format_grid(grid, args.indicator))
    return 0
