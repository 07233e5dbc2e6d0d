"""From a plan item and its parsed deadline to the task rows it becomes.

A recurring obligation ("báo cáo theo Quý trước ngày 20 của tháng cuối Quý") becomes a parent
task plus one task per occurrence inside the plan period, each with its own due day and
status, refs like `R1/2023-Q1` (`R1/2025-11-21` for a daily one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from engine.core.deadlines import DueSpec
from engine.core.names import nfc
from engine.core.vocabulary import TaskType

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass
class TaskSpec:
    ref: str
    lead: str | None
    support: list[str]
    assignee: str | None
    fields: dict[str, Any]
    parent_ref: str | None = None


def specs_for(section: str, item: Any, due: DueSpec | None, span: tuple[date, date],
              default_source: str | None, issued: date | None = None) -> list[TaskSpec]:
    """The task rows one plan item stands for: itself, and its occurrences if recurring (none
    before the plan's `issued` day, when known)."""
    if due is not None:
        due = due.since(issued)
    lines = item.source.lines if item.source and item.source.lines else (None, None)
    fields: dict[str, Any] = {
        "kind": TaskType.REPORT if section == "reports" else TaskType.TASK,
        "domain": item.domain,
        "title": nfc(item.title),
        "product": nfc(item.product) if getattr(item, "product", None) else None,
        "recipient": nfc(item.recipient) if getattr(item, "recipient", None) else None,
        "deadline": nfc(item.deadline) if item.deadline else None,
        "open_ended": False, "event_text": None, "deadline_reason": None,
        "source_file": (item.source.file if item.source and item.source.file else default_source),
        "source_first_line": lines[0], "source_last_line": lines[1],
        "tags": list(item.tags),
    }
    if item.due is not None:
        fields |= {"due_kind": "period" if item.start else "date", "start": item.start,
                   "due_planned": item.due}
    elif due is not None:
        fields |= {"due_kind": due.kind, "start": due.start, "due_planned": due.due,
                   "open_ended": due.open_ended, "event_text": due.event, "deadline_reason": due.reason}
        if due.kind == "recurring":
            # The parent carries the phrase; each occurrence carries a due day.
            fields |= {"start": None, "due_planned": None}
    else:
        fields |= {"due_kind": "unknown", "start": item.start, "due_planned": None,
                   "deadline_reason": "chưa có thời hạn (no deadline given)"}
    support = list(getattr(item, "support", []))
    parent = TaskSpec(item.ref, item.lead, support, item.assignee, fields)
    specs = [parent]
    if item.due is None and due is not None and due.kind == "recurring" and due.recurrence:
        specs.extend(_occurrences(parent, due, span))
    return specs


def _occurrences(parent: TaskSpec, due: DueSpec, span: tuple[date, date]) -> list[TaskSpec]:
    out: list[TaskSpec] = []
    used: set[str] = set()
    freq = due.recurrence.freq
    for day, stated_start, stated_label in due.recurrence.items():
        if freq == "listed":
            label, name, start = _listed(day, stated_start)
        else:
            label, name, cycle_start = _cycle(freq, day)
            start = max(cycle_start, span[0])
        if label in used:
            label = day.isoformat()
        used.add(label)
        suffix = ", ".join(part for part in (stated_label, name) if part)
        fields = parent.fields | {
            "title": f"{parent.fields['title']} ({suffix})",
            "due_kind": "period", "start": start, "due_planned": day,
        }
        if start is None or start > day:
            fields["start"] = None
            fields["due_kind"] = "date"
        out.append(TaskSpec(f"{parent.ref}/{label}", parent.lead, parent.support, parent.assignee,
                            fields, parent_ref=parent.ref))
    return out


def _cycle(freq: str, day: date) -> tuple[str, str, date]:
    """(ref label, Vietnamese name, first day) of the cycle whose occurrence is due on `day`."""
    if freq == "daily":
        return day.isoformat(), f"Ngày {day.day}/{day.month}/{day.year}", day
    if freq == "quarterly":
        q = (day.month - 1) // 3 + 1
        return f"{day.year}-Q{q}", f"Quý {ROMAN[q]}/{day.year}", date(day.year, 3 * q - 2, 1)
    if freq == "monthly":
        return f"{day.year}-{day.month:02d}", f"Tháng {day.month}/{day.year}", date(day.year, day.month, 1)
    if freq == "semiannual":
        half = 1 if day.month <= 6 else 2
        name = "6 tháng đầu năm" if half == 1 else "6 tháng cuối năm"
        return f"{day.year}-H{half}", f"{name} {day.year}", date(day.year, 1 if half == 1 else 7, 1)
    return f"{day.year}", f"Năm {day.year}", date(day.year, 1, 1)


def _listed(day: date, start: date | None) -> tuple[str, str, date | None]:
    """(ref label, Vietnamese name, first day) of an occurrence the plan lists itself."""
    if start is None:
        return day.isoformat(), f"hạn {day:%d/%m/%Y}", None
    months = (day.year - start.year) * 12 + day.month - start.month + 1
    whole = start.day == 1 and (day + timedelta(days=1)).day == 1
    if whole and months in (1, 3, 6, 12) and (start.month - 1) % months == 0:
        freq = {1: "monthly", 3: "quarterly", 6: "semiannual", 12: "yearly"}[months]
        label, name, _ = _cycle(freq, day)
        return label, name, start
    return day.isoformat(), f"{start:%d/%m}–{day:%d/%m/%Y}", start
