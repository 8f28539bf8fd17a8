"""Hostile CLI parameters: each bad one exits 2 before any output, with a message naming it, no traceback."""
from __future__ import annotations

import subprocess
import sys

import pytest

from analysis.cli import main

ADHOC = ["assess", "--region", "汕尾", "--indicator", "hte_count", "--baseline-year", "2021", "--target-year", "2022"]

CASES = [  # (argv, the parameter the message must name)
    (ADHOC + ["--target", "100", "--baseline", "inf"], "--baseline"),
    (ADHOC + ["--target", "100", "--baseline", "nan"], "--baseline"),
    (ADHOC + ["--target", "-inf"], "--target"),
    (ADHOC + ["--target", "1e999"], "--target"),
    (ADHOC + ["--target", "0"], "--target"),
    (ADHOC + ["--target", "-5"], "--target"),
    (ADHOC + ["--target", "100", "--baseline", "-3"], "--baseline"),
    (ADHOC + ["--target", "100", "--baseline", "49家"], "--baseline"),
    (["assess", "--region", "../../etc", "--indicator", "hte_count", "--target-year", "2022", "--target", "9"], "--region"),
    (["assess", "--region", "汕尾/../x", "--indicator", "hte_count", "--target-year", "2022", "--target", "9"], "--region"),
    (["assess", "--region", "火星市", "--indicator", "hte_count", "--target-year", "2022", "--target", "9"], "--region"),
    (["assess", "--region", "汕尾", "--indicator", "hte_cnt", "--target-year", "2022", "--target", "9"], "--indicator"),
    (["assess", "--region", "汕尾", "--indicator", "rd_intensity", "--target-year", "2022", "--target", "150"], "--target"),
    (["assess", "--region", "汕尾", "--level", "town", "--indicator", "hte_count", "--target-year", "2022",
      "--target", "9"], "--level"),
    (["assess", "--region", "汕尾", "--level", "province", "--indicator", "hte_count", "--target-year", "2022",
      "--target", "9"], "--level"),
    (["assess", "--region", "汕尾", "--parent", "浙江", "--indicator", "hte_count", "--target-year", "2022",
      "--target", "9"], "--parent"),
    (["assess", "--region", "汕尾", "--indicator", "hte_count", "--baseline-year", "2022", "--target-year", "2021",
      "--target", "9"], "--target-year"),
    (["assess", "--region", "汕尾", "--indicator", "hte_count", "--target-year", "2022"], "--target"),
    (ADHOC[:-2] + ["--baseline-year", "20x1", "--target-year", "2022", "--target", "9"], "--baseline-year"),
    (["assess", "--as-of", "1990", "--id", "shanwei2022-t01-hte_count"], "--as-of"),
    (["assess", "--as-of", "3000"], "--as-of"),
    (["assess", "--seed", "-1"], "--seed"),
    (["assess", "--workers", "0"], "--workers"),
    (["assess", "--workers", "two"], "--workers"),
    (["assess", "--id", "no-such-target"], "no-such-target"),
    (["backtest", "--draws", "0"], "--draws"),
    (["backtest", "--draws", "-5"], "--draws"),
    (["backtest", "--draws", "ten"], "--draws"),
    (["backtest", "--seed", "-2"], "--seed"),
    (["backtest", "--indicator", "hte_cnt"], "--indicator"),
    (["backtest", "--level", "town"], "--level"),
    (["batch", "--limit", "-1"], "--limit"),
    (["batch", "--workers", "0"], "--workers"),
    (["batch", "--timeout", "0"], "--timeout"),
    (["batch", "--timeout", "inf"], "--timeout"),
    (["batch", "--seed", "-1"], "--seed"),
    (["batch", "--target", "../../etc"], "--target"),
    (["report", "city", "../../etc"], "REGION"),
    (["report", "target", "x", "--as-of", "3000"], "--as-of"),
    (["report", "target", "shanwei2022-t01-hte_count", "--as-of", "1990"], "--as-of"),
    (["report", "target", "shanwei2022-t01-hte_count", "--seed", "-1"], "--seed"),
    (["report", "panel", "hte_cnt"], "INDICATOR"),
    (["report", "panel", "hte_count", "--level", "town"], "--level"),
    (["extract", "--min-confidence", "nan", "x.txt"], "--min-confidence"),
    (["extract", "--min-confidence", "2", "x.txt"], "--min-confidence"),
    (["data", "coverage", "--indicator", "hte_cnt"], "--indicator"),
    (["data", "coverage", "--level", "town"], "--level"),
    (["data", "coverage", "--parent", "../etc"], "--parent"),
    (["assess", "--data-dir", "/no/such/folder"], "--data-dir"),
]


def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse refuses before the command runs
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv, param", CASES, ids=[" ".join(a[-4:]) for a, _ in CASES])
def test_bad_parameter_exits_2_naming_it_before_any_output(argv, param, capsys):
    code, out, err = run_main(argv, capsys)
    assert code == 2, (code, err)
    assert param in err, err
    assert out == "" and "Traceback" not in err


@pytest.mark.parametrize("argv", [["batch", "--out", "{file}"], ["report", "backtest", "--out", "{file}"]])
def test_out_pointing_to_a_file_is_refused_and_left_alone(argv, tmp_path, capsys):
    target = tmp_path / "a-file"
    target.write_text("keep me", encoding="utf-8")
    code, out, err = run_main([a.format(file=target) for a in argv], capsys)
    assert code == 2 and "--out" in err and "is a file" in err and out == ""
    assert target.read_text(encoding="utf-8") == "keep me" and sorted(tmp_path.iterdir()) == [target]


def test_extract_out_pointing_to_a_folder_is_refused(tmp_path, capsys):
    src = tmp_path / "plan.txt"
    src.write_text("到2025年，高新技术企业达到100家。", encoding="utf-8")
    code, out, err = run_main(["extract", str(src), "--out", str(tmp_path)], capsys)
    assert code == 2 and "--out" in err and "is a folder" in err and out == ""


def test_as_of_beyond_the_data_is_a_warning_and_quiet_silences_it(capsys):
    code, out, err = run_main(["assess", "--as-of", "2099", "--id", "shanwei2022-t01-hte_count"], capsys)
    assert code == 0 and "shanwei2022-t01-hte_count" in out
    assert "WARNING" in err and "as-of year 2099 is beyond the data's last year" in err
    code, out, err = run_main(["assess", "-q", "--as-of", "2099", "--id", "shanwei2022-t01-hte_count"], capsys)
    assert code == 0 and err == ""


def test_a_real_process_prints_no_traceback():
    for argv in (["backtest", "--draws", "0"], ["assess", "--region", "汕尾", "--indicator", "hte_count",
                                                  "--baseline", "inf", "--target-year", "2022", "--target", "9"]):
        res = subprocess.run([sys.executable, "-m", "analysis", *argv], capture_output=True, text=True)
        assert res.returncode == 2 and res.stdout == "" and "Traceback" not in res.stderr, res.stderr
