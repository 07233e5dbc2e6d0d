"""People and their chat apps: invite codes that link a Telegram or Zalo chat through the bot."""

from __future__ import annotations

import typer

from engine.cli.app import JsonOpt, app, ctx_of, emit, out
from engine.infra.db import transaction
from engine.core.queries import find_person
from engine.infra.errors import DondocError

CHAT_APPS = ("telegram", "zalo")

people_app = typer.Typer(help="Cán bộ (people): link their Telegram or Zalo through the bot.", no_args_is_help=True)
app.add_typer(people_app, name="people")


@people_app.command("invite")
def invite(ctx: typer.Context, person: str = typer.Argument(..., metavar="PERSON", help="Person id from org.yaml."),
           channel: str = typer.Option("telegram", "--channel", help="telegram | zalo"),
           as_json: bool = JsonOpt) -> None:
    """Mã liên kết Telegram hoặc Zalo (a one-time link code, valid 7 days, for PERSON to link their chat)."""
    from engine.chat.linking import create_invite

    if channel not in CHAT_APPS:
        raise DondocError(f"--channel: không có kênh chat {channel!r} / unknown chat app {channel!r} "
                          f"(telegram, zalo)")
    c = ctx_of(ctx)
    with transaction(c.engine) as session:
        invite = create_invite(session, find_person(session, person), c.now(), c.settings.telegram_bot_username,
                               channel=channel)
    expires = invite.expires_at.astimezone(c.settings.tz)
    if channel == "zalo":
        _zalo_invite(invite, expires, as_json)
    elif as_json:
        emit({"person": invite.person.code, "code": invite.code, "link": invite.link,
              "expires": expires.isoformat()})
    else:
        _telegram_invite(invite, expires)


def _zalo_invite(invite, expires, as_json: bool) -> None:
    steps = (f"Mở Zalo, tìm bot dondoc của xã, nhắn cho bot mã {invite.code} (dùng một lần, hết hạn "
             f"{expires:%H:%M %d/%m/%Y}). / Open Zalo, find the commune's dondoc bot and send it this code.")
    if as_json:
        emit({"person": invite.person.code, "code": invite.code, "expires": expires.isoformat(),
              "instructions": steps})
        return
    out.print(f"Mã liên kết Zalo cho {invite.person.name} ({invite.person.code}): {invite.code}", markup=False)
    out.print(f"  {steps}", markup=False, soft_wrap=True)


def _telegram_invite(invite, expires) -> None:
    out.print(f"Mã liên kết Telegram cho {invite.person.name} ({invite.person.code}), "
              f"dùng một lần, hết hạn {expires:%H:%M %d/%m/%Y}:", markup=False)
    out.print(f"  {invite.link}", markup=False, soft_wrap=True)
    out.print(f"  Mã (code): {invite.code}  – hoặc gõ /start {invite.code} trong cuộc trò chuyện với bot",
              markup=False, soft_wrap=True)
    if invite.placeholder:
        out.print("  Chưa đặt telegram_bot_username (DONDOC_TELEGRAM_BOT_USERNAME): đường dẫn dùng tên tạm "
                  "\"dondoc_bot\"; thay bằng tên bot thật. (Bot username not set: the link uses a placeholder.)",
                  markup=False)
