"""Which notifier serves each channel, from the settings: console stands in for what is not set up."""

from __future__ import annotations

from typing import TextIO

from engine.infra.settings import Settings
from notifiers.base import Notifier


def build_notifiers(settings: Settings, console_stream: TextIO | None = None) -> dict[str, Notifier]:
    """email and telegram when configured, console always (and for whatever is not configured)."""
    from notifiers.console import ConsoleNotifier

    console = ConsoleNotifier(console_stream)
    out: dict[str, Notifier] = {"console": console, "email": console, "telegram": console}
    if settings.smtp_host:
        from notifiers.email import EmailNotifier
        out["email"] = EmailNotifier.from_settings(settings)
    if settings.telegram_token:
        from notifiers.telegram import TelegramNotifier
        out["telegram"] = TelegramNotifier.from_settings(settings)
    return out


def describe(notifiers: dict[str, Notifier]) -> dict[str, str]:
    """channel -> the notifier class serving it (for logs and `dondoc check`)."""
    return {channel: type(n).__name__ for channel, n in notifiers.items()}
