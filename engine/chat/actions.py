"""Actions on a task a notification named, as pure functions: check who and whether it still
applies, act, and say how the message acted on should read afterwards (on apps that edit).

Every action is answered. Nothing changes when it is foreign (the person is not linked, or not
the person it is for) or stale (the task is already done, the escalation already acknowledged,
the request already decided). Telegram's signed buttons (engine/chat/telegram/press.py) and
Zalo's numbered commands (engine/chat/zalo/) both come here through engine/chat/conversation.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from engine.chat.commands import Chat, not_understood, who
from engine.chat.extensions import take_date, take_reason
from engine.chat.replies import BotEnv, Mark, Outcome, day, stamp
from engine.core.acting import pending_request
from engine.infra.errors import WorkflowError
from engine.reminders.escalation import ack_level, acknowledge, held_levels
from engine.core.cchc import DOMAINS
from engine.core.models import Ack, BotDialog, Event, Notification, Person, Plan, Task, Unit
from engine.core.vocabulary import DialogKind, Role, TaskStatus
from engine.reminders.rulestore import active_ruleset, evaluator
from engine.core.workflow import STATE_LABELS, Actor, classify, countdown, record, transition
from notifiers.htmlsplit import escape
from notifiers.words import long_date, relative_phrase, status_label

DIALOG_LIFETIME = timedelta(hours=2)


def not_linked(env: BotEnv) -> str:
    """The answer to an action from a chat nobody linked."""
    return (f"Tài khoản {env.channel.label} này chưa liên kết với dondoc; gõ {env.channel.cmd('trogiup')} "
            f"để biết cách liên kết.")


def _done_line(icon: str, what: str, person: Person, now: datetime, env: BotEnv) -> str:
    return f"{icon} <b>{what}</b> – {escape(person.name)}, {stamp(now, env.tz)}"


def _stale_status(task: Task, env: BotEnv) -> str | None:
    if task.status == TaskStatus.DONE:
        return f"Nhiệm vụ này đã hoàn thành; {env.channel.thing} không còn hiệu lực. (Task already done.)"
    if task.status == TaskStatus.CANCELLED:
        return f"Nhiệm vụ này đã bị hủy; {env.channel.thing} không còn hiệu lực. (Task cancelled.)"
    return None


def _for_assignee(person: Person, task: Task, session: Session, env: BotEnv) -> str | None:
    if task.assignee_id == person.id:
        return None
    assignee = session.get(Person, task.assignee_id) if task.assignee_id else None
    name = assignee.name if assignee else "người thực hiện"
    return f"{env.channel.thing.capitalize()} này dành cho người thực hiện nhiệm vụ ({name}). (Not your task.)"


def _move(session, env, person, row, task, where, now, status: str, icon: str, label: str,
          reply: str) -> Outcome:
    """Change the task's status from a button, and mark the pressed message with who and when."""
    transition(session, task, status, Actor.of(person, env.channel.name), now)
    env.sync(session, task, now)
    out = Outcome(reply)
    out.marks.append(Mark(where, _done_line(icon, label, person, now, env), notification_id=row.id))
    return out


def start(session, env, person, row, task, where, now) -> Outcome:
    """Đang thực hiện: open -> in_progress."""
    problem = _for_assignee(person, task, session, env) or _stale_status(task, env)
    if problem is None and task.status == TaskStatus.IN_PROGRESS:
        problem = "Nhiệm vụ đã ở trạng thái đang thực hiện. (Already in progress.)"
    if problem:
        return Outcome(problem, alert=True)
    return _move(session, env, person, row, task, where, now, TaskStatus.IN_PROGRESS, "▶️", "Đang thực hiện",
                 "Đã ghi nhận: đang thực hiện.")


def done(session, env, person, row, task, where, now) -> Outcome:
    """Đã hoàn thành: -> done, then offer to take a note in a reply."""
    problem = _for_assignee(person, task, session, env) or _stale_status(task, env)
    if problem:
        return Outcome(problem, alert=True)
    out = _move(session, env, person, row, task, where, now, TaskStatus.DONE, "✅", "Đã hoàn thành",
                "Đã ghi nhận: hoàn thành.")
    open_dialog(session, where.chat_id, person, DialogKind.DONE_NOTE, task, row, now)
    out.say(where.chat_id, f"✅ Đã ghi nhận hoàn thành nhiệm vụ <b>{escape(task.title)}</b>.\n"
                           f"Nếu cần, đồng chí trả lời tin này để ghi chú kết quả (ví dụ: số văn bản, nơi lưu "
                           f"hồ sơ); gõ {env.channel.cmd('boqua')} để bỏ qua.", force_reply=True)
    return out


