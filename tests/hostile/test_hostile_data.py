"""Hostile values in series and registry rows: implausible data fail validation with their reason."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from analysis.data.catalogue import load_indicators
from analysis.data.loaders import load_series, load_targets
from analysis.data.plausibility import annual_change_problems
from analysis.data.schemas import DataValidationError, parse_series, parse_targets, read_text_csv

HEADER = "region,level,parent,indicator,year,value,unit,qualifier,source,quote,reliability,derived,note"
ROW = "汕尾市,city,广东省,hte_count,2020,{value},家,exact,probe.txt,高企,official,false,{note}"
REGISTRY = Path(__file__).resolve().parents[2] / "data" / "targets" / "targets.csv"
T_HEADER, T_ROW = REGISTRY.read_text(encoding="utf-8").splitlines()[:2]  # 汕尾市 高企 49 → 100 (2021 → 2022)


def series_problems(tmp_path: Path, *rows: str, header: str = HEADER) -> list[str]:
    f = tmp_path / "s.csv"
    f.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    _, found = parse_series(read_text_csv(f), str(f), load_indicators())
    return [str(p) for p in found]


def target_problems(tmp_path: Path, row: str) -> list[str]:
    f = tmp_path / "t.csv"
    f.write_text(T_HEADER + "\n" + row + "\n", encoding="utf-8")
    _, found = parse_targets(read_text_csv(f), str(f), load_indicators())
    return [str(p) for p in found]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True, timeout=300)


# ---------------------------------------------------------------- the probes
def test_1e308_fails_validation_and_no_longer_flips_the_verdict(tmp_path):
    d = tmp_path / "extra"
    d.mkdir()
    (d / "s.csv").write_text(HEADER + "\n" + ROW.format(value="1e308", note="") + "\n", encoding="utf-8")
    res = cli("data", "validate", "--data-dir", str(d))
    assert res.returncode == 1  # before: exit 0, and 汕尾市 高企 went from implausible (P 0.035) to on_track (P 0.90)
    assert f"{d / 's.csv'}:2:value: implausible value 1e+308 家 for hte_count" in res.stderr
    with pytest.raises(DataValidationError, match="implausible value"):
        load_series([d])  # the assessment path refuses the same file
    res = cli("assess", "--data-dir", str(d), "--id", "shanwei2022-p-hte_count", "--format", "json")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert f"{d / 's.csv'}:2:value: implausible value" in res.stderr


@pytest.mark.parametrize("text", ["inf", "-inf", "Infinity", "1e309"])
def test_infinite_values_are_not_numbers(tmp_path, text):
    found = series_problems(tmp_path, ROW.format(value=text, note=""))
    assert any(":2:value: not a finite number" in p for p in found), found


def test_nan_is_still_rejected(tmp_path):
    found = series_problems(tmp_path, ROW.format(value="nan", note=""))
    assert any(":2:value: not a number" in p for p in found), found


def test_registry_unit_that_does_not_fit_the_indicator(tmp_path):
    found = target_problems(tmp_path, T_ROW.replace(",100,家,", ",100,亿元,"))
    assert any(":2:unit: unit '亿元' does not fit indicator hte_count" in p for p in found), found


def test_unknown_region_in_registry(tmp_path):
    row = T_ROW.replace("shanwei2022-p-hte_count,", "mars,", 1).replace(",汕尾市,", ",火星市,", 1)
    found = target_problems(tmp_path, row)
    assert any(":2:region: unknown region '火星市'" in p for p in found), found


def test_count_target_of_zero_fails_at_validation(tmp_path):
    found = target_problems(tmp_path, T_ROW.replace(",100,家,", ",0,家,"))
    assert any(":2:target_value: a level target of 0 for a count indicator" in p for p in found), found


def test_registry_validate_cli_names_the_row(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text(T_HEADER + "\n" + T_ROW.replace(",100,家,", ",100,亿元,") + "\n", encoding="utf-8")
    res = cli("data", "validate", "--targets", str(f))
    assert res.returncode == 1 and f"{f}:2:unit:" in res.stderr  # before: exit 0


def test_load_targets_refuses_a_bad_registry(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text(T_HEADER + "\n" + T_ROW.replace(",100,家,", ",0,家,") + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"t\.csv:2:target_value"):
        load_targets(f)


# ---------------------------------------------------------------- more rules
def test_share_outside_0_100(tmp_path):
    row = ROW.format(value="150", note="").replace("hte_count", "rd_intensity").replace(",家,", ",%,")
    found = series_problems(tmp_path, row)
    assert any("implausible value 150 % for rd_intensity" in p and "0–100" in p for p in found), found


def test_extreme_value_passes_with_a_note(tmp_path):
    assert series_problems(tmp_path, ROW.format(value="2e8", note="census recount (see source)")) == []


def test_annual_change_beyond_x20_needs_a_note(tmp_path):
    rows = [ROW.format(value="60", note=""), ROW.format(value="6000", note="").replace(",2020,", ",2021,")]
    f = tmp_path / "s.csv"
    f.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    typed, _ = parse_series(read_text_csv(f), str(f), load_indicators())
    found = [str(p) for p in annual_change_problems([(str(f), typed)], load_indicators())]
    assert len(found) == 1 and f"{f}:3:value:" in found[0] and "×100" in found[0] and f"{f}:2" in found[0]
    typed.loc[1, "note"] = "merged two districts into the city (source X)"  # the later row explains it
    assert annual_change_problems([(str(f), typed)], load_indicators()) == []


def test_annual_change_across_files_is_checked(tmp_path):
    """A typo in an extra folder is compared with the bundled series of the same region."""
    d = tmp_path / "extra"
    d.mkdir()
    (d / "s.csv").write_text(HEADER + "\n" + ROW.format(value="9000000", note="").replace(",2020,", ",2022,")
                             + "\n", encoding="utf-8")
    res = cli("data", "validate", "--data-dir", str(d))
    assert res.returncode == 1
    assert f"{d / 's.csv'}:2:value: 汕尾市 hte_count 2021→2022" in res.stderr


def test_small_counts_may_jump(tmp_path):
    rows = [ROW.format(value="1", note=""), ROW.format(value="30", note="").replace(",2020,", ",2021,")]
    f = tmp_path / "s.csv"
    f.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    typed, _ = parse_series(read_text_csv(f), str(f), load_indicators())
    assert annual_change_problems([(str(f), typed)], load_indicators()) == []  # 零的突破-sized counts


def test_new_region_needs_the_flag_level_and_parent(tmp_path):
    header = HEADER + ",new_region"
    new = ROW.format(value="5", note="").replace("汕尾市", "横琴新区").replace(",city,", ",district,") + ",true"
    assert series_problems(tmp_path, new, header=header) == []
    orphan = new.replace(",广东省,", ",,")
    assert any(":2:parent: new region '横琴新区' needs its parent" in p for p in series_problems(tmp_path, orphan, header=header))
    unflagged = new[: -len(",true")] + ",false"
    assert any(":2:region: unknown region '横琴新区'" in p for p in series_problems(tmp_path, unflagged, header=header))


def test_known_region_with_the_wrong_level_or_parent(tmp_path):
    wrong_level = ROW.format(value="49", note="").replace(",city,", ",province,")
    assert any(":2:level: '汕尾市' is a city" in p for p in series_problems(tmp_path, wrong_level))
    wrong_parent = ROW.format(value="49", note="").replace(",广东省,", ",浙江省,")
    assert any(":2:parent: '汕尾市' lies in 广东省" in p for p in series_problems(tmp_path, wrong_parent))


def test_growth_rate_target_beyond_bounds(tmp_path):
    growth = REGISTRY.read_text(encoding="utf-8").splitlines()[2]  # the same goal as +90% growth
    assert target_problems(tmp_path, growth) == []
    found = target_problems(tmp_path, growth.replace(",90,%,", ",5000,%,"))
    assert any(":2:target_value: implausible target_value 5000 %" in p for p in found), found
    found = target_problems(tmp_path, growth.replace(",90,%,", ",90,家,"))
    assert any(":2:unit: a growth_rate target is in %" in p for p in found), found


def test_infinite_baseline_in_registry(tmp_path):
    found = target_problems(tmp_path, T_ROW.replace(",2021,49,2022,", ",2021,-inf,2022,"))
    assert any(":2:baseline_value: not a finite number" in p for p in found), found


def test_bundled_data_still_validate():
    res = cli("data", "validate")
    assert res.returncode == 0, res.stderr[-3000:]
