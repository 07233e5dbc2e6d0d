"""YAML files an admin edits: decoded strictly, parsed with positions, validated into models.

Every problem comes back as a FileError that names the file, the line and column, and the
key path in the admin's own vocabulary (`tasks[3].due`), so they can jump straight to it.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from engine.infra.encoding import encoding_name, guess
from engine.infra.errors import FileError, FileErrors

M = TypeVar("M", bound=BaseModel)

# An admin's YAML file is a few hundred kilobytes at most; anything far larger is not one.
MAX_BYTES = int(os.environ.get("DONDOC_YAML_MAX_MB", "20")) * 1024 * 1024
# What YAML refuses to read: C0/C1 controls (tab, newline, CR and NEL aside), surrogates, U+FFFE/U+FFFF.
_FORBIDDEN = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# A locale names a folder (config/templates/<locale>/): a language code, never a path.
_LOCALE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")


def locale_code(value: str) -> str:
    """`value` if it is a locale code such as vi, en or en-US; a ValueError otherwise."""
    if not _LOCALE.fullmatch(value):
        raise ValueError(f"{value!r} không phải mã ngôn ngữ như vi, en / is not a locale code such as vi or en")
    return value


LocaleCode = Annotated[str, AfterValidator(locale_code)]

# What ruamel's constructors raise, unmarked, for a value its explicit tag cannot hold (`!!int x`,
# `!!set 1`); it is caught and given the value's position.
_BAD_VALUE = (ValueError, TypeError, ArithmeticError, LookupError, AttributeError)


class _Constructor(RoundTripConstructor):
    """Round-trip constructor that leaves timestamps as text.

    ruamel turns `2024-02-31` into a bare ValueError without a position; as text, the
    schema reports it against its key and line like any other bad value. A value its explicit tag
    cannot hold (`!!int 0xZZ`) is a ConstructorError at that value, not a bare ValueError.
    """

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except _BAD_VALUE as exc:
            raise ConstructorError(None, None, f"giá trị không hợp lệ / invalid value: {exc}",
                                   node.start_mark) from None


_Constructor.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda self, node: self.construct_scalar(node))


@dataclass
class Document:
    """A parsed YAML file: plain data plus the positions of every key."""

    path: str
    root: Any
    sha256: str
    text: str

    def locate(self, loc: tuple[Any, ...]) -> tuple[int | None, int | None]:
        """1-based line and column of the deepest node on `loc` that exists."""
        node, (line, col) = self.root, first_content(self.text)
        if isinstance(node, (CommentedMap, CommentedSeq)):
            line, col = node.lc.line + 1, node.lc.col + 1
        for part in loc:
            if isinstance(node, CommentedMap) and part in node:
                kl, kc = node.lc.key(part)
                line, col = kl + 1, kc + 1
                node = node[part]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                il, ic = node.lc.item(part)
                line, col = il + 1, ic + 1
                node = node[part]
            else:
                break
        return line, col

    def error(self, loc: tuple[Any, ...], message: str, hint: str | None = None) -> FileError:
        """A FileError pointing at `loc`."""
        line, col = self.locate(loc)
        return FileError(self.path, message, line, col, key_path(loc) or None, hint)


def key_path(loc: tuple[Any, ...]) -> str:
    """('tasks', 3, 'due') -> 'tasks[3].due'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def first_content(text: str) -> tuple[int, int]:
    """1-based line and column of the first character that is neither blank nor a comment."""
    for no, line in enumerate(text.split("\n"), 1):
        body = line.strip()
        if body and not body.startswith("#"):
            return no, len(line) - len(line.lstrip()) + 1
    return 1, 1


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of character `index` of `text`."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _control_character(text: str, path: str) -> None:
    """Refuse a character YAML cannot hold (NUL, BEL, ESC ...) with where it is."""
    found = _FORBIDDEN.search(text)
    if found is None:
        return
    char = found.group()
    name = unicodedata.name(char, "") or {"\x00": "NUL", "\x07": "BEL", "\x1b": "ESC"}.get(char, "control")
    code = f"U+{ord(char):04X}"
    line, col = _position(text, found.start())
    raise FileError(path, f"ký tự điều khiển {code} ({name}) không được có trong tệp YAML / "
                          f"control character {code} ({name}) is not allowed in a YAML file", line, col,
                    hint="xóa ký tự này, thường do sao chép từ nơi khác / delete it; it usually comes from a "
                         "copy and paste")


