"""The actions a person takes on a task from the web (and any channel that names its actor):
each checks the view and the right (engine.core.access), acts through engine.core.workflow or
engine.reminders.escalation, records its audit event, and recomputes the task's timers.

    start      open -> in_progress                        event "started"
    finish     -> done, with an optional note              event "done" (data.note)
    ask_extension  a request for a later due day           event "extension_requested"
    acknowledge    the task's escalations                  event "acknowledged"
    decide     approve (extend the due day) or refuse      event "extended" / "extension_refused"

Out of view: NotVisible; not theirs: Forbidden; no longer applies (already done, already
decided, a date not allowed): WorkflowError, each with its reason in Vietnamese and English.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, select

from engine.core.access import (Forbidden, approver_for, may_decide, require_update, visible_request,
                                visible_task)
from engine.core.calendar import WorkCalendar
from engine.core.models import Ack, Event, ExtensionRequest, Person, Task
from engine.core.vocabulary import ACTIVE, ExtensionStatus, TaskStatus
from engine.core.workflow import Actor, extend, not_a_working_day, record, transition
from engine.infra.errors import WorkflowError
from engine.reminders.escalation import ack_level, acknowledge as record_ack, held_levels, level_in_force
from engine.reminders.rulestore import active_ruleset, evaluator, sync_with_active_rules


def _closed(task: Task) -> None:
    if task.status == TaskStatus.DONE:
        raise WorkflowError("Nhiệm vụ này đã hoàn thành. (The task is already done.)")
    if task.status == TaskStatus.CANCELLED:
        raise WorkflowError("Nhiệm vụ này đã bị hủy. (The task was cancelled.)")


def start(session: Session, person: Person, task_id: int, now: datetime, calendar: WorkCalendar,
          channel: str = "web", note: str | None = None) -> Event:
    """Đang thực hiện."""
    task = visible_task(session, person, task_id)
    require_update(session, person, task)
    _closed(task)
    if task.status == TaskStatus.IN_PROGRESS:
        raise WorkflowError("Nhiệm vụ đã ở trạng thái đang thực hiện. (Already in progress.)")
    event = transition(session, task, TaskStatus.IN_PROGRESS, Actor.of(person, channel), now, note=note)
    sync_with_active_rules(session, calendar, [task], now)
    return event


def finish(session: Session, person: Person, task_id: int, now: datetime, calendar: WorkCalendar,
           channel: str = "web", note: str | None = None) -> Event:
    """Đã hoàn thành, with what was done (the note) kept in the event."""
    task = visible_task(session, person, task_id)
    require_update(session, person, task)
    _closed(task)
    event = transition(session, task, TaskStatus.DONE, Actor.of(person, channel), now,
                       note=(note or "").strip() or None)
    sync_with_active_rules(session, calendar, [task], now)
    return event


def pending_request(session: Session, task_id: int) -> ExtensionRequest | None:
    return session.exec(select(ExtensionRequest).where(ExtensionRequest.task_id == task_id,
                                                       ExtensionRequest.status == ExtensionStatus.PENDING)).first()


def ask_extension(session: Session, person: Person, task_id: int, new_due: date, reason: str, now: datetime,
                  calendar: WorkCalendar, tz, channel: str = "web") -> ExtensionRequest:
    """Xin gia hạn: a request put before the approver (the lead unit's head, or the chairman)."""
    task = visible_task(session, person, task_id)
    require_update(session, person, task)
    _closed(task)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("Đề nghị ghi lý do xin gia hạn. (A reason is needed.)")
    if (pending := pending_request(session, task.id)) is not None:
        raise WorkflowError(f"Đã có đề nghị gia hạn đến {pending.new_due:%d/%m/%Y} đang chờ duyệt. "
                            f"(A request is already pending.)")
    floor = max(task.due or now.astimezone(tz).date(), now.astimezone(tz).date())
    if new_due <= floor:
        raise WorkflowError(f"Ngày hạn mới phải sau {floor:%d/%m/%Y}. (The new due day must be after "
                            f"{floor.isoformat()}.)")
    if refusal := not_a_working_day(calendar, new_due):
        raise WorkflowError(refusal)
    approver = approver_for(session, task, person)
    if approver is None:
        raise WorkflowError("Không xác định được người duyệt (org.yaml chưa có trưởng đơn vị hay Chủ tịch). "
                            "(Nobody to approve: the org has no unit head or chairman.)")
    request = ExtensionRequest(task_id=task.id, requester_id=person.id, approver_id=approver.id, old_due=task.due,
                               new_due=new_due, reason=reason, created_at=now)
    session.add(request)
    session.flush()
    record(session, "extension_requested", Actor.of(person, channel), now, task,
           {"request": request.id, "old_due": task.due.isoformat() if task.due else None,
            "new_due": new_due.isoformat(), "reason": reason, "approver": approver.code})
    return request


def acknowledge(session: Session, person: Person, task_id: int, now: datetime, calendar: WorkCalendar,
                channel: str = "web", note: str | None = None) -> Ack:
    """Xác nhận đã nhận: acknowledge the task's escalations (engine.reminders.escalation)."""
    task = visible_task(session, person, task_id)
    _closed(task)
    rs = active_ruleset(session)
    if rs is None:
        raise WorkflowError("Chưa có quy tắc nhắc việc nào đang áp dụng. (No active rules.)")
    ev = evaluator(session, rs, calendar)
    if ack_level(ev, task, person) == 0:
        raise Forbidden("Đồng chí không phải người nhận cảnh báo của nhiệm vụ này. (Not yours to acknowledge.)")
    held = held_levels(session, {task.id: task}, now).get(task.id, 0)
    if held and level_in_force(session, ev, task, person) <= held:
        raise WorkflowError("Cảnh báo của nhiệm vụ này đã được xác nhận. (Already acknowledged.)")
    ack = record_ack(session, ev, task, person, now, (note or "").strip() or None, channel=channel)
    sync_with_active_rules(session, calendar, [task], now)
    return ack


def decide(session: Session, person: Person, request_id: int, approve: bool, now: datetime,
           calendar: WorkCalendar, channel: str = "web", why: str | None = None) -> ExtensionRequest:
    """Đồng ý / Từ chối an extension request; approving moves the due day (workflow.extend)."""
    request, task = visible_request(session, person, request_id)
    if not may_decide(person, request):
        approver = session.get(Person, request.approver_id) if request.approver_id else None
        raise Forbidden(f"Chỉ đồng chí {approver.name if approver else 'người duyệt'} mới duyệt được đề nghị này. "
                        f"(Not yours to decide.)")
    if request.status != ExtensionStatus.PENDING:
        raise WorkflowError("Đề nghị này đã được xử lý. (Already decided.)")
    if task.status not in ACTIVE:
        raise WorkflowError("Nhiệm vụ đã kết thúc; đề nghị không còn hiệu lực. (Stale: the task is closed.)")
    actor = Actor.of(person, channel)
    why = (why or "").strip() or None
    if approve:
        if task.due is not None and request.new_due <= task.due:
            raise WorkflowError("Hạn hiện tại đã không sớm hơn ngày đề nghị; không cần gia hạn. (Stale.)")
        extend(session, task, request.new_due, actor, now, request.reason, calendar=calendar)
    else:
        record(session, "extension_refused", actor, now, task,
               {"request": request.id, "new_due": request.new_due.isoformat(), "reason": request.reason,
                **({"why": why} if why else {})})
    request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    request.decided_at, request.decided_by_id = now, person.id
    session.add(request)
    sync_with_active_rules(session, calendar, [task], now)
    return request
