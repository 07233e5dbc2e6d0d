"""What a message says about one notification (a Notice), and how a digest orders and groups them.

A digest is split into sections by purpose, in the order a reader should act on them; each
section has its heading and what the reader is asked to do, in the recipient's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Sequence

from engine.core.vocabulary import DueKind
from notifiers.words import lang


@dataclass(frozen=True)
class Notice:
    """One notification as a message needs it (dispatch builds these from DB rows)."""

    notification_id: int
    template: str           # one of TEMPLATES (or a template an admin added)
    rule_id: str
    level: int              # 0 reminder, >=1 escalation level
    require_ack: bool
    urgent: bool
    task_id: int
    task_ref: str
    task_title: str
    plan_title: str
    deadline: str | None    # the phrase as written in the plan
    due: date | None
    start: date | None
    status: str             # open | in_progress | done | cancelled
    lead_unit: str | None
    assignee_name: str | None
    recipient_role: str     # assignee, lead_unit_head, role:chairman ...
    working_days_left: int | None   # negative when overdue
    days_overdue: int | None        # calendar days past due, None if not overdue
    due_kind: str = "date"          # date | period | recurring | continuous | external | event | unknown
    purpose: str = "due_soon"       # one of PURPOSES: the digest section it belongs to


# The sections of a digest, in the order a reader should act on them, each with its heading and
# what the reader is asked to do; digest.j2 shows them as `section.heading`, `section.ask`.
PURPOSES = ("ack", "needs_assignment", "overdue", "due_today", "due_soon", "needs_date", "check_in")
_SECTIONS = {
    "vi": {
        "ack": ("⚠️ Cảnh báo quá hạn – cần xác nhận",
                "Đề nghị đồng chí xác nhận đã nắm thông tin (nút «Đã nhận» trên Telegram hoặc báo quản trị "
                "viên dondoc). Sau khi xác nhận, cảnh báo cấp đó và cấp cao hơn về nhiệm vụ sẽ tạm dừng."),
        "needs_assignment": ("👤 Cần phân công",
                             "Các nhiệm vụ này chưa có ai để nhắc (chưa có người thực hiện, đơn vị chủ trì là "
                             "một nhóm hoặc cơ quan bên ngoài). Đề nghị phân công trong tệp kế hoạch hoặc "
                             "danh sách cán bộ (org.yaml) rồi nạp lại."),
        "overdue": ("⏰ Quá hạn", "Đề nghị hoàn thành ngay, hoặc xin gia hạn và nêu lý do."),
        "due_today": ("📌 Hạn hôm nay", "Đề nghị hoàn thành trong ngày; xong việc thì báo hoàn thành."),
        "due_soon": ("🗓 Sắp đến hạn", "Đề nghị bố trí thực hiện đúng hạn."),
        "needs_date": ("❓ Cần xác định thời hạn",
                       "dondoc chưa tính được ngày hạn cụ thể nên chưa thể nhắc đúng hạn. Đề nghị đặt ngày "
                       "hạn (khóa due trong tệp kế hoạch) rồi nhập lại kế hoạch."),
        "check_in": ("📝 Hỏi tiến độ",
                     "Đề nghị cập nhật tiến độ: đang thực hiện, đã hoàn thành, hoặc khó khăn cần báo cáo."),
    },
    "en": {
        "ack": ("⚠️ Overdue – please acknowledge",
                "Please acknowledge (the «Đã nhận» button on Telegram, or tell the dondoc admin). Once "
                "acknowledged, escalations of that level and above pause for the task."),
        "needs_assignment": ("👤 Needs someone assigned",
                             "Nobody can be reminded of these tasks (no assignee; the lead is a group or an "
                             "outside body). Please assign them in the plan file or org.yaml and reload."),
        "overdue": ("⏰ Overdue", "Please finish now, or ask for an extension with a reason."),
        "due_today": ("📌 Due today", "Please finish today and report it done."),
        "due_soon": ("🗓 Due soon", "Please plan to finish on time."),
        "needs_date": ("❓ Needs a due date",
                       "dondoc could not compute a due day, so it cannot remind on time. Please set one (the "
                       "due key in the plan file) and import the plan again."),
        "check_in": ("📝 Progress check", "Please report progress: in progress, done, or a difficulty."),
    },
}


@dataclass(frozen=True)
class Section:
    purpose: str
    heading: str
    ask: str
    notices: list


def sections(notices: Sequence["Notice"], locale: str = "vi") -> list[Section]:
    """The digest's sections with their headings and requests, non-empty ones only, in order."""
    texts = _SECTIONS[lang(locale)]
    return [Section(p, *texts.get(p, (p, "")), group) for p, group in digest_groups(notices)]
_NO_DATE_KINDS = (DueKind.EXTERNAL, DueKind.EVENT, DueKind.UNKNOWN)


def purpose_of(notice: dict[str, Any], today: date) -> str:
    """What a notification asks of its reader: acknowledge, assign, act on overdue work, ..."""
    template, due = notice["template"], notice["due"]
    if template == "needs_assignment":
        return "needs_assignment"
    if notice["require_ack"]:
        return "ack"
    if template in ("check_in", "needs_date"):
        return template
    if due is None:
        return "needs_date" if notice.get("due_kind") in _NO_DATE_KINDS else "check_in"
    if due < today:
        return "overdue"
    return "due_today" if due == today else "due_soon"


def digest_order(notices: Sequence[Notice]) -> list[Notice]:
    """By section (PURPOSES), then overdue first and by due day; work without a due day last."""
    rank = {p: i for i, p in enumerate(PURPOSES)}
    return sorted(notices, key=lambda n: (rank.get(n.purpose, len(PURPOSES)), not n.days_overdue,
                                          n.due or date.max, n.task_id))


def digest_groups(notices: Sequence[Notice]) -> list[tuple[str, list[Notice]]]:
    """The digest's sections: (purpose, its notices in digest order), non-empty ones only."""
    groups: dict[str, list[Notice]] = {}
    for notice in digest_order(notices):
        groups.setdefault(notice.purpose, []).append(notice)
    return list(groups.items())


def due_events(notices: Sequence[Notice]) -> tuple[tuple[str, date, str], ...]:
    """(thread, due day, title) of each task with a due day: one calendar event each."""
    return tuple((f"task-{n.task_id}", n.due, n.task_title) for n in digest_order(notices) if n.due is not None)
