"""The CLI contract: assess JSON fields for every registry target, ad-hoc errors, light import."""
from __future__ import annotations

import json
import subprocess
import sys

CONTRACT = ("target_id, region, indicator, baseline_year, baseline_value, target_year, target_value, horizon, "
            "required_cagr, p_meet, p_own, p_peers, p_pooled, model, verdict, level_p50, level_p80, "
            "n_peer_windows, reference_class, outcome_value, met, notes").split(", ")
VERDICTS = {"on_track", "stretch", "unlikely", "implausible", "insufficient_data", "error"}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True)


def test_assess_json_has_every_contract_field_for_every_registry_target():
    from analysis.data.loaders import load_targets

    res = run("assess", "--format", "json")
    assert res.returncode == 0, res.stderr
    records = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(records) == len(load_targets())
    for rec in records:
        assert all(k in rec for k in CONTRACT), set(CONTRACT) - set(rec)
        assert rec["verdict"] in VERDICTS
        assert isinstance(rec["notes"], list)
        for key in ("baseline_year", "target_year", "horizon", "n_peer_windows"):
            assert rec[key] is None or type(rec[key]) is int, (key, rec[key])
        if rec["p_meet"] is not None:
            assert 0 <= rec["p_meet"] <= 1
    shanwei = next(r for r in records if r["target_id"] == "shanwei2022-t01-hte_count")
    assert shanwei["baseline_value"] == 49 and shanwei["target_value"] == 100
    assert abs(shanwei["required_cagr"] - 1.0408) < 1e-3


def test_adhoc_target_and_seed_reproducible():
    args = ("assess", "--region", "汕尾", "--indicator", "hte_count", "--baseline-year", "2021", "--baseline", "49",
            "--target-year", "2022", "--target", "100", "--format", "json", "--seed", "3")
    a, b = run(*args), run(*args)
    assert a.returncode == 0, a.stderr
    assert a.stdout == b.stdout
    rec = json.loads(a.stdout)
    assert rec["region"] == "汕尾市" and rec["horizon"] == 1


def test_bad_adhoc_targets_exit_nonzero_with_message():
    bad_year = run("assess", "--region", "汕尾市", "--indicator", "hte_count", "--baseline-year", "2022",
                   "--target-year", "2021", "--target", "100")
    assert bad_year.returncode != 0 and "not after" in bad_year.stderr
    bad_ind = run("assess", "--region", "汕尾市", "--indicator", "hte_cout", "--target-year", "2023", "--target", "100")
    assert bad_ind.returncode != 0 and "hte_count" in bad_ind.stderr  # close match offered
    bad_region = run("assess", "--region", "汕尾县", "--indicator", "hte_count", "--target-year", "2023", "--target", "100")
    assert bad_region.returncode != 0 and "汕尾市" in bad_region.stderr
    neg = run("assess", "--region", "汕尾市", "--indicator", "hte_count", "--target-year", "2023", "--target", "0")
    assert neg.returncode != 0 and "positive" in neg.stderr


def test_import_is_light():
    code = ("import sys, analysis; heavy = [m for m in ('statsmodels', 'matplotlib', 'seaborn', 'papermill') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_coverage_command_prints_grid():
    res = run("data", "coverage", "--indicator", "hte_count", "--level", "city")
    assert res.returncode == 0, res.stderr
    assert "汕尾市" in res.stdout and "sourced region-years" in res.stdout
    bad = run("data", "coverage", "--indicator", "hte_cnt")
    assert bad.returncode != 0 and "hte_count" in bad.stderr
