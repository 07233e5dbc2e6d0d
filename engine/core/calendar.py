"""Vietnamese working-day calendar and send windows for reminders.

Public holidays, substitute days and announced day swaps come from the `holidays`
package; local configuration can only add days off or working days on top of it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from engine.infra.clock import ensure_aware

_ONE_DAY = timedelta(days=1)

# Labels for days that only exist because of local configuration.
_EXTRA_HOLIDAY = {"vi": "Ngày nghỉ bổ sung (cấu hình)", "en": "Additional day off (configured)"}
_EXTRA_WORKDAY = {"vi": "Ngày làm việc bổ sung (cấu hình)", "en": "Additional working day (configured)"}
_SWAPPED_WORKDAY = {"vi": "Ngày làm việc bù (nghỉ ngày {})", "en": "Swapped working day (day off on {})"}
_SWAPPED_WORKDAY_BARE = {"vi": "Ngày làm việc bù", "en": "Swapped working day"}
WEEKDAY_NAMES = {
    "vi": ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


def weekday_name(d: date, locale: str = "vi") -> str:
    """'Thứ Hai' ... 'Chủ Nhật' (or Monday ... Sunday)."""
    return WEEKDAY_NAMES.get(locale, WEEKDAY_NAMES["en"])[d.weekday()]


@dataclass(frozen=True)
class SendWindow:
    """Local hours [start, end) during which reminders may be sent."""

    start: time = time(7, 30)
    end: time = time(17, 0)
    working_days_only: bool = True

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError(f"send window start {self.start} must be before end {self.end}")


def _as_date(d: date) -> date:
    # datetime is a date subclass but never compares equal to one, so set lookups would miss.
    return d.date() if isinstance(d, datetime) else d


class WorkCalendar:
    """Working days (Mon–Fri minus public holidays, plus announced swaps) in one country."""

    def __init__(
        self,
        extra_holidays: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        timezone: str = "Asia/Ho_Chi_Minh",
        country: str = "VN",
    ):
        self.tz = ZoneInfo(timezone)
        self.country = country
        self._extra_off = frozenset(_as_date(d) for d in extra_holidays)
        self._extra_on = frozenset(_as_date(d) for d in extra_working_days)
        clash = sorted(self._extra_off & self._extra_on)
        if clash:
            raise ValueError(
                "dates listed both as extra holiday and extra working day: "
                + ", ".join(d.isoformat() for d in clash)
            )
        probe = holidays.country_holidays(country, years=[])
        supported = getattr(probe, "supported_languages", ()) or ()
        self._language = "vi" if "vi" in supported else ("en_US" if "en_US" in supported else None)
        self._label_key = "vi" if self._language == "vi" else "en"
        self._weekend = frozenset(probe.weekend)
        self._per_week = 7 - len(self._weekend)
        if self._per_week <= 0:
            raise ValueError(f"country {country} has no working weekdays")
        # _plain[w][k]: non-weekend days among the k days following a day of weekday w.
        self._plain = [
            [sum((w + j) % 7 not in self._weekend for j in range(1, k + 1)) for k in range(7)]
            for w in range(7)
        ]
        self._names: dict[date, str] = {}
        self._swap_pairs: dict[date, date] = {}
        self._off: set[date] = set()  # weekdays that are not worked
        self._on: set[date] = set()  # weekend days that are worked
        self._off_ords: list[int] = []
        self._on_ords: list[int] = []
        self._years: tuple[int, int] | None = None
        self._span = (0, -1)  # ordinals covered by the loaded years

    # -- loading ---------------------------------------------------------------

    def _ensure(self, first: int, last: int) -> None:
        # Years are loaded as one contiguous range so the sorted ordinal lists used by
        # bisect never have holes.
        if self._years is not None:
            lo, hi = self._years
            if lo <= first and last <= hi:
                return
            first, last = min(first, lo), max(last, hi)
            todo = [y for y in range(first, last + 1) if not lo <= y <= hi]
        else:
            todo = list(range(first, last + 1))
        for year in todo:
            self._load_year(year)
        self._years = (first, last)
        self._span = (date(first, 1, 1).toordinal(), date(last, 12, 31).toordinal())
        self._off_ords = sorted(d.toordinal() for d in self._off)
        self._on_ords = sorted(d.toordinal() for d in self._on)

    def _load_year(self, year: int) -> None:
        kwargs = {"language": self._language} if self._language else {}
        pkg = holidays.country_holidays(self.country, years=year, **kwargs)
        for d, name in pkg.items():
            if d.year == year:
                self._names[d] = name
        # weekend_workdays is not limited to the requested year (cross-year swaps), so filter.
        pkg_on = {d for d in getattr(pkg, "weekend_workdays", ()) if d.year == year}
        for to_year, entries in getattr(pkg, "special_public_holidays", {}).items():
            for entry in entries if entries and isinstance(entries[0], tuple) else (entries,):
                if len(entry) >= 4:
                    from_year = entry[4] if len(entry) == 5 else to_year
                    self._swap_pairs[date(from_year, entry[2], entry[3])] = date(to_year, entry[0], entry[1])
        days_off = {d for d in self._names if d.year == year} | {d for d in self._extra_off if d.year == year}
        for d in days_off:
            if d.weekday() not in self._weekend and d not in self._extra_on:
                self._off.add(d)
        for d in pkg_on | {d for d in self._extra_on if d.year == year}:
            if d.weekday() in self._weekend and d not in self._extra_off:
                self._on.add(d)

    # -- day queries -----------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """Return True if `d` is a working day after holidays, swaps and overrides."""
        d = _as_date(d)
        years = self._years
        if years is None or not years[0] <= d.year <= years[1]:
            self._ensure(d.year, d.year)
        if d.weekday() in self._weekend:
            return d in self._on
        return d not in self._off

    def holiday_name(self, d: date) -> str | None:
        """Return the holiday's name (Vietnamese when available), or None if `d` is not a holiday."""
        d = _as_date(d)
        self._ensure(d.year, d.year)
        if d in self._extra_on:
            return None
        name = self._names.get(d)
        if name is None and d in self._extra_off:
            name = _EXTRA_HOLIDAY[self._label_key]
        return name

    def non_working_weekdays(self, year: int) -> list[tuple[date, str]]:
        """Return the weekdays of `year` that are days off, with their names, sorted."""
        self._ensure(year, year)
        days = sorted(d for d in self._off if d.year == year)
        return [(d, self.holiday_name(d) or _EXTRA_HOLIDAY[self._label_key]) for d in days]

    def worked_weekend_days(self, year: int) -> list[tuple[date, str]]:
        """Return the weekend days of `year` that are working days, with a reason, sorted."""
        self._ensure(year, year)
        result = []
        for d in sorted(x for x in self._on if x.year == year):
            if d in self._extra_on:
                reason = _EXTRA_WORKDAY[self._label_key]
            elif (paired := self._swap_pairs.get(d)) is not None:
                reason = _SWAPPED_WORKDAY[self._label_key].format(paired.strftime("%d/%m/%Y"))
            else:
                reason = _SWAPPED_WORKDAY_BARE[self._label_key]
            result.append((d, reason))
        return result

    # -- arithmetic ------------------------------------------------------------

    def _plain_count(self, a: int, b: int) -> int:
        # Non-weekend days in (a, b] by closed form; ordinal 1 (0001-01-01) is a Monday.
        weeks, rest = divmod(b - a, 7)
        return weeks * self._per_week + self._plain[(a - 1) % 7][rest]

    def _count(self, a: int, b: int) -> int:
        # Working days in (a, b] for ordinals a < b.
        if not (self._span[0] <= a + 1 and b <= self._span[1]):
            self._ensure(date.fromordinal(a + 1).year, date.fromordinal(b).year)
        off, on = self._off_ords, self._on_ords
        return (
            self._plain_count(a, b)
            - (bisect_right(off, b) - bisect_right(off, a))
            + (bisect_right(on, b) - bisect_right(on, a))
        )

    def _plain_shift(self, o: int, k: int) -> int:
        # Ordinal of the k-th (k > 0) non-weekend day after o; full weeks are skipped in one step.
        weeks, rest = divmod(k, self._per_week)
        if rest == 0:
            weeks, rest = weeks - 1, self._per_week
        return o + 7 * weeks + self._walk(o + 7 * weeks, rest, 1)

    def _plain_shift_back(self, o: int, k: int) -> int:
        weeks, rest = divmod(k, self._per_week)
        if rest == 0:
            weeks, rest = weeks - 1, self._per_week
        return o - 7 * weeks - self._walk(o - 7 * weeks, rest, -1)

    def _walk(self, o: int, k: int, step: int) -> int:
        # Days needed to pass k non-weekend days from o (at most a week).
        days = 0
        while k:
            days += 1
            if (o + step * days - 1) % 7 not in self._weekend:
                k -= 1
        return days

    def _working_ord(self, o: int) -> bool:
        return self.is_working_day(date.fromordinal(o))

    def add_working_days(self, d: date, n: int) -> date:
        """Return the n-th working day after (n > 0) or before (n < 0) `d`; n == 0 rolls forward."""
        d = _as_date(d)
        if n == 0:
            return d if self.is_working_day(d) else self.add_working_days(d, 1)
        start = d.toordinal()
        if n > 0:
            # Jump by plain weekdays (exact when no exceptions), correct the shortfall, then
            # walk back over any overshoot caused by holidays or worked weekends.
            x = self._plain_shift(start, n)
            c = self._count(start, x)
            while c < n:
                x = self._plain_shift(x, n - c)
                c = self._count(start, x)
            while True:
                if self._working_ord(x):
                    if c == n:
                        return date.fromordinal(x)
                    c -= 1
                x -= 1
        m = -n
        # Working days in [x, d) equal those in (x - 1, d - 1].
        x = self._plain_shift_back(start, m)
        c = self._count(x - 1, start - 1)
        while c < m:
            x = self._plain_shift_back(x, m - c)
            c = self._count(x - 1, start - 1)
        while True:
            if self._working_ord(x):
                if c == m:
                    return date.fromordinal(x)
                c -= 1
            x += 1

    def working_days_between(self, a: date, b: date) -> int:
        """Return working days in (a, b], or minus those in (b, a] when b < a."""
        ao, bo = _as_date(a).toordinal(), _as_date(b).toordinal()
        if ao == bo:
            return 0
        return self._count(ao, bo) if ao < bo else -self._count(bo, ao)

    # -- send windows ----------------------------------------------------------

    def _qualifies(self, d: date, window: SendWindow) -> bool:
        return not window.working_days_only or self.is_working_day(d)

    def _inside(self, local: datetime, window: SendWindow) -> bool:
        return window.start <= local.time() < window.end and self._qualifies(local.date(), window)

    def _opening(self, d: date, window: SendWindow) -> datetime:
        return datetime.combine(d, window.start, tzinfo=self.tz)

    def next_send_time(self, moment: datetime, window: SendWindow = SendWindow()) -> datetime:
        """Return `moment` (in local time) if inside the window [start, end), else the next opening."""
        local = ensure_aware(moment).astimezone(self.tz)
        if self._inside(local, window):
            return local
        today = local.date()
        if local.time() < window.start and self._qualifies(today, window):
            return self._opening(today, window)
        nxt = self.add_working_days(today, 1) if window.working_days_only else today + _ONE_DAY
        return self._opening(nxt, window)

    def last_send_time_before(self, moment: datetime, window: SendWindow = SendWindow()) -> datetime:
        """Return `moment` (local) if inside the window, else the latest opening at or before it.

        Outside the window the answer is window.start (a morning reminder) of the latest
        qualifying day whose opening is <= `moment`: the same day when the window already
        closed that day, otherwise the previous qualifying day (Sunday -> Friday 07:30).
        """
        local = ensure_aware(moment).astimezone(self.tz)
        if self._inside(local, window):
            return local
        today = local.date()
        if local.time() >= window.start and self._qualifies(today, window):
            return self._opening(today, window)
        prev = self.add_working_days(today, -1) if window.working_days_only else today - _ONE_DAY
        return self._opening(prev, window)
