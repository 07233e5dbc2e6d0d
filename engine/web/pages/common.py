"""What every page shares: labels, date formats, the task lookups, links to the filtered list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable
from urllib.parse import urlencode

from sqlmodel import Session, select

from engine.cli.task_view import EVENT_LABELS, STATUS_LABELS
from engine.core.cchc import DOMAINS
from engine.core.models import Person, Plan, Task, Unit
from engine.core.queries import Lookup
from engine.core.workflow import STATE_LABELS, STATE_SHORT, STATES

NONE = "—"
TILES = (*STATES, "due_soon")
TILE_LABELS = {**STATE_LABELS, "due_soon": "Sắp đến hạn"}
CHANNEL_LABELS = {"email": "Email", "telegram": "Telegram", "zalo": "Zalo", "console": "Màn hình (console)",
                  "cli": "dòng lệnh (CLI)", "web": "trang web", "import": "nhập kế hoạch", "system": "hệ thống"}
DELIVERY_LABELS = {
    "pending": "Chờ gửi", "sent": "Đã gửi", "failed": "Gửi lỗi", "skipped": "Bỏ qua",
    "suppressed": "Đã chặn (đã xác nhận)", "no_contact": "Không có liên lạc", "no_recipient": "Không có người nhận",
    "merged": "Gộp vào tin khác", "not_configured": "Kênh chưa cấu hình",
}
ROLE_LABELS = {"officer": "Cán bộ", "supervisor": "Lãnh đạo / trưởng đơn vị", "admin": "Quản trị",
               "chairman": "Chủ tịch"}
PAGE_SIZE = 50


def day(value: date | str | None) -> str:
    """17/10/2025; — for nothing."""
    if value is None or value == "":
        return NONE
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


def moment(value: datetime | str | None, tz=None) -> str:
    """17/10/2025 15:00 in the configured zone; — for nothing."""
    if value is None or value == "":
        return NONE
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if tz is not None:
        value = value.astimezone(tz)
    return value.strftime("%d/%m/%Y %H:%M")


def state_label(state: str | None) -> str:
    return STATE_LABELS.get(state, "Đã hủy") if state else "Đã hủy"


def filters() -> dict[str, Any]:
    """Jinja filters and globals the page templates use (registered on the shared environment)."""
    return {"day": day, "moment": moment, "state_label": state_label,
            "status_label": lambda s: STATUS_LABELS.get(s, s), "event_label": lambda k: EVENT_LABELS.get(k, k),
            "channel_label": lambda c: CHANNEL_LABELS.get(c, c or NONE),
            "delivery_label": lambda s: DELIVERY_LABELS.get(s, s), "domain_label": lambda d: DOMAINS.get(d, d),
            "role_label": lambda r: ROLE_LABELS.get(r, r)}


def tasks_url(**params: Any) -> str:
    """/tasks with these filters (empty ones left out)."""
    kept = {k: v for k, v in params.items() if v not in (None, "", False)}
    return "/tasks" + (f"?{urlencode(kept)}" if kept else "")


def lookup_for(session: Session, tasks: Iterable[Task]) -> Lookup:
    """The names a list of tasks needs, loaded for those tasks only (a province holds thousands)."""
    tasks = list(tasks)
    plan_ids = {t.plan_id for t in tasks}
    unit_ids = {t.lead_unit_id for t in tasks if t.lead_unit_id} | {u for t in tasks for u in t.support_unit_ids}
    person_ids = {t.assignee_id for t in tasks if t.assignee_id}
    parent_ids = {t.parent_id for t in tasks if t.parent_id}
    return Lookup(_by_id(session, Plan, plan_ids), _by_id(session, Unit, unit_ids),
                  _by_id(session, Person, person_ids),
                  dict(session.exec(select(Task.id, Task.ref).where(Task.id.in_(parent_ids))).all())
                  if parent_ids else {})


def units_of(session: Session, ids: set[int | None]) -> dict[int, Unit]:
    return _by_id(session, Unit, {i for i in ids if i})


def _by_id(session: Session, model, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    found: dict[int, Any] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 900):   # SQLite's bound-parameter limit
        chunk = ordered[start:start + 900]
        found.update({row.id: row for row in session.exec(select(model).where(model.id.in_(chunk)))})
    return found


def parse_day(value: str | None) -> date | None:
    """An <input type=date> value; None when empty or not a day."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None
