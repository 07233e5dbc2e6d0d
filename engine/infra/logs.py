"""Logging for every dondoc process, with secrets redacted at the boundary.

Libraries log what they see: httpx logs each request URL, and a Telegram Bot API URL carries the
bot token (`.../bot<TOKEN>/getUpdates`), and so does a Zalo Bot API URL. So redaction happens where records leave the process, on
the handler, for every record of every logger: message, arguments, exception and stack text.
The secrets are the configured values (settings.SECRETS), registered when settings are read;
error messages and `--json` output go through the same `redact`.

Routine chatter is kept out of an INFO log: httpx's request lines and APScheduler's "Running
job"/"executed successfully" lines show only with --debug.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, Iterable
from urllib.parse import quote

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "***"
# Loggers that speak at INFO about routine work: quiet unless debugging.
CHATTY = ("httpx", "httpcore", "apscheduler", "telegram", "aiosmtplib")


class Redactor:
    """Replaces every registered secret, and the forms it takes in URLs and JSON, with ***."""

    def __init__(self, secrets: Iterable[str] = ()):
        self._forms: list[str] = []
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        forms = set(self._forms)
        for secret in secrets:
            if secret:
                forms |= {secret, quote(secret, safe=""), quote(secret), json.dumps(secret)[1:-1],
                          json.dumps(secret, ensure_ascii=False)[1:-1]}
        # Longest first, so a secret that contains another is masked whole.
        self._forms = sorted(forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text


# The secrets this process knows; engine.infra.settings registers them as it reads them.
REDACTOR = Redactor()


def redact(text: str) -> str:
    """`text` with every known secret masked."""
    return REDACTOR(text)


def redact_data(data: Any) -> Any:
    """A JSON-shaped value with every string in it (keys too) redacted."""
    if isinstance(data, str):
        return REDACTOR(data)
    if isinstance(data, dict):
        return {redact_data(k): redact_data(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [redact_data(v) for v in data]
    return data


class RedactFilter(logging.Filter):
    """Rewrites a record so no handler after it can see a secret (the record is shared)."""

    def __init__(self, redactor: Redactor = REDACTOR):
        super().__init__()
        self.redactor = redactor
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:   # a bad format string must not turn a log call into a crash
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = self.redactor(message), ()
        if record.exc_info:
            # Formatters print exc_text when it is set; the raw exception is dropped so none
            # renders it again unredacted.
            record.exc_text = self._formatter.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redactor(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor(record.stack_info)
        return True


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time of each record (tests swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:   # StreamHandler.__init__ assigns it; stderr is looked up
        pass


class QuietLibraries(logging.Filter):
    """Drops the routine records of chatty libraries (below WARNING) unless debugging.

    A filter on our handler rather than levels on their loggers: nothing global changes, so
    whoever else listens (a test's log capture) still hears them.
    """

    def __init__(self, debug: bool):
        super().__init__()
        self.debug = debug

    def filter(self, record: logging.LogRecord) -> bool:
        if self.debug or record.levelno >= logging.WARNING:
            return True
        return not any(record.name == name or record.name.startswith(name + ".") for name in CHATTY)


_previous_level: int | None = None


def configure(level: int = logging.WARNING, debug: bool = False) -> None:
    """One redacting handler on the root logger (replacing any earlier one of ours)."""
    global _previous_level
    root = logging.getLogger()
    if _previous_level is None:
        _previous_level = root.level
    _remove_handlers(root)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(QuietLibraries(debug))
    handler.addFilter(RedactFilter())   # last: whatever is written is masked
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else level)


def set_level(level: int) -> None:
    """Raise or lower what is logged (unless debugging, which logs everything)."""
    root = logging.getLogger()
    if root.level != logging.DEBUG:
        root.setLevel(level)


def reset() -> None:
    """Remove our handler and restore the root level: the command is over."""
    global _previous_level
    root = logging.getLogger()
    _remove_handlers(root)
    if _previous_level is not None:
        root.setLevel(_previous_level)
        _previous_level = None


def _remove_handlers(root: logging.Logger) -> None:
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)
