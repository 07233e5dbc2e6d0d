"""A local Telegram Bot API server (aiohttp) that python-telegram-bot reaches through base_url.

It runs in a background thread with its own event loop, so sync and async tests can use it:

    with telegram_api() as tg:
        bot = Bot(tg.token, base_url=tg.base_url)
        ...
        tg.sent()            # sendMessage requests that were accepted
        tg.requests          # every request: method, params, time

Like the real one it answers `/bot<token>/<method>` with `{"ok": true, "result": ...}` or an
error with `error_code`, `description` and `parameters`; enforces flood limits (30 messages a
second overall, 1 a second per chat, 20 a minute per group chat) with 429 and `retry_after`,
and notes any request that came before a previous `retry_after` expired (`early`), measured on
`clock` (time.monotonic, or the virtual seconds of tests/support/clock.py that the engine's
pacer also waits on); refuses
HTML Telegram would refuse (unknown tags, unbalanced tags, over 4,096 characters).
Scripted chats: `blocked` (403), unknown chats (400 chat not found; by default every positive
id exists, negative ids only when listed in `groups`), `migrated` (400 with
migrate_to_chat_id). A wrong token gets 401. `script(method, ...)` queues one-off answers.

For the bot: every message sent is kept (`messages`, `last_to(chat)`), edits change it (and are
refused like Telegram refuses them: unknown message, unchanged content, bad HTML); `say(chat,
text)` and `press(chat, message_id, label)` queue the updates a person would cause by typing or
pressing a button, for getUpdates to hand out.

Run alone for manual tries: python -m tests.fakes.telegram_api --port 8081
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

from tests.fakes.botserver import BotServer, Request, failure, form_params

TOKEN = "123456:TEST-token_for-dondoc"
_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span",
         "tg-spoiler", "tg-emoji", "blockquote"}
_JSON_PARAMS = {"reply_markup", "link_preview_options", "allowed_updates", "commands", "entities",
                "reply_parameters", "scope"}
_SENDING = {"sendMessage"}




@dataclass
class _Limits:
    per_second: int | None = 30              # messages a second, all chats together
    per_chat_interval: float | None = 1.0    # seconds between messages to one chat
    group_per_minute: int | None = 20        # messages a minute to one group chat


class _EntityParser(HTMLParser):
    """Telegram's HTML subset, as strictly as the real parser: text length and the first problem."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.text: list[str] = []
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAGS:
            self.problem = self.problem or f'Unsupported start tag "{tag}"'
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problem = self.problem or f'Unexpected end tag "{tag}"'
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible_text(html: str) -> str:
    """What a chat shows of Telegram HTML, as this fake keeps it in `messages` (tags gone, entities read);
    fails on HTML the fake would refuse."""
    parser = _EntityParser()
    parser.feed(html)
    parser.close()
    assert parser.problem is None and not parser.open, parser.problem or f"unclosed {parser.open}"
    return "".join(parser.text)


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeTelegram(BotServer):
    thread_name = "fake-telegram"

    """The fake Bot API server; see the module docstring."""

    def __init__(self, token: str = TOKEN, username: str = "dondoc_test_bot", *,
                 host: str = "127.0.0.1", port: int = 0, limits: bool = True,
                 per_second: int | None = 30, per_chat_interval: float | None = 1.0,
                 group_per_minute: int | None = 20, long_poll_cap: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.token, self.username = token, username
        # What flood limits are measured on: the pacer's virtual seconds when a test shares them.
        self.clock = clock
        self.bot_id = int(token.split(":")[0]) if token.split(":")[0].isdigit() else 1
        self.host, self.port = host, port
        self.limits = _Limits(per_second, per_chat_interval, group_per_minute) if limits else _Limits(None, None, None)
        self.long_poll_cap = long_poll_cap
        self.blocked: set[int] = set()
        self.groups: set[int] = set()
        self.known_chats: set[int] | None = None    # None: every positive id exists
        self.migrated: dict[int, int] = {}
        self.requests: list[Request] = []
        self.early: list[Request] = []               # came before a retry_after had expired
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[tuple[int, dict, float]]] = {}  # status, body, delay
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._next_message_id = 1
        self._sent_times: deque[float] = deque()
        self._chat_times: dict[int, deque[float]] = {}
        self._blocked_until: dict[Any, float] = {}   # "all" or a chat id -> monotonic time
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._new_update: asyncio.Event | None = None
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}   # (chat, message id) -> message

    # -- control from the test -----------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    def sent(self, method: str = "sendMessage") -> list[Request]:
        """Requests of `method` that were answered 200."""
        with self._lock:
            return [r for r in self.requests if r.method == method and r.status == 200]

    def calls(self, method: str) -> list[Request]:
        """Every request of `method`, whatever the answer."""
        with self._lock:
            return [r for r in self.requests if r.method == method]

    def script(self, method: str, status: int = 200, description: str = "", *,
               result: Any = True, parameters: dict[str, Any] | None = None, delay: float = 0.0) -> None:
        """Answer the next `method` request this way (after `delay` seconds)."""
        status_body = (200, {"ok": True, "result": result}) if status == 200 else \
            failure(status, description, parameters)
        with self._lock:
            self._scripts.setdefault(method, deque()).append((*status_body, delay))

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; returns the update_id it was given."""
        with self._lock:
            update = {**update, "update_id": self._next_update_id}
            self._next_update_id += 1
            self._updates.append(update)
        if self._loop is not None and self._new_update is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)
        return update["update_id"]

    def last_to(self, chat: int | str) -> dict[str, Any]:
        """The latest message the bot sent to `chat` (as it reads now, after any edits)."""
        with self._lock:
            mine = [m for (c, _), m in self.messages.items() if c == int(chat)]
        if not mine:
            raise AssertionError(f"nothing was sent to chat {chat}")
        return max(mine, key=lambda m: m["message_id"])

    def to(self, chat: int | str) -> list[dict[str, Any]]:
        """Every message the bot sent to `chat`, oldest first."""
        with self._lock:
            return sorted((m for (c, _), m in self.messages.items() if c == int(chat)),
                          key=lambda m: m["message_id"])

    @staticmethod
    def labels(message: dict[str, Any]) -> list[str]:
        """The button labels of a message's inline keyboard, row after row."""
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        return [b["text"] for row in rows for b in row]

    def _user(self, user_id: int, first_name: str) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name}

    def say(self, chat: int | str, text: str, *, user_id: int | None = None, first_name: str = "Cán bộ",
            group: bool = False, reply_to: int | None = None) -> int:
        """Queue a message a person types in `chat` (a command if it starts with '/')."""
        chat = int(chat)
        user = self._user(user_id or chat, first_name)
        message: dict[str, Any] = {"message_id": self._take_message_id(), "date": int(time.time()),
                                   "chat": {"id": chat, "type": "group" if group or chat < 0 else "private"},
                                   "from": user, "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if reply_to is not None:
            message["reply_to_message"] = _public(self.messages[(chat, reply_to)])
        return self.push_update({"message": message})

    def press(self, chat: int | str, message_id: int, label: str | None = None, *, data: str | None = None,
              user_id: int | None = None, first_name: str = "Cán bộ") -> int:
        """Queue a press on the button labelled `label` (or carrying `data`) of a message the bot sent."""
        message = self.messages[(int(chat), int(message_id))]
        if data is None:
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            found = [b for row in rows for b in row if b["text"] == label]
            if not found:
                raise AssertionError(f"no button {label!r} on message {message_id}: {self.labels(message)}")
            data = found[0]["callback_data"]
        query = {"id": f"cb{time.monotonic_ns()}", "chat_instance": str(chat), "data": data,
                 "from": self._user(user_id or int(chat), first_name), "message": _public(message)}
        return self.push_update({"callback_query": query})

    def _take_message_id(self) -> int:
        with self._lock:
            message_id = self._next_message_id
            self._next_message_id += 1
        return message_id

    # -- the API -------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        params = await _params(request)
        record = Request(method, params, self.clock(), token)
        with self._lock:
            self.requests.append(record)
            scripted = self._scripts.get(method)
            step = scripted.popleft() if scripted else None
        if step is not None:
            status, body, delay = step
            await asyncio.sleep(delay)
            return self._answer(record, status, body)
        if token != self.token:
            return self._error(record, 401, "Unauthorized")
        handler = getattr(self, "_m_" + method, None)
        if handler is None:
            return self._error(record, 404, "Not Found")
        status, body = await handler(record)
        return self._answer(record, status, body)

    def _answer(self, record: Request, status: int, body: dict[str, Any]) -> web.Response:
        record.status = status
        return web.json_response(body, status=status)

    def _error(self, record: Request, code: int, description: str,
               parameters: dict[str, Any] | None = None) -> web.Response:
        status, body = failure(code, description, parameters)
        return self._answer(record, status, body)

    def _chat(self, raw: Any) -> tuple[int | None, tuple[int, dict] | None]:
        """The chat id, or the error Telegram would give for it."""
        try:
            chat = int(raw)
        except (TypeError, ValueError):
            return None, failure(400, "Bad Request: chat not found")
        if chat in self.migrated:
            return chat, failure(400, "Bad Request: group chat was upgraded to a supergroup chat",
                                  {"migrate_to_chat_id": self.migrated[chat]})
        if chat in self.blocked:
            return chat, failure(403, "Forbidden: bot was blocked by the user")
        exists = chat in self.groups if chat < 0 else (self.known_chats is None or chat in self.known_chats)
        if not exists:
            return chat, failure(400, "Bad Request: chat not found")
        return chat, None

    def _flood(self, record: Request, chat: int) -> tuple[int, dict] | None:
        """429 when this message would break a flood limit; otherwise count it as sent."""
        now = record.at
        with self._lock:
            if any(now < self._blocked_until.get(k, 0) for k in ("all", chat)):
                self.early.append(record)
            waits = []
            lim = self.limits
            while self._sent_times and now - self._sent_times[0] >= 1.0:
                self._sent_times.popleft()
            if lim.per_second is not None and len(self._sent_times) >= lim.per_second:
                waits.append(("all", self._sent_times[0] + 1.0 - now))
            times = self._chat_times.setdefault(chat, deque())
            while times and now - times[0] >= 60.0:
                times.popleft()
            if chat < 0 and lim.group_per_minute is not None and len(times) >= lim.group_per_minute:
                waits.append((chat, times[-lim.group_per_minute] + 60.0 - now))
            if lim.per_chat_interval is not None and times and now - times[-1] < lim.per_chat_interval:
                waits.append((chat, times[-1] + lim.per_chat_interval - now))
            if waits:
                key, wait = max(waits, key=lambda w: w[1])
                seconds = max(1, math.ceil(wait))
                self._blocked_until[key] = max(self._blocked_until.get(key, 0), now + seconds)
                return failure(429, f"Too Many Requests: retry after {seconds}",
                                {"retry_after": seconds})
            self._sent_times.append(now)
            times.append(now)
        return None

    def _message(self, chat: int, text: str, reply_markup: Any = None) -> dict[str, Any]:
        message_id = self._take_message_id()
        message = {"message_id": message_id, "date": int(time.time()),
                   "chat": {"id": chat, "type": "group" if chat < 0 else "private"},
                   "from": {"id": self.bot_id, "is_bot": True, "first_name": "dondoc",
                            "username": self.username},
                   "text": text}
        if reply_markup and reply_markup.get("inline_keyboard"):
            # Like Telegram: only an inline keyboard is part of the message (ForceReply is not).
            message["reply_markup"] = reply_markup
        return message

    async def _m_getMe(self, record: Request) -> tuple[int, dict]:
        return 200, {"ok": True, "result": {"id": self.bot_id, "is_bot": True, "first_name": "dondoc",
                                            "username": self.username}}

    async def _m_sendMessage(self, record: Request) -> tuple[int, dict]:
        chat, failure = self._chat(record.params.get("chat_id"))
        if failure:
            return failure
        text = str(record.params.get("text", ""))
        if record.params.get("parse_mode") == "HTML":
            parser = _EntityParser()
            parser.feed(text)
            parser.close()
            if parser.problem or parser.open:
                problem = parser.problem or f'Can\'t find end tag corresponding to start tag "{parser.open[-1]}"'
                return failure(400, f"Bad Request: can't parse entities: {problem}")
            text = "".join(parser.text)
        if not text.strip():
            return failure(400, "Bad Request: message text is empty")
        if _utf16(text) > 4096:
            return failure(400, "Bad Request: message is too long")
        flood = self._flood(record, chat)
        if flood:
            return flood
        message = self._message(chat, text, record.params.get("reply_markup"))
        message["html"] = str(record.params.get("text", ""))    # not in Telegram's answer: for tests
        with self._lock:
            self.messages[(chat, message["message_id"])] = message
        return 200, {"ok": True, "result": _public(message)}

    async def _m_editMessageText(self, record: Request) -> tuple[int, dict]:
        return self._edit(record, text=True)

    async def _m_editMessageReplyMarkup(self, record: Request) -> tuple[int, dict]:
        return self._edit(record, text=False)

    def _edit(self, record: Request, text: bool) -> tuple[int, dict]:
        chat, failure = self._chat(record.params.get("chat_id"))
        if failure:
            return failure
        key = (chat, int(record.params.get("message_id", 0) or 0))
        with self._lock:
            current = self.messages.get(key)
        if current is None:
            return failure(400, "Bad Request: message to edit not found")
        markup = record.params.get("reply_markup")
        changed = dict(current)
        changed.pop("reply_markup", None)
        if markup and markup.get("inline_keyboard"):
            changed["reply_markup"] = markup
        if text:
            raw = str(record.params.get("text", ""))
            plain = raw
            if record.params.get("parse_mode") == "HTML":
                parser = _EntityParser()
                parser.feed(raw)
                parser.close()
                if parser.problem or parser.open:
                    return failure(400, f"Bad Request: can't parse entities: {parser.problem or 'unclosed tag'}")
                plain = "".join(parser.text)
            if _utf16(plain) > 4096:
                return failure(400, "Bad Request: message is too long")
            changed["text"], changed["html"] = plain, raw
        if changed == current:
            return failure(400, "Bad Request: message is not modified: specified new message content and "
                                 "reply markup are exactly the same as a current content and reply markup "
                                 "of the message")
        changed["edit_date"] = int(time.time())
        with self._lock:
            self.messages[key] = changed
        return 200, {"ok": True, "result": _public(changed)}

    async def _m_getUpdates(self, record: Request) -> tuple[int, dict]:
        offset = int(record.params.get("offset", 0) or 0)
        timeout = min(float(record.params.get("timeout", 0) or 0), self.long_poll_cap)
        limit = int(record.params.get("limit", 100) or 100)
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                # Like Telegram: asking from `offset` confirms every update before it.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = self._updates[:limit]
                self._new_update.clear()
            left = deadline - time.monotonic()
            if ready or left <= 0:
                return 200, {"ok": True, "result": ready}
            try:
                await asyncio.wait_for(self._new_update.wait(), left)
            except asyncio.TimeoutError:
                pass

    async def _ok(self, record: Request) -> tuple[int, dict]:
        return 200, {"ok": True, "result": True}

    _m_answerCallbackQuery = _m_setMyCommands = _m_deleteMyCommands = _m_deleteWebhook = _ok
    _m_close = _m_logOut = _ok


def _public(message: dict[str, Any]) -> dict[str, Any]:
    """A kept message as Telegram would show it (without the HTML the fake keeps for tests)."""
    return {k: v for k, v in message.items() if k != "html"}


async def _params(request: web.Request) -> dict[str, Any]:
    """Parameters as the Bot API reads them: JSON-valued ones (reply_markup ...) decoded from forms."""
    params = await form_params(request)
    for key in _JSON_PARAMS & params.keys():
        if isinstance(params[key], str):
            try:
                params[key] = json.loads(params[key])
            except ValueError:
                pass
    return params


@contextmanager
def telegram_api(**kwargs: Any) -> Iterator[FakeTelegram]:
    """Run a fake Bot API server for the duration of the block."""
    server = FakeTelegram(**kwargs).start()
    try:
        yield server
    finally:
        server.stop()


def main() -> None:
    """Serve the fake on a fixed port until interrupted, for manual tries with a real bot client."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=TOKEN)
    parser.add_argument("--no-limits", action="store_true", help="do not enforce flood limits")
    args = parser.parse_args()
    with telegram_api(port=args.port, token=args.token, limits=not args.no_limits) as server:
        print(f"fake Telegram Bot API at {server.base_url}  (token {server.token})\n"
              f"  DONDOC_TELEGRAM_BASE_URL={server.base_url} DONDOC_TELEGRAM_TOKEN={server.token}",
              flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
