"""The result of extracting a plan: drafts plus their computed dates, as JSON, YAML or a summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.core.deadlines import DueSpec, parse_deadline
from engine.plans.extract.model import PlanDraft, ReportDraft, ReviewItem, TaskDraft


@dataclass
class Extraction:
    plan: PlanDraft
    tasks: list[TaskDraft] = field(default_factory=list)
    reports: list[ReportDraft] = field(default_factory=list)
    review: list[ReviewItem] = field(default_factory=list)
    kind: str = "txt"  # the source format
    encoding: str | None = None  # for text formats: how the file was encoded
    # How the document was read (OCR, which columns were taken as what and why), Vietnamese first.
    notes: list[str] = field(default_factory=list)

    def due(self, deadline: str | None) -> DueSpec:
        """What a deadline phrase means within this plan (nothing falls due before its issue date)."""
        if not deadline:
            return DueSpec("", "unknown", reason="chưa có thời hạn (no deadline given)")
        return parse_deadline(deadline, self.plan.year, (self.plan.start, self.plan.end)).since(self.plan.issued)

    def to_json(self) -> dict[str, Any]:
        """{"plan", "tasks", "reports", "review"}: the stable JSON shape of `dondoc plan extract --json`."""
        plan = self.plan
        return {
            "plan": {"code": plan.code, "title": plan.title, "issuer": plan.issuer, "year": plan.year,
                     "period": {"start": plan.start.isoformat(), "end": plan.end.isoformat()},
                     "issued": plan.issued.isoformat() if plan.issued else None,
                     "source": {"file": plan.file, "sha256": plan.sha256},
                     "format": self.kind, "encoding": self.encoding, "notes": list(self.notes)},
            "tasks": [self._task_json(t) for t in self.tasks],
            "reports": [self._report_json(r) for r in self.reports],
            "review": [r.to_json() for r in self.review],
        }

    def _dates(self, deadline: str | None) -> dict[str, Any]:
        spec = self.due(deadline)
        return {"deadline": deadline, "kind": spec.kind,
                "start": spec.start.isoformat() if spec.start else None,
                "due": spec.due.isoformat() if spec.due else None,
                "occurrences": [d.isoformat() for d in spec.recurrence.occurrences] if spec.recurrence else []}

    def _source(self, lines: tuple[int, int]) -> dict[str, Any]:
        return {"file": self.plan.file, "lines": list(lines)}

    def _task_json(self, t: TaskDraft) -> dict[str, Any]:
        return {"ref": t.ref, "domain": t.domain, "section": t.section, "title": t.title, "product": t.product, "lead": t.lead,
                "support": list(t.support), **self._dates(t.deadline), "source": self._source(t.lines),
                "confidence": t.confidence, "notes": list(t.notes)}

    def _report_json(self, r: ReportDraft) -> dict[str, Any]:
        return {"ref": r.ref, "title": r.title, "lead": r.lead, "recipient": r.recipient,
                **self._dates(r.deadline), "source": self._source(r.lines), "confidence": r.confidence,
                "notes": list(r.notes)}
