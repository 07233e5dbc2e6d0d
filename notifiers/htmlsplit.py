"""Telegram HTML: escape text into it, check it is in the subset Telegram accepts, and cut it
into sendable pieces.

A Telegram message holds at most 4,096 characters, and each message must be balanced HTML on
its own. A cut therefore closes the tags open at that point and the next piece reopens them;
it never falls inside a tag or an entity, and prefers a line break, then a space.
"""

from __future__ import annotations

import re
from html import escape as _escape
from html.parser import HTMLParser

TELEGRAM_LIMIT = 4096
# https://core.telegram.org/bots/api#html-style
ALLOWED_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code",
                          "pre", "span", "tg-spoiler", "tg-emoji", "blockquote"})

_ATOM = re.compile(r"<[^<>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);|.", re.S)
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9-]*)")

_Stack = tuple[tuple[str, str], ...]   # (tag name, the opening tag as written), outermost first


def escape(text: object) -> str:
    """Text as HTML character data (&, <, >); the one escaper of email HTML, Telegram and the bot."""
    return _escape(str(text), quote=False)


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def split_html(html: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Cut Telegram HTML into balanced pieces of at most `limit` UTF-16 units each."""
    if units(html) <= limit:
        return [html]
    atoms = _ATOM.findall(html)
    pieces: list[str] = []
    start, stack = 0, ()
    while start < len(atoms):
        piece, start, stack = _fill(atoms, start, stack, limit)
        if piece.strip():
            pieces.append(piece)
    return pieces


def _apply(stack: _Stack, atom: str) -> _Stack:
    if not atom.startswith("<") or len(atom) < 3:
        return stack
    match = _TAG_NAME.match(atom)
    if match is None:
        return stack
    name = match.group(1).lower()
    if atom.startswith("</"):
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth][0] == name:
                return stack[:depth]
        return stack
    if atom.endswith("/>"):
        return stack
    return stack + ((name, atom),)


def _closing(stack: _Stack) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _fill(atoms: list[str], start: int, stack: _Stack, limit: int) -> tuple[str, int, _Stack]:
    """One piece from atoms[start:], opened with `stack`; returns it, the next start and stack."""
    parts = [tag for _, tag in stack]
    size = sum(units(p) for p in parts)
    breaks: dict[int, tuple[int, int, _Stack]] = {}   # priority -> (next atom, parts, stack)
    j = start
    while j < len(atoms):
        atom = atoms[j]
        after = _apply(stack, atom)
        if size + units(atom) + units(_closing(after)) > limit:
            break
        parts.append(atom)
        size += units(atom)
        stack = after
        j += 1
        if atom == "\n":
            breaks[2] = (j, len(parts), stack)
        elif atom == " ":
            breaks[1] = (j, len(parts), stack)
    else:
        return "".join(parts) + _closing(stack), j, stack
    if j == start:
        raise ValueError(f"cannot split: {atoms[start][:40]!r}... alone exceeds {limit} characters")
    # A cut at a line break or a space reads better, unless it would leave a tiny piece.
    for priority in (2, 1):
        if priority in breaks and breaks[priority][1] * 2 >= len(parts):
            j, kept, stack = breaks[priority]
            parts = parts[:kept]
            break
    return "".join(parts) + _closing(stack), j, stack


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.problems: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"<{tag}> is not a tag Telegram accepts "
                                 f"(use b, i, u, s, a, code, pre)")
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"<{tag}/> is not a tag Telegram accepts (use b, i, u, s, a, code, pre)")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> does not close the tag open at that point")
            if tag in self.open:
                del self.open[len(self.open) - 1 - self.open[::-1].index(tag):]
            return
        self.open.pop()

    def handle_entityref(self, name: str) -> None:
        if name not in ("lt", "gt", "amp", "quot"):
            self.problems.append(f"&{name}; is not an entity Telegram accepts (use &lt; &gt; &amp; &quot;)")


def telegram_html_problems(html: str) -> list[str]:
    """What Telegram would refuse in this HTML: unknown tags, unbalanced tags, unknown entities."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    problems = list(checker.problems)
    if checker.open:
        problems.append("unclosed " + ", ".join(f"<{t}>" for t in checker.open))
    return list(dict.fromkeys(problems))
