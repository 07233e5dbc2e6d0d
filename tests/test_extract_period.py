"""The plan year and period of real plans: a span of years in the title, the issuing decision or the
annex caption makes a multi-year plan whatever its issue date; otherwise the plan's own year."""

from __future__ import annotations

import pytest

from engine.plans.extract import extract_plan
from tests.support.paths import FIXTURES

CORPUS = FIXTURES / "corpus"


@pytest.mark.parametrize("name, year, start, end", [
    ("sonla-2954-2025", 2026, "2026-01-01", "2030-12-31"),      # "KẾ HOẠCH ... GIAI ĐOẠN 2026 - 2030"
    ("ttg-2530-2025", 2026, "2026-01-01", "2030-12-31"),        # decision title, "tầm nhìn đến năm 2045" aside
    ("ttg-2597-2025", 2025, "2025-01-01", "2030-12-31"),        # annex caption "(GIAI ĐOẠN 2025-2030)"
    ("cp-nq394-2025", 2025, "2025-01-01", "2030-12-31"),        # annex caption "TRONG GIAI ĐOẠN 2025 - 2030"
    ("ttg-2629-2025", 2025, "2025-01-01", "2030-12-31"),        # phases 2025-2027 and 2028-2030
    ("ttg-2623-2025", 2025, "2025-01-01", "2025-12-31"),
    ("nghean-1026-2025", 2025, "2025-01-01", "2025-12-31"),
    ("daklak-0129-2025", 2025, "2025-01-01", "2025-12-31"),
    ("hcm-2843-2025", 2025, "2025-01-01", "2025-12-31"),
    ("tuyenquang-130-2025-trich", 2025, "2025-01-01", "2025-12-31"),
    ("hanoi-127-2025-trich", 2025, "2025-01-01", "2025-12-31"),
    ("cp-nq74-2025-trich", 2025, "2025-01-01", "2025-12-31"),
])
def test_corpus_plan_year_and_period(name, year, start, end):
    plan = extract_plan(CORPUS / f"{name}.txt").to_json()["plan"]
    assert (plan["year"], plan["period"]["start"], plan["period"]["end"]) == (year, start, end)


DECISION = """**QUYẾT ĐỊNH**

VỀ VIỆC BAN HÀNH KẾ HOẠCH PHÁT TRIỂN DU LỊCH XÃ AN PHÚ
GIAI ĐOẠN 2026 - 2030

**CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ AN PHÚ**

*Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;*

An Phú, ngày 20 tháng 11 năm 2025

I. MỤC ĐÍCH

1. Phát triển du lịch năm 2025 và các năm tiếp theo.
"""


def test_a_decision_issuing_a_multi_year_plan_gives_the_period(tmp_path):
    path = tmp_path / "an-phu.txt"
    path.write_text(DECISION, encoding="utf-8")
    ex = extract_plan(path)
    assert (ex.plan.year, ex.plan.start.isoformat(), ex.plan.end.isoformat()) == (2026, "2026-01-01", "2030-12-31")
    assert ex.plan.period_phrase == "Giai đoạn 2026-2030"
    assert ex.plan.title.startswith("Quyết định về việc ban hành kế hoạch phát triển du lịch")


def test_a_span_quoted_from_another_document_does_not_make_the_period(tmp_path):
    path = tmp_path / "binh-an.txt"
    path.write_text("KẾ HOẠCH\nTriển khai Đề án “Cải cách hành chính giai đoạn 2021 - 2025” năm 2023\n\n"
                    "I. MỤC ĐÍCH\n1. Thực hiện trong năm 2023.\n", encoding="utf-8")
    ex = extract_plan(path)
    assert (ex.plan.year, ex.plan.start.isoformat(), ex.plan.end.isoformat()) == (2023, "2023-01-01", "2023-12-31")


MILESTONES = """UỶ BAN NHÂN DÂN XÃ AN PHÚ
Số: 12/KH-UBND
An Phú, ngày 01 tháng 12 năm 2025

KẾ HOẠCH
CHUYỂN ĐỔI SỐ CHO CÁC HỘ KINH DOANH TRÊN ĐỊA BÀN XÃ

I. MỤC TIÊU
a) Đến hết năm 2025: 30% hộ kinh doanh dùng hóa đơn điện tử.
b) Đến hết năm 2030: 80% hộ kinh doanh thanh toán không dùng tiền mặt.

II. NHIỆM VỤ
1. Công chức Văn hóa - Xã hội chủ trì tuyên truyền, hoàn thành trước ngày 20/12/2025.
"""


@pytest.mark.parametrize("title, end", [
    ("CHUYỂN ĐỔI SỐ CHO CÁC HỘ KINH DOANH TRÊN ĐỊA BÀN XÃ", "2030-12-31"),   # milestones span the plan
    ("CHUYỂN ĐỔI SỐ CHO CÁC HỘ KINH DOANH NĂM 2025", "2025-12-31"),           # the title's own year wins
])
def test_a_plan_stating_no_period_runs_to_its_last_milestone(tmp_path, title, end):
    path = tmp_path / "kh.txt"
    path.write_text(MILESTONES.replace("CHUYỂN ĐỔI SỐ CHO CÁC HỘ KINH DOANH TRÊN ĐỊA BÀN XÃ", title), encoding="utf-8")
    plan = extract_plan(path).to_json()["plan"]
    assert (plan["year"], plan["period"]["start"], plan["period"]["end"]) == (2025, "2025-01-01", end)
