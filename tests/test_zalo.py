"""Zalo Bot delivery (issue 14, the send side): the notifier against the fake Zalo Bot API, and the
real CLI (`run --once`, `check`) with DONDOC_ZALO_* pointing at it, on a real SQLite file."""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import replace

import pytest
from sqlmodel import select

from engine.core.models import Event, Notification, Person
from engine.delivery.pacing import ZaloPacer
from engine.delivery.send import paced
from engine.infra.db import make_engine, transaction
from engine.infra.errors import DondocError
from engine.infra.settings import load_settings
from notifiers.base import ChannelDown, Message, NotifierError, Recipient, RetryLater
from notifiers.zalo import DEFAULT_RETRY_AFTER, MAX_TEXT, ZaloNotifier, split_text
from tests.fakes.smtp import free_port
from tests.fakes.zalo_api import zalo_api
from tests.support.clock import VirtualTime
from tests.support.paths import ROOT

EM_ZALO = "7a1b2c3d4e5f6071"          # Hoàng Văn Em's Zalo chat (tp-hoang-van-em)
EM = Recipient(code="tp-hoang-van-em", name="Hoàng Văn Em", zalo=EM_ZALO)
NGOC_LIEN = ROOT / "config" / "plans" / "ngoc-lien-2025.yaml"
PLANS = sorted((ROOT / "config" / "plans").glob("*.yaml"))


def message(text: str = "Nhắc việc: Báo cáo kết quả rà soát thủ tục hành chính", key: str = "dd-1",
            to: Recipient = EM) -> Message:
    return Message(key=key, notification_ids=(1,), channel="zalo", recipient=to, subject="Nhắc việc",
                   text=text, html="")


