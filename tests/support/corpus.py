"""Score `dondoc plan extract` against the hand-made labels of the development corpus.

A labelled task is *found* when an extracted task's title begins like the label's (word sequence
similarity ≥ MATCH); each extracted task answers at most one label, best matches first. Extracted
tasks that answer no label are *spurious*. Reports are matched by the source lines they cite
(labels cite NAME.txt, so reports are scored on the text format).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from pathlib import Path

from ruamel.yaml import YAML

from engine.plans.read.text import fold
from tests.support.paths import FIXTURES

CORPUS = FIXTURES / "corpus"
LABELS = CORPUS / "labels"
MATCH = 0.6
# What each format is called in the figures, and the file suffix that holds it.
FORMATS = {"txt": ".txt", "docx": ".docx", "xlsx": ".xlsx", "pdf": ".pdf", "flat": ".flat.txt",
           "scan": ".scanned.pdf"}


def words(text: str | None) -> list[str]:
    """A text as its folded words (case, diacritics, punctuation and markdown ignored)."""
    return re.sub(r"[^\w%]+", " ", fold(text or "").replace("đ", "d")).split()


def similar(a: str | None, b: str | None) -> float:
    """How alike two word sequences are (0..1)."""
    wa, wb = words(a), words(b)
    if not wa and not wb:
        return 1.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


@functools.lru_cache(maxsize=None)
def labels(name: str, part: str, folder: Path = LABELS) -> dict:
    path = folder / f"{name}.{part}.yaml"
    return YAML(typ="safe").load(path.read_text(encoding="utf-8")) if path.exists() else {}


def documents(part: str = "tasks", folder: Path = LABELS) -> list[str]:
    """Names of the documents that have labels of this part."""
    return sorted(p.name.split(".")[0] for p in folder.glob(f"*.{part}.yaml"))


def variant(name: str, fmt: str) -> Path | None:
    path = CORPUS / f"{name}{FORMATS[fmt]}"
    return path if path.exists() else None


def in_tables(label: dict) -> bool:
    """Are the labelled tasks table rows (the rebuilt .docx/.xlsx/.pdf hold tables, not prose)?"""
    scope = label.get("scope") or ""
    return "table" in scope and "prose" not in scope


def _iso(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


@dataclass
class Score:
    name: str
    fmt: str
    labelled: int = 0
    found: int = 0
    lead_right: int = 0
    dates_right: int = 0
    extracted: int = 0
    spurious: int = 0
    misses: list[str] = field(default_factory=list)  # why, for the printed table

    def add(self, other: "Score") -> None:
        for key in ("labelled", "found", "lead_right", "dates_right", "extracted", "spurious"):
            setattr(self, key, getattr(self, key) + getattr(other, key))

    @property
    def figures(self) -> dict[str, float]:
        """rows found, lead right and dates right (share of labelled rows), spurious (share of tasks)."""
        n = max(self.labelled, 1)
        return {"rows": self.found / n, "lead": self.lead_right / n, "dates": self.dates_right / n,
                "spurious": self.spurious / max(self.extracted, 1)}

    def line(self) -> str:
        f = self.figures
        return (f"{self.name:<28} {self.fmt:<5} labelled {self.labelled:>3}  rows {self.found:>3} ({f['rows']:.0%})"
                f"  lead {self.lead_right:>3} ({f['lead']:.0%})  dates {self.dates_right:>3} ({f['dates']:.0%})"
                f"  spurious {self.spurious:>3}/{self.extracted:<3} ({f['spurious']:.0%})")


def _dates_right(label: dict, task: dict) -> bool:
    if label.get("occurrences"):
        return [_iso(d) for d in label["occurrences"]] == task.get("occurrences", [])
    return (_iso(label.get("start")), _iso(label.get("due"))) == (task.get("start"), task.get("due"))


def _lead_right(label: dict, task: dict, fuzzy: bool) -> bool:
    expected, got = label.get("lead"), task.get("lead")
    if not expected or not got:
        return not expected and not got
    return words(expected) == words(got) or (fuzzy and similar(expected, got) >= 0.85)


def score_tasks(name: str, fmt: str, data: dict, folder: Path = LABELS) -> Score:
    """Score one extraction (its --json) against NAME.tasks.yaml (in folder)."""
    label = labels(name, "tasks", folder)
    expected = label.get("tasks") or []
    if fmt != "txt" and not in_tables(label):
        expected = []  # the Word/Excel/PDF rebuilds hold the tables only: whatever they give is spurious
    tasks = data["tasks"]
    score = Score(name, fmt, labelled=len(expected), extracted=len(tasks))
    pairs = []
    for li, label in enumerate(expected):
        size = len(words(label["title"]))
        for ti, task in enumerate(tasks):
            head = " ".join(words(task["title"])[:size + 2])
            ratio = similar(label["title"], head)
            if ratio >= MATCH:
                pairs.append((ratio, li, ti))
    taken_labels: dict[int, int] = {}
    taken_tasks: set[int] = set()
    for ratio, li, ti in sorted(pairs, reverse=True):
        if li in taken_labels or ti in taken_tasks:
            continue
        taken_labels[li] = ti
        taken_tasks.add(ti)
    fuzzy = fmt == "scan"
    for li, label in enumerate(expected):
        if li not in taken_labels:
            score.misses.append(f"not found: {label.get('ref')} {label['title'][:60]}")
            continue
        task = tasks[taken_labels[li]]
        score.found += 1
        if _lead_right(label, task, fuzzy):
            score.lead_right += 1
        else:
            score.misses.append(f"lead {label.get('ref')}: {task.get('lead')!r} ≠ {label.get('lead')!r}")
        if _dates_right(label, task):
            score.dates_right += 1
        else:
            score.misses.append(f"dates {label.get('ref')} {label.get('deadline')!r}: "
                                f"{task.get('start')}..{task.get('due')} ≠ {_iso(label.get('start'))}.."
                                f"{_iso(label.get('due'))}")
    for ti, task in enumerate(tasks):
        if ti not in taken_tasks:
            score.spurious += 1
            score.misses.append(f"spurious: {task['ref']} {task['title'][:60]}")
    return score


@dataclass
class ReportScore:
    name: str
    labelled: int = 0
    found: int = 0
    occurrences_right: int = 0
    misses: list[str] = field(default_factory=list)

    def line(self) -> str:
        n = max(self.labelled, 1)
        return (f"{self.name:<28} reports labelled {self.labelled:>3}  found {self.found:>3} ({self.found / n:.0%})"
                f"  occurrences right {self.occurrences_right:>3} ({self.occurrences_right / n:.0%})")


def _overlap(a: list[int], b: list[int], slack: int = 1) -> bool:
    return a[0] - slack <= b[1] and b[0] - slack <= a[1]


def due_days(report: dict) -> list[str]:
    """The days a drafted report is due: its occurrences, or its one due day."""
    return report["occurrences"] or ([report["due"]] if report.get("due") else [])


def score_reports(name: str, data: dict, folder: Path = LABELS) -> ReportScore:
    """Reports of the text format against NAME.meta.yaml: matched by lines, then by due days. A duty
    without a date is found when a report or a review item covers its lines (it must not be dropped)."""
    expected = labels(name, "meta", folder).get("reports") or []
    found = data["reports"]
    score = ReportScore(name, labelled=len(expected))
    used: set[int] = set()
    for label in expected:
        want = [_iso(d) for d in label.get("occurrences") or []]
        near = [i for i, r in enumerate(found) if i not in used and _overlap(r["source"]["lines"], label["lines"])]
        if not near:
            if not want and any(_overlap(item["lines"], label["lines"]) for item in data["review"]):
                score.found += 1
                score.occurrences_right += 1
                continue
            score.misses.append(f"report not found: lines {label['lines']} {label['title'][:60]}")
            continue
        best = next((i for i in near if due_days(found[i]) == want), near[0])
        used.add(best)
        score.found += 1
        if due_days(found[best]) == want:
            score.occurrences_right += 1
        else:
            score.misses.append(f"report due days lines {label['lines']}: {due_days(found[best])[:3]}… "
                                f"≠ {want[:3]}…")
    return score


def plan_right(name: str, data: dict, folder: Path = LABELS) -> str | None:
    """None when the plan year and period match the label, else what differs."""
    want = labels(name, "meta", folder).get("plan")
    if not want:
        return None
    plan = data["plan"]
    got = (plan["year"], plan["period"]["start"], plan["period"]["end"])
    expected = (want["year"], _iso(want["start"]), _iso(want["end"]))
    return None if got == expected else f"{name}: plan {got} ≠ {expected}"
