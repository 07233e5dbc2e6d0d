"""The provincial task-frame table (Mục tiêu | Nhiệm vụ | Hoạt động | Kết quả, sản phẩm | Chủ trì |
Phối hợp | Thời gian | Kinh phí) flattened into narrow wrapped fragments.

Only the first three columns carry numbers ("1.2.", "2.5.", "3.8."), so they anchor the parse: each
"2.N." task runs until the next marker; after its last "3.N." activity, the first fragment that
starts like a unit begins the lead/support cells, a deadline phrase follows, then funding. What
cannot be placed with confidence goes to review instead of becoming a wrong task: a line holding
several cells side by side, a task with no lead or deadline found, text of the task's own columns
reappearing after its deadline (the row was interleaved), an activity with a tail of its own.
Products are not taken: in this layout they cannot be told apart from the activity text above them.
Where a collective ("Các ban, ngành cấp xã") precedes a named office, the office is taken as lead:
vertically centred cells put a one-line lead below the top of a three-line support cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.plans.tables.cells import (DEADLINE_START, FUNDING, complete_deadline, deadline_start,
                                        group_units, make_task, unit_split)
from engine.plans.read.topics import domain_of, heading_topic
from engine.plans.extract.model import PlanDraft, ReviewItem, TaskDraft
from engine.plans.read.text import UPPER, Line, Span, clean, mostly_upper
from engine.plans.read.units import is_group

_MARK = re.compile(r"(?<![\w./])(?P<col>[123])\.(?P<n>\d{1,2})(?:[.:]|(?=\s))\s*")
_SECTION = re.compile(r"^\s*(?P<roman>[IVX]{1,4})\s+(?P<rest>\S.*)$")
_SUB = re.compile(rf"^\s*(?P<letter>[A-Z])\s+(?P<rest>[{UPPER}]\S*\s.*)$")
_LONE = re.compile(r"^\s*\d{1,3}\s*[|,.]?\s*$")
# First syllables of unit names, and of the funding cell, cut off by a narrow column.
_STUBS = {"Tư", "Văn", "Tài", "Địa", "Các cơ", "Theo"}


@dataclass
class _Task:
    n: str
    title: Span
    line: int
    mixed: bool = False


@dataclass
class _Group:
    tasks: list[_Task] = field(default_factory=list)
    activities: list[Line] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    deadline: str = ""
    leftovers: list[Line] = field(default_factory=list)
    state: str = "title"  # title | activity | units | deadline | funding | leftover | closed
    last: int = 0


def is_wide(header: str, lines: list[Line]) -> bool:
    """Is the flattened appendix the numbered task-frame layout?"""
    folded = header.lower()
    return "hoạt động" in folded and "nhiệm vụ" in folded and any(
        re.match(r"\s*2\.\d{1,2}\.?\s", line.text) for line in lines)


def wide_tasks(lines: list[Line], plan: PlanDraft, review: list[ReviewItem]) -> list[TaskDraft]:
    """Tasks ('2.N.' cells) of a flattened task-frame table; doubtful rows go to review."""
    tasks: list[TaskDraft] = []
    section, sub, domain = "", "", "other"
    group = _Group()
    used: set[str] = set()

    def flush() -> None:
        nonlocal group
        tasks.extend(_finish(group, f"{section}.{sub + '.' if sub else ''}", domain, plan, review, used))
        group = _Group()

    for line in _merge_stubs(lines):
        s = line.s
        if not s:
            continue
        if (m := _SECTION.match(s)) and mostly_upper(m["rest"]) and heading_topic(m["rest"]):
            flush()
            section, sub, domain = m["roman"], "", domain_of(heading_topic(m["rest"]))
            continue
        if (m := _SUB.match(s)) and heading_topic(m["rest"]):
            flush()
            sub, domain = m["letter"], domain_of(heading_topic(m["rest"])) if section else domain
            continue
        if _LONE.match(s):
            if group.state in ("deadline", "funding", "leftover"):
                group.state = "closed"
            continue
        marks = list(_MARK.finditer(line.text))
        # A marker opens the line, possibly after the row's TT number ("1 1.1. Ban hành ...").
        opening = re.match(r"\s*(?:\d{1,2}\s+(?=[123]\.\d))?", line.text).end()
        if marks and marks[0].start() == opening:
            if len(marks) > 1:
                flush()
                _mixed(group, marks, line)
                continue
            col, n = marks[0]["col"], marks[0]["n"]
            rest = line.text[marks[0].end():]
            if col == "1":
                flush()
                group.state = "objective"
            elif col == "2":
                if group.activities or group.units or group.deadline or group.state == "closed":
                    flush()
                group.tasks.append(_Task(n, Span(), line.no))
                group.tasks[-1].title.add(line.no, rest)
                group.state = "title"
            else:
                if group.state not in ("title", "activity", "objective"):
                    flush()  # an activity with a tail of its own: its own (orphan) group
                group.activities.append(Line(line.no, rest))
                group.state = "activity"
            continue
        _feed(group, line, plan.year)
    flush()
    return tasks


def _merge_stubs(lines: list[Line]) -> list[Line]:
    out: list[Line] = []
    pending: Line | None = None
    for line in lines:
        if not line.s:
            continue
        if pending is not None:
            out.append(Line(pending.no, f"{pending.s} {line.s}"))
            pending = None
        elif line.s in _STUBS:
            pending = line
        else:
            out.append(line)
    if pending is not None:
        out.append(pending)
    return out


def _mixed(group: _Group, marks: list[re.Match[str]], line: Line) -> None:
    """Several cells on one line: the row's layout is lost; its tasks can only be reviewed."""
    for m in marks:
        if m["col"] == "2":
            end = next((o.start() for o in marks if o.start() > m.start()), len(line.text))
            group.tasks.append(_Task(m["n"], Span(), line.no, mixed=True))
            group.tasks[-1].title.add(line.no, line.text[m.end():end])
    group.state = "activity"


