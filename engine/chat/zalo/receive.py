"""The Zalo bot inside `dondoc run`: getUpdates long polling, one update per answer.

Each update is read (engine/chat/zalo/words.py) into one intent of the conversation
(engine/chat/conversation.py), run in a worker thread and one database transaction, and its
Outcome carried out as plain-text replies through the Zalo notifier's client (sendMessage, long
replies split at 2,000 characters). Zalo cannot edit a message or show a toast: edits are left
out, and an action's answer is sent as a reply when nothing else is.

getUpdates has no offset: an update handed out is gone, and Zalo may deliver one twice. The id
of every handled message is kept (`chat_update`), in the same transaction as what it did, so a
second delivery does nothing. 408 means "nothing new"; any other failure of a long poll waits
with a growing pause (up to 30 s) and never stops the engine. Polling first deletes any webhook
(Zalo refuses getUpdates while one is set). In webhook mode (`zalo.mode: webhook`) the updates
arrive through engine/chat/zalo/webhook.py instead and take the same `handle_safely` path.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from engine.chat.commands import Chat, who
from engine.chat.conversation import ON_TASK, Args, Intent, perform
from engine.chat.replies import BotEnv, Outcome, Send
from engine.chat.zalo import outbox
from engine.chat.zalo.words import ZALO, Typed, choice_line, plain, read
from engine.context import AppContext
from engine.core.org import mark_chat_blocked
from engine.core.models import ChatUpdate
from engine.infra.db import transaction
from notifiers.base import ChannelDown, NotifierError, RetryLater
from notifiers.zalo import ZaloNotifier, split_text

log = logging.getLogger("dondoc.zalo")
TEXT = "message.text.received"
ONLY_TEXT = "Bot chỉ đọc được tin nhắn chữ. Gõ «trogiup» để xem các lệnh. (Text messages only.)"


class ZaloReceiver:
    """Build once per engine; `poll_once` for `run --once`, `run` for the service."""

    def __init__(self, ctx: AppContext, poll_timeout: float = 25.0):
        s = ctx.settings
        if s.zalo_token is None:
            raise ValueError("DONDOC_ZALO_TOKEN is not set")
        self.ctx, self.poll_timeout = ctx, poll_timeout
        self.env = BotEnv(ctx, None, ZALO)
        # A long poll holds the request open for poll_timeout seconds.
        self.client = ZaloNotifier(s.zalo_token, s.zalo_base_url, timeout=poll_timeout + 10)

    # -- one update ----------------------------------------------------------------------

    async def handle(self, update: dict[str, Any]) -> None:
        """Decide what one update leads to (once per message id), then carry it out."""
        outcome = await asyncio.to_thread(self._decide, update)
        if outcome is not None:
            chat = str(((update.get("message") or {}).get("chat") or {}).get("id"))
            await self.carry_out(outcome, chat)

    def _decide(self, update: dict[str, Any]) -> Outcome | None:
        message = update.get("message") or {}
        chat_info, sender = message.get("chat") or {}, message.get("from") or {}
        if not chat_info.get("id") or not message.get("message_id") or sender.get("is_bot"):
            return None
        chat = Chat(str(chat_info["id"]), str(sender.get("id") or chat_info["id"]),
                    chat_info.get("chat_type", "PRIVATE") == "PRIVATE", "zalo")
        now = self.env.now()
        with transaction(self.ctx.engine) as session:
            if not _first_time(session, str(message["message_id"]), now):
                return None
            if update.get("event_name") != TEXT or not isinstance(message.get("text"), str):
                return Outcome().say(chat.chat_id, ONLY_TEXT)
            return self._answer(session, chat, read(message["text"]), now)

    def _answer(self, session: Session, chat: Chat, typed: Typed, now: datetime) -> Outcome:
        if typed.intent in ON_TASK:
            target = outbox.target(session, chat.chat_id, typed.number)
            if target is None and who(session, chat) is not None:
                return Outcome().say(chat.chat_id, _no_such_number(typed.number))
            return perform(session, self.env, chat, typed.intent, Args(target, typed.text), now)
        if typed.intent in (Intent.APPROVE, Intent.REFUSE) and typed.number is None:
            return Outcome().say(chat.chat_id, "Đề nghị ghi số của đề nghị gia hạn, ví dụ «đồng ý 3».")
        return perform(session, self.env, chat, typed.intent, Args(typed.number, typed.text), now)

    # -- carrying out an Outcome ----------------------------------------------------------

    async def carry_out(self, outcome: Outcome, chat_id: str) -> None:
        """Send the replies as plain text; the answer to an action in `chat_id` becomes a reply
        when it is a refusal or nothing else is said there."""
        sends = list(outcome.sends)
        if outcome.answer and (outcome.alert or not any(s.chat_id == chat_id for s in sends)):
            sends.insert(0, Send(chat_id, outcome.answer))
        for send in sends:
            text = plain(send.html) + (f"\n\n{choice_line(send.choices)}" if send.choices else "")
            try:
                for part in split_text(text):
                    await self._send_part(send.chat_id, part)
            except ChannelDown as exc:
                log.error("Zalo refused the bot token while replying: %s", exc)
                return
            except NotifierError as exc:
                log.warning("could not reply in Zalo chat %s: %s", send.chat_id, exc)
                if exc.permanent:
                    await asyncio.to_thread(self._blocked, send, str(exc))
                if send.on_fail is not None:
                    await self.carry_out(Outcome(sends=[send.on_fail]), send.on_fail.chat_id)

    async def _send_part(self, chat_id: str, text: str) -> None:
        """One sendMessage; after a 429, wait as told (at most 30 s) and try once more."""
        # Replies are few and someone is waiting for them: they skip dispatch's pacer, not the 429.
        for attempt in (1, 2):
            try:
                await self.client.call("sendMessage", chat_id=chat_id, text=text)
                return
            except RetryLater as exc:
                if attempt == 2:
                    raise
                await self.ctx.pacer_clock.sleep(min(30.0, exc.retry_after))

    def _blocked(self, send: Send, error: str) -> None:
        """Mark the person's Zalo contact broken, like dispatch does."""
        with transaction(self.ctx.engine) as session:
            mark_chat_blocked(session, "zalo", send.person_id, send.chat_id, error, self.env.now())

    # -- polling -------------------------------------------------------------------------

    async def poll_once(self) -> int:
        """Handle the updates waiting now (for `run --once`); returns how many were fetched."""
        fetched = 0
        await self._no_webhook()
        while True:
            try:
                update = await self.client.call("getUpdates", timeout=0)
            except NotifierError as exc:   # 408 (nothing new) or a failure: either way, done for now
                if fetched == 0 and not _nothing_new(exc):
                    log.warning("Zalo updates not fetched this round: %s", exc)
                return fetched
            fetched += 1
            await self.handle_safely(update)

    async def run(self, stop: asyncio.Event) -> None:
        """Long-poll until `stop` is set; errors never escape, a bad token stops only this loop."""
        delay = 0.0
        await self._no_webhook()
        while not stop.is_set():
            started = time.monotonic()
            try:
                update = await self.client.call("getUpdates", timeout=int(self.poll_timeout))
            except ChannelDown as exc:
                log.error("Zalo rejected the bot token: the Zalo bot does not run (%s)", exc)
                break
            except NotifierError as exc:
                # A long poll that ran its course is 408, "nothing new": ask again at once.
                waited = time.monotonic() - started >= self.poll_timeout / 2
                delay = 0.0 if waited or _nothing_new(exc) else min(max(delay * 2, 1.0), 30.0)
                if delay:
                    log.warning("Zalo getUpdates failed (%s); retrying in %.0f s", exc, delay)
                    await _wait(stop, delay)
                continue
            delay = 0.0
            await self.handle_safely(update)
        await self.aclose()

    async def handle_safely(self, update: Any) -> None:
        """Handle one update (polled or posted); a failure is logged, never raised."""
        try:
            if isinstance(update, dict):
                await self.handle(update)
        except Exception:
            log.exception("handling a Zalo update failed")

    async def _no_webhook(self) -> None:
        """Polling mode: remove a webhook left from webhook mode, or getUpdates is refused."""
        try:
            await self.client.call("deleteWebhook")
        except ChannelDown:
            pass   # the token is wrong: getUpdates says so next
        except NotifierError as exc:
            log.warning("Zalo deleteWebhook failed (%s); polling anyway", exc)

    async def aclose(self) -> None:
        await self.client.aclose()


def _first_time(session: Session, key: str, now: datetime) -> bool:
    """Record that this update is handled; False when it already was."""
    seen = session.exec(select(ChatUpdate).where(ChatUpdate.channel == "zalo", ChatUpdate.update_key == key)).first()
    if seen is not None:
        return False
    session.add(ChatUpdate(channel="zalo", update_key=key, handled_at=now))
    session.flush()
    return True


def _no_such_number(number: int | None) -> str:
    if number is None:
        return ("Tin nhắc gần nhất có nhiều việc: đề nghị ghi số thứ tự của việc, ví dụ «1 xong». "
                "Gõ «viec» để xem danh sách.")
    return (f"Số {number} không có trong tin nhắc gần nhất gửi đồng chí. Đề nghị kiểm tra lại số thứ tự "
            f"trong tin đó (gõ «viec» để xem danh sách việc). (No task {number} in the latest message.)")


def _nothing_new(exc: NotifierError) -> bool:
    return "timeout" in str(exc).lower() and not exc.permanent


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except asyncio.TimeoutError:
        pass
