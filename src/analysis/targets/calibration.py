"""A calibrated confidence: logistic regression on labelled rows, coefficients kept in the package.

The extractor's rules give each candidate a heuristic score (``raw``). This module turns the
score and a few facts about the row (indicator code found, unit empty, target year assumed, table
row, target type, comparator…; :data:`FEATURES`) into a probability that the row is right in every
field that matters (value+unit, target year, type), fitted on labelled rows: the hand-checked
registry ``data/targets/targets.csv`` against the seeds in ``data/raw/`` and the gold set in
``tests/fixtures/extract_gold/``. The coefficients live in ``confidence.json`` beside this file,
with the leave-one-document-out reliability table (so the table does not grade the fit data).

Refit (after changing the rules)::

    python -m analysis.targets.calibration        # prints the cross-validated table, writes the json
"""
from __future__ import annotations

import json
import math
import re
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

COEF_PATH = Path(__file__).with_name("confidence.json")
ROOT = Path(__file__).resolve().parents[3]
LABELLED = (  # (documents glob, registry) pairs used for fitting
    ("data/raw/*.txt", "data/targets/targets.csv"),
    ("tests/fixtures/extract_gold/*.txt", "tests/fixtures/extract_gold/gold.csv"),
)
TYPES = ("growth_rate", "share", "increment", "rank", "breakthrough", "milestone")


def _note_has(note: str, pattern: str) -> float:
    return 1.0 if re.search(pattern, note) else 0.0


def _missing_year(year) -> float:
    return 1.0 if year is None or (not isinstance(year, str) and pd.isna(year)) or year == "" else 0.0


def _note_feature(pattern: str):
    compiled = re.compile(pattern)
    return lambda note: 1.0 if compiled.search(str(note or "")) else 0.0


#: (feature, column it is computed from, how) — each feature reads one column of the row, so the
#: matrix is built column by column (:func:`_matrix`) with the same rules as :func:`features`.
_RULES: tuple[tuple[str, str, object], ...] = (
    ("raw", "confidence", lambda v: float(v or 0.0)),
    ("has_code", "indicator", lambda v: 1.0 if str(v or "").strip() else 0.0),
    ("no_unit", "unit", lambda v: 0.0 if str(v or "").strip() else 1.0),
    ("no_year", "target_year", _missing_year),
    ("year_assumed", "note", _note_feature(r"assumed to be the document year|plan's horizon|每年")),
    ("table", "note", _note_feature(r"from a table row")),
    ("bare_comparator", "comparator", lambda v: 1.0 if str(v) == "=" else 0.0),
    ("masked", "masked", lambda v: 1.0 if str(v).lower() in ("true", "1") else 0.0),
    ("odd_subject", "indicator_zh", lambda v: 1.0 if not 2 <= len(str(v or "")) <= 24 else 0.0),
    ("hedged", "note", _note_feature(r"review section|per-unit|listed after a 新增|inherit|stated with a level")),
) + tuple((f"type_{t}", "target_type", lambda v, t=t: 1.0 if v == t else 0.0) for t in TYPES)


def features(row: dict) -> dict[str, float]:
    """The numbers the calibrated confidence is computed from, for one output row.

    >>> features({"confidence": 0.8, "indicator": "hte_count", "unit": "家", "target_year": 2022,
    ...           "target_type": "level", "comparator": ">=", "note": ""})["has_code"]
    1.0
    """
    return {name: rule(row.get(column)) for name, column, rule in _RULES}


FEATURES = tuple(features({"target_type": "level"}).keys())


def _matrix(frame: pd.DataFrame) -> np.ndarray:
    """The feature matrix of ``frame`` (first column the intercept's 1), built column by column."""
    n = len(frame)
    if not n:
        return np.zeros((0, len(FEATURES) + 1))
    cache: dict[str, list] = {}
    columns = [np.ones(n)]
    for _, column, rule in _RULES:
        if column not in cache:
            cache[column] = frame[column].tolist() if column in frame.columns else [None] * n
        columns.append(np.array([rule(v) for v in cache[column]], dtype=float))
    return np.ascontiguousarray(np.column_stack(columns))


