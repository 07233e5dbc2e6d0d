"""PDF, read with pdfplumber; a scan (no text layer) through OCR.

Line numbers are those of the text layer as pdfplumber groups words into lines, counted over all
pages in order (page 2 continues where page 1 stopped); for a scan, the lines tesseract reads on
each page, counted the same way. Ruled tables are read as tables; pages without ruling lines (and
every scanned page) have their tables rebuilt from word positions (layout.py). Table rows cite
the text lines they cover, and the lines inside a table are not read again as prose.
"""

from __future__ import annotations

import io

from engine.plans.extract.model import ExtractError
from engine.plans.read.layout import REF, TableReader, TextLine, Word, visual_lines
from engine.plans.read.source import Source
from engine.plans.tables.rows import TableRow
from engine.plans.read.text import Line, clean, fold, joined

OCR_NOTE = ("văn bản được đọc bằng OCR (nhận dạng ảnh quét) từ {pages} trang ảnh: kiểm tra chữ, số và "
            "tên đơn vị (the text was read by OCR from {pages} scanned page(s): check wording, numbers "
            "and unit names)")


def read_pdf(source: Source, path: str, data: bytes) -> None:
    """Fill `source` with the PDF's prose lines and tables."""
    import pdfplumber

    no = 0
    reader = TableReader()
    carry = None  # a ruled table that ended its page, which the next page's table may go on
    with _opened(pdfplumber, path, data) as pdf:
        pages = len(pdf.pages)
        for page in pdf.pages:
            lines = page.extract_text_lines(return_chars=True)
            numbered = []
            for line in lines:
                no += 1
                numbered.append((no, line))
            found = page.find_tables()
            if found:
                _close(reader, source)  # tables stay in page order
                carry = _ruled(source, numbered, found, no, carry)
                continue
            carry = None
            positioned = [TextLine(n, _words(line["chars"])) for n, line in numbered]
            rules = [(e["top"], e["x0"], e["x1"]) for e in page.edges
                     if e["orientation"] == "h" and e["x1"] - e["x0"] > page.width / 4]
            _positioned(source, reader, positioned, rules)
    if no == 0:
        _read_scan(source, path, data, pages)
        return
    _close(reader, source)


def _opened(pdfplumber, path: str, data: bytes):
    """The open PDF; one protected by a password is refused with that reason."""
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pdf.pages  # noqa: B018 - the page tree is where a password is first needed
    except Exception as exc:
        cause = exc.args[0] if exc.args else None  # pdfplumber wraps pdfminer's error
        if isinstance(exc, (PDFPasswordIncorrect, PDFEncryptionError)) or \
                isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise ExtractError(path, "tệp PDF được bảo vệ bằng mật khẩu (mã hóa) nên không đọc được / the PDF "
                                     "is encrypted with a password and cannot be read",
                               "gỡ mật khẩu rồi lưu lại, hoặc dùng bản .docx; remove the password and save "
                               "it again, or use the .docx") from None
        raise
    return pdf


def _close(reader: TableReader, source: Source) -> None:
    reader.close()
    source.tables.extend(reader.tables)
    reader.tables = []


def _ruled(source: Source, numbered: list, found: list, no: int, carry: list | None) -> list | None:
    """Read a page's ruled tables; the last one, when nothing follows it on the page (it may go on)."""
    boxes = [t.bbox for t in found]
    prose = []
    for n, line in numbered:
        middle = (line["top"] + line["bottom"]) / 2
        if not any(top <= middle <= bottom for _, top, _, bottom in boxes):
            source.lines.append(Line(n, line["text"]))
            prose.append(middle)
    for index, table in enumerate(found):
        rows = []
        for row, cells in zip(table.rows, _merged(table)):
            _, top, _, bottom = row.bbox
            covered = [n for n, line in numbered if top <= (line["top"] + line["bottom"]) / 2 <= bottom]
            first = covered[0] if covered else no
            rows.append(TableRow(first, [_cell(c) for c in cells], covered[-1] if covered else first))
        top = table.bbox[1]
        if index == 0 and carry and not any(m < top for m in prose) and _goes_on(carry, rows):
            continue
        source.tables.append(rows)
    last = found[-1].bbox[3]
    return source.tables[-1] if source.tables and not any(m > last for m in prose) else None


def _cell(text: str | None) -> str:
    """A cell's text, its wrapped lines joined; a number wrapped in a narrow column ("III.1." over
    "1") is one number again."""
    text = text or ""
    whole = "".join(text.split())
    if "\n" in text and REF.match(whole):
        return whole
    joined_text = ""
    for piece in text.split("\n"):  # wrapped lines: "175/NQ-" over "CP" is one word
        joined_text = joined(joined_text, piece)
    return clean(joined_text)


