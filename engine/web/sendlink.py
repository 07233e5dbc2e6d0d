"""Sending a login link on the person's own linked channel (Telegram, Zalo, email).

`send_login_link` is the engine function the page's "send me a link" form calls; a chat command
or the CLI can call it the same way. The channel is the first of the person's `prefer:` order
(else Telegram, Zalo, email) that this instance has a notifier for and the person has a working
contact on; the console (the demo) stands in when nothing else is configured.
"""

from __future__ import annotations

import logging

from sqlmodel import Session, func, select

from engine.context import AppContext
from engine.core.models import Person
from engine.web.signin import LoginLink, issue_login
from notifiers.base import Message, NotifierError, Recipient
from notifiers.htmlsplit import escape
from notifiers.registry import build_notifiers

log = logging.getLogger("dondoc")
ORDER = ("telegram", "zalo", "email")


def find_contactable(session: Session, who: str) -> Person | None:
    """The active person whose id or email is `who` (case-insensitive), if any."""
    who = (who or "").strip().lower()
    if not who:
        return None
    query = select(Person).where(Person.active == True,  # noqa: E712
                                 (func.lower(Person.code) == who) | (func.lower(Person.email) == who))
    return session.exec(query).first()


def channels_for(person: Person, configured: set[str]) -> list[str]:
    """The channels a link to `person` may go out on, in order."""
    order = [c for c in (person.prefer or []) if c in ORDER] + [c for c in ORDER if c not in (person.prefer or [])]
    usable = [c for c in order if c in configured and getattr(person, c, None) and not getattr(person, f"{c}_broken")]
    if not usable and "console" in configured:
        usable = ["console"]
    return usable


def link_message(link: LoginLink, url: str, channel: str, markup: str) -> Message:
    person = link.person
    minutes = "15 phút"
    text = (f"Đồng chí {person.name}: liên kết đăng nhập dondoc (dùng một lần, hết hạn sau {minutes}):\n{url}\n"
            "Nếu đồng chí không yêu cầu, hãy bỏ qua tin này.")
    if markup == "html":
        html = (f"<p>Đồng chí {escape(person.name)},</p><p>Bấm vào liên kết sau để đăng nhập dondoc "
                f"(dùng một lần, hết hạn sau {minutes}):</p><p><a href=\"{escape(url)}\">{escape(url)}</a></p>"
                "<p>Nếu đồng chí không yêu cầu, hãy bỏ qua thư này.</p>")
    else:
        html = (f"🔑 Đồng chí {escape(person.name)}: <a href=\"{escape(url)}\">đăng nhập dondoc</a> "
                f"(dùng một lần, hết hạn sau {minutes}).\nNếu đồng chí không yêu cầu, hãy bỏ qua tin này.")
    recipient = Recipient(person.code, person.name, person.email, person.telegram, person.locale, person.zalo)
    return Message(key=f"login-{person.code}-{link.expires.timestamp():.0f}", notification_ids=(), channel=channel,
                   recipient=recipient, subject="Đăng nhập dondoc", text=text, html=html)


async def send_login_link(ctx: AppContext, session: Session, person: Person,
                          notifiers: dict | None = None) -> str | None:
    """Issue a login link and send it on the person's first working channel; the channel, or None."""
    own = notifiers is None
    notifiers = build_notifiers(ctx.settings) if own else notifiers
    try:
        for channel in channels_for(person, set(notifiers)):
            notifier = notifiers[channel]
            link = issue_login(session, person, ctx.now(), sent_on=channel)
            try:
                await notifier.send(link_message(link, link.url(ctx.settings.web.base_url), channel, notifier.markup))
            except NotifierError as exc:
                log.warning("login link to %s on %s failed: %s", person.code, channel, exc)
                continue
            return channel
        return None
    finally:
        if own:
            for notifier in {id(n): n for n in notifiers.values()}.values():
                await notifier.aclose()
