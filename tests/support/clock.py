"""Virtual seconds for flood-limit pacing: a pacer waits without the test waiting."""

from __future__ import annotations

import asyncio

from engine.delivery.pacing import PacerClock


class VirtualTime:
    """A monotonic clock that moves only when someone sleeps on it, by exactly what they asked.

    The engine's pacer and the fake Bot API (tests/fakes/telegram_api.py, `clock=`) may share one,
    so the fake's flood limits are measured in the same virtual seconds as the pacer's waits."""

    def __init__(self, start: float = 1000.0):
        self.now = start
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)     # still a suspension point, as a real sleep is

    @property
    def pacer_clock(self) -> PacerClock:
        return PacerClock(self.monotonic, self.sleep)
