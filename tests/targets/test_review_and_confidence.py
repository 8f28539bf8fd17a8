"""Per-field evaluation, the calibrated confidence, the gold set, and the review/merge workflow."""
from __future__ import annotations

import json
import shutil
from argparse import Namespace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.targets import calibration
from analysis.targets.extract import extract_file, extract_text
from analysis.targets.fields import evaluate_fields, field_checks, reliability_table
from analysis.targets.review import MergeError, merge_reviewed, review_table, stable_id

ROOT = Path(__file__).resolve().parents[2]
GOLD_DIR = ROOT / "tests" / "fixtures" / "extract_gold"
REGISTRY = ROOT / "data" / "targets" / "targets.csv"


def test_field_checks_compare_values_on_the_canonical_scale():
    cand = pd.Series({"target_value": 1200.0, "unit": "万元", "target_year": 2022, "target_type": "level",
                      "comparator": ">=", "region": "汕尾市", "baseline_year": None, "baseline_value": None})
    gold = pd.Series({"target_value": "0.12", "unit": "亿元", "target_year": "2022", "target_type": "level",
                      "comparator": "=", "region": "汕尾市", "baseline_year": "", "baseline_value": ""})
    checks = field_checks(cand, gold)
    assert checks["value"] and checks["year"] and checks["baseline"] and not checks["comparator"]


def test_reliability_table_bins_and_shares():
    table = reliability_table([0.1, 0.15, 0.9, 0.95, 1.0], [False, True, True, True, False], bins=5)
    assert table[0]["n"] == 2 and table[0]["share_correct"] == 0.5
    assert table[4]["n"] == 3 and table[4]["mean_confidence"] == pytest.approx(0.95)


def test_logistic_fit_recovers_a_known_probability():
    # 200 rows with the feature on, 75 % of them right; 200 with it off, 25 % right
    x = np.array([[1.0, 1.0]] * 200 + [[1.0, 0.0]] * 200)
    y = np.array(([1.0] * 150 + [0.0] * 50) + ([1.0] * 50 + [0.0] * 150))
    p = calibration.predict(x, calibration.fit(x, y, ridge=1e-6))
    assert p[0] == pytest.approx(0.75, abs=1e-3) and p[-1] == pytest.approx(0.25, abs=1e-3)


def test_the_shipped_coefficients_fit_the_current_features():
    data = json.loads(calibration.COEF_PATH.read_text(encoding="utf-8"))
    assert tuple(data["features"]) == calibration.FEATURES
    assert len(data["coefficients"]) == len(calibration.FEATURES) + 1
    df = extract_text("中山市科学技术局2024年工作要点\n二、主要目标\n高新技术企业达到300家以上。", "p.txt")
    assert 0 < df.iloc[0]["confidence"] < 1


def test_cross_validated_confidence_is_reliable_where_rows_are_many():
    table = json.loads(calibration.COEF_PATH.read_text(encoding="utf-8"))["cross_validated"]["reliability"]
    full = [r for r in table if r["n"] >= 20]
    assert full and all(abs(r["share_correct"] - r["mean_confidence"]) <= 0.10 for r in full)


def test_gold_set_meets_the_field_goals():
    docs = sorted(GOLD_DIR.glob("g*.txt"))
    assert len(docs) >= 8
    gold = pd.read_csv(GOLD_DIR / "gold.csv", dtype=str, keep_default_na=False)
    for quote, doc in zip(gold["quote"], gold["document"]):
        assert "".join(quote.split()) in "".join((GOLD_DIR / doc).read_text(encoding="utf-8").split())
    cand = pd.concat([extract_file(p) for p in docs], ignore_index=True)
    r = evaluate_fields(cand, gold, [p.name for p in docs])
    assert r["recall"] >= 0.9 and r["precision"] >= 0.9
    assert all(r["accuracy"][f] >= 0.9 for f in ("value", "year", "type"))


def _plan(tmp_path: Path) -> Path:
    doc = tmp_path / "linjiang.txt"
    doc.write_text("中山市科学技术局2024年工作要点\n二、主要目标\n高新技术企业达到300家以上,技术合同成交额突破20亿元,"
                   "新增省级研发中心5家。", encoding="utf-8")
    return doc