def fit(x: np.ndarray, y: np.ndarray, ridge: float = 1.0, steps: int = 50) -> np.ndarray:
    """Logistic regression by Newton's method with an L2 penalty (not on the intercept).

    >>> w = fit(np.array([[1.0, 0.0], [1.0, 1.0]] * 20), np.array([0.0, 1.0] * 20), ridge=0.1)
    >>> bool(w[1] > 0)
    True
    """
    w = np.zeros(x.shape[1])
    pen = np.full(x.shape[1], ridge)
    pen[0] = 1e-6
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) + pen * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(pen)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w


def predict(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Probabilities for the rows of ``x`` (first column the intercept's 1)."""
    return 1 / (1 + np.exp(-(x @ w)))


@lru_cache(maxsize=1)
def _coefficients() -> tuple[tuple[str, ...], np.ndarray] | None:
    try:
        data = json.loads(COEF_PATH.read_text(encoding="utf-8"))
        return tuple(data["features"]), np.array(data["coefficients"], dtype=float)
    except (OSError, ValueError, KeyError):
        return None


def calibrate(frame: pd.DataFrame) -> pd.Series:
    """Calibrated confidence for the rows of ``frame`` (its ``confidence`` column is the raw score).

    Without a stored model (or with one for other features) the raw score is returned unchanged.
    """
    model = _coefficients()
    if model is None or model[0] != FEATURES or not len(frame):
        return frame["confidence"].astype(float)
    return pd.Series(np.round(predict(_matrix(frame), model[1]), 2), index=frame.index)


def labelled_rows() -> pd.DataFrame:
    """Raw candidates of every labelled document with ``correct`` (right in value+unit, year, type)."""
    from analysis.targets.extract import extract_file
    from analysis.targets.fields import evaluate_fields

    frames = []
    for pattern, registry_path in LABELLED:
        docs = sorted(ROOT.glob(pattern))
        registry = pd.read_csv(ROOT / registry_path, dtype=str, keep_default_na=False)
        cand = pd.concat([extract_file(p, raw_confidence=True) for p in docs], ignore_index=True)
        result = evaluate_fields(cand, registry, [p.name for p in docs])
        cand["correct"] = result["correct"]
        frames.append(cand)
    return pd.concat(frames, ignore_index=True)


def cross_validated(rows: pd.DataFrame, ridge: float = 1.0) -> np.ndarray:
    """Leave-one-document-out predicted confidence for each labelled row."""
    x, y = _matrix(rows), rows["correct"].astype(float).to_numpy()
    out = np.zeros(len(rows))
    for doc in rows["document"].unique():
        test = (rows["document"] == doc).to_numpy()
        out[test] = predict(x[test], fit(x[~test], y[~test], ridge))
    return out


def main(argv: list[str] | None = None) -> int:
    """Refit the coefficients on the labelled rows, print the cross-validated reliability table."""
    from analysis.targets.fields import reliability_table

    rows = labelled_rows()
    cv = cross_validated(rows)
    table = reliability_table(list(cv), list(rows["correct"]))
    w = fit(_matrix(rows), rows["correct"].astype(float).to_numpy())
    print(f"{len(rows)} labelled candidates from {rows['document'].nunique()} documents; "
          f"{int(rows['correct'].sum())} right in value+unit, year and type")
    print("leave-one-document-out reliability:")
    for r in table:
        if r["n"]:
            print(f"  {r['lo']:.1f}–{r['hi']:.1f}  n={r['n']:4d}  mean confidence {r['mean_confidence']:.2f}  "
                  f"right {r['share_correct']:.2f}")
    brier = float(np.mean((cv - rows["correct"].astype(float).to_numpy()) ** 2))
    COEF_PATH.write_text(json.dumps({
        "what": "logistic regression of 'right in value+unit, year and type' on the features below "
                "(analysis.targets.calibration.features); refit with python -m analysis.targets.calibration",
        "fitted_on": [f"{g} against {r}" for g, r in LABELLED],
        "rows": len(rows),
        "features": list(FEATURES),
        "coefficients": [round(float(v), 6) for v in w],
        "cross_validated": {"brier": round(brier, 4), "reliability": [
            {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()} for r in table]},
    }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"Brier score (cross-validated) {brier:.3f}; coefficients written to {COEF_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
