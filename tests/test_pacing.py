"""Telegram's flood limits kept on our side (engine/delivery/pacing.py): on virtual seconds, where
waiting costs nothing, and once on real seconds against the fake Bot API's own limits."""

from __future__ import annotations

import time

import pytest

from engine.context import AppContext
from engine.daemon import Daemon
from engine.delivery.pacing import REAL_TIME, TelegramPacer
from engine.infra.settings import Settings
from notifiers.base import Message, NotifierError, Recipient
from notifiers.telegram import TelegramNotifier
from tests.fakes.telegram_api import telegram_api
from tests.support.clock import VirtualTime

# PTB 22 itself warns, when it builds RetryAfter, that retry_after will become a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

CHAT = "100000006"
SPACING = (1 + 0.02) / 30          # between any two messages: 30 a second, with the margin
CHAT_GAP, GROUP_GAP = 1.02, 3.02   # between two messages to one chat, to one group


def message(i: int, chat: str) -> Message:
    recipient = Recipient(code=f"p{i}", name="Hoàng Văn Em", email=None, telegram=chat)
    return Message(key=f"n-{i}", notification_ids=(i,), channel="telegram", recipient=recipient,
                   subject="Nhắc việc", text=f"Nhắc việc số {i}", html=f"🔔 <b>Nhắc việc số {i}</b>")


async def test_a_second_message_to_one_chat_waits_a_second_and_other_chats_only_the_spacing():
    seconds = VirtualTime()
    pacer, start = TelegramPacer.on(seconds.pacer_clock), seconds.now
    await pacer.wait(CHAT)
    await pacer.wait("100000007")
    await pacer.wait(CHAT)
    assert seconds.slept == [pytest.approx(SPACING), pytest.approx(CHAT_GAP - SPACING)]
    assert seconds.now - start == pytest.approx(CHAT_GAP)


async def test_a_group_waits_three_seconds_and_a_429_pauses_every_chat():
    seconds = VirtualTime()
    pacer, start = TelegramPacer.on(seconds.pacer_clock), seconds.now
    await pacer.wait("-500")
    await pacer.wait("-500")
    assert seconds.now - start == pytest.approx(GROUP_GAP)
    pacer.pause(5)
    await pacer.wait("100000099")                 # a chat never written to still waits out the pause
    assert seconds.now - start == pytest.approx(GROUP_GAP + 5.02)


def test_outside_the_tests_the_engine_paces_on_real_time():
    assert AppContext().pacer_clock is REAL_TIME


async def test_the_daemon_paces_on_its_contexts_clock(pacer_time):
    assert AppContext().pacer_clock == pacer_time.pacer_clock     # what the tests' in-process CLI runs on
    own = VirtualTime()
    daemon = Daemon(AppContext(Settings(), pacer_clock=own.pacer_clock), {}, renderer=None)
    start = own.now
    await daemon.pacer.wait(CHAT)
    await daemon.pacer.wait(CHAT)
    assert own.now - start == pytest.approx(CHAT_GAP) and pacer_time.slept == []


async def _send_paced(pacer: TelegramPacer | None, notifier: TelegramNotifier, chats: list[str]) -> list[str]:
    """Send one message to each chat in order, after the pacer (if any) allows it."""
    outcomes = []
    for i, chat in enumerate(chats):
        if pacer is not None:
            await pacer.wait(chat)
        try:
            await notifier.send(message(i, chat))
            outcomes.append("sent")
        except NotifierError as exc:
            outcomes.append(f"refused, retry after {exc.retry_after:.0f} s")
    return outcomes


def _busy_morning() -> list[str]:
    """Three messages to one chat among 34 to others: both the per-chat and the 30/s limit bite."""
    others = [str(100000100 + i) for i in range(34)]
    return [CHAT, *others[:17], CHAT, *others[17:], CHAT]


async def test_on_virtual_seconds_the_fake_refuses_an_unpaced_burst_and_accepts_the_paced_one():
    seconds = VirtualTime()
    with telegram_api(clock=seconds.monotonic) as tg:
        notifier = TelegramNotifier(tg.token, tg.base_url)
        assert await _send_paced(None, notifier, [CHAT, CHAT]) == ["sent", "refused, retry after 1 s"]
        await seconds.sleep(1)
        start = seconds.now
        outcomes = await _send_paced(TelegramPacer.on(seconds.pacer_clock), notifier, _busy_morning())
        await notifier.aclose()
    assert outcomes == ["sent"] * 37 and tg.early == []
    assert seconds.now - start >= 2 * CHAT_GAP - 1e-9     # the third message to CHAT waited twice


async def test_on_real_seconds_the_pacer_keeps_inside_the_fakes_limits():
    with telegram_api() as tg:                   # the fake measures on time.monotonic
        notifier = TelegramNotifier(tg.token, tg.base_url)
        start = time.monotonic()
        outcomes = await _send_paced(TelegramPacer.on(REAL_TIME), notifier, _busy_morning()[:19])
        elapsed = time.monotonic() - start
        await notifier.aclose()
    assert outcomes == ["sent"] * 19 and [r.status for r in tg.calls("sendMessage")] == [200] * 19
    assert tg.early == [] and elapsed >= CHAT_GAP
