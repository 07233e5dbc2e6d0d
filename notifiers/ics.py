"""Deadlines as calendar events, attached to reminder emails so they land in the phone's calendar.

An all-day VEVENT on the due day. Its UID comes from the task's thread, so every reminder for
one task updates the same calendar entry instead of adding another (a moved due day moves
it; DTSTAMP, newest wins, decides between versions). The alarm fires at 08:00 the day before:
an all-day event starts at 00:00 local time, so the trigger is -PT16H.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from icalendar import Alarm, Calendar, Event

ALARM_BEFORE = timedelta(hours=16)   # 00:00 on the due day minus 16 h = 08:00 the day before


def deadline_event(uid: str, due: date, summary: str, description: str, stamp: datetime,
                   alarm_text: str) -> bytes:
    """An iCalendar (METHOD:PUBLISH) with one all-day event on `due` and a display alarm."""
    return deadline_calendar([(uid, due, summary, description, alarm_text)], stamp)


def deadline_calendar(events: list[tuple[str, date, str, str, str]], stamp: datetime) -> bytes:
    """One iCalendar with an all-day event per (uid, due, summary, description, alarm text):
    a digest's attachment puts every task's deadline in the phone's calendar at once."""
    cal = Calendar()
    cal.add("prodid", "-//dondoc//dondoc//VI")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    for uid, due, summary, description, alarm_text in events:
        cal.add_component(_event(uid, due, summary, description, stamp, alarm_text))
    return cal.to_ical()


def _event(uid: str, due: date, summary: str, description: str, stamp: datetime, alarm_text: str) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", due)
    event.add("dtend", due + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("transp", "TRANSPARENT")    # a deadline does not make the officer busy all day
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", alarm_text)
    alarm.add("trigger", -ALARM_BEFORE)
    event.add_component(alarm)
    return event
