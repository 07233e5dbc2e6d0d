from __future__ import annotations

import dataclasses
import functools
import json
import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.core.deadlines import FREQS, KINDS, DueSpec, Recurrence, parse_deadline

D = date.fromisoformat
H2_2025 = (date(2025, 7, 1), date(2025, 12, 31))  # Hùng Thắng plans only the second half of 2025

PLANS = {
    "hong-loc": (2024, None),
    "hung-thang": (2025, H2_2025),
    "ngoc-ky": (2023, None),
    "ngoc-lien": (2025, None),
    "vinh-lap": (2021, None),
}


def parse(text: str, plan: str, **kw) -> DueSpec:
    year, period = PLANS[plan]
    return parse_deadline(text, year, period, **kw)


def quarter_ends(year: int) -> list[str]:
    return [f"{year}-03-31", f"{year}-06-30", f"{year}-09-30", f"{year}-12-31"]


def month_ends(year: int, months: range) -> list[str]:
    days = {1: 31, 2: 29 if year % 4 == 0 else 28, 3: 31, 4: 30, 5: 31, 6: 30,
            7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
    return [f"{year}-{m:02d}-{days[m]}" for m in months]


# -- every deadline phrase found in the seeds -------------------------------------------------
# Each row: plan, text exactly as extracted (cell line breaks kept), kind, start, due, occurrences.
# Hồng Lộc rows are the "7- Thời gian hoàn thành" cells of the appendix unless marked "prose".
SEED_PHRASES = [
    # hong-loc-2024 appendix
    ("hong-loc", "Trước \n15/01/2024", "date", None, "2024-01-14", None),
    ("hong-loc", "Trước \n\n15/01/2024 \n", "date", None, "2024-01-14", None),  # raw, blank lines between
    ("hong-loc", "Tháng \n01/2024", "period", "2024-01-01", "2024-01-31", None),
    ("hong-loc", "Năm 2024", "period", "2024-01-01", "2024-12-31", None),
    ("hong-loc", "Năm 2024  ", "period", "2024-01-01", "2024-12-31", None),
    ("hong-loc", " Năm 2024   ", "period", "2024-01-01", "2024-12-31", None),
    ("hong-loc", "Thường \nxuyên", "continuous", None, None, None),
    ("hong-loc", "Theo Kế \nhoạch của \nUBND \nhuyện", "external", None, None, None),
    ("hong-loc", "Sau khi các \ncơ quan \nliên quan \ncông bố \nchỉ số \nPAPI, Bộ \nNội vụ \ncông bố \nchỉ số \n"
                 "CCHC tỉnh \nnăm 2024", "event", None, None, None),
    ("hong-loc", "Quý II, \nIII/2024", "period", "2024-04-01", "2024-09-30", None),
    ("hong-loc", "Quý I  ", "period", "2024-01-01", "2024-03-31", None),
    ("hong-loc", "Quý II", "period", "2024-04-01", "2024-06-30", None),
    ("hong-loc", "Quý IV", "period", "2024-10-01", "2024-12-31", None),
    ("hong-loc", "Quý \nIV/2024", "period", "2024-10-01", "2024-12-31", None),
    ("hong-loc", "Quý  \nI/2024", "period", "2024-01-01", "2024-03-31", None),  # cell split by the PDF
    ("hong-loc", "Quý I, II \nnăm 2024", "period", "2024-01-01", "2024-06-30", None),
    ("hong-loc", "Quý I-IV \nnăm 2024", "period", "2024-01-01", "2024-12-31", None),
    ("hong-loc", "Theo lộ \ntrình đề án \nđược phê \nduyệt", "external", None, None, None),
    # hong-loc-2024 prose
    ("hong-loc", "báo cáo kết \nquả thực hiện theo quý, 6 tháng, năm và đột xuất (nếu có)",
     "recurring", "2024-01-01", "2024-12-31", quarter_ends(2024)),
    ("hong-loc", "Định kỳ hàng quý \ncó báo cáo kết quả lấy ý kiến đánh giá",
     "recurring", "2024-01-01", "2024-12-31", quarter_ends(2024)),
    ("hong-loc", "xác định Chỉ số \nCCHC hằng năm", "recurring", "2024-01-01", "2024-12-31", ["2024-12-31"]),
    ("hong-loc", "theo dõi, đánh giá tình hình pháp luật hàng năm",
     "recurring", "2024-01-01", "2024-12-31", ["2024-12-31"]),
    ("hong-loc", "đánh giá, phân loại \ncông chức, viên \nchức hàng năm", "recurring", "2024-01-01", "2024-12-31",
     ["2024-12-31"]),
    ("hong-loc", "ngân sách hàng năm theo quy định về phân cấp ngân sách", "recurring", "2024-01-01", "2024-12-31",
     ["2024-12-31"]),
    ("hong-loc", "Thực hiện chế độ báo cáo định kỳ kết quả thực hiện cơ chế tự chủ", "unknown", None, None, None),
    ("hong-loc", "Tổ chức tốt công tác kiểm tra định kỳ, đột xuất về công tác CCHC", "unknown", None, None, None),
    ("hong-loc", "Thường xuyên thực hiện nhiệm vụ được giao", "continuous", None, None, None),
    ("hong-loc", "Triển khai công tác đào tạo, bồi dưỡng năm 2024 theo kế hoạch", "external", None, None, None),
    ("hong-loc", "giai đoạn 2021-2030", "period", "2021-01-01", "2030-12-31", None),
    ("hong-loc", "giai đoạn 2022 - 2025", "period", "2022-01-01", "2025-12-31", None),
    # hung-thang-2025-h2 appendix ("Thời gian thực hiện/ hoàn thành")
    ("hung-thang", " Trong tháng \n7/2025", "period", "2025-07-01", "2025-07-31", None),
    ("hung-thang", "Quý IV/2025", "period", "2025-10-01", "2025-12-31", None),
    ("hung-thang", "6 tháng cuối \nnăm 2025", "period", "2025-07-01", "2025-12-31", None),
    ("hung-thang", "(Báo cáo kiểm soát TTHC \nđịnh kỳ và Báo cáo cải cách \nTTHC hàng tháng)",
     "recurring", "2025-07-01", "2025-12-31", month_ends(2025, range(7, 13))),
    # hung-thang-2025-h2 prose
    ("hung-thang", "Cải cách hành chính nhà nước 6 tháng cuối năm 2025", "period", "2025-07-01", "2025-12-31", None),
    ("hung-thang", "báo cáo năm gửi trước ngày 10/12", "date", None, "2025-12-09", None),
    ("hung-thang", "theo định kỳ \n(báo cáo năm gửi trước ngày 10/12)", "date", None, "2025-12-09", None),
    ("hung-thang", "đánh giá tình hình thi hành pháp luật hàng năm",
     "recurring", "2025-07-01", "2025-12-31", ["2025-12-31"]),
    ("hung-thang", "Thường xuyên thực hiện công tác kiểm tra, đôn đốc", "continuous", None, None, None),
    ("hung-thang", "tổ chức đối thoại định kỳ, đột xuất với doanh nghiệp", "unknown", None, None, None),
    # ngoc-ky-2023 prose ("Chế độ thông tin báo cáo" and tasks)
    ("ngoc-ky", "trước ngày \n31/12/2022", "date", None, "2022-12-30", None),
    ("ngoc-ky", "theo Quý trước ngày 20 \ncủa tháng cuối Quý", "recurring", "2023-01-01", "2023-12-19",
     ["2023-03-19", "2023-06-19", "2023-09-19", "2023-12-19"]),
    ("ngoc-ky", "công khai hằng tháng kết quả giải quyết TTHC của cơ quan",
     "recurring", "2023-01-01", "2023-12-31", month_ends(2023, range(1, 13))),
    ("ngoc-ky", "thực hiện giao biên chế định kỳ hằng năm", "recurring", "2023-01-01", "2023-12-31", ["2023-12-31"]),
    ("ngoc-ky", "định kỳ báo cáo kết quả thực \nhiện theo từng giai đoạn của Đề án", "unknown", None, None, None),
    ("ngoc-ky", "Thực hiện nghiêm chế độ thông tin, báo cáo thường kỳ hoặc đột xuất", "unknown", None, None, None),
    ("ngoc-ky", "Việc triển khai Đề án phải được thực hiện nghiêm túc, định kỳ kiểm tra", "unknown", None, None, None),
    # The issue date of the cited plan (09/12/2022) is not a deadline.
    ("ngoc-ky", "bảo \nđảm đúng lộ trình năm 2023 theo Kế hoạch 3580/KH-UBND ngày 09/12/2022",
     "external", None, None, None),
    # ngoc-lien-2025 prose
    ("ngoc-lien", "trước 15/10/2025", "date", None, "2025-10-14", None),
    ("ngoc-lien", "báo cáo Chủ tịch UBND xã trước \n15/10/2025. ", "date", None, "2025-10-14", None),
    ("ngoc-lien", "Thường xuyên kiểm tra, đôn đốc thực hiện", "continuous", None, None, None),
    # vinh-lap-2021 prose (typos "thới gian", "thự chiện" are in the source)
    ("vinh-lap", "Định kỳ báo cáo kết quả thực hiện công tác cải cách hành chính thuộc \n"
                 "lĩnh vực phụ trách đúng thới gian quy định.", "unknown", None, None, None),
    ("vinh-lap", "Định kỳ \nbáo cáo kết quả thự chiện công tác cải cách hành chính thuộc các lĩnh vực phụ \n"
                 "tách đúng thời gian quy định.", "unknown", None, None, None),
    ("vinh-lap", "Thực hiện nghiêm các quy định về chế độ báo cáo định kỳ", "unknown", None, None, None),
    ("vinh-lap", "định kỳ báo cáo UBND xã.", "unknown", None, None, None),
    ("vinh-lap", "Đánh giá công tác hoàn thành chính quyền điện tử hàng năm.",
     "recurring", "2021-01-01", "2021-12-31", ["2021-12-31"]),
    ("vinh-lap", "đánh giá khen thưởng hàng năm", "recurring", "2021-01-01", "2021-12-31", ["2021-12-31"]),
    ("vinh-lap", "lập dự toán ngân sách hàng năm", "recurring", "2021-01-01", "2021-12-31", ["2021-12-31"]),
    ("vinh-lap", "Thường  xuyên rà \nsoát, cập nhật", "continuous", None, None, None),
]


@pytest.mark.parametrize(("plan", "text", "kind", "start", "due", "occurrences"), SEED_PHRASES,
                         ids=[f"{r[0]}:{r[1][:40]!r}" for r in SEED_PHRASES])
def test_seed_phrase_is_read_as_the_plan_means_it(plan, text, kind, start, due, occurrences):
    spec = parse(text, plan)
    assert spec.text == text
    assert (spec.kind, spec.start, spec.due) == (kind, start and D(start), due and D(due)), spec.reason
    if occurrences is None:
        assert spec.recurrence is None
    else:
        assert [d.isoformat() for d in spec.recurrence.occurrences] == occurrences
    if kind == "unknown":
        assert spec.reason


def test_papi_cell_is_an_event_naming_the_publication():
    spec = parse("Sau khi các \ncơ quan \nliên quan \ncông bố \nchỉ số \nPAPI, Bộ \nNội vụ", "hong-loc")
    assert spec.kind == "event" and spec.due is None
    assert "công bố chỉ số PAPI" in spec.event


def test_reporting_cadence_list_uses_the_quarterly_cycle():
    spec = parse("báo cáo kết quả thực hiện theo quý, 6 tháng, năm", "hong-loc")
    assert spec.recurrence.freq == "quarterly"


def test_periodic_report_without_cadence_is_unknown_and_invents_no_date():
    # Chosen behaviour: "định kỳ ... đúng thời gian quy định" names neither cycle nor date.
    spec = parse("Định kỳ báo cáo kết quả thực hiện đúng thời gian quy định", "vinh-lap")
    assert spec.kind == "unknown" and spec.due is None and spec.start is None
    assert spec.reason == "định kỳ nhưng không nêu chu kỳ hay ngày (periodic, no cadence or date stated)"


# -- before / by ------------------------------------------------------------------------------


def test_before_is_strict_by_default():
    assert parse_deadline("trước ngày 15/01/2024", 2024).due == date(2024, 1, 14)


def test_before_can_be_inclusive():
    assert parse_deadline("trước ngày 15/01/2024", 2024, before_is_exclusive=False).due == date(2024, 1, 15)
    assert parse_deadline("trước 1/3/2024", 2024).due == date(2024, 2, 29)


def test_before_a_span_ends_the_day_before_it_starts():
    assert parse_deadline("trước Quý II/2024", 2024).due == date(2024, 3, 31)
    assert parse_deadline("trước Quý II/2024", 2024, before_is_exclusive=False).due == date(2024, 6, 30)


@pytest.mark.parametrize("text", [
    "chậm nhất ngày 20/3/2024", "chậm nhất là ngày 20/3/2024", "chậm nhất vào ngày 20/3/2024",
    "đến ngày 20/3/2024", "đến 20/3/2024", "hạn chót 20/3/2024", "không muộn hơn 20/3/2024",
    "20/3/2024", "ngày 20/3/2024", "20.3.2024", "20-3-2024", "20 / 03 / 2024",
    "ngày 20 tháng 3 năm 2024", "ngày 20 tháng 03 năm 2024", "chậm nhất ngày 20 tháng 3",
    "Hoàn thành xong chậm nhất là ngày 20/3", "ban hành đến ngày 20/3/2024",
])
def test_deadline_by_a_day_is_due_that_day(text):
    spec = parse_deadline(text, 2024)
    assert (spec.kind, spec.start, spec.due) == ("date", None, date(2024, 3, 20)), spec.reason


def test_date_without_year_takes_the_plan_year():
    assert parse_deadline("trước ngày 10/12", 2025).due == date(2025, 12, 9)
    assert parse_deadline("ngày 5 tháng 6", 2023).due == date(2023, 6, 5)


def test_issue_dates_of_cited_documents_are_not_deadlines():
    spec = parse_deadline("Trước 30/6/2024 theo Quyết định số 2454/QĐ-UBND ngày 04/12/2022", 2024)
    assert (spec.kind, spec.due) == ("date", date(2024, 6, 29))


def test_citation_with_a_written_out_date_is_not_a_deadline():
    spec = parse_deadline("Đề án số 06-ĐA/HU ngày 08 tháng 12 năm 2020 của Huyện uỷ; hoàn thành Quý I/2023", 2023)
    assert (spec.kind, spec.start, spec.due) == ("period", date(2023, 1, 1), date(2023, 3, 31))


def test_several_dates_without_cadence_are_one_occurrence_each():
    spec = parse_deadline("trước 15/01/2024 và trước 30/06/2024", 2024)
    assert (spec.kind, spec.start, spec.due) == ("recurring", date(2024, 1, 1), date(2024, 6, 29))
    assert spec.recurrence == Recurrence("listed", (date(2024, 1, 14), date(2024, 6, 29)))


# -- spans ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "start", "due"), [
    ("Tháng 7/2025", "2025-07-01", "2025-07-31"),
    ("trong tháng 7/2025", "2025-07-01", "2025-07-31"),
    ("trong tháng 7 năm 2025", "2025-07-01", "2025-07-31"),
    ("Tháng 2/2024", "2024-02-01", "2024-02-29"),
    ("Tháng 1 - 2/2024", "2024-01-01", "2024-02-29"),
    ("Tháng 10-12 năm 2025", "2025-10-01", "2025-12-31"),
    ("Quý 2/2024", "2024-04-01", "2024-06-30"),
    ("Quý 3 năm 2025", "2025-07-01", "2025-09-30"),
    ("trong Quý III/2025", "2025-07-01", "2025-09-30"),
    ("Quý III", "2025-07-01", "2025-09-30"),
    ("Quý I, II năm 2024", "2024-01-01", "2024-06-30"),
    ("Quý I-IV năm 2024", "2024-01-01", "2024-12-31"),
    ("Quý I và Quý II/2024", "2024-01-01", "2024-06-30"),
    ("Năm 2024", "2024-01-01", "2024-12-31"),
    ("2024", "2024-01-01", "2024-12-31"),
    ("trong năm 2026", "2026-01-01", "2026-12-31"),
    ("2021 - 2025", "2021-01-01", "2025-12-31"),
    ("2021-2025", "2021-01-01", "2025-12-31"),
    ("giai đoạn 2021-2025", "2021-01-01", "2025-12-31"),
    ("năm 2024 - 2025", "2024-01-01", "2025-12-31"),
    ("6 tháng đầu năm 2024", "2024-01-01", "2024-06-30"),
    ("6 tháng đầu năm", "2025-01-01", "2025-06-30"),
    ("6 tháng cuối năm", "2025-07-01", "2025-12-31"),
    ("9 tháng đầu năm", "2025-01-01", "2025-09-30"),
    ("Từ 01/3/2025 đến 30/6/2025", "2025-03-01", "2025-06-30"),
    ("Từ tháng 3 đến tháng 5/2025", "2025-03-01", "2025-05-31"),
    ("Từ tháng 12 đến tháng 2/2026", "2025-12-01", "2026-02-28"),
    ("Từ Quý II đến Quý IV/2025", "2025-04-01", "2025-12-31"),
    ("từ năm 2021 đến năm 2025", "2021-01-01", "2025-12-31"),
    ("Ban hành Kế hoạch năm 2025 trong tháng 01/2025", "2025-01-01", "2025-01-31"),
])
def test_span_phrases_are_periods(text, start, due):
    spec = parse_deadline(text, 2025)
    assert (spec.kind, spec.start, spec.due) == ("period", D(start), D(due)), spec.reason


