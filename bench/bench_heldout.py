"""Plan extraction on held-out documents (issue 10): real plans never used to develop dondoc.

    .venv/bin/python bench/bench_heldout.py [-v]

Extracts every tests/fixtures/heldout/*.txt and scores it against tests/fixtures/heldout/labels (written
before dondoc was run on the documents) with the corpus scorer. Prints per document and in total: rows
found, lead right, dates right (shares of labelled rows), spurious (share of extracted tasks), reports
found, plan period right; each total with its target and the ratio figure/target (rows, lead, dates,
reports meet it at >= 1.0, spurious at <= 1.0). -v lists every miss.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.plans.extract import extract_plan  # noqa: E402
from tests.support.corpus import (ReportScore, Score, documents, plan_right, score_reports,  # noqa: E402
                                  score_tasks)

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "fixtures" / "heldout"
LABELS = HELDOUT / "labels"
# (figure, target, higher is better)
TARGETS = {"rows": (0.95, True), "lead": (0.90, True), "dates": (0.95, True), "spurious": (0.03, False),
           "reports": (0.90, True)}


def report(name: str, figure: float, counts: str) -> bool:
    target, higher = TARGETS[name]
    ratio = figure / target
    ok = ratio >= 1 if higher else ratio <= 1
    sign = ">=" if higher else "<="
    print(f"{name}: {figure:.1%} {counts} (target {sign} {target:.0%}) ratio {ratio:.2f}"
          f"{' OK' if ok else ' MISSED'}", flush=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = parser.parse_args()
    names = documents("tasks", LABELS)
    total = Score("total", "txt")
    reports = ReportScore("total")
    plans_right = 0
    for name in names:
        data = extract_plan(HELDOUT / f"{name}.txt").to_json()
        score = score_tasks(name, "txt", data, LABELS)
        rep = score_reports(name, data, LABELS)
        plan = plan_right(name, data, LABELS)
        plans_right += plan is None
        total.add(score)
        reports.labelled += rep.labelled
        reports.found += rep.found
        reports.occurrences_right += rep.occurrences_right
        print(score.line())
        print(f"{'':<28} {rep.line().strip()[len(name):].strip()}  plan {'right' if plan is None else plan}")
        if args.verbose:
            for miss in score.misses + rep.misses:
                print(f"    {miss}")
    print()
    f = total.figures
    ok = report("rows", f["rows"], f"({total.found}/{total.labelled})")
    ok &= report("lead", f["lead"], f"({total.lead_right}/{total.labelled})")
    ok &= report("dates", f["dates"], f"({total.dates_right}/{total.labelled})")
    ok &= report("spurious", f["spurious"], f"({total.spurious}/{total.extracted})")
    ok &= report("reports", reports.found / max(reports.labelled, 1),
                 f"({reports.found}/{reports.labelled}, due days right {reports.occurrences_right})")
    print(f"plan period right: {plans_right}/{len(names)}", flush=True)
    return 0 if ok and plans_right == len(names) else 1


if __name__ == "__main__":
    sys.exit(main())
