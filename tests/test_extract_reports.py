"""Reporting duties stated in prose, read from every sentence of real plans (development corpus)
and of a small markdown plan: cadences, listed schedules, dates of the next year, undated duties."""

from __future__ import annotations

from datetime import date

from engine.core.deadlines import parse_deadline
from engine.plans.extract import extract_plan
from engine.plans.prose.outline import build_items
from engine.plans.read.text import Line
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
    assert twice["lead"] == "UBND các xã, phường" and twice["kind"] == "recurring"
    assert any("sub-day cadence is kept as daily" in n for n in twice["notes"])
    evening, = at(found, 228)
    assert evening["lead"] == "Sở Công Thương" and any("time of day" in n for n in evening["notes"])
    # one due day a day, from the plan's signing (21/11/2025), never before it, to the period's end
    for daily in (twice, evening):
        assert len(daily["occurrences"]) == 41
        assert (daily["occurrences"][0], daily["occurrences"][-1]) == ("2025-11-21", "2025-12-31")


def test_the_daily_cadence_words_and_the_issue_date_floor():
    period = (date(2025, 1, 1), date(2025, 12, 31))
    for text in ("hằng ngày", "Hàng ngày trước 16h00", "mỗi ngày", "02 lần/ngày (trước 9h00’ và 16h00’)"):
        spec = parse_deadline(text, 2025, period)
        assert (spec.kind, spec.recurrence.freq, len(spec.recurrence.occurrences)) == ("recurring", "daily", 365)
    assert parse_deadline("Thường xuyên, hằng ngày", 2025, period).kind == "continuous"
    quarterly = parse_deadline("hằng quý, trước ngày 20 của tháng cuối quý", 2025, period)
    late = quarterly.since(date(2025, 7, 1))
    assert late.recurrence.occurrences == (date(2025, 9, 19), date(2025, 12, 19))
    assert quarterly.since(None) is quarterly and late.due == date(2025, 12, 19)


def test_imported_occurrences_never_fall_before_the_plan_was_issued(cli, tmp_path):
    plan = tmp_path / "issued.yaml"
    plan.write_text(ISSUED_PLAN, encoding="utf-8")
    cli("org", "load")
    result = cli("plan", "import", plan)
    assert result.code == 0, result.err
    tasks = cli("--now", "2025-11-25T09:00+07:00", "tasks", "--json").json()
    quarterly = sorted(t["due"] for t in tasks if t["parent"] == "BC-Q")
    assert quarterly == ["2025-09-19", "2025-12-19"]
    daily = sorted(t["ref"] for t in tasks if t["parent"] == "BC-N")
    assert (len(daily), daily[0], daily[-1]) == (153, "BC-N/2025-08-01", "BC-N/2025-12-31")


ISSUED_PLAN = """plan:
  title: Kế hoạch thử năm 2025
  issuer: UBND xã Ngọc Kỳ
  year: 2025
  issued: 2025-08-01
  source: {file: thu.txt}
reports:
  - ref: BC-Q
    title: Báo cáo quý
    lead: Văn phòng Đảng ủy - nội vụ
    deadline: hằng quý, trước ngày 20 của tháng cuối quý
  - ref: BC-N
    title: Báo cáo hằng ngày
    lead: Văn phòng Đảng ủy - nội vụ
    deadline: trước 19h00 hằng ngày
"""


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


def test_a_duty_to_report_without_a_date_goes_to_review_even_inside_a_units_block():
    for name, line in (("cp-nq394-2025", 503), ("cp-nq394-2025", 530), ("hcm-2843-2025", 63),
                       ("ttg-2623-2025", 315), ("daklak-0129-2025", 359)):
        review = extract_plan(CORPUS / f"{name}.txt").to_json()["review"]
        undated = [r for r in review if r["lines"][0] <= line <= r["lines"][1]]
        assert undated and undated[0]["why"].startswith("yêu cầu báo cáo không nêu ngày"), (name, line)


def test_reporting_as_one_of_a_list_of_functions_is_not_a_duty():
    # "chịu trách nhiệm tham mưu, đôn đốc, hướng dẫn, tổng hợp, báo cáo;": a role, nothing reported
    ex = extract_plan(FIXTURES / "extract" / "ngoc-lien-2025.txt").to_json()
    assert not [r for r in ex["review"] if 580 <= r["lines"][0] <= 612]
    assert [r["lines"] for r in ex["review"] if 620 <= r["lines"][0] <= 630] == [[624, 628]]


def test_a_number_closing_an_emphasis_or_a_date_is_not_a_list_marker():
    text = ["1. Sở Nội vụ tổng hợp, báo cáo UBND tỉnh trước ngày **15 tháng", "12**.", "2. Sở Tài chính bố trí kinh phí."]
    items = build_items([Line(i + 1, t) for i, t in enumerate(text)])
    assert [(i.kind, i.label) for i in items] == [("num", "1"), ("num", "2")]
    assert items[0].text.endswith("trước ngày 15 tháng 12.")
    text = ["- Báo cáo UBND xã trước ngày", "15 tháng 12 hằng năm."]
    assert len(build_items([Line(i + 1, t) for i, t in enumerate(text)])) == 1


def test_the_term_paragraph_after_an_item_dates_its_report_and_a_responsibility_heading_leads():
    # "- Báo cáo kết quả kiểm kê cho cơ quan quản lý cấp trên ..." then "Thời hạn hoàn thành: Trước
    # ngày 31/3/2026." under "1.5. Trách nhiệm của đối tượng thực hiện kiểm kê:"
    found = reports("quangngai-1627-2025")
    superior, = at(found, 382)
    assert (superior["lead"], superior["due"]) == ("đối tượng thực hiện kiểm kê", "2026-03-30")
    finance, = at(found, 242)  # the term in the bullet's own next sentence; "Ban Chỉ đạo" is a name
    assert (finance["lead"], finance["due"]) == ("Sở Tài chính - Cơ quan thường trực Ban Chỉ đạo", "2026-05-30")
