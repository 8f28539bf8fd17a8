"""``analysis indicators``: the indicator catalogue (codes, names, units, kinds) as a table, CSV or JSON."""
from __future__ import annotations

import argparse
import json

from analysis.commands.args import HELP_FORMAT, examples

COLUMNS = ("code", "name_zh", "name_en", "unit", "kind", "higher_is_better", "stock_or_flow")


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``indicators`` subcommand to ``sub``."""
    p = sub.add_parser(
        "indicators", parents=[common], help="list the indicator catalogue (data/indicators.csv)",
        description="The indicator catalogue: every code the commands accept, with its Chinese and English "
                    "name, canonical unit and kind. Commands also accept the Chinese name or a synonym.",
        epilog=examples("analysis indicators", "analysis indicators --kind share",
                        "analysis indicators --search 高企          # which code a Chinese name maps to",
                        "analysis indicators --format json > indicators.json"),
        formatter_class=HELP_FORMAT)
    p.add_argument("--kind", choices=["count", "amount", "share", "rate"], help="only indicators of this kind")
    p.add_argument("--search", metavar="TEXT",
                   help="only indicators whose code, name or synonym contains TEXT (e.g. 高企, patent)")
    p.add_argument("--definition", action="store_true", help="also print each indicator's definition")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=run)


def catalogue_rows(kind: str | None = None, search: str | None = None, definition: bool = False):
    """The catalogue as a DataFrame, filtered by kind and by a text found in code, names or synonyms.

    Example:
        >>> catalogue_rows(search="高企")["code"].tolist()[:1]
        ['hte_count']
    """
    from analysis.resolve import indicator_catalogue, indicator_names

    cat = indicator_catalogue().reset_index(drop=True)
    cols = list(COLUMNS) + (["definition"] if definition else [])
    if kind:
        cat = cat[cat["kind"] == kind]
    if search:
        text = search.strip().lower()
        hits = {code for spelling, code in indicator_names().items() if text in spelling.lower()}
        cat = cat[cat["code"].isin(hits)]
    return cat[cols].reset_index(drop=True)


def run(args: argparse.Namespace) -> int:
    """Print the catalogue; exit 1 when the filter leaves nothing."""
    import sys

    rows = catalogue_rows(args.kind, args.search, args.definition)
    if rows.empty:
        print(f"indicators: nothing matches (kind={args.kind}, search={args.search!r})", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps(rows.to_dict(orient="records"), ensure_ascii=False))
    elif args.format == "csv":
        print(rows.to_csv(index=False), end="")
    else:
        width = {c: max(len(str(c)), *(len(str(v)) for v in rows[c])) for c in ("code", "unit", "kind")}
        print(f"{'code':{width['code']}}  {'unit':{width['unit']}}  {'kind':{width['kind']}}  name_zh · name_en")
        for r in rows.to_dict(orient="records"):
            print(f"{r['code']:{width['code']}}  {r['unit']:{width['unit']}}  {r['kind']:{width['kind']}}  "
                  f"{r['name_zh']} · {r['name_en']}")
            if args.definition:
                print(f"{'':{width['code']}}  {r['definition']}")
        print(f"{len(rows)} indicator(s); commands accept the code, the Chinese name or a synonym")
    return 0