def decode(path: Path, data: bytes) -> str:
    """UTF-8 text of `data` (a BOM is allowed); anything else is refused with what it looks like."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        guessed = guess(data)
        found = f"it looks like {encoding_name(guessed[0])}" if guessed else "no encoding could be detected"
        line = data[: exc.start].count(b"\n") + 1
        raise FileError(str(path), f"not UTF-8 text ({found})", line,
                        hint="save the file as UTF-8") from None


def load(path: str | Path) -> Document:
    """Read and parse a YAML file; a missing, empty, undecodable or malformed file is a FileError."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise FileError(str(path), f"cannot read the file: {exc.strerror}") from None
    if len(data) > MAX_BYTES:
        raise FileError(str(path), f"tệp quá lớn (hơn {MAX_BYTES // 2**20} MB) / the file is too large "
                                   f"(over {MAX_BYTES // 2**20} MB)", 1, 1,
                        hint="đây có đúng là tệp YAML? / is this really a YAML file?")
    return loads(decode(path, data), str(path), hashlib.sha256(data).hexdigest())


def loads(text: str, path: str, sha256: str | None = None) -> Document:
    """Parse YAML text that came from `path` (a file, or a copy kept in the database)."""
    if sha256 is None:
        sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if not text.strip():
        raise FileError(path, "tệp rỗng / the file is empty", 1, 1)
    _control_character(text, path)
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    try:
        root = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line != mark.line:
            # Where the broken construct began is usually where the typo is.
            problem += f" ({exc.context} that starts at line {exc.context_mark.line + 1})"
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise FileError(path, f"YAML syntax error: {problem}", line, col) from None
    except YAMLError as exc:  # unmarked: a reader or emitter problem without a node
        where = getattr(exc, "position", None)
        line, col = _position(text, where) if isinstance(where, int) else first_content(text)
        raise FileError(path, f"lỗi cú pháp YAML / YAML syntax error: {exc}", line, col) from None
    except RecursionError:
        line, col = first_content(text)
        raise FileError(path, "cấu trúc lồng nhau quá sâu / the structure is nested too deeply", line, col) from None
    except _BAD_VALUE as exc:  # a value built after its node
        line, col = first_content(text)
        raise FileError(path, f"giá trị không hợp lệ / invalid value: {exc}", line, col) from None
    if root is None:
        raise FileError(path, "tệp không có dữ liệu (chỉ có chú thích?) / the file holds no data "
                              "(only comments?)", 1, 1)
    return Document(path, root, sha256, text)


def validate(doc: Document, model: type[M], root: Any = None, loc: tuple[Any, ...] = ()) -> M:
    """Validate `root` (default the whole document) into `model`; all problems raised at once."""
    data = doc.root if root is None else root
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FileErrors([_to_file_error(doc, loc, err, model) for err in exc.errors()]) from None


def _to_file_error(doc: Document, base: tuple[Any, ...], err: dict, model: type[BaseModel]) -> FileError:
    loc = base + _data_path(doc.root, base, err["loc"])
    kind, value = err["type"], err.get("input")
    hint = None
    if kind == "extra_forbidden":
        name = loc[-1]
        known = _known_keys(model, err["loc"][:-1])
        close = difflib.get_close_matches(str(name), known, n=1)
        message = f"unknown key {name!r}"
        hint = f"did you mean {close[0]!r}?" if close else (f"known keys: {', '.join(known)}" if known else None)
    elif kind == "missing":
        message = "this key is required"
    elif kind in ("model_type", "dict_type", "model_attributes_type"):
        found = "a list" if isinstance(value, list) else f"{value!r}"
        message = f"expected a mapping of keys (key: value), found {found}"
    elif kind.startswith("date") or kind.startswith("datetime"):
        message = f"{value!r} is not a valid date"
        hint = "write it as YYYY-MM-DD, e.g. 2025-10-14"
    else:
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        bare = isinstance(value, (dict, list)) or value is None or repr(value) in msg
        message = msg if bare else f"{value!r}: {msg}"
    return doc.error(loc, message, hint)


def _data_path(root: Any, base: tuple[Any, ...], loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Pydantic's error location without its union tags ("list[str]"), walked against the data so a
    key of the file that itself holds "[" stays part of the path."""
    node: Any = root
    for part in base:
        node = node[part] if isinstance(node, (dict, list)) and _has(node, part) else None
    path = []
    for part in loc:
        if _has(node, part):
            path.append(part)
            node = node[part]
        elif not (isinstance(part, str) and "[" in part):
            path.append(part)
            node = None
    return tuple(path)


def _has(node: Any, part: Any) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the (nested) model that `loc` points into, for 'did you mean' hints."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", {})
        if part not in fields:
            return []
        current = _inner_model(fields[part].annotation)
    return sorted(getattr(current, "model_fields", {}).keys())


def _inner_model(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", ())
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in args:
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
