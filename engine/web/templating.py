"""The Jinja2 templates of the page (engine/web/templates), with the globals every page uses:

    {{ csrf_field(request) }}      the hidden CSRF input of every form
    current_person(request)        the signed-in Person, or None
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from engine.core.models import Person
from engine.web.auth import csrf_field, csrf_token

TEMPLATES_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def current_person(request: Request) -> Person | None:
    """The signed-in person of this request (a detached copy made by engine.web.auth.current_person), or None."""
    return getattr(request.state, "viewer", None)


templates.env.globals.update(csrf_field=csrf_field, csrf_token=csrf_token, current_person=current_person)
