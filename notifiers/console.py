"""The console channel: prints each message, clearly framed, where the engine's output goes.

It is the default when no SMTP or Telegram settings exist, so `make run` shows what would be
sent. It never fails for the recipient's sake: printing is the whole delivery.
"""

from __future__ import annotations

import sys
from typing import TextIO

from notifiers.base import Message

_RULE = "────"


class ConsoleNotifier:
    """Prints messages to a stream (stdout unless given), one framed block each."""

    channel = "console"
    markup = "text"

    def __init__(self, stream: TextIO | None = None):
        # Resolved at send time when not given, so redirected or captured stdout is honoured.
        self._stream = stream

    async def send(self, message: Message) -> str:
        """Print the message: a header naming the recipient and channel, subject, text, buttons."""
        stream = self._stream or sys.stdout
        lines = [f"{_RULE} dondoc → {message.recipient.name} ({message.channel}) {_RULE}",
                 message.subject,
                 "",
                 message.text.rstrip()]
        if message.buttons:
            # One line per keyboard row, as Telegram lays them out.
            lines += ["", *("  ".join(f"[{label}]" for label, _ in row) for row in message.buttons)]
        lines.append(f"{_RULE} {message.key} {_RULE}")
        block = "\n".join(lines) + "\n\n"
        try:
            stream.write(block)
        except UnicodeEncodeError:
            # A terminal that cannot show Vietnamese still gets a readable, lossless block.
            stream.write(block.encode("ascii", "backslashreplace").decode("ascii"))
        stream.flush()
        return f"console:{message.key}"

    async def check(self) -> str:
        """Nothing to reach: always ready."""
        return "console"

    async def aclose(self) -> None:
        """Nothing to release."""
