"""What every command needs, built once from settings: the clock, the database, the calendar."""

from __future__ import annotations

from datetime import date, datetime
from functools import cached_property

from sqlalchemy.engine import Engine

from engine.core.calendar import WorkCalendar
from engine.delivery.pacing import REAL_TIME, PacerClock
from engine.infra.clock import Clock, FixedClock, SystemClock
from engine.infra.db import init_db, make_engine
from engine.infra.settings import Settings, load_settings


class AppContext:
    """Lazily built services; `now` from --now wins over DONDOC_NOW, which wins over the wall."""

    # What flood-limit pacing counts seconds and sleeps on. It stays the wall's even under --now:
    # Telegram's limits are real. The class default is the one seam for a whole process, so the
    # tests that run the CLI in-process set a virtual clock here (tests/support/clock.py).
    pacer_clock: PacerClock = REAL_TIME

    def __init__(self, settings: Settings | None = None, now: datetime | None = None,
                 pacer_clock: PacerClock | None = None):
        self._settings = settings
        self._now = now
        if pacer_clock is not None:
            self.pacer_clock = pacer_clock

    @cached_property
    def settings(self) -> Settings:
        return self._settings or load_settings()

    @cached_property
    def clock(self) -> Clock:
        moment = self._now or self.settings.now_moment()
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.settings.tz)
        return FixedClock(moment) if moment is not None else SystemClock()

    @cached_property
    def engine(self) -> Engine:
        engine = make_engine(self.settings.database_url)
        init_db(engine)
        return engine

    @cached_property
    def calendar(self) -> WorkCalendar:
        cal = self.settings.calendar
        return WorkCalendar(cal.extra_holidays, cal.extra_working_days, self.settings.timezone)

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """The local date now, in the configured time zone."""
        return self.now().astimezone(self.settings.tz).date()