# -- spelling, layout and noise ---------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Trước 15/01/2024",
    unicodedata.normalize("NFD", "Trước 15/01/2024"),
    "TRƯỚC 15/01/2024",
    "trước   15/01/2024",
    "  Trước\n\n15/01/2024  ",
    "**Trước 15/01/2024**",
    "Trước **15/01/2024**.",
    "Trước 15/01/2024.",
    "Hoàn thành trước 15/01/2024",
    "ban hành xong trước ngày 15/01/2024",
    "Thực hiện, báo cáo kết quả trước 15/01/2024",
    "- Trước 15/01/2024;",
])
def test_noise_around_the_time_part_does_not_matter(text):
    assert parse_deadline(text, 2024).due == date(2024, 1, 14)


@pytest.mark.parametrize("text", [
    "Quý II/2024", "QUÝ II/2024", unicodedata.normalize("NFD", "Quý II/2024"), "Qúy II/2024", "Quí II/2024",
    "quý  ii /  2024", "**Quý II/2024**", "Quý II/2024.", "Hoàn thành trong Quý II/2024",
])
def test_quarter_spelling_variants_are_equal(text):
    spec = parse_deadline(text, 2024)
    assert (spec.kind, spec.start, spec.due) == ("period", date(2024, 4, 1), date(2024, 6, 30))


