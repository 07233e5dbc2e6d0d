"""Asking for more time (xin gia hạn) from a chat, and answering such a request.

    officer presses ⏳ Xin gia hạn (Telegram) or types "2 gia hạn 20/12 lý do" (Zalo)
      -> bot asks the date (and reason) unless given -> request recorded
      -> approver (lead unit head; the chairman when the officer heads that unit) is offered
         Đồng ý / Từ chối on the same chat app -> approved: engine.core.workflow.extend + timers
         recomputed -> the officer is told either way; on Telegram both messages are edited.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlmodel import Session

from engine.chat.replies import BotEnv, Choice, Mark, Outcome, Send, Where, day, stamp
from engine.infra.errors import WorkflowError
from engine.core.access import approver_for, may_decide
from engine.core.models import BotDialog, ExtensionRequest, Person, Task, Unit
from engine.core.vocabulary import ACTIVE, DialogKind, ExtensionStatus
from engine.core.workflow import Actor, extend, not_a_working_day, record
from notifiers.htmlsplit import escape
from notifiers.words import long_date, status_label

_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}|\d{2}))?\b\s*[,;:–-]?\s*(.*)$", re.S)
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\b\s*[,;:–-]?\s*(.*)$", re.S)


def parse_day(text: str, today: date) -> tuple[date | None, str]:
    """'25/10/2025 lý do...' -> (2025-10-25, 'lý do...'); a missing year is this year."""
    m = _ISO.match(text)
    if m:
        y, mo, d, rest = int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4)
    else:
        m = _DATE.match(text)
        if not m:
            return None, text
        d, mo, rest = int(m.group(1)), int(m.group(2)), m.group(4)
        y = int(m.group(3)) if m.group(3) else today.year
        y = y + 2000 if y < 100 else y
    try:
        return date(y, mo, d), rest.strip()
    except ValueError:
        return None, text


def take_date(session: Session, env: BotEnv, person: Person, dialog: BotDialog, task: Task, text: str,
              now: datetime) -> Outcome:
    """The answer to "which new date?"; the reason may follow on the same line."""
    today = now.astimezone(env.tz).date()
    new_due, rest = parse_day(text, today)
    out = Outcome()
    if new_due is None:
        return out.say(dialog.chat_id, "Chưa đọc được ngày. Đề nghị nhập theo dạng ngày/tháng/năm, ví dụ "
                                       f"<code>25/10/2025</code> (gõ {env.channel.cmd('boqua')} để thôi).",
                       force_reply=True)
    floor = max(task.due or today, today)
    if new_due <= floor:
        return out.say(dialog.chat_id, f"Ngày hạn mới phải sau {day(floor)}. Đề nghị nhập lại (gõ "
                                       f"{env.channel.cmd('boqua')} để thôi).", force_reply=True)
    if refusal := not_a_working_day(env.calendar, new_due):
        return out.say(dialog.chat_id, f"{escape(refusal)}. Đề nghị nhập lại (gõ {env.channel.cmd('boqua')} "
                                       f"để thôi).", force_reply=True)
    if not rest:
        dialog.kind, dialog.data = DialogKind.EXTEND_REASON, {**dialog.data, "new_due": new_due.isoformat()}
        session.add(dialog)
        return out.say(dialog.chat_id, f"Hạn mới đề nghị: <b>{long_date(new_due)}</b>. Đồng chí cho biết "
                                       f"lý do xin gia hạn:", force_reply=True)
    return submit(session, env, person, dialog, task, new_due, rest, now)


def take_reason(session: Session, env: BotEnv, person: Person, dialog: BotDialog, task: Task, text: str,
                now: datetime) -> Outcome:
    """The answer to "why?"."""
    if not text:
        return Outcome().say(dialog.chat_id, "Đề nghị ghi lý do xin gia hạn.", force_reply=True)
    return submit(session, env, person, dialog, task, date.fromisoformat(dialog.data["new_due"]), text, now)


def submit(session: Session, env: BotEnv, person: Person, dialog: BotDialog, task: Task, new_due: date,
           reason: str, now: datetime) -> Outcome:
    """Record the request and put it before the approver."""
    session.delete(dialog)
    out = Outcome()
    if task.status not in ACTIVE:
        return out.say(dialog.chat_id, f"Nhiệm vụ đã {status_label(task.status)}: không cần gia hạn nữa.")
    approver = approver_for(session, task, person)
    if approver is None:
        return out.say(dialog.chat_id, "Không xác định được người duyệt (org.yaml chưa có trưởng đơn vị hay "
                                       "Chủ tịch). Đề nghị báo quản trị viên dondoc.")
    request = ExtensionRequest(task_id=task.id, notification_id=dialog.notification_id, requester_id=person.id,
                               approver_id=approver.id, old_due=task.due, new_due=new_due, reason=reason,
                               created_at=now)
    session.add(request)
    session.flush()
    record(session, "extension_requested", Actor.of(person, env.channel.name), now, task,
           {"request": request.id, "old_due": task.due.isoformat() if task.due else None,
            "new_due": new_due.isoformat(), "reason": reason, "approver": approver.code})
    if dialog.notification_id and dialog.data.get("message_id"):
        out.marks.append(Mark(Where(dialog.chat_id, dialog.data["message_id"]),
                              f"⏳ <b>Đã xin gia hạn</b> đến {day(new_due)} – chờ đồng chí {escape(approver.name)} "
                              f"duyệt ({stamp(now, env.tz)})", notification_id=dialog.notification_id))
    label = env.channel.label
    if chat := env.channel.contact(approver):
        choices = (Choice("✅ Đồng ý", "approve", request.id), Choice("❌ Từ chối", "refuse", request.id))
        fail = Send(dialog.chat_id, f"Không gửi được đề nghị tới đồng chí {escape(approver.name)} qua {label}. "
                                    f"Đề nghị đã được ghi lại; đồng chí liên hệ trực tiếp để được duyệt.")
        out.sends.append(Send(chat, request_text(session, env, request, task, person), choices,
                              person_id=approver.id, request_id=request.id, on_fail=fail))
        return out.say(dialog.chat_id, f"📨 Đã gửi đề nghị gia hạn đến {day(new_due)} tới đồng chí "
                                       f"<b>{escape(approver.name)}</b>. dondoc sẽ báo lại kết quả.")
    return out.say(dialog.chat_id, f"Đề nghị đã được ghi lại, nhưng đồng chí {escape(approver.name)} chưa nhận tin "
                                   f"qua {label}. Đề nghị liên hệ trực tiếp (quản trị viên có thể gia hạn bằng "
                                   f"lệnh <code>dondoc task extend</code>).")


def request_text(session: Session, env: BotEnv, request: ExtensionRequest, task: Task, requester: Person) -> str:
    unit = session.get(Unit, requester.unit_id) if requester.unit_id else None
    return "\n".join([
        "⏳ <b>Đề nghị gia hạn</b>",
        f"<b>{escape(task.title)}</b> (nhiệm vụ {escape(task.ref)}, #{task.id})",
        f"Người đề nghị: {escape(requester.name)}" + (f" – {escape(unit.name)}" if unit else ""),
        f"Hạn hiện tại: {long_date(request.old_due)}",
        f"Hạn đề nghị: <b>{long_date(request.new_due)}</b>",
        f"Lý do: {escape(request.reason)}",
        f"Trạng thái nhiệm vụ: {status_label(task.status)}",
    ])


def decide(session: Session, env: BotEnv, person: Person, request_id: int, approve: bool, where: Where,
           now: datetime, why: str | None = None) -> Outcome:
    """Đồng ý / Từ chối on an extension request; `why` the approver's reason, when given."""
    request = session.get(ExtensionRequest, request_id)
    if request is None:
        return Outcome("Không tìm thấy đề nghị gia hạn này. (Unknown request.)", alert=True)
    if not may_decide(person, request):
        approver = session.get(Person, request.approver_id) if request.approver_id else None
        return Outcome(f"Chỉ đồng chí {approver.name if approver else 'người duyệt'} mới duyệt được đề nghị này. "
                       f"(Not yours to decide.)", alert=True)
    if request.status != ExtensionStatus.PENDING:
        by = session.get(Person, request.decided_by_id) if request.decided_by_id else None
        verdict = {ExtensionStatus.APPROVED: "đồng ý", ExtensionStatus.REFUSED: "từ chối"}.get(request.status, "xử lý")
        return Outcome(f"Đề nghị này đã được {verdict}" + (f" ({by.name}, {stamp(request.decided_at, env.tz)})"
                                                            if by and request.decided_at else "")
                       + ". (Already decided.)", alert=True)
    task = session.get(Task, request.task_id)
    if task.status not in ACTIVE:
        return Outcome(f"Nhiệm vụ đã {status_label(task.status)}; đề nghị không còn hiệu lực. (Stale.)", alert=True)
    if approve and task.due is not None and request.new_due <= task.due:
        return Outcome(f"Hạn hiện tại ({day(task.due)}) đã không sớm hơn ngày đề nghị; không cần gia hạn. "
                       f"(Stale.)", alert=True)
    actor = Actor.of(person, env.channel.name)
    if approve:
        try:
            extend(session, task, request.new_due, actor, now, request.reason, calendar=env.calendar)
        except WorkflowError as exc:
            return Outcome(str(exc), alert=True)
        env.sync(session, task, now)
        line = f"✅ <b>Đồng ý gia hạn</b> đến {day(request.new_due)} – {escape(person.name)}, {stamp(now, env.tz)}"
        told = (f"✅ Đề nghị gia hạn nhiệm vụ <b>{escape(task.title)}</b> đã được đồng chí {escape(person.name)} "
                f"đồng ý. Hạn mới: <b>{long_date(request.new_due)}</b>; nhắc việc được tính lại theo hạn mới.")
    else:
        record(session, "extension_refused", actor, now, task,
               {"request": request.id, "new_due": request.new_due.isoformat(), "reason": request.reason,
                **({"why": why} if why else {})})
        line = f"❌ <b>Không đồng ý gia hạn</b> – {escape(person.name)}, {stamp(now, env.tz)}"
        told = (f"❌ Đề nghị gia hạn nhiệm vụ <b>{escape(task.title)}</b> đến {day(request.new_due)} không được "
                f"đồng chí {escape(person.name)} đồng ý. Hạn vẫn là {long_date(task.due)}; đề nghị liên hệ trực tiếp "
                f"nếu cần trao đổi thêm." + (f"\nLý do: {escape(why)}" if why else ""))
    request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    request.decided_at, request.decided_by_id = now, person.id
    session.add(request)
    out = Outcome("Đã đồng ý gia hạn." if approve else "Đã ghi nhận: không đồng ý gia hạn.")
    out.marks.append(Mark(where, line, request_id=request.id))
    requester = session.get(Person, request.requester_id)
    if requester is not None and (chat := env.channel.contact(requester)):
        out.sends.append(Send(chat, told, person_id=requester.id))
    return out
