"""Who is asking: the session cookie, CSRF on every state-changing request, signed action links.

    cookie dondoc_session  the browser's session (engine.web.signin): HttpOnly, SameSite=Lax,
                           Secure when web.base_url is https
    cookie dondoc_csrf     before sign-in only: the token the login form carries (double submit)

Every POST carries the CSRF token, as the form field `csrf_token` or the header `X-CSRF-Token`;
`verify_csrf` is a dependency of the whole app, so no route can forget it. Cookies are written by
`CookieMiddleware` from what handlers leave in `request.state` (a handler's own Response object
would drop headers set on FastAPI's temporary response).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from markupsafe import Markup, escape
from starlette.middleware.base import BaseHTTPMiddleware
from sqlmodel import Session
from starlette.responses import Response

from engine.core.models import Person
from engine.web.deps import SessionDep, get_ctx
from engine.web.signin import SESSION_LIFETIME, find_session

SESSION_COOKIE = "dondoc_session"
CSRF_COOKIE = "dondoc_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class NotSignedIn(Exception):
    """The request needs a signed-in person (pages: a redirect to /login; the API: 401)."""


def current_person(request: Request, session: SessionDep) -> Person | None:
    """The signed-in person, or None; also leaves the session in `request.state.web_session`."""
    if hasattr(request.state, "person"):
        return request.state.person
    now = get_ctx(request).now()
    cookie = request.cookies.get(SESSION_COOKIE)
    found = find_session(session, cookie, now)
    request.state.web_session, request.state.person = found if found else (None, None)
    # Plain copies for templates: an error rolls the transaction back and expires the rows.
    request.state.viewer = Person(**found[1].model_dump()) if found else None
    request.state.session_csrf = found[0].csrf_token if found else None
    if found and found[0].seen_at == now and found[0].created_at != now:
        request.state.set_session = cookie   # the expiry slid: the cookie's max-age slides too
    return request.state.person


def require_person(person: Annotated[Person | None, Depends(current_person)]) -> Person:
    """The signed-in person; NotSignedIn otherwise."""
    if person is None:
        raise NotSignedIn()
    return person


PersonDep = Annotated[Person, Depends(require_person)]
MaybePersonDep = Annotated[Person | None, Depends(current_person)]


def csrf_token(request: Request) -> str:
    """The token this request's forms carry: the session's, or before sign-in the dondoc_csrf cookie's."""
    if session_token := getattr(request.state, "session_csrf", None):
        return session_token
    token = getattr(request.state, "new_csrf", None) or request.cookies.get(CSRF_COOKIE)
    if not token or len(token) < 16:
        token = request.state.new_csrf = secrets.token_urlsafe(24)
    return token


def csrf_field(request: Request) -> Markup:
    """The hidden input every form of the page includes: {{ csrf_field(request) }}."""
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token(request))}">')


async def verify_csrf(request: Request) -> None:
    """403 for a state-changing request without this session's (or this browser's) CSRF token.

    A dependency of the whole app; it opens no database session for GET (so /healthz answers
    even when the database does not) and reads the session's token on its own for a POST.
    """
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(CSRF_HEADER)
    if not given and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        given = (await request.form()).get(CSRF_FIELD)
    cookie = request.cookies.get(SESSION_COOKIE)
    expected = await run_in_threadpool(_session_csrf, request, cookie) if cookie else None
    expected = expected or request.cookies.get(CSRF_COOKIE)
    if not isinstance(given, str) or not expected or not hmac.compare_digest(given, expected):
        raise HTTPException(403, "Thiếu hoặc sai mã bảo vệ biểu mẫu (CSRF); đề nghị tải lại trang và thử lại. "
                                 "(Missing or invalid CSRF token.)")


def _session_csrf(request: Request, cookie: str) -> str | None:
    ctx = get_ctx(request)
    with Session(ctx.engine) as session:
        found = find_session(session, cookie, ctx.now(), slide=False)
        return found[0].csrf_token if found else None


def sign_in(request: Request, cookie: str) -> None:
    """Have the response set the session cookie (after a login)."""
    request.state.set_session = cookie


def sign_out(request: Request) -> None:
    """Have the response delete the session cookie."""
    request.state.clear_session = True


SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",                 # one-button confirm pages must not be framed
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",          # a login or action link never leaks to another site
}


class CookieMiddleware(BaseHTTPMiddleware):
    """Writes the cookies handlers asked for in request.state, and the security headers."""

    async def dispatch(self, request: Request, call_next) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith(("/login", "/act/")):
            response.headers["Cache-Control"] = "no-store"
        secure = get_ctx(request).settings.web.secure
        state = request.state
        if getattr(state, "set_session", None):
            response.set_cookie(SESSION_COOKIE, state.set_session, max_age=int(SESSION_LIFETIME.total_seconds()),
                                httponly=True, samesite="lax", secure=secure, path="/")
            response.delete_cookie(CSRF_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
        elif getattr(state, "clear_session", False):
            response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
        elif getattr(state, "new_csrf", None):
            response.set_cookie(CSRF_COOKIE, state.new_csrf, httponly=True, samesite="lax", secure=secure, path="/")
        return response
