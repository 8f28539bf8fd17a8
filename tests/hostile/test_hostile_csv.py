"""Hostile CSV files: every one is read correctly or refused naming file, line and column; never a traceback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from analysis.data.csvio import MAX_FIELD, CsvReadError, read_csv_text

HEADER = "region,level,parent,indicator,year,value,unit,qualifier,source,quote,reliability,derived,note"
ROW = "深圳市,city,广东省,hte_count,2015,999,家,exact,probe.txt,高企999家,official,false,"


def validate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", "data", "validate", *args],
                          capture_output=True, text=True, timeout=300)


def folder_with(tmp_path: Path, data: bytes, name: str = "s.csv") -> Path:
    d = tmp_path / "extra"
    d.mkdir(exist_ok=True)
    (d / name).write_bytes(data)
    return d


def no_traceback(res: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in res.stderr, res.stderr[-2000:]


# ---------------------------------------------------------------- the probes, through the CLI
def test_bom_file_in_data_dir_is_read_not_ignored(tmp_path):
    d = folder_with(tmp_path, ("\ufeff" + HEADER + "\n" + ROW + "\n").encode("utf-8"))
    res = validate("--data-dir", str(d))
    no_traceback(res)
    assert res.returncode == 0, res.stderr
    assert f"     1  {d / 's.csv'}" in res.stdout  # before: the file was silently skipped


def test_gbk_file_in_data_dir_is_read_and_named(tmp_path):
    d = folder_with(tmp_path, (HEADER + "\n" + ROW + "\n").encode("gbk"))
    res = validate("--data-dir", str(d))
    no_traceback(res)  # before: raw UnicodeDecodeError traceback
    assert res.returncode == 0, res.stderr
    assert f"{d / 's.csv'} (read as GB18030" in res.stdout


def test_gbk_registry_is_read(tmp_path):
    reg = Path(__file__).resolve().parents[2] / "data" / "targets" / "targets.csv"
    lines = reg.read_text(encoding="utf-8").splitlines()
    f = tmp_path / "targets.csv"
    f.write_bytes(("\n".join(lines[:3]) + "\n").encode("gb18030"))
    res = validate("--targets", str(f))
    no_traceback(res)
    assert res.returncode == 0, res.stderr
    assert "read as GB18030" in res.stdout


def test_empty_registry_is_refused_by_name(tmp_path):
    f = tmp_path / "targets.csv"
    f.write_bytes(b"")
    res = validate("--targets", str(f))
    no_traceback(res)  # before: pandas EmptyDataError traceback
    assert res.returncode == 1
    assert f"{f}: empty file (no header line)" in res.stderr


def test_duplicate_header_names_the_column(tmp_path):
    d = folder_with(tmp_path, (HEADER.replace(",unit,", ",value,unit,") + "\n"
                               + ROW.replace(",999,", ",999,5,") + "\n").encode("utf-8"))
    res = validate("--data-dir", str(d))
    no_traceback(res)  # before: one 'value' column silently dropped, exit 0
    assert res.returncode == 1
    assert f"{d / 's.csv'}:1:value: duplicate column name 'value'" in res.stderr


def test_empty_series_file_in_data_dir_is_reported(tmp_path):
    d = folder_with(tmp_path, b"")
    res = validate("--data-dir", str(d))
    no_traceback(res)
    assert res.returncode == 1
    assert f"{d / 's.csv'}: empty file" in res.stderr


# ---------------------------------------------------------------- more encodings and shapes (reader level)
def write(tmp_path: Path, data: bytes) -> Path:
    f = tmp_path / "t.csv"
    f.write_bytes(data)
    return f


def test_crlf_and_bom_read_like_plain_utf8(tmp_path):
    plain = read_csv_text(write(tmp_path, f"{HEADER}\n{ROW}\n".encode()))
    crlf = read_csv_text(write(tmp_path, f"\ufeff{HEADER}\r\n{ROW}\r\n".encode()))
    assert crlf.equals(plain)
    assert list(crlf.columns)[0] == "region"  # no BOM glued to the first column name


def test_old_mac_line_ends_are_read(tmp_path):
    frame = read_csv_text(write(tmp_path, f"{HEADER}\r{ROW}\r".encode()))
    assert frame.loc[0, "value"] == "999"


def test_utf16_file_is_refused_as_not_text(tmp_path):
    f = write(tmp_path, f"{HEADER}\n{ROW}\n".encode("utf-16"))
    with pytest.raises(CsvReadError, match=r"t\.csv:1: not a text file"):
        read_csv_text(f)


def test_binary_bytes_are_refused(tmp_path):
    f = write(tmp_path, bytes(range(256)) * 4)
    with pytest.raises(CsvReadError, match="not a text file"):
        read_csv_text(f)


def test_undecodable_bytes_name_the_line(tmp_path):
    f = write(tmp_path, f"{HEADER}\n{ROW}\n".encode() + b"\xff\xff\xff,\n")
    with pytest.raises(CsvReadError) as err:
        read_csv_text(f)
    assert err.value.line == 3 and "not UTF-8 or GB18030" in str(err.value)


def test_row_with_an_extra_field_names_line_and_column(tmp_path):
    f = write(tmp_path, f"{HEADER}\n{ROW}\n{ROW},extra\n".encode())
    with pytest.raises(CsvReadError) as err:
        read_csv_text(f)
    assert (err.value.line, err.value.column) == (3, "note")
    assert "14 fields, the header has 13" in str(err.value)


def test_row_with_a_missing_field_names_line(tmp_path):
    f = write(tmp_path, f"{HEADER}\n{ROW.rsplit(',', 2)[0]}\n".encode())
    with pytest.raises(CsvReadError) as err:
        read_csv_text(f)
    assert err.value.line == 2 and err.value.column == "derived"


def test_header_with_an_empty_name_is_refused(tmp_path):
    f = write(tmp_path, f"{HEADER},\n{ROW},\n".encode())
    with pytest.raises(CsvReadError, match=r":1:#14: header column 14 has no name"):
        read_csv_text(f)


def test_giant_cell_is_refused_with_its_line(tmp_path):
    f = write(tmp_path, f'{HEADER}\n{ROW}\n"{"x" * (MAX_FIELD + 10)}"\n'.encode())
    with pytest.raises(CsvReadError) as err:
        read_csv_text(f)
    assert err.value.line == 3 and "malformed CSV" in str(err.value)


def test_quoted_newline_keeps_later_line_numbers_right(tmp_path):
    quoted = ROW.replace("高企999家", '"高企\n999家"')
    f = write(tmp_path, f"{HEADER}\n{quoted}\n{ROW},x\n".encode())
    with pytest.raises(CsvReadError) as err:
        read_csv_text(f)
    assert err.value.line == 4  # the physical line, not the record number


def test_large_file_reads_every_row(tmp_path):
    n = 100_000
    f = write(tmp_path, (HEADER + "\n" + (ROW + "\n") * n).encode())
    frame = read_csv_text(f)
    assert len(frame) == n and frame["value"].eq("999").all()


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CsvReadError, match=r"nope\.csv: cannot read"):
        read_csv_text(tmp_path / "nope.csv")
