"""The bot inside `dondoc run`: python-telegram-bot's Application, long polling, no job queue.

Each update becomes one intent of the conversation (engine/chat/conversation.py; a button press
through engine/chat/telegram/press.py), run in a worker thread and one database transaction; then
this module carries out its Outcome: replies (split like dispatch splits long messages, their
choices as signed inline buttons), edits of earlier messages (made from its marks by
engine/chat/telegram/edits.py), the answer to a button press. A reply that cannot be delivered
because the person blocked the bot marks their Telegram contact broken, as dispatch does.

Polling errors never stop the engine: PTB's polling loop retries getUpdates with a growing pause
(up to 30 s) after network errors; starting (getMe, setMyCommands) is retried here with backoff
up to a minute; only an invalid token gives up, with one error in the log.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Callable

from telegram import BotCommand, ForceReply, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes, \
    MessageHandler, filters

from engine.chat import commands
from engine.chat.telegram.callbacks import Signer
from engine.chat.commands import Chat
from engine.chat.conversation import Args, Intent, perform
from engine.chat.replies import BotEnv, Edit, Outcome, Send
from engine.chat.telegram.edits import make_edits
from engine.chat.telegram.press import press
from engine.chat.telegram.words import TELEGRAM
from engine.context import AppContext
from engine.infra.db import transaction
from engine.core.org import mark_chat_blocked
from engine.core.models import ExtensionRequest, TelegramMessage
from notifiers.htmlsplit import split_html
from notifiers.telegram import keyboard, retry_seconds, telegram_chat_id

log = logging.getLogger("dondoc.bot")
UPDATES = ["message", "callback_query"]


def _chat(update: Update) -> Chat:
    chat = update.effective_chat
    user = update.effective_user
    return Chat(str(chat.id), str(user.id) if user else None, chat.type == "private")


class TelegramBot:
    """The bot: build once per engine; `poll_once` for `run --once`, `run` for the service."""

    def __init__(self, ctx: AppContext, poll_timeout: float = 25.0):
        s = ctx.settings
        if s.telegram_token is None:
            raise ValueError("DONDOC_TELEGRAM_TOKEN is not set")
        self.ctx = ctx
        self.env = BotEnv(ctx, Signer.from_settings(s), TELEGRAM)
        self.poll_timeout = poll_timeout
        builder = (ApplicationBuilder().token(s.telegram_token.get_secret_value())
                   .connect_timeout(5).read_timeout(10).write_timeout(10)
                   # A long poll holds the request open for poll_timeout seconds.
                   .get_updates_read_timeout(poll_timeout + 10).get_updates_connect_timeout(5))
        if s.telegram_base_url:
            builder = builder.base_url(s.telegram_base_url)
        self.app: Application = builder.build()
        self._register()
        self._ready = False

    # -- wiring ----------------------------------------------------------------------------

    def _register(self) -> None:
        app = self.app
        app.add_handler(CommandHandler("start", self._start))
        simple: list[tuple[tuple[str, str], Intent]] = [
            (("viec", "tasks"), Intent.TASKS), (("quahan", "overdue"), Intent.OVERDUE),
            (("baocao", "report"), Intent.REPORT), (("trogiup", "help"), Intent.HELP),
            (("huy", "unlink"), Intent.UNLINK), (("boqua", "cancel"), Intent.SKIP)]
        for names, intent in simple:
            app.add_handler(CommandHandler(list(names), self._command(intent)))
        app.add_handler(CallbackQueryHandler(self._press))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self._text))
        app.add_handler(MessageHandler(filters.COMMAND, self._command(Intent.UNKNOWN)))
        app.add_error_handler(self._error)

    def _decide(self, fn: Callable[..., Outcome], *args) -> Outcome:
        """Run one handler in one transaction, with the context's clock."""
        with transaction(self.ctx.engine) as session:
            now = self.env.now()
            return make_edits(session, fn(session, self.env, *args, now), now)

    def _command(self, intent: Intent):
        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            outcome = await asyncio.to_thread(self._decide, perform, _chat(update), intent, Args())
            await self.carry_out(outcome)
        return handle

    async def _start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        code = context.args[0] if context.args else None
        outcome = await asyncio.to_thread(self._decide, perform, _chat(update), Intent.LINK, Args(text=code))
        await self.carry_out(outcome)

    async def _text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        text = update.effective_message.text or ""
        outcome = await asyncio.to_thread(self._decide, perform, _chat(update), Intent.ANSWER, Args(text=text))
        await self.carry_out(outcome)

    async def _press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        message = query.message
        chat = Chat(str(message.chat.id) if message else str(query.from_user.id), str(query.from_user.id),
                    message.chat.type == "private" if message else True)
        fallback = message.text_html if message is not None and getattr(message, "text", None) else None
        outcome = await asyncio.to_thread(self._decide, press, chat,
                                          message.message_id if message else None, query.data, fallback)
        try:
            await query.answer(outcome.answer, show_alert=outcome.alert)
        except TelegramError as exc:   # e.g. "query is too old" when `run --once` runs from cron
            log.info("could not answer a button press: %s", exc)
        await self.carry_out(outcome)

    async def _error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("handling a Telegram update failed", exc_info=context.error)
        if isinstance(update, Update) and update.callback_query is not None:
            try:
                await update.callback_query.answer("Có lỗi xảy ra, đề nghị thử lại sau. (Something went wrong.)",
                                                   show_alert=True)
            except TelegramError:
                pass

    # -- carrying out an Outcome ----------------------------------------------------------

    async def carry_out(self, outcome: Outcome) -> None:
        """Edit, then send, what the handler decided; remember messages that carry buttons."""
        for edit in outcome.edits:
            await self._edit(edit)
        for send in outcome.sends:
            parts = split_html(send.html)
            rows = self._rows(send)
            try:
                sent = None
                for i, part in enumerate(parts):
                    last = i == len(parts) - 1
                    markup = (keyboard(rows) or (ForceReply(selective=True) if send.force_reply else None)
                              if last else None)
                    sent = await self._send_part(send.chat_id, part, markup)
            except TelegramError as exc:
                if isinstance(exc, Forbidden):
                    log.warning("chat %s blocked the bot: %s", send.chat_id, exc.message)
                    await asyncio.to_thread(self._blocked, send, exc.message)
                else:
                    log.warning("could not reply in chat %s: %s", send.chat_id, exc)
                if send.on_fail is not None:
                    await self.carry_out(Outcome(sends=[send.on_fail]))
                continue
            if rows and sent is not None:
                await asyncio.to_thread(self._remember, send, rows, parts[-1], sent.message_id)

    def _rows(self, send: Send) -> tuple:
        """The message's choices as one row of signed inline buttons."""
        if not send.choices:
            return ()
        return (tuple((c.label, self.env.signer.encode(c.intent, c.target)) for c in send.choices),)

    async def _send_part(self, chat_id: str, html: str, markup):
        """One sendMessage; after a flood-limit answer, wait as told (at most 30 s) and try once more."""
        # Replies are few and someone is waiting for them: they skip dispatch's pacer, not the 429.
        for attempt in (1, 2):
            try:
                return await self.app.bot.send_message(telegram_chat_id(chat_id), html, parse_mode=ParseMode.HTML,
                                                       reply_markup=markup,
                                                       link_preview_options=LinkPreviewOptions(is_disabled=True))
            except RetryAfter as exc:
                if attempt == 2:
                    raise
                await self.ctx.pacer_clock.sleep(min(30.0, retry_seconds(exc)))

    async def _edit(self, edit: Edit) -> None:
        bot = self.app.bot
        try:
            if edit.html is None:
                await bot.edit_message_reply_markup(telegram_chat_id(edit.chat_id), edit.message_id,
                                                    reply_markup=keyboard(edit.rows))
            else:
                await bot.edit_message_text(edit.html, telegram_chat_id(edit.chat_id), edit.message_id,
                                            parse_mode=ParseMode.HTML, reply_markup=keyboard(edit.rows),
                                            link_preview_options=LinkPreviewOptions(is_disabled=True))
        except BadRequest as exc:
            # "message is not modified", or too old to edit: the action itself is recorded.
            log.info("could not edit message %s in chat %s: %s", edit.message_id, edit.chat_id, exc.message)
        except TelegramError as exc:
            log.warning("could not edit message %s in chat %s: %s", edit.message_id, edit.chat_id, exc)

    def _remember(self, send: Send, rows: tuple, html: str, message_id: int) -> None:
        with transaction(self.ctx.engine) as session:
            row = TelegramMessage(chat_id=send.chat_id, message_id=message_id, html=html,
                                  buttons=[[list(b) for b in r] for r in rows], sent_at=self.env.now())
            session.add(row)
            session.flush()
            if send.request_id is not None:
                request = session.get(ExtensionRequest, send.request_id)
                if request is not None:
                    request.approver_message_id = row.id
                    session.add(request)

    def _blocked(self, send: Send, error: str) -> None:
        """Mark the person's Telegram contact broken, like dispatch does."""
        with transaction(self.ctx.engine) as session:
            mark_chat_blocked(session, "telegram", send.person_id, send.chat_id, error, self.env.now())

    # -- lifecycle ---------------------------------------------------------------------------

    async def _ensure_ready(self) -> None:
        if self._ready:
            return
        await self.app.initialize()
        vi = [BotCommand(name, text) for name, _, text in commands.COMMANDS]
        en = [BotCommand(alias, text) for _, alias, text in commands.COMMANDS]
        await self.app.bot.set_my_commands(vi)
        await self.app.bot.set_my_commands(en, language_code="en")
        self._ready = True

    async def poll_once(self) -> int:
        """Handle the updates waiting now (for `run --once`); returns how many."""
        try:
            await self._ensure_ready()
            handled, offset = 0, None
            while True:
                updates = await self.app.bot.get_updates(offset=offset, timeout=0, allowed_updates=UPDATES)
                if not updates:
                    return handled     # the last call, with the offset, confirmed what was handled
                for update in updates:
                    await self.app.process_update(update)
                    handled += 1
                offset = updates[-1].update_id + 1
        except TelegramError as exc:
            log.warning("Telegram updates not fetched this round: %s", exc)
            return 0

    async def run(self, stop: asyncio.Event) -> None:
        """Long-poll until `stop` is set; starting is retried with backoff, errors never escape."""
        delay = 1.0
        while not stop.is_set():
            try:
                await self._ensure_ready()
                await self.app.start()
                await self.app.updater.start_polling(timeout=timedelta(seconds=self.poll_timeout),
                                                     allowed_updates=UPDATES, error_callback=_polling_error)
                log.info("Telegram bot @%s is listening", self.app.bot.username)
                break
            except InvalidToken:
                log.error("Telegram rejected the bot token: the bot does not run (reminders still go out)")
                await self.aclose()
                return
            except Exception as exc:   # network down at start: try again later, never kill the engine
                log.warning("Telegram bot could not start (%s); retrying in %.0f s", exc, delay)
                await self._stop_app()
                try:
                    await asyncio.wait_for(stop.wait(), delay)
                except asyncio.TimeoutError:
                    pass
                delay = min(delay * 2, 60.0)
        await stop.wait()
        await self.aclose()

    async def _stop_app(self) -> None:
        try:
            if self.app.updater is not None and self.app.updater.running:
                await self.app.updater.stop()
            if self.app.running:
                await self.app.stop()
        except Exception:
            log.exception("stopping the Telegram bot")

    async def aclose(self) -> None:
        """Stop polling (confirming what was fetched) and close connections."""
        await self._stop_app()
        if self._ready:
            try:
                await self.app.shutdown()
            except Exception:
                log.exception("shutting the Telegram bot down")
            self._ready = False


def _polling_error(exc: TelegramError) -> None:
    # PTB retries by itself; one line instead of a traceback on every failed long poll.
    log.warning("Telegram getUpdates failed (%s); retrying", exc)
