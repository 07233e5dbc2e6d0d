"""Matching Vietnamese names as people write them, not as bytes compare.

"Văn hoá - Thông tin", "VĂN HÓA – THÔNG TIN" and "Văn hóa-Thông tin" (NFD, old tone
placement, en dash, no spaces) all reduce to one key. Tone marks are taken off each syllable
and written after it, so where a typist put the mark (hoá/hóa, thuỷ/thủy, Uỷ/Ủy) stops mattering
while the tone itself still does (Hộ and Hồ stay different).
"""

from __future__ import annotations

import re
import unicodedata

# Combining tone marks: grave, acute, tilde, hook above, dot below.
_TONES = {"\u0300": "1", "\u0301": "2", "\u0303": "3", "\u0309": "4", "\u0323": "5"}
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_SEPARATOR = re.compile(r"\s*-\s*|[\s,;:()\[\]]+")
# Titles that say who in the unit, not which unit: "Công chức Tư pháp" is the Tư pháp unit.
_TITLE_PREFIX = re.compile(r"^(?:công chưc2|can2 bô5)\s+")


def dashes(text: str) -> str:
    """En/em dashes, minus signs and friends as a plain hyphen."""
    return text.translate(_DASHES)


def nfc(text: str) -> str:
    """Unicode NFC with runs of whitespace collapsed; the form dondoc stores text in."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _syllable_key(word: str) -> str:
    tones = "".join(_TONES[ch] for ch in word if ch in _TONES)
    base = "".join(ch for ch in word if ch not in _TONES)
    return unicodedata.normalize("NFC", base) + tones[:1]


def match_key(text: str) -> str:
    """The comparison key of a name: case, Unicode form, tone placement and dashes ignored."""
    decomposed = unicodedata.normalize("NFD", dashes(text)).casefold()
    decomposed = decomposed.replace("*", " ").strip(" .,;:")
    words = [w for w in _SEPARATOR.split(decomposed) if w]
    key = " ".join(_syllable_key(w) for w in words)
    return _TITLE_PREFIX.sub("", key)


def slug(text: str) -> str:
    """An ASCII identifier for a name: 'Tư pháp - Hộ tịch' -> 'tu-phap-ho-tich'."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "unit"
