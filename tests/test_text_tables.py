"""Tables written as text in a .txt plan come out as tables: markdown pipe tables, the scraped
layout where a cell is a run of lines, `|` lines separate cells and an empty cell ends a row, and
tables flattened to one cell per line."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import pytest

from engine.plans.extract import extract_plan  # (loads the package before its reader)
from engine.plans.read.readers import read_source
from engine.plans.read.texttables import cell_text
from tests.support.paths import FIXTURES

CORPUS = FIXTURES / "corpus"


def read(tmp_path: Path, text: str):
    path = tmp_path / "plan.txt"
    path.write_text(text, encoding="utf-8")
    return read_source(path)


def bars(*rows: list[list[str]]) -> str:
    """The scraped layout: `|` before every cell and after the last one of each row."""
    out = []
    for row in rows:
        for cell in row:
            out.append("|")
            out.extend(cell)
        out.append("|")
    return "\n".join(out)


def test_cell_text_joins_lines_and_drops_emphasis_and_rules():
    assert cell_text(["**Tên nhiệm vụ/dự", "án**"]) == "Tên nhiệm vụ/dự án"
    assert cell_text(["*Hà Nội, ngày 27", "tháng 11 năm 2025 *"]) == "Hà Nội, ngày 27 tháng 11 năm 2025"
    assert cell_text(["**THỦ TƯỚNG CHÍNH", "PHỦ**", "-------"]) == "THỦ TƯỚNG CHÍNH PHỦ"
    assert cell_text(["** **"]) == ""
    assert cell_text(["__Bộ__  Công\u00a0an"]) == "Bộ Công an"


def test_markdown_pipe_table_with_separator(tmp_path):
    text = ("KẾ HOẠCH\n\n| TT | Nội dung | Cơ quan chủ trì | Thời gian |\n|---|:---|---|---:|\n"
            "| 1 | Rà soát **thủ tục** a\\|b | UBND xã<br>Công an xã | Quý I/2025 |\n| 2 | Báo cáo | Văn phòng |\n\nHết.")
    source = read(tmp_path, text)
    assert [[*r.cells] for r in source.tables[0]] == [
        ["TT", "Nội dung", "Cơ quan chủ trì", "Thời gian"],
        ["1", "Rà soát thủ tục a|b", "UBND xã Công an xã", "Quý I/2025"],
        ["2", "Báo cáo", "Văn phòng", ""]]
    assert [r.no for r in source.tables[0]] == [3, 5, 6]
    assert not any(r.short for r in source.tables[0])  # a markdown row leaves its last cells empty
    assert source.spans == [(3, 6)]
    assert len(source.lines) == 8  # every line stays for the prose readers


def test_pipe_table_without_separator_and_a_lone_pipe_line_in_prose(tmp_path):
    source = read(tmp_path, "| TT | Nội dung |\n| 1 | Họp |\n\nĐơn vị a | b nói vậy.\n")
    assert [r.cells for r in source.tables[0]] == [["TT", "Nội dung"], ["1", "Họp"]]
    assert len(source.tables) == 1


def test_bar_layout_rows_short_rows_and_section_rows(tmp_path):
    table = bars([["**STT**"], ["**Nội dung", "nhiệm vụ**"], ["**Cơ quan chủ trì**"], ["**Thời hạn**"]],
                 [["**I**"], ["**CẢI CÁCH THỂ CHẾ**"], ["** **"], ["** **"]],
                 [["1"], ["Rà soát văn bản", "quy phạm pháp luật"], ["Phòng Tư pháp"], ["Quý II/2025"]],
                 [["Cập nhật cơ sở dữ liệu"], ["Tháng 12/2025"]],
                 [["**II. CẢI CÁCH THỦ TỤC HÀNH CHÍNH**"]],
                 [["2"], ["Niêm yết thủ tục"], ["Văn phòng"], ["Thường xuyên"]])
    text = f"KẾ HOẠCH\n\nPHỤ LỤC\n\n{table}\n\nNơi nhận:\n"
    source = read(tmp_path, text)
    assert len(source.tables) == 1
    rows = source.tables[0]
    assert [r.cells for r in rows] == [
        ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"],
        ["I", "CẢI CÁCH THỂ CHẾ", "", ""],
        ["1", "Rà soát văn bản quy phạm pháp luật", "Phòng Tư pháp", "Quý II/2025"],
        ["Cập nhật cơ sở dữ liệu", "Tháng 12/2025"],
        ["II. CẢI CÁCH THỦ TỤC HÀNH CHÍNH"],
        ["2", "Niêm yết thủ tục", "Văn phòng", "Thường xuyên"]]
    assert [r.short for r in rows] == [False, False, False, True, True, False]
    lines = text.split("\n")
    assert lines[rows[2].no - 1] == "1" and lines[rows[2].last - 1] == "Quý II/2025"
    first, last = source.spans[0]
    assert lines[first - 1] == lines[last - 1] == "|" and first == 5 and lines[last] == ""
    assert [ln.text for ln in source.lines] == lines


def test_letterhead_table_and_prose_between_tables(tmp_path):
    letterhead = bars([["**ỦY BAN NHÂN DÂN", "XÃ A**", "-------"], ["**CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**",
                                                                  "Độc lập - Tự do - Hạnh phúc", "---------------"]],
                      [["Số: 12/KH-UBND"], ["*Xã A, ngày 02", "tháng 01 năm 2025*"]])
    signature = bars([["*Nơi nhận:*", "- Như trên;"], ["**CHỦ TỊCH**", "Nguyễn Văn B"]])
    text = f"{letterhead}\n\n**KẾ HOẠCH**\n\nNội dung.\n\n{signature}\n"
    source = read(tmp_path, text)
    assert [r.cells for r in source.tables[0]] == [
        ["ỦY BAN NHÂN DÂN XÃ A", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc"],
        ["Số: 12/KH-UBND", "Xã A, ngày 02 tháng 01 năm 2025"]]
    assert [r.cells for r in source.tables[1]] == [["Nơi nhận: - Như trên;", "CHỦ TỊCH Nguyễn Văn B"]]
    assert any(ln.s == "Số: 12/KH-UBND" for ln in source.lines)


def test_a_framed_paragraph_is_no_table(tmp_path):
    source = read(tmp_path, "Mở đầu\n\n|\n**KT. CHỦ TỊCH**\nNguyễn Văn B\n|\n\nHết\n")
    assert source.tables == [] and source.spans == []


def test_tables_glued_to_prose_without_blank_lines(tmp_path):
    # Scraped without blank lines: the text between tables reads like cells of the rows around it.
    text = "\n".join([
        "Tiêu đề trang",
        bars([["**TT**"], ["**Chỉ tiêu**"], ["**Đơn vị**"]], [["1"], ["Tỷ lệ hồ sơ"], ["%"]],
             [["2"], ["Số thủ tục"], ["thủ tục"]]),
        "**PHỤ LỤC II**", "DANH MỤC NHIỆM VỤ",
        bars([["**TT**"], ["**Nhiệm vụ**"], ["**Cơ quan chủ trì**"], ["**Thời gian**"]],
             [["1"], ["Xây dựng", "cơ sở dữ liệu"], ["Bộ Nội vụ"], ["2026"]],
             [["Vận hành hệ thống"], ["2027"]]),
        "Nơi nhận trang web", "Liên hệ"])
    source = read(tmp_path, text)
    assert [[r.cells for r in t] for t in source.tables] == [
        [["TT", "Chỉ tiêu", "Đơn vị"], ["1", "Tỷ lệ hồ sơ", "%"], ["2", "Số thủ tục", "thủ tục"]],
        [["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian"], ["1", "Xây dựng cơ sở dữ liệu", "Bộ Nội vụ", "2026"],
         ["Vận hành hệ thống", "2027"]]]
    lines = text.split("\n")
    (a1, b1), (a2, b2) = source.spans
    assert lines[a1] == "**TT**" and lines[b1 - 2] == "thủ tục"
    assert lines[a2] == "**TT**" and lines[b2 - 2] == "2027" and lines[b2] == "Nơi nhận trang web"


def find(source, first_line: int):
    return next(t for t, (a, b) in zip(source.tables, source.spans) if a <= first_line <= b)


def widths(table) -> dict[int, int]:
    return dict(Counter(len(r.cells) for r in table))


def test_ttg_2597_task_table_and_letterhead():
    source = read_source(CORPUS / "ttg-2597-2025.txt")
    table = find(source, 517)
    assert table[0].no == 517 and table[0].cells == ["STT", "Tên nhiệm vụ/dự án", "Cơ quan chủ trì",
                                                     "Cơ quan phối hợp", "Kết quả dự kiến", "Thời gian triển khai"]
    assert len(table) == 33 and widths(table) == {6: 33}
    assert table[1].cells == ["I", "CƠ CHẾ, CHÍNH SÁCH", "", "", "", ""]
    assert table[2].cells[0] == "1" and table[2].cells[2:] == [
        "Bộ Xây dựng", "Các bộ, ngành liên quan", "Các Văn bản quy phạm pháp luật được sửa đổi, bổ sung", "2026"]
    assert table[-1].cells[0] == "3" and table[-1].cells[-1] == "2026-2030"
    assert sum(1 for r in table if r.cells[2:] == ["", "", "", ""]) == 7  # section rows I-VII
    assert source.spans[source.tables.index(table)] == (516, 1064)
    letterhead = source.tables[0]
    assert letterhead[1].cells == ["Số: 2597/QĐ-TTg", "Hà Nội, ngày 27 tháng 11 năm 2025"]
    assert len(source.lines) == 1064  # table lines stay in the prose for the metadata reader


def test_ttg_2530_short_continuation_rows_stay_short():
    source = read_source(CORPUS / "ttg-2530-2025.txt")  # scraped without a single blank line
    pl1, pl2 = find(source, 694), find(source, 1871)
    assert pl1[0].cells[:2] == ["STT", "Cơ quan chủ trì"] and len(pl1[0].cells) == 7
    assert len(pl1) == 73 and widths(pl1) == {7: 25, 2: 14, 3: 24, 6: 9, 4: 1}
    assert all(r.short == (len(r.cells) < 7) for r in pl1)
    cont = next(r for r in pl1 if r.no == 742)
    assert len(cont.cells) == 3 and cont.cells[-1].startswith("Giai đoạn 2026 - 2027")
    assert pl1[1].cells == ["A.", "BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"]
    assert pl1[-1].cells[-1] == "Giai đoạn 2026 - 2030"  # the annex caption after it is not a cell
    assert pl2[0].cells[-1] == "Nguồn lực thực hiện[2]" and len(pl2) == 32 and widths(pl2) == {8: 25, 2: 7}
    assert pl2[-1].cells[-1] == "I, II, III, IV"  # the footnotes after it are not a cell
    letterhead = find(source, 86)
    assert [r.cells[0] for r in letterhead] == ["THỦ TƯỚNG CHÍNH PHỦ", "Số: 2530/QĐ-TTg"]


@pytest.mark.parametrize("name, first, rows, shape", [
    ("ttg-2629-2025", 598, 29, {5: 23, 2: 6}),
    ("ttg-2629-2025", 944, 90, {6: 76, 2: 14}),
    ("cp-nq394-2025", 571, 5, {5: 4, 2: 1}),
    ("hcm-2843-2025", 105, 54, {2: 54}),
    ("sonla-2954-2025", 711, 39, {5: 2, 2: 14, 9: 23}),
    ("sonla-2954-2025", 1348, 60, {7: 1, 10: 1, 11: 1, 1: 36, 2: 6, 12: 15}),
])
def test_corpus_tables_have_the_rows_of_the_corpus_layout(name, first, rows, shape):
    table = find(read_source(CORPUS / f"{name}.txt"), first)
    assert table[0].no == first and len(table) == rows and widths(table) == shape


def test_sonla_headers_span_several_rows():
    table = find(read_source(CORPUS / "sonla-2954-2025.txt"), 711)
    assert table[0].cells == ["TT", "Chỉ tiêu", "ĐVT", "ƯTH Năm 2025", "GIAI ĐOẠN 2026 - 2030"]
    assert table[1].cells == [f"Năm {y}" for y in range(2026, 2031)]
    body = next(r for r in table if len(r.cells) == 9)
    assert body.cells[:3] == ["-", "Diện tích", "Ha"] and not body.short and table[0].short


def test_every_corpus_letterhead_number_is_in_a_table_row():
    for path in sorted(CORPUS.glob("*.txt")):
        if path.suffixes != [".txt"]:
            continue  # a derived file, not a document as found
        source = read_source(path)
        numbers = [ln.s for ln in source.lines if ln.s.startswith("Số: ")]
        cells = {c for t in source.tables for r in t for c in r.cells}
        for number in numbers[:1]:
            assert number in cells, path.name


def test_seed_plans_have_no_text_tables():
    for path in sorted((FIXTURES / "extract").glob("*.txt")):
        source = read_source(path)
        assert source.tables == [] and source.spans == [], path.name


# ------------------------------------------------------------------------------------------------
# tables flattened to one cell per line


FLAT = """KẾ HOẠCH
Cải cách hành chính năm 2025
TT
Nội dung nhiệm vụ
Cơ quan chủ trì
Cơ quan phối hợp
Thời hạn hoàn thành
I
CẢI CÁCH THỂ CHẾ
1
Rà soát các văn bản quy phạm pháp luật của tỉnh
Sở Tư pháp
Các sở, ngành
Quý II/2025
2
Xây dựng kế hoạch tuyên truyền cải cách hành chính

