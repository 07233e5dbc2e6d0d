"""PDF plans: text PDFs exported from Word (ruled tables), text PDFs whose table has no ruling
lines (rebuilt from word positions), and scans read by OCR (tesseract, Vietnamese)."""

from __future__ import annotations

import csv
import json
import subprocess
import time
from pathlib import Path

import pytest

from engine.plans.extract import ExtractError, extract_plan
from engine.plans.read.readers import read_source
from tests.support.paths import DONDOC, FIXTURES, ROOT

CORPUS = FIXTURES / "corpus"
SEED_CSV = FIXTURES / "extract" / "hung-thang-table.csv"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def projection(path: Path) -> list[tuple]:
    return [(t.ref, t.domain, t.title, t.lead, tuple(t.support), t.deadline, t.product)
            for t in extract_plan(path).tasks]


def write_unruled_pdf(path: Path) -> Path:
    """The Hùng Thắng appendix as a PDF table without any drawn line, spread over two pages."""
    from fpdf import FPDF

    rows = list(csv.reader(SEED_CSV.open(encoding="utf-8")))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "TT")
    pdf = FPDF(orientation="L")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(FONT.with_name("DejaVuSans-Bold.ttf")))
    pdf.set_font("DejaVu", size=9)
    pdf.add_page()
    for row in rows[:start]:
        pdf.multi_cell(0, 6, row[0], new_x="LMARGIN", new_y="NEXT")
    with pdf.table(col_widths=(10, 90, 35, 35, 30, 50), text_align="LEFT", borders_layout="NONE",
                   padding=2, v_align="TOP") as grid:
        for row in rows[start:]:
            cells = grid.row()
            if len(row) == 1:
                cells.cell(row[0], colspan=6)
            else:
                for value in row:
                    cells.cell(value)
    pdf.output(str(path))
    return path


def test_a_table_without_ruling_lines_gives_the_same_tasks_as_the_text(tmp_path):
    path = write_unruled_pdf(tmp_path / "hung-thang.pdf")
    assert projection(path) == projection(FIXTURES / "extract" / "hung-thang-2025-h2.txt")


def test_rows_of_a_table_without_lines_cite_the_text_lines_they_cover(tmp_path):
    source = read_source(write_unruled_pdf(tmp_path / "p.pdf"))
    rows = [row for table in source.tables for row in table]
    assert rows and all(row.no <= row.last for row in rows)
    assert any(row.last > row.no for row in rows)  # a wrapped cell spans several lines
    prose = {line.no for line in source.lines}
    assert not prose & {n for row in rows for n in range(row.no, row.last + 1)}
    assert not source.ocr


@pytest.mark.parametrize("name", ["ttg-2597-2025", "ttg-2629-2025", "cp-nq394-2025"])
def test_word_exported_pdfs_of_the_corpus_give_the_tasks_of_the_word_file(name):
    from_pdf, from_docx = extract_plan(CORPUS / f"{name}.pdf"), extract_plan(CORPUS / f"{name}.docx")
    assert [t.title for t in from_pdf.tasks] == [t.title for t in from_docx.tasks]
    assert [t.lead for t in from_pdf.tasks] == [t.lead for t in from_docx.tasks]


def test_every_corpus_word_file_has_its_pdf_and_flattened_text_variants():
    for docx in CORPUS.glob("*.docx"):
        pdf, flat = docx.with_suffix(".pdf"), docx.with_suffix(".flat.txt")
        assert pdf.read_bytes()[:5] == b"%PDF-", pdf
        assert len(flat.read_text(encoding="utf-8").splitlines()) > 20, flat
        assert not read_source(pdf).ocr


def test_the_system_packages_step_is_quick_when_everything_is_there():
    started = time.perf_counter()
    result = subprocess.run(["bash", str(ROOT / "scripts" / "system-packages.sh")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert time.perf_counter() - started < 2


def test_a_scan_with_no_readable_text_is_refused_naming_ocr(tmp_path):
    from fpdf import FPDF
    from PIL import Image

    picture = tmp_path / "blank.png"
    Image.new("L", (600, 400), 235).save(picture)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(picture), x=10, y=10, w=180)
    pdf.output(str(tmp_path / "scan.pdf"))
    with pytest.raises(ExtractError) as err:
        extract_plan(tmp_path / "scan.pdf")
    assert "no text layer" in str(err.value) and "OCR found no text" in str(err.value)


@pytest.mark.slow
def test_the_scanned_plan_is_read_by_ocr_with_its_task_table():
    """6 rotated, noisy, grey pages of QĐ 2597: 25 tasks under sections I-VII, 32 rows in all."""
    started = time.perf_counter()
    result = subprocess.run([*DONDOC, "plan", "extract", str(CORPUS / "ttg-2597-2025.scanned.pdf"), "--json"],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    tasks = found["tasks"]
    truth = extract_plan(CORPUS / "ttg-2597-2025.docx").tasks
    assert len(truth) == 25
    assert len(tasks) >= 0.85 * len(truth)
    assert len(tasks) <= len(truth)  # section rows are not taken for tasks
    assert sum(1 for t in tasks if t["lead"] and "xây dựng" in t["lead"].lower()) >= 0.85 * 19
    assert sum(1 for t in tasks if t["deadline"] and t["deadline"][:4] in {"2026", "2027"}) >= 20
    assert all(t["confidence"] < 0.9 for t in tasks)  # OCR lowers every finding's confidence
    notes = found["plan"]["notes"]
    assert any(n.startswith("văn bản được đọc bằng OCR (nhận dạng ảnh quét)") for n in notes)
    assert found["plan"]["format"] == "pdf" and seconds < 300
