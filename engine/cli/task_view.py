"""`dondoc task show` for a person: labelled fields and readable events, never None or a raw dict."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from engine.core.workflow import STATE_LABELS

NONE = "—"
FIELDS = (  # key in the task's JSON, label (Vietnamese, English)
    ("id", "Mã số (id)"), ("ref", "Số hiệu (ref)"), ("plan", "Kế hoạch (plan)"), ("title", "Nhiệm vụ (title)"),
    ("product", "Sản phẩm (product)"), ("lead", "Chủ trì (lead unit)"), ("support", "Phối hợp (support units)"),
    ("assignee_name", "Người thực hiện (assignee)"), ("status", "Trạng thái (status)"),
    ("deadline", "Thời hạn (deadline)"), ("kind", "Loại thời hạn (deadline kind)"), ("start", "Bắt đầu (start)"),
    ("due", "Hạn (due)"), ("state", "Tình hình (state)"), ("due_soon", "Sắp đến hạn (due soon)"),
    ("done_at", "Hoàn thành lúc (done at)"), ("source", "Nguồn (source)"),
)
STATUS_LABELS = {"open": "Chưa bắt đầu", "in_progress": "Đang thực hiện", "done": "Đã hoàn thành",
                 "cancelled": "Đã hủy"}
EVENT_LABELS = {
    "created": "tạo", "updated": "cập nhật", "started": "bắt đầu", "paused": "tạm dừng", "done": "hoàn thành",
    "cancelled": "hủy", "reopened": "mở lại", "restored": "khôi phục", "extended": "gia hạn",
    "extension_requested": "đề nghị gia hạn", "extension_refused": "từ chối gia hạn",
    "acknowledged": "xác nhận cảnh báo", "note": "ghi chú",
}


def task_lines(data: dict[str, Any]) -> list[str]:
    """One 'Label: value' line per field, then one line per event."""
    lines = [f"{label}: {_field(key, data)}" for key, label in FIELDS]
    lines.append("Lịch sử (events):")
    lines += [f"  {event_line(e)}" for e in data["events"]] or [f"  {NONE}"]
    return lines


def event_line(event: dict[str, Any]) -> str:
    """'17/10/2025 15:00  hoàn thành (done)  tp-hoang-van-em qua cli  note: Đã gửi báo cáo'."""
    kind = event["kind"]
    label = f"{EVENT_LABELS[kind]} ({kind})" if kind in EVENT_LABELS else kind
    details = "; ".join(_detail(k, v) for k, v in (event["data"] or {}).items())
    return "  ".join(p for p in (_moment(event["at"]), label, f"{event['actor']} qua {event['channel']}",
                                 details) if p)


def _detail(key: str, value: Any) -> str:
    if key == "changes" and isinstance(value, dict):   # an import's diff: field -> [old, new]
        return "; ".join(f"{field}: {_value(old)} → {_value(new)}" for field, (old, new) in value.items())
    return f"{key}: {_value(value)}"


def _field(key: str, data: dict[str, Any]) -> str:
    value = data.get(key)
    if key == "status" and value in STATUS_LABELS:
        return f"{STATUS_LABELS[value]} ({value})"
    if key == "state" and value in STATE_LABELS:
        return f"{STATE_LABELS[value]} ({value})"
    if key == "assignee_name" and value and data.get("assignee"):
        return f"{value} ({data['assignee']})"
    if key == "source" and isinstance(value, dict):
        lines = value.get("lines")
        where = f", dòng (lines) {lines[0]}–{lines[1]}" if lines and lines[0] else ""
        return f"{value.get('file') or NONE}{where}"
    if key in ("start", "due", "done_at"):
        return _moment(value)
    return _value(value)


def _value(value: Any) -> str:
    """Any JSON value as text: days and moments as dd/mm/yyyy, lists joined, mappings as 'key: value'."""
    if value is None or value == "" or value == []:
        return NONE
    if isinstance(value, bool):
        return "có (yes)" if value else "không (no)"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    return _moment(value) if isinstance(value, str) else str(value)


def _moment(value: Any) -> str:
    """An ISO day or moment as 17/10/2025 or 17/10/2025 15:00; other text unchanged."""
    if not isinstance(value, str):
        return _value(value)
    if not _looks_like_moment(value):
        return value
    if len(value) == 10:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    return datetime.fromisoformat(value).strftime("%d/%m/%Y %H:%M")


def _looks_like_moment(text: str) -> bool:
    if len(text) < 10 or text[4:5] != "-" or text[7:8] != "-":
        return False
    try:
        (date.fromisoformat if len(text) == 10 else datetime.fromisoformat)(text)
    except ValueError:
        return False
    return True
