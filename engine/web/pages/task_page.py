"""What `/tasks/{id}` shows: the task, its source lines, its timeline (events and messages), and the
actions the viewer may take (forms posting to engine.web.actions)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlmodel import Session, select

from engine.core import access, acting
from engine.core.models import Event, ExtensionRequest, Notification, Person, Plan, Task
from engine.core.queries import task_json
from engine.core.vocabulary import ACTIVE, ExtensionStatus, TaskStatus
from engine.core.workflow import classify
from engine.infra.errors import DondocError
from engine.web.pages.common import day, lookup_for, moment

SOURCE_CONTEXT = 2   # lines shown before and after the task's own
MAX_SOURCE_LINES = 80


def build(session: Session, ctx, person: Person, task: Task) -> dict[str, Any]:
    tz = ctx.settings.tz
    today = ctx.today()
    c = classify(task, today, ctx.calendar, tz, ctx.settings.status.due_soon_working_days)
    look = lookup_for(session, [task])
    t = task_json(task, c, look, tz)
    t["domain"] = task.domain
    plan = look.plans.get(task.plan_id)
    return {"t": t, "actions": actions_for(session, ctx, person, task), "requests": requests_for(session, person, task, tz),
            "min_due": (max(task.due or today, today) + timedelta(days=1)).isoformat(),
            "source": source_lines(ctx, plan, task), "timeline": timeline(session, task, tz)}


def actions_for(session: Session, ctx, person: Person, task: Task) -> list[str]:
    """The actions `person` may take on `task` now: start, done, extend, ack."""
    found: list[str] = []
    if task.status in ACTIVE and access.may_update(session, person, task):
        if task.status == TaskStatus.OPEN:
            found.append("start")
        found.append("done")
        if acting.pending_request(session, task.id) is None:
            found.append("extend")
    if task.status in ACTIVE and may_ack(session, ctx, person, task):
        found.append("ack")
    return found


def may_ack(session: Session, ctx, person: Person, task: Task) -> bool:
    """Whether `person` may acknowledge the task's escalations (engine.reminders.escalation)."""
    from engine.reminders.escalation import ack_level, held_levels, level_in_force
    from engine.reminders.rulestore import active_ruleset, evaluator

    rules = active_ruleset(session)
    if rules is None:
        return False
    ev = evaluator(session, rules, ctx.calendar)
    if ack_level(ev, task, person) == 0:
        return False
    held = held_levels(session, {task.id: task}, ctx.now()).get(task.id, 0)
    return not (held and level_in_force(session, ev, task, person) <= held)


def requests_for(session: Session, person: Person, task: Task, tz) -> list[dict[str, Any]]:
    """The task's extension requests waiting for a decision."""
    rows = session.exec(select(ExtensionRequest).where(ExtensionRequest.task_id == task.id,
                                                       ExtensionRequest.status == ExtensionStatus.PENDING)
                        .order_by(ExtensionRequest.id)).all()
    people = _people(session, {r.requester_id for r in rows} | {r.approver_id for r in rows if r.approver_id})
    return [{"id": r.id, "new_due": r.new_due, "old_due": r.old_due, "reason": r.reason,
             "created_at": r.created_at.astimezone(tz),
             "requester": people[r.requester_id].name if r.requester_id in people else "—",
             "approver": people[r.approver_id].name if r.approver_id in people else None,
             "can_decide": access.may_decide(person, r)} for r in rows]


def _people(session: Session, ids: set[int]) -> dict[int, Person]:
    ids = {i for i in ids if i}
    return {p.id: p for p in session.exec(select(Person).where(Person.id.in_(ids)))} if ids else {}


