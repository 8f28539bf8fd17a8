"""One reader for every CSV the toolkit loads (series, ``--data-dir`` folders, registry, catalogue, regions).

Every cell comes back as stripped text (no NaN guessing); the parsers in
:mod:`analysis.data.schemas` type the columns. What the reader guarantees, so that no file is
silently misread:

* UTF-8 with or without a byte-order mark; Windows line ends (CRLF) and old Mac ones (CR);
* GB18030/GBK (what Excel writes on a Chinese Windows) is detected and read, and the encoding is
  recorded in ``frame.attrs["encoding"]`` so ``data validate`` can say so; bytes that are neither
  are refused naming the file, line and byte;
* an empty file, a binary file (NUL bytes), an empty or duplicated header column, and a row with
  more or fewer fields than the header are refused with ``file:line:column: reason``
  (:class:`CsvReadError`), never a traceback and never a silently dropped column.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
>>> _ = p.write_bytes("\\ufeffregion,value\\r\\n汕尾市, 49\\r\\n".encode("utf-8"))
>>> read_csv_text(p).to_dict(orient="records")
[{'region': '汕尾市', 'value': '49'}]
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

#: encodings tried in order; GB18030 is a superset of GBK and GB2312
ENCODINGS = ("utf-8-sig", "gb18030")
#: the largest single cell accepted (csv's default is 131 072 characters)
MAX_FIELD = 1_000_000


class CsvReadError(ValueError):
    """A CSV that cannot be read as a table; the message is ``file:line:column: reason``."""

    def __init__(self, file: str | Path, line: int | None, column: str | None, reason: str):
        self.file, self.line, self.column, self.reason = str(file), line, column, reason
        loc = self.file + (f":{line}" if line is not None else "") + (f":{column}" if column else "")
        super().__init__(f"{loc}: {reason}")


def decode_bytes(data: bytes, file: str | Path) -> tuple[str, str]:
    """Text and encoding name of a CSV's bytes (UTF-8 first, then GB18030); refuses binary data.

    >>> decode_bytes("汕尾".encode("gbk"), "f.csv")
    ('汕尾', 'gb18030')
    """
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise CsvReadError(file, line, None, "not a text file (contains NUL bytes); a CSV must be UTF-8 text")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as err:
        utf8_error = err
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    pos = utf8_error.start
    line = data[:pos].count(b"\n") + 1
    raise CsvReadError(file, line, None,
                       f"not UTF-8 or GB18030 text (byte 0x{data[pos]:02x} at offset {pos}); "
                       "save the file as UTF-8 CSV")


def read_csv_text(path: str | Path, *, required: list[str] | None = None) -> pd.DataFrame:
    """Read ``path`` into a DataFrame of stripped strings; raise :class:`CsvReadError` on a bad file.

    ``required`` lists columns that must be in the header (else the error names the first missing).
    The frame's ``attrs`` carry ``encoding`` and ``file``.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise CsvReadError(path, None, None, f"cannot read: {err.strerror or err}") from None
    text, encoding = decode_bytes(data, path)
    rows = _records(text, path)
    if not rows:
        raise CsvReadError(path, None, None, "empty file (no header line)")
    header = _check_header(rows[0][1], path, rows[0][0])
    width = len(header)
    body = []
    for line, fields in rows[1:]:
        if len(fields) == 1 and not fields[0].strip():  # a blank line
            continue
        if len(fields) != width:
            col = header[min(len(fields), width) - 1] if len(fields) > width else header[len(fields)]
            raise CsvReadError(path, line, col, f"{len(fields)} fields, the header has {width} "
                               "(a comma inside a value needs double quotes)")
        body.append([f.strip() for f in fields])
    for col in required or []:
        if col not in header:
            raise CsvReadError(path, 1, col, "required column is missing")
    frame = pd.DataFrame(body, columns=header, dtype=str)
    frame.attrs.update(encoding=encoding, file=str(path))
    return frame


def read_header(path: str | Path) -> list[str]:
    """Column names of a CSV (same decoding and checks as :func:`read_csv_text`)."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            first = fh.readline(1 << 20)
    except OSError as err:
        raise CsvReadError(path, None, None, f"cannot read: {err.strerror or err}") from None
    text, _ = decode_bytes(first, path)
    rows = _records(text, path)
    if not rows:
        raise CsvReadError(path, None, None, "empty file (no header line)")
    return _check_header(rows[0][1], path, rows[0][0])


def _records(text: str, path: Path) -> list[tuple[int, list[str]]]:
    """(line number where the record starts, fields) for every record of ``text``."""
    csv.field_size_limit(MAX_FIELD)
    reader = csv.reader(io.StringIO(text, newline=""))
    out: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for fields in reader:
            out.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as err:
        raise CsvReadError(path, start, None, f"malformed CSV: {err}") from None
    while out and all(not f.strip() for f in out[0][1]):  # leading blank lines
        out.pop(0)
    return out


def _check_header(fields: list[str], path: Path, line: int = 1) -> list[str]:
    header = [f.strip() for f in fields]
    seen: set[str] = set()
    for i, name in enumerate(header, start=1):
        if not name:
            raise CsvReadError(path, line, f"#{i}", f"header column {i} has no name")
        if name in seen:
            raise CsvReadError(path, line, name, f"duplicate column name {name!r} in the header (column {i})")
        seen.add(name)
    return header