def test_old_and_new_tone_placement_give_the_same_result():
    pairs = [("Sau khi số hoá xong", "Sau khi số hóa xong"),
             ("theo kế hoạch của Uỷ ban nhân dân huyện", "theo kế hoạch của Ủy ban nhân dân huyện"),
             ("định kỳ hằng quý (Thuỷ lợi)", "định kỳ hằng quý (Thủy lợi)")]
    for old, new in pairs:
        a, b = parse_deadline(old, 2024), parse_deadline(new, 2024)
        assert (a.kind, a.start, a.due, a.recurrence) == (b.kind, b.start, b.due, b.recurrence)


def test_text_is_kept_exactly_as_given():
    raw = "  **Trước \n15/01/2024**. "
    assert parse_deadline(raw, 2024).text == raw


# -- continuous, open-ended, external, event --------------------------------------------------


@pytest.mark.parametrize("text", ["Thường xuyên", "Thực hiện thường xuyên", "Thường xuyên, theo yêu cầu nhiệm vụ",
                                  "THƯỜNG XUYÊN.", "liên tục"])
def test_ongoing_work_is_continuous_without_due(text):
    spec = parse_deadline(text, 2024)
    assert (spec.kind, spec.start, spec.due, spec.open_ended) == ("continuous", None, None, False)


