"""Tasks written as prose: the items under each domain heading of the plan's tasks section, or
the items that name their own lead (stated.py) when those fit the plan better.

Each item becomes a task led by the unit the assignment section makes responsible for that
domain, due over the plan period unless the item states its own deadline. An unmarked paragraph
after an item continues it; a bullet ending in ':' heads the '+' items under it. Items that are
reporting duties ("Định kỳ báo cáo ...") are handed to the report finder instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.core.cchc import REF_PREFIX
from engine.plans.prose.assignment import Lead, lead_for
from engine.plans.read.topics import claimed_topics, domain_of, heading_topic, topic_label
from engine.plans.extract.model import PlanDraft, ReviewItem, TaskDraft
from engine.plans.prose.outline import Item, Section, head_and_rest
from engine.plans.prose.stated import stated_tasks
from engine.plans.read.text import Span, title_text

_REPORT_ITEM = re.compile(r"^(?:định kỳ báo cáo|báo cáo|gửi báo cáo|thực hiện (?:nghiêm )?(?:các quy định về )?"
                          r"chế độ (?:thông tin,? )?báo cáo)", re.I)
# A deadline stated inside an item; unqualified years ("Kế hoạch năm 2026") are not deadlines.
_OWN_DEADLINE = re.compile(
    r"(?:hoàn thành\s+)?(?:trước|chậm nhất(?: là)?|hoàn thành trong)\s+(?:ngày\s+)?\d{1,2}/\d{1,2}(?:/\d{4})?"
    r"|hoàn thành trong (?:tháng \d{1,2}(?:/\d{4})?|quý [IVX]+(?:/\d{4})?)", re.I)


@dataclass
class ReportCandidate:
    span: Span
    lead: str | None
    topic: str | None


def prose_tasks(sections: list[Section], leads: dict[str, Lead], plan: PlanDraft,
                review: list[ReviewItem], lead_review: list[ReviewItem] | None = None,
                ) -> tuple[list[TaskDraft], list[ReportCandidate]]:
    """Prose tasks and the report-like items found among them.

    Tasks that state their own lead (labels, unit headings, clauses) win when they have label
    lines, when more of them sit outside the assignment section than the domain headings give
    led tasks, or when the domain headings give no task or none the assignment section leads;
    otherwise the domain headings give the tasks, led as the assignment section says
    (`lead_review` then joins the review).
    """
    stated = stated_tasks(sections, plan)
    by_domain: list[ReviewItem] = []
    tasks, reports = _domain_tasks(sections, leads, plan, by_domain)
    own = sum(kind != "assignment" for _, kind in stated.tasks)
    led = sum(t.lead is not None for t in tasks)
    if stated.tasks and (stated.labelled or own > led or not tasks
                         or (led == 0 and not leads and not lead_review)):
        review.extend(stated.review)
        return [t for t, _ in stated.tasks], [ReportCandidate(span, lead, None) for span, lead in stated.reports]
    review.extend(lead_review or [])
    review.extend(by_domain)
    return tasks, reports


def _domain_tasks(sections: list[Section], leads: dict[str, Lead], plan: PlanDraft,
                  review: list[ReviewItem]) -> tuple[list[TaskDraft], list[ReportCandidate]]:
    """Tasks from the domain headings of the tasks sections, and report-like items found there."""
    tasks: list[TaskDraft] = []
    reports: list[ReportCandidate] = []
    counters: dict[str, int] = {}
    spans: dict[str, Span] = {}  # the growing text of each task, by ref
    for section in sections:
        if section.kind != "tasks":
            continue
        topic: str | None = None
        prefix: str | None = None  # a bullet ending in ':' that heads the '+' items under it
        last: TaskDraft | None = None  # the task an unmarked paragraph continues
        skipped: list[Item] = []  # items under no domain heading, reviewed as one run
        for item in section.items[1:]:
            if item.kind == "closing":
                break
            if item.kind == "num" and item.level == 2:
                _review_skipped(skipped, review)
                head, _ = head_and_rest(item)
                topic = heading_topic(head) if len(head) <= 160 else None
                prefix, last = None, None
                if topic is None:
                    skipped.append(item)
                continue
            if topic is None:
                skipped.append(item)
                continue
            lead = lead_for(leads, topic)
            if "iso" in leads and "iso" in claimed_topics(item.text):
                lead = leads["iso"]  # the quality system often has an owner of its own
            if _REPORT_ITEM.match(item.text):
                reports.append(ReportCandidate(item.span, lead.unit if lead else None, topic))
                continue
            if _is_subheading(item):
                prefix, last = (item.text.rstrip(" :") if item.kind == "bullet" else None), None
                continue
            if item.kind == "para" and last is not None and prefix is None:
                spans[last.ref].extend(item.span)
                last.title = title_text(spans[last.ref].text)
                last.lines = (last.lines[0], item.span.last)
                continue
            if item.kind in ("bullet", "num", "letter"):
                prefix = None
            title = title_text(item.text)
            if prefix and item.kind in ("sub", "para"):
                title = f"{prefix}: {title}"
            task = _task(item, title, topic, lead, plan, counters)
            spans[task.ref] = Span()
            spans[task.ref].extend(item.span)
            tasks.append(task)
            # Paragraphs continue a marked item; a run of unmarked paragraphs is a run of tasks.
            last = task if item.kind not in ("sub", "para") else None
        _review_skipped(skipped, review)
    _review_missing_leads(tasks, review)
    return tasks, reports


def _review_skipped(skipped: list[Item], review: list[ReviewItem]) -> None:
    if skipped:
        review.append(ReviewItem((skipped[0].span.first, skipped[-1].span.last), skipped[0].text[:200],
                                 "các mục của phần nhiệm vụ không nằm dưới đề mục lĩnh vực CCHC nào; "
                                 "không lấy làm nhiệm vụ (items of the tasks section under no CCHC domain "
                                 "heading; not taken as tasks)"))
        skipped.clear()


def _review_missing_leads(tasks: list[TaskDraft], review: list[ReviewItem]) -> None:
    orphans: dict[str, list[TaskDraft]] = {}
    for task in tasks:
        if task.lead is None:
            orphans.setdefault(task.domain, []).append(task)
    for domain, group in orphans.items():
        review.append(ReviewItem((group[0].lines[0], group[-1].lines[1]), ", ".join(t.ref for t in group),
                                 f"phần phân công không giao {topic_label(domain)} cho đơn vị nào; "
                                 f"{len(group)} nhiệm vụ chưa có đơn vị chủ trì (no unit is made responsible "
                                 f"for {domain} in the assignment section; {len(group)} task(s) have no lead)"))


def _is_subheading(item: Item) -> bool:
    text = item.text.strip()
    if item.kind == "num":
        head, rest = head_and_rest(item)
        return text.endswith(":") or (not text[rest:].strip() and len(text) < 90)
    return item.kind == "bullet" and text.endswith(":") and len(text) < 120


def _task(item: Item, title: str, topic: str, lead: Lead | None, plan: PlanDraft,
          counters: dict[str, int]) -> TaskDraft:
    domain = domain_of(topic)
    counters[domain] = counters.get(domain, 0) + 1
    own = _OWN_DEADLINE.search(item.text)
    notes = []
    confidence = lead.confidence if lead else 0.5
    if lead is None:
        notes.append("lĩnh vực này chưa có đơn vị chủ trì (no lead unit for this domain)")
    elif lead.note:
        notes.append(lead.note)
    if own:
        notes.append("thời hạn lấy từ nội dung của mục (deadline taken from the item's text)")
        confidence = min(confidence, 0.7)
    return TaskDraft(ref=f"{REF_PREFIX[domain]}-{counters[domain]}", title=title, domain=domain,
                     lead=lead.unit if lead else None,
                     deadline=own.group() if own else plan.period_phrase,
                     lines=(item.span.first, item.span.last), confidence=round(confidence, 2),
                     notes=notes)


def skipped_prose(sections: list[Section], why: str) -> list[ReviewItem]:
    """One review entry per tasks section whose items were not taken (the appendix lists the tasks)."""
    out = []
    for section in sections:
        if section.kind == "tasks" and len(section.items) > 1 and any(
                i.kind in ("bullet", "letter", "para") for i in section.items):
            first, last = section.lines
            out.append(ReviewItem((first, last), f"{section.label}. {section.title}"[:200], why))
    return out
