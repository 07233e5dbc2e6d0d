"""What a person can do from a chat, whatever the chat app: one table of intents.

    perform(session, env, chat, intent, args, now) -> Outcome

Every chat channel turns what arrives into an intent and its arguments (Telegram: commands,
signed button presses, replies; Zalo: typed words and numbers, engine/chat/zalo/words.py) and
carries out the Outcome its own way. The handlers behind the intents are the pure functions of
commands.py, actions.py and extensions.py; they read `env.channel` for the little that differs
(the app's name, how a command is typed, whom to reach there).

Intents on something name it by id: a notification (start, done, extend, ack, details) or an
extension request (approve, refuse). Who may act is checked by the handler, never by the channel:
a stranger, a foreign task or a stale state changes nothing and is told why. Who acts is the user who
pressed or typed (commands.who), never the chat: in a group chat only linked members act.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Callable

from sqlmodel import Session

from engine.chat import actions, commands
from engine.chat.commands import Chat, who
from engine.chat.extensions import decide
from engine.chat.replies import BotEnv, Outcome, Where
from engine.core.models import Notification, Task
from engine.core.vocabulary import ACTIVE, TaskStatus


class Intent(StrEnum):
    LINK = "link"           # args.text: the invite code (none: greet)
    TASKS = "tasks"
    OVERDUE = "overdue"
    REPORT = "report"
    HELP = "help"
    UNLINK = "unlink"
    SKIP = "skip"           # drop the question the bot is waiting on
    START = "start"
    DONE = "done"           # args.text: a note, recorded at once
    EXTEND = "extend"       # args.text: "new day [reason]", else the bot asks
    ACK = "ack"
    DETAILS = "details"
    APPROVE = "approve"
    REFUSE = "refuse"       # args.text: the approver's reason
    ANSWER = "answer"       # args.text: the answer to the bot's pending question
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Args:
    target: int | None = None       # notification id, or extension-request id for approve / refuse
    text: str | None = None
    where: Where | None = None      # the message acted on, when the app can edit it


ON_CHAT: dict[Intent, Callable[..., Outcome]] = {
    Intent.TASKS: commands.my_tasks, Intent.OVERDUE: commands.overdue, Intent.REPORT: commands.report,
    Intent.HELP: commands.help_, Intent.UNLINK: commands.unlink_chat, Intent.SKIP: commands.skip,
    Intent.UNKNOWN: commands.not_understood,
}
ON_TASK = (Intent.START, Intent.DONE, Intent.EXTEND, Intent.ACK, Intent.DETAILS)
MISSING = "Không tìm thấy thông báo này. (Unknown notification.)"


def perform(session: Session, env: BotEnv, chat: Chat, intent: Intent | str, args: Args,
            now: datetime) -> Outcome:
    """Do what `intent` asks for the person behind `chat`, and say what came of it."""
    intent = Intent(intent)
    if intent in ON_CHAT:
        return ON_CHAT[intent](session, env, chat, now)
    if intent == Intent.LINK:
        return commands.start(session, env, chat, args.text, now)
    if intent == Intent.ANSWER:
        return actions.reply(session, env, chat, args.text or "", now)
    person = who(session, chat)
    if person is None:
        return Outcome(actions.not_linked(env) if chat.private else in_group(env), alert=True)
    where = args.where or Where(chat.chat_id, None)
    if intent in (Intent.APPROVE, Intent.REFUSE):
        return decide(session, env, person, args.target, intent == Intent.APPROVE, where, now, args.text)
    row = session.get(Notification, args.target) if args.target is not None else None
    task = session.get(Task, row.task_id) if row else None
    if row is None or task is None:
        return Outcome(MISSING, alert=True)
    out = actions.ACTIONS[intent](session, env, person, row, task, where, now)
    if args.text and intent in (Intent.DONE, Intent.EXTEND) and not out.alert:
        # The note or the new day came with the command: answer the question the action just asked.
        out.sends = [s for s in out.sends if not s.force_reply]
        if intent == Intent.DONE and out.answer:      # what was done, then the note kept
            out.say(chat.chat_id, out.answer)
        out.answer = None
        out.then(actions.reply(session, env, chat, args.text, now))
    return out


def in_group(env: BotEnv) -> str:
    """The answer to an action in a group chat by a member who is not linked (at most 200 characters,
    Telegram's limit for the answer to a press)."""
    return (f"Trong nhóm, chỉ cán bộ đã liên kết tài khoản {env.channel.label} của chính mình mới thao tác được. "
            f"Nhắn riêng {env.channel.cmd('trogiup')} cho bot để biết cách. (Only linked users can act.)")


def offers(row: Notification, task: Task) -> list[str]:
    """The actions a notification offers on its task as it is now (buttons on Telegram, typed
    answers on Zalo): to the assignee start (if not started), done, extend (if it has a due day);
    on an escalation acknowledge and details; nothing on anything else."""
    if task.status not in ACTIVE:
        return []
    if row.level >= 1:
        return [Intent.ACK, Intent.DETAILS]
    if row.person_id is not None and row.person_id == task.assignee_id:
        actions = [Intent.START] if task.status == TaskStatus.OPEN else []
        actions.append(Intent.DONE)
        if task.due is not None:
            actions.append(Intent.EXTEND)
        return actions
    return []
