"""The injectable clock: every component asks a Clock for now, never the wall directly."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current moment, timezone-aware."""


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that stands still until moved; used by `--now`, DONDOC_NOW and tests."""

    def __init__(self, moment: datetime):
        self._moment = ensure_aware(moment)

    def now(self) -> datetime:
        return self._moment

    def set(self, moment: datetime) -> None:
        """Move the clock to `moment`."""
        self._moment = ensure_aware(moment)


def ensure_aware(moment: datetime) -> datetime:
    """Reject naive datetimes: a moment without a zone is a bug waiting to happen."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no time zone")
    return moment