Sở Nội vụ
Tháng 6/2025
II. HIỆN ĐẠI HÓA HÀNH CHÍNH
1
Nâng cấp hệ thống thông tin một cửa điện tử
Sở Khoa học và Công nghệ
UBND các xã, phường
Năm 2025
Triển khai chữ ký số cho cán bộ, công chức
Các phòng chuyên môn
Quý IV/2025
Nơi nhận:
- Như trên;
- Lưu: VT."""


def test_a_table_flattened_one_cell_per_line_is_read_row_by_row(tmp_path):
    source = read(tmp_path, FLAT)
    assert len(source.tables) == 1 and source.spans == [(3, 28)]
    table = source.tables[0]
    assert table[0].cells == ["TT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp",
                              "Thời hạn hoàn thành"]
    assert [r.cells for r in table[1:]] == [
        ["I", "CẢI CÁCH THỂ CHẾ"],
        ["1", "Rà soát các văn bản quy phạm pháp luật của tỉnh", "Sở Tư pháp", "Các sở, ngành", "Quý II/2025"],
        ["2", "Xây dựng kế hoạch tuyên truyền cải cách hành chính", "", "Sở Nội vụ", "Tháng 6/2025"],
        ["II. HIỆN ĐẠI HÓA HÀNH CHÍNH"],
        ["1", "Nâng cấp hệ thống thông tin một cửa điện tử", "Sở Khoa học và Công nghệ", "UBND các xã, phường",
         "Năm 2025"],
        ["Triển khai chữ ký số cho cán bộ, công chức", "Các phòng chuyên môn", "Quý IV/2025"]]
    assert [r.short for r in table] == [False, True, False, False, True, False, True]
    assert [(r.no, r.last) for r in table[1:3]] == [(8, 9), (10, 14)]


def test_a_flattened_table_gives_its_tasks_and_a_continuation_row_joins_its_numbered_task(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text(FLAT, encoding="utf-8")
    tasks = extract_plan(path).tasks
    assert [(t.title, t.lead) for t in tasks] == [
        ("Rà soát các văn bản quy phạm pháp luật của tỉnh", "Sở Tư pháp"),
        ("Xây dựng kế hoạch tuyên truyền cải cách hành chính", None),
        ("Nâng cấp hệ thống thông tin một cửa điện tử", "Sở Khoa học và Công nghệ")]
    assert "Các phòng chuyên môn" in tasks[2].support and tasks[2].lines == (21, 28)


def test_a_roman_number_cell_is_no_row_and_prose_after_the_table_is_not_in_it(tmp_path):
    text = "\n".join([
        "STT", "Tên nhiệm vụ", "Cơ quan chủ trì", "Thời gian thực hiện", "Nguồn lực",
        "I", "NHÓM NHIỆM VỤ THỂ CHẾ",
        "1", "Sửa đổi quy chế làm việc của cơ quan", "Văn phòng", "Năm 2026", "I",
        "2", "Ban hành quy định về lưu trữ hồ sơ điện tử", "Sở Nội vụ", "Năm 2026", "II",
        "Các cơ quan, đơn vị căn cứ kế hoạch này để triển khai thực hiện nghiêm túc, hiệu quả.",
        "Trong quá trình thực hiện nếu có vướng mắc, báo cáo về Sở Nội vụ để tổng hợp."])
    source = read(tmp_path, text)
    assert [r.cells for r in source.tables[0][2:]] == [
        ["1", "Sửa đổi quy chế làm việc của cơ quan", "Văn phòng", "Năm 2026", "I"],
        ["2", "Ban hành quy định về lưu trữ hồ sơ điện tử", "Sở Nội vụ", "Năm 2026", "II"]]
    assert source.spans == [(1, 17)]


def test_short_lines_that_no_numbered_row_follows_are_no_flattened_table(tmp_path):
    text = "\n".join(["Nội dung", "Cơ quan chủ trì", "Thời hạn hoàn thành",
                      "Các đơn vị tổ chức thực hiện kế hoạch này trong năm 2025.", "1", "2"])
    assert read(tmp_path, text).tables == []


def _make_flat():
    spec = importlib.util.spec_from_file_location("make_flat", CORPUS / "make_flat.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_flattened_corpus_files_are_what_make_flat_writes_from_the_word_files():
    make_flat = _make_flat()
    for docx in sorted(CORPUS.glob("*.docx")):
        flat = docx.with_name(docx.name.replace(".docx", ".flat.txt"))
        assert flat.read_text(encoding="utf-8").splitlines() == make_flat.flat_lines(docx), flat.name


@pytest.mark.parametrize("name", ["cp-nq394-2025", "ttg-2530-2025", "ttg-2597-2025", "ttg-2629-2025"])
def test_a_flattened_corpus_table_gives_the_tasks_of_its_word_file(name):
    keys = ("ref", "title", "lead", "support", "start", "due", "section")
    flat = extract_plan(CORPUS / f"{name}.flat.txt").to_json()["tasks"]
    word = extract_plan(CORPUS / f"{name}.docx").to_json()["tasks"]
    assert flat and [[t.get(k) for k in keys] for t in flat] == [[t.get(k) for k in keys] for t in word]


def test_flattened_tables_of_figures_and_lists_are_not_task_tables():
    for name in ("sonla-2954-2025", "hcm-2843-2025"):
        assert extract_plan(CORPUS / f"{name}.flat.txt").tasks == [], name


def test_a_flattened_header_starts_at_its_number_column_and_keeps_its_column_number_row(tmp_path):
    text = "\n".join(["Danh mục nhiệm vụ", "STT", "Tên nhiệm vụ", "Cơ quan chủ trì", "Thời hạn",
                      "(1)", "(2)", "(3)", "(4)",
                      "1", "Xây dựng cơ sở dữ liệu cán bộ, công chức", "Sở Nội vụ", "Quý III/2025",
                      "2", "Số hóa hồ sơ thủ tục hành chính còn hiệu lực", "Văn phòng UBND", "Năm 2025"])
    source = read(tmp_path, text)
    assert source.spans == [(2, 17)]
    assert [r.cells for r in source.tables[0][:2]] == [["STT", "Tên nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"],
                                                      ["(1)", "(2)", "(3)", "(4)"]]
    path = tmp_path / "plan.txt"
    assert [t.lead for t in extract_plan(path).tasks] == ["Sở Nội vụ", "Văn phòng UBND"]