def _feed(group: _Group, line: Line, year: int) -> None:
    s = line.s
    group.last = line.no
    state = group.state
    if state == "objective" or state == "closed":
        return
    if state == "title":
        if group.tasks:
            group.tasks[-1].title.add(line.no, s)
    elif state == "activity":
        previous = group.activities[-1].s if group.activities else ""
        at = unit_split(s)
        if at == 0 and re.search(r"\b(?:tại|của|cho|với|trình|đến)$", previous):
            at = None  # "Niêm yết tại / Bộ phận Tiếp nhận ...": the activity names a place
        if at is not None:
            if at:
                group.activities.append(Line(line.no, s[:at]))
            group.units.append(s[at:])
            group.state = "units"
        elif deadline_start(s) and len(s) <= 15 and group.activities:
            group.state = "deadline"
            _deadline(group, s, year)
        else:
            group.activities.append(line)
    elif state == "units":
        # "xã Năm 2024": the support cell's last line and the deadline cell side by side
        inner = next((m.start() for m in DEADLINE_START.finditer(s) if m.start() > 0 and s[m.start() - 1] == " "),
                     None)
        if deadline_start(s):
            group.state = "deadline"
            _deadline(group, s, year)
        elif inner is not None:
            group.units.append(s[:inner])
            group.state = "deadline"
            _deadline(group, s[inner:], year)
        elif FUNDING.match(s):
            group.state = "funding"
        else:
            group.units.append(s)
    elif state == "deadline":
        _deadline(group, s, year)
    elif state == "funding":
        if not (len(s) <= 12 and (s[:1].islower() or s.startswith("KH"))):
            group.state = "leftover"
            group.leftovers.append(line)
    else:
        group.leftovers.append(line)


def _deadline(group: _Group, s: str, year: int) -> None:
    if group.deadline and FUNDING.match(s):
        group.state = "funding"
        return
    if group.deadline and complete_deadline(group.deadline, year):
        kind_open = re.match(r"(?:Theo|Sau khi)", group.deadline)
        # An external or event deadline runs on over several short cell lines.
        if not (kind_open and len(s) <= 12 and not s.startswith("Theo")) and not _continues(group.deadline, s):
            group.state = "leftover"
            group.leftovers.append(Line(group.last, s))
            return
    group.deadline = clean(f"{group.deadline} {s}")


def _continues(deadline: str, s: str) -> bool:
    """Is `s` the rest of a wrapped deadline ('Quý II,' + 'III/2024', 'Quý I-IV' + 'năm 2024')?"""
    return bool(re.match(r"(?:\d|năm\b|/|[IVX]+\b)", s)) or deadline.rstrip().endswith((",", "-"))


