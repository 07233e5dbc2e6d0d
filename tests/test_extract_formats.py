"""The same plan as text, Word, Excel, CSV and PDF gives the same tasks; other encodings of a text
plan too; documents that cannot be read fail with a message naming the file."""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from engine.plans.extract import ExtractError, extract_plan, plan_yaml, summary
from engine.plans.schema import PlanFile
from tests.support.paths import FIXTURES

SEEDS = FIXTURES / "extract"
TABLE_CSV = SEEDS / "hung-thang-table.csv"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
HEADER = ["TT", "Nội dung công việc", "Cơ quan chủ trì", "Cơ quan phối hợp",
          "Thời gian thực hiện/ hoàn thành", "Sản phẩm"]


def table_rows() -> tuple[list[str], list[list[str]]]:
    """The title lines and the table (header, section rows, task rows) of the Hùng Thắng appendix."""
    rows = list(csv.reader(TABLE_CSV.open(encoding="utf-8")))
    start = rows.index(HEADER)
    return [r[0] for r in rows[:start]], rows[start:]


def write_docx(path: Path) -> Path:
    """A Word file: title paragraphs and a real table, section rows merged across, and the lead
    cells of rows 11-14 merged down as offices do for one unit leading several rows."""
    from docx import Document

    titles, table = table_rows()
    doc = Document()
    doc.add_paragraph("ỦY BAN NHÂN DÂN")
    doc.add_paragraph("XÃ HÙNG THẮNG")
    doc.add_paragraph("KẾ HOẠCH")
    doc.add_paragraph("Cải cách hành chính nhà nước 6 tháng cuối năm 2025")
    doc.add_paragraph("trên địa bàn xã Hùng Thắng")
    grid = doc.add_table(rows=0, cols=6)
    merge_from = None
    for row in table:
        cells = grid.add_row().cells
        if len(row) == 1:
            cells[0].text = row[0]
            cells[0].merge(cells[5])
            continue
        for cell, value in zip(cells, row):
            cell.text = value
        if row[0] == "11":
            merge_from = cells[2]
        elif row[0] == "14" and merge_from is not None:
            for r in range(len(grid.rows) - 3, len(grid.rows)):
                grid.rows[r].cells[2].text = ""
            merge_from.merge(cells[2])
    doc.add_paragraph("Danh mục gồm 15 nhiệm vụ.")
    doc.save(path)
    return path


def write_xlsx(path: Path) -> Path:
    """An Excel sheet: title rows, header, section rows merged across the table."""
    from openpyxl import Workbook

    titles, table = table_rows()
    book = Workbook()
    sheet = book.active
    for title in titles:
        sheet.append([title])
    for row in table:
        sheet.append([int(v) if v.isdigit() else v for v in row])
        if len(row) == 1:
            sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=6)
    book.save(path)
    return path


def write_pdf(path: Path) -> Path:
    """A PDF with a text layer (DejaVu Sans for Vietnamese) and a ruled table over two pages."""
    from fpdf import FPDF

    titles, table = table_rows()
    pdf = FPDF(orientation="L")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(FONT.with_name("DejaVuSans-Bold.ttf")))
    pdf.set_font("DejaVu", size=9)
    pdf.add_page()
    for title in titles:
        pdf.multi_cell(0, 6, title, new_x="LMARGIN", new_y="NEXT")
    with pdf.table(col_widths=(10, 90, 35, 35, 30, 50), text_align="LEFT") as grid:
        for row in table:
            cells = grid.row()
            if len(row) == 1:
                cells.cell(row[0], colspan=6)
            else:
                for value in row:
                    cells.cell(value)
    pdf.output(str(path))
    return path


def write_scanned_pdf(path: Path) -> Path:
    """A PDF whose only page is a picture, as a scanner makes it."""
    from fpdf import FPDF
    from PIL import Image

    picture = path.with_suffix(".png")
    Image.new("RGB", (400, 300), "white").save(picture)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(picture), x=10, y=10, w=180)
    pdf.output(str(path))
    return path


def projection(path: Path) -> list[tuple]:
    ex = extract_plan(path)
    return [(t.ref, t.domain, t.title, t.lead, tuple(t.support), t.deadline, t.product) for t in ex.tasks]


@pytest.fixture(scope="module")
def from_text() -> list[tuple]:
    return projection(SEEDS / "hung-thang-2025-h2.txt")


@pytest.mark.parametrize("make", [write_docx, write_xlsx, write_pdf, None], ids=["docx", "xlsx", "pdf", "csv"])
def test_word_excel_pdf_and_csv_tables_give_the_same_tasks_as_the_text(make, tmp_path, from_text):
    path = TABLE_CSV if make is None else make(tmp_path / f"hung-thang.{make.__name__[6:]}")
    assert projection(path) == from_text


