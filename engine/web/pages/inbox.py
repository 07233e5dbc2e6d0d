"""`/inbox` for supervisors: escalations waiting for acknowledgement and extension requests waiting
for a decision, oldest first; several escalations acknowledged at once (POST /inbox/ack)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session, select

from engine.core import access, acting
from engine.core.models import Ack, ExtensionRequest, Notification, Person, Task
from engine.core.vocabulary import ACTIVE, ExtensionStatus, NotificationStatus
from engine.core.workflow import classify
from engine.infra.errors import DondocError
from engine.web.auth import PersonDep
from engine.web.deps import CtxDep, SessionDep
from engine.web.pages.common import lookup_for
from engine.web.pages.scope import View
from engine.web.pages.task_page import flash
from engine.web.templating import templates

router = APIRouter()
DELIVERED = (NotificationStatus.SENT, NotificationStatus.MERGED)


def escalations(session: Session, ctx, person: Person, view: View) -> list[dict[str, Any]]:
    """Tasks in view whose escalations in force reached someone and nobody has acknowledged since,
    that `person` may acknowledge; the oldest escalation first."""
    from engine.reminders.escalation import ack_level, held_levels
    from engine.reminders.rulestore import active_ruleset, evaluator

    rules = active_ruleset(session)
    if rules is None:
        return []
    query = (select(Notification, Task).join(Task, Task.id == Notification.task_id)
             .where(Notification.level >= 1, Notification.status.in_(DELIVERED), Task.status.in_(ACTIVE),
                    view.scope.clause()))
    by_task: dict[int, tuple[Task, list[Notification]]] = {}
    tz = ctx.settings.tz
    for n, task in session.exec(query):
        if task.due is not None and n.nominal_at.astimezone(tz).date() < task.due:
            continue   # an escalation of the due day before an extension
        by_task.setdefault(task.id, (task, []))[1].append(n)
    if not by_task:
        return []
    now = ctx.now()
    held = held_levels(session, {tid: t for tid, (t, _) in by_task.items()}, now)
    acked_at = _last_acks(session, list(by_task))
    ev = evaluator(session, rules, ctx.calendar)
    items = []
    for task_id, (task, sent) in by_task.items():
        level = max(n.level for n in sent)
        if held.get(task_id, 0) and held[task_id] <= level:
            continue
        last = acked_at.get(task_id)
        sent = [n for n in sent if last is None or (n.sent_at or n.fire_at) > last]
        if not sent or ack_level(ev, task, person) == 0:
            continue
        first = min(sent, key=lambda n: n.sent_at or n.fire_at)
        items.append({"task": task, "level": max(n.level for n in sent), "since": (first.sent_at or first.fire_at),
                      "to_me": any(n.person_id == person.id for n in sent), "count": len(sent)})
    items.sort(key=lambda i: (i["since"], i["task"].id))
    return items


def _last_acks(session: Session, task_ids: list[int]) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for ack in session.exec(select(Ack).where(Ack.task_id.in_(task_ids))):
        if ack.task_id not in out or ack.at > out[ack.task_id]:
            out[ack.task_id] = ack.at
    return out


def extension_requests(session: Session, person: Person, view: View) -> list[dict[str, Any]]:
    """Pending extension requests `person` may decide, oldest first."""
    rows = session.exec(select(ExtensionRequest, Task).join(Task, Task.id == ExtensionRequest.task_id)
                        .where(ExtensionRequest.status == ExtensionStatus.PENDING)
                        .order_by(ExtensionRequest.created_at, ExtensionRequest.id)).all()
    mine = [(r, t) for r, t in rows if access.may_decide(person, r) and (view.sees(t) or r.approver_id == person.id)]
    ids = {r.requester_id for r, _ in mine}
    people = {p.id: p for p in session.exec(select(Person).where(Person.id.in_(ids)))} if ids else {}
    return [{"request": r, "task": t, "requester": people.get(r.requester_id)} for r, t in mine]


@router.get("/inbox", response_class=HTMLResponse, name="inbox")
def inbox(request: Request, session: SessionDep, ctx: CtxDep, person: PersonDep) -> HTMLResponse:
    view = View.of(session, person)
    escalated = escalations(session, ctx, person, view)
    requests = extension_requests(session, person, view)
    tasks = [i["task"] for i in escalated] + [i["task"] for i in requests]
    look = lookup_for(session, tasks)
    tz, today = ctx.settings.tz, ctx.today()
    soon = ctx.settings.status.due_soon_working_days
    for item in [*escalated, *requests]:
        task = item["task"]
        item["state"] = classify(task, today, ctx.calendar, tz, soon)
        item["lead"] = look.units[task.lead_unit_id].name if task.lead_unit_id in look.units else None
        item["assignee"] = look.people[task.assignee_id].name if task.assignee_id in look.people else None
    return templates.TemplateResponse(request, "pages/inbox.html", {
        "escalations": escalated, "requests": requests, "tz": tz, "message": flash(request),
        "scope_label": view.label_for(session), "nav": "inbox"})


@router.post("/inbox/ack", name="inbox_ack")
def inbox_ack(request: Request, session: SessionDep, ctx: CtxDep, person: PersonDep,
              task: Annotated[list[int], Form()] = (), note: Annotated[str, Form()] = "") -> RedirectResponse:
    """Acknowledge the escalations of the ticked tasks, each through engine.core.acting (one audit event each)."""
    if not task:
        return _back(error="Chưa chọn cảnh báo nào. (Nothing selected.)")
    done, refused = 0, []
    for task_id in dict.fromkeys(task):
        try:
            acting.acknowledge(session, person, task_id, ctx.now(), ctx.calendar, note=note)
            done += 1
        except access.NotVisible:
            raise
        except DondocError as exc:
            refused.append(f"#{task_id}: {exc}")
    if refused:
        return _back(error=f"Đã xác nhận {done}; không xác nhận được: " + "; ".join(refused))
    return _back(ok=f"Đã xác nhận {done} cảnh báo. (Acknowledged {done}.)")


def _back(**message: str) -> RedirectResponse:
    return RedirectResponse("/inbox?" + urlencode(message), status_code=303)
