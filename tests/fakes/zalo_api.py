"""A local Zalo Bot API server (aiohttp), reached through DONDOC_ZALO_BASE_URL like the real
`https://bot-api.zaloplatforms.com/bot<TOKEN>/<method>` (facts: ../shared/docs/ZALO.md).

It runs in a background thread with its own event loop, so sync and async tests can use it:

    with zalo_api() as zl:
        ...  # DONDOC_ZALO_TOKEN=zl.token, DONDOC_ZALO_BASE_URL=zl.base_url
        zl.known_chats.add("c0ffee01")     # or zl.user_says("c0ffee01", "xin chào")
        zl.sent()                          # sendMessage requests answered 200
        zl.to("c0ffee01")                  # the texts the bot sent to that chat, oldest first
        zl.requests                        # every request: method, params, at (clock), token, status

The API as the fake speaks it (GET or POST; parameters as query string, form or JSON):

- every answer is `{"ok": true, "result": ...}` or `{"ok": false, "error_code": N, "description": ...}`
  (a 429 from the rate limits also carries `"parameters": {"retry_after": seconds}`; the real
  platform does not document that field, so clients must cope without it: `script` can leave it out);
- a wrong token: 401 for every method; an unknown method: 404;
- `getMe` -> `{"id", "account_name", "account_type", "can_join_groups"}`;
- `sendMessage {chat_id, text}`: text 1-2000 characters else 400; a chat id not in `known_chats`
  (a person who never wrote to the bot) 403; -> `{"message_id", "date"}` (ms);
- `getUpdates {timeout}`: ONE update object per answer, no offset (an update handed out is gone);
  waits at most `min(timeout, long_poll_cap)` seconds (`long_poll_cap` is small, so tests never wait
  long), then 408 "nothing new"; 409 while a webhook is set;
- `setWebhook {url, secret_token}`: url https:// (http:// only to 127.0.0.1/localhost, for tests),
  secret 8-256 characters, else 400; `deleteWebhook`; `getWebhookInfo` -> `{"url", "updated_at"}`;
- rate limits, off unless given: `per_second` sendMessage answers a second overall, and
  `per_chat_interval` seconds between two messages to one chat; past them 429. `early` lists the
  sends that came before a 429's retry_after had passed. Measured on `clock` (time.monotonic, or
  the virtual seconds of tests/support/clock.py the engine's pacer waits on);
- `script(method, code, description, ...)` queues a one-off answer for the next call of `method`.

What a person does: `user_says(chat_id, text)` makes the chat known and produces the update a
text message causes (`{"message": {"from", "chat", "text", "message_id", "date"},
"event_name": "message.text.received"}`; `event=` for image/sticker/unsupported). Without a
webhook it is queued for getUpdates; with one it is POSTed to the webhook URL with the header
`X-Bot-Api-Secret-Token` (on the fake's loop, so a receiver on the test's own loop is not
blocked; `wait=True` blocks until the POST is answered, for a receiver in another thread).
`webhook_posts` records (update, HTTP status or error text) of every POST. `push_update(update)`
hands out an update as it is, e.g. a second time (Zalo may deliver duplicates).

Run alone for manual tries: python -m tests.fakes.zalo_api --port 8082
"""

from __future__ import annotations

import argparse
import asyncio
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from tests.fakes.botserver import BotServer, Request, failure, form_params

TOKEN = "3141592653:zalo-TEST_token-for-dondoc"
MAX_TEXT = 2000
SECRET_HEADER = "X-Bot-Api-Secret-Token"
_LOCAL = {"127.0.0.1", "localhost", "::1"}




