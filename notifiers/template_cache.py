"""What one process remembers about the admin's templates, so that each `dondoc run --once`
(a new Renderer every time) does not check and compile the same files again.

Both memories are keyed by what the templates say, never by time: an edited file is a new key.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

_CLEAN: set[str] = set()


def fingerprint(templates_dir: Path, default_locale: str) -> str:
    """A digest of every file and folder name under `templates_dir` and of every file's bytes."""
    digest = hashlib.sha256(default_locale.encode())
    if templates_dir.is_dir():
        for path in sorted(templates_dir.rglob("*")):
            digest.update(b"\0" + str(path.relative_to(templates_dir)).encode() + b"\0")
            if path.is_file():
                digest.update(path.read_bytes())
    return digest.hexdigest()


def known_clean(key: str) -> bool:
    """Whether a template set with this fingerprint already passed Renderer.check()."""
    return key in _CLEAN


def remember_clean(key: str) -> None:
    _CLEAN.add(key)


class CompiledTemplates(BytecodeCache):
    """Compiled templates in memory. Jinja keys each by template name and file and checks the
    source's checksum on load, so a changed file is compiled afresh; one instance per set of
    environment options (autoescape changes the compiled code)."""

    def __init__(self, capacity: int = 512):
        self._code: OrderedDict[str, bytes] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._code)

    def load_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            code = self._code.get(bucket.key)
            if code is not None:
                self._code.move_to_end(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            self._code[bucket.key] = bucket.bytecode_to_string()
            while len(self._code) > self._capacity:
                self._code.popitem(last=False)


COMPILED = {False: CompiledTemplates(), True: CompiledTemplates()}   # by autoescape
