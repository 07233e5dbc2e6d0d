"""Button data: short, signed, naming what it acts on.

    "<action>.<id>.<signature>"     e.g. "d.1234.Qm9yZ2VzLWRvbmRvYw"  (well under Telegram's 64 bytes)

`id` is a notification id for the buttons dispatch puts on messages (s start, d done, x ask for
an extension, k acknowledge, i details) and an extension-request id for the approver's buttons
(y approve, n refuse). The signature is HMAC-SHA256 over "<action>.<id>", truncated to 96 bits
and base64url-encoded: anyone can send a bot any callback data, so only data dondoc made is
acted on. The key is the `callback_secret` setting, or, when it is not set, one derived from the
bot token, so buttons work out of the box; changing either makes older buttons answer "no
longer valid".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

ACTIONS = {
    "s": "start", "d": "done", "x": "extend", "k": "ack", "i": "details",   # on notifications
    "y": "approve", "n": "refuse",                                          # on extension requests
}
_SIG_BYTES = 12
MAX_BYTES = 64


class BadCallback(ValueError):
    """Callback data dondoc did not make (forged, mangled, or signed with an older key)."""


@dataclass(frozen=True)
class Callback:
    action: str      # a value of ACTIONS
    target: int      # notification id, or extension-request id for approve / refuse


class Signer:
    """Signs and verifies button data with one key."""

    def __init__(self, key: bytes):
        if not key:
            raise ValueError("the callback key is empty")
        self._key = key

    @classmethod
    def from_settings(cls, settings) -> "Signer | None":
        """The `callback_secret` key, or one derived from the bot token; None without a token."""
        if settings.callback_secret is not None:
            return cls(settings.callback_secret.get_secret_value().encode())
        if settings.telegram_token is None:
            return None
        token = settings.telegram_token.get_secret_value().encode()
        # A derived key, not the token itself: the token never leaves the process in any form.
        return cls(hmac.new(b"dondoc callback key v1", token, hashlib.sha256).digest())

    def _sign(self, body: str) -> str:
        digest = hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:_SIG_BYTES]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def encode(self, action: str, target: int) -> str:
        """Callback data for `action` (a key or value of ACTIONS) on `target`."""
        code = action if action in ACTIONS else next((k for k, v in ACTIONS.items() if v == action), None)
        if code is None:
            raise ValueError(f"unknown button action {action!r}")
        body = f"{code}.{int(target)}"
        data = f"{body}.{self._sign(body)}"
        assert len(data.encode()) <= MAX_BYTES
        return data

    def decode(self, data: str | None) -> Callback:
        """The action and target of signed data; BadCallback if it was not made with this key."""
        parts = (data or "").split(".")
        if len(parts) != 3 or parts[0] not in ACTIONS or not parts[1].isdigit():
            raise BadCallback(f"malformed callback data {data!r}")
        body = f"{parts[0]}.{parts[1]}"
        if not hmac.compare_digest(parts[2], self._sign(body)):
            raise BadCallback(f"bad signature on callback data {data!r}")
        return Callback(ACTIONS[parts[0]], int(parts[1]))