@pytest.mark.parametrize(("text", "start"), [("Từ 01/7/2025", "2025-07-01"), ("Từ tháng 7/2025", "2025-07-01"),
                                             ("Thường xuyên từ tháng 3/2025", "2025-03-01")])
def test_from_without_end_is_continuous_with_start(text, start):
    spec = parse_deadline(text, 2025)
    assert (spec.kind, spec.start, spec.due) == ("continuous", D(start), None)


@pytest.mark.parametrize(("text", "start"), [
    ("Năm 2024 và các năm tiếp theo", "2024-01-01"),
    ("Quý III/2024 và những năm tiếp theo", "2024-07-01"),
    ("Từ năm 2025 và các năm tiếp theo", "2025-01-01"),
])
def test_following_years_are_open_ended(text, start):
    spec = parse_deadline(text, 2024)
    assert (spec.kind, spec.start, spec.due, spec.open_ended) == ("continuous", D(start), None, True)


@pytest.mark.parametrize("text", [
    "Theo Kế hoạch của UBND huyện", "Theo lộ trình của tỉnh", "Theo kế hoạch của huyện hàng năm",
    "Theo tiến độ của dự án", "theo hướng dẫn của Sở Nội vụ", "Theo KH của UBND tỉnh",
])
def test_schedules_set_elsewhere_are_external(text):
    spec = parse_deadline(text, 2024)
    assert (spec.kind, spec.start, spec.due, spec.recurrence) == ("external", None, None, None)
    assert spec.reason


def test_external_keeps_a_stated_date():
    spec = parse_deadline("Theo kế hoạch của huyện, trước 30/6/2024", 2024)
    assert (spec.kind, spec.due) == ("external", date(2024, 6, 29))


@pytest.mark.parametrize(("text", "event"), [
    ("Sau khi Quyết định được ban hành", "Quyết định được ban hành"),
    ("Sau khi được phê duyệt.", "được phê duyệt"),
    ("Hoàn thành sau khi Bộ Nội vụ công bố chỉ số CCHC năm 2024", "Bộ Nội vụ công bố chỉ số CCHC năm 2024"),
    ("**Sau khi** có kết quả công bố chỉ số PAPI", "có kết quả công bố chỉ số PAPI"),
])
def test_after_something_happens_is_an_event(text, event):
    spec = parse_deadline(text, 2024)
    assert (spec.kind, spec.start, spec.due, spec.event) == ("event", None, None, event)


def test_from_a_date_until_an_event_keeps_the_start():
    spec = parse_deadline("Từ 01/7/2025 đến khi hoàn thành việc sắp xếp", 2025)
    assert (spec.kind, spec.start, spec.due, spec.event) == ("event", date(2025, 7, 1), None, "hoàn thành việc sắp xếp")


# -- recurring --------------------------------------------------------------------------------


def occ(spec: DueSpec) -> list[str]:
    return [d.isoformat() for d in spec.recurrence.occurrences]


@pytest.mark.parametrize("text", ["Hằng năm", "hàng năm", "định kỳ hằng năm", "Báo cáo hằng năm."])
def test_yearly_is_due_at_year_end(text):
    spec = parse_deadline(text, 2024)
    assert (spec.kind, spec.start, spec.due) == ("recurring", date(2024, 1, 1), date(2024, 12, 31))
    assert spec.recurrence == Recurrence("yearly", (date(2024, 12, 31),))


def test_yearly_with_a_stated_day_uses_that_day():
    spec = parse_deadline("hằng năm (trước ngày 15 tháng 11)", 2024)
    assert occ(spec) == ["2024-11-14"] and spec.due == date(2024, 11, 14)


def test_yearly_over_a_multi_year_period_has_one_occurrence_per_year():
    spec = parse_deadline("hằng năm (trước ngày 15 tháng 11)", 2021, (date(2021, 1, 1), date(2025, 12, 31)))
    assert occ(spec) == [f"{y}-11-14" for y in range(2021, 2026)]


@pytest.mark.parametrize("text", ["hằng quý", "hàng quý", "theo quý", "định kỳ hằng quý", "Báo cáo theo Quý"])
def test_quarterly_is_due_at_quarter_end(text):
    spec = parse_deadline(text, 2024)
    assert spec.recurrence.freq == "quarterly" and occ(spec) == quarter_ends(2024)


def test_quarterly_inside_a_half_year_plan_keeps_only_its_quarters():
    spec = parse_deadline("hằng quý", 2025, H2_2025)
    assert occ(spec) == ["2025-09-30", "2025-12-31"]
    assert (spec.start, spec.due) == (date(2025, 7, 1), date(2025, 12, 31))


def test_quarterly_on_a_stated_day_of_the_last_month():
    spec = parse_deadline("theo Quý trước ngày 20 của tháng cuối Quý", 2023)
    assert occ(spec) == ["2023-03-19", "2023-06-19", "2023-09-19", "2023-12-19"]
    inclusive = parse_deadline("theo Quý trước ngày 20 của tháng cuối Quý", 2023, before_is_exclusive=False)
    assert occ(inclusive)[0] == "2023-03-20"


def test_quarterly_on_a_stated_day_of_the_first_month():
    spec = parse_deadline("hằng quý, chậm nhất ngày 10 tháng đầu quý", 2024)
    assert occ(spec) == ["2024-01-10", "2024-04-10", "2024-07-10", "2024-10-10"]


def test_monthly_defaults_to_month_end_or_stated_day():
    assert occ(parse_deadline("hằng tháng", 2024)) == month_ends(2024, range(1, 13))
    spec = parse_deadline("Báo cáo hằng tháng trước ngày 25", 2024, (date(2024, 10, 1), date(2024, 12, 31)))
    assert occ(spec) == ["2024-10-24", "2024-11-24", "2024-12-24"]
    assert occ(parse_deadline("hằng tháng, ngày 31", 2024))[1] == "2024-02-29"  # clamped to month end


