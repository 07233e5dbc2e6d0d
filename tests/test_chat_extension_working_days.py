"""Xin gia hạn from Telegram to a day off: refused at once, with the next working day named,
and nothing is put before the approver."""

from __future__ import annotations

import pytest

from tests.support.world import IMPORTED, NGHIA

pytestmark = pytest.mark.chat       # the world with the fake Bot API (tests/conftest.py)

ASKED = "2025-10-09T08:00+07:00"


def test_a_request_for_a_saturday_is_refused_and_names_the_next_working_day(world):
    world.run(IMPORTED)
    for d in range(7, 10):
        world.run(f"2025-10-{d:02d}T07:31+07:00")
    reminder = world.said(NGHIA, "còn 3 ngày làm việc")
    world.tg.press(NGHIA, reminder["message_id"], "⏳ Xin gia hạn")
    world.run(ASKED)
    world.tg.say(NGHIA, "18/10/2025 thiếu nhân lực")
    world.run(ASKED)
    assert world.said(NGHIA, "Ngày 18/10/2025 là Thứ Bảy, không phải ngày làm việc; ngày làm việc kế tiếp: "
                             "Thứ Hai, 20/10/2025 (18/10/2025 is not a working day; next working day: "
                             "Monday, 20/10/2025). Đề nghị nhập lại")
    assert world.events("extension_requested") == []
    world.tg.say(NGHIA, "20/10/2025 thiếu nhân lực")   # the officer answers again with the suggested day
    world.run(ASKED)
    assert [e.data["new_due"] for e in world.events("extension_requested")] == ["2025-10-20"]
