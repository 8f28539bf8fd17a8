"""The CLI contract: assess JSON fields for every registry target, ad-hoc errors, light import."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

CONTRACT = ("target_id, region, indicator, baseline_year, baseline_value, target_year, target_value, horizon, "
            "required_cagr, p_meet, p_own, p_peers, p_pooled, model, verdict, level_p50, level_p80, "
            "n_peer_windows, reference_class, outcome_value, met, notes").split(", ")
VERDICTS = {"on_track", "stretch", "unlikely", "implausible", "insufficient_data", "withheld", "error"}


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

    def same_run(out: str) -> dict:  # the generated minute differs when the two runs straddle one
        rec = json.loads(out)
        rec.get("run_info", {}).pop("generated_utc", None)
        return rec

    assert same_run(a.stdout) == same_run(b.stdout)
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


# ---------------------------------------------------------------------- version, verbosity, indicators, help
def call(argv, capsys):
    from analysis.cli import main

    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    import analysis

    code, out, _ = call(["--version"], capsys)
    assert code == 0 and out.strip() == f"analysis {analysis.__version__}"


HELP_PAGES = [["assess"], ["backtest"], ["batch"], ["extract"], ["indicators"], ["report"], ["report", "target"],
              ["report", "city"], ["report", "panel"], ["report", "backtest"], ["data"], ["data", "validate"],
              ["data", "coverage"], []]


@pytest.mark.parametrize("argv", HELP_PAGES, ids=[" ".join(a) or "analysis" for a in HELP_PAGES])
def test_every_help_ends_with_runnable_examples(argv, capsys):
    code, out, _ = call([*argv, "--help"], capsys)
    assert code == 0
    assert "\nexamples:\n" in out
    first = out.rstrip().split("examples:")[-1].strip().splitlines()[0]
    assert first.startswith(("analysis ", "ANALYSIS_DATA_PATH=")), first


def test_help_examples_parse():
    """Each example line in a --help parses with the parser it documents (options and choices exist)."""
    import shlex

    from analysis.cli import build_parser

    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices  # noqa: SLF001 - walk the documented commands
    pages = [parser.epilog] + [p.epilog for p in sub.values()]
    for p in sub.values():
        if p._subparsers:  # noqa: SLF001
            pages += [q.epilog for q in p._subparsers._group_actions[0].choices.values()]  # noqa: SLF001
    examples = []
    for page in filter(None, pages):
        joined = page.replace("\\\n", " ")
        for line in joined.splitlines()[1:]:
            cmd = line.split("#")[0].strip()
            if cmd.startswith("analysis ") and "COMMAND" not in cmd and ">" not in cmd and "--data-dir" not in cmd:
                examples.append(shlex.split(cmd)[1:])
    assert len(examples) >= 25
    for argv in examples:
        parser.parse_args(argv)  # SystemExit on an example that does not parse


def test_indicators_lists_the_catalogue(capsys):
    from analysis.data.catalogue import load_indicators

    n = len(load_indicators())
    code, out, _ = call(["indicators"], capsys)
    assert code == 0 and "hte_count" in out and "高新技术企业数量" in out and f"{n} indicator(s)" in out
    code, out, _ = call(["indicators", "--format", "json"], capsys)
    rows = json.loads(out)
    assert code == 0 and len(rows) == n and "\\u" not in out and "高新技术企业数量" in out
    code, out, _ = call(["indicators", "--format", "csv", "--kind", "share"], capsys)
    assert code == 0 and {r.split(",")[4] for r in out.strip().splitlines()[1:]} == {"share"}
    code, out, _ = call(["indicators", "--search", "高企", "--format", "json"], capsys)
    assert [r["code"] for r in json.loads(out)][0] == "hte_count"
    code, out, err = call(["indicators", "--search", "火星"], capsys)
    assert code == 1 and out == "" and "nothing matches" in err


def test_verbose_logs_progress_and_json_is_utf8(capsys):
    code, out, err = call(["assess", "-v", "--id", "shanwei2022-t01-hte_count", "--format", "json"], capsys)
    assert code == 0 and "INFO: assessing 1 target(s)" in err
    assert "汕尾市" in out and "\\u" not in out


def test_adhoc_with_chinese_indicator_name_and_region_short_name_matches_the_code(capsys):
    base = ["assess", "--baseline-year", "2021", "--baseline", "49", "--target-year", "2022", "--target", "100",
            "--format", "json"]
    _, by_name, _ = call(base + ["--region", "汕尾", "--indicator", "高新技术企业数量"], capsys)
    _, by_code, _ = call(base + ["--region", "汕尾市", "--indicator", "hte_count"], capsys)
    assert by_name == by_code and json.loads(by_code)["indicator"] == "hte_count"


def test_region_without_series_needs_level_and_parent(capsys):
    base = ["assess", "--indicator", "hte_count", "--baseline-year", "2021", "--baseline", "30", "--target-year",
            "2023", "--target", "60", "--format", "json"]
    code, out, err = call(base + ["--region", "新城市"], capsys)
    assert code == 2 and "level and parent" in err and out == ""
    code, out, _ = call(base + ["--region", "新城市", "--level", "city", "--parent", "广东"], capsys)
    rec = json.loads(out)
    withheld = any(n["code"] == "probability_withheld" for n in rec["note_codes"])  # rung B not calibrated
    assert code == 0 and (rec["level"], rec["parent"]) == ("city", "广东省")
    assert rec["p_meet"] is not None or (withheld and rec["p_meet_raw"] is not None and rec["level_p50"] is not None)
