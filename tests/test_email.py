"""The email channel against a real SMTP server on loopback (aiosmtpd, tests/fakes/smtp.py)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from email.utils import parseaddr

import pytest
from icalendar import Calendar

from engine.infra.clock import FixedClock
from engine.infra.settings import Settings
from notifiers.base import Message, NotifierError, Recipient
from notifiers.email import EmailNotifier
from tests.fakes.smtp import (DisconnectingHandler, FailingHandler, RejectingHandler, SlowHandler,
                              SMTPServer, free_port, self_signed_tls, smtp_server)

SENDER = "UBND xã Hồng Lộc <dondoc@hongloc.example.org>"
CLOCK = FixedClock(datetime(2025, 10, 13, 0, 30, tzinfo=timezone.utc))
EM = Recipient(code="tp-hoang-van-em", name="Hoàng Văn Em", email="em@hongloc.example.org",
               telegram="100")


def message(key: str = "n-41", **changes) -> Message:
    base = Message(key=key, notification_ids=(41,), channel="email", recipient=EM,
                   subject="Nhắc việc – còn 1 ngày làm việc: Báo cáo kết quả CCHC quý III",
                   text="Nhắc việc – còn 1 ngày làm việc (hạn Thứ Ba, 14/10/2025)\nBáo cáo kết quả CCHC quý III",
                   html="<p><strong>Nhắc việc</strong> – còn 1 ngày làm việc</p>", thread="task-7",
                   task_title="Báo cáo kết quả CCHC quý III", due=date(2025, 10, 14))
    return replace(base, **changes)


def notifier(port: int, **kwargs) -> EmailNotifier:
    kwargs.setdefault("timeout", 5.0)
    return EmailNotifier("127.0.0.1", port, sender=SENDER, clock=CLOCK, **kwargs)


# -- what arrives ------------------------------------------------------------------------

async def test_the_email_arrives_with_vietnamese_subject_body_and_display_names():
    with smtp_server() as srv:
        await notifier(srv.port).send(message())
        [got] = srv.messages
    mail = got.message
    assert got.mail_from == "dondoc@hongloc.example.org" and got.rcpt_tos == [EM.email]
    assert mail["Subject"] == "Nhắc việc – còn 1 ngày làm việc: Báo cáo kết quả CCHC quý III"
    assert mail["From"].addresses[0].display_name == "UBND xã Hồng Lộc"
    assert mail["To"].addresses[0].display_name == "Hoàng Văn Em"
    assert mail["To"].addresses[0].addr_spec == EM.email
    assert mail["Auto-Submitted"] == "auto-generated"
    # On the wire lines end in CRLF, as RFC 5322 wants; mail clients show them as line breaks.
    assert mail.get_body(("plain",)).get_content().replace("\r\n", "\n").rstrip("\n") == message().text
    assert "<strong>Nhắc việc</strong> – còn 1 ngày làm việc" in mail.get_body(("html",)).get_content()
    assert got.raw.isascii()   # headers RFC 2047-encoded, bodies quoted-printable: any server takes it


async def test_the_message_id_is_the_same_for_the_same_key_so_a_resend_can_be_recognised():
    with smtp_server() as srv:
        mailer = notifier(srv.port)
        first = await mailer.send(message("n-41"))
        again = await mailer.send(message("n-41"))
        other = await mailer.send(message("n-42"))
        ids = [m.message["Message-ID"] for m in srv.messages]
    assert first == again == ids[0] == ids[1] == "<n-41@hongloc.example.org>"
    assert other == ids[2] == "<n-42@hongloc.example.org>"


async def test_a_key_with_unusual_characters_still_gives_a_stable_valid_message_id():
    mailer = notifier(25)
    odd = mailer.message_id("digest 41,42/43")
    assert odd == mailer.message_id("digest 41,42/43") and odd != mailer.message_id("digest 41,42")
    assert odd.startswith("<h") and odd.endswith("@hongloc.example.org>") and " " not in odd


async def test_reminders_for_one_task_thread_together():
    with smtp_server() as srv:
        mailer = notifier(srv.port)
        await mailer.send(message("n-41"))
        await mailer.send(message("n-57", subject="Hạn hôm nay: Báo cáo kết quả CCHC quý III"))
        await mailer.send(message("n-60", thread="task-8"))
        first, second, other = (m.message for m in srv.messages)
    assert second["In-Reply-To"] == second["References"] == "<task-7.thread@hongloc.example.org>"
    assert first["References"] == second["References"] != other["References"]
    assert second["In-Reply-To"] not in (first["Message-ID"], second["Message-ID"])


async def test_reply_to_is_set_when_configured():
    with smtp_server() as srv:
        await notifier(srv.port, reply_to="Văn phòng UBND <vanphong@hongloc.example.org>").send(message())
        [got] = srv.messages
    assert got.message["Reply-To"].addresses[0].addr_spec == "vanphong@hongloc.example.org"


async def test_the_deadline_comes_as_an_all_day_calendar_event_with_an_alarm():
    with smtp_server() as srv:
        mailer = notifier(srv.port)
        await mailer.send(message("n-41"))
        await mailer.send(message("n-57"))
        await mailer.send(message("n-60", due=None))
        parts = [[p for p in m.message.iter_attachments() if p.get_content_type() == "text/calendar"]
                 for m in srv.messages]
    assert [len(p) for p in parts] == [1, 1, 0]
    events = []
    for [part] in parts[:2]:
        assert part.get_param("method") == "PUBLISH"
        [event] = Calendar.from_ical(part.get_content()).walk("VEVENT")
        events.append(event)
    event = events[0]
    assert event.decoded("dtstart") == date(2025, 10, 14)
    assert event.decoded("dtend") == date(2025, 10, 15)
    assert str(event["summary"]) == "Báo cáo kết quả CCHC quý III"
    assert str(event["uid"]) == str(events[1]["uid"]) == "task-7.thread@hongloc.example.org"
    [alarm] = event.walk("VALARM")
    assert str(alarm["action"]) == "DISPLAY"
    assert alarm.decoded("trigger") == -timedelta(hours=16)   # 08:00 the day before


# -- failures ----------------------------------------------------------------------------

async def test_a_refused_recipient_is_permanent():
    with smtp_server(RejectingHandler(at="rcpt")) as srv:
        with pytest.raises(NotifierError) as caught:
            await notifier(srv.port).send(message())
        assert srv.messages == []
    assert caught.value.permanent
    assert str(caught.value) == "RCPT TO refused for em@hongloc.example.org: 550 5.1.1 Mailbox unavailable"


async def test_a_message_refused_at_data_is_permanent():
    with smtp_server(RejectingHandler(at="data", reply="554 5.7.1 Message rejected")) as srv:
        with pytest.raises(NotifierError) as caught:
            await notifier(srv.port).send(message())
    assert caught.value.permanent and "DATA refused" in str(caught.value) and "554" in str(caught.value)


async def test_a_temporary_failure_is_retryable_and_the_retry_is_delivered():
    with smtp_server(FailingHandler(failures=1)) as srv:
        mailer = notifier(srv.port)
        with pytest.raises(NotifierError) as caught:
            await mailer.send(message())
        assert not caught.value.permanent and "451" in str(caught.value)
        await mailer.send(message())
        assert len(srv.messages) == 1


async def test_a_server_that_is_down_is_retryable_and_delivers_once_it_is_up():
    port = free_port()
    mailer = notifier(port)
    with pytest.raises(NotifierError) as caught:
        await mailer.send(message())
    assert not caught.value.permanent
    assert str(caught.value).startswith(f"cannot connect to SMTP 127.0.0.1:{port}")
    assert str(caught.value).endswith("not delivered")
    with SMTPServer(port=port) as srv:
        await mailer.send(message())
        assert len(srv.messages) == 1


async def test_a_disconnect_after_data_is_retryable_and_warns_of_a_duplicate():
    with smtp_server(DisconnectingHandler()) as srv:
        with pytest.raises(NotifierError) as caught:
            await notifier(srv.port).send(message())
        assert len(srv.messages) == 1   # it did arrive: hence the warning
    assert not caught.value.permanent
    assert "a duplicate is possible (Message-ID <n-41@hongloc.example.org>)" in str(caught.value)


async def test_a_timeout_waiting_for_the_data_reply_is_ambiguous_and_retryable():
    with smtp_server(SlowHandler(delay=1.0)) as srv:
        with pytest.raises(NotifierError) as caught:
            await notifier(srv.port, timeout=0.3).send(message())
    assert not caught.value.permanent and "a duplicate is possible" in str(caught.value)


async def test_a_recipient_without_an_email_address_is_permanent_and_nothing_connects():
    with smtp_server() as srv:
        with pytest.raises(NotifierError) as caught:
            await notifier(srv.port).send(message(recipient=replace(EM, email=None)))
        assert srv.connections == 0
    assert caught.value.permanent
    assert str(caught.value) == "Hoàng Văn Em (tp-hoang-van-em) has no email address"


# -- batches -----------------------------------------------------------------------------

async def test_a_batch_of_200_goes_over_a_few_reused_connections():
    batch = [message(f"n-{i}", recipient=replace(EM, email=f"cb{i}@hongloc.example.org"))
             for i in range(200)]
    with smtp_server() as srv:
        results = await notifier(srv.port, concurrency=4).send_batch(batch)
        assert 1 <= srv.connections <= 4
        assert len(srv.messages) == 200
    assert results == [f"<n-{i}@hongloc.example.org>" for i in range(200)]


async def test_one_refused_address_does_not_stop_the_rest_of_the_batch():
    batch = [message("n-1"), message("n-2", recipient=replace(EM, email="nobody@hongloc.example.org")),
             message("n-3", recipient=replace(EM, email=None)), message("n-4")]
    with smtp_server(RejectingHandler(addresses={"nobody@hongloc.example.org"})) as srv:
        results = await notifier(srv.port, concurrency=1).send_batch(batch)
        assert srv.connections == 1   # RSET after the refusal keeps the connection usable
        assert [m.message["Message-ID"] for m in srv.messages] == [results[0], results[3]]
    assert isinstance(results[1], NotifierError) and results[1].permanent
    assert isinstance(results[2], NotifierError) and results[2].permanent


async def test_a_batch_to_a_server_that_is_down_fails_every_message_as_retryable():
    results = await notifier(free_port(), concurrency=2).send_batch([message(f"n-{i}") for i in range(5)])
    assert len(results) == 5
    assert all(isinstance(r, NotifierError) and not r.permanent for r in results)


# -- TLS, login, check ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    pytest.importorskip("cryptography")
    return self_signed_tls(tmp_path_factory.mktemp("tls"))


async def test_starttls_and_login_deliver(tls, caplog):
    caplog.set_level(logging.DEBUG)
    with smtp_server(starttls_context=tls.server, logins={"dondoc": "mật-khẩu-s3cret"}) as srv:
        mailer = notifier(srv.port, security="starttls", tls_context=tls.client, user="dondoc",
                          password="mật-khẩu-s3cret")
        assert (await mailer.check()).startswith(f"SMTP 127.0.0.1:{srv.port} (starttls, logged in as dondoc)")
        await mailer.send(message())
        assert len(srv.messages) == 1 and srv.login_attempts == ["dondoc", "dondoc"]
    assert "s3cret" not in caplog.text and "s3cret" not in repr(mailer)


async def test_a_refused_login_is_retryable_and_does_not_reveal_the_password(tls, caplog):
    caplog.set_level(logging.DEBUG)
    with smtp_server(starttls_context=tls.server, logins={"dondoc": "right"}) as srv:
        mailer = notifier(srv.port, security="starttls", tls_context=tls.client, user="dondoc",
                          password="wrong-s3cret")
        with pytest.raises(NotifierError) as caught:
            await mailer.send(message())
    assert not caught.value.permanent   # the server's configuration, not the recipient's address
    assert "login as 'dondoc' refused (535" in str(caught.value)
    assert "s3cret" not in str(caught.value) and "s3cret" not in caplog.text


async def test_implicit_tls_delivers(tls):
    with smtp_server(tls_context=tls.server) as srv:
        await notifier(srv.port, security="tls", tls_context=tls.client).send(message())
        assert len(srv.messages) == 1


async def test_an_untrusted_certificate_is_a_retryable_connection_failure(tls):
    with smtp_server(tls_context=tls.server) as srv:
        with pytest.raises(NotifierError) as caught:
            await notifier(srv.port, security="tls").send(message())   # default trust store
    assert not caught.value.permanent and "cannot connect" in str(caught.value)


async def test_check_describes_the_server_or_raises_when_it_is_down():
    with smtp_server() as srv:
        assert await notifier(srv.port).check() == f"SMTP 127.0.0.1:{srv.port} (none): localhost"
        assert len(srv.messages) == 0
    with pytest.raises(NotifierError) as caught:
        await notifier(free_port()).check()
    assert not caught.value.permanent


async def test_it_is_built_from_settings_without_revealing_the_password():
    with smtp_server() as srv:
        settings = Settings(smtp_host="127.0.0.1", smtp_port=srv.port, smtp_from=SENDER,
                            smtp_password="s3cret", smtp_reply_to="vanphong@hongloc.example.org",
                            smtp_concurrency=2, smtp_timeout=5)
        mailer = EmailNotifier.from_settings(settings, clock=CLOCK)
        await mailer.send(message())
        [got] = srv.messages
    assert parseaddr(str(got.message["Reply-To"]))[1] == "vanphong@hongloc.example.org"
    assert mailer.concurrency == 2 and "s3cret" not in repr(mailer) + repr(vars(mailer))
