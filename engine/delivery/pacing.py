"""Each chat channel's rate limits, kept on our side: one mechanism, configured per channel.

Telegram: 30 messages/s per bot, 1/s per chat, 20/min per group (TelegramPacer). Zalo does not
document its quotas (../shared/docs/ZALO.md): ZaloPacer's defaults are cautious and the
`zalo.per_second` / `zalo.chat_gap` settings change them.

PTB's AIORateLimiter alone lost 480 of 600 messages against a strict stand-in (no per-private
-chat limit, no retries by default, bursts past a one-second window), so the dispatcher paces
every send itself: evenly spaced sends rather than bursts, a per-chat gap, and a pause for the
whole bot when Telegram answers 429 with retry_after.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Awaitable, Callable


@dataclass(frozen=True)
class PacerClock:
    """The seconds a pacer counts and how it waits: the wall's by default, a virtual pair in tests."""

    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


REAL_TIME = PacerClock()


class ChannelPacer:
    """Waits until the next message to `chat` may go: `per_second` evenly spaced over the channel,
    `chat_gap` seconds between two to one chat (`group_gap` to a group, a chat id starting with
    "-"); time functions are injectable for tests."""

    def __init__(self, per_second: float = 30.0, chat_gap: float = 1.0, group_gap: float | None = None,
                 margin: float = 0.02, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        # A small margin keeps us strictly inside limits that the server measures with its own clock.
        self.spacing = 1.0 / per_second + margin / per_second
        group_gap = chat_gap if group_gap is None else group_gap
        self.chat_gap, self.group_gap, self.margin = chat_gap + margin, group_gap + margin, margin
        self.monotonic, self.sleep = monotonic, sleep
        self._last_any = float("-inf")
        self._last_chat: dict[str, float] = {}
        self._paused_until = float("-inf")

    @classmethod
    def on(cls, clock: PacerClock, **limits: float) -> ChannelPacer:
        """A pacer that counts and waits on `clock`."""
        return cls(monotonic=clock.monotonic, sleep=clock.sleep, **limits)

    def pause(self, seconds: float) -> None:
        """The channel said 429 retry_after: nothing goes to any chat before then."""
        self._paused_until = max(self._paused_until, self.monotonic() + seconds + self.margin)

    def earliest(self, chat: str) -> float:
        gap = self.group_gap if chat.startswith("-") else self.chat_gap
        return max(self._last_any + self.spacing, self._last_chat.get(chat, float("-inf")) + gap,
                   self._paused_until)

    async def wait(self, chat: str) -> None:
        """Sleep until a message to `chat` is allowed, then count it as sent."""
        while True:
            delay = self.earliest(chat) - self.monotonic()
            if delay <= 0:
                break
            await self.sleep(delay)
        now = self.monotonic()
        self._last_any = now
        self._last_chat[chat] = now


class TelegramPacer(ChannelPacer):
    """Telegram's limits: 30 messages a second per bot, 1 a second per chat, 1 every 3 s per group."""

    def __init__(self, per_second: float = 30.0, chat_gap: float = 1.0, group_gap: float = 3.0, **kwargs):
        super().__init__(per_second, chat_gap, group_gap, **kwargs)


class ZaloPacer(ChannelPacer):
    """Zalo Bot's limits are not documented: 10 messages a second per bot, 1 a second per chat
    until they are (settings zalo.per_second, zalo.chat_gap)."""

    def __init__(self, per_second: float = 10.0, chat_gap: float = 1.0, **kwargs):
        super().__init__(per_second, chat_gap, None, **kwargs)
