"""The Telegram channel: python-telegram-bot against a local fake Bot API (tests/fakes/telegram_api.py)."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from engine.infra.settings import Settings
from notifiers.base import ChatMoved, Message, NotifierError, Recipient, RetryLater
from notifiers.htmlsplit import split_html, telegram_html_problems, units
from notifiers.telegram import TelegramNotifier
from tests.fakes.telegram_api import FakeTelegram, telegram_api
from tests.support.clock import VirtualTime

# PTB 22 itself warns, when it builds RetryAfter, that retry_after will become a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

EM = Recipient(code="tp-hoang-van-em", name="Hoàng Văn Em", email=None, telegram="100000006")
BUTTONS = ((("Đang làm", "s:41"), ("Đã xong", "d:41"), ("Xin gia hạn", "e:41")), (("Đã nắm", "a:41"),))


def message(key: str = "n-41", **changes) -> Message:
    base = Message(key=key, notification_ids=(41,), channel="telegram", recipient=EM,
                   subject="Nhắc việc", text="Nhắc việc – còn 1 ngày làm việc",
                   html="🔔 <b>Nhắc việc – còn 1 ngày làm việc</b> (hạn Thứ Ba, 14/10/2025)\n"
                        "<b>Rà soát TTHC &lt;một cửa&gt; &amp; liên thông</b>")
    return replace(base, **changes)


def long_html(size: int) -> str:
    """Telegram HTML of about `size` characters: nested tags, links, entities, a <pre> block."""
    lines, i = [], 0
    while sum(len(line) + 1 for line in lines) < size:
        i += 1
        if i % 10 == 0:
            lines.append("<pre>" + "\n".join(f"dòng mã {j} &lt;x&gt;" for j in range(40)) + "</pre>")
        else:
            lines.append(f"{i}. <b>Nhiệm vụ <i>số {i}</i></b> – <a href=\"https://example.org/t/{i}\">"
                         f"xem chi tiết</a> &amp; báo cáo Chủ tịch UBND xã trước 15/10/2025")
    return "\n".join(lines)


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ok = True
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)

    def handle_endtag(self, tag):
        self.ok = self.ok and bool(self.stack) and self.stack.pop() == tag

    def handle_data(self, data):
        self.text.append(data)


def balanced_text(html: str) -> str:
    """The text of well-formed HTML; fails the test if any tag is unbalanced."""
    parser = _Balance()
    parser.feed(html)
    parser.close()
    assert parser.ok and parser.stack == [], html[:200]
    return "".join(parser.text)


@pytest.fixture
def tg():
    with telegram_api() as server:
        yield server


@pytest.fixture
async def bot(tg: FakeTelegram):
    notifier = TelegramNotifier(tg.token, tg.base_url)
    yield notifier
    await notifier.aclose()


# -- sending -----------------------------------------------------------------------------

async def test_it_sends_html_with_buttons_and_no_link_preview(tg, bot):
    assert await bot.send(message(buttons=BUTTONS)) == "1"
    [sent] = tg.calls("sendMessage")
    assert sent.params["chat_id"] == "100000006" and sent.params["parse_mode"] == "HTML"
    assert sent.params["text"] == message().html
    assert sent.params["link_preview_options"] == {"is_disabled": True}
    rows = sent.params["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in rows] == [["Đang làm", "Đã xong", "Xin gia hạn"], ["Đã nắm"]]
    assert rows[0][1]["callback_data"] == "d:41"
    assert [r.method for r in tg.requests] == ["sendMessage"]   # no getMe behind the scenes


async def test_plain_text_is_escaped_when_there_is_no_html(tg, bot):
    await bot.send(message(html="", text="Hạn <15/10> & báo cáo"))
    assert tg.sent()[0].params["text"] == "Hạn &lt;15/10&gt; &amp; báo cáo"


async def test_a_9000_character_message_goes_out_in_balanced_parts_one_request_each():
    html = long_html(9000)
    with telegram_api(per_chat_interval=None) as tg:
        notifier = TelegramNotifier(tg.token, tg.base_url)
        last = await notifier.send(message(html=html, buttons=BUTTONS))
        await notifier.aclose()
        calls = tg.calls("sendMessage")
    assert len(calls) == len(split_html(html)) == 3
    assert all(c.status == 200 for c in calls) and last == "3"
    texts = [c.params["text"] for c in calls]
    assert all(units(t) <= 4096 for t in texts)
    assert "".join(balanced_text(t) for t in texts) == balanced_text(html)
    assert [("reply_markup" in c.params) for c in calls] == [False, False, True]


async def test_a_chat_that_blocked_the_bot_is_permanent(tg, bot):
    tg.blocked.add(100000006)
    with pytest.raises(NotifierError) as caught:
        await bot.send(message())
    assert caught.value.permanent
    assert str(caught.value) == "Telegram chat 100000006: Forbidden: bot was blocked by the user"


async def test_a_chat_that_does_not_exist_is_permanent(tg, bot):
    tg.known_chats = {100000001}
    with pytest.raises(NotifierError) as caught:
        await bot.send(message())
    assert caught.value.permanent and "chat not found" in str(caught.value).lower()


async def test_a_migrated_group_gives_the_new_chat_id_and_the_resend_arrives(tg, bot):
    tg.groups.update({-4001, -1004001})
    tg.migrated[-4001] = -1004001
    group = replace(EM, telegram="-4001")
    with pytest.raises(NotifierError) as caught:
        await bot.send(message(recipient=group))
    assert isinstance(caught.value, ChatMoved) and caught.value.new_address == "-1004001"
    await bot.send(message(recipient=replace(group, telegram=caught.value.new_address)))
    assert [r.params["chat_id"] for r in tg.sent()] == ["-1004001"]


async def test_flood_control_is_retryable_with_retry_after_and_nothing_is_retried_inside(tg, bot):
    await bot.send(message("n-1"))
    with pytest.raises(NotifierError) as caught:
        await bot.send(message("n-2"))   # same chat within a second
    assert isinstance(caught.value, RetryLater) and caught.value.retry_after == 1.0
    assert [r.status for r in tg.calls("sendMessage")] == [200, 429]
    assert tg.early == []


async def test_the_fake_notes_a_request_that_ignores_retry_after(tg, bot):
    await bot.send(message("n-1"))
    for _ in range(2):
        with pytest.raises(NotifierError):
            await bot.send(message("n-2"))
    assert len(tg.early) == 1 and tg.early[0].method == "sendMessage"


async def test_a_long_message_stopped_by_flood_control_resumes_where_it_stopped():
    html = long_html(6000)
    first, second = split_html(html)
    seconds = VirtualTime()              # the fake's limits run on it; waiting costs no real time
    with telegram_api(clock=seconds.monotonic) as tg:
        notifier = TelegramNotifier(tg.token, tg.base_url)
        with pytest.raises(NotifierError) as caught:
            await notifier.send(message(html=html))
        assert caught.value.retry_after == 1.0 and "part 2 of 2; 1 already sent" in str(caught.value)
        await seconds.sleep(caught.value.retry_after)   # as the dispatcher would
        assert await notifier.send(message(html=html)) == "2"
        await notifier.aclose()
        assert [r.params["text"] for r in tg.sent()] == [first, second]
        assert tg.early == []


async def test_an_invalid_token_is_permanent_for_send_and_check(tg):
    notifier = TelegramNotifier("999:not-the-token", tg.base_url)
    for attempt in (notifier.send(message()), notifier.check()):
        with pytest.raises(NotifierError) as caught:
            await attempt
        assert caught.value.permanent and "check DONDOC_TELEGRAM_TOKEN" in str(caught.value)
    await notifier.aclose()


async def test_a_slow_answer_times_out_as_retryable_after_one_request(tg):
    tg.script("sendMessage", delay=0.5, result={})
    notifier = TelegramNotifier(tg.token, tg.base_url, read_timeout=0.1)
    with pytest.raises(NotifierError) as caught:
        await notifier.send(message())
    await notifier.aclose()
    assert not caught.value.permanent and "a duplicate is possible" in str(caught.value)
    assert len(tg.calls("sendMessage")) == 1


async def test_a_server_error_is_retryable(tg, bot):
    tg.script("sendMessage", 502, "Bad Gateway")
    with pytest.raises(NotifierError) as caught:
        await bot.send(message())
    assert not caught.value.permanent and "Bad Gateway" in str(caught.value)


async def test_an_unreachable_api_is_retryable():
    with telegram_api() as tg:
        base_url = tg.base_url
    notifier = TelegramNotifier(tg.token, base_url)
    with pytest.raises(NotifierError) as caught:
        await notifier.send(message())
    await notifier.aclose()
    assert not caught.value.permanent


async def test_a_recipient_without_a_chat_id_is_permanent_and_nothing_is_sent(tg, bot):
    with pytest.raises(NotifierError) as caught:
        await bot.send(message(recipient=replace(EM, telegram=None)))
    assert caught.value.permanent and tg.requests == []


async def test_check_returns_the_bot_username(tg):
    settings = Settings(telegram_token=tg.token, telegram_base_url=tg.base_url)
    notifier = TelegramNotifier.from_settings(settings)
    assert await notifier.check() == "@dondoc_test_bot"
    await notifier.aclose()
    assert tg.token not in repr(notifier)


# -- splitting ---------------------------------------------------------------------------

def test_a_short_message_is_not_split():
    assert split_html("<b>ngắn</b>") == ["<b>ngắn</b>"]


def test_a_cut_never_falls_inside_a_tag_or_an_entity_and_reopens_what_was_open():
    html = "<b><a href=\"https://example.org/x\">" + "&amp;" * 30 + "</a></b>"
    parts = split_html(html, limit=60)
    assert len(parts) > 2
    for part in parts:
        assert units(part) <= 60 and telegram_html_problems(part) == []
        assert part.startswith('<b><a href="https://example.org/x">') and part.endswith("</a></b>")
        assert re.sub(r"<[^>]*>", "", part).replace("&amp;", "") == ""
    assert "".join(balanced_text(p) for p in parts) == "&" * 30


def test_a_cut_prefers_a_line_break():
    html = "dòng một\n" + "x" * 30 + "\ndòng ba " + "y" * 30
    parts = split_html(html, limit=48)
    assert parts[0] == "dòng một\n" + "x" * 30 + "\n"


def test_characters_outside_the_basic_plane_count_twice_as_telegram_counts_them():
    assert units("😀") == 2
    assert all(units(p) <= 10 for p in split_html("😀" * 12, limit=10))


# -- the fake's other methods, for the code that handles buttons and commands ---------------

async def test_get_updates_returns_scripted_updates_from_the_offset(tg, bot):
    first = tg.push_update({"callback_query": {"id": "cb1", "data": "d:41", "chat_instance": "1",
                                               "from": {"id": 100000006, "is_bot": False,
                                                        "first_name": "Em"}}})
    updates = await bot.bot.get_updates(offset=0, timeout=0)
    assert [u.update_id for u in updates] == [first] and updates[0].callback_query.data == "d:41"
    assert await bot.bot.get_updates(offset=first + 1, timeout=0.2) == ()
    assert await bot.bot.answer_callback_query("cb1", text="Đã ghi nhận") is True


async def test_group_chats_are_limited_to_20_messages_a_minute():
    with telegram_api(per_chat_interval=None) as tg:
        tg.groups.add(-500)
        notifier = TelegramNotifier(tg.token, tg.base_url)
        for i in range(20):
            await notifier.send(message(f"n-{i}", recipient=replace(EM, telegram="-500")))
        with pytest.raises(NotifierError) as caught:
            await notifier.send(message("n-20", recipient=replace(EM, telegram="-500")))
        await notifier.aclose()
    assert 1 <= caught.value.retry_after <= 60
