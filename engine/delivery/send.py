"""Send: each prepared message once on its channel; the engine owns pacing, a notifier tries once.

Channels with a pacer (Telegram's flood limits) send one message at a time, each after its
pacer allows it; a RetryLater pauses that channel's pacer. A channel that declares
`send_batch` (email: connection reuse) gets its messages together; others one by one. The
channels run side by side.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Protocol, Sequence

from notifiers.base import BatchNotifier, Message, Notifier, NotifierError, RetryLater

log = logging.getLogger(__name__)

Outcome = str | NotifierError    # the provider's id, or why it failed


class Pacer(Protocol):
    """A channel's rate limits, kept on our side."""

    def pause(self, seconds: float) -> None:
        """The channel said "too many": nothing goes before `seconds` from now."""

    async def wait(self, address: str) -> None:
        """Sleep until a message to `address` may go, then count it as sent."""


def address(message: Message) -> str:
    """Where a message goes on its own channel (the pacing key)."""
    return str(getattr(message.recipient, message.channel, None) or message.recipient.code)


async def attempt(notifier: Notifier, message: Message) -> Outcome:
    """One try; a notifier's own bug becomes a retryable failure, never a lost message."""
    try:
        return await notifier.send(message) or ""
    except NotifierError as exc:
        return exc
    except Exception as exc:
        log.exception("notifier %s failed unexpectedly", notifier.channel)
        return NotifierError(f"unexpected error: {exc!r}", permanent=False)


async def paced(notifier: Notifier, message: Message, pacer: Pacer | None) -> Outcome:
    """One try, after the channel's pacer allows it; a RetryLater pauses the whole channel."""
    if pacer is not None:
        await pacer.wait(address(message))
    outcome = await attempt(notifier, message)
    if pacer is not None and isinstance(outcome, RetryLater):
        pacer.pause(outcome.retry_after)
    return outcome


async def _channel(notifier: Notifier, batch: Sequence[Message], pacer: Pacer | None,
                   results: dict[str, Outcome]) -> None:
    if pacer is None and isinstance(notifier, BatchNotifier):
        for m, outcome in zip(batch, await notifier.send_batch(batch)):
            results[m.key] = outcome
        return
    for m in batch:
        results[m.key] = await paced(notifier, m, pacer)


async def send_all(messages: Sequence[Message], notifiers: dict[str, Notifier],
                   pacers: dict[str, Pacer]) -> dict[str, Outcome]:
    """Send every message once on its channel; the outcome per message key."""
    results: dict[str, Outcome] = {}
    by_channel: dict[str, list[Message]] = {}
    for m in messages:
        by_channel.setdefault(m.channel, []).append(m)
    await asyncio.gather(*(_channel(notifiers[ch], batch, pacers.get(ch), results)
                           for ch, batch in by_channel.items()))
    return results


def readdressed(message: Message, new_address: str) -> Message:
    """The message to the recipient's new address on the same channel."""
    return replace(message, recipient=replace(message.recipient, **{message.channel: new_address}))
