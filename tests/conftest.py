"""Shared fixtures: a private copy of config/, a real SQLite file, the real CLI in-process, the
one test world (tests/support/world.py). Helpers live in tests/support/, not here."""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.context import AppContext
from tests.fakes.telegram_api import telegram_api
from tests.fakes.zalo_api import zalo_api
from tests.support.clock import VirtualTime
from tests.support.paths import ROOT
from tests.support.snapshots import Snapshots
from tests.support.tls import trust_nothing
from tests.support.world import World


@pytest.fixture(scope="session", autouse=True)
def no_system_trust_store(tmp_path_factory: pytest.TempPathFactory):
    """Loopback fakes only: HTTP clients and SSL contexts skip loading the system CA bundle."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in trust_nothing(tmp_path_factory.mktemp("tls")).items():
            patch.setenv(name, value)
        yield


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A copy of the shipped config/ that a test may change freely."""
    target = tmp_path / "config"
    shutil.copytree(ROOT / "config", target)
    return target


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, config_dir: Path) -> dict[str, str]:
    """DONDOC_* variables pointing at the private config and a fresh SQLite file."""
    for name in [k for k in os.environ if k.startswith("DONDOC_")]:
        monkeypatch.delenv(name)
    values = {"DONDOC_CONFIG_DIR": str(config_dir),
              "DONDOC_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'dondoc.db'}"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture
def pacer_time(monkeypatch: pytest.MonkeyPatch) -> VirtualTime:
    """Virtual seconds for every pacer the in-process engine builds (AppContext.pacer_clock); real
    pacing against the fake's real limits is tested in test_pacing.py."""
    virtual = VirtualTime()
    monkeypatch.setattr(AppContext, "pacer_clock", virtual.pacer_clock)
    return virtual


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def cli(env, capsys, monkeypatch, pacer_time):
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


@pytest.fixture(scope="session")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> Snapshots:
    """Worlds built once by the real CLI and copied into later tests (tests/support/snapshots.py)."""
    return Snapshots(tmp_path_factory.mktemp("worlds"))


@pytest.fixture
def loaded(cli, config_dir, tmp_path, snapshots):
    """Database initialised with the example org and both example plans."""
    def build() -> None:
        assert cli("init").code == 0
        assert cli("org", "load").code == 0
        plans = sorted((config_dir / "plans").glob("*.yaml"))
        result = cli("plan", "import", *plans)
        assert result.code == 0, result.err

    snapshots.build_or_copy("loaded", tmp_path, config_dir, build)
    return cli


@pytest.fixture
def world(request, cli, env, config_dir, tmp_path, monkeypatch, snapshots):
    """The test's world (tests/support/world.py). Marked `chat`: with the fake Bot API (no flood
    limits: those are tested in test_telegram and test_dispatch), the example org, the default
    rules and the chat plan imported on Mon 6/10/2025."""
    w = World(cli, env["DONDOC_DATABASE_URL"], config_dir, tmp_path)
    if request.node.get_closest_marker("chat") is None:
        yield w
        return
    with telegram_api(limits=False) as tg:
        monkeypatch.setenv("DONDOC_TELEGRAM_TOKEN", tg.token)
        monkeypatch.setenv("DONDOC_TELEGRAM_BASE_URL", tg.base_url)
        monkeypatch.setenv("DONDOC_TELEGRAM_BOT_USERNAME", tg.username)
        w.tg = tg
        snapshots.build_or_copy("chat", tmp_path, config_dir, w.import_chat_plan, files=["plan.yaml"])
        yield w


@pytest.fixture
def zalo_world(cli, env, config_dir, tmp_path, monkeypatch, snapshots):
    """The chat world on Zalo: the fake Zalo Bot API in `world.zl` (no Telegram token, so `chat`
    rules reach people on Zalo), the example org, the default rules and the chat plan imported on
    Mon 6/10/2025. Nobody is linked on Zalo yet (tests/support/world.py `link_zalo`)."""
    w = World(cli, env["DONDOC_DATABASE_URL"], config_dir, tmp_path)
    with zalo_api() as zl:
        monkeypatch.setenv("DONDOC_ZALO_TOKEN", zl.token)
        monkeypatch.setenv("DONDOC_ZALO_BASE_URL", zl.base_url)
        w.zl = zl
        snapshots.build_or_copy("zalo-chat", tmp_path, config_dir, w.import_chat_plan, files=["plan.yaml"])
        yield w