def entries(n: int, size: int = 450) -> str:
    """A digest-like text: `n` entries separated by blank lines, each about `size` characters."""
    return "\n\n".join(f"{i}. Việc số {i} – hạn 14/10/2025\n" + ("Nội dung chi tiết. " * (size // 19)).strip()
                       for i in range(1, n + 1))


def run(coro):
    return asyncio.run(coro)


async def _send(zl, msg: Message, token: str | None = None, **kw) -> str | NotifierError:
    notifier = ZaloNotifier(token or zl.token, zl.base_url, **kw)
    try:
        return await notifier.send(msg)
    except NotifierError as exc:
        return exc
    finally:
        await notifier.aclose()


# -- the notifier ------------------------------------------------------------------------------

def test_a_message_goes_out_as_plain_text_to_the_persons_zalo_chat():
    with zalo_api() as zl:
        zl.user_says(EM_ZALO, "xin chào")
        outcome = run(_send(zl, message()))
        assert zl.to(EM_ZALO) == ["Nhắc việc: Báo cáo kết quả rà soát thủ tục hành chính"]
        assert isinstance(outcome, str) and outcome       # the provider's message id
        assert zl.sent()[0].params["chat_id"] == EM_ZALO


def test_answer_hints_in_place_of_buttons_become_lines_under_the_text():
    hinted = replace(message("Nhắc việc: Báo cáo quý IV"), buttons=((("↩️ Trả lời: «xong»", "7"),),))
    with zalo_api() as zl:
        zl.known_chats.add(EM_ZALO)
        run(_send(zl, hinted))
        assert zl.to(EM_ZALO) == ["Nhắc việc: Báo cáo quý IV\n\n↩️ Trả lời: «xong»"]


def test_a_long_digest_is_split_at_entry_boundaries_and_numbered():
    text = entries(9)
    assert len(text) > MAX_TEXT
    with zalo_api() as zl:
        zl.known_chats.add(EM_ZALO)
        assert isinstance(run(_send(zl, message(text))), str)
        parts = zl.to(EM_ZALO)
    assert len(parts) >= 2 and all(len(p) <= MAX_TEXT for p in parts)
    assert [p.split("\n", 1)[0] for p in parts] == [f"({i}/{len(parts)})" for i in range(1, len(parts) + 1)]
    # Every entry arrives whole, in order, in exactly one part.
    body = [p.split("\n", 1)[1] for p in parts]
    assert "\n\n".join(body) == text
    for entry in text.split("\n\n"):
        assert sum(entry in part for part in body) == 1


def test_split_cuts_an_entry_longer_than_a_message_at_its_lines():
    line = ("Một dòng dài của một mục rất dài. " * 3).strip()
    text = "\n".join([line] * 80)
    parts = split_text(text)
    assert len(parts) > 1 and all(len(p) <= MAX_TEXT for p in parts)
    assert all(p.split("\n", 1)[1].split("\n")[0] == line for p in parts)     # cut between lines
    assert split_text("ngắn") == ["ngắn"]


def test_after_a_429_on_a_later_part_the_retry_continues_from_that_part():
    with zalo_api() as zl:
        zl.known_chats.add(EM_ZALO)
        zl.script("sendMessage", 200, result={"message_id": "01", "date": 0})   # part 1 goes out
        zl.script("sendMessage", 429, "Too Many Requests", parameters={"retry_after": 7})
        notifier = ZaloNotifier(zl.token, zl.base_url)
        msg = message(entries(9))

        async def twice():
            try:
                await notifier.send(msg)
            except RetryLater as exc:
                first = exc
            second = await notifier.send(msg)
            await notifier.aclose()
            return first, second

        first, second = run(twice())
        assert first.retry_after == 7 and "part 2 of" in str(first) and "1 already sent" in str(first)
        assert second
        texts = [r.params["text"] for r in zl.calls("sendMessage")]
        total = len(split_text(msg.text))
        # Part 1 once (scripted), part 2 refused then sent, the rest once each: nothing twice.
        assert [t.split("\n", 1)[0] for t in texts] == ["(1/%d)" % total] + [
            f"({i}/{total})" for i in range(2, total + 1) for _ in ((0, 1) if i == 2 else (0,))]


def test_each_failure_means_what_dispatch_needs():
    with zalo_api() as zl:
        zl.known_chats.add(EM_ZALO)
        never_wrote = run(_send(zl, message(to=Recipient("x", "Người lạ", zalo="ffff0000"))))
        assert type(never_wrote) is NotifierError and never_wrote.permanent
        assert "nhắn cho bot trước" in str(never_wrote)

        zl.script("sendMessage", 429, "Too Many Requests")          # no retry_after given
        flood = run(_send(zl, message()))
        assert isinstance(flood, RetryLater) and flood.retry_after == DEFAULT_RETRY_AFTER

        for code in (408, 500, 502):
            zl.script("sendMessage", code, "Server busy")
            failed = run(_send(zl, message()))
            assert type(failed) is NotifierError and not failed.permanent, code

        zl.script("sendMessage", 200, delay=1.0)
        slow = run(_send(zl, message(), timeout=0.2))
        assert type(slow) is NotifierError and not slow.permanent and "timed out" in str(slow)

        wrong = run(_send(zl, message(), token="1:wrong-token-value"))
        assert isinstance(wrong, ChannelDown) and not wrong.permanent and wrong.retry_after >= 60
        assert "DONDOC_ZALO_TOKEN" in str(wrong) and "wrong-token-value" not in str(wrong)
        for outcome in (never_wrote, flood, slow, wrong):
            assert zl.token not in str(outcome)
        assert len(zl.to(EM_ZALO)) == 0


def test_an_unreachable_server_is_a_retryable_failure_that_does_not_name_the_token():
    notifier = ZaloNotifier("42:secret-token-xyz", f"http://127.0.0.1:{free_port()}/bot")

    async def go():
        try:
            return await notifier.send(message())
        except NotifierError as exc:
            return exc
        finally:
            await notifier.aclose()

    outcome = run(go())
    assert type(outcome) is NotifierError and not outcome.permanent
    assert "secret-token-xyz" not in str(outcome) and "secret-token-xyz" not in repr(notifier)


def test_check_calls_getme_and_names_the_bot_without_sending():
    with zalo_api() as zl:
        notifier = ZaloNotifier(zl.token, zl.base_url)

        async def go():
            try:
                return await notifier.check()
            finally:
                await notifier.aclose()

        assert run(go()) == zl.account_name
        assert [r.method for r in zl.requests] == ["getMe"]


def test_the_zalo_pacer_keeps_under_the_fakes_limits_on_virtual_time():
    virtual = VirtualTime()
    with zalo_api(per_second=10, per_chat_interval=1.0, clock=virtual.monotonic) as zl:
        chats = [f"{i:016x}" for i in range(12)]
        zl.known_chats.update(chats)
        notifier = ZaloNotifier(zl.token, zl.base_url)
        pacer = ZaloPacer.on(virtual.pacer_clock, per_second=10, chat_gap=1.0)

        async def go():
            out = [await paced(notifier, message(f"Tin {i}", f"k{i}", Recipient(c, c, zalo=c)), pacer)
                   for i, c in enumerate(chats + chats[:3])]
            await notifier.aclose()
            return out

        outcomes = run(go())
    assert all(isinstance(o, str) for o in outcomes) and len(zl.sent()) == 15 and zl.early == []
    assert virtual.now - 1000.0 >= 1.0      # 15 messages at 10 a second took over a virtual second


# -- settings ----------------------------------------------------------------------------------

def test_the_zalo_token_and_webhook_secret_come_only_from_the_environment_or_a_file(env, config_dir, tmp_path,
                                                                                    monkeypatch):
    token_file, secret_file = tmp_path / "zalo-token", tmp_path / "zalo-secret"
    token_file.write_text("777:from-a-file\n", encoding="utf-8")
    secret_file.write_text("webhook-secret-123\n", encoding="utf-8")
    monkeypatch.setenv("DONDOC_ZALO_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("DONDOC_ZALO__WEBHOOK_SECRET_FILE", str(secret_file))
    (config_dir / "dondoc.yaml").write_text("zalo: {mode: webhook, webhook_url: 'https://x.example.vn/zalo/webhook'}\n",
                                            encoding="utf-8")
    s = load_settings()
    assert s.zalo_token.get_secret_value() == "777:from-a-file"
    assert s.zalo.webhook_secret.get_secret_value() == "webhook-secret-123" and s.zalo.mode == "webhook"
    assert s.zalo_base_url == "https://bot-api.zaloplatforms.com/bot"
    from engine.infra.logs import redact
    assert redact("url /bot777:from-a-file/getMe, secret webhook-secret-123") == "url /bot***/getMe, secret ***"
    for text in ("zalo_token: 1:abc\n", "zalo: {webhook_secret: abcdefgh1}\n"):
        (config_dir / "dondoc.yaml").write_text(text, encoding="utf-8")
        with pytest.raises(DondocError) as refused:
            load_settings()
        assert "không được ghi bí mật" in str(refused.value) and "abc" not in str(refused.value)


# -- people and rules --------------------------------------------------------------------------

def _with_zalo(config_dir, **people: str) -> None:
    """Give org.yaml people Zalo chats (and more): code -> the text added to their entry."""
    org = config_dir / "org.yaml"
    text = org.read_text(encoding="utf-8")
    for code, extra in people.items():
        start = text.index(f"{{id: {code},")
        end = text.index("}", start)
        text = text[:end] + f", {extra}" + text[end:]
    org.write_text(text, encoding="utf-8")


def test_prefer_names_only_known_channels_with_the_line(cli, config_dir):
    _with_zalo(config_dir, **{"tp-hoang-van-em": "prefer: [zalo, sms]"})
    result = cli("org", "load")
    assert result.code != 0
    assert "org.yaml:" in result.err and "unknown channel 'sms'" in result.err and "prefer" in result.err


@pytest.fixture
def setup(cli, monkeypatch):
    """Org, default rules and plans; Zalo (and Telegram) pointed at the fakes."""
    def configure(zalo=None, telegram=None, plans=(NGOC_LIEN,), now="2025-10-06T09:00+07:00"):
        if zalo:
            monkeypatch.setenv("DONDOC_ZALO_TOKEN", zalo.token)
            monkeypatch.setenv("DONDOC_ZALO_BASE_URL", zalo.base_url)
        if telegram:
            monkeypatch.setenv("DONDOC_TELEGRAM_TOKEN", telegram.token)
            monkeypatch.setenv("DONDOC_TELEGRAM_BASE_URL", telegram.base_url)
        assert cli("org", "load").code == 0
        assert cli("--now", now, "rules", "reload").code == 0
        assert cli("--now", now, "plan", "import", *plans).code == 0
    return configure


def run_once(cli, now):
    result = cli("--now", now, "run", "--once", "--json")
    assert result.code == 0, result.err
    return result


def rows(**where) -> list[Notification]:
    with transaction(make_engine(os.environ["DONDOC_DATABASE_URL"])) as s:
        query = select(Notification)
        for name, value in where.items():
            query = query.where(getattr(Notification, name) == value)
        return list(s.exec(query.order_by(Notification.id)).all())


def person(code: str) -> Person:
    with transaction(make_engine(os.environ["DONDOC_DATABASE_URL"])) as s:
        return s.exec(select(Person).where(Person.code == code)).one()


def test_a_reminder_goes_out_on_zalo_to_a_person_with_a_zalo_chat(cli, setup, config_dir, pacer_time):
    _with_zalo(config_dir, **{"tp-hoang-van-em": f'zalo: "{EM_ZALO}"'})
    with zalo_api(clock=pacer_time.monotonic) as zl:
        zl.known_chats.add(EM_ZALO)                           # he wrote to the bot once
        setup(zl)
        run = run_once(cli, "2025-10-07T07:31+07:00")     # 7 days before the reports' due day
        assert zl.token not in run.out + run.err
        [text] = zl.to(EM_ZALO)
        assert "Nhắc việc" in text and "<" not in text      # plain text, no HTML
    sent = rows(recipient="tp-hoang-van-em", channel="zalo")
    assert [(n.status, n.attempts) for n in sent] == [("sent", 1)] and sent[0].provider_id
    # `chat` chose Zalo for him; the others have no Zalo, so their chat app is Telegram (not set up here).
    assert {n.channel for n in rows(recipient="tp-hoang-van-em")} == {"zalo", "email"}
    assert {n.channel for n in rows(recipient="tc-vu-thi-giang")} == {"telegram", "email"}


def test_a_first_run_over_a_late_plan_sends_a_digest_on_zalo(cli, setup, config_dir, pacer_time):
    _with_zalo(config_dir, **{"tp-hoang-van-em": f'zalo: "{EM_ZALO}"'})
    with zalo_api(clock=pacer_time.monotonic) as zl:
        zl.known_chats.add(EM_ZALO)
        setup(zl, plans=PLANS, now="2025-07-01T09:00+07:00")
        run_once(cli, "2026-01-15T09:00+07:00")               # everything overdue: one digest each
        parts = zl.to(EM_ZALO)
    sent = [n for n in rows(recipient="tp-hoang-van-em", channel="zalo") if n.status == "sent"]
    assert len(sent) >= 2 and len({n.message_key for n in sent}) == 1      # several tasks, one message
    assert parts and all(len(p) <= MAX_TEXT for p in parts)
    assert "Tổng hợp nhắc việc" in parts[0] and "QUÁ HẠN" in "".join(parts)
    # Six tasks do not fit in one Zalo message: numbered parts, cut between entries.
    assert len(parts) > 1 and [p.split("\n", 1)[0] for p in parts] == [
        f"({i}/{len(parts)})" for i in range(1, len(parts) + 1)]


def test_a_zalo_chat_that_never_wrote_is_marked_broken_and_later_reminders_use_the_next_chat_app(
        cli, setup, config_dir, pacer_time):
    from tests.fakes.telegram_api import telegram_api

    _with_zalo(config_dir, **{"tp-hoang-van-em": f'zalo: "{EM_ZALO}"'})
    with zalo_api(clock=pacer_time.monotonic) as zl, telegram_api(clock=pacer_time.monotonic) as tg:
        setup(zl, tg)                                         # he never wrote to the Zalo bot
        run_once(cli, "2025-10-07T07:31+07:00")
        [failed] = rows(recipient="tp-hoang-van-em", channel="zalo")
        assert failed.status == "failed" and "nhắn cho bot trước" in failed.last_error
        assert "nhắn cho bot trước" in person("tp-hoang-van-em").zalo_broken
        run_once(cli, "2025-10-09T07:31+07:00")               # 3 working days before
        later = rows(recipient="tp-hoang-van-em", rule_id="nhac-truoc-3-ngay-lam-viec")
        assert [n.channel for n in later] == ["telegram", "email"]
        assert any(str(r.params["chat_id"]) == "100000006" for r in tg.sent())
        assert zl.to(EM_ZALO) == []
    with transaction(make_engine(os.environ["DONDOC_DATABASE_URL"])) as s:
        events = s.exec(select(Event).where(Event.kind == "contact_broken")).all()
        assert [e.data["channel"] for e in events] == ["zalo"]
    assert cli("org", "load").code == 0                       # the same chat in org.yaml: still broken
    assert person("tp-hoang-van-em").zalo_broken
    org = config_dir / "org.yaml"
    org.write_text(org.read_text(encoding="utf-8").replace(EM_ZALO, "7a1b2c3d4e5f60ff"), encoding="utf-8")
    assert cli("org", "load").code == 0                       # a new chat is a new chance
    assert person("tp-hoang-van-em").zalo_broken is None


def test_prefer_puts_telegram_before_zalo_for_chat(cli, setup, config_dir, pacer_time):
    from tests.fakes.telegram_api import telegram_api

    _with_zalo(config_dir, **{"tp-hoang-van-em": f'zalo: "{EM_ZALO}", prefer: [telegram, zalo, email]'})
    with zalo_api(clock=pacer_time.monotonic) as zl, telegram_api(clock=pacer_time.monotonic) as tg:
        zl.known_chats.add(EM_ZALO)
        setup(zl, tg)
        run_once(cli, "2025-10-07T07:31+07:00")
        assert zl.sent() == []
    assert {n.channel for n in rows(recipient="tp-hoang-van-em")} == {"telegram", "email"}


def test_a_429_requeues_without_counting_the_attempt_and_nothing_goes_early(cli, setup, config_dir, pacer_time):
    _with_zalo(config_dir, **{"tp-hoang-van-em": f'zalo: "{EM_ZALO}"'})
    with zalo_api(clock=pacer_time.monotonic) as zl:
        zl.known_chats.add(EM_ZALO)
        zl.script("sendMessage", 429, "Too Many Requests", parameters={"retry_after": 40})
        setup(zl)
        first = run_once(cli, "2025-10-07T07:31+07:00").json()
        assert first["requeued"] == 1 and zl.to(EM_ZALO) == []
        assert run_once(cli, "2025-10-07T07:31:30+07:00").json()["sent"] == 0    # 30 s: still waiting
        assert len(zl.calls("sendMessage")) == 1
        assert run_once(cli, "2025-10-07T07:32:30+07:00").json()["sent"] == 1
        assert len(zl.to(EM_ZALO)) == 1 and zl.early == []
    [row] = rows(channel="zalo")
    assert (row.status, row.attempts) == ("sent", 1)


def test_a_wrong_token_pauses_the_channel_and_breaks_nobodys_contact(cli, setup, config_dir, pacer_time,
                                                                      monkeypatch, caplog):
    _with_zalo(config_dir, **{"tp-hoang-van-em": f'zalo: "{EM_ZALO}"',
                              "tc-vu-thi-giang": 'zalo: "7a1b2c3d4e5f6072"'})
    with zalo_api(clock=pacer_time.monotonic) as zl:
        zl.known_chats.update({EM_ZALO, "7a1b2c3d4e5f6072"})
        setup(zl)
        monkeypatch.setenv("DONDOC_ZALO_TOKEN", "999:wrong-zalo-token")
        with caplog.at_level(logging.ERROR):
            summary = run_once(cli, "2025-10-07T07:31+07:00")
        assert summary.json()["requeued"] == 2 and summary.json()["failed"] == 0
        down = [r for r in caplog.records if "channel zalo is down" in r.getMessage()]
        assert len(down) == 1                                  # one error for the channel, not per message
        assert "999:wrong-zalo-token" not in summary.out + summary.err
        assert all(person(code).zalo_broken is None for code in ("tp-hoang-van-em", "tc-vu-thi-giang"))
        assert {(n.status, n.attempts) for n in rows(channel="zalo")} == {("pending", 0)}
        monkeypatch.setenv("DONDOC_ZALO_TOKEN", zl.token)     # fixed: a few minutes later it goes out
        assert run_once(cli, "2025-10-07T07:37+07:00").json()["sent"] >= 2
        assert len(zl.sent()) == 2


def test_check_reports_the_zalo_bot_by_name_and_never_prints_the_token(cli, setup, monkeypatch):
    with zalo_api() as zl:
        setup(zl)
        result = cli("check", "--json")
        checks = {c["id"]: c for c in result.json()}
        assert checks["channel.zalo"]["ok"] and zl.account_name in checks["channel.zalo"]["detail"]
        assert zl.sent() == [] and zl.token not in result.out + result.err
        monkeypatch.setenv("DONDOC_ZALO_TOKEN", "123:wrong-zalo")
        bad = cli("check", "--json")
        assert bad.code == 1
        zalo = {c["id"]: c for c in bad.json()}["channel.zalo"]
        assert not zalo["ok"] and "DONDOC_ZALO_TOKEN" in zalo["detail"]
        assert "123:wrong-zalo" not in bad.out + bad.err


@pytest.mark.slow
def test_the_zalo_benchmark_runs_and_prints_its_figure_with_the_ratio():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_zalo.py"), "--messages", "8",
                             "--limit", "20"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    [line] = [l for l in result.stdout.splitlines() if " ratio " in l]
    assert line.startswith("Zalo sustained to the fake's limit (20/s") and "8/8 delivered" in line, result.stderr


def test_the_fake_hands_out_one_update_per_poll_or_posts_it_to_the_webhook_with_the_secret():
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    import httpx

    posted = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            posted.append((self.headers.get("X-Bot-Api-Secret-Token"), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with zalo_api() as zl:
            api = f"{zl.base_url}{zl.token}/"
            zl.user_says("c1", "một")
            zl.user_says("c1", "hai")
            first, second = (httpx.post(api + "getUpdates", json={"timeout": 30}).json() for _ in range(2))
            assert first["result"]["message"]["text"] == "một" and second["result"]["message"]["text"] == "hai"
            assert httpx.post(api + "getUpdates", json={"timeout": 30}).json()["error_code"] == 408
            hook = f"http://127.0.0.1:{server.server_port}/zalo/webhook"
            assert httpx.post(api + "setWebhook", json={"url": hook, "secret_token": "short"}).status_code == 400
            assert httpx.post(api + "setWebhook", json={"url": hook, "secret_token": "s3cret-hook"}).json()["ok"]
            assert httpx.post(api + "getUpdates").json()["error_code"] == 409      # never both
            zl.user_says("c2", "1 xong", wait=True)
            assert posted == [("s3cret-hook", zl.webhook_posts[0][0])] and zl.webhook_posts[0][1] == 200
            assert posted[0][1]["message"]["text"] == "1 xong" and "c2" in zl.known_chats
    finally:
        server.shutdown()
