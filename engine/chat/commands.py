"""The bot's commands, as pure functions: (session, env, chat, args..., now) -> Outcome, the
same on every chat app (env.channel says which; engine/chat/conversation.py names them as intents).

    /start [CODE]   link this chat (private chats only), or greet     English: /start
    /viec           my open tasks, overdue first                      /tasks
    /quahan         overdue tasks of the units I head (chairman: all) /overdue
    /baocao         status counts of my unit (chairman: by unit)      /report
    /huy            unlink this chat                                  /unlink
    /boqua          drop the question the bot is waiting on           /cancel
    /trogiup        help                                              /help
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from engine.chat.linking import person_for_chat, person_for_user, redeem, unlink
from engine.chat.replies import BotEnv, Outcome, day
from engine.core.models import BotDialog, Person, Task, Unit
from engine.core.orgtree import is_chairman, subtree
from engine.core.queries import counted, status_report
from engine.core.vocabulary import ACTIVE
from engine.core.workflow import STATE_LABELS, STATE_SHORT, STATES, classify, countdown
from notifiers.htmlsplit import escape
from notifiers.words import long_date, relative_phrase, status_label

COMMANDS = [  # (Vietnamese, English alias, description for setMyCommands)
    ("viec", "tasks", "Việc của tôi (chưa hoàn thành)"),
    ("quahan", "overdue", "Việc quá hạn của đơn vị tôi phụ trách"),
    ("baocao", "report", "Báo cáo tình hình thực hiện"),
    ("trogiup", "help", "Hướng dẫn sử dụng"),
    ("huy", "unlink", "Hủy liên kết Telegram với dondoc"),
    ("boqua", "cancel", "Bỏ qua câu hỏi bot đang chờ"),
]
LIST_LIMIT = 30
STATE_ICONS = {"done_on_time": "✅", "done_late": "☑️", "open_in_time": "🟢", "open_overdue": "🔴",
               "no_deadline": "⚪"}


@dataclass(frozen=True)
class Chat:
    """Where an update came from: the chat, the user in it, whether it is a private chat, the app."""

    chat_id: str
    user_id: str | None = None
    private: bool = True
    channel: str = "telegram"


def who(session: Session, chat: Chat) -> Person | None:
    """The person behind an update: the user who sent it (in a private chat, the chat is theirs too);
    never a group chat, whose every member could press its buttons."""
    return person_for_user(session, chat.user_id, chat.chat_id if chat.private else None, channel=chat.channel)


LINK_REFUSED = {
    "unknown": "❌ Mã liên kết không đúng. Đề nghị kiểm tra lại hoặc xin quản trị viên mã mới.\n"
               "<i>Unknown link code.</i>",
    "used": "❌ Mã liên kết này đã được sử dụng hoặc đã được thay bằng mã mới. Đề nghị xin quản trị "
            "viên mã mới.\n<i>This code was already used.</i>",
    "expired": "❌ Mã liên kết đã hết hạn (mã có hiệu lực 7 ngày). Đề nghị xin quản trị viên mã mới.\n"
               "<i>This code has expired.</i>",
    "inactive": "❌ Cán bộ của mã liên kết này không còn hoạt động trong dondoc.\n"
                "<i>This person is no longer active.</i>",
}


def start(session: Session, env: BotEnv, chat: Chat, code: str | None, now) -> Outcome:
    """/start CODE links the chat; /start alone greets (or explains how to link)."""
    out = Outcome()
    if code:
        if not chat.private:
            return out.say(chat.chat_id, "Việc liên kết chỉ làm được trong cuộc trò chuyện riêng với bot. "
                                         "Đề nghị mở trò chuyện riêng với bot rồi gõ lại lệnh.")
        result = redeem(session, code, chat.chat_id, now, chat.channel)
        if result.reason == "taken":
            return out.say(chat.chat_id, f"❌ Tài khoản {env.channel.label} này đang liên kết với đồng chí "
                                         f"<b>{escape(result.other.name)}</b>. Nếu đây là tài khoản của đồng chí, "
                                         f"gõ {env.channel.cmd('huy')} để hủy liên kết cũ rồi gửi lại mã.\n"
                                         f"<i>This chat is linked to someone else.</i>")
        if not result.ok:
            return out.say(chat.chat_id, LINK_REFUSED[result.reason])
        unit = f" – {escape(result.unit.name)}" if result.unit else ""
        return out.say(chat.chat_id, f"✅ Xin chào đồng chí <b>{escape(result.person.name)}</b>{unit}!\n"
                                     f"Tài khoản {env.channel.label} này đã được liên kết với dondoc: từ nay nhắc "
                                     f"việc và cảnh báo sẽ gửi về đây, kèm "
                                     f"{'nút' if env.channel.choices else 'lệnh trả lời'} để cập nhật ngay."
                                     f"\n\n{env.channel.help}")
    person = who(session, chat)
    if person is None:
        return out.say(chat.chat_id, env.channel.not_linked)
    unit = _unit_suffix(session, person)
    return out.say(chat.chat_id, f"👋 Xin chào đồng chí <b>{escape(person.name)}</b>{unit}.\n\n{env.channel.help}")


def help_(session: Session, env: BotEnv, chat: Chat, now) -> Outcome:
    """/trogiup: the commands, or how to link for a chat nobody linked."""
    return Outcome().say(chat.chat_id, env.channel.help if who(session, chat) else env.channel.not_linked)


def unlink_chat(session: Session, env: BotEnv, chat: Chat, now) -> Outcome:
    """/huy: forget this chat; reminders stop coming here."""
    person = person_for_chat(session, chat.chat_id, channel=chat.channel)   # this chat, even when its user has another
    label = env.channel.label
    if person is None:
        return Outcome().say(chat.chat_id, f"Tài khoản {label} này chưa liên kết với dondoc, không có gì để hủy.")
    if not chat.private and who(session, chat) != person:
        return Outcome().say(chat.chat_id, f"Chỉ đồng chí <b>{escape(person.name)}</b> mới hủy được liên kết của "
                                           f"nhóm này.\n<i>Only the person this group is linked to can unlink it.</i>")
    unlink(session, person, now, channel=chat.channel)
    _drop_dialog(session, chat)
    return Outcome().say(chat.chat_id, f"Đã hủy liên kết {label} với đồng chí <b>{escape(person.name)}</b>: dondoc "
                                       f"sẽ không gửi tin về đây nữa. Muốn liên kết lại, đề nghị xin quản trị "
                                       f"viên mã mới.\n<i>Unlinked.</i>")


def skip(session: Session, env: BotEnv, chat: Chat, now) -> Outcome:
    """/boqua: stop waiting for an answer (a note, a date, a reason)."""
    if who(session, chat) is None:
        return Outcome().say(chat.chat_id, env.channel.not_linked)
    had = _drop_dialog(session, chat)
    return Outcome().say(chat.chat_id, "Đã bỏ qua." if had else "Không có câu hỏi nào đang chờ.")


def _drop_dialog(session: Session, chat: Chat) -> bool:
    dialog = session.get(BotDialog, chat.chat_id)
    if dialog is not None:
        session.delete(dialog)
    return dialog is not None


def _unit_suffix(session: Session, person: Person) -> str:
    unit = session.get(Unit, person.unit_id) if person.unit_id else None
    return f" ({escape(unit.name)})" if unit else ""


# -- /viec ------------------------------------------------------------------------------

def _line(task: Task, env: BotEnv, today: date, extra: str = "") -> str:
    c = classify(task, today, env.calendar, env.tz, env.soon_days)
    icon = STATE_ICONS.get(c.state, "⚪")
    if task.due is None:
        when = f"Chưa có ngày hạn ({escape(task.deadline or 'không ghi')})"
    else:
        left, overdue = countdown(env.calendar, task.due, today)
        when = f"{relative_phrase(task.due, today, left, overdue)} – hạn {long_date(task.due)}"
        when = when[0].upper() + when[1:]
    return f"<b>{escape(task.title)}</b> (#{task.id})\n   {icon} {when} · {status_label(task.status)}{extra}"


def _open_sorted(tasks: list[Task], today: date) -> list[Task]:
    """Overdue first, then by due day; work without a due day last."""
    return sorted(tasks, key=lambda t: (not (t.due and t.due < today), t.due is None, t.due or date.max, t.id))


def my_tasks(session: Session, env: BotEnv, chat: Chat, now) -> Outcome:
    """/viec: the person's open tasks with their state and due day."""
    person = who(session, chat)
    if person is None:
        return Outcome().say(chat.chat_id, env.channel.not_linked)
    today = now.astimezone(env.tz).date()
    tasks = counted(list(session.exec(select(Task).where(Task.assignee_id == person.id,
                                                         Task.status.in_(ACTIVE)))))
    if not tasks:
        return Outcome().say(chat.chat_id, f"✅ Đồng chí <b>{escape(person.name)}</b> không có việc nào chưa hoàn thành.")
    tasks = _open_sorted(tasks, today)
    overdue = sum(1 for t in tasks if t.due and t.due < today)
    lines = [f"📋 <b>Việc của đồng chí {escape(person.name)}</b>: {len(tasks)} việc chưa hoàn thành"
             + (f", {overdue} quá hạn" if overdue else "") + f" (ngày {day(today)})", ""]
    lines += [f"{i}. {_line(t, env, today)}" for i, t in enumerate(tasks[:LIST_LIMIT], start=1)]
    if len(tasks) > LIST_LIMIT:
        lines.append(f"… và {len(tasks) - LIST_LIMIT} việc khác.")
    return Outcome().say(chat.chat_id, "\n".join(lines))


