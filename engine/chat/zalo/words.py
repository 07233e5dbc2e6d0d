"""What an officer types to the Zalo bot, read into an intent; and replies made plain for Zalo.

Zalo has no buttons, so every action is a typed command. One table (WORDS) holds them; they are
matched case- and diacritics-insensitively ("xong", "Xong", "XONG", "Xong" without marks):

    1 xong [ghi chú ...]            done (with a note)        "xong" alone: the only task of the message
    1 đang làm                      started
    2 gia hạn 20/12 [lý do ...]     ask for more time (the bot asks what is missing)
    1 đã nhận                       acknowledge an escalation
    1 chi tiết                      the task's details
    đồng ý 3 / từ chối 3 [lý do]    decide extension request 3 (its number is in the request)
    viec  quahan  baocao  trogiup  huy  boqua
    ABCD2345                        an invite code from `dondoc people invite --channel zalo`

A task number is its number in the latest numbered message dondoc sent to this chat
(engine/chat/zalo/outbox.py). Anything else answers the bot's pending question, if there is one.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from engine.chat.channels import ChatChannel
from engine.chat.conversation import Intent
from engine.chat.linking import TYPED_ALPHABET, TYPED_LENGTH

# (typed words, folded: lower case, no diacritics) -> intent; the first spelling is the one shown.
WORDS: dict[Intent, tuple[str, ...]] = {
    Intent.DONE: ("xong", "hoan thanh", "done"),
    Intent.START: ("dang lam", "bat dau", "start"),
    Intent.EXTEND: ("gia han", "extend"),
    Intent.ACK: ("da nhan", "ack"),
    Intent.DETAILS: ("chi tiet", "details"),
    Intent.APPROVE: ("dong y", "approve"),
    Intent.REFUSE: ("tu choi", "refuse"),
    Intent.TASKS: ("viec", "tasks"),
    Intent.OVERDUE: ("quahan", "qua han", "overdue"),
    Intent.REPORT: ("baocao", "bao cao", "report"),
    Intent.HELP: ("trogiup", "tro giup", "help"),
    Intent.UNLINK: ("huy", "unlink"),
    Intent.SKIP: ("boqua", "bo qua", "cancel"),
}
SHOWN = {Intent.DONE: "xong", Intent.START: "đang làm", Intent.EXTEND: "gia hạn", Intent.ACK: "đã nhận",
         Intent.DETAILS: "chi tiết", Intent.APPROVE: "đồng ý", Intent.REFUSE: "từ chối"}
NUMBERED = (Intent.DONE, Intent.START, Intent.EXTEND, Intent.ACK, Intent.DETAILS, Intent.APPROVE, Intent.REFUSE)
LABELS = ("ghi chu", "ly do", "note", "reason")      # an optional label before the free text
_CODE = re.compile(rf"^(?:/start\s+)?([{TYPED_ALPHABET}{TYPED_ALPHABET.lower()}]{{{TYPED_LENGTH}}})$")


@dataclass(frozen=True)
class Typed:
    """A message read: the intent, the number it names (None: none given), the free text after it."""

    intent: Intent
    number: int | None = None
    text: str | None = None


def fold(text: str) -> str:
    """Lower case without diacritics, one character for one (so positions map back to `text`)."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        base = unicodedata.normalize("NFD", ch)[0]
        out.append("d" if ch in "đĐ" else base.lower() if len(base.lower()) == 1 else ch)
    return "".join(out)


def _phrase() -> str:
    words = sorted((w for ws in WORDS.values() for w in ws), key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)


_LEAD = re.compile(rf"^\s*(\d{{1,3}})\s*[.):-]?\s+({_phrase()})(?=\s|$|[:,.])")
_TAIL = re.compile(rf"^\s*({_phrase()})(?:\s*(?:so|số|#)?\s*(\d{{1,6}}))?(?=\s|$|[:,.])")


def read(text: str) -> Typed:
    """What a typed message asks for (see the module docstring)."""
    original = unicodedata.normalize("NFC", text).strip()
    folded = fold(original)
    if m := _CODE.match(original):
        return Typed(Intent.LINK, text=m.group(1).upper())
    if m := _LEAD.match(folded):
        number, word = int(m.group(1)), m.group(2)
    elif m := _TAIL.match(folded):
        word, number = m.group(1), int(m.group(2)) if m.group(2) else None
    else:
        return Typed(Intent.ANSWER, text=original)
    intent = next(i for i, ws in WORDS.items() if re.sub(r"\s+", " ", word) in ws)
    if intent not in NUMBERED:
        return Typed(intent)
    return Typed(intent, number, _free(original, folded, m.end()))


def _free(original: str, folded: str, at: int) -> str | None:
    """The text after the command, without a leading "ghi chú:" / "lý do:" label (kept inside)."""
    rest, low = original[at:], folded[at:]
    stripped = len(rest) - len(rest.lstrip(" :,.-–"))
    rest, low = rest[stripped:], low[stripped:]
    for label in LABELS:
        if low.startswith(label):
            rest = rest[len(label):].lstrip(" :,.-–")
            break
    if (m := re.match(r"^(\S+)\s+(?:ly do|reason)\s*:?\s*", fold(rest))):   # "20/12 lý do ..."
        rest = f"{rest[:len(m.group(1))]} {rest[m.end():]}"
    return rest.strip() or None


def plain(marked: str) -> str:
    """Marked reply text (engine/chat/channels.py) as the plain text Zalo shows."""
    return html.unescape(re.sub(r"</?(?:b|i|code)>", "", marked))


def choice_line(choices) -> str:
    """The typed answers a reply offers ("Trả lời: «đồng ý 3» hoặc «từ chối 3 lý do ...»")."""
    shown = [f"«{SHOWN[c.intent]} {c.target}" + (" lý do …»" if c.intent == Intent.REFUSE else "»")
             for c in choices]
    return "↩️ Trả lời: " + " hoặc ".join(shown)


HELP = (
    "📌 dondoc – đôn đốc thực hiện kế hoạch\n"
    "Trả lời tin nhắc việc theo số thứ tự của việc:\n"
    "  «1 xong» hoặc «1 xong ghi chú …» – đã hoàn thành (kèm ghi chú)\n"
    "  «1 đang làm» – bắt đầu thực hiện\n"
    "  «2 gia hạn 20/12 lý do …» – xin gia hạn\n"
    "  «1 đã nhận» – xác nhận cảnh báo · «1 chi tiết» – xem chi tiết\n"
    "Lãnh đạo duyệt đề nghị gia hạn: «đồng ý 3» hoặc «từ chối 3 lý do …».\n"
    "viec – việc của tôi · quahan – việc quá hạn của đơn vị · baocao – tình hình thực hiện\n"
    "huy – hủy liên kết Zalo · boqua – bỏ qua câu hỏi bot đang chờ · trogiup – hướng dẫn này\n"
    "Viết hoa, viết thường, có dấu hay không dấu đều được.\n"
    "English: 1 done, 2 extend 20/12 reason, tasks, overdue, report, help"
)
NOT_LINKED = (
    "👋 Xin chào! Đây là bot nhắc việc dondoc của UBND xã.\n"
    "Tài khoản Zalo này chưa được liên kết với cán bộ nào. Đề nghị quản trị viên dondoc cấp mã liên "
    "kết (lệnh dondoc people invite … --channel zalo), rồi gửi mã đó (8 ký tự) vào cuộc trò chuyện này.\n"
    "This chat is not linked yet: ask your dondoc admin for a link code and send it here."
)
ZALO = ChatChannel("zalo", "Zalo", "", HELP, NOT_LINKED, choices=False, thing="lệnh")
