"""Plan extraction benchmarks (issue 10): a scanned 6-page plan read by OCR, and a text plan.

    .venv/bin/python bench/bench_extract.py [--runs 3]

Each line prints the figure, its target and the ratio figure/target (<= 1.0 meets the target).
The scan's time is that of one whole `extract_plan` (rendering, OCR of every page, tables); the
text plan's is the best of --runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.plans.extract import extract_plan  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "corpus"


def report(name: str, figure: float, target: float, unit: str, extra: str = "") -> bool:
    ratio = figure / target
    print(f"{name}: {figure:.3f} {unit} (target <= {target:g} {unit}) ratio {ratio:.2f}"
          f"{' OK' if ratio <= 1 else ' MISSED'}{'  ' + extra if extra else ''}", flush=True)
    return ratio <= 1


def cpu() -> float:
    """Processor seconds of this process and its finished children (tesseract, pdftoppm)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(path: Path):
    started = time.perf_counter()
    extraction = extract_plan(path)
    return time.perf_counter() - started, extraction


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ok = True

    before = cpu()
    seconds, ex = timed(CORPUS / "ttg-2597-2025.scanned.pdf")
    # The processor time shows what a busy machine (other jobs on the cores) adds to the wall time.
    ok &= report("scanned 6-page PDF by OCR", seconds, 60, "s",
                 f"{len(ex.tasks)} tasks, {cpu() - before:.1f} s of processor time on {os.cpu_count()} core(s)")

    best, ex = min((timed(CORPUS / "ttg-2629-2025.txt") for _ in range(max(1, args.runs))),
                   key=lambda r: r[0])
    ok &= report("text plan (ttg-2629-2025.txt)", best, 1, "s", f"{len(ex.tasks)} tasks")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
