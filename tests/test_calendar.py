from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.core.calendar import SendWindow, WorkCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar()


def local(y, m, d, hh=0, mm=0, ss=0):
    return datetime(y, m, d, hh, mm, ss, tzinfo=VN)


def days(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


def brute_between(cal: WorkCalendar, a: date, b: date) -> int:
    if a <= b:
        return sum(cal.is_working_day(d) for d in days(a + timedelta(days=1), b))
    return -brute_between(cal, b, a)


# -- working days ------------------------------------------------------------


def test_ordinary_weekend_is_not_working_and_weekdays_are():
    assert [CAL.is_working_day(d) for d in days(date(2025, 3, 10), date(2025, 3, 16))] == [
        True, True, True, True, True, False, False,
    ]


def test_tet_2025_weekdays_are_days_off_from_27_to_31_january():
    for d in days(date(2025, 1, 25), date(2025, 2, 2)):
        assert not CAL.is_working_day(d), d
    assert CAL.is_working_day(date(2025, 1, 24))
    assert CAL.is_working_day(date(2025, 2, 3))
    assert CAL.holiday_name(date(2025, 1, 29)) == "Tết Nguyên Đán"


def test_tet_2024_is_off_from_8_to_14_february():
    for d in days(date(2024, 2, 8), date(2024, 2, 14)):
        assert not CAL.is_working_day(d), d
    assert CAL.is_working_day(date(2024, 2, 7))
    assert CAL.is_working_day(date(2024, 2, 15))


def test_reunification_and_labour_day_2025_with_announced_swap():
    assert not CAL.is_working_day(date(2025, 4, 30))
    assert not CAL.is_working_day(date(2025, 5, 1))
    assert not CAL.is_working_day(date(2025, 5, 2))  # Friday given off...
    assert CAL.is_working_day(date(2025, 4, 26))  # ...in exchange for this Saturday
    assert not CAL.is_working_day(date(2025, 4, 27))
    assert "26/04/2025" in CAL.holiday_name(date(2025, 5, 2))


def test_2024_swap_makes_monday_29_april_off_and_saturday_4_may_working():
    assert not CAL.is_working_day(date(2024, 4, 29))
    assert CAL.is_working_day(date(2024, 5, 4))


def test_national_day_2025_includes_1_september():
    assert not CAL.is_working_day(date(2025, 9, 1))
    assert not CAL.is_working_day(date(2025, 9, 2))
    assert CAL.is_working_day(date(2025, 9, 3))
    assert CAL.holiday_name(date(2025, 9, 2)) == "Quốc khánh"


def test_holiday_name_is_none_on_ordinary_days_and_weekends():
    assert CAL.holiday_name(date(2025, 3, 12)) is None
    assert CAL.holiday_name(date(2025, 3, 15)) is None


def test_non_working_weekdays_2025_lists_expected_days_sorted():
    listed = CAL.non_working_weekdays(2025)
    got = [d for d, _ in listed]
    assert got == sorted(got)
    assert all(d.weekday() < 5 and name for d, name in listed)
    assert got == [
        date(2025, 1, 1),
        *days(date(2025, 1, 27), date(2025, 1, 31)),
        date(2025, 4, 7),
        date(2025, 4, 30), date(2025, 5, 1), date(2025, 5, 2),
        date(2025, 9, 1), date(2025, 9, 2),
    ]


def test_worked_weekend_days_2025_is_the_swapped_saturday_with_a_reason():
    assert CAL.worked_weekend_days(2025) == [(date(2025, 4, 26), "Ngày làm việc bù (nghỉ ngày 02/05/2025)")]


def test_extra_holiday_removes_a_weekday_and_extra_working_day_adds_a_weekend():
    cal = WorkCalendar(extra_holidays=[date(2025, 3, 12)], extra_working_days=[date(2025, 3, 15)])
    assert not cal.is_working_day(date(2025, 3, 12))
    assert cal.holiday_name(date(2025, 3, 12)) == "Ngày nghỉ bổ sung (cấu hình)"
    assert cal.is_working_day(date(2025, 3, 15))
    assert date(2025, 3, 12) in [d for d, _ in cal.non_working_weekdays(2025)]
    assert (date(2025, 3, 15), "Ngày làm việc bổ sung (cấu hình)") in cal.worked_weekend_days(2025)
    assert cal.working_days_between(date(2025, 3, 10), date(2025, 3, 17)) == 5


def test_extra_working_day_wins_over_package_holiday():
    cal = WorkCalendar(extra_working_days=[date(2025, 5, 2)])
    assert cal.is_working_day(date(2025, 5, 2))
    assert cal.holiday_name(date(2025, 5, 2)) is None


def test_extra_holiday_cancels_a_package_worked_saturday():
    cal = WorkCalendar(extra_holidays=[date(2025, 4, 26)])
    assert not cal.is_working_day(date(2025, 4, 26))
    assert cal.worked_weekend_days(2025) == []


def test_same_date_in_both_override_lists_is_a_configuration_error():
    with pytest.raises(ValueError, match="2025-03-12"):
        WorkCalendar(extra_holidays=[date(2025, 3, 12)], extra_working_days=[date(2025, 3, 12)])


# -- arithmetic ----------------------------------------------------------------


def test_add_working_days_forward_across_tet_2025():
    assert CAL.add_working_days(date(2025, 1, 24), 1) == date(2025, 2, 3)
    assert CAL.add_working_days(date(2025, 1, 24), 3) == date(2025, 2, 5)


def test_add_working_days_backward_across_tet_2025():
    assert CAL.add_working_days(date(2025, 2, 5), -3) == date(2025, 1, 24)
    assert CAL.add_working_days(date(2025, 2, 3), -1) == date(2025, 1, 24)


def test_add_working_days_counts_the_swapped_saturday():
    assert CAL.add_working_days(date(2025, 4, 25), 1) == date(2025, 4, 26)
    assert CAL.add_working_days(date(2025, 4, 28), -1) == date(2025, 4, 26)
    assert CAL.add_working_days(date(2025, 4, 29), 1) == date(2025, 5, 5)


def test_add_zero_working_days_keeps_a_working_day_and_rolls_a_day_off_forward():
    assert CAL.add_working_days(date(2025, 3, 12), 0) == date(2025, 3, 12)
    assert CAL.add_working_days(date(2025, 3, 15), 0) == date(2025, 3, 17)
    assert CAL.add_working_days(date(2025, 1, 28), 0) == date(2025, 2, 3)


def test_add_working_days_over_several_years_matches_day_by_day_count():
    d = date(2024, 1, 2)
    target = CAL.add_working_days(d, 600)
    assert CAL.is_working_day(target)
    assert brute_between(CAL, d, target) == 600
    assert CAL.add_working_days(target, -600) == d


def test_working_days_between_in_a_normal_week_both_directions_and_same_day():
    mon, thu = date(2025, 3, 10), date(2025, 3, 13)
    assert CAL.working_days_between(mon, thu) == 3
    assert CAL.working_days_between(thu, mon) == -3
    assert CAL.working_days_between(mon, mon) == 0


def test_working_days_between_across_tet_2025():
    assert CAL.working_days_between(date(2025, 1, 24), date(2025, 2, 5)) == 3
    assert CAL.working_days_between(date(2025, 2, 5), date(2025, 1, 24)) == -3


@settings(max_examples=400, deadline=None)
@given(
    d=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
    n=st.integers(min_value=-40, max_value=40),
)
def test_add_then_between_round_trips(d, n):
    result = CAL.add_working_days(d, n)
    if n != 0:
        assert CAL.is_working_day(result)
        assert (result > d) == (n > 0)
    if CAL.is_working_day(d):
        assert CAL.working_days_between(d, result) == n


@settings(max_examples=200, deadline=None)
@given(
    a=st.dates(min_value=date(2023, 12, 1), max_value=date(2027, 1, 31)),
    b=st.dates(min_value=date(2023, 12, 1), max_value=date(2027, 1, 31)),
)
def test_working_days_between_matches_day_by_day_count(a, b):
    assert CAL.working_days_between(a, b) == brute_between(CAL, a, b)


# -- send windows --------------------------------------------------------------


def test_next_send_time_inside_window_is_unchanged():
    moment = local(2025, 3, 12, 10, 15)
    assert CAL.next_send_time(moment) == moment


def test_next_send_time_before_opening_is_same_day_opening():
    assert CAL.next_send_time(local(2025, 3, 12, 6, 0)) == local(2025, 3, 12, 7, 30)


def test_next_send_time_after_closing_is_next_working_day_opening():
    assert CAL.next_send_time(local(2025, 3, 12, 17, 0)) == local(2025, 3, 13, 7, 30)
    assert CAL.next_send_time(local(2025, 3, 12, 22, 0)) == local(2025, 3, 13, 7, 30)


def test_next_send_time_on_saturday_is_monday_opening():
    assert CAL.next_send_time(local(2025, 3, 15, 10, 0)) == local(2025, 3, 17, 7, 30)


def test_next_send_time_on_day_before_tet_is_first_working_day_after_tet():
    assert CAL.next_send_time(local(2025, 1, 24, 18, 0)) == local(2025, 2, 3, 7, 30)


def test_next_send_time_converts_utc_input_to_local_time():
    # 01:00 UTC is 08:00 in Hanoi: inside the window.
    result = CAL.next_send_time(datetime(2025, 3, 12, 1, 0, tzinfo=timezone.utc))
    assert result == local(2025, 3, 12, 8, 0)
    assert result.utcoffset() == timedelta(hours=7)
    # 23:00 UTC on Friday is 06:00 local on Saturday: next opening is Monday.
    assert CAL.next_send_time(datetime(2025, 3, 14, 23, 0, tzinfo=timezone.utc)) == local(2025, 3, 17, 7, 30)


def test_next_send_time_rejects_naive_datetimes():
    with pytest.raises(ValueError):
        CAL.next_send_time(datetime(2025, 3, 12, 10, 0))


def test_window_without_working_day_restriction_opens_on_weekends():
    window = SendWindow(start=time(8, 0), end=time(20, 0), working_days_only=False)
    assert CAL.next_send_time(local(2025, 3, 14, 21, 0), window) == local(2025, 3, 15, 8, 0)


def test_send_window_must_open_before_it_closes():
    with pytest.raises(ValueError):
        SendWindow(start=time(17, 0), end=time(7, 30))


def test_last_send_time_before_sunday_due_is_friday_morning():
    assert CAL.last_send_time_before(local(2025, 3, 16, 9, 0)) == local(2025, 3, 14, 7, 30)


def test_last_send_time_before_inside_window_is_unchanged():
    moment = local(2025, 3, 12, 16, 59)
    assert CAL.last_send_time_before(moment) == moment


def test_last_send_time_before_after_closing_is_same_day_morning():
    assert CAL.last_send_time_before(local(2025, 3, 12, 23, 0)) == local(2025, 3, 12, 7, 30)


def test_last_send_time_before_early_morning_is_previous_working_day_morning():
    assert CAL.last_send_time_before(local(2025, 3, 17, 6, 0)) == local(2025, 3, 14, 7, 30)
    # Due on the first day after Tết 2025 before opening: remind before the holiday.
    assert CAL.last_send_time_before(local(2025, 2, 3, 7, 0)) == local(2025, 1, 24, 7, 30)


def test_last_send_time_before_never_moves_past_the_moment():
    for hour in range(24):
        moment = local(2025, 4, 27, hour)
        assert CAL.last_send_time_before(moment) <= moment


def _stepwise_add(cal: WorkCalendar, d: date, n: int) -> date:
    step = timedelta(days=1 if n >= 0 else -1)
    if n == 0:
        while not cal.is_working_day(d):
            d += step
        return d
    remaining = abs(n)
    while remaining:
        d += step
        remaining -= cal.is_working_day(d)
    return d


# Dense overrides, including a worked weekend next to a day off, stress the jump-and-correct search.
DENSE = WorkCalendar(
    extra_holidays=[date(2025, 3, d) for d in (3, 4, 5, 6, 7, 17)] + [date(2025, 6, 9)],
    extra_working_days=[date(2025, 3, 8), date(2025, 3, 9), date(2025, 3, 15), date(2025, 6, 7)],
)


@settings(max_examples=300, deadline=None)
@given(
    d=st.dates(min_value=date(2025, 1, 1), max_value=date(2025, 8, 31)),
    n=st.integers(min_value=-40, max_value=40),
)
def test_add_working_days_matches_stepwise_reference_with_dense_overrides(d, n):
    assert DENSE.add_working_days(d, n) == _stepwise_add(DENSE, d, n)
