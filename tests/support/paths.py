"""Where the project and the test data live, and how to run the `dondoc` command as a process."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
# The CLI of the interpreter running the tests, whatever virtual environment that is.
DONDOC = [sys.executable, "-m", "engine.cli"]