@pytest.mark.parametrize("make", [write_docx, write_xlsx, write_pdf, None], ids=["docx", "xlsx", "pdf", "csv"])
def test_table_formats_read_the_plan_header_and_flag_the_duplicate_row(make, tmp_path):
    path = TABLE_CSV if make is None else make(tmp_path / f"hung-thang.{make.__name__[6:]}")
    ex = extract_plan(path)
    assert (ex.plan.issuer, ex.plan.year, ex.plan.start.isoformat(), ex.plan.end.isoformat()) == \
        ("UBND xã Hùng Thắng", 2025, "2025-07-01", "2025-12-31")
    duplicate = [m for r in ex.review if (m := re.fullmatch(
        r"trùng với nhiệm vụ 5 \(dòng (\d+)-(\d+)\); không giữ thành nhiệm vụ thứ hai "
        r"\(identical to task 5, lines \1-\2; not kept as a second task\)", r.why))]
    assert len(duplicate) == 1
    assert ex.plan.file == path.name
    plan = PlanFile.model_validate(YAML(typ="safe").load(plan_yaml(ex)))
    assert len(plan.tasks) == 14 and plan.tasks[0].source.file == path.name


def test_source_lines_are_rows_for_spreadsheets_and_blocks_for_word(tmp_path):
    csv_tasks = {t.ref: t for t in extract_plan(TABLE_CSV).tasks}
    assert csv_tasks["1"].lines == (6, 6)  # row 6 of the sheet: 3 title rows, header, section row
    docx_tasks = {t.ref: t for t in extract_plan(write_docx(tmp_path / "p.docx")).tasks}
    assert docx_tasks["1"].lines == (8, 8)  # 5 paragraphs, then header row 6, section row 7
    pdf_tasks = {t.ref: t for t in extract_plan(write_pdf(tmp_path / "p.pdf")).tasks}
    first, last = pdf_tasks["2"].lines
    assert 1 < first < last  # a wrapped row spans several text lines


def test_a_scanned_pdf_without_text_is_refused_with_a_clear_message(tmp_path):
    path = write_scanned_pdf(tmp_path / "scan.pdf")
    with pytest.raises(ExtractError) as err:
        extract_plan(path)
    assert str(path) in str(err.value) and "no text layer" in str(err.value) and "OCR" in str(err.value)


def test_an_unsupported_file_type_is_refused(tmp_path):
    path = tmp_path / "plan.odt"
    path.write_bytes(b"PK")
    with pytest.raises(ExtractError, match=r"plan\.odt: unsupported file type '\.odt'"):
        extract_plan(path)


def test_a_corrupt_word_file_is_refused_naming_it(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(ExtractError, match=r"broken\.docx: cannot read the docx file"):
        extract_plan(path)


def test_a_plan_stating_no_year_needs_one_given(tmp_path):
    path = tmp_path / "no-year.txt"
    path.write_text("KẾ HOẠCH\nCải cách hành chính\nII. NHIỆM VỤ\n1. Cải cách thể chế\n- Rà soát văn bản.\n",
                    encoding="utf-8")
    with pytest.raises(ExtractError, match="pass it with --year"):
        extract_plan(path)
    ex = extract_plan(path, year=2026)
    assert ex.plan.year == 2026 and [t.deadline for t in ex.tasks] == ["Năm 2026"]


def encode_1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: base letters plus combining tone marks."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tones = "".join(c for c in parts if c in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out += base.encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


@pytest.mark.parametrize("encoding, encode", [
    ("Windows-1258", encode_1258),
    ("UTF-16", lambda text: text.encode("utf-16")),
    ("UTF-8 (BOM)", lambda text: b"\xef\xbb\xbf" + text.encode("utf-8")),
])
def test_other_encodings_of_a_seed_give_the_same_plan_and_the_summary_names_them(encoding, encode, tmp_path):
    seed = SEEDS / "ngoc-ky-2023.txt"
    copy = tmp_path / seed.name
    copy.write_bytes(encode(seed.read_text(encoding="utf-8")))
    original, other = extract_plan(seed), extract_plan(copy)
    assert other.encoding == encoding
    assert other.to_json()["tasks"] == original.to_json()["tasks"]
    assert other.to_json()["reports"] == original.to_json()["reports"]
    text = summary(other)
    if encoding.startswith("UTF-8"):
        assert "mã hóa" not in text
    else:
        assert f"mã hóa {encoding} / encoding {encoding}" in text