def test_semiannual_defaults_to_june_and_december():
    spec = parse_deadline("định kỳ 6 tháng", 2024)
    assert spec.recurrence.freq == "semiannual" and occ(spec) == ["2024-06-30", "2024-12-31"]


def test_several_stated_dates_give_one_occurrence_each():
    spec = parse_deadline("Báo cáo định kỳ 6 tháng trước ngày 18 tháng 6 và trước ngày 18 tháng 12 hằng năm", 2024)
    assert spec.recurrence.freq == "semiannual"
    assert occ(spec) == ["2024-06-17", "2024-12-17"]
    shared = parse_deadline("định kỳ 6 tháng (trước ngày 15/6 và 15/12)", 2024)
    assert occ(shared) == ["2024-06-14", "2024-12-14"]


def test_recurrence_outside_the_plan_period_has_no_occurrence():
    spec = parse_deadline("hằng năm (trước ngày 15 tháng 11)", 2025, (date(2025, 1, 1), date(2025, 6, 30)))
    assert spec.kind == "recurring" and spec.recurrence.occurrences == () and spec.due is None


def test_annual_plan_schedule_is_external_not_recurring():
    assert parse_deadline("Theo kế hoạch của UBND huyện hàng năm", 2024).kind == "external"


# -- parts of a year or a month, lists, "và thường xuyên", counted cycles ---------------------
# Each form with its spellings: case, NFD, dashes, with or without a year, the year from the list.

NFD = functools.partial(unicodedata.normalize, "NFD")


@pytest.mark.parametrize(("text", "year", "start", "due"), [
    ("Đầu năm 2025", 2024, "2025-01-01", "2025-03-31"),
    ("ĐẦU NĂM 2025", 2024, "2025-01-01", "2025-03-31"),
    (NFD("Đầu năm 2025"), 2024, "2025-01-01", "2025-03-31"),
    ("- Triển khai đầu năm 2025;", 2024, "2025-01-01", "2025-03-31"),
    ("đầu năm", 2025, "2025-01-01", "2025-03-31"),
    ("Giữa năm 2025", 2024, "2025-04-01", "2025-09-30"),
    ("giữa năm", 2023, "2023-04-01", "2023-09-30"),
    ("Cuối năm 2025", 2024, "2025-10-01", "2025-12-31"),
    ("**Cuối năm**", 2025, "2025-10-01", "2025-12-31"),
    ("Trong năm 2025, cuối năm", 2024, "2025-10-01", "2025-12-31"),  # the year stated beside it
    ("Bắt đầu năm 2025", 2024, "2025-01-01", "2025-12-31"),  # "bắt đầu" is "to begin": the year
    ("Đầu tháng 10/2025", 2024, "2025-10-01", "2025-10-10"),
    ("thượng tuần tháng 10/2025", 2024, "2025-10-01", "2025-10-10"),
    ("THƯỢNG TUẦN THÁNG 10 NĂM 2025", 2024, "2025-10-01", "2025-10-10"),
    (NFD("Thượng tuần tháng 10/2025"), 2024, "2025-10-01", "2025-10-10"),
    ("đầu tháng 10 \u2013 2025", 2024, "2025-10-01", "2025-10-10"),
    ("đầu tháng 10", 2025, "2025-10-01", "2025-10-10"),
    ("giữa tháng 2/2024", 2025, "2024-02-11", "2024-02-20"),
    ("Trung tuần tháng 2 năm 2024", 2025, "2024-02-11", "2024-02-20"),
    ("cuối tháng 2/2024", 2025, "2024-02-21", "2024-02-29"),
    ("Hạ tuần tháng 2/2023", 2025, "2023-02-21", "2023-02-28"),
    ("hạ tuần tháng 12", 2025, "2025-12-21", "2025-12-31"),
    ("Tuần đầu tháng 10/2025", 2024, "2025-10-01", "2025-10-07"),
    ("TUẦN ĐẦU THÁNG 10/2025", 2024, "2025-10-01", "2025-10-07"),
    (NFD("Tuần đầu tháng 10/2025"), 2024, "2025-10-01", "2025-10-07"),
    ("trong tuần đầu tiên của tháng 10 năm 2025", 2024, "2025-10-01", "2025-10-07"),
    ("tuần đầu tháng 10", 2025, "2025-10-01", "2025-10-07"),
    ("Tuần cuối tháng 2/2024", 2025, "2024-02-23", "2024-02-29"),
    ("tuần cuối cùng của tháng 4\u20132025", 2024, "2025-04-24", "2025-04-30"),
    ("tuần cuối tháng 10", 2025, "2025-10-25", "2025-10-31"),
    ("Tháng 6, tháng 7/2025", 2024, "2025-06-01", "2025-07-31"),  # items that follow on: one stretch
    ("Tháng 6 - tháng 12/2025", 2024, "2025-06-01", "2025-12-31"),  # a dash is a range
    ("giữa năm và cuối năm 2025", 2024, "2025-04-01", "2025-12-31"),
])
def test_parts_of_a_year_or_a_month_are_periods(text, year, start, due):
    spec = parse_deadline(text, year)
    assert (spec.kind, spec.start, spec.due, spec.recurrence) == ("period", D(start), D(due), None), spec.reason


@pytest.mark.parametrize(("text", "due"), [
    ("chậm nhất cuối tháng 10/2025", "2025-10-31"),
    ("chậm nhất cuối năm 2025", "2025-12-31"),
    ("trước tuần cuối tháng 10/2025", "2025-10-24"),
])
def test_a_part_of_a_year_or_month_with_by_or_before_is_a_due_day(text, due):
    spec = parse_deadline(text, 2025)
    assert (spec.kind, spec.start, spec.due) == ("date", None, D(due)), spec.reason


def items(spec: DueSpec) -> list[tuple[str | None, str, str | None]]:
    return [(start and start.isoformat(), due.isoformat(), label) for due, start, label in spec.recurrence.items()]


JUNE_DEC_2025 = [("2025-06-01", "2025-06-30", None), ("2025-12-01", "2025-12-31", None)]


