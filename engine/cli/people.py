"""People and their Telegram: invite codes that link a chat through the bot."""

from __future__ import annotations

import typer

from engine.cli.app import JsonOpt, app, ctx_of, emit, out
from engine.infra.db import transaction
from engine.core.queries import find_person

people_app = typer.Typer(help="Cán bộ (people): link their Telegram through the bot.", no_args_is_help=True)
app.add_typer(people_app, name="people")


@people_app.command("invite")
def invite(ctx: typer.Context, person: str = typer.Argument(..., metavar="PERSON", help="Person id from org.yaml."),
           as_json: bool = JsonOpt) -> None:
    """Mã liên kết Telegram (a one-time link code, valid 7 days, for PERSON to link their chat)."""
    from engine.chat.linking import create_invite

    c = ctx_of(ctx)
    tz = c.settings.tz
    with transaction(c.engine) as session:
        invite = create_invite(session, find_person(session, person), c.now(), c.settings.telegram_bot_username)
    expires = invite.expires_at.astimezone(tz)
    if as_json:
        emit({"person": invite.person.code, "code": invite.code, "link": invite.link,
              "expires": expires.isoformat()})
        return
    out.print(f"Mã liên kết Telegram cho {invite.person.name} ({invite.person.code}), "
              f"dùng một lần, hết hạn {expires:%H:%M %d/%m/%Y}:", markup=False)
    out.print(f"  {invite.link}", markup=False, soft_wrap=True)
    out.print(f"  Mã (code): {invite.code}  – hoặc gõ /start {invite.code} trong cuộc trò chuyện với bot",
              markup=False, soft_wrap=True)
    if invite.placeholder:
        out.print("  Chưa đặt telegram_bot_username (DONDOC_TELEGRAM_BOT_USERNAME): đường dẫn dùng tên tạm "
                  "\"dondoc_bot\"; thay bằng tên bot thật. (Bot username not set: the link uses a placeholder.)",
                  markup=False)
