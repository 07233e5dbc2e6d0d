"""The benchmarks still run (on a tiny province); their figures are for `make bench`, not tests."""

import subprocess
import sys

from tests.conftest import ROOT


def test_the_rules_benchmark_runs_and_prints_each_figure_with_its_ratio(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_rules.py"), "--communes", "3",
                             "--db", str(tmp_path / "p.db")], capture_output=True, text=True, cwd=ROOT)
    lines = [l for l in result.stdout.splitlines() if " ratio " in l]
    assert [l.split(":")[0] for l in lines] == [
        "compute all timers", "sweep with nothing due", "burst of due timers -> notifications",
        "simulate one commune's plan for a year"], result.stderr
    assert "180 tasks" in lines[0]