@pytest.mark.parametrize(("text", "year"), [
    ("Tháng 6, tháng 12", 2025), ("tháng 6 và tháng 12", 2025), ("THÁNG 6, THÁNG 12", 2025),
    (NFD("Tháng 6, tháng 12"), 2025), ("Tháng 6; tháng 12", 2025), ("Tháng 6, 12/2025", 2024),
    ("Tháng 6/2025, tháng 12/2025", 2024), ("tháng 6 và tháng 12 năm 2025", 2024),
    ("Thực hiện trong tháng 6, tháng 12.", 2025),
])
def test_a_list_of_months_is_one_occurrence_per_month(text, year):
    spec = parse_deadline(text, year)
    assert (spec.kind, spec.due, spec.recurrence.freq) == ("recurring", date(2025, 12, 31), "listed"), spec.reason
    assert items(spec) == JUNE_DEC_2025


@pytest.mark.parametrize(("text", "year", "expected"), [
    ("Quý I/2024 và Quý III/2024", 2024, [("2024-01-01", "2024-03-31", None), ("2024-07-01", "2024-09-30", None)]),
    ("Quý I, III", 2024, [("2024-01-01", "2024-03-31", None), ("2024-07-01", "2024-09-30", None)]),
    ("Đầu năm, cuối năm 2024", 2025, [("2024-01-01", "2024-03-31", None), ("2024-10-01", "2024-12-31", None)]),
    ("tháng 6 (báo cáo 6 tháng), tháng 12 (báo cáo năm)", 2025,
     [("2025-06-01", "2025-06-30", "báo cáo 6 tháng"), ("2025-12-01", "2025-12-31", "báo cáo năm")]),
])
def test_a_list_of_spans_is_one_occurrence_per_span_with_its_label(text, year, expected):
    spec = parse_deadline(text, year)
    assert (spec.kind, spec.recurrence.freq) == ("recurring", "listed"), spec.reason
    assert items(spec) == expected


SIX_AND_TWELVE = "trước ngày 18 tháng 6 (báo cáo sáu tháng) và trước ngày 18 tháng 12 (báo cáo năm)"


@pytest.mark.parametrize(("text", "year"), [
    (SIX_AND_TWELVE, 2025),
    (NFD(SIX_AND_TWELVE), 2025),
    ("Trước ngày 18/6 (báo cáo sáu tháng) và trước ngày 18/12 (báo cáo năm)", 2025),
    ("trước ngày 18/6/2025 (báo cáo sáu tháng) và trước ngày 18/12/2025 (báo cáo năm)", 2024),
    ("trước ngày 18\u20136\u20132025 (báo cáo sáu tháng) và trước ngày 18\u201312\u20132025 (báo cáo năm)", 2024),
    ("trước ngày 18/6 (báo cáo sáu tháng) và trước ngày 18/12/2025 (báo cáo năm)", 2024),  # year from the list
])
def test_a_list_of_dates_is_one_occurrence_per_date_with_its_label(text, year):
    spec = parse_deadline(text, year)
    assert (spec.kind, spec.due, spec.recurrence.freq) == ("recurring", date(2025, 12, 17), "listed"), spec.reason
    assert items(spec) == [(None, "2025-06-17", "báo cáo sáu tháng"), (None, "2025-12-17", "báo cáo năm")]


def test_a_list_of_dates_keeps_the_labels_as_written_and_follows_the_before_setting():
    upper = parse_deadline(SIX_AND_TWELVE.upper(), 2025)
    assert items(upper) == [(None, "2025-06-17", "BÁO CÁO SÁU THÁNG"), (None, "2025-12-17", "BÁO CÁO NĂM")]
    inclusive = parse_deadline(SIX_AND_TWELVE, 2025, before_is_exclusive=False)
    assert occ(inclusive) == ["2025-06-18", "2025-12-18"]
    assert occ(parse_deadline("chậm nhất 15/6, 15/12", 2025)) == ["2025-06-15", "2025-12-15"]


def test_a_listed_recurrence_serialises_starts_and_labels():
    assert parse_deadline("tháng 6 (báo cáo 6 tháng), tháng 12", 2025).to_json()["recurrence"] == {
        "freq": "listed", "occurrences": ["2025-06-30", "2025-12-31"], "starts": ["2025-06-01", "2025-12-01"],
        "labels": ["báo cáo 6 tháng", None]}


@pytest.mark.parametrize("text", [
    "trước 15/10/2025 và thường xuyên", "Trước ngày 15/10/2025 và thực hiện thường xuyên",
    "Thường xuyên; trước 15/10/2025", "TRƯỚC 15/10/2025 VÀ THƯỜNG XUYÊN", NFD("trước 15/10/2025 và thường xuyên"),
    "trước 15\u201310\u20132025 và thường xuyên", "trước 15/10 và thường xuyên", "trước ngày 15 tháng 10, liên tục",
])
def test_a_date_and_also_ongoing_keeps_the_date_and_the_continuity(text):
    spec = parse_deadline(text, 2025)
    assert (spec.kind, spec.start, spec.due, spec.open_ended) == ("date", None, date(2025, 10, 14), True), spec.reason


def test_ongoing_work_with_a_cadence_or_a_start_keeps_them_too():
    quarterly = parse_deadline("Thường xuyên, báo cáo hằng quý trước ngày 20 tháng cuối quý", 2025)
    assert (quarterly.kind, quarterly.open_ended, occ(quarterly)) == (
        "recurring", True, ["2025-03-19", "2025-06-19", "2025-09-19", "2025-12-19"])
    started = parse_deadline("Thường xuyên từ 01/7/2025, báo cáo trước 15/12/2025", 2025)
    assert (started.kind, started.start, started.due, started.open_ended) == (
        "period", date(2025, 7, 1), date(2025, 12, 14), True)


@pytest.mark.parametrize(("text", "freq", "expected"), [
    ("Định kỳ 06 tháng báo cáo", "semiannual", ["2025-06-30", "2025-12-31"]),
    ("Định kỳ 06 tháng, báo cáo kết quả thực hiện", "semiannual", ["2025-06-30", "2025-12-31"]),
    ("ĐỊNH KỲ 06 THÁNG BÁO CÁO", "semiannual", ["2025-06-30", "2025-12-31"]),
    (NFD("Định kỳ 06 tháng báo cáo"), "semiannual", ["2025-06-30", "2025-12-31"]),
    ("định kỳ sáu tháng báo cáo", "semiannual", ["2025-06-30", "2025-12-31"]),
    ("báo cáo 06 tháng một lần", "semiannual", ["2025-06-30", "2025-12-31"]),
    ("Định kỳ 06 tháng (trước ngày 15/6 và 15/12)", "semiannual", ["2025-06-14", "2025-12-14"]),
    ("định kỳ 03 tháng", "quarterly", quarter_ends(2025)),
    ("định kỳ 12 tháng", "yearly", ["2025-12-31"]),
    ("hằng 1 tháng", "monthly", month_ends(2025, range(1, 13))),
])
def test_a_cycle_counted_in_months_is_read_as_its_cadence(text, freq, expected):
    spec = parse_deadline(text, 2025)
    assert (spec.kind, spec.recurrence.freq, occ(spec)) == ("recurring", freq, expected), spec.reason