def ask_extension(session, env, person, row, task, where, now) -> Outcome:
    """Xin gia hạn: ask for the new date (and a reason) in the chat."""
    problem = _for_assignee(person, task, session, env) or _stale_status(task, env)
    if problem:
        return Outcome(problem, alert=True)
    pending = pending_request(session, task.id)
    if pending is not None:
        return Outcome(f"Đã có đề nghị gia hạn đến {day(pending.new_due)} đang chờ duyệt. "
                       f"(A request is already pending.)", alert=True)
    open_dialog(session, where.chat_id, person, DialogKind.EXTEND_DATE, task, row, now,
                {"message_id": where.message_id})
    out = Outcome("Đồng chí nhập ngày hạn mới.")
    return out.say(where.chat_id, f"⏳ <b>Xin gia hạn</b>: {escape(task.title)}\n"
                                  f"Hạn hiện tại: {long_date(task.due)}.\n"
                                  f"Đồng chí trả lời tin này với ngày hạn mới (ngày/tháng/năm), có thể kèm lý do "
                                  f"trên cùng dòng, ví dụ: <code>25/10/2025 chờ số liệu của các thôn</code>. "
                                  f"Gõ {env.channel.cmd('boqua')} để thôi.", force_reply=True)


def ack(session, env, person, row, task, where, now) -> Outcome:
    """Đã nhận: acknowledge the task's escalations (engine.reminders.escalation.acknowledge)."""
    if stale := _stale_status(task, env):
        return Outcome(stale, alert=True)
    rs = active_ruleset(session)
    if rs is None:
        return Outcome("Chưa có quy tắc nhắc việc nào đang áp dụng. (No active rules.)", alert=True)
    ev = evaluator(session, rs, env.calendar)
    if ack_level(ev, task, person) == 0:
        return Outcome("Đồng chí không phải người nhận cảnh báo này. (Not for you.)", alert=True)
    held = held_levels(session, {task.id: task}, now).get(task.id, 0)
    if held and row.level >= held:
        last = session.exec(select(Ack).where(Ack.task_id == task.id).order_by(Ack.id.desc())).first()
        by = session.get(Person, last.person_id) if last else None
        return Outcome(f"Cảnh báo này đã được xác nhận ({by.name if by else '—'}, {stamp(last.at, env.tz)}). "
                       f"(Already acknowledged.)", alert=True)
    try:
        given = acknowledge(session, ev, task, person, now, channel=env.channel.name)
    except WorkflowError as exc:
        return Outcome(str(exc), alert=True)
    env.sync(session, task, now)
    until = given.expires_at.astimezone(env.tz)
    out = Outcome(f"Đã xác nhận cảnh báo cấp {given.level}.")
    out.marks.append(Mark(where, _done_line("👁", "Đã nhận", person, now, env)
                          + f" (cảnh báo cấp {given.level} trở lên tạm dừng đến {until:%d/%m/%Y})",
                          notification_id=row.id))
    return out


EVENT_WORDS = {"created": "tạo nhiệm vụ", "updated": "cập nhật từ kế hoạch", "started": "bắt đầu thực hiện",
               "paused": "tạm dừng", "done": "hoàn thành", "reopened": "mở lại", "cancelled": "hủy",
               "restored": "khôi phục", "extended": "gia hạn", "acknowledged": "xác nhận cảnh báo",
               "extension_requested": "xin gia hạn", "extension_refused": "từ chối gia hạn",
               "note": "ghi chú"}


def details(session, env, person, row, task, where, now) -> Outcome:
    """Xem chi tiết: the task, its state and its latest events, as a new message."""
    allowed = (row.person_id == person.id or task.assignee_id == person.id
               or {Role.SUPERVISOR, Role.CHAIRMAN, Role.ADMIN} & set(person.roles))
    if not allowed:
        return Outcome("Đồng chí không phải người nhận thông báo này. (Not for you.)", alert=True)
    return Outcome().say(where.chat_id, task_details(session, env, task, now))


