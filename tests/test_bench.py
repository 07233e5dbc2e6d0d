"""The benchmarks still run (on a tiny province); their figures are for `make bench`, not tests."""

import subprocess
import sys

import pytest

from tests.support.paths import ROOT

pytestmark = pytest.mark.slow      # each runs a benchmark as its own process


def test_the_rules_benchmark_runs_and_prints_each_figure_with_its_ratio(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_rules.py"), "--communes", "3",
                             "--db", str(tmp_path / "p.db")], capture_output=True, text=True, cwd=ROOT)
    lines = [l for l in result.stdout.splitlines() if " ratio " in l]
    assert [l.split(":")[0] for l in lines] == [
        "compute all timers", "sweep with nothing due", "burst of due timers -> notifications",
        "simulate one commune's plan for a year"], result.stderr
    assert "180 tasks" in lines[0]


def test_the_delivery_benchmark_runs_and_prints_each_figure_with_its_ratio():
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_delivery.py"), "--emails", "20",
                             "--telegram", "5", "--latency", "3"], capture_output=True, text=True, cwd=ROOT,
                            timeout=120)
    lines = [l for l in result.stdout.splitlines() if " ratio " in l]
    assert [l.split(":")[0] for l in lines] == [
        "email to a local SMTP sink", "Telegram sustained to the rate-limited fake",
        "timer moment -> SMTP acceptance, p99"], result.stdout + result.stderr
