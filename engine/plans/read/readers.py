"""Read a plan document into prose lines and tables, numbering both so every finding can cite them.

What a source line number means, per format:
- .txt: the line in the file (1-based).
- .docx: the block in reading order, counting each body paragraph and each table row as one
  (a table of 10 rows after 5 paragraphs has rows 6-15; the next paragraph is 16).
- .xlsx / .csv: the row number the spreadsheet shows (first sheet with a task table).
- .pdf: the line of the text layer, counted over all pages in order (see pdf.py).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import stat
import zipfile
from datetime import date, datetime
from pathlib import Path

from engine.plans.read.decode import decode_text
from engine.plans.read.source import Source
from engine.plans.extract.model import ExtractError
from engine.plans.tables.rows import TableRow, header_roles
from engine.plans.read.text import Line, clean
from engine.plans.read.texttables import text_tables

# Limits on what one document may cost: its size on disk and, for .docx/.xlsx (zip containers), the
# declared size of its unpacked members. Module defaults, overridden by the environment (read at
# each call): DONDOC_EXTRACT__MAX_FILE_MB, DONDOC_EXTRACT__MAX_UNPACKED_MB.
MAX_FILE_MB = 50
MAX_UNPACKED_MB = 200

KINDS = {".txt": "txt", ".docx": "docx", ".xlsx": "xlsx", ".xlsm": "xlsx", ".csv": "csv", ".pdf": "pdf"}


def read_source(path: str | Path) -> Source:
    """Read any supported document; unsupported or unreadable files raise ExtractError."""
    path = Path(path)
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise ExtractError(str(path), f"unsupported file type {path.suffix or '(none)'!r}",
                           "use .txt, .docx, .xlsx, .csv or .pdf")
    data = _read_bounded(path, _limit_mb("MAX_FILE_MB", MAX_FILE_MB))
    if kind in ("docx", "xlsx"):
        _check_unpacked(path, data, _limit_mb("MAX_UNPACKED_MB", MAX_UNPACKED_MB))
    source = Source(path.name, kind, hashlib.sha256(data).hexdigest())
    try:
        if kind == "txt":
            text, source.encoding = decode_text(str(path), data)
            source.lines = [Line(i, t) for i, t in enumerate(text.split("\n"), 1)]
            source.tables, source.spans = text_tables(source.lines)
        elif kind == "csv":
            text, source.encoding = decode_text(str(path), data)
            _rows_to_source(source, _csv_rows(text))
        elif kind == "xlsx":
            sheets = _xlsx_rows(data)
            _rows_to_source(source, sheets[0] if sheets else [])
            source.tables = sheets or source.tables  # every sheet holding a task table
        elif kind == "docx":
            _read_docx(source, data)
        else:
            from engine.plans.read.pdf import read_pdf
            read_pdf(source, str(path), data)
    except ExtractError:
        raise
    except Exception as exc:  # a corrupt container (bad zip, broken PDF) is the file's fault
        raise ExtractError(str(path), f"cannot read the {kind} file: {type(exc).__name__}: {exc}") from None
    return source


def _limit_mb(name: str, default: int) -> int:
    raw = os.environ.get(f"DONDOC_EXTRACT__{name}", "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        value = default
    return value if value > 0 else default


def _read_bounded(path: Path, limit_mb: int) -> bytes:
    """The file's bytes, refused if it is not a regular file or is over `limit_mb` (never reads more)."""
    limit = limit_mb * 1024 * 1024
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ExtractError(str(path), "không phải một tệp văn bản thường (thiết bị, thư mục hay ống dẫn) / "
                                          "not a regular file (a device, directory or pipe)")
        if info.st_size > limit:
            raise _too_large(path, info.st_size, limit_mb)
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ExtractError(str(path), f"cannot read the file: {exc.strerror}") from None
    if len(data) > limit:
        raise _too_large(path, None, limit_mb)
    return data


def _too_large(path: Path, size: int | None, limit_mb: int) -> ExtractError:
    found = f"{size / 2**20:.0f} MB, " if size is not None else ""
    return ExtractError(str(path), f"tệp quá lớn ({found}tối đa {limit_mb} MB) / the file is too large "
                                   f"({found}limit {limit_mb} MB)",
                        "đặt DONDOC_EXTRACT__MAX_FILE_MB để đổi giới hạn / set DONDOC_EXTRACT__MAX_FILE_MB "
                        "to change the limit")


def _check_unpacked(path: Path, data: bytes, limit_mb: int) -> None:
    """Refuse a zip container whose members declare more than `limit_mb` once unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ExtractError(str(path), f"cannot read the {path.suffix.lstrip('.').lower()} file: "
                                      f"{type(exc).__name__}: {exc}") from None
    if total > limit_mb * 1024 * 1024:
        raise ExtractError(str(path), f"nội dung giải nén quá lớn ({total / 2**20:.0f} MB, tối đa {limit_mb} MB) / "
                                      f"the unpacked content is too large ({total / 2**20:.0f} MB, "
                                      f"limit {limit_mb} MB)",
                           "đặt DONDOC_EXTRACT__MAX_UNPACKED_MB để đổi giới hạn / set "
                           "DONDOC_EXTRACT__MAX_UNPACKED_MB to change the limit")


def _rows_to_source(source: Source, rows: list[TableRow]) -> None:
    # Text rows above the header (title, issuer) are prose for the metadata reader.
    header = next((i for i, row in enumerate(rows) if header_roles(row.cells)), len(rows))
    source.lines = [Line(row.no, " ".join(c for c in row.cells if c)) for row in rows[:header]]
    source.tables = [rows]


def _csv_rows(text: str) -> list[TableRow]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    return [TableRow(reader.line_num, [clean(c) for c in cells], reader.line_num) for cells in reader]


def _xlsx_rows(data: bytes) -> list[list[TableRow]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), data_only=True)
    sheets, found = book.worksheets, []
    for sheet in sheets:
        # Merged cells keep their value in the top-left cell only; copy it so rows read whole.
        values = {}
        for merged in sheet.merged_cells.ranges:
            top = sheet.cell(merged.min_row, merged.min_col).value
            for row in range(merged.min_row, merged.max_row + 1):
                for col in range(merged.min_col, merged.max_col + 1):
                    values[(row, col)] = top
        rows = []
        for r, row in enumerate(sheet.iter_rows(), 1):
            cells = [_cell_text(values.get((r, c.column), c.value)) for c in row]
            rows.append(TableRow(r, cells, r))
        if any(header_roles(row.cells) for row in rows) or (sheet is sheets[-1] and not found):
            found.append(rows)
    return found


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean(str(value))


def _read_docx(source: Source, data: bytes) -> None:
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    doc = Document(io.BytesIO(data))
    no = 0
    for child in doc.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            no += 1
            source.lines.append(Line(no, Paragraph(child, doc).text))
        elif tag == "tbl":
            rows = []
            for row in Table(child, doc).rows:
                no += 1
                # A merged cell appears once per grid column it spans; keep its text in each.
                rows.append(TableRow(no, [cell.text.replace("\n", " ") for cell in row.cells], no))
            source.tables.append(rows)
