"""Reporting duties stated in prose, read from every sentence of real plans (development corpus)
and of a small markdown plan: cadences, listed schedules, dates of the next year, undated duties."""

from __future__ import annotations

from engine.plans.extract import extract_plan
from tests.support.paths import FIXTURES

CORPUS = FIXTURES / "corpus"


def reports(name: str) -> list[dict]:
    return extract_plan(CORPUS / f"{name}.txt").to_json()["reports"]


def at(items: list[dict], first: int) -> list[dict]:
    return [r for r in items if r["source"]["lines"][0] <= first <= r["source"]["lines"][1]]


def test_a_listed_schedule_is_one_report_per_item_over_the_five_years():
    found = reports("sonla-2954-2025")
    for line, lead, days in ((690, "Các Sở, ngành, UBND các xã, phường và các cơ quan, đơn vị có liên quan",
                              ("15", "06-15", "11-19")),
                             (695, "Sở Công Thương", ("17", "05-17", "11-29"))):
        schedule = at(found, line)
        assert [len(r["occurrences"]) for r in schedule] == [60, 5, 5]
        assert {r["lead"] for r in schedule} == {lead}
        monthly, half, year = schedule
        assert monthly["occurrences"][0] == f"2026-01-{days[0]}" and monthly["occurrences"][-1] == f"2030-12-{days[0]}"
        assert half["occurrences"] == [f"{y}-{days[1]}" for y in range(2026, 2031)]
        assert year["occurrences"] == [f"{y}-{days[2]}" for y in range(2026, 2031)]


def test_yearly_reports_and_the_next_year_compilation():
    found = reports("ttg-2629-2025")
    yearly, = at(found, 558)
    assert (yearly["lead"], yearly["recipient"]) == ("Các bộ, ngành, địa phương", "Bộ Khoa học và Công nghệ")
    assert yearly["occurrences"] == [f"{y}-12-14" for y in range(2025, 2031)]
    compiled, = at(found, 561)
    assert (compiled["lead"], compiled["recipient"]) == ("Bộ Khoa học và Công nghệ", "Thủ tướng Chính phủ")
    assert compiled["occurrences"] == [f"{y}-01-29" for y in range(2026, 2031)]
    undated, = at(found, 506)  # "định kỳ hằng năm báo cáo Thủ tướng Chính phủ": flagged, no date invented
    assert undated["deadline"] is None and undated["occurrences"] == [] and undated["confidence"] <= 0.5
    review = extract_plan(CORPUS / "ttg-2629-2025.txt").to_json()["review"]
    assert any(r["lines"] == undated["source"]["lines"] and r["why"].startswith("báo cáo định kỳ") for r in review)


def test_a_cadence_apart_from_the_date_and_two_reviews_in_one_sentence():
    found = reports("ttg-2530-2025")
    yearly, = at(found, 637)
    assert yearly["occurrences"] == [f"{y}-12-24" for y in range(2026, 2031)]
    reviews = at(found, 473)
    assert [(r["lead"], r["kind"], r["due"]) for r in reviews] == [
        ("Bộ Nông nghiệp và Môi trường", "period", "2027-12-31"), ("Bộ Nông nghiệp và Môi trường", "period", "2030-12-31")]


def test_sending_results_and_one_off_dates_in_sub_bullets():
    found = reports("ttg-2623-2025")
    sent, = at(found, 193)
    assert (sent["recipient"], sent["due"]) == ("Bộ Công an", "2025-12-14")
    assert sent["lead"].startswith("Các bộ, cơ quan ngang bộ, Ủy ban nhân dân các tỉnh")
    summed, = at(found, 196)
    assert (summed["lead"], summed["recipient"], summed["due"]) == ("Bộ Công an", "Thủ tướng Chính phủ", "2025-12-30")
    due = {r["due"] for r in reports("tuyenquang-130-2025-trich")}
    assert {"2026-03-30", "2026-04-14"} <= due  # reports on 2025 due in 2026 keep their dates


def test_daily_reports_keep_the_unit_of_their_block_and_say_the_time_of_day_is_dropped():
    found = reports("daklak-0129-2025")
    twice, = at(found, 350)
    assert twice["lead"] == "UBND các xã, phường" and twice["kind"] == "continuous"
    assert any("sub-day cadence is kept as daily" in n for n in twice["notes"])
    evening, = at(found, 228)
    assert evening["lead"] == "Sở Công Thương" and any("time of day" in n for n in evening["notes"])


def test_a_periodic_duty_without_date_is_flagged_not_dropped():
    ex = extract_plan(CORPUS / "nghean-1026-2025.txt").to_json()
    periodic, = at(ex["reports"], 239)
    assert periodic["lead"] == "Công an tỉnh" and periodic["confidence"] <= 0.5
    assert any(r["lines"][0] <= 239 <= r["lines"][1] for r in ex["review"])


PLAN = """**KẾ HOẠCH**

Phát triển thương mại điện tử năm 2026

**I. MỤC ĐÍCH**

1. Thúc đẩy thương mại điện tử.

**II. TỔ CHỨC THỰC HIỆN**

**1.
Phòng Kinh tế:**

- Chủ trì theo dõi, đôn đốc; định kỳ **hằng quý** tổng hợp, báo cáo UBND xã trước ngày 20 của tháng cuối
quý.

2. Văn phòng HĐND và UBND xã tổng hợp kết quả, gửi báo cáo UBND huyện trước
ngày **15 tháng 12** hằng
năm.

3. Các ban, ngành báo cáo kết quả về Văn phòng HĐND và UBND xã theo quy định.
"""


def test_markdown_and_line_breaks_inside_a_phrase_do_not_matter(tmp_path):
    path = tmp_path / "tmdt.txt"
    path.write_text(PLAN, encoding="utf-8")
    ex = extract_plan(path).to_json()
    by_line = {r["source"]["lines"][0]: r for r in ex["reports"]}
    quarterly = next(r for r in ex["reports"] if r["lead"] == "Phòng Kinh tế")
    assert quarterly["occurrences"] == ["2026-03-19", "2026-06-19", "2026-09-19", "2026-12-19"]
    office = next(r for first, r in by_line.items() if first >= 16)
    assert (office["recipient"], office["occurrences"]) == ("UBND huyện", ["2026-12-14"])
    undated = [r for r in ex["review"] if "Các ban, ngành báo cáo kết quả" in r["text"]]
    assert undated and undated[0]["why"].startswith("yêu cầu báo cáo không nêu ngày")
