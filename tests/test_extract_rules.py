"""The reading rules on small plans written for the purpose: unit names, who leads a domain,
deadlines inside items; and that no text makes extraction crash or write an invalid plan file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from engine.plans.extract import ExtractError, extract_plan, plan_yaml, summary
from engine.plans.read.units import clean_unit, split_units
from engine.plans.schema import PlanFile

HEADER = "UBND XÃ HÒA PHONG\nKẾ HOẠCH\nCải cách hành chính năm 2025\nI. MỤC ĐÍCH, YÊU CẦU\nNâng cao hiệu quả.\n"


def plan(tmp_path: Path, body: str, name: str = "plan.txt"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return extract_plan(path)


@pytest.mark.parametrize("written, cleaned", [
    ("Công chức Tư pháp-Hộ tịch", "Tư pháp - Hộ tịch"),
    ("Công chức Văn phòng - Thống kê xã:", "Văn phòng - Thống kê"),
    ("Công chức Văn hóa – Xã hội phụ trách thông tin, TDTT", "Văn hóa - Xã hội"),
    ("Cán bộ Văn phòng đảng ủy - nội vụ", "Văn phòng đảng ủy - nội vụ"),
    ("Thủ trưởng các cơ quan chuyên môn", "Các cơ quan chuyên môn"),
    ("Văn phòng UBND xã.", "Văn phòng UBND xã"),
    ("Các ban, ngành cấp xã", "Các ban, ngành cấp xã"),
    ("Đề nghị Ủy ban Mặt trận Tổ quốc", "Ủy ban Mặt trận Tổ quốc"),
])
def test_unit_names_are_kept_as_written_without_titles_or_trailing_xa(written, cleaned):
    assert clean_unit(written) == cleaned


def test_a_cell_naming_several_units_splits_only_between_names():
    assert split_units("Tư pháp, Văn Phòng, Văn hoá thông tin") == ["Tư pháp", "Văn Phòng", "Văn hoá thông tin"]
    assert split_units("Các cơ quan, đơn vị thuộc UBND cấp xã") == ["Các cơ quan, đơn vị thuộc UBND cấp xã"]
    assert split_units("các ban, ngành cấp xã, Bộ phận tiếp nhận và trả kết quả xã") == [
        "Các ban, ngành cấp xã", "Bộ phận tiếp nhận và trả kết quả"]


def test_a_domain_claimed_equally_by_two_units_gets_no_lead_and_is_reviewed(tmp_path):
    ex = plan(tmp_path, "II. NHIỆM VỤ\n1. Cải cách thể chế\n- Rà soát văn bản quy phạm pháp luật.\n"
                        "III. TỔ CHỨC THỰC HIỆN\n1. Công chức Tư pháp - Hộ tịch:\n"
                        "- Chủ trì thực hiện cải cách thể chế.\n2. Công chức Văn phòng - Thống kê:\n"
                        "- Chủ trì thực hiện cải cách thể chế.\n")
    assert [t.lead for t in ex.tasks] == [None]
    whys = [r.why for r in ex.review]
    assert "phần phân công giao lĩnh vực Cải cách thể chế cho nhiều đơn vị ngang nhau; chưa đặt đơn vị chủ trì " \
           "(the assignment section gives institutions to several units equally; no lead set)" in whys
    assert "phần phân công không giao lĩnh vực Cải cách thể chế cho đơn vị nào; 1 nhiệm vụ chưa có đơn vị chủ trì " \
           "(no unit is made responsible for institutions in the assignment section; 1 task(s) have no lead)" in whys


def test_cooperating_on_a_domain_is_no_claim_to_lead_it(tmp_path):
    ex = plan(tmp_path, "II. NHIỆM VỤ\n1. Cải cách thể chế\n- Rà soát văn bản quy phạm pháp luật.\n"
                        "III. TỔ CHỨC THỰC HIỆN\n1. Công chức Tư pháp - Hộ tịch:\n"
                        "- Chủ trì thực hiện cải cách thể chế.\n2. Công chức Văn phòng - Thống kê:\n"
                        "- Phối hợp thực hiện cải cách thể chế.\n")
    assert [t.lead for t in ex.tasks] == ["Tư pháp - Hộ tịch"]


def test_an_item_stating_its_own_deadline_keeps_it(tmp_path):
    ex = plan(tmp_path, "II. NHIỆM VỤ\n1. Cải cách thể chế\n"
                        "- Ban hành kế hoạch kiểm tra văn bản, hoàn thành trước ngày 30/6/2025.\n"
                        "- Rà soát văn bản quy phạm pháp luật.\n")
    data = ex.to_json()["tasks"]
    assert [(t["deadline"], t["due"]) for t in data] == [
        ("hoàn thành trước ngày 30/6/2025", "2025-06-29"), ("Năm 2025", "2025-12-31")]


def test_a_document_with_nothing_recognisable_says_so_in_review(tmp_path):
    ex = plan(tmp_path, "Ngày hôm nay trời đẹp.\n")
    assert ex.tasks == [] and ex.reports == []
    assert [r.why for r in ex.review] == ["không nhận ra bảng nhiệm vụ, đề mục lĩnh vực hay báo cáo nào "
                                          "(no task table, domain headings or reports were recognised)"]


_FRAGMENTS = st.sampled_from([
    "I. MỤC ĐÍCH", "II. NHIỆM VỤ", "III. TỔ CHỨC THỰC HIỆN", "1. Cải cách thể chế", "2. Công chức Tư pháp:",
    "- Chủ trì cải cách thể chế;", "- báo cáo Chủ tịch UBND xã trước 15/10/2025.", "a) Rà soát",
    "TT", "Nội dung công việc", "Cơ quan chủ trì", "Thời gian", "Sản phẩm", "1", "2.1. Hoạt động",
    "3.1. Lấy ý kiến", "Phòng Văn hóa -", "Xã hội", "Quý IV/2025", "6 tháng cuối", "năm 2025",
    "Định kỳ báo cáo", "Theo", "dự", "PHỤ LỤC", "+ mục", "Trên đây là", "", ":", "-", "(", "2.", "IV",
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(_FRAGMENTS, st.text(max_size=40)), max_size=40))
def test_no_text_crashes_extraction_or_yields_an_invalid_plan_file(tmp_path, lines):
    path = tmp_path / "fuzz.txt"
    path.write_text(HEADER + "\n".join(lines), encoding="utf-8")
    try:
        ex = extract_plan(path)
    except ExtractError:
        return
    PlanFile.model_validate(YAML(typ="safe").load(plan_yaml(ex)))
    summary(ex)
