"""What encoding a text file was saved in: UTF-8 (BOM or not), UTF-16, Windows-1258 ...

Plan files must be UTF-8 (engine.infra.yamlfile says what else a file looks like); documents to
extract plans from are read whatever their encoding (engine.plans.extract).
"""

from __future__ import annotations

import unicodedata

from charset_normalizer import from_bytes

# Letters only Vietnamese uses; a decoding that yields many of them is the right one.
_VIETNAMESE = set("ăâđêôơưĂÂĐÊÔƠƯ") | {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def encoding_name(codec: str) -> str:
    """Python's codec name as people know it: cp1258 -> Windows-1258, utf_16 -> UTF-16."""
    if codec.startswith("cp125"):
        return "Windows-" + codec[2:]
    return codec.replace("_", "-").upper()


def guess(data: bytes) -> tuple[str, str] | None:
    """(codec, text) of bytes that are not UTF-8, or None when no encoding fits.

    UTF-16 is recognised by its BOM or its NUL bytes; otherwise charset-normalizer's best guess
    competes with Windows-1258 on how much Vietnamese the decoded text holds (charset-normalizer
    alone often calls Vietnamese text Windows-1252).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _try(data, "utf-16")
    if data.count(b"\x00") > len(data) // 4:
        codec = "utf-16-le" if data[1::2].count(0) > data[0::2].count(0) else "utf-16-be"
        return _try(data, codec)
    best = from_bytes(data).best()
    scored = []
    for codec in dict.fromkeys(([best.encoding] if best is not None else []) + ["cp1258"]):
        decoded = _try(data, codec)
        if decoded is not None:
            scored.append((sum(ch in _VIETNAMESE for ch in unicodedata.normalize("NFD", decoded[1])), decoded))
    return max(scored, key=lambda s: s[0])[1] if scored else None


def _try(data: bytes, codec: str) -> tuple[str, str] | None:
    try:
        return codec, data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None
