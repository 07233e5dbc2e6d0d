"""Prose tasks that name their own lead: labelled items, unit groups and assignment clauses.

The items of each section are read as a tree (a "1." holds its "-" bullets, a bullet its "+").
An item with label lines under it ("- Cơ quan chủ trì:", "- Thời gian thực hiện:") is a task; a
unit heading ("**1. Công an tỉnh**", "2. Sở Y tế:") leads every item under it, and a role
sub-heading ("a) Chủ trì, phối hợp với ...") adds its support; a sentence whose head names its
unit ("Giao X ...", "X chủ trì ...", "Trước ngày D, X ...") is a task, and the sentences after it
that open with a duty verb go on under the same lead. A lead or deadline stated for a group holds
for each of its items; a sentence that only gives a deadline closes the run of tasks before it.
Sections of purpose, targets, basis, budget and reporting give no tasks; reporting duties are
handed over as report candidates; what looks like a task but has no lead goes to review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from engine.core.deadlines import parse_deadline
from engine.plans.extract.model import PlanDraft, ReviewItem, TaskDraft
from engine.plans.prose import clauses as cl
from engine.plans.prose.outline import Item, Section
from engine.plans.read.text import Span, fold, mostly_upper, sentence_case, title_text

_SKIP = ("purpose", "targets", "basis", "budget", "reports")
# A sentence carrying on the task before it ("Trên cơ sở đó, chủ động ban hành ...").
_CONTINUES = re.compile(r"^\s*(?:Trên cơ sở đó|Đồng thời|Ngoài ra|Sau đó|Từ đó)\s*,")
# A post's standing role or powers, not a work item ("Phụ trách chung, ...", "Quyết định những vấn đề ...").
_STANDING = re.compile(r"^\s*(?:Phụ trách chung|Quyết định (?:những|các) vấn đề|Chịu trách nhiệm trước)", re.I)
# The document's own issuing ("Ủy ban nhân dân Thành phố ban hành Kế hoạch ... với các nội dung sau:").
_ISSUES_ITSELF = re.compile(r"^ban hành\s+(?:kèm theo\s+)?(?:Kế hoạch|Quyết định|Chương trình)(?![\wÀ-ỹ])")
_REPORT_FIRST = re.compile(r"\s*(?:Định kỳ|Báo cáo|Gửi báo cáo|Thực hiện)(?![\wÀ-ỹ])", re.I)
_TRAILING_DATE = re.compile(r"\s*(?:Thời gian|Thời hạn)(?: hoàn thành| thực hiện)?\s*:[^.;]*[.;]?\s*$", re.I)
# A heading over a list of deadlines ("3.1. Thời gian thực hiện", "Tiến độ thực hiện").
_SCHEDULE = re.compile(r"^\s*(?:Thời gian|Thời hạn|Tiến độ)(?: thực hiện| hoàn thành)?\s*:?\s*$", re.I)
_TASK_LABELS = {"lead", "lead_do", "deadline", "support"}
_MARKED = ("num", "paren", "letter", "bullet", "sub")
NO_LEAD = ("mục có dạng nhiệm vụ nhưng không nêu đơn vị chủ trì; không lấy làm nhiệm vụ "
           "(items that look like tasks but name no lead unit; not taken as tasks)")


@dataclass
class Node:
    item: Item
    children: list["Node"] = field(default_factory=list)


@dataclass
class Context:
    lead: str | None = None
    support: str | None = None
    deadline: str | None = None
    confidence: float = 0.8
    notes: tuple[str, ...] = ()


@dataclass
class Found:
    """What the walk gathers: tasks (with the section kind they came from), reports, review."""
    plan: PlanDraft
    tasks: list[tuple[TaskDraft, str]] = field(default_factory=list)
    reports: list[tuple[Span, str | None]] = field(default_factory=list)
    review: list[ReviewItem] = field(default_factory=list)
    orphans: list[Item] = field(default_factory=list)
    refs: set[str] = field(default_factory=set)
    labelled: int = 0  # tasks read from label lines ("- Cơ quan chủ trì: ...")
    schedule: list[Item] = field(default_factory=list)  # the items of a "Thời gian thực hiện" heading


def stated_tasks(sections: list[Section], plan: PlanDraft) -> Found:
    """Tasks whose lead the text states, from every section that can hold tasks."""
    found = Found(plan)
    for section in sections:
        if section.kind in _SKIP:
            continue
        items = [i for i in section.items if i.kind != "closing" and i.span.text]
        if items and items[0].kind in ("roman", "heading"):
            items = items[1:]
        _walk(_tree(items), Context(), section, [section.label] if section.label else [], found)
        _flush_orphans(found)
    _match_schedule(found)
    return found


def _match_schedule(found: Found) -> None:
    """Each dated line of a deadline list goes to the task it names (most words in common)."""
    for item in found.schedule:
        deadline = cl.inline_deadline(item.text)
        words = _words(item.text.replace(deadline or "", ""))
        scored = [(len(words & _words(t.title)), t) for t, _ in found.tasks if t.deadline is None]
        common, task = max(scored, key=lambda st: st[0], default=(0, None))
        if _dated(deadline, found.plan) and task is not None and common >= max(4, 0.6 * len(words)):
            _set_deadline(task, deadline, found.plan, f"thời hạn lấy từ phần thời gian thực hiện, dòng "
                          f"{item.span.first} (deadline taken from the schedule, line {item.span.first})")
            task.confidence = round(task.confidence - 0.1, 2)
        elif _dated(deadline, found.plan):
            found.orphans.append(item)
    _flush_orphans(found)


_COMMON = {"viec", "hoan", "thanh", "thoi", "gian", "thuc", "hien", "cac", "cua", "theo", "quy", "dinh", "nam"}


def _words(text: str) -> set[str]:
    return {w for w in fold(text).replace(",", " ").replace(";", " ").split() if len(w) > 2} - _COMMON


def _tree(items: list[Item]) -> list[Node]:
    roots: list[Node] = []
    stack: list[Node] = []
    for item in items:
        node = Node(item)
        while stack and stack[-1].item.level >= item.level:
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return roots


def _labels(node: Node) -> dict[str, tuple[str, Node]]:
    out: dict[str, tuple[str, Node]] = {}
    for child in node.children:
        if (label := cl.label_of(child.item.text)) is not None:
            out.setdefault(label[0], (label[1], child))
    return out


def _walk(nodes: list[Node], ctx: Context, section: Section, path: list[str], found: Found) -> None:
    run: Context | None = None  # the lead of the sentence before, for sentences going on under it
    run_tasks: list[TaskDraft] = []
    last_para: TaskDraft | None = None  # the task an unmarked paragraph under a unit heading goes on
    counts: dict[str, int] = {}
    if shared := _shared_deadline(nodes):
        ctx = replace(ctx, deadline=shared, notes=_add(ctx.notes, "thời hạn nêu sau mục cuối của nhóm "
                                                       "(deadline stated after the group's last item)"))
    for node in nodes:
        item = node.item
        if cl.label_of(item.text) is not None:
            continue  # read by its parent
        counts[item.kind] = counts.get(item.kind, 0) + 1
        if _SCHEDULE.match(item.text) and node.children and not any(c.children for c in node.children):
            found.schedule.extend(c.item for c in node.children)  # deadlines listed apart from the tasks
            continue
        label = _label(item, counts[item.kind])
        ref = path[:-1] + [label] if item.kind == "num" and path and label.startswith(path[-1] + ".") \
            else path + [label]
        if (deadline := cl.deadline_sentence(item.text)) and not node.children:
            for task in run_tasks:
                if task.deadline is None:
                    _set_deadline(task, deadline, found.plan, "thời hạn nêu ở câu sau nhóm nhiệm vụ "
                                  "(deadline stated after the group of tasks)")
            run, run_tasks = None, []
            continue
        labels = _labels(node)
        own = _labelled_context(labels, ctx, found.plan) if labels.keys() & _TASK_LABELS else None
        if own is not None and not labels.keys() & {"lead", "lead_do"} and item.kind in _MARKED:
            named = _head_rest(item)  # "+ Sở Văn hóa, ...: hướng dẫn ..." followed by its date line
            if named[1] and (unit := cl.heading_unit(named[0])):
                own = replace(own, lead=unit)
        steps = _steps(labels)
        if own is not None and steps:
            for n, (child, clause) in enumerate(steps, 1):
                step = Context(clause.lead, clause.support, clause.deadline, 0.75, own.notes)
                _task(child, clause.title(child.item.text), step, section, ref + [f"-{n}"], found)
            run, run_tasks = None, []
            continue
        if own is not None and (own.lead is not None or _dated(own.deadline, found.plan)):
            if any(cl.label_of(c.item.text) is None and _labels(c) for c in node.children):
                _walk(node.children, own, section, ref, found)  # a group whose items carry labels
            elif _task(node, item.text, own, section, ref, found, labels.get("product", (None,))[0]):
                found.labelled += 1
            run, run_tasks = None, []
            continue
        head, rest = _head_rest(item)
        heading = item.closed or rest is not None or item.text.rstrip().endswith(":") or bool(
            node.children and item.span.line_count <= 2)
        unit = cl.heading_unit(head) if heading else None
        unit = unit or (cl.emphasised_unit(head) if item.closed and rest is None and node.children else None)
        if unit is not None and item.kind != "para":
            note = ("đề nghị đơn vị ngoài cơ quan ban hành (addressed to a body outside the issuer)"
                    if head.lower().startswith("đề nghị") else None)
            group = Context(unit, None, cl.inline_deadline(head) or ctx.deadline, 0.8, _add(ctx.notes, note))
            if rest:  # "Sở Xây dựng: hướng dẫn ..." is one sentence; "Sở Y tế: Chủ trì ..." a heading and text
                _task(node, item.text if rest[:1].islower() else rest, group, section, ref, found)
            _walk(node.children, group, section, ref, found)
            run, run_tasks = None, []
            continue
        role = cl.role_heading(item.text) if ctx.lead and (node.children or item.text.rstrip().endswith(":")) \
            else None
        if role is not None and len(item.text) <= 250:
            kind, others = role
            notes = ctx.notes if kind == "chu_tri" else _add(
                ctx.notes, f"{ctx.lead} được ghi là phối hợp ở nhóm này (the group says {ctx.lead} cooperates)")
            sub = replace(ctx, support=others, confidence=ctx.confidence - (0 if kind == "chu_tri" else 0.2),
                          notes=notes)
            _walk(node.children, sub, section, ref, found)
            continue
        pieces = cl.clause_pieces(item.text)
        if pieces and section.kind == "preamble" and _ISSUES_ITSELF.match(pieces[0][0].body):
            continue
        if pieces and (section.kind != "other" or pieces[0][0].strong):
            clause = pieces[0][0]
            if item.text.rstrip().endswith(":") and node.children:
                _walk(node.children, _clause_context(clause, ctx), section, ref, found)
                run, run_tasks = None, []
                continue
            run, run_tasks = None, []
            for n, (clause, start, end) in enumerate(pieces):
                own = _clause_context(clause, ctx)
                if cl.is_report(clause.body):
                    found.reports.append((item.span.sub(start, end), clause.lead))
                    continue
                piece = ref if n == 0 else ref[:-1] + [f"{ref[-1]}.{n + 1}"]
                task = _task(node, clause.title(item.text[start:end]), own, section, piece, found,
                             lines=item.span.lines(start, end))
                run, run_tasks = own, [task] if task else []
            continue
        if ctx.lead is not None:
            if _STANDING.match(item.text) and not node.children:  # a post's standing role, not a work item
                continue
            if node.children and item.text.rstrip().endswith(":") and len(item.text) <= 200:
                _walk(node.children, ctx, section, ref, found)  # a sub-heading inside a unit's group
                continue
            if cl.is_report(item.text):
                found.reports.append((item.span, ctx.lead))
                if not node.children and not _REPORT_FIRST.match(item.text) and \
                        _dated(cl.inline_deadline(item.text), found.plan):  # "Tổng hợp ..., báo cáo ... Trước ngày D"
                    dated = replace(ctx, deadline=cl.inline_deadline(item.text))
                    _task(node, _TRAILING_DATE.sub("", item.text), dated, section, ref, found)
                continue
            if item.kind == "para" and last_para is not None:
                _extend(last_para, item)  # an unmarked paragraph going on under the unit's heading
                continue
            task = _task(node, item.text, ctx, section, ref, found)
            last_para = task if item.kind == "para" else None
            continue
        if run_tasks and _CONTINUES.match(item.text) and not node.children:
            _extend(run_tasks[-1], item)
            if run_tasks[-1].deadline is None and (own_deadline := cl.inline_deadline(item.text)):
                _set_deadline(run_tasks[-1], own_deadline, found.plan, None)
            continue
        if run is not None and cl.starts_with_verb(item.text) and not node.children \
                and item.text.rstrip()[-1:] in ".;:…":
            follow = replace(run, confidence=run.confidence - 0.1, notes=_add(
                run.notes, "đơn vị chủ trì lấy từ câu trước (lead taken from the sentence before)"))
            if task := _task(node, item.text, follow, section, ref, found):
                if task.deadline and task.deadline != run.deadline:
                    for earlier in run_tasks:  # a date closing a run of tasks holds for the run
                        if earlier.deadline is None:
                            _set_deadline(earlier, task.deadline, found.plan, "thời hạn nêu ở cuối nhóm nhiệm vụ "
                                          "(deadline stated at the end of the group of tasks)")
                run_tasks.append(task)
            continue
        run, run_tasks = None, []
        if node.children:
            before = len(found.tasks)
            _walk(node.children, ctx, section, ref, found)
            if len(found.tasks) == before + 1 and item.closed and item.kind in ("num", "letter", "paren") \
                    and cl.starts_with_verb(item.text):
                task = found.tasks[-1][0]  # one task under a heading of its own: the heading names it
                task.title, task.lines = title_text(item.text), (item.span.first, task.lines[1])
        elif _looks_like_task(item, section, found.plan):
            found.orphans.append(item)


def _shared_deadline(nodes: list[Node]) -> str | None:
    """A date line after the last of a run of '+' items, when none of the others has its own."""
    if len(nodes) < 2 or any(n.item.kind != "sub" for n in nodes) or any(n.children for n in nodes[:-1]) \
            or not nodes[-1].children:
        return None
    lines = [cl.label_of(c.item.text) if c.item.kind == "para" else None for c in nodes[-1].children]
    return lines[0][1].strip(" .;") or None if all(line and line[0] == "deadline" for line in lines) else None


def _steps(labels: dict) -> list[tuple[Node, cl.Clause]]:
    """'+' steps under an empty "Thời gian thực hiện:", each naming its own unit and date."""
    value, node = labels.get("deadline", ("x", None))
    if value.strip(" .;") or node is None or not node.children:
        return []
    steps = [(c, clause) for c in node.children if (clause := cl.read_clause(c.item.text))]
    return steps if len(steps) == len(node.children) else []


def _labelled_context(labels: dict, ctx: Context, plan: PlanDraft) -> Context:
    value, _ = labels.get("lead") or labels.get("lead_do") or (None, None)
    lead = cl.lead_of_value(value) if value else ctx.lead
    support = labels["support"][0].strip(" .;") if "support" in labels else ctx.support
    deadline = ctx.deadline
    notes = ctx.notes
    if "deadline" in labels:
        text, node = labels["deadline"]
        text = text.strip(" .;")
        if not text and node.children:
            # "Thời gian thực hiện:" with one dated step per '+' line: the last step closes the task.
            dates = [d for c in node.children if (d := cl.inline_deadline(c.item.text))]
            text = dates[-1] if dates else ""
            if len(dates) > 1:
                notes = _add(notes, "thời hạn chia nhiều bước; lấy thời hạn của bước cuối "
                                    "(the deadline has several steps; the last one is taken)")
        deadline = text or deadline
    return Context(lead, support or None, deadline, 0.85, notes)


def _clause_context(clause: cl.Clause, ctx: Context) -> Context:
    note = "đề nghị đơn vị ngoài cơ quan ban hành (addressed to a body outside the issuer)" if clause.requested \
        else None
    return Context(clause.lead, clause.support, clause.deadline or ctx.deadline,
                   0.8 if clause.assigned or clause.support else 0.7, _add(ctx.notes, note))


def _extend(task: TaskDraft, item: Item) -> None:
    task.title = title_text(f"{task.title} {item.text}")
    task.lines = (task.lines[0], max(task.lines[1], item.span.last))


def _task(node: Node, text: str, ctx: Context, section: Section, ref: list[str], found: Found,
          product: str | None = None, lines: tuple[int, int] | None = None) -> TaskDraft | None:
    item = node.item
    title = title_text(text)
    if not title:
        return None
    notes = list(ctx.notes)
    confidence = ctx.confidence
    deadline = ctx.deadline
    if (own := cl.inline_deadline(text)) and own != deadline:
        deadline = own
        notes.append("thời hạn lấy từ nội dung của mục (deadline taken from the item's text)")
    if ctx.lead is None:
        found.orphans.append(item)
        return None
    first, last = lines or (item.span.first, max([item.span.last] + [c.item.span.last for c in node.children]))
    key = "".join(p if p.startswith("-") else f".{p}" for p in ref if p).lstrip(".") or "1"
    while key in found.refs:
        key += "'"
    found.refs.add(key)
    task = TaskDraft(ref=key, title=title, lead=ctx.lead, support=[ctx.support] if ctx.support else [],
                     deadline=None, product=title_text(product) if product else None,
                     lines=(first, last), confidence=confidence, notes=notes,
                     section=_section_title(section))
    _set_deadline(task, deadline, found.plan, None)
    found.tasks.append((task, section.kind))
    return task


def _section_title(section: Section) -> str | None:
    title = section.title.strip()
    return sentence_case(title.lower()) if mostly_upper(title) else title or None


def _set_deadline(task: TaskDraft, deadline: str | None, plan: PlanDraft, note: str | None) -> None:
    task.notes = [n for n in task.notes if not n.startswith(("chưa có thời hạn", "chưa đọc được thời hạn"))]
    task.deadline = deadline.strip(" .;") if deadline else None
    if note:
        task.notes.append(note)
    if not task.deadline:
        task.notes.append("chưa có thời hạn (no deadline)")
    elif parse_deadline(task.deadline, plan.year, (plan.start, plan.end)).kind == "unknown":
        task.notes.append("chưa đọc được thời hạn (deadline phrase not understood)")
    penalty = 0.1 * sum(n.startswith(("chưa có thời hạn", "chưa đọc được")) for n in task.notes)
    task.confidence = round(max(0.1, min(task.confidence, 0.85) - penalty), 2)


def _head_rest(item: Item) -> tuple[str, str | None]:
    """A heading up to its colon and the text after it (None when nothing follows)."""
    text = item.text
    colon = re.sub(r"\([^)]*\)", lambda m: "x" * len(m.group()), text).find(":")  # not one in brackets
    if 0 < colon <= 250 and colon < len(text) - 1:
        return text[:colon], text[colon + 1:].strip() or None
    return text, None


def _label(item: Item, ordinal: int) -> str:
    if item.kind in ("num", "letter"):
        return item.label.rstrip(".")
    if item.kind == "paren":
        return item.label
    return f"-{ordinal}" if item.kind in ("bullet", "sub") else f"p{ordinal}"


def _dated(deadline: str | None, plan: PlanDraft) -> bool:
    return bool(deadline) and parse_deadline(deadline, plan.year, (plan.start, plan.end)).kind != "unknown"


def _looks_like_task(item: Item, section: Section, plan: PlanDraft) -> bool:
    if section.kind in ("tasks", "assignment") and item.kind in _MARKED and not item.text.rstrip().endswith(":"):
        return cl.starts_with_verb(item.text)
    return _dated(cl.inline_deadline(item.text), plan) and cl.starts_with_verb(item.text)


def _flush_orphans(found: Found) -> None:
    if found.orphans:
        first, last = found.orphans[0], found.orphans[-1]
        count = f"{len(found.orphans)} mục: " if len(found.orphans) > 1 else ""
        found.review.append(ReviewItem((first.span.first, last.span.last), f"{count}{first.text}"[:200], NO_LEAD))
        found.orphans.clear()


def _add(notes: tuple[str, ...], note: str | None) -> tuple[str, ...]:
    return notes + (note,) if note and note not in notes else notes
