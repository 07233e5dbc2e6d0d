"""No secret reaches a log, an error message or --json: the real daemon, with a bot token and an SMTP
password, against the SMTP and Bot API fakes; every byte it and `dondoc check` write is searched."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

import pytest

from engine.infra.logs import MASK, RedactFilter, Redactor
from tests.fakes.smtp import self_signed_tls, smtp_server
from tests.fakes.telegram_api import telegram_api
from tests.support.paths import DONDOC

PASSWORD = "mật-khẩu:S3cret/+&"     # characters that URLs and JSON escape
NOW = "2025-10-15T08:00+07:00"      # VH-1 was due the day before
PLAN = """\
plan: {title: Kế hoạch thử nghiệm, issuer: UBND xã Hòa Phong, year: 2025}
tasks:
  - {ref: VH-1, title: Rà soát thủ tục hành chính, lead: Phòng Văn hóa - Xã hội,
     assignee: pvhxh-cao-van-nghia, due: 2025-10-14}
"""


def _wait(what: str, proc: subprocess.Popen, check, seconds: float = 45) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    raise AssertionError(f"{what}:\n" + proc.communicate(timeout=30)[0][-3000:])


@pytest.mark.slow
def test_the_daemon_and_check_never_show_the_token_or_the_smtp_password(cli, env, tmp_path, monkeypatch):
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    for args in (("org", "load"), ("rules", "reload"), ("plan", "import", plan)):
        assert cli("--now", NOW, *args).code == 0
    tls = self_signed_tls(tmp_path)
    with smtp_server(starttls_context=tls.server, logins={"dondoc": PASSWORD}) as smtp, \
            telegram_api(limits=False) as tg:
        settings = {"DONDOC_SMTP_HOST": "127.0.0.1", "DONDOC_SMTP_PORT": str(smtp.port),
                    "DONDOC_SMTP_SECURITY": "starttls", "DONDOC_SMTP_USER": "dondoc",
                    "DONDOC_SMTP_PASSWORD": PASSWORD, "DONDOC_TELEGRAM_TOKEN": tg.token,
                    "DONDOC_TELEGRAM_BASE_URL": tg.base_url, "DONDOC_TELEGRAM_BOT_USERNAME": tg.username}
        # The daemon's TLS client trusts the fake's certificate through OpenSSL's default paths.
        run_env = {**os.environ, **settings, "SSL_CERT_FILE": str(tls.cert)}
        # --debug: every library logs all it can (httpx: each request URL, which holds the token).
        proc = subprocess.Popen([*DONDOC, "--debug", "--now", NOW, "run"], env=run_env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            _wait("an email and a Telegram message", proc, lambda: smtp.messages and tg.sent())
            _wait("a second long poll", proc, lambda: len(tg.calls("getUpdates")) >= 2)
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=45)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0, err[-3000:]
        assert smtp.login_attempts and set(smtp.login_attempts) == {"dondoc"}   # the password was used
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("SSL_CERT_FILE", str(tls.cert))
        checked = cli("check", "--json")
        monkeypatch.setenv("DONDOC_SMTP_PASSWORD", PASSWORD + "-wrong")   # refused: an error message
        refused = cli("--debug", "check", "--json")
    assert "HTTP Request: POST" in err and f"/bot{MASK}/getUpdates" in err   # the line is there, masked
    assert "dondoc engine stopped" in err
    assert {c["id"]: c["ok"] for c in checked.json()}["channel.telegram"] is True
    assert {c["id"]: c["ok"] for c in refused.json()}["channel.email"] is False
    logs = [p.read_text(encoding="utf-8", errors="replace") for p in (tmp_path / "var").rglob("*")
            if p.is_file() and p.suffix in (".log", ".txt")]
    outputs = {"daemon stdout": out, "daemon stderr": err, "check --json": checked.out + checked.err,
               "refused check": refused.out + refused.err, **{f"log {i}": text for i, text in enumerate(logs)}}
    for secret in (tg.token, PASSWORD, tg.token.split(":")[1]):
        for where, text in outputs.items():
            assert secret not in text, f"{secret!r} in {where}"


def test_a_record_is_redacted_in_its_message_arguments_and_traceback():
    redactor = Redactor(["123456:SeCrEt", "p@ss word"])
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "HTTP Request: %s %s", None, None)
    record.args = ("POST", "http://127.0.0.1/bot123456:SeCrEt/getUpdates?x=p%40ss%20word")
    try:
        raise RuntimeError('login refused for "p@ss word"')
    except RuntimeError:
        record.exc_info = sys.exc_info()
    assert RedactFilter(redactor).filter(record)
    text = logging.Formatter("%(message)s").format(record)
    assert "SeCrEt" not in text and "p@ss" not in text and "p%40ss" not in text
    assert text.startswith("HTTP Request: POST http://127.0.0.1/bot***/getUpdates?x=***")
    assert 'RuntimeError: login refused for "***"' in text

