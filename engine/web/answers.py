"""How a request is answered: JSON for the API and tools, a page or a redirect for browsers."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from engine.web.templating import templates

ERROR_PAGE = templates.env.from_string(
    '{% extends "base.html" %}{% block title %}{{ title }}{% endblock %}{% block content %}'
    '<h1>{{ title }}</h1><p role="alert">{{ message }}</p><p><a href="/">Về trang chính</a></p>{% endblock %}')
TITLES = {400: "Yêu cầu không hợp lệ", 401: "Cần đăng nhập", 403: "Không có quyền", 404: "Không tìm thấy",
          409: "Không thực hiện được", 422: "Dữ liệu không hợp lệ"}


def wants_json(request: Request) -> bool:
    """The API, and a client that asks for JSON, get JSON; browsers get pages."""
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def error_response(request: Request, status: int, message: str) -> Response:
    if wants_json(request):
        return JSONResponse({"ok": False, "error": message}, status_code=status)
    html = ERROR_PAGE.render(request=request, title=TITLES.get(status, "Lỗi"), message=message)
    return HTMLResponse(html, status_code=status)


def safe_next(target: str | None, default: str = "/") -> str:
    """A path on this site only (never //elsewhere or a full URL): where to go after a POST."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def done(request: Request, data: dict[str, Any], next_url: str | None, default: str) -> Response:
    """After an action: JSON {"ok": true, ...}, or a 303 to the page to show next."""
    if wants_json(request):
        return JSONResponse({"ok": True, **data})
    return RedirectResponse(safe_next(next_url, default), status_code=303)
