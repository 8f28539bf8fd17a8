"""The extractors' output on the bundled texts, as plain records: the reference for "same output".

``tests/targets/expected/*.jsonl`` were written by main's code (commit ede6f31) before the speed
work on ``analysis extract``; :mod:`tests.targets.test_same_output` re-runs the extractors and
compares every row, field by field (floats exactly). Regenerate only on purpose, when a change
of the rules is meant to change the output::

    python tests/targets/expected_output.py        # rewrites tests/targets/expected/*.jsonl
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_DIR = Path(__file__).with_name("expected")
SEEDS = sorted((ROOT / "data" / "raw").glob("00*.txt"))
TARGET_GOLD = sorted((ROOT / "tests" / "fixtures" / "extract_gold").glob("g*.txt"))
PAST_GOLD = sorted((ROOT / "tests" / "fixtures" / "past_gold").glob("*.txt"))
#: documents whose text gives no year (as in tests/targets/test_past.py)
PAST_YEARS = {"shanghai_2024_report_traditional.txt": 2024}
#: chunk size for the chunked case: the five seeds joined are read in about seven pieces
SMALL_CHUNK = 20_000


def _plain(v):
    """A JSON-ready scalar: NaN/NA → None, numpy numbers → Python numbers."""
    if v is None:
        return None
    try:
        import pandas as pd

        if v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            return None
    except ImportError:  # pragma: no cover
        pass
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def records(frame) -> list[dict]:
    """Rows of ``frame`` as plain dicts (column order kept)."""
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def target_cases() -> dict[str, list[dict]]:
    """Target rows (calibrated and raw confidence) of every seed and gold text, and of the seeds
    joined into one text read in small chunks (the path a 20 MB file takes)."""
    from analysis.targets import extract as ex

    out: dict[str, list[dict]] = {}
    for path in SEEDS + TARGET_GOLD:
        rows = records(ex.extract_file(path))
        raw = ex.extract_file(path, raw_confidence=True)["confidence"].tolist()
        for r, c in zip(rows, raw):
            r["raw_confidence"] = _plain(c)
        out[path.name] = rows
    joined = "\n".join(p.read_text(encoding="utf-8") for p in SEEDS)
    saved = ex.CHUNK_CHARS, ex.text_chunks.__defaults__
    # main's extract_text took the chunk size from text_chunks' default (bound when the module was
    # loaded), the new one reads CHUNK_CHARS when called: set both, so both read in small chunks
    ex.CHUNK_CHARS, ex.text_chunks.__defaults__ = SMALL_CHUNK, (SMALL_CHUNK,)
    try:
        out["seeds_joined_chunked"] = records(ex.extract_text(joined, "seeds_joined.txt"))
    finally:
        ex.CHUNK_CHARS, ex.text_chunks.__defaults__ = saved
    return out


def past_cases() -> dict[str, list[dict]]:
    """Past-value rows: the Shanwei plan (default options) and the past gold texts (all rows)."""
    from analysis.targets.past import extract_past_file

    out = {"past:" + SEEDS[0].name: records(extract_past_file(SEEDS[0]))}
    for path in PAST_GOLD:
        out["past:" + path.name] = records(extract_past_file(path, coded_only=False, year=PAST_YEARS.get(path.name)))
    return out


def load(name: str) -> dict[str, list[dict]]:
    """The stored expected output ``expected/<name>.jsonl`` as {case: rows}."""
    lines = (EXPECTED_DIR / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    out: dict[str, list[dict]] = {case: [] for case in json.loads(lines[0])["_cases"]}
    for line in lines[1:]:
        rec = json.loads(line)
        out[rec.pop("_case")].append(rec)
    return out


def write(name: str, cases: dict[str, list[dict]]) -> None:
    """Store ``cases`` as ``expected/<name>.jsonl`` (a first line naming the cases, then one row a
    line with its case in ``_case``)."""
    EXPECTED_DIR.mkdir(exist_ok=True)
    lines = [json.dumps({"_cases": list(cases)}, ensure_ascii=False)]
    lines += [json.dumps({"_case": case, **row}, ensure_ascii=False) for case, rows in cases.items() for row in rows]
    (EXPECTED_DIR / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    """Rewrite the expected output from the current code."""
    write("targets", target_cases())
    write("past", past_cases())
    return 0


if __name__ == "__main__":
    sys.exit(main())
