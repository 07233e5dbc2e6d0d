"""The development corpus: real plans from other issuers, in every format, scored against labels.

Prints, per document and format, rows found / lead right / dates right / spurious, and fails when
a format's totals fall below the floors (issue #10's figures). Run with `-s` to see the table:

    .venv/bin/python -m pytest tests/test_extract_corpus.py -s
"""

from __future__ import annotations

import functools

import pytest

from engine.plans.extract import extract_plan
from tests.support.corpus import (Score, documents, plan_right, score_reports, score_tasks, variant)

# Floors per format: rows found, lead right, dates right (shares of labelled rows), spurious (share
# of extracted tasks, at most).
FLOORS = {
    "txt": {"rows": 0.95, "lead": 0.90, "dates": 0.95, "spurious": 0.03},
    "docx": {"rows": 0.95, "lead": 0.90, "dates": 0.95, "spurious": 0.03},
    "xlsx": {"rows": 0.95, "lead": 0.90, "dates": 0.95, "spurious": 0.03},
    "pdf": {"rows": 0.95, "lead": 0.90, "dates": 0.95, "spurious": 0.03},
    "flat": {"rows": 0.95, "lead": 0.90, "dates": 0.95, "spurious": 0.03},
}
SCAN_FLOORS = {"rows": 0.85}
REPORTS_FLOOR = 0.90


@functools.lru_cache(maxsize=None)
def extracted(name: str, fmt: str) -> dict | None:
    path = variant(name, fmt)
    return extract_plan(path).to_json() if path else None


def _check(score: Score, floors: dict[str, float]) -> list[str]:
    figures = score.figures
    bad = [f"{key} {figures[key]:.1%} < {floor:.0%}" for key, floor in floors.items()
           if key != "spurious" and figures[key] < floor]
    if "spurious" in floors and figures["spurious"] > floors["spurious"]:
        bad.append(f"spurious {figures['spurious']:.1%} > {floors['spurious']:.0%}")
    return bad


def _format_total(fmt: str) -> Score:
    total = Score("TOTAL", fmt)
    for name in documents("tasks"):
        data = extracted(name, fmt)
        if data is None:
            continue
        score = score_tasks(name, fmt, data)
        print(score.line())
        for why in score.misses[:12]:
            print(f"      {why}")
        total.add(score)
    print(total.line())
    return total


@pytest.mark.parametrize("fmt", sorted(FLOORS))
def test_tasks_are_found_with_their_lead_and_dates(fmt):
    total = _format_total(fmt)
    assert total.labelled, f"no labelled document exists as {fmt}"
    assert not _check(total, FLOORS[fmt]), _check(total, FLOORS[fmt])


@pytest.mark.slow
def test_a_scanned_plan_is_read_through_ocr():
    total = _format_total("scan")
    assert total.labelled
    assert not _check(total, SCAN_FLOORS), _check(total, SCAN_FLOORS)


def test_reporting_duties_are_found_with_their_occurrences():
    found = right = labelled = 0
    for name in documents("meta"):
        score = score_reports(name, extracted(name, "txt"))
        print(score.line())
        for why in score.misses[:8]:
            print(f"      {why}")
        labelled, found, right = labelled + score.labelled, found + score.found, right + score.occurrences_right
    print(f"TOTAL reports labelled {labelled} found {found} occurrences right {right}")
    assert labelled
    assert found / labelled >= REPORTS_FLOOR and right / labelled >= REPORTS_FLOOR, (found, right, labelled)


@pytest.mark.parametrize("fmt", ["txt", "docx"])
def test_plan_year_and_period_are_right_in_every_document(fmt):
    wrong = [why for name in documents("meta") if (data := extracted(name, fmt))
             and (why := plan_right(name, data))]
    assert not wrong, wrong
