"""``analysis extract FILE... [--format csv|json] [--evaluate REGISTRY] [--out FILE]``; ``--past`` for past values.

Reads raw Chinese plan text (simplified or traditional) and proposes candidate target-registry
rows for human review: the registry columns plus ``confidence``. With ``--evaluate`` the candidates
are compared with a hand-checked registry and precision/recall are printed (to stderr when the
candidates go to stdout).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.commands.args import HELP_FORMAT, examples, out_file, probability

if TYPE_CHECKING:
    import pandas as pd


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser | None = None) -> None:
    """Add the ``extract`` subcommand to ``sub``."""
    parents = [common] if common is not None else []
    p = sub.add_parser(
        "extract", parents=parents,
        help="propose target-registry rows from raw plan text (for human review)",
        description="Candidate targets found in raw Chinese plan text: registry columns plus confidence.",
        epilog=examples("analysis extract data/raw/000_319635f440b73d7f.txt",
                        "analysis extract data/raw/*.txt --format json --out candidates.jsonl",
                        "analysis extract data/raw/*.txt --evaluate data/targets/targets.csv",
                        "analysis extract plan.txt --min-confidence 0.7"),
        formatter_class=HELP_FORMAT,
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="plain-text plan documents (UTF-8 or GB18030)")
    p.add_argument("--format", choices=["csv", "json"], default="csv",
                   help="csv (default) or json (one object per line)")
    p.add_argument("--evaluate", metavar="REGISTRY", action="append",
                   help="compare with a hand-checked registry CSV (repeatable: registries are joined) and "
                        "print precision/recall, per-field accuracy and the confidence's reliability")
    p.add_argument("--against", metavar="REGISTRY",
                   help="write a review CSV instead: each candidate new/changed/unchanged against REGISTRY, "
                        "with field-level differences and the quote in context (apply with 'analysis targets merge')")
    p.add_argument("--out", type=out_file, metavar="FILE", help="write the candidates to FILE instead of stdout")
    p.add_argument("--min-confidence", type=probability, default=0.0, metavar="P",
                   help="only rows with confidence >= P (default 0: everything, for review)")
    past = p.add_argument_group("past values (--past)")
    past.add_argument("--past", action="store_true",
                      help="propose series rows of reported past values (统计公报, reviews, news, tables) instead of targets")
    past.add_argument("--region", help="region of every document (when the text does not name it)")
    past.add_argument("--level", choices=["country", "province", "city", "district", "county"], help="level of --region")
    past.add_argument("--parent", help="province of --region")
    past.add_argument("--year", type=int, help="the document's year (for 去年/今年 when the text has no date)")
    past.add_argument("--source", help="source column (default: the file name), e.g. the page's URL")
    past.add_argument("--reliability", choices=["official", "press", "secondary"], help="reliability column (default: guessed)")
    past.add_argument("--all", action="store_true",
                      help="also rows without a catalogue indicator, year, unit or region (for review; these do not validate)")
    p.set_defaults(func=run)


def _check_files(paths: list[str]) -> str | None:
    """An error message naming the first missing or unreadable file, else None."""
    import os

    for path in paths:
        if not os.path.exists(path):
            return f"error: {path}: no such file"
        if os.path.isdir(path):
            return f"error: {path}: is a directory, not a text file"
        if not os.access(path, os.R_OK):
            return f"error: {path}: not readable (permission denied)"
    return None


def run(args: argparse.Namespace) -> int:
    """Run ``analysis extract``; returns the exit code (2 for unreadable or binary input files)."""
    problem = _check_files(args.files)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    if getattr(args, "past", False):
        return run_past(args)
    import pandas as pd

    from analysis.targets.extract import evaluate, extract_file, format_evaluation, OUTPUT_COLUMNS

    table = _extract_all(args.files, lambda path: extract_file(path, min_confidence=args.min_confidence),
                         OUTPUT_COLUMNS)
    if isinstance(table, int):
        return table

    against = getattr(args, "against", None)
    if against:
        return _write_review(args, table, against)
    out = table.copy()
    out["masked"] = out["masked"].map(lambda m: "true" if bool(m) else "false")
    _emit(table, out, args, ints=("baseline_year", "target_year", "target_quarter"), bools=("masked",))

    if args.evaluate:
        registries = []
        for reg_path in [args.evaluate] if isinstance(args.evaluate, str) else args.evaluate:
            try:
                registry = pd.read_csv(reg_path, dtype=str, keep_default_na=False)
            except (OSError, pd.errors.ParserError) as err:
                print(f"error: {reg_path}: cannot read the registry ({err})", file=sys.stderr)
                return 2
            missing = {"document", "target_value", "unit", "masked"} - set(registry.columns)
            if missing:
                print(f"error: {reg_path}: missing column(s) {', '.join(sorted(missing))}", file=sys.stderr)
                return 2
            registries.append(registry)
        registry = pd.concat(registries, ignore_index=True)
        registry["target_value"] = pd.to_numeric(registry["target_value"], errors="coerce")
        result = evaluate(table, registry, documents=args.files)
        stream = sys.stderr if not args.out else sys.stdout
        print(format_evaluation(result), file=stream)
        from analysis.targets.fields import evaluate_fields, format_fields, reliability_table

        fields = evaluate_fields(table, registry, documents=args.files)
        rel = reliability_table(list(table["confidence"].astype(float)), fields["correct"])
        print(format_fields(fields, rel), file=stream)
        print("  (confidence fitted on data/targets/targets.csv and tests/fixtures/extract_gold/gold.csv; "
              "for its cross-validated table run: python -m analysis.targets.calibration)", file=stream)
    return 0


def _write_review(args: argparse.Namespace, table, against: str) -> int:
    """``--against REGISTRY``: write the review CSV (new/changed/unchanged, differences, context)."""
    from pathlib import Path

    import pandas as pd

    from analysis.targets.review import review_table
    from analysis.targets.text import read_text

    try:
        registry = pd.read_csv(against, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError) as err:
        print(f"error: {against}: cannot read the registry ({err})", file=sys.stderr)
        return 2
    if "document" not in registry.columns or "target_id" not in registry.columns:
        print(f"error: {against}: not a target registry (needs the columns document and target_id)", file=sys.stderr)
        return 2
    texts = {Path(p).name: read_text(p) for p in args.files}
    # quotes are cut from the original text, so the context is looked up there
    review = review_table(table, registry, {k: v for k, v in texts.items()})
    text = review.to_csv(index=False)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    counts = review["status"].value_counts().to_dict() if len(review) else {}
    print("review: " + ", ".join(f"{counts.get(k, 0)} {k}" for k in ("new", "changed", "unchanged", "not found"))
          + " (fill accept=yes, then: analysis targets merge REVIEWED.csv)", file=sys.stderr)
    return 0


def run_past(args: argparse.Namespace) -> int:
    """``analysis extract --past``: series rows of past values; exit 2 for unreadable input or gold files."""
    import pandas as pd

    from analysis.targets.past import PAST_COLUMNS, extract_past_file
    from analysis.targets.past_evaluate import evaluate_past, format_past_evaluation

    options = dict(region=args.region, level=args.level, parent=args.parent, year=args.year, source=args.source,
                   reliability=args.reliability, min_confidence=args.min_confidence,
                   coded_only=not getattr(args, "all", False))
    table = _extract_all(args.files, lambda path: extract_past_file(path, **options), PAST_COLUMNS)
    if isinstance(table, int):
        return table
    out = table.copy()
    out["derived"] = out["derived"].map(lambda d: "true" if bool(d) else "false")
    out["value"] = out["value"].map(lambda v: f"{v:g}" if pd.notna(v) else "")
    _emit(table, out, args, ints=("year",), bools=("derived",))
    if args.evaluate:
        if not isinstance(args.evaluate, str):  # --evaluate is repeatable for targets; past values take one gold set
            if len(args.evaluate) > 1:
                print("error: --evaluate: --past takes one gold set", file=sys.stderr)
                return 2
            args.evaluate = args.evaluate[0]
        try:
            gold = pd.read_csv(args.evaluate, dtype=str, keep_default_na=False)
        except (OSError, pd.errors.ParserError) as err:
            print(f"error: {args.evaluate}: cannot read the gold set ({err})", file=sys.stderr)
            return 2
        missing = {"year", "value", "unit"} - set(gold.columns)
        if missing or not ({"document", "source"} & set(gold.columns)):
            need = sorted(missing) + ([] if {"document", "source"} & set(gold.columns) else ["document or source"])
            print(f"error: {args.evaluate}: missing column(s) {', '.join(need)}", file=sys.stderr)
            return 2
        result = evaluate_past(table, gold, documents=args.files)
        print(format_past_evaluation(result), file=sys.stderr if not args.out else sys.stdout)
    return 0


def _extract_all(files: list[str], extract, columns) -> "pd.DataFrame | int":
    """Every file through ``extract`` into one table; exit code 2 (file named) for unreadable or binary input."""
    import pandas as pd

    from analysis.targets.text import NotTextError

    frames = []
    for path in files:
        try:
            frames.append(extract(path))
        except OSError as err:
            print(f"error: {path}: cannot read ({err.strerror or err})", file=sys.stderr)
            return 2
        except NotTextError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        if os.path.getsize(path) == 0 or (frames[-1].empty and not Path(path).read_bytes()[:4096].strip()):
            print(f"note: {path}: empty file, no text to read", file=sys.stderr)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def _emit(table: "pd.DataFrame", csv_table: "pd.DataFrame", args: argparse.Namespace, *,
          ints: tuple[str, ...], bools: tuple[str, ...]) -> None:
    """Rows as JSON lines (``ints``/``bools`` typed, missing as null) or as CSV (``csv_table``), to ``--out``
    (written atomically) or stdout."""
    import json

    import pandas as pd

    if args.format == "json":
        lines = [json.dumps({k: (None if v is None or (not isinstance(v, (str, bool)) and pd.isna(v)) else
                                 int(v) if k in ints else bool(v) if k in bools else v)
                             for k, v in rec.items()}, ensure_ascii=False)
                 for rec in table.to_dict("records")]
        text = "\n".join(lines) + ("\n" if lines else "")
    else:
        text = csv_table.to_csv(index=False)
    if args.out:
        from analysis.reports.render import atomic_write_text

        atomic_write_text(Path(args.out), text)
    else:
        sys.stdout.write(text)
