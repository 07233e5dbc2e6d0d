"""Render an Extraction: the reviewable plan YAML, and the summary an admin reads first."""

from __future__ import annotations

import io
from collections import Counter
from typing import TYPE_CHECKING

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from engine.core.cchc import DOMAINS
from engine.plans.read.text import clean

if TYPE_CHECKING:
    from engine.plans.extract.extraction import Extraction

_FORMATS = {"txt": "văn bản", "docx": "Word", "xlsx": "Excel", "csv": "CSV", "pdf": "PDF"}
_RESOLVED = ("date", "period", "recurring")


def plan_yaml(ex: "Extraction") -> str:
    """The draft plan file: schema keys only, with comments for the reviewer."""
    plan = ex.plan
    root = CommentedMap()
    root.yaml_set_start_comment(
        f"Bản nháp trích tự động từ {plan.file} (`dondoc plan extract`): rà soát trước khi nhập.\n"
        "Draft extracted from the document: review it before `dondoc plan import`.\n"
        "Mỗi mục có source.lines (dòng trong tài liệu gốc) và source.confidence (độ tin cậy 0..1).")
    meta = CommentedMap()
    if plan.code:
        meta["code"] = plan.code
    meta["title"] = plan.title
    meta["issuer"] = plan.issuer
    meta["year"] = plan.year
    meta["period"] = _flow(CommentedMap(start=plan.start, end=plan.end))
    if plan.issued:
        meta["issued"] = plan.issued
    meta["source"] = CommentedMap(file=plan.file, sha256=plan.sha256)
    root["plan"] = meta

    tasks = CommentedSeq()
    for i, task in enumerate(ex.tasks):
        item = CommentedMap(ref=task.ref, domain=task.domain)
        if task.section:
            item["section"] = task.section
        item["title"] = task.title
        if task.product:
            item["product"] = task.product
        if task.lead:
            item["lead"] = task.lead
        if task.support:
            item["support"] = list(task.support)
        if task.deadline:
            item["deadline"] = task.deadline
        item["source"] = _source(plan.file, task.lines, task.confidence)
        tasks.append(item)
        tasks.yaml_set_comment_before_after_key(i, before=_comment(ex, task.lines, task.confidence,
                                                                   task.deadline, task.notes), indent=2)
    reports = CommentedSeq()
    for i, report in enumerate(ex.reports):
        item = CommentedMap(ref=report.ref, title=report.title)
        if report.lead:
            item["lead"] = report.lead
        if report.recipient:
            item["recipient"] = report.recipient
        if report.deadline:
            item["deadline"] = report.deadline
        item["source"] = _source(plan.file, report.lines, report.confidence)
        reports.append(item)
        reports.yaml_set_comment_before_after_key(i, before=_comment(ex, report.lines, report.confidence,
                                                                     report.deadline, report.notes), indent=2)
    root["tasks"] = tasks
    root["reports"] = reports
    root.yaml_set_comment_before_after_key("tasks", before=f"\nNhiệm vụ / tasks: {len(ex.tasks)}")
    root.yaml_set_comment_before_after_key("reports", before=f"\nBáo cáo / reports: {len(ex.reports)}")
    yaml = YAML()
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(root, out)
    return out.getvalue() + _review_comment(ex)


def summary(ex: "Extraction") -> str:
    """Vietnamese-first summary: counts by domain and lead unit, deadlines read, review list."""
    plan = ex.plan
    period = f"{plan.start:%d/%m/%Y}–{plan.end:%d/%m/%Y}"
    source = _FORMATS.get(ex.kind, ex.kind)
    if ex.encoding and not ex.encoding.startswith("UTF-8"):
        source += f", mã hóa {ex.encoding} / encoding {ex.encoding}"
    lines = [f"Kế hoạch / plan: {plan.title}",
             f"  {plan.issuer}{f', số {plan.code}' if plan.code else ''}; năm {plan.year}; kỳ {period}",
             f"  Tệp / file: {plan.file} ({source})"]
    lines.extend(f"  {note}" for note in ex.notes)
    tasks_due = sum(ex.due(t.deadline).kind in _RESOLVED for t in ex.tasks)
    lines.append(f"Nhiệm vụ: {len(ex.tasks)}, trong đó {tasks_due} có thời hạn xác định "
                 f"/ tasks: {len(ex.tasks)}, {tasks_due} with a resolved deadline")
    if ex.tasks:
        lines.append("  Theo lĩnh vực / by domain:")
        for domain, n in Counter(t.domain for t in ex.tasks).most_common():
            lines.append(f"    {DOMAINS.get(domain, domain)} ({domain}): {n}")
        lines.append("  Theo đơn vị chủ trì / by lead unit:")
        for lead, n in Counter(t.lead or "(chưa rõ / none)" for t in ex.tasks).most_common():
            lines.append(f"    {lead}: {n}")
    reports_due = sum(ex.due(r.deadline).kind in _RESOLVED for r in ex.reports)
    lines.append(f"Báo cáo: {len(ex.reports)}, trong đó {reports_due} có thời hạn xác định "
                 f"/ reports: {len(ex.reports)}, {reports_due} with a resolved deadline")
    for report in ex.reports:
        lines.append(f"    {report.ref}: {report.lead or '?'} → {report.recipient or '?'}, "
                     f"{report.deadline or 'không rõ hạn / no deadline'}")
    lines.append(f"Cần rà soát / needs review: {len(ex.review)}")
    for item in ex.review:
        lines.append(f"    dòng/lines {item.lines[0]}-{item.lines[1]}: {item.why}")
    return "\n".join(lines)


def _flow(node):
    node.fa.set_flow_style()
    return node


def _source(file: str, lines: tuple[int, int], confidence: float) -> CommentedMap:
    return _flow(CommentedMap(file=file, lines=_flow(CommentedSeq(list(lines))), confidence=confidence))


def _comment(ex: "Extraction", lines: tuple[int, int], confidence: float, deadline: str | None,
             notes: list[str]) -> str:
    spec = ex.due(deadline)
    when = spec.kind
    if spec.due:
        when += f", hạn/due {spec.due:%d/%m/%Y}"
    if spec.recurrence and spec.recurrence.occurrences:
        when += f", {len(spec.recurrence.occurrences)} kỳ/occurrences"
    text = f"độ tin cậy/confidence {confidence:.2f}; dòng/lines {lines[0]}-{lines[1]}; {when}"
    if notes:
        text += "\n" + "; ".join(notes)
    return "\n" + text


def _review_comment(ex: "Extraction") -> str:
    if not ex.review:
        return "\n# Cần rà soát / needs review: không có / nothing.\n"
    out = ["", f"# Cần rà soát / needs review ({len(ex.review)}):",
           "# những đoạn trông như nhiệm vụ, phân công hay thời hạn nhưng chưa xếp được / fragments not placed"]
    for item in ex.review:
        out.append(f"# - dòng/lines {item.lines[0]}-{item.lines[1]}: {clean(item.why)}")
        if item.text:
            out.append(f"#     {clean(item.text)[:160]}")
    return "\n".join(out) + "\n"