def test_six_months_at_the_start_of_a_year_is_a_period_not_a_cycle():
    spec = parse_deadline("Báo cáo 06 tháng đầu năm 2025", 2025)
    assert (spec.kind, spec.start, spec.due) == ("period", date(2025, 1, 1), date(2025, 6, 30))
    periodic = parse_deadline("Định kỳ 06 tháng đầu năm 2025", 2025)
    assert (periodic.kind, periodic.reason) == (
        "unknown", "định kỳ nhưng không nêu chu kỳ hay ngày (periodic, no cadence or date stated)")


# -- invalid and unreadable -------------------------------------------------------------------


@pytest.mark.parametrize(("text", "reason"), [
    ("30/02/2024", "ngày 30/02/2024 không tồn tại (30/02/2024 is not a valid date)"),
    ("trước ngày 31/04/2024", "ngày 31/04/2024 không tồn tại (31/04/2024 is not a valid date)"),
    ("ngày 29 tháng 2 năm 2023", "ngày 29 tháng 2 năm 2023 không tồn tại (29 tháng 2 năm 2023 is not a valid date)"),
    ("ngày 29 tháng 2", "ngày 29 tháng 2 năm 2023 không tồn tại (29 tháng 2 in 2023 is not a valid date)"),
    ("Quý V/2024", "không có quý V (quarter V does not exist)"),
    ("Quý 5 năm 2024", "không có quý 5 (quarter 5 does not exist)"),
    ("tháng 13/2024", "không có tháng 13 (month 13 does not exist)"),
    ("Tháng 0/2024", "không có tháng 0 (month 0 does not exist)"),
    ("cuối tháng 13/2024", "không có tháng 13 (month 13 does not exist)"),
    ("tuần đầu tháng 0", "không có tháng 0 (month 0 does not exist)"),
    ("13 tháng đầu năm", "13 tháng không phải là một phần của năm (13 months is not part of a year)"),
    ("hằng tháng, ngày 32", "không có ngày 32 (day 32 does not exist)"),
    ("", "thời hạn để trống (empty deadline text)"),
    ("   \n ", "thời hạn để trống (empty deadline text)"),
    ("**.**", "thời hạn để trống (empty deadline text)"),
    ("Theo dự toán được cấp", "không nhận ra ngày hay khoảng thời gian nào (no date or time phrase recognised)"),
    ("trước ngày 20", "có ngày 20 nhưng không nêu tháng (day 20 stated without a month)"),
    ("đột xuất", "đột xuất, không nêu ngày (ad hoc, no date stated)"),
    ("hằng tuần", "chưa hỗ trợ chu kỳ hằng tuần (weekly cadence is not supported)"),
    ("Từ 30/6/2024 đến 01/3/2024", "khoảng thời gian kết thúc trước khi bắt đầu (range ends before it starts)"),
    ("Sau khi", "cụm “sau khi/đến khi” không nêu sự việc nào (event phrase names no event)"),
])
def test_unreadable_phrases_are_unknown_with_reason(text, reason):
    spec = parse_deadline(text, 2023 if text == "ngày 29 tháng 2" else 2024)
    assert (spec.kind, spec.start, spec.due, spec.reason) == ("unknown", None, None, reason)


def test_invalid_plan_arguments_do_not_raise():
    backwards = parse_deadline("Năm 2024", 2024, (date(2024, 12, 31), date(2024, 1, 1)))
    assert (backwards.kind, backwards.reason) == (
        "unknown", "kỳ kế hoạch kết thúc trước khi bắt đầu (plan period ends before it starts)")
    far = parse_deadline("Năm 2024", 99999)
    assert (far.kind, far.reason) == (
        "unknown", "năm kế hoạch 99999 nằm ngoài khoảng hỗ trợ 1900–2199 (plan year 99999 is outside the supported range)")
    not_text = parse_deadline(None, 2024)  # type: ignore[arg-type]
    assert (not_text.kind, not_text.reason) == ("unknown", "thời hạn không phải là văn bản (deadline is not text)")


# -- serialisation ----------------------------------------------------------------------------


def test_to_json_uses_iso_dates_and_all_keys():
    spec = parse_deadline("hằng quý", 2025, H2_2025)
    assert spec.to_json() == {
        "text": "hằng quý", "kind": "recurring", "start": "2025-07-01", "due": "2025-12-31",
        "open_ended": False, "recurrence": {"freq": "quarterly", "occurrences": ["2025-09-30", "2025-12-31"],
                                            "starts": [], "labels": []},
        "event": None, "reason": None,
    }
    assert parse_deadline("Quý V", 2024).to_json()["recurrence"] is None


def test_specs_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        parse_deadline("Năm 2024", 2024).kind = "date"  # type: ignore[misc]


# -- properties -------------------------------------------------------------------------------

FRAGMENTS = [
    "trước", "Trước", "ngày", "tháng", "Tháng", "năm", "Năm", "quý", "Quý", "QUÝ", "từ", "Từ", "đến", "đến khi",
    "sau khi", "Sau khi", "hằng", "hàng", "định kỳ", "theo", "Theo Kế hoạch", "thường xuyên", "và", "các",
    "những", "năm tiếp theo", "đầu", "cuối", "6 tháng", "9 tháng", "chậm nhất", "là", "vào", "hạn chót",
    "không muộn hơn", "trong", "giai đoạn", "I", "II", "III", "IV", "V", "i", "/", "-", ".", ",", "(", ")", "**",
    "\n", "của", "tháng cuối Quý", "đầu quý", "công bố", "ban hành", "hoàn thành", "số", "/QĐ-UBND", "hằng tuần",
    "hằng quý", "hằng tháng", "hàng năm", "theo quý", "định kỳ 6 tháng", "theo quý, 6 tháng, năm",
]
numbers = st.one_of(st.integers(0, 40).map(str), st.integers(1890, 2210).map(str),
                    st.integers(0, 99).map(lambda n: f"{n:02d}"))
dates = st.builds(lambda d, m, y, sep: f"{d}{sep}{m}{sep}{y}", st.integers(0, 35), st.integers(0, 14),
                  st.integers(1890, 2210), st.sampled_from(["/", ".", "-"]))
