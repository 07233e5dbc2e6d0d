"""Zalo through the Zalo Bot Platform's HTTP API (httpx; no SDK: ../shared/docs/ZALO.md).

One request per message part, no retries inside (the dispatcher owns them). Every answer is
`{"ok": true, "result": ...}` or `{"ok": false, "error_code": N, "description": ...}`:

    NotifierError
     ├── permanent=True    403: the bot may not write to this chat (the person never wrote to it,
     │                     or it was long ago): contact broken, the next channel takes over;
     │                     400 (the request itself is wrong); a recipient without a Zalo chat id
     ├── permanent=False   408, 5xx, timeouts, connection errors, an unreadable answer
     ├── RetryLater        429: wait `parameters.retry_after`, or DEFAULT_RETRY_AFTER
     └── ChannelDown       401: the token is wrong or was reset; nobody's contact is at fault

The token is part of every URL (`.../bot<TOKEN>/sendMessage`), so no error text ever carries a
URL: they name the method instead (and httpx's own log lines are redacted by engine.infra.logs).

Zalo has no buttons: each row of Message.buttons becomes a line under the text (what to type
to answer, `with_answers`). A message over 2,000 characters goes out in numbered parts "(1/2)", split at entry boundaries
(blank lines). If part k fails, the parts before it are remembered for that message key and
chat, so a retry continues with part k instead of repeating what the officer already has.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import SecretStr

from notifiers.base import ChannelDown, Message, NotifierError, RetryLater
from notifiers.parts import PartProgress

DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com/bot"
MAX_TEXT = 2000
DEFAULT_RETRY_AFTER = 30.0      # a 429 without retry_after (the platform does not document one)
CHANNEL_DOWN_PAUSE = 300.0      # after a 401: try the channel again in five minutes
_NUMBER_ROOM = 12               # "(12/34)\n" and a margin


class ZaloNotifier:
    """Sends Messages as plain text to Zalo Bot chats, splitting long ones."""

    channel = "zalo"
    markup = "text"        # plain text only

    def __init__(self, token: str | SecretStr, base_url: str | None = None, *, timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None):
        secret = token.get_secret_value() if isinstance(token, SecretStr) else token
        self._root = (base_url or DEFAULT_BASE_URL).rstrip("/") + secret + "/"
        self._host = httpx.URL(base_url or DEFAULT_BASE_URL).host
        self._client = httpx.AsyncClient(timeout=timeout, transport=transport)
        self._parts = PartProgress()

    @classmethod
    def from_settings(cls, settings: Any) -> ZaloNotifier:
        """A ZaloNotifier from zalo_token and zalo_base_url."""
        if settings.zalo_token is None:
            raise ValueError("DONDOC_ZALO_TOKEN is not set")
        return cls(settings.zalo_token, settings.zalo_base_url)

    def __repr__(self) -> str:
        return f"ZaloNotifier({self._host})"

    async def call(self, method: str, **params: Any) -> Any:
        """One Bot API call; its `result`, or the NotifierError its failure means."""
        try:
            answer = await self._client.post(self._root + method, json=params)
        except httpx.TimeoutException:
            raise NotifierError(f"Zalo {method}: hết thời gian chờ / timed out (the message may have "
                                f"arrived, a duplicate is possible)") from None
        except httpx.HTTPError as exc:
            raise NotifierError(f"Zalo {method}: lỗi kết nối / connection error "
                                f"({type(exc).__name__})") from None
        try:
            body = answer.json()
        except ValueError:
            body = {}
        if answer.status_code == 200 and isinstance(body, dict) and body.get("ok"):
            return body.get("result")
        code = body.get("error_code") if isinstance(body, dict) else None
        raise classify(method, int(code or answer.status_code), body if isinstance(body, dict) else {})

    async def send(self, message: Message) -> str:
        """Send the message's plain text (in numbered parts if long); return the last message id."""
        chat = message.recipient.zalo
        if not chat:
            raise NotifierError(f"{message.recipient.name} ({message.recipient.code}) has no Zalo chat id",
                                permanent=True)
        parts = split_text(with_answers(message))
        key = (message.key, chat)
        done, last_id = self._parts.resume(key)
        for index in range(done, len(parts)):
            try:
                result = await self.call("sendMessage", chat_id=chat, text=parts[index])
            except NotifierError as error:
                error = self._parts.failed(key, index, len(parts), last_id, error)
                raise error from None
            last_id = str((result or {}).get("message_id", "")) if isinstance(result, dict) else ""
        self._parts.finished(key)
        return last_id

    async def check(self) -> str:
        """getMe: prove the token works; return the bot's name."""
        me = await self.call("getMe")
        return str((me or {}).get("account_name") or (me or {}).get("id") or "?")

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._client.aclose()


