"""Signing in by a one-time link, and out.

    GET  /login            how to get a link; a form asking for one on one's own channel
    POST /login            send a link to the person named (same answer whoever is named)
    GET  /login/{token}    a confirm button; consumes nothing (mail scanners open links)
    POST /login/{token}    sign in: the token is used up, the session cookie set
    POST /logout           sign this browser out
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from engine.web.answers import safe_next
from engine.web.auth import MaybePersonDep, sign_in, sign_out
from engine.web.deps import CtxDep, SessionDep
from engine.web.sendlink import find_contactable, send_login_link
from engine.web.signin import LoginError, check_login, end_session, redeem_login
from engine.web.templating import templates

router = APIRouter()


@router.get("/login")
def login_page(request: Request, person: MaybePersonDep, next: str | None = None) -> Response:
    return templates.TemplateResponse(request, "login.html", {"next": safe_next(next), "sent": False,
                                                              "signed_in": person})


@router.post("/login")
async def ask_link(request: Request, ctx: CtxDep, session: SessionDep, who: str = Form("")) -> Response:
    """Send a login link on the named person's own channel; the answer never says whether they exist."""
    person = find_contactable(session, who)
    if person is not None:
        await send_login_link(ctx, session, person)
    return templates.TemplateResponse(request, "login.html", {"next": "/", "sent": True, "signed_in": None})


@router.get("/login/{token}")
def confirm_page(request: Request, token: str, ctx: CtxDep, session: SessionDep,
                 next: str | None = None) -> Response:
    try:
        row, person = check_login(session, token, ctx.now())
    except LoginError as exc:
        return templates.TemplateResponse(request, "login.html", {"next": "/", "sent": False, "signed_in": None,
                                                                  "error": str(exc)}, status_code=400)
    return templates.TemplateResponse(request, "login_confirm.html", {"person": person, "token": token,
                                                                      "next": safe_next(next)})


@router.post("/login/{token}")
def sign_in_now(request: Request, token: str, ctx: CtxDep, session: SessionDep,
                next: str = Form("/")) -> Response:
    try:
        _, cookie = redeem_login(session, token, ctx.now())
    except LoginError as exc:
        return templates.TemplateResponse(request, "login.html", {"next": "/", "sent": False, "signed_in": None,
                                                                  "error": str(exc)}, status_code=400)
    sign_in(request, cookie)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def sign_out_now(request: Request, ctx: CtxDep, session: SessionDep, me: MaybePersonDep) -> Response:
    web_session = getattr(request.state, "web_session", None)
    if web_session is not None:
        end_session(session, web_session, ctx.now())
    sign_out(request)
    return RedirectResponse("/login", status_code=303)
