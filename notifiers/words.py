"""The words messages use: weekday and date phrases, countdowns, roles and statuses (vi, en).

They are also the templates' filters (notifiers/render.py) and what chat replies say.
"""

from __future__ import annotations

from datetime import date

from engine.core.calendar import WEEKDAY_NAMES as _WEEKDAYS
from engine.core.calendar import weekday_name
_PHRASES = {
    "vi": {"none": "chưa có ngày hạn", "today": "hạn hôm nay", "overdue": "quá hạn {n} ngày",
           "left": "còn {n} ngày làm việc", "left_calendar": "còn {n} ngày"},
    "en": {"none": "no due date", "today": "due today", "overdue": "{n} day{s} overdue",
           "left": "{n} working day{s} left", "left_calendar": "{n} day{s} left"},
}
# The relationship a recipient truly has to the task (rules.evaluate names it, the rule's word aside).
_ROLES = {
    "vi": {"assignee": "người được giao", "lead_unit_head": "trưởng đơn vị chủ trì",
           "parent_unit_head": "trưởng đơn vị cấp trên", "overseer": "lãnh đạo UBND xã phụ trách",
           "support_units": "đơn vị phối hợp", "chairman": "Chủ tịch UBND xã",
           "supervisor": "lãnh đạo", "admin": "quản trị viên", "officer": "công chức",
           "needs_assignment": "quản trị viên (nhiệm vụ cần phân công)"},
    "en": {"assignee": "assignee", "lead_unit_head": "head of the lead unit",
           "parent_unit_head": "head of the parent unit", "overseer": "leader in charge (overseer)",
           "support_units": "supporting unit", "chairman": "commune chairman",
           "supervisor": "supervisor", "admin": "administrator", "officer": "officer",
           "needs_assignment": "administrator (the task needs an assignee)"},
}
_STATUSES = {
    "vi": {"open": "chưa bắt đầu", "in_progress": "đang thực hiện", "done": "đã hoàn thành",
           "cancelled": "đã hủy"},
    "en": {"open": "not started", "in_progress": "in progress", "done": "done",
           "cancelled": "cancelled"},
}


def lang(locale: str) -> str:
    """The locale the words exist in: the one asked for, else English."""
    return locale if locale in _WEEKDAYS else "en"


def long_date(d: date | None, locale: str = "vi") -> str:
    """'Thứ Hai, 15/10/2025' / 'Monday, 15/10/2025'; the no-due-date phrase for None."""
    if d is None:
        return _PHRASES[lang(locale)]["none"]
    return f"{weekday_name(d, locale)}, {d:%d/%m/%Y}"


def short_date(d: date | None, locale: str = "vi") -> str:
    """'15/10/2025'; the no-due-date phrase for None."""
    return _PHRASES[lang(locale)]["none"] if d is None else f"{d:%d/%m/%Y}"


def relative_phrase(due: date | None, today: date, working_days_left: int | None = None,
                    days_overdue: int | None = None, locale: str = "vi") -> str:
    """'còn 3 ngày làm việc', 'hạn hôm nay', 'quá hạn 2 ngày' (and the English forms)."""
    words = _PHRASES[lang(locale)]
    if due is None:
        return words["none"]
    if days_overdue is None and due < today:
        days_overdue = (today - due).days
    if days_overdue:
        return words["overdue"].format(n=days_overdue, s="" if days_overdue == 1 else "s")
    if due <= today:
        return words["today"]
    if working_days_left is not None and working_days_left > 0:
        return words["left"].format(n=working_days_left, s="" if working_days_left == 1 else "s")
    # Due later but no working day in between (a due day on a Sunday, seen on Friday).
    n = (due - today).days
    return words["left_calendar"].format(n=n, s="" if n == 1 else "s")


def role_label(role: str, locale: str = "vi") -> str:
    """How a recipient role reads in a message: 'role:chairman' -> 'Chủ tịch UBND xã'."""
    key = role.split(":", 1)[1] if role.startswith(("role:", "person:")) else role
    return _ROLES[lang(locale)].get(key, key)


def status_label(status: str, locale: str = "vi") -> str:
    """A task status in words: 'in_progress' -> 'đang thực hiện'."""
    return _STATUSES[lang(locale)].get(status, status)