phrases = st.lists(st.one_of(st.sampled_from(FRAGMENTS), numbers, dates), max_size=12).flatmap(
    lambda parts: st.lists(st.sampled_from([" ", "", "  ", "\n", "/"]), min_size=len(parts), max_size=len(parts))
    .map(lambda seps: "".join(p + s for p, s in zip(parts, seps))))


@st.composite
def plans(draw):
    year = draw(st.integers(1950, 2150))
    if draw(st.booleans()):
        return year, None
    start = draw(st.dates(date(year - 1, 1, 1), date(year, 12, 31)))
    end = draw(st.dates(start, date(year + 2, 12, 31)))
    return year, (start, end)


def check_invariants(text: str, year: int, period, exclusive: bool) -> None:
    spec = parse_deadline(text, year, period, before_is_exclusive=exclusive)
    assert spec.text == text
    assert spec.kind in KINDS
    assert not (spec.reason or "").startswith("lỗi nội bộ"), spec.reason
    if spec.start and spec.due:
        assert spec.due >= spec.start
    if spec.kind == "unknown":
        assert spec.reason and spec.start is None and spec.due is None
    if spec.kind == "recurring":
        lo, hi = period or (date(year, 1, 1), date(year, 12, 31))
        rec = spec.recurrence
        assert rec.freq in FREQS
        assert list(rec.occurrences) == sorted(set(rec.occurrences))
        assert spec.due == (rec.occurrences[-1] if rec.occurrences else None)
        if rec.freq == "listed":  # occurrences as the phrase states them, maybe outside the plan
            assert len(rec.occurrences) >= 2 and spec.start == min([lo, *rec.occurrences, *filter(None, rec.starts)])
            assert all(start <= due for due, start, _ in rec.items() if start)
        else:
            assert spec.start == lo and all(lo <= d <= hi for d in rec.occurrences)
    else:
        assert spec.recurrence is None
    json.dumps(spec.to_json(), ensure_ascii=False)


@settings(max_examples=300, deadline=None)
@given(st.text(), plans(), st.booleans())
def test_any_text_gives_a_consistent_spec(text, plan, exclusive):
    check_invariants(text, *plan, exclusive)


@settings(max_examples=1500, deadline=None)
@given(phrases, plans(), st.booleans())
def test_vietnamese_like_phrases_give_a_consistent_spec(text, plan, exclusive):
    check_invariants(text, *plan, exclusive)


# -- phrases of provincial and national plans (development corpus) ---------------------------

P2026_2030 = (date(2026, 1, 1), date(2030, 12, 31))


@pytest.mark.parametrize("text, kind, start, due", [
    ("trước ngày 15 tháng 12", "date", None, "2026-12-14"),
    ("trước ngày 01 tháng 01 năm 2027", "date", None, "2026-12-31"),
    ("Năm 2025-2030", "period", "2025-01-01", "2030-12-31"),
    ("2026-2027", "period", "2026-01-01", "2027-12-31"),
    ("Giai đoạn 2026-2030", "period", "2026-01-01", "2030-12-31"),
    ("Tháng 12/2025", "period", "2025-12-01", "2025-12-31"),
    ("Quý I năm 2026", "period", "2026-01-01", "2026-03-31"),
    ("Ban hành trong quý I năm 2026. Thực hiện rà soát, điều chỉnh (nếu có)", "period", "2026-01-01", "2026-03-31"),
    # the first dated sentence counts, not the narrowest span of the whole cell
    ("Thực hiện các nghiên cứu trong giai đoạn 2026 - 2027. Tổ chức hoạt động thí điểm từ sau năm 2027",
     "period", "2026-01-01", "2027-12-31"),
    ("Thực hiện thường xuyên, liên tục", "continuous", None, None),
    ("năm 2025 và các năm tiếp theo", "continuous", "2025-01-01", None),
])
def test_corpus_phrases_read_as_the_existing_rules_mean_them(text, kind, start, due):
    spec = parse_deadline(text, 2026)
    assert (spec.kind, _iso(spec.start), _iso(spec.due)) == (kind, start, due)
    assert spec.open_ended == (text == "năm 2025 và các năm tiếp theo")


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def test_a_span_beside_continuous_work_is_kept_and_marked_open_ended():
    spec = parse_deadline("Thực hiện trong giai đoạn 2026 - 2030 và vận hành thường xuyên, liên tục", 2026)
    assert (spec.kind, spec.start, spec.due, spec.open_ended) == ("period", D("2026-01-01"), D("2030-12-31"), True)


@pytest.mark.parametrize("text, occurrences", [
    ("Hàng năm, trước ngày 25 tháng 12", [f"{y}-12-24" for y in range(2026, 2031)]),
    ("định kỳ hằng năm, trước ngày 15 tháng 12", [f"{y}-12-14" for y in range(2026, 2031)]),
    ("hàng tháng (trước ngày 16 hàng tháng)", [f"{y}-{m:02d}-15" for y in range(2026, 2031) for m in range(1, 13)]),
    ("định kỳ 6 tháng (trước ngày 16/6)", [f"{y}-06-15" for y in range(2026, 2031)]),
    ("tổng kết năm (trước ngày 20/11 hàng năm)", [f"{y}-11-19" for y in range(2026, 2031)]),
    ("định kỳ 6 tháng", [f"{y}-{m}" for y in range(2026, 2031) for m in ("06-30", "12-31")]),
])
def test_cadences_recur_over_a_multi_year_plan(text, occurrences):
    spec = parse_deadline(text, 2026, P2026_2030)
    assert spec.kind == "recurring"
    assert [d.isoformat() for d in spec.recurrence.occurrences] == occurrences


def test_a_day_of_the_next_year_recurs_yearly_inside_the_plan_period():
    # Each year's report falls due early the next year; the one due after the period is left out.
    spec = parse_deadline("trước ngày 30 tháng 01 của năm tiếp theo", 2025, (D("2025-01-01"), D("2030-12-31")))
    assert (spec.kind, spec.recurrence.freq) == ("recurring", "yearly")
    assert [d.isoformat() for d in spec.recurrence.occurrences] == [f"{y}-01-29" for y in range(2026, 2031)]
    single = parse_deadline("trước ngày 30 tháng 01 năm sau", 2026)
    assert single.recurrence.occurrences == ()  # 2027-01-29 is outside a 2026 plan
    stated = parse_deadline("trước ngày 30 tháng 01 năm 2027 của năm tiếp theo", 2026)
    assert (stated.kind, stated.due) == ("date", D("2027-01-29"))  # a stated year wins
