"""The web application: `create_app(ctx)` wires the routers, the cookie middleware, CSRF on every
POST and the answers for errors (404 outside one's view, 403 for what one may not do)."""

from __future__ import annotations

import importlib
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from engine.context import AppContext
from engine.core.access import Forbidden, NotVisible
from engine.infra.errors import DondocError
from engine.web import actions, api, login
from engine.web.answers import TITLES, error_response, wants_json
from engine.web.auth import CookieMiddleware, NotSignedIn, verify_csrf

STATIC_DIR = Path(__file__).parent / "static"


def create_app(ctx: AppContext) -> FastAPI:
    """The page and its API over `ctx` (its clock, settings and database)."""
    app = FastAPI(title="dondoc", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(verify_csrf)])
    app.state.ctx = ctx
    app.add_middleware(CookieMiddleware)
    app.include_router(login.router)
    app.include_router(api.router)
    app.include_router(actions.router)
    pages = _pages()
    if pages is not None:
        app.include_router(pages)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    _errors(app)
    return app


def _pages():
    """engine.web.pages.router, once web pages exist."""
    try:
        module = importlib.import_module("engine.web.pages")
    except ModuleNotFoundError as exc:
        if exc.name != "engine.web.pages":
            raise
        return None
    return module.router


def _errors(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if wants_json(request):
            return error_response(request, 401, "Cần đăng nhập. (Sign in first.)")
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(NotVisible)
    async def not_visible(request: Request, exc: NotVisible) -> Response:
        return error_response(request, 404, "Không tìm thấy, hoặc đồng chí không có quyền xem. (Not found.)")

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return error_response(request, 403, str(exc))

    @app.exception_handler(DondocError)
    async def refused(request: Request, exc: DondocError) -> Response:
        return error_response(request, 409, str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Lỗi")
        return error_response(request, exc.status_code, detail)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) for e in exc.errors()) or "—"
        return error_response(request, 422, f"Thiếu hoặc sai thông tin: {fields}. (Invalid input: {fields}.)")