def _merged(table) -> list[list[str | None]]:
    """The table's text with a merged cell's text in every grid cell it covers, as Word files
    read (pdfplumber gives None for the covered cells)."""
    texts = table.extract()
    boxes = [row.cells for row in table.rows]
    centres = {}
    for row in boxes:
        for c, box in enumerate(row):
            if box is not None:
                centres.setdefault(c, ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2))
    for r, row in enumerate(boxes):
        for c, box in enumerate(row):
            if box is not None or c not in centres:
                continue
            x = centres[c][0]
            left = next((k for k in range(c - 1, -1, -1) if row[k] is not None), None)
            if left is not None and row[left][2] >= x:
                texts[r][c] = texts[r][left]
                continue
            middle = next(((b[1] + b[3]) / 2 for b in row if b is not None), None)
            up = next((k for k in range(r - 1, -1, -1) if boxes[k][c] is not None), None)
            if up is not None and middle is not None and boxes[up][c][3] >= middle:
                texts[r][c] = texts[up][c]
    return texts


def _goes_on(carry: list[TableRow], rows: list[TableRow]) -> bool:
    """Join `rows`, at the top of a page, to the table that ended the page before when they have
    its columns: a repeated header row is dropped, a first row without a number (a row the page
    break cut) goes on the last row. False (nothing joined) when the columns differ."""
    if not rows or len(rows[0].cells) != len(carry[0].cells):
        return False
    if [fold(c) for c in rows[0].cells] == [fold(c) for c in carry[0].cells]:
        rows = rows[1:]
    if rows and not rows[0].cells[0] and len(carry) > 1:
        cut, rest = carry[-1], rows[0]
        cut.cells = [clean(joined(a, b)) for a, b in zip(cut.cells, rest.cells)]
        cut.last = rest.last
        rows = rows[1:]
    carry.extend(rows)
    return True


def _positioned(source: Source, reader: TableReader, lines: list[TextLine], rules: list, key=None) -> None:
    used = reader.page(lines, rules, key)
    source.lines.extend(Line(ln.no, ln.text) for ln in lines if ln.no not in used)


def _words(chars: list[dict]) -> list[Word]:
    """A text line's characters as words: split at spaces and at gaps wider than a fifth of the size."""
    words: list[Word] = []
    text, box = "", None
    previous = None
    for ch in chars:
        gap = previous is not None and ch["x0"] - previous["x1"] > 0.2 * (ch["bottom"] - ch["top"])
        if ch["text"].isspace() or gap:
            if text:
                words.append(Word(text, *box))
            text, box = "", None
        if not ch["text"].isspace():
            text += ch["text"]
            box = [ch["x0"], ch["top"], ch["x1"], ch["bottom"]] if box is None else \
                [box[0], min(box[1], ch["top"]), ch["x1"], max(box[3], ch["bottom"])]
        previous = ch
    if text:
        words.append(Word(text, *box))
    return words


def _reread_numbers(reader: TableReader, scanned: list) -> None:
    """Row numbers stand alone in a narrow column, where OCR of the whole page often drops or
    misreads them ("lÍ" for "I"): read each number cell again on its own, keep what reads as one."""
    from engine.plans.read.ocr import read_cells

    cells = [(row, column, box) for row, column, box in reader.ref_cells if box and box[0] is not None]
    for (row, column, _), text in zip(cells, read_cells(scanned, [box for _, _, box in cells])):
        if column < len(row.cells) and REF.match(text):
            row.cells[column] = text


def _read_scan(source: Source, path: str, data: bytes, pages: int) -> None:
    from engine.plans.read.ocr import scanned_pages

    reader = TableReader()
    no = 0
    with scanned_pages(path, data, pages) as scanned:
        for index, page in enumerate(scanned):
            groups: dict[tuple, list[Word]] = {}
            for word in page.words:
                groups.setdefault(word.group, []).append(word)
            lines = visual_lines(list(groups.values()), no + 1)
            no += len(lines)
            _positioned(source, reader, lines, page.rules, index)
        reader.close()
        _reread_numbers(reader, scanned)
    if no == 0:
        raise ExtractError(path, f"the PDF has no text layer and OCR found no text in its {pages} page(s)",
                           "kiểm tra bản quét, hoặc xuất kế hoạch từ Word ra PDF hay .docx; check the scan, "
                           "or export the plan from Word as PDF or .docx")
    source.tables.extend(reader.tables)
    source.ocr = True
    source.notes.append(OCR_NOTE.format(pages=pages))
