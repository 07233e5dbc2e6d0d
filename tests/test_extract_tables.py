"""Real tables of every shape (Word, Excel, text-table rows) become the right tasks: columns read by
header words or by their cells, non-task tables skipped, section, continuation and short rows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine.plans.extract import extract_plan
from engine.plans.extract.model import PlanDraft
from engine.plans.tables.rows import Running, TableRow, table_tasks
from tests.support.paths import FIXTURES

CORPUS = FIXTURES / "corpus"
TITLE = ["ỦY BAN NHÂN DÂN TỈNH AN BÌNH", "KẾ HOẠCH", "Chuyển đổi số năm 2026"]


def docx_plan(path: Path, rows: list[list[str]], merge_across: tuple[int, ...] = (),
              merge_down: tuple[tuple[int, int, int], ...] = ()) -> Path:
    """A Word plan: title paragraphs and one table; `merge_across` rows are merged over the row,
    `merge_down` (col, first row, last row) cells merged down."""
    from docx import Document

    doc = Document()
    for line in TITLE:
        doc.add_paragraph(line)
    width = max(len(r) for r in rows)
    grid = doc.add_table(rows=len(rows), cols=width)
    for r, row in enumerate(rows):
        cells = grid.rows[r].cells
        for c, value in enumerate(row):
            cells[c].text = value
        if r in merge_across:
            cells[0].merge(cells[width - 1]) if len(row) == 1 else cells[1].merge(cells[width - 1])
    for col, first, last in merge_down:
        for r in range(first + 1, last + 1):
            grid.rows[r].cells[col].text = ""
        grid.rows[first].cells[col].merge(grid.rows[last].cells[col])
    doc.save(path)
    return path


def xlsx_plan(path: Path, sheets: list[list[list[str]]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    for i, rows in enumerate(sheets):
        sheet = book.active if i == 0 else book.create_sheet(f"PL{i + 1}")
        for line in TITLE:
            sheet.append([line])
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def plan() -> PlanDraft:
    return PlanDraft("Kế hoạch", "UBND tỉnh An Bình", 2026, date(2026, 1, 1), date(2026, 12, 31))


def rows_of(table: list[list[str]], short: bool = False) -> list[TableRow]:
    width = len(table[0])
    return [TableRow(i + 1, cells, i + 1, short and len(cells) < width) for i, cells in enumerate(table)]


# -------------------------------------------------------------------------------------------------
# columns


def test_header_words_vary_and_span_rows_with_footnote_marks(tmp_path):
    rows = [
        ["STT", "Nội dung nhiệm vụ", "Đơn vị thực hiện[1]", "Phân công phối hợp", "Tiến độ hoàn thành",
         "Sản phẩm đầu ra"],
        ["STT", "Nội dung nhiệm vụ", "Đơn vị thực hiện[1]", "Phân công phối hợp", "Tiến độ hoàn thành",
         "Sản phẩm đầu ra"],
        ["1", "Xây dựng kho dữ liệu dùng chung của tỉnh", "Sở Khoa học và Công nghệ", "Các sở, ngành",
         "Quý II/2026", "Kho dữ liệu"],
    ]
    ex = extract_plan(docx_plan(tmp_path / "p.docx", rows))
    [task] = ex.tasks
    assert (task.ref, task.lead, task.support, task.deadline, task.product) == (
        "1", "Sở Khoa học và Công nghệ", ["Các sở, ngành"], "Quý II/2026", "Kho dữ liệu")
    note = next(n for n in ex.notes if "cột 3" in n)
    assert "«Đơn vị thực hiện[1]» là đơn vị chủ trì (lead) theo tiêu đề" in note


def test_unknown_headers_are_read_from_the_cells(tmp_path):
    rows = [
        ["Số", "Việc cần làm", "Ai làm", "Ai giúp", "Khi nào"],
        ["1", "Rà soát, cập nhật danh mục thủ tục hành chính của tỉnh", "Văn phòng UBND tỉnh",
         "Các sở, ngành", "Tháng 3/2026"],
        ["2", "Tổ chức tập huấn chuyển đổi số cho cán bộ cấp xã năm 2026", "Sở Nội vụ", "UBND các xã, phường",
         "Quý II/2026"],
        ["3", "Đánh giá mức độ hài lòng của người dân với dịch vụ công", "Sở Khoa học và Công nghệ",
         "Các cơ quan liên quan", "Trước ngày 15/12/2026"],
    ]
    ex = extract_plan(docx_plan(tmp_path / "p.docx", rows))
    assert [(t.ref, t.lead, t.deadline) for t in ex.tasks] == [
        ("1", "Văn phòng UBND tỉnh", "Tháng 3/2026"), ("2", "Sở Nội vụ", "Quý II/2026"),
        ("3", "Sở Khoa học và Công nghệ", "Trước ngày 15/12/2026")]
    assert ex.tasks[1].support == ["UBND các xã, phường"]
    note = " ".join(ex.notes)
    assert "cột 5 «Khi nào» là thời hạn (deadline) theo nội dung (các ô đọc được như thời hạn)" in note
    assert "cột 3 «Ai làm» là đơn vị chủ trì (lead) theo nội dung" in note
    assert "cột 2 «Việc cần làm» là nhiệm vụ (task) theo nội dung" in note


# -------------------------------------------------------------------------------------------------
# tables that list no tasks


@pytest.mark.parametrize("table, why", [
    ([["TT", "Chỉ tiêu", "Đơn vị", "Kết quả", "Cơ quan chủ trì theo dõi, đánh giá"],
      ["1", "Tỉ lệ dịch vụ công trực tuyến toàn trình", "%", "100%", "Văn phòng UBND tỉnh"],
      ["2", "Tỉ lệ hồ sơ được số hóa", "%", "90%", "Sở Khoa học và Công nghệ"]], "bảng chỉ tiêu"),
    ([["TT", "Chỉ tiêu", "ĐVT", "Năm 2026", "Năm 2027", "Năm 2028"],
      ["1", "Diện tích cà phê", "Ha", "27.000", "27.500", "28.000"],
      ["2", "Sản lượng", "Tấn", "39.800", "40.602", "45.225"]], "bảng chỉ tiêu"),
    ([["TT", "Sản phẩm", "Kế hoạch 2026", "Kế hoạch 2027"],
      ["1", "Xoài", "13.500", "14.800"], ["2", "Nhãn", "6.400", "7.100"]], "bảng số liệu theo năm"),
    ([["STT", "Tên thủ tục"], ["1", "Cấp giấy phép hoạt động dịch vụ việc làm"],
      ["2", "Cấp lại giấy phép hoạt động dịch vụ việc làm"]], "không phải bảng nhiệm vụ"),
])
def test_indicator_data_and_list_tables_give_no_tasks_and_say_why(table, why):
    notes: list[str] = []
    assert table_tasks(rows_of(table), plan(), [], Running(), notes) == []
    assert len(notes) == 1 and "bỏ qua" in notes[0] and why in notes[0]


# -------------------------------------------------------------------------------------------------
# section rows and refs

HEADER = ["TT", "Nhiệm vụ, giải pháp", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian thực hiện"]


def test_merged_and_numbered_section_rows_give_domain_or_title_and_multilevel_refs(tmp_path):
    rows = [
        HEADER,
        ["I", "Cải cách thể chế"],
        ["1", "Rà soát văn bản quy phạm pháp luật của tỉnh", "Sở Tư pháp", "Các sở, ngành", "Quý I/2026"],
        ["2", "Xây dựng quy chế phối hợp liên ngành", "Sở Tư pháp", "", "Quý II/2026"],
        ["II", "Phát triển hạ tầng số", "", "", ""],
        ["1", "Nâng cấp trung tâm dữ liệu của tỉnh", "Sở Khoa học và Công nghệ", "", "Năm 2026"],
        ["II.1", "Nhóm nền tảng dùng chung", "Nhóm nền tảng dùng chung", "Nhóm nền tảng dùng chung",
         "Nhóm nền tảng dùng chung"],
        ["", "Triển khai nền tảng họp trực tuyến", "Văn phòng UBND tỉnh", "", "Tháng 6/2026"],
    ]
    ex = extract_plan(docx_plan(tmp_path / "p.docx", rows, merge_across=(1,)))
    got = [(t.ref, t.domain, t.section) for t in ex.tasks]
    assert got == [("I.1", "institutions", None), ("I.2", "institutions", None),
                   ("II.1", "other", "Phát triển hạ tầng số"),
                   ("II.1.1", "other", "Nhóm nền tảng dùng chung")]
    assert any("đánh số II.1.1 theo vị trí" in n for n in ex.tasks[3].notes)


def test_letter_sections_naming_agencies_are_titles_and_i_after_h_is_a_letter():
    table = [HEADER, ["H.", "BỘ TÀI CHÍNH"], ["1", "Hoàn thiện chính sách thuế bảo vệ môi trường", "Bộ Tài chính",
                                            "", "Năm 2026"],
             ["I.", "BỘ CÔNG AN"], ["1", "Kiểm tra, xử lý vi phạm về khí thải", "Bộ Công an", "", "2026-2030"]]
    tasks = table_tasks(rows_of(table), plan(), [], Running(), [])
    assert [(t.ref, t.section) for t in tasks] == [("H.1", "BỘ TÀI CHÍNH"), ("I.1", "BỘ CÔNG AN")]


def test_numbered_row_heading_lettered_sub_items_is_a_group():
    table = [HEADER, ["I", "Cải cách thủ tục hành chính"],
             ["1", "Rà soát thủ tục hành chính", "", "", ""],
             ["a)", "Rà soát thủ tục lĩnh vực đất đai", "Sở Nông nghiệp và Môi trường", "", "Quý I/2026"],
             ["b)", "Rà soát thủ tục lĩnh vực xây dựng", "Sở Xây dựng", "", "Quý II/2026"],
             ["2", "Công bố danh mục thủ tục đã đơn giản hóa", "Văn phòng UBND tỉnh", "", "Tháng 7/2026"]]
    tasks = table_tasks(rows_of(table), plan(), [], Running(), [])
    assert [t.ref for t in tasks] == ["1.a", "1.b", "2"]


# -------------------------------------------------------------------------------------------------
# continuation rows


def test_vertically_merged_number_and_task_with_a_second_lead_pair_is_one_task(tmp_path):
    rows = [["TT", "Tên đề án", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời hạn hoàn thành"],
            ["1", "Đề án phong trào toàn dân bảo vệ môi trường", "Sở Nông nghiệp và Môi trường", "Sở Tài chính",
             "2030"],
            ["1", "Đề án phong trào toàn dân bảo vệ môi trường", "UBND các xã, phường", "Các tổ chức đoàn thể",
             "2030"],
            ["2", "Đề án cải tạo bãi chôn lấp rác thải", "UBND các xã, phường", "", "2030"]]
    ex = extract_plan(docx_plan(tmp_path / "p.docx", rows, merge_down=((0, 1, 2), (1, 1, 2), (4, 1, 2))))
    first, second = ex.tasks
    assert first.lead == "Sở Nông nghiệp và Môi trường"
    assert first.support == ["Sở Tài chính", "UBND các xã, phường", "Các tổ chức đoàn thể"]
    assert first.lines[1] == second.lines[0] - 1 and second.ref == "2"


def test_rows_under_one_number_with_their_own_content_continue_it_in_excel(tmp_path):
    header = ["STT", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thuộc nhóm nhiệm vụ", "Nội dung nhiệm vụ",
              "Chỉ tiêu đạt được", "Thời hạn hoàn thành"]
    group = ["1", "Sở Xây dựng", "Các sở, ngành", "Hoàn thiện chính sách quản lý chất thải"]
    pl1 = [header, ["A.", "SỞ XÂY DỰNG", "SỞ XÂY DỰNG", "SỞ XÂY DỰNG", "SỞ XÂY DỰNG", "SỞ XÂY DỰNG", "SỞ XÂY DỰNG"],
           group + ["- Ban hành quy định thu gom chất thải xây dựng", "- Quy định được ban hành", "Quý I/2026"],
           group + ["- Hướng dẫn tái chế chất thải xây dựng", "- Hướng dẫn được ban hành", "Năm 2027"],
           ["2", "Sở Xây dựng", "", "Phát triển công trình xanh", "- Thí điểm công trình xanh", "", "2026-2030"]]
    pl2 = [["STT", "Tên dự án, nhiệm vụ", "Nội dung chính", "Cơ quan chủ trì", "Thời gian thực hiện"],
           ["I", "NHÓM DỰ ÁN QUAN TRẮC", "NHÓM DỰ ÁN QUAN TRẮC", "NHÓM DỰ ÁN QUAN TRẮC", "NHÓM DỰ ÁN QUAN TRẮC"],
           ["1", "Xây dựng hệ thống cảnh báo ô nhiễm không khí", "- Lắp đặt trạm quan trắc. - Sản phẩm: Hệ thống "
            "cảnh báo vận hành", "Sở Nông nghiệp và Môi trường", "2026-2027"]]
    ex = extract_plan(xlsx_plan(tmp_path / "p.xlsx", [pl1, pl2]))
    # One section each, numbers not restarting: plain refs; the second table's "1" is prefixed.
    assert [t.ref for t in ex.tasks] == ["1", "2", "B2.1"]
    assert any("thêm «B2.» vào số" in n for n in ex.notes)
    first = ex.tasks[0]
    assert first.title.startswith("Ban hành quy định thu gom") and first.deadline == "Quý I/2026"
    assert first.product.startswith("Quy định được ban hành")
    assert any("Năm 2027" in n for n in first.notes)  # the continuation row's own deadline is kept in notes
    assert ex.tasks[2].product == "Hệ thống cảnh báo vận hành"


# -------------------------------------------------------------------------------------------------
# short rows (text tables leave merged cells out)


def test_short_rows_align_by_content_and_continue_the_task_above():
    header = ["STT", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thuộc nhóm nhiệm vụ", "Nội dung nhiệm vụ",
              "Chỉ tiêu đạt được", "Thời hạn hoàn thành"]
    table = [header, ["A.", "BỘ XÂY DỰNG"],
             ["1", "Bộ Xây dựng", "Bộ Công Thương", "Hoàn thiện chính sách", "- Ban hành quy chuẩn khí thải",
              "- Quy chuẩn được ban hành", "Quý I/2026"],
             ["- Hướng dẫn kiểm kê khí thải", "- Bộ công cụ kiểm kê", "Giai đoạn 2026 - 2027"],
             ["Bộ Tài chính", "- Cơ chế tài chính cho kiểm định", "- Cơ chế được ban hành", "Năm 2026"],
             ["2", "Bộ Xây dựng", "", "Phát triển giao thông xanh", "- Mở rộng xe buýt điện", "- Đề án", "2026-2030"]]
    tasks = table_tasks(rows_of(table, short=True), plan(), [], Running(), [])
    assert [(t.ref, t.lead, t.deadline) for t in tasks] == [("1", "Bộ Xây dựng", "Quý I/2026"),
                                                          ("2", "Bộ Xây dựng", "2026-2030")]
    assert tasks[0].support == ["Bộ Công Thương", "Bộ Tài chính"]
    assert tasks[0].lines == (3, 5)


def test_a_short_row_of_a_lead_and_a_support_cell_is_a_second_pair():
    header = ["TT", "Tên đề án", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời hạn hoàn thành"]
    table = [header, ["1", "Đề án phân loại rác tại nguồn", "Sở Nông nghiệp và Môi trường", "Sở Tài chính", "2030"],
             ["UBND các xã, phường", "Các tổ chức đoàn thể"],
             ["2", "Đề án cải tạo bãi chôn lấp", "UBND các xã, phường", "Các sở, ngành", "2030"]]
    tasks = table_tasks(rows_of(table, short=True), plan(), [], Running(), [])
    assert [t.ref for t in tasks] == ["1", "2"]
    assert tasks[0].support == ["Sở Tài chính", "UBND các xã, phường", "Các tổ chức đoàn thể"]


# -------------------------------------------------------------------------------------------------
# lead cells


@pytest.mark.parametrize("cell, lead, support", [
    ("Các sở, ngành, UBND xã, phường", "Các sở, ngành, UBND xã, phường", []),
    ("Bộ Tài chính, Bộ Công an", "Bộ Tài chính, Bộ Công an", []),
    ("- Bộ Khoa học và Công nghệ; - Bộ Nội vụ", "Bộ Khoa học và Công nghệ; Bộ Nội vụ", []),
    ("Sở Xây dựng chủ trì, phối hợp Sở Tài chính, Sở Nội vụ", "Sở Xây dựng", ["Sở Tài chính", "Sở Nội vụ"]),
])
def test_a_lead_cell_stays_together_unless_it_says_phoi_hop(cell, lead, support):
    table = [HEADER, ["1", "Triển khai kế hoạch chuyển đổi số năm 2026", cell, "", "Năm 2026"]]
    [task] = table_tasks(rows_of(table), plan(), [], Running(), [])
    assert (task.lead, task.support) == (lead, support)


# -------------------------------------------------------------------------------------------------
# the corpus


def test_corpus_task_tables_in_word_and_excel():
    for suffix in (".docx", ".xlsx"):
        ttg2629 = extract_plan(CORPUS / f"ttg-2629-2025{suffix}")
        assert len(ttg2629.tasks) == 75 and len({t.ref for t in ttg2629.tasks}) == 75
        refs = {t.ref: t for t in ttg2629.tasks}
        assert refs["I.1"].lead == "Bộ Khoa học và Công nghệ" and refs["I.1"].product == "Trình Quốc hội dự thảo Luật"
        assert "III.1.1.1" in refs
        ttg2530 = extract_plan(CORPUS / f"ttg-2530-2025{suffix}")
        assert len(ttg2530.tasks) == 57 and all(t.lead and t.deadline for t in ttg2530.tasks)
        assert ttg2530.tasks[0].section == "BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"
        nq394 = extract_plan(CORPUS / f"cp-nq394-2025{suffix}")
        assert [t.lead for t in nq394.tasks][0] == "Trung ương Mặt trận Tổ quốc Việt Nam"
        assert len(nq394.tasks) == 3
        ttg2597 = extract_plan(CORPUS / f"ttg-2597-2025{suffix}")
        assert len(ttg2597.tasks) == 25 and ttg2597.tasks[0].ref == "I.1"
    skipped = extract_plan(CORPUS / "ttg-2629-2025.docx").notes
    assert any("bỏ qua, bảng chỉ tiêu" in n for n in skipped)


@pytest.mark.parametrize("name, tables", [("hcm-2843-2025", 1), ("sonla-2954-2025", 2)])
def test_corpus_list_and_data_tables_give_no_tasks(name, tables):
    ex = extract_plan(CORPUS / f"{name}.docx")
    assert ex.tasks == []
    assert sum("bỏ qua" in n for n in ex.notes) == tables


def test_a_two_row_header_names_the_columns_under_a_merged_top_cell():
    table = [["TT", "Nội dung công việc", "Đơn vị", "Đơn vị", "Thời gian"], ["", "", "Chủ trì", "Phối hợp", ""],
             ["(1)", "(2)", "(3)", "(4)", "(5)"],
             ["1", "Rà soát quy chế làm việc của UBND xã", "Văn phòng HĐND và UBND", "Các ban ngành", "Quý I/2026"]]
    notes: list[str] = []
    [task] = table_tasks(rows_of(table), plan(), [], Running(), notes)
    assert (task.lead, task.support, task.deadline) == ("Văn phòng HĐND và UBND", ["Các ban ngành"], "Quý I/2026")
    assert "cột 3 «Đơn vị / Chủ trì» là đơn vị chủ trì (lead) theo tiêu đề" in notes[0]


def test_a_section_naming_an_agency_gives_the_lead_when_the_row_has_none():
    table = [["TT", "Nhiệm vụ", "Thời hạn"], ["A.", "SỞ XÂY DỰNG"],
             ["1", "Hoàn thiện quy định quản lý chất thải xây dựng", "Quý I/2026"],
             ["B.", "SỞ TÀI CHÍNH"], ["1", "Bố trí kinh phí cho các dự án quan trắc", "Năm 2026"]]
    tasks = table_tasks(rows_of(table), plan(), [], Running(), [])
    assert [(t.ref, t.lead) for t in tasks] == [("A.1", "SỞ XÂY DỰNG"), ("B.1", "SỞ TÀI CHÍNH")]
    assert "lead taken from the section heading" in " ".join(tasks[0].notes)


def test_a_repeated_number_with_another_task_and_lead_is_a_second_task_told_apart():
    table = [HEADER, ["1", "Rà soát quy chế làm việc", "Văn phòng UBND", "", "Quý I/2026"],
             ["1", "Cập nhật danh mục thủ tục hành chính", "Sở Tư pháp", "", "Quý II/2026"]]
    tasks = table_tasks(rows_of(table), plan(), [], Running(), [])
    assert [t.ref for t in tasks] == ["1", "1-2"] and "number 1 repeats" in tasks[1].notes[-1]