def task_details(session: Session, env: BotEnv, task: Task, now: datetime) -> str:
    """A task as a Telegram message: what, who, when, where it stands, what happened last."""
    today = now.astimezone(env.tz).date()
    plan = session.get(Plan, task.plan_id)
    lead = session.get(Unit, task.lead_unit_id) if task.lead_unit_id else None
    support = [u.name for u in (session.get(Unit, i) for i in task.support_unit_ids) if u]
    assignee = session.get(Person, task.assignee_id) if task.assignee_id else None
    c = classify(task, today, env.calendar, env.tz, env.soon_days)
    lines = [f"ℹ️ <b>{escape(task.title)}</b>",
             f"Nhiệm vụ {escape(task.ref)} (#{task.id}) – {escape(plan.title if plan else '')}",
             f"Lĩnh vực: {escape(DOMAINS.get(task.domain, task.domain))}",
             f"Đơn vị chủ trì: {escape(lead.name if lead else 'chưa xác định')}"
             + (f"; phối hợp: {escape(', '.join(support))}" if support else ""),
             f"Người thực hiện: {escape(assignee.name if assignee else 'chưa phân công')}",
             f"Thời hạn theo kế hoạch: <i>{escape(task.deadline or 'không ghi')}</i>"]
    if task.due:
        left, overdue = countdown(env.calendar, task.due, today)
        extra = f" (gia hạn từ {day(task.due_planned)})" if task.due_planned and task.due != task.due_planned else ""
        lines.append(f"Ngày đến hạn: {long_date(task.due)}{extra} – "
                     f"{relative_phrase(task.due, today, left, overdue)}")
    state = STATE_LABELS.get(c.state, "Đã hủy")
    lines.append(f"Tình trạng: <b>{state}</b> ({status_label(task.status)})")
    if task.product:
        lines.append(f"Sản phẩm: {escape(task.product)}")
    events = session.exec(select(Event).where(Event.task_id == task.id).order_by(Event.id.desc()).limit(5)).all()
    if events:
        lines += ["", "<b>Gần đây</b>:"]
        for e in reversed(events):
            at = e.at.astimezone(env.tz)
            lines.append(f"• {at:%d/%m %H:%M} {EVENT_WORDS.get(e.kind, e.kind)} – {escape(e.actor)} ({e.channel})")
    return "\n".join(lines)


ACTIONS = {"start": start, "done": done, "extend": ask_extension, "ack": ack, "details": details}


# -- dialogs: what the bot asked and is waiting for ------------------------------------

def open_dialog(session: Session, chat_id: str, person: Person, kind: str, task: Task,
                row: Notification | None, now: datetime, data: dict | None = None) -> BotDialog:
    """Remember the question just asked in this chat (one at a time: a new one replaces it)."""
    dialog = session.get(BotDialog, chat_id) or BotDialog(chat_id=chat_id, person_id=person.id, kind=kind,
                                                          task_id=task.id, started_at=now, expires_at=now)
    dialog.person_id, dialog.kind, dialog.task_id = person.id, kind, task.id
    dialog.notification_id = row.id if row else None
    dialog.data, dialog.started_at, dialog.expires_at = data or {}, now, now + DIALOG_LIFETIME
    session.add(dialog)
    return dialog


def reply(session: Session, env: BotEnv, chat: Chat, text: str, now: datetime) -> Outcome:
    """A text message: the answer to the bot's pending question, if there is one."""
    person = who(session, chat)
    if person is None:
        return Outcome().say(chat.chat_id, env.channel.not_linked)
    dialog = session.get(BotDialog, chat.chat_id)
    if dialog is not None and (dialog.expires_at <= now or dialog.person_id != person.id):
        session.delete(dialog)
        dialog = None
    if dialog is None:
        return not_understood(session, env, chat, now)
    task = session.get(Task, dialog.task_id)
    text = text.strip()
    if dialog.kind == DialogKind.DONE_NOTE:
        record(session, "note", Actor.of(person, env.channel.name), now, task, {"note": text, "after": "done"})
        session.delete(dialog)
        return Outcome().say(chat.chat_id, "📝 Đã lưu ghi chú vào lịch sử nhiệm vụ.")
    if dialog.kind == DialogKind.EXTEND_DATE:
        return take_date(session, env, person, dialog, task, text, now)
    return take_reason(session, env, person, dialog, task, text, now)