# -- /quahan ----------------------------------------------------------------------------

def _units_overseen(session: Session, person: Person) -> list[Unit] | None:
    """Units whose overdue work `person` answers for: every unit for the chairman (None), else
    the units they head and the units under those."""
    if is_chairman(person):
        return None
    units = list(session.exec(select(Unit)))
    chosen = subtree({u.id: u.parent_id for u in units}, (u.id for u in units if u.head_id == person.id))
    return [u for u in units if u.id in chosen]


def overdue(session: Session, env: BotEnv, chat: Chat, now) -> Outcome:
    """/quahan: overdue tasks of the units the person heads (the chairman: of every unit)."""
    person = who(session, chat)
    if person is None:
        return Outcome().say(chat.chat_id, env.channel.not_linked)
    units = _units_overseen(session, person)
    if units == []:
        return Outcome().say(chat.chat_id, f"Lệnh {env.channel.cmd('quahan')} dành cho lãnh đạo đơn vị; org.yaml chưa "
                                           f"ghi đồng chí phụ trách đơn vị nào. Dùng {env.channel.cmd('viec')} để "
                                           f"xem việc của đồng chí.")
    today = now.astimezone(env.tz).date()
    query = select(Task).where(Task.status.in_(ACTIVE), Task.due != None,  # noqa: E711
                               Task.due < today)
    if units is not None:
        query = query.where(Task.lead_unit_id.in_([u.id for u in units]))
    tasks = _open_sorted(counted(list(session.exec(query))), today)
    scope = "mọi đơn vị" if units is None else ", ".join(escape(u.name) for u in units)
    if not tasks:
        return Outcome().say(chat.chat_id, f"✅ Không có việc quá hạn ({scope}), tính đến {day(today)}.")
    names = {p.id: p.name for p in session.exec(select(Person))}
    unit_names = {u.id: u.name for u in session.exec(select(Unit))}
    by_unit: dict[str, list[Task]] = {}
    for task in tasks:
        by_unit.setdefault(unit_names.get(task.lead_unit_id, "Chưa xác định đơn vị"), []).append(task)
    lines = [f"🔴 <b>Việc quá hạn</b>: {len(tasks)} việc ({scope}), tính đến {day(today)}"]
    shown = 0
    for unit_name in sorted(by_unit):
        lines += ["", f"<b>{escape(unit_name)}</b> ({len(by_unit[unit_name])})"]
        for task in by_unit[unit_name]:
            if shown >= LIST_LIMIT:
                break
            shown += 1
            who_does = escape(names.get(task.assignee_id, "chưa phân công"))
            lines.append(f"{shown}. {_line(task, env, today, f' · {who_does}')}")
    if len(tasks) > shown:
        lines.append(f"\n… và {len(tasks) - shown} việc khác.")
    return Outcome().say(chat.chat_id, "\n".join(lines))


