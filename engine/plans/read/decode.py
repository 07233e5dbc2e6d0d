"""Decode a text document whatever its encoding: UTF-8 (BOM or not), UTF-16, Windows-1258 ..."""

from __future__ import annotations

import unicodedata

from engine.infra.encoding import encoding_name, guess
from engine.plans.extract.model import ExtractError


def decode_text(file: str, data: bytes) -> tuple[str, str]:
    """The document's text (NFC) and the name of the encoding it was stored in."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _nfc(_strict(file, data[3:], "utf-8")), "UTF-8 (BOM)"
    try:
        return _nfc(data.decode("utf-8")), "UTF-8"
    except UnicodeDecodeError:
        pass
    found = guess(data)
    if found is None:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data.count(b"\x00") > len(data) // 4:
            raise ExtractError(file, "not valid UTF-16 text", "save the file as UTF-8")
        raise ExtractError(file, "the text encoding could not be detected", "save the file as UTF-8")
    codec, text = found
    return _nfc(text), "UTF-16" if codec.startswith("utf-16") else encoding_name(codec)


def _strict(file: str, data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise ExtractError(file, f"not valid {encoding_name(codec)} text at byte {exc.start}",
                           "save the file as UTF-8") from None


def _nfc(text: str) -> str:
    # Windows-1258 stores tones as combining marks; everything downstream expects NFC.
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
