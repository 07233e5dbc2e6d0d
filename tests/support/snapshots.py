"""Worlds built once per test session by the real CLI and handed to later tests as a copy.

The first test that asks for a world (the loaded example plans, the chat world) builds it with
the real commands in its own tmp_path; its database is kept. A later test whose config/ and
DONDOC_* settings are the same gets a copy of that SQLite file, with the first test's directory
replaced by its own wherever the database mentions it (the rules file, the org file's events),
and the files the build wrote next to the config. Anything else, and any PostgreSQL database,
is built afresh. Setting a world up took a quarter of a second; a copy takes a few milliseconds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

# Settings that differ between tests without changing what the build writes: the test's own
# paths, and the addresses of fake servers (on a free port each time).
_PER_TEST = {"DONDOC_CONFIG_DIR", "DONDOC_DATABASE_URL"}


def _per_test(name: str) -> bool:
    return name in _PER_TEST or name.endswith("_BASE_URL")


@dataclass(frozen=True)
class _Built:
    database: Path      # the kept copy
    root: str           # the tmp_path of the test that built it
    files: dict[str, Path]   # name in tmp_path -> the kept copy


def _sqlite_file(url: str) -> Path | None:
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def _key(kind: str, config_dir: Path) -> str:
    digest = hashlib.sha256(kind.encode())
    for path in sorted(config_dir.rglob("*")):
        digest.update(b"\0" + str(path.relative_to(config_dir)).encode() + b"\0")
        if path.is_file():
            digest.update(path.read_bytes())
    for name, value in sorted(os.environ.items()):
        if name.startswith("DONDOC_") and not _per_test(name):
            digest.update(f"\0{name}={value}".encode())
    return digest.hexdigest()


def _copy(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database, whatever its journal mode."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _move_paths(database: Path, old: str, new: str) -> None:
    """Replace `old` by `new` in every text value of every table."""
    with sqlite3.connect(database) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite_%'")]
        for table in tables:
            for column in [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]:
                db.execute(f'UPDATE "{table}" SET "{column}" = replace("{column}", ?, ?) '
                           f'WHERE typeof("{column}") = \'text\' AND instr("{column}", ?) > 0', (old, new, old))
    db.close()


class Snapshots:
    """The worlds built so far in this session (one per kind, config and settings)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._built: dict[str, _Built] = {}

    def build_or_copy(self, kind: str, tmp_path: Path, config_dir: Path, build: Callable[[], None],
                      files: Iterable[str] = ()) -> None:
        """Run `build` (real commands) the first time; later, copy what it made into `tmp_path`."""
        database = _sqlite_file(os.environ["DONDOC_DATABASE_URL"])
        key = _key(kind, config_dir)
        built = self._built.get(key) if database is not None and not database.exists() else None
        if built is None:
            build()
            if database is not None:
                kept = self.directory / str(len(self._built))
                kept.mkdir()
                _copy(database, kept / "world.db")
                for name in files:
                    shutil.copyfile(tmp_path / name, kept / name)
                self._built[key] = _Built(kept / "world.db", str(tmp_path), {n: kept / n for n in files})
            return
        _copy(built.database, database)
        _move_paths(database, built.root, str(tmp_path))
        for name, kept_file in built.files.items():
            shutil.copyfile(kept_file, tmp_path / name)