# -- /baocao ----------------------------------------------------------------------------

def _counts_block(counts: dict) -> list[str]:
    lines = [f"{STATE_ICONS[s]} {STATE_LABELS[s]}: <b>{counts[s]}</b>" for s in STATES]
    lines.append(f"Tổng: <b>{counts['total']}</b> nhiệm vụ (sắp đến hạn: {counts['due_soon']})")
    return lines


def report(session: Session, env: BotEnv, chat: Chat, now) -> Outcome:
    """/baocao: the status counts of the person's unit, or by unit for the chairman."""
    person = who(session, chat)
    if person is None:
        return Outcome().say(chat.chat_id, env.channel.not_linked)
    today = now.astimezone(env.tz).date()
    data = status_report(session, today, env.calendar, env.tz, env.soon_days)
    head = f"(tính đến {long_date(today)})"
    if is_chairman(person):
        lines = [f"📊 <b>Tình hình thực hiện – toàn xã</b> {head}", *_counts_block(data["total"]), "",
                 "<b>Theo đơn vị chủ trì</b> (" + " · ".join(STATE_SHORT[s] for s in STATES) + "):"]
        for row in data["by_unit"]:
            lines.append(f"• {escape(row['unit'] or 'Chưa xác định')}: {row['total']} – "
                         + " · ".join(str(row[s]) for s in STATES))
        return Outcome().say(chat.chat_id, "\n".join(lines))
    unit = session.get(Unit, person.unit_id) if person.unit_id else None
    if unit is None:
        return Outcome().say(chat.chat_id, "org.yaml chưa ghi đồng chí thuộc đơn vị nào, nên chưa có báo cáo.")
    row = next((r for r in data["by_unit"] if r["code"] == unit.code), None)
    counts = row or {**{s: 0 for s in STATES}, "total": 0, "due_soon": 0}
    lines = [f"📊 <b>Tình hình thực hiện – {escape(unit.name)}</b> {head}", *_counts_block(counts)]
    return Outcome().say(chat.chat_id, "\n".join(lines))


def not_understood(session: Session, env: BotEnv, chat: Chat, now) -> Outcome:
    """Anything the bot has no answer for."""
    if who(session, chat) is None:
        return Outcome().say(chat.chat_id, env.channel.not_linked)
    return Outcome().say(chat.chat_id, f"Tôi chưa hiểu yêu cầu này. Gõ {env.channel.cmd('trogiup')} để xem các lệnh.")
