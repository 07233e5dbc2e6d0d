"""The POST actions, each through engine.core.acting (one workflow, one audit):

    POST /tasks/{id}/start              (note)
    POST /tasks/{id}/done               (note)
    POST /tasks/{id}/ack                (note)
    POST /tasks/{id}/extend             new_due (yyyy-mm-dd or dd/mm/yyyy), reason
    POST /extensions/{id}/approve       (why)
    POST /extensions/{id}/refuse        (why)
    GET  /act/{token}                   a signed email link: the task with the action preselected
    POST /act/{token}                   confirm it: sign in as the link's person and act

Forms get a 303 to `next` (default: the task's page); JSON clients get {"ok": true, ...}.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from engine.chat.extensions import parse_day
from engine.context import AppContext
from engine.core import acting
from engine.core.models import Person, Task
from engine.core.workflow import Actor, record
from engine.infra.errors import WorkflowError
from engine.web.answers import done, error_response
from engine.web.auth import MaybePersonDep, PersonDep, sign_in
from engine.web.deps import CtxDep, SessionDep
from engine.web.links import LINK_ACTIONS, BadLink, read, signing_key
from engine.web.signin import start_session
from engine.web.templating import templates

router = APIRouter()


def _day(text: str, ctx: AppContext) -> date:
    found, _ = parse_day(text or "", ctx.today())
    if found is None:
        raise WorkflowError("Chưa đọc được ngày hạn mới; đề nghị nhập theo dạng ngày/tháng/năm. "
                            "(Cannot read the new due day.)")
    return found


def _task_answer(task_id: int, event_kind: str) -> dict:
    return {"task": task_id, "event": event_kind}


def take(session: Session, ctx: AppContext, person: Person, task_id: int, action: str, note: str = "",
         new_due: str = "", reason: str = "") -> dict:
    """Do one task action as `person`; what the JSON answer says."""
    cal, now = ctx.calendar, ctx.now()
    if action == "start":
        return _task_answer(task_id, acting.start(session, person, task_id, now, cal, note=note or None).kind)
    if action == "done":
        return _task_answer(task_id, acting.finish(session, person, task_id, now, cal, note=note).kind)
    if action == "ack":
        ack = acting.acknowledge(session, person, task_id, now, cal, note=note)
        return {**_task_answer(task_id, "acknowledged"), "level": ack.level,
                "until": ack.expires_at.astimezone(ctx.settings.tz).isoformat()}
    if action == "extend":
        request = acting.ask_extension(session, person, task_id, _day(new_due, ctx), reason, now, cal,
                                       ctx.settings.tz)
        return {**_task_answer(task_id, "extension_requested"), "request": request.id,
                "new_due": request.new_due.isoformat()}
    raise ValueError(action)


def _route(action: str):
    def act(request: Request, task_id: int, person: PersonDep, ctx: CtxDep, session: SessionDep,
            note: str = Form(""), new_due: str = Form(""), reason: str = Form(""), next: str = Form("")) -> Response:
        data = take(session, ctx, person, task_id, action, note, new_due, reason)
        return done(request, data, next, f"/tasks/{task_id}")
    act.__name__ = f"task_{action}"
    return act


for _action in ("start", "done", "ack", "extend"):
    router.add_api_route(f"/tasks/{{task_id}}/{_action}", _route(_action), methods=["POST"])


def _decision(approve: bool):
    def decide(request: Request, request_id: int, person: PersonDep, ctx: CtxDep, session: SessionDep,
               why: str = Form(""), next: str = Form("")) -> Response:
        decided = acting.decide(session, person, request_id, approve, ctx.now(), ctx.calendar, why=why)
        data = {"request": decided.id, "task": decided.task_id, "status": decided.status}
        return done(request, data, next, f"/tasks/{decided.task_id}")
    decide.__name__ = "approve" if approve else "refuse"
    return decide


router.add_api_route("/extensions/{request_id}/approve", _decision(True), methods=["POST"])
router.add_api_route("/extensions/{request_id}/refuse", _decision(False), methods=["POST"])


# -- signed email links ------------------------------------------------------------------

def _link(session: Session, ctx: AppContext, token: str) -> tuple[Person, Task, str]:
    now = ctx.now()
    link = read(signing_key(session, ctx.settings, now), token, now)
    person = session.get(Person, link.person_id)
    task = session.get(Task, link.task_id)
    if person is None or not person.active or task is None:
        raise BadLink("Liên kết không còn hiệu lực. (This link no longer applies.)")
    return person, task, link.action


@router.get("/act/{token}")
def action_page(request: Request, token: str, ctx: CtxDep, session: SessionDep, me: MaybePersonDep) -> Response:
    """Opening an email's action link: the task with its action preselected; nothing changes."""
    try:
        person, task, action = _link(session, ctx, token)
    except BadLink as exc:
        return error_response(request, 400, str(exc))
    if me is not None and me.id == person.id:
        return RedirectResponse(f"/tasks/{task.id}?action={action}", status_code=303)
    return templates.TemplateResponse(request, "login_action.html", {
        "person": person, "task": task, "action": action, "label": LINK_ACTIONS[action], "token": token})


@router.post("/act/{token}")
def action_confirm(request: Request, token: str, ctx: CtxDep, session: SessionDep, note: str = Form(""),
                   new_due: str = Form(""), reason: str = Form("")) -> Response:
    """The one POST an email's action link needs: sign in as its person and take the action."""
    try:
        person, task, action = _link(session, ctx, token)
    except BadLink as exc:
        return error_response(request, 400, str(exc))
    data = take(session, ctx, person, task.id, action, note, new_due, reason)
    sign_in(request, start_session(session, person, ctx.now()))
    record(session, "signed_in", Actor.of(person, "web"), ctx.now(), data={"via": "action_link"})
    return done(request, data, None, f"/tasks/{task.id}")