def with_answers(message: Message) -> str:
    """The text, then the typed answers it offers: on Zalo each row of `buttons` is one line of
    text (its label), since Zalo has no buttons (engine/chat/zalo/outbox.py makes them)."""
    lines = [str(row[0][0]) for row in message.buttons if row]
    return "\n\n".join([message.text.rstrip(), "\n".join(lines)]) if lines else message.text


def classify(method: str, code: int, body: dict[str, Any]) -> NotifierError:
    """The NotifierError dispatch needs for a failed answer (see the module docstring)."""
    said = str(body.get("description") or "").strip() or f"HTTP {code}"
    where = f"Zalo {method}"
    if code == 401:
        return ChannelDown(f"{where}: Zalo từ chối mã bot / rejected the bot token ({said}); "
                           f"kiểm tra / check DONDOC_ZALO_TOKEN", CHANNEL_DOWN_PAUSE)
    if code == 429:
        raw = (body.get("parameters") or {}).get("retry_after")
        try:
            seconds = float(raw) if raw is not None else DEFAULT_RETRY_AFTER
        except (TypeError, ValueError):
            seconds = DEFAULT_RETRY_AFTER
        return RetryLater(f"{where}: quá nhiều yêu cầu / too many requests: retry after {seconds:g} s",
                          max(seconds, 1.0))
    if code == 403:
        return NotifierError(f"{where}: bot không được nhắn cho người này, họ cần nhắn cho bot trước / "
                             f"the bot may not write to this chat, the person must write to it first ({said})",
                             permanent=True)
    if code in (400, 404):
        return NotifierError(f"{where}: yêu cầu bị từ chối / refused ({said})", permanent=True)
    return NotifierError(f"{where}: lỗi tạm thời / temporary failure ({said})", permanent=False)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` in parts of at most `limit` characters, cut at blank lines (entries), then lines,
    then anywhere; several parts are numbered "(1/2)", "(2/2)"."""
    text = text.strip() or "-"
    if len(text) <= limit:
        return [text]
    room = limit - _NUMBER_ROOM
    parts: list[str] = []
    for block in _pieces(text, room):
        if parts and len(parts[-1]) + 2 + len(block) <= room:
            parts[-1] += "\n\n" + block
        else:
            parts.append(block)
    return [f"({i}/{len(parts)})\n{part}" for i, part in enumerate(parts, 1)]


def _pieces(text: str, room: int) -> list[str]:
    """Entries (blank-line separated) no longer than `room`; a longer one cut at lines, then hard."""
    out: list[str] = []
    for entry in (e.strip("\n") for e in text.split("\n\n")):
        if not entry.strip():
            continue
        if len(entry) <= room:
            out.append(entry)
            continue
        chunk = ""
        for line in entry.split("\n"):
            while len(line) > room:
                if chunk:
                    out.append(chunk)
                    chunk = ""
                out.append(line[:room])
                line = line[room:]
            if chunk and len(chunk) + 1 + len(line) > room:
                out.append(chunk)
                chunk = line
            else:
                chunk = f"{chunk}\n{line}" if chunk else line
        if chunk:
            out.append(chunk)
    return out
