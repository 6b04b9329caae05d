"""Excel workbooks (.xlsx) as CX feeds: a sheet's rows as CSV lines for the one CSV pipeline.

openpyxl in read-only mode streams the sheet's XML row by row, so a big workbook is never held in memory
(the standard library reads no .xlsx; openpyxl is the maintained reference reader, pure Python). The first
sheet is read, or the one named with `sheet=` in the column mapping. Dates become ISO dates, whole numbers
lose Excel's ".0", and a cell's line breaks stay inside its quoted CSV field.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from bot.domain.cxcsv import CxFileRejected


class _Line:
    """A reusable in-memory writer turning one row into one CSV record."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def __call__(self, cells: list[str]) -> str:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerow(cells)
        return self.buffer.getvalue()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows(handle: str | Path | IO[bytes], sheet: str | None) -> Iterator[str]:
    """The sheet's rows as CSV lines; CxFileRejected when the zip is no workbook or the sheet isn't there."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as error:
        raise CxFileRejected("xlsx_unreadable") from error
    try:
        if sheet:
            names = {name.lower(): name for name in workbook.sheetnames}
            if sheet.lower() not in names:
                raise CxFileRejected("xlsx_no_sheet", column=sheet, detail=", ".join(workbook.sheetnames))
            worksheet = workbook[names[sheet.lower()]]
        else:
            worksheet = workbook.worksheets[0]
        line = _Line()
        for row in worksheet.iter_rows(values_only=True):
            cells = [_cell_text(value) for value in row]
            while cells and cells[-1] == "":
                cells.pop()
            yield line(cells) if cells else "\r\n"
    finally:
        workbook.close()


def xlsx_lines(path: Path, mapping: dict[str, str] | None) -> Callable[[], Iterator[str]]:
    sheet = (mapping or {}).get("sheet")
    return lambda: _rows(path, sheet)


def xlsx_lines_from_bytes(data: bytes, mapping: dict[str, str] | None) -> Callable[[], Iterator[str]]:
    sheet = (mapping or {}).get("sheet")
    return lambda: _rows(io.BytesIO(data), sheet)