def timeline(session: Session, task: Task, tz) -> list[dict[str, Any]]:
    """Every event of the task and every message sent about it, oldest first."""
    items: list[dict[str, Any]] = []
    events = session.exec(select(Event).where(Event.task_id == task.id).order_by(Event.id)).all()
    names = _people(session, {e.actor_id for e in events if e.actor_id})
    for event in events:
        actor = names[event.actor_id].name if event.actor_id in names else event.actor
        items.append({"type": "event", "at": event.at.astimezone(tz), "kind": event.kind, "actor": actor,
                      "channel": event.channel, "details": _details(event.data or {}, tz),
                      "order": (event.at, 0, event.id)})
    rows = session.exec(select(Notification).where(Notification.task_id == task.id)).all()
    people = _people(session, {n.person_id for n in rows if n.person_id})
    for n in rows:
        at = n.sent_at or n.fire_at
        who = people[n.person_id].name if n.person_id in people else n.recipient
        what = f"cảnh báo cấp {n.level}" if n.level >= 1 else "nhắc việc"
        items.append({"type": "message", "at": at.astimezone(tz), "what": f"{what} ({n.rule_id})", "recipient": who,
                      "channel": n.channel, "status": n.status, "note": n.last_error or n.reason,
                      "order": (at, 1, n.id)})
    items.sort(key=lambda i: i["order"])
    return items


DETAIL_LABELS = {"note": "ghi chú", "reason": "lý do", "why": "lý do từ chối", "old_due": "hạn cũ",
                 "new_due": "hạn mới", "level": "cấp", "until": "hiệu lực đến", "approver": "người duyệt",
                 "file": "tệp", "changes": "thay đổi"}
HIDDEN_DETAILS = {"request", "from", "to"}


def _details(data: dict[str, Any], tz) -> str:
    """An event's data in words: 'hạn mới: 31/10/2025; lý do: ...' (ids and the status move left out)."""
    parts = []
    for key, value in data.items():
        if key in HIDDEN_DETAILS:
            continue
        if key == "changes" and isinstance(value, dict):
            value = "; ".join(f"{k}: {_plain(old, tz)} → {_plain(new, tz)}" for k, (old, new) in value.items())
        parts.append(f"{DETAIL_LABELS.get(key, key)}: {_plain(value, tz)}")
    return "; ".join(parts)


def _plain(value: Any, tz=None) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            return day(value) if len(value) == 10 else moment(value, tz)
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(_plain(v, tz) for v in value)
    return str(value)


def source_lines(ctx, plan: Plan | None, task: Task) -> dict[str, Any]:
    """The task's lines in its source document, with a little context, when the file is at hand."""
    first, last = task.source_first_line, task.source_last_line or task.source_first_line
    out: dict[str, Any] = {"file": task.source_file, "first": first, "last": last, "lines": []}
    if not task.source_file or not first:
        return out
    lines = _document_lines(ctx, plan, task.source_file)
    if lines:
        hi = min(max(lines), last + SOURCE_CONTEXT, first + MAX_SOURCE_LINES)
        out["lines"] = [(n, lines.get(n, ""), first <= n <= last)
                        for n in range(max(1, first - SOURCE_CONTEXT), hi + 1) if n in lines]
    return out


READABLE = (".txt", ".csv", ".xlsx", ".docx")   # a PDF may need OCR: too slow for a page view


def _document_lines(ctx, plan: Plan | None, name: str) -> dict[int, str] | None:
    """The numbered lines of a source document kept next to the plan file or in the plans folder
    (the numbers a plan's `source.lines` count)."""
    from engine.web.pages.plans import document_lines

    bare = Path(name).name
    folders = [Path(plan.file_path).parent] if plan and plan.file_path else []
    folders.append(Path(ctx.settings.plans_dir))
    for folder in folders:
        candidate = folder / bare
        if candidate.is_file() and candidate.suffix.lower() in READABLE:
            try:
                return document_lines(candidate)
            except (OSError, ValueError, DondocError):
                continue
    return None


def flash(request: Request) -> dict[str, str] | None:
    """The outcome an action redirected back with (?ok=... or ?error=...)."""
    if text := request.query_params.get("ok"):
        return {"kind": "ok", "text": text}
    if text := request.query_params.get("error"):
        return {"kind": "error", "text": text}
    return None