def _finish(group: _Group, prefix: str, domain: str, plan: PlanDraft, review: list[ReviewItem],
            used: set[str]) -> list[TaskDraft]:
    first = min([t.line for t in group.tasks] + [a.no for a in group.activities] or [0])
    lines = (first, max(group.last, first))
    if not group.tasks:
        if group.units or group.deadline:
            text = clean(" ".join(a.s for a in group.activities))
            review.append(ReviewItem(lines, text[:300],
                                     "hoạt động có đơn vị chủ trì hoặc thời hạn riêng nhưng không thuộc nhiệm vụ "
                                     "đánh số nào; chưa tạo nhiệm vụ (an activity with its own lead or deadline, "
                                     "not under a numbered task; not made a task)"))
        return []
    out = []
    units = group_units(group.units)
    lead, support, assumed = _lead(units)
    for task in group.tasks:
        ref = _ref(prefix + task.n, used)
        title = clean(task.title.text)
        why = _doubt(group, task, units, lead)
        if why:
            review.append(ReviewItem(lines, f"{prefix}{task.n} {title}"[:300], why))
            continue
        notes, confidence = [], 0.8 if len(group.tasks) == 1 else 0.7
        if len(group.tasks) > 1:
            notes.append("nhiều nhiệm vụ chung một ô chủ trì/thời hạn "
                         "(several tasks share one lead/deadline cell)")
        if assumed:
            notes.append(f"tạm coi '{lead}' chủ trì: được nêu sau tập thể '{units[0]}' "
                         f"(lead assumed: '{lead}' is named after the collective '{units[0]}')")
            confidence -= 0.15
            review.append(ReviewItem(lines, f"{prefix}{task.n} {title}"[:300],
                                     f"bảng bị dàn phẳng nên không rõ đơn vị nào chủ trì, đơn vị nào phối hợp; "
                                     f"tạm coi {lead} chủ trì (lead/support order unclear in the flattened "
                                     f"table; lead assumed {lead})"))
        if group.leftovers:
            notes.append("phần chữ sau thời hạn chưa xếp được (text after the deadline was not placed)")
            confidence -= 0.1
        if not group.deadline:
            review.append(ReviewItem(lines, f"{prefix}{task.n} {title}"[:300],
                                     "không tìm thấy thời hạn của nhiệm vụ này (no deadline found for this task)"))
        out.append(make_task(ref, domain, title, lead, "; ".join(support) or None, group.deadline or None,
                             None, lines, plan, confidence, notes))
    if group.leftovers and out:
        text, refs = clean(" ".join(ln.s for ln in group.leftovers)), ", ".join(t.ref for t in out)
        review.append(ReviewItem((group.leftovers[0].no, group.leftovers[-1].no), text[:300],
                                 f"phần chữ sau thời hạn của {refs} chưa xếp được, có thể là sản phẩm hay ghi chú "
                                 f"(text after the deadline of {refs} not placed; a product or remark?)"))
    return out


def _lead(units: list[str]) -> tuple[str | None, list[str], bool]:
    if not units:
        return None, [], False
    if not is_group(units[0]) or all(is_group(u) for u in units):
        return units[0], units[1:], False
    named = next(u for u in units if not is_group(u))
    return named, [u for u in units if u != named], True


def _doubt(group: _Group, task: _Task, units: list[str], lead: str | None) -> str | None:
    if task.mixed:
        return ("nhiều ô của bảng dính vào một dòng; không đọc chắc được dòng này "
                "(several table cells are run together on one line; the row cannot be read reliably)")
    if not units and not group.deadline:
        return ("không tìm thấy đơn vị chủ trì và thời hạn của nhiệm vụ này "
                "(no lead unit and no deadline found for this task)")
    if lead is None:
        return "không tìm thấy đơn vị chủ trì của nhiệm vụ này (no lead unit found for this task)"
    if len(units) == 1 and is_group(units[0]):
        return (f"chỉ nêu tập thể '{units[0]}'; có thể đó là đơn vị phối hợp và ô chủ trì để trống "
                f"(only the collective '{units[0]}' is named; it may be the support, with the lead cell empty)")
    # Leftovers as wide as the title and activity columns mean the row was interleaved; narrow
    # ones are the tail of the product or funding cell.
    if group.leftovers and group.leftovers[0].s[:1].islower() and max(len(ln.s) for ln in group.leftovers) > 12:
        return ("nội dung nhiệm vụ còn tiếp sau thời hạn do các cột xen nhau; tên nhiệm vụ có thể bị cắt "
                "(the task's text continues after its deadline, interleaved columns; its title may be cut short)")
    return None


def _ref(ref: str, used: set[str]) -> str:
    out, n = ref, 2
    while out in used:
        out, n = f"{ref}-{n}", n + 1
    used.add(out)
    return out
