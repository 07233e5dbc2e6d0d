"""Decode a text document whatever its encoding: UTF-8 (BOM or not), UTF-16, Windows-1258 ..."""

from __future__ import annotations

import unicodedata

from charset_normalizer import from_bytes

from engine.plans.extract.model import ExtractError

# Letters only Vietnamese uses; a decoding that yields many of them is the right one.
_VIETNAMESE = set("ăâđêôơưĂÂĐÊÔƠƯ") | {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def decode_text(file: str, data: bytes) -> tuple[str, str]:
    """The document's text (NFC) and the name of the encoding it was stored in."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _nfc(data[3:].decode("utf-8", errors="strict")), "UTF-8 (BOM)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _nfc(_strict(file, data, "utf-16")), "UTF-16"
    try:
        return _nfc(data.decode("utf-8")), "UTF-8"
    except UnicodeDecodeError:
        pass
    # UTF-16 without a BOM: every other byte of ASCII-heavy text is a NUL.
    if data.count(b"\x00") > len(data) // 4:
        codec = "utf-16-le" if data[1::2].count(0) > data[0::2].count(0) else "utf-16-be"
        return _nfc(_strict(file, data, codec)), "UTF-16"
    best = from_bytes(data).best()
    candidates = [best.encoding] if best is not None else []
    candidates.append("cp1258")
    scored = []
    for codec in dict.fromkeys(candidates):
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        scored.append((sum(ch in _VIETNAMESE for ch in unicodedata.normalize("NFD", text)), codec, text))
    if not scored:
        raise ExtractError(file, "the text encoding could not be detected",
                           "save the file as UTF-8")
    _, codec, text = max(scored, key=lambda s: s[0])
    return _nfc(text), encoding_name(codec)


def encoding_name(codec: str) -> str:
    """Python's codec name as people know it: cp1258 -> Windows-1258, utf_16 -> UTF-16."""
    if codec.startswith("cp125"):
        return "Windows-" + codec[2:]
    return codec.replace("_", "-").upper()


def _strict(file: str, data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise ExtractError(file, f"not valid {encoding_name(codec)} text at byte {exc.start}",
                           "save the file as UTF-8") from None


def _nfc(text: str) -> str:
    # Windows-1258 stores tones as combining marks; everything downstream expects NFC.
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
