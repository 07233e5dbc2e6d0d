"""Telegram through python-telegram-bot's `Bot` (no Application, no job queue).

One HTTP request per message part, no retries inside: PTB's BaseRequest makes a single
attempt and httpx's default transport does not retry, so a 429 comes straight back to the
dispatcher with its `retry_after`. Errors, modelled on healthchecks' Telegram transport
(BadRequest is a NetworkError subclass, so it is caught first):

    NotifierError
     ├── permanent=True    Forbidden (bot blocked or kicked, user deactivated), InvalidToken,
     │                     BadRequest ("chat not found", or the server's own text),
     │                     a recipient without a Telegram chat id
     ├── permanent=False   TimedOut, NetworkError
     ├── RetryLater        RetryAfter: wait retry_after seconds
     └── ChatMoved         ChatMigrated: store the new chat id, resend once

A message over 4,096 characters goes out in several parts (notifiers/htmlsplit.py). If part k
fails, the parts before it are remembered for that message key and chat, so a retry after a
429 continues with part k instead of repeating what the officer already has.
"""

from __future__ import annotations

import warnings
from datetime import timedelta
from typing import Any, Iterable, Sequence

from pydantic import SecretStr
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError,
                            RetryAfter, TelegramError, TimedOut)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from notifiers.base import ChatMoved, Message, NotifierError, RetryLater, as_rows
from notifiers.parts import PartProgress
from notifiers.htmlsplit import escape, split_html



class TelegramNotifier:
    """Sends Messages as Telegram HTML with inline buttons, splitting long ones."""

    channel = "telegram"
    markup = "telegram"    # Telegram's HTML subset

    def __init__(self, token: str | SecretStr, base_url: str | None = None, *,
                 connect_timeout: float = 5.0, read_timeout: float = 10.0,
                 write_timeout: float = 10.0, pool_timeout: float = 5.0):
        secret = token.get_secret_value() if isinstance(token, SecretStr) else token
        self._request = HTTPXRequest(connection_pool_size=8, connect_timeout=connect_timeout,
                                     read_timeout=read_timeout, write_timeout=write_timeout,
                                     pool_timeout=pool_timeout)
        # Bot wants a second request object for getUpdates; dondoc's sends never use it.
        self._updates_request = HTTPXRequest(connection_pool_size=1, connect_timeout=connect_timeout,
                                             read_timeout=read_timeout, pool_timeout=pool_timeout)
        kwargs: dict[str, Any] = {"base_url": base_url} if base_url else {}
        self._bot = Bot(secret, request=self._request, get_updates_request=self._updates_request,
                        **kwargs)
        self._parts = PartProgress()

    @classmethod
    def from_settings(cls, settings: Any) -> TelegramNotifier:
        """A TelegramNotifier from telegram_token and telegram_base_url."""
        if settings.telegram_token is None:
            raise ValueError("DONDOC_TELEGRAM_TOKEN is not set")
        return cls(settings.telegram_token, settings.telegram_base_url)

    @property
    def bot(self) -> Bot:
        """The underlying PTB Bot (for callbacks and commands handled elsewhere)."""
        return self._bot

    def __repr__(self) -> str:
        return f"TelegramNotifier({self._bot.base_url.split('/bot')[0]})"

    async def send(self, message: Message) -> str:
        """Send the message's Telegram HTML (in parts if long); return the last message id."""
        chat = message.recipient.telegram
        if not chat:
            raise NotifierError(f"{message.recipient.name} ({message.recipient.code}) has no "
                                f"Telegram chat id", permanent=True)
        chat_id = telegram_chat_id(chat)
        parts = message_parts(message)
        key = (message.key, str(chat_id))
        done, last_id = self._parts.resume(key)
        markup = keyboard(message.buttons)
        for index in range(done, len(parts)):
            try:
                sent = await self._bot.send_message(
                    chat_id, parts[index], parse_mode=ParseMode.HTML,
                    reply_markup=markup if index == len(parts) - 1 else None,
                    link_preview_options=LinkPreviewOptions(is_disabled=True))
            except TelegramError as exc:
                error = _classify(exc, chat_id)
                error = self._parts.failed(key, index, len(parts), last_id, error)
                raise error from None
            last_id = str(sent.message_id)
        self._parts.finished(key)
        return last_id

    async def check(self) -> str:
        """getMe: prove the token works; return '@username'."""
        try:
            me = await self._bot.get_me()
        except TelegramError as exc:
            raise _classify(exc, "getMe") from None
        return f"@{me.username}"

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._bot.shutdown()
        # The requests are ours: Bot.shutdown only closes them if Bot.initialize ran.
        await self._request.shutdown()
        await self._updates_request.shutdown()


def telegram_chat_id(chat: str) -> int | str:
    """A chat id as the Bot API takes it: numeric ids as int, @usernames as they are."""
    return int(chat) if chat.lstrip("-").isdigit() else chat


def message_parts(message: Message) -> list[str]:
    """The chunks a message goes out in; the last one carries the buttons."""
    return split_html(message.html or escape(message.text))


def keyboard(rows: Iterable[Iterable[Sequence[str]]]) -> InlineKeyboardMarkup | None:
    """The inline keyboard for rows of (label, callback data), row for row; None for no buttons."""
    laid = as_rows(rows)
    if not laid:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                                 for row in laid])


def retry_seconds(exc: RetryAfter) -> float:
    """How long a 429 says to wait, in seconds."""
    return _seconds(exc)


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        # PTB 22 deprecates the int form; either form is read the same way here.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _classify(exc: TelegramError, chat: Any) -> NotifierError:
    """The NotifierError dispatch needs for a PTB error (order matters: see the module doc)."""
    if isinstance(exc, ChatMigrated):
        return ChatMoved(f"Telegram chat {chat} became supergroup {exc.new_chat_id}", str(exc.new_chat_id))
    if isinstance(exc, RetryAfter):
        seconds = _seconds(exc)
        return RetryLater(f"Telegram flood limit: retry after {seconds:g} s", seconds)
    if isinstance(exc, Forbidden):
        return NotifierError(f"Telegram chat {chat}: {exc.message}", permanent=True)
    if isinstance(exc, InvalidToken):
        return NotifierError(f"Telegram rejected the bot token ({exc.message}); "
                             f"check DONDOC_TELEGRAM_TOKEN", permanent=True)
    if isinstance(exc, BadRequest):
        return NotifierError(f"Telegram chat {chat}: {exc.message}", permanent=True)
    if isinstance(exc, TimedOut):
        return NotifierError(f"Telegram timed out ({exc.message}): the message may have arrived, "
                             f"a duplicate is possible", permanent=False)
    if isinstance(exc, NetworkError):
        return NotifierError(f"Telegram network error: {exc.message}", permanent=False)
    return NotifierError(f"Telegram error: {exc.message}", permanent=False)
