"""Reading and writing the register's spreadsheet files: CSV and XLSX.

CSV files come as UTF-8 (with or without the byte-order mark Excel writes) or as GB18030,
which Excel on Chinese Windows uses when it saves "CSV". XLSX files are read with
python-calamine (a Rust reader, many times faster than openpyxl) and written with
openpyxl in write-only mode, so neither direction holds a whole sheet in memory.
"""

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineWorkbook

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")
_BLOCK = 1 << 20


class UnreadableFile(ValueError):
    """The file is not a spreadsheet we can read; the message says why, in both languages."""


class UnreadableRow(UnreadableFile):
    """The file cannot be read from this row on (raised while its rows are iterated): the
    rows before it were read, what follows cannot be trusted. `row` is the spreadsheet row
    (the header is row 1, a cell over several lines is one row, as Excel shows it), `line`
    the line of the file where that row starts, as a text editor shows it."""

    def __init__(self, row: int, line: int, message: str):
        super().__init__(message)
        self.row = row
        self.line = line


@dataclass
class Table:
    """The rows of a file: its header, an iterator over the data rows (numbered as a
    spreadsheet numbers them, the header being row 1), and about how many there are."""

    header: list
    rows: Iterator[tuple[int, list]]
    estimated_rows: int
    close: Callable[[], None] = lambda: None
    text_only: bool = False  # every cell is a str (CSV); XLSX cells may be numbers or dates


def detect_encoding(path: Path) -> tuple[str, int]:
    """`utf-8-sig` when the whole file is valid UTF-8, else `gb18030`; and its line count.
    One pass in blocks: a file of a million rows is never decoded twice in memory."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, lines = True, 0
    with path.open("rb") as stream:
        while block := stream.read(_BLOCK):
            lines += block.count(b"\n")
            if utf8:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    return ("utf-8-sig" if utf8 else "gb18030"), lines


def _numbered(rows: Iterable[list], first: int) -> Iterator[tuple[int, list]]:
    for number, row in enumerate(rows, start=first):
        if any(cell not in (None, "") for cell in row):
            yield number, row  # blank lines (often at the end of a sheet) are skipped


def _numbered_text(reader, first: int) -> Iterator[tuple[int, list]]:
    """The same for the rows of a CSV reader, whose cells are all text. Where the reader
    fails (a cell longer than csv.field_size_limit(): mostly a quote never closed, which
    makes the rest of the file one cell), UnreadableRow names the row and its first line."""
    number, line = first - 1, reader.line_num  # the last row read, and its last line
    try:
        for number, row in enumerate(reader, start=first):
            if any(row):
                yield number, row
            line = reader.line_num
    except csv.Error as error:
        raise _unreadable_row(number + 1, line + 1, error) from error


def _unreadable_row(row: int, line: int, error: csv.Error) -> UnreadableRow:
    """The reader's error said for the user, with the row and (when it differs) the line."""
    where = f"第 {row} 行" if row == line else f"第 {row} 行（文件第 {line} 行）"
    where_english = f"row {row}" if row == line else f"row {row} (line {line} of the file)"
    limit = csv.field_size_limit()
    if "field larger than field limit" in str(error):
        reason = (
            f"单元格超过 {limit} 个字符，可能有未闭合的引号",
            f"a cell is longer than {limit:,} characters, perhaps a quote that is never closed",
        )
    else:
        reason = (f"文件格式有误（{error}）", f"{error}")
    return UnreadableRow(
        row,
        line,
        f"从{where}起无法读取：{reason[0]} "
        f"From {where_english} on, the file cannot be read: {reason[1]}.",
    )


def _read_csv(path: Path) -> Table:
    encoding, lines = detect_encoding(path)
    # Read in large blocks: each read from the disk lets go of Python's lock, and taking it
    # back from the import's writing thread can cost a whole time slice.
    stream = path.open(encoding=encoding, newline="", buffering=_BLOCK)
    first_line = stream.readline()
    stream.seek(0)
    # Commas, unless the header line says tabs (a "Unicode text" save) or semicolons.
    delimiter = max(",\t;", key=lambda candidate: (first_line.count(candidate), candidate == ","))
    reader = csv.reader(stream, csv.excel, delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as error:
        stream.close()
        raise _unreadable_row(1, 1, error) from error
    if header is None:
        stream.close()
        raise UnreadableFile("文件是空的 The file is empty.")
    return Table(
        header=header,
        rows=_numbered_text(reader, 2),
        estimated_rows=max(lines - 1, 0),
        close=stream.close,
        text_only=True,
    )


def _read_xlsx(path: Path) -> Table:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except Exception as error:  # calamine raises its own types for every kind of damage
        raise UnreadableFile(
            f"无法读取该 Excel 文件 This Excel file cannot be read: {error}"
        ) from error
    rows = sheet.iter_rows()
    header = next(rows, None)
    if header is None:
        raise UnreadableFile("工作表是空的 The first sheet is empty.")
    return Table(header=header, rows=_numbered(rows, 2), estimated_rows=max(sheet.height - 1, 0))


def read_table(path: Path) -> Table:
    """The first sheet of an XLSX file, or a CSV file (by suffix; by content if neither)."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise UnreadableFile(
            "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx "
            "Old .xls files are not supported: save the file as .xlsx in Excel."
        )
    if suffix in SPREADSHEET_SUFFIXES:
        return _read_xlsx(path)
    if suffix in CSV_SUFFIXES:
        return _read_csv(path)
    with path.open("rb") as stream:
        start = stream.read(4)
    return _read_xlsx(path) if start.startswith(b"PK") else _read_csv(path)


# --- Writing ---------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write() returns what was written, for streaming CSV."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """A CSV file as UTF-8 with a byte-order mark (so Excel opens Chinese correctly),
    yielded in pieces for a streaming response."""
    writer = csv.writer(_Echo())
    yield codecs.BOM_UTF8 + writer.writerow(header).encode("utf-8")
    buffer: list[str] = []
    for row in rows:
        buffer.append(writer.writerow(row))
        if len(buffer) >= 1000:
            yield "".join(buffer).encode("utf-8")
            buffer = []
    if buffer:
        yield "".join(buffer).encode("utf-8")


def write_xlsx(stream, header: list[str], rows: Iterable[list], *, title: str) -> None:
    """An XLSX workbook with one sheet, written row by row (openpyxl write-only mode).
    Every cell is text, so ID and phone numbers keep all their digits."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append(["" if value is None else str(value) for value in row])
    workbook.save(stream)


def csv_bytes(header: list[str], rows: Iterable[list]) -> bytes:
    """The whole CSV file at once (tests, small files)."""
    output = io.BytesIO()
    for chunk in csv_chunks(header, rows):
        output.write(chunk)
    return output.getvalue()