class FakeZalo(BotServer):
    thread_name = "fake-zalo"

    """The fake Zalo Bot API server; see the module docstring."""

    def __init__(self, token: str = TOKEN, account_name: str = "Bot Đôn đốc Hòa Phong", *,
                 host: str = "127.0.0.1", port: int = 0, per_second: int | None = None,
                 per_chat_interval: float | None = None, long_poll_cap: float = 0.05,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.token, self.account_name = token, account_name
        self.bot_id = token.split(":")[0]
        self.host, self.port = host, port
        self.per_second, self.per_chat_interval = per_second, per_chat_interval
        self.long_poll_cap = long_poll_cap
        self.clock = clock
        self.known_chats: set[str] = set()
        self.requests: list[Request] = []
        self.early: list[Request] = []
        self.messages: list[dict[str, Any]] = []     # what the bot sent: chat_id, text, message_id, date
        self.webhook: dict[str, Any] | None = None   # {"url", "secret_token", "updated_at"}
        self.webhook_posts: list[tuple[dict[str, Any], int | str]] = []
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[tuple[int, dict, float]]] = {}
        self._updates: deque[dict[str, Any]] = deque()
        self._next_id = 1
        self._sent_times: deque[float] = deque()
        self._chat_last: dict[str, float] = {}
        self._blocked_until: dict[str, float] = {}   # "all" or a chat id -> clock time
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._new_update: asyncio.Event | None = None

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

    def to(self, chat_id: str) -> list[str]:
        """The texts the bot sent to `chat_id`, oldest first."""
        with self._lock:
            return [m["text"] for m in self.messages if m["chat_id"] == str(chat_id)]

    def script(self, method: str, code: int = 200, description: str = "", *, result: Any = True,
               parameters: dict[str, Any] | None = None, delay: float = 0.0) -> None:
        """Answer the next `method` request this way (after `delay` seconds)."""
        answer = (200, {"ok": True, "result": result}) if code == 200 else failure(code, description, parameters)
        with self._lock:
            self._scripts.setdefault(method, deque()).append((*answer, delay))

    def user_says(self, chat_id: str, text: str = "", *, display_name: str = "Cán bộ",
                  user_id: str | None = None, event: str = "message.text.received",
                  group: bool = False, wait: bool = False) -> dict[str, Any]:
        """A person writes to the bot: the chat becomes known, the update goes out; returns it."""
        chat_id = str(chat_id)
        with self._lock:
            self.known_chats.add(chat_id)
        message: dict[str, Any] = {
            "from": {"id": user_id or chat_id, "display_name": display_name, "is_bot": False},
            "chat": {"id": chat_id, "chat_type": "GROUP" if group else "PRIVATE"},
            "message_id": self._take_id(), "date": int(time.time() * 1000)}
        if event == "message.text.received":
            message["text"] = text
        update = {"message": message, "event_name": event}
        self.push_update(update, wait=wait)
        return update

    def push_update(self, update: dict[str, Any], *, wait: bool = False) -> None:
        """Hand out `update` as it is: to the webhook if one is set, else to getUpdates."""
        if self.webhook is not None:
            future: Future = asyncio.run_coroutine_threadsafe(self._post(update, dict(self.webhook)), self._loop)
            if wait:
                future.result(10)
            return
        with self._lock:
            self._updates.append(update)
        if self._loop is not None and self._new_update is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)

    async def _post(self, update: dict[str, Any], hook: dict[str, Any]) -> None:
        try:
            async with aiohttp.ClientSession() as session:
                async with session.post(hook["url"], json=update,
                                        headers={SECRET_HEADER: hook["secret_token"]}) as answer:
                    outcome: int | str = answer.status
        except aiohttp.ClientError as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        with self._lock:
            self.webhook_posts.append((update, outcome))

    def _take_id(self) -> str:
        with self._lock:
            n = self._next_id
            self._next_id += 1
        return f"{n:016x}"   # Zalo ids are hex-like strings

    # -- the API -------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        record = Request(method, await form_params(request), self.clock(), token)
        with self._lock:
            self.requests.append(record)
            scripted = self._scripts.get(method)
            step = scripted.popleft() if scripted else None
        if step is not None:
            status, body, delay = step
            await asyncio.sleep(delay)
        elif token != self.token:
            status, body = failure(401, "Unauthorized")
        elif (handler := getattr(self, "_m_" + method, None)) is None:
            status, body = failure(404, "Not Found")
        else:
            status, body = await handler(record)
        record.status = status
        return web.json_response(body, status=status)

    async def _m_getMe(self, record: Request) -> tuple[int, dict]:
        return _ok({"id": self.bot_id, "account_name": self.account_name, "account_type": "BASIC",
                    "can_join_groups": False})

    async def _m_sendMessage(self, record: Request) -> tuple[int, dict]:
        chat_id = str(record.params.get("chat_id") or "")
        text = str(record.params.get("text") or "")
        if not chat_id:
            return failure(400, "Bad Request: chat_id is required")
        if not 1 <= len(text) <= MAX_TEXT:
            return failure(400, f"Bad Request: text must be 1-{MAX_TEXT} characters (got {len(text)})")
        if chat_id not in self.known_chats:
            return failure(403, "Forbidden: the user has not interacted with the bot")
        limited = self._rate(record, chat_id)
        if limited:
            return limited
        message = {"chat_id": chat_id, "text": text, "message_id": self._take_id(),
                   "date": int(time.time() * 1000)}
        with self._lock:
            self.messages.append(message)
        return _ok({"message_id": message["message_id"], "date": message["date"]})

    def _rate(self, record: Request, chat_id: str) -> tuple[int, dict] | None:
        """429 when this message would pass a configured limit; otherwise count it as sent."""
        now = record.at
        with self._lock:
            if any(now < self._blocked_until.get(k, float("-inf")) for k in ("all", chat_id)):
                self.early.append(record)
            while self._sent_times and now - self._sent_times[0] >= 1.0:
                self._sent_times.popleft()
            waits = []
            if self.per_second is not None and len(self._sent_times) >= self.per_second:
                waits.append(("all", self._sent_times[0] + 1.0 - now))
            last = self._chat_last.get(chat_id)
            if self.per_chat_interval is not None and last is not None and now - last < self.per_chat_interval:
                waits.append((chat_id, last + self.per_chat_interval - now))
            if waits:
                key, wait = max(waits, key=lambda w: w[1])
                seconds = max(1, math.ceil(wait))
                self._blocked_until[key] = max(self._blocked_until.get(key, float("-inf")), now + seconds)
                return failure(429, "Too Many Requests", {"retry_after": seconds})
            self._sent_times.append(now)
            self._chat_last[chat_id] = now
        return None

    async def _m_getUpdates(self, record: Request) -> tuple[int, dict]:
        if self.webhook is not None:
            return failure(409, "Conflict: getUpdates is not available while a webhook is set")
        try:
            timeout = float(record.params.get("timeout", 30) or 0)
        except ValueError:
            return failure(400, "Bad Request: timeout must be a number")
        deadline = time.monotonic() + min(max(timeout, 0.0), self.long_poll_cap)
        while True:
            with self._lock:
                update = self._updates.popleft() if self._updates else None
                self._new_update.clear()
            left = deadline - time.monotonic()
            if update is not None:
                return _ok(update)
            if left <= 0:
                return failure(408, "Request timeout")
            try:
                await asyncio.wait_for(self._new_update.wait(), left)
            except asyncio.TimeoutError:
                pass

    async def _m_setWebhook(self, record: Request) -> tuple[int, dict]:
        url = str(record.params.get("url") or "")
        secret = str(record.params.get("secret_token") or "")
        parts = urlsplit(url)
        if not (parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOCAL)) \
                or not parts.hostname:
            return failure(400, "Bad Request: url must be an HTTPS URL")
        if not 8 <= len(secret) <= 256:
            return failure(400, "Bad Request: secret_token must be 8-256 characters")
        self.webhook = {"url": url, "secret_token": secret, "updated_at": int(time.time() * 1000)}
        return _ok({"url": url, "updated_at": self.webhook["updated_at"]})

    async def _m_deleteWebhook(self, record: Request) -> tuple[int, dict]:
        old, self.webhook = self.webhook, None
        return _ok({"url": old["url"] if old else "", "updated_at": int(time.time() * 1000)})

    async def _m_getWebhookInfo(self, record: Request) -> tuple[int, dict]:
        hook = self.webhook or {"url": "", "updated_at": 0}
        return _ok({"url": hook["url"], "updated_at": hook["updated_at"]})


def _ok(result: Any) -> tuple[int, dict]:
    return 200, {"ok": True, "result": result}


@contextmanager
def zalo_api(**kwargs: Any) -> Iterator[FakeZalo]:
    """Run a fake Zalo Bot API server for the duration of the block."""
    server = FakeZalo(**kwargs).start()
    try:
        yield server
    finally:
        server.stop()


def main() -> None:
    """Serve the fake on a fixed port until interrupted, for manual tries."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--token", default=TOKEN)
    args = parser.parse_args()
    with zalo_api(port=args.port, token=args.token, long_poll_cap=30.0) as server:
        print(f"fake Zalo Bot API at {server.base_url}\n"
              f"  DONDOC_ZALO_BASE_URL={server.base_url} DONDOC_ZALO_TOKEN={server.token}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
