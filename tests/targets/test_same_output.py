"""The speed work on ``analysis extract`` changes no output: every row and field as main's code gave.

The expected rows in ``tests/targets/expected/`` were written by main's code (commit ede6f31) before
the change (see :mod:`tests.targets.expected_output`): targets of the five seeds and the eleven gold
texts (calibrated and raw confidence), the seeds joined into one text read in small chunks, and
past values of the Shanwei plan and the past gold texts. Floats are compared exactly.
"""
from __future__ import annotations

import pytest

import expected_output as eo  # tests/targets/expected_output.py (pytest puts this folder on sys.path)


def _diff(case: str, got: list[dict], want: list[dict]) -> str:
    """A readable first difference between two lists of rows."""
    if len(got) != len(want):
        return f"{case}: {len(got)} rows, expected {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            fields = [k for k in w if g.get(k) != w.get(k)] + [k for k in g if k not in w]
            return f"{case} row {i + 1}: " + "; ".join(f"{k}: {g.get(k)!r} != {w.get(k)!r}" for k in fields)
    return ""


@pytest.mark.parametrize("name,make", [("targets", eo.target_cases), ("past", eo.past_cases)])
def test_output_equals_mains(name, make):
    want = eo.load(name)
    got = make()
    assert list(got) == list(want)
    problems = [d for case in want if (d := _diff(case, got[case], want[case]))]
    assert not problems, "\n".join(problems[:10])


def test_normalised_text_and_offsets_are_unchanged_on_a_traditional_glossed_text():
    """Offsets still point at the original: every quote of the expected rows is in its text."""
    want = eo.load("targets")
    texts = {p.name: p.read_text(encoding="utf-8") for p in eo.SEEDS + eo.TARGET_GOLD}
    for case, rows in want.items():
        if case in texts:
            assert all(r["quote"] in texts[case] for r in rows), case
