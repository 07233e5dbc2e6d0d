"""Shared fixtures: a private copy of config/, a real SQLite file, the real CLI in-process."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A copy of the shipped config/ that a test may change freely."""
    target = tmp_path / "config"
    shutil.copytree(ROOT / "config", target)
    return target


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, config_dir: Path) -> dict[str, str]:
    """DONDOC_* variables pointing at the private config and a fresh SQLite file."""
    for name in [k for k in list(__import__("os").environ) if k.startswith("DONDOC_")]:
        monkeypatch.delenv(name)
    values = {"DONDOC_CONFIG_DIR": str(config_dir),
              "DONDOC_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'dondoc.db'}"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def cli(env, capsys, monkeypatch):
    """Run `dondoc ARGS...` in-process through the real entry point; returns code, stdout, stderr."""
    from engine.cli import main

    def run(*args: str) -> Result:
        monkeypatch.setattr(sys, "argv", ["dondoc", *map(str, args)])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def loaded(cli, config_dir):
    """Database initialised with the example org and both example plans."""
    assert cli("init").code == 0
    assert cli("org", "load").code == 0
    plans = sorted((config_dir / "plans").glob("*.yaml"))
    result = cli("plan", "import", *plans)
    assert result.code == 0, result.err
    return cli


def db_snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, to prove a failed command changed nothing."""
    from engine.infra.db import make_engine
    engine = make_engine(url)
    with engine.connect() as conn:
        return {table: sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{table}"')).all()), key=repr)
                for table in inspect(conn).get_table_names()}
