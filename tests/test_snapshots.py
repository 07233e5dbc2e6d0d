"""The worlds tests share (tests/support/snapshots.py): a copy is the world its build made, moved
to the new test's directory; a changed config/ or setting is built afresh."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.support.db import db_snapshot
from tests.support.paths import ROOT
from tests.support.snapshots import Snapshots


def _place(tmp: Path, monkeypatch) -> Path:
    config = tmp / "config"
    shutil.copytree(ROOT / "config", config)
    monkeypatch.setenv("DONDOC_CONFIG_DIR", str(config))
    monkeypatch.setenv("DONDOC_DATABASE_URL", f"sqlite:///{tmp / 'var' / 'dondoc.db'}")
    return config


def _build(cli, config: Path) -> None:
    assert cli("org", "load").code == 0
    assert cli("--now", "2025-10-06T09:00+07:00", "rules", "reload").code == 0
    (config.parent / "notes.txt").write_text("written by the build", encoding="utf-8")


def _rows(tmp: Path) -> str:
    return json.dumps(db_snapshot(f"sqlite:///{tmp / 'var' / 'dondoc.db'}"), default=str, ensure_ascii=False)


def test_a_copy_is_the_built_world_moved_to_the_new_directory(cli, env, tmp_path, monkeypatch):
    shelf, first, second = Snapshots(tmp_path / "shelf"), tmp_path / "first", tmp_path / "second"
    (tmp_path / "shelf").mkdir()
    config = _place(first, monkeypatch)
    monkeypatch.setenv("DONDOC_ZALO_BASE_URL", "http://127.0.0.1:40001")    # a fake server's free port
    shelf.build_or_copy("t", first, config, lambda: _build(cli, config), files=["notes.txt"])
    config = _place(second, monkeypatch)
    monkeypatch.setenv("DONDOC_ZALO_BASE_URL", "http://127.0.0.1:40002")
    shelf.build_or_copy("t", second, config, lambda: pytest.fail("built twice"), files=["notes.txt"])
    assert str(first) in _rows(first)                       # the rules file, the org file's event
    assert _rows(second) == _rows(first).replace(str(first), str(second))
    assert (second / "notes.txt").read_text(encoding="utf-8") == "written by the build"


@pytest.mark.parametrize("change", ["config", "setting"])
def test_another_config_or_setting_is_built_afresh(cli, env, tmp_path, monkeypatch, change):
    shelf, built = Snapshots(tmp_path / "shelf"), []
    (tmp_path / "shelf").mkdir()
    for place in ("first", "second"):
        config = _place(tmp_path / place, monkeypatch)
        if place == "second" and change == "config":
            (config / "org.yaml").write_text((config / "org.yaml").read_text(encoding="utf-8") + "\n",
                                             encoding="utf-8")
        if place == "second" and change == "setting":
            monkeypatch.setenv("DONDOC_LOCALE", "en")
        shelf.build_or_copy("t", tmp_path / place, config, lambda: built.append(place) or _build(cli, config))
    assert built == ["first", "second"]
    assert os.path.exists(tmp_path / "second" / "var" / "dondoc.db")
