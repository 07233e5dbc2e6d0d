"""Format of the development corpus labels (tests/fixtures/corpus/labels/*.yaml).

Checks only that every label file follows labels/README.md: required keys, dates that are dates,
line ranges inside the text, refs that name one place, and titles that really stand at the stated lines.
Whether dondoc finds the labelled tasks is scored elsewhere (tests/test_extract_corpus.py).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import pytest
from ruamel.yaml import YAML

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
LABELS = CORPUS / "labels"
FILES = sorted(LABELS.glob("*.yaml"))

TASK_KEYS = {"ref", "title", "lead", "deadline", "start", "due", "lines"}
TASK_OPTIONAL = {"occurrences"}
REPORT_KEYS = {"title", "lead", "deadline", "occurrences", "lines"}


def _load(path: Path):
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def _norm(text: str) -> str:
    """Markdown emphasis and escapes removed, whitespace collapsed, NFC, case-folded."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|])", r"\1", text)
    text = text.replace("*", "")
    return re.sub(r"\s+", " ", text).strip().casefold()


def _span(lines: list[str], first: int, last: int) -> str:
    """The text of lines first..last (1-based), table cell separators dropped, joined."""
    return _norm(" ".join(l for l in lines[first - 1:last] if l.strip() != "|"))


def _source_lines(name: str) -> list[str]:
    return (CORPUS / f"{name}.txt").read_text(encoding="utf-8").split("\n")


def _is_date(value) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _check_lines(where: str, value, n_lines: int) -> tuple[int, int]:
    assert isinstance(value, list) and len(value) == 2, f"{where}: lines must be [first, last]"
    first, last = value
    assert all(isinstance(v, int) and not isinstance(v, bool) for v in value), f"{where}: lines not ints"
    assert 1 <= first <= last <= n_lines, f"{where}: lines {value} outside 1..{n_lines}"
    return first, last


def _check_title(where: str, title, lines: list[str], first: int, last: int, words=None) -> None:
    assert isinstance(title, str) and title.strip(), f"{where}: title must be text"
    if words is not None:
        n = len(title.split())
        assert words[0] <= n <= words[1], f"{where}: title has {n} words ({words[0]}..{words[1]} expected)"
    assert _norm(title) in _span(lines, first, last), \
        f"{where}: title {title!r} not found at lines {first}-{last}"


def _check_text_or_null(where: str, key: str, value) -> None:
    assert value is None or (isinstance(value, str) and value.strip()), f"{where}: {key} must be text or null"


def _check_occurrences(where: str, value) -> None:
    assert isinstance(value, list), f"{where}: occurrences must be a list"
    assert all(_is_date(d) for d in value), f"{where}: occurrences must be dates"
    assert value == sorted(value), f"{where}: occurrences not in order"


def test_label_files_exist():
    assert (LABELS / "README.md").is_file()
    assert FILES, "no label files"
    for path in FILES:
        assert path.name.endswith((".tasks.yaml", ".meta.yaml")), f"unexpected label file {path.name}"
        name = path.name.rsplit(".", 2)[0]
        assert (CORPUS / f"{name}.txt").is_file(), f"{path.name}: no {name}.txt"


@pytest.mark.parametrize("path", [p for p in FILES if p.name.endswith(".tasks.yaml")], ids=lambda p: p.name)
def test_tasks_file_format(path: Path):
    name = path.name.removesuffix(".tasks.yaml")
    doc = _load(path)
    assert isinstance(doc, dict) and {"source", "scope", "tasks"} <= set(doc), f"{path.name}: top keys"
    assert doc["source"] == f"{name}.txt"
    assert isinstance(doc["scope"], str) and doc["scope"].strip()
    assert isinstance(doc["tasks"], list)
    lines = _source_lines(name)
    spans: list[tuple[str | None, int, int]] = []
    for i, task in enumerate(doc["tasks"]):
        where = f"{path.name} task {i} ({task.get('ref') if isinstance(task, dict) else '?'})"
        assert isinstance(task, dict), f"{where}: not a mapping"
        keys = set(task)
        missing = TASK_KEYS - keys
        if "occurrences" in keys:  # a recurring task may leave start/due out
            missing -= {"start", "due"}
        assert not missing, f"{where}: missing {sorted(missing)}"
        assert not keys - TASK_KEYS - TASK_OPTIONAL, f"{where}: unknown keys {sorted(keys - TASK_KEYS - TASK_OPTIONAL)}"
        ref = task["ref"]
        assert ref is None or (isinstance(ref, str) and ref.strip()), f"{where}: ref must be text or null"
        for key in ("lead", "deadline"):
            _check_text_or_null(where, key, task[key])
        start, due = task.get("start"), task.get("due")
        for key, value in (("start", start), ("due", due)):
            assert value is None or _is_date(value), f"{where}: {key} must be a date or null"
        if start is not None and due is not None:
            assert start <= due, f"{where}: start after due"
        if "occurrences" in task:
            _check_occurrences(where, task["occurrences"])
            assert start is None and due is None, f"{where}: a recurring task has no start/due"
        if task["deadline"] is None:
            assert start is None and due is None and not task.get("occurrences"), f"{where}: dates without a deadline"
        first, last = _check_lines(where, task["lines"], len(lines))
        _check_title(where, task["title"], lines, first, last, words=(6, 20))
        spans.append((ref, first, last))
    # A ref names one place in the document: tasks may share it (the bullets of one numbered prose
    # item, a number the document repeats) only when they sit at separate lines.
    for i, (ref, first, last) in enumerate(spans):
        for other, first2, last2 in spans[i + 1:]:
            if ref is not None and ref == other:
                assert last < first2 or last2 < first, \
                    f"{path.name}: ref {ref!r} used twice at overlapping lines {first}-{last}, {first2}-{last2}"


@pytest.mark.parametrize("path", [p for p in FILES if p.name.endswith(".meta.yaml")], ids=lambda p: p.name)
def test_meta_file_format(path: Path):
    name = path.name.removesuffix(".meta.yaml")
    doc = _load(path)
    assert isinstance(doc, dict) and {"plan", "reports"} <= set(doc), f"{path.name}: top keys"
    plan = doc["plan"]
    assert isinstance(plan, dict) and set(plan) == {"year", "start", "end"}, f"{path.name}: plan keys"
    assert isinstance(plan["year"], int) and 2000 <= plan["year"] <= 2100
    for key in ("start", "end"):
        assert plan[key] is None or _is_date(plan[key]), f"{path.name}: plan {key} must be a date or null"
    if plan["start"] and plan["end"]:
        assert plan["start"] <= plan["end"]
    assert isinstance(doc["reports"], list)
    lines = _source_lines(name)
    for i, report in enumerate(doc["reports"]):
        where = f"{path.name} report {i}"
        assert isinstance(report, dict), f"{where}: not a mapping"
        assert set(report) == REPORT_KEYS, f"{where}: keys {sorted(report)} != {sorted(REPORT_KEYS)}"
        for key in ("lead", "deadline"):
            _check_text_or_null(where, key, report[key])
        _check_occurrences(where, report["occurrences"])
        first, last = _check_lines(where, report["lines"], len(lines))
        _check_title(where, report["title"], lines, first, last)
