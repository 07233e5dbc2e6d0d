"""Which notifier serves each channel, from the settings: only the channels that are set up.

A channel without settings has no notifier at all, so nothing can be recorded as sent on it
(its notifications become `not_configured`). The console is a channel of its own, used only
when `console: true` is set (the demo): it then prints what the unconfigured channels would
have carried, recorded as sent on `console`, never as email or Telegram.
"""

from __future__ import annotations

from typing import TextIO

from engine.infra.settings import Settings
from engine.core.vocabulary import CHAT, CHAT_APPS
from notifiers.base import Notifier

CHANNELS = ("email", "telegram", "zalo", "console")
SETTINGS_HINT = {"email": "DONDOC_SMTP_HOST (và DONDOC_SMTP_*)", "telegram": "DONDOC_TELEGRAM_TOKEN",
                 "zalo": "DONDOC_ZALO_TOKEN (hoặc / or DONDOC_ZALO_TOKEN_FILE)",
                 "console": "console: true trong config/dondoc.yaml (chỉ để chạy thử / demo only)"}


def build_notifiers(settings: Settings, console_stream: TextIO | None = None) -> dict[str, Notifier]:
    """channel -> notifier, for the channels this instance is configured for."""
    out: dict[str, Notifier] = {}
    if settings.smtp_host:
        from notifiers.email import EmailNotifier
        out["email"] = EmailNotifier.from_settings(settings)
    if settings.telegram_token:
        from notifiers.telegram import TelegramNotifier
        out["telegram"] = TelegramNotifier.from_settings(settings)
    if settings.zalo_token:
        from notifiers.zalo import ZaloNotifier
        out["zalo"] = ZaloNotifier.from_settings(settings)
    if settings.console:
        from notifiers.console import ConsoleNotifier
        out["console"] = ConsoleNotifier(console_stream)
    return out


def used(wanted: set[str], notifiers: dict[str, Notifier]) -> set[str]:
    """The channels `wanted` (rule channel names) sends on here: `chat` is each configured chat
    app, or every chat app when none is (so that the missing ones are named)."""
    apps = [c.value for c in CHAT_APPS]
    chats = {c for c in apps if c in notifiers} or set(apps)
    return (set(wanted) - {CHAT}) | (chats if CHAT in wanted else set())


def missing(notifiers: dict[str, Notifier], wanted: set[str]) -> list[str]:
    """The channels in `wanted` (those the active rules use) that have no notifier here."""
    wanted = used(wanted, notifiers)
    return [c for c in CHANNELS if c in wanted and c not in notifiers]


def describe(notifiers: dict[str, Notifier]) -> dict[str, str]:
    """channel -> the notifier class serving it (for logs and `dondoc check`)."""
    return {channel: type(n).__name__ for channel, n in notifiers.items()}
