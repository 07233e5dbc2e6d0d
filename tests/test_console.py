"""The console channel: what `make run` prints when no SMTP or Telegram settings exist."""

from __future__ import annotations

import io
from dataclasses import replace

from notifiers.base import Message, Recipient
from notifiers.console import ConsoleNotifier

EM = Recipient(code="tp-hoang-van-em", name="Hoàng Văn Em", telegram="100000006")
MESSAGE = Message(key="n-41", notification_ids=(41,), channel="telegram", recipient=EM,
                  subject="Nhắc việc – còn 1 ngày làm việc: Báo cáo kết quả CCHC quý III",
                  text="Nhắc việc – còn 1 ngày làm việc (hạn Thứ Ba, 14/10/2025)\nBáo cáo kết quả CCHC quý III\n",
                  html="<b>Nhắc việc</b>", buttons=((("Đã xong", "d:41"), ("Xin gia hạn", "e:41")),))


async def test_a_message_is_printed_between_marked_lines_with_subject_text_and_buttons():
    out = io.StringIO()
    assert await ConsoleNotifier(out).send(MESSAGE) == "console:n-41"
    assert out.getvalue() == (
        "──── dondoc → Hoàng Văn Em (telegram) ────\n"
        "Nhắc việc – còn 1 ngày làm việc: Báo cáo kết quả CCHC quý III\n"
        "\n"
        "Nhắc việc – còn 1 ngày làm việc (hạn Thứ Ba, 14/10/2025)\n"
        "Báo cáo kết quả CCHC quý III\n"
        "\n"
        "[Đã xong]  [Xin gia hạn]\n"
        "──── n-41 ────\n\n")


async def test_a_keyboard_of_several_rows_prints_one_line_per_row():
    # A digest's keyboard, as engine/chat/keyboards.py lays it out: one row per task.
    digest = replace(MESSAGE, buttons=((("1 · Đang làm", "s.41.x"), ("1 · Xong", "d.41.x")),
                                       (("2 · Xong", "d.42.x"),)))
    out = io.StringIO()
    await ConsoleNotifier(out).send(digest)
    assert out.getvalue().endswith("\n[1 · Đang làm]  [1 · Xong]\n[2 · Xong]\n──── n-41 ────\n\n")


async def test_a_message_without_buttons_prints_no_button_line():
    out = io.StringIO()
    await ConsoleNotifier(out).send(replace(MESSAGE, buttons=()))
    assert out.getvalue().endswith("Báo cáo kết quả CCHC quý III\n──── n-41 ────\n\n")
    assert "[" not in out.getvalue()


async def test_it_prints_to_stdout_by_default_and_checks_as_console(capsys):
    console = ConsoleNotifier()
    await console.send(MESSAGE)
    assert "──── dondoc → Hoàng Văn Em (telegram) ────" in capsys.readouterr().out
    assert await console.check() == "console"
    await console.aclose()


async def test_a_terminal_without_unicode_still_gets_the_whole_message():
    raw = io.BytesIO()
    ascii_out = io.TextIOWrapper(raw, encoding="ascii")
    await ConsoleNotifier(ascii_out).send(MESSAGE)
    printed = raw.getvalue().decode("ascii")
    assert "dondoc" in printed and "\\u1eafc vi\\u1ec7c" in printed