def _registry(tmp_path: Path) -> Path:
    reg = tmp_path / "targets.csv"
    rows = pd.read_csv(REGISTRY, dtype=str, keep_default_na=False).head(3)
    extra = rows.iloc[[0]].copy()
    extra["target_id"], extra["document"], extra["region"], extra["level"], extra["parent"] = \
        "linjiang-hte", "linjiang.txt", "中山市", "city", "广东省"
    extra["indicator"], extra["indicator_zh"], extra["target_type"], extra["comparator"] = \
        "hte_count", "高新技术企业", "level", "="
    extra["baseline_year"] = extra["baseline_value"] = ""
    extra["target_year"], extra["target_value"], extra["unit"] = "2024", "300", "家"
    extra["quote"], extra["note"], extra["region_note"] = "高新技术企业达到300家以上", "", ""
    pd.concat([rows, extra]).to_csv(reg, index=False)
    return reg


def test_review_marks_changed_new_and_unchanged_rows_with_context(tmp_path):
    doc, reg = _plan(tmp_path), _registry(tmp_path)
    cand = extract_file(doc)
    review = review_table(cand, pd.read_csv(reg, dtype=str, keep_default_na=False),
                          {doc.name: doc.read_text(encoding="utf-8")})
    by_status = dict(zip(review["status"], review["target_id"]))
    assert set(review["status"]) == {"changed", "new"}
    changed = review[review["status"] == "changed"].iloc[0]
    assert by_status["changed"] == "linjiang-hte" and "comparator: = → >=" in changed["differences"]
    assert "【高新技术企业达到300家以上】" in changed["context"]
    new = review[review["status"] == "new"]
    assert list(new["target_id"]) == [stable_id(r) for r in new.to_dict("records")]  # stable


def test_merge_applies_accepted_rows_and_validates_atomically(tmp_path):
    doc, reg = _plan(tmp_path), _registry(tmp_path)
    registry = pd.read_csv(reg, dtype=str, keep_default_na=False)
    review = review_table(extract_file(doc), registry, {doc.name: doc.read_text(encoding="utf-8")})
    review["accept"] = "yes"
    before = reg.read_text(encoding="utf-8")
    bad = review.copy()
    bad.loc[bad["status"] == "new", "target_type"] = "levels"
    with pytest.raises(MergeError) as err:
        merge_reviewed(bad, reg, "review.csv")
    assert any(p.startswith("review.csv:") and ":target_type:" in p for p in err.value.problems)
    assert reg.read_text(encoding="utf-8") == before  # nothing written
    result = merge_reviewed(review, reg, "review.csv")
    assert result == {"replaced": 1, "added": 2, "skipped": 0}
    merged = pd.read_csv(reg, dtype=str, keep_default_na=False)
    assert merged.loc[merged["target_id"] == "linjiang-hte", "comparator"].item() == ">="
    with pytest.raises(MergeError, match="already in"):
        merge_reviewed(review, reg, "review.csv")  # the same new rows twice: refused


def test_targets_merge_command(tmp_path, capsys):
    from analysis.commands.extract import run
    from analysis.commands.targets import run_merge

    doc, reg = _plan(tmp_path), _registry(tmp_path)
    out = tmp_path / "review.csv"
    args = Namespace(files=[str(doc)], format="csv", evaluate=None, out=str(out), min_confidence=0.0, against=str(reg))
    assert run(args) == 0
    assert "1 changed" in capsys.readouterr().err
    review = pd.read_csv(out, dtype=str, keep_default_na=False)
    review.loc[review["status"] == "changed", "accept"] = "yes"
    review.to_csv(out, index=False)
    assert run_merge(Namespace(reviewed=str(out), registry=str(reg))) == 0
    assert "1 row(s) replaced, 0 added" in capsys.readouterr().out
    assert run_merge(Namespace(reviewed=str(tmp_path / "missing.csv"), registry=str(reg))) == 2
