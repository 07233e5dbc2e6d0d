"""`dondoc web`: serve the web page; print a one-time login link; sign someone out everywhere."""

from __future__ import annotations

import asyncio
import logging
from typing import Optional

import typer
from sqlmodel import select

from engine.cli.app import JsonOpt, ctx_of, emit, out, web_app
from engine.core.models import Person
from engine.core.queries import find_person
from engine.core.workflow import Actor
from engine.infra import logs
from engine.infra.db import transaction
from engine.infra.errors import DondocError
from engine.infra.settings import listen_address


def web_address(c, host: str | None = None, port: int | None = None) -> tuple[str, int]:
    """Where to listen: --host/--port over web.listen."""
    default_host, default_port = listen_address(c.settings.web.listen)
    return host or default_host, port or default_port


def announce(c, host: str, port: int) -> None:
    base = c.settings.web.base_url
    local = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    typer.echo(f"Trang web dondoc (web page): {local}" + (f" — địa chỉ công khai (public): {base}"
                                                         if base.rstrip('/') != local else ""), err=True)


@web_app.callback(invoke_without_command=True)
def web(ctx: typer.Context,
        host: Optional[str] = typer.Option(None, "--host", help="Listen address (default: web.listen, 127.0.0.1)."),
        port: Optional[int] = typer.Option(None, "--port", min=1, max=65535,
                                           help="Port (default: web.listen, 8080).")) -> None:
    """Trang web (serve the web page; subcommands: login-link, logout-all)."""
    if ctx.invoked_subcommand is not None:
        return
    from engine.daemon import install_signal_handlers
    from engine.web.serve import serve_web

    c = ctx_of(ctx)
    logs.set_level(logging.INFO)
    host, port = web_address(c, host, port)
    c.engine   # the database is created and migrated before the first request
    announce(c, host, port)

    async def main() -> None:
        stop = asyncio.Event()
        install_signal_handlers(stop)
        await serve_web(c, host, port, stop)

    asyncio.run(main())


@web_app.command("login-link")
def login_link(ctx: typer.Context, person: str = typer.Argument(..., metavar="PERSON", help="Person id (org.yaml)."),
               as_json: bool = JsonOpt) -> None:
    """Liên kết đăng nhập một lần (a one-time login link, valid 15 minutes)."""
    from engine.web.signin import issue_login

    c = ctx_of(ctx)
    with transaction(c.engine) as session:
        link = issue_login(session, find_person(session, person), c.now())
    url = link.url(c.settings.web.base_url)
    expires = link.expires.astimezone(c.settings.tz)
    if as_json:
        emit({"person": link.person.code, "url": url, "expires": expires.isoformat()})
        return
    out.print(f"Liên kết đăng nhập cho {link.person.name} ({link.person.code}), dùng một lần, hết hạn lúc "
              f"{expires:%H:%M %d/%m/%Y} (one-time login link):", markup=False)
    out.print(url, markup=False, soft_wrap=True)


@web_app.command("logout-all")
def logout_all(ctx: typer.Context, person: str = typer.Argument(..., metavar="PERSON", help="Person id (org.yaml)."),
               as_json: bool = JsonOpt) -> None:
    """Đăng xuất mọi nơi (revoke every web session and unused login link of a person)."""
    from engine.web.signin import revoke_all

    c = ctx_of(ctx)
    with transaction(c.engine) as session:
        who = session.exec(select(Person).where(Person.code == person)).first()
        if who is None:
            raise DondocError(f"không có người {person!r} / no person {person!r} (xem / see config/org.yaml)")
        count = revoke_all(session, who, c.now(), Actor("cli"))
    if as_json:
        emit({"person": person, "sessions_revoked": count})
        return
    out.print(f"Đã đăng xuất {person} khỏi {count} phiên (revoked {count} web sessions)", markup=False)
