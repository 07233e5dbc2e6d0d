"""Signing in by a one-time link, sessions, CSRF on every POST, and signed email action links."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlmodel import select

from engine.core.models import WebLoginToken, WebSession
from engine.web.links import action_url
from engine.web.sendlink import send_login_link
from notifiers.console import ConsoleNotifier
from tests.support.web import MAI, NGHIA, NOW, Web, csrf_of, session_csrf, web  # noqa: F401


def test_opening_a_login_link_consumes_nothing_and_the_post_signs_in(web):
    token = web.login_token(NGHIA)
    client = web.client()
    for _ in range(2):   # a mail scanner opened it first
        page = client.get(f"/login/{token}")
        assert page.status_code == 200 and "Cao Văn Nghĩa" in page.text
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    with web.db() as s:
        assert s.exec(select(WebLoginToken)).one().used_at is None
    answer = client.post(f"/login/{token}", data={"csrf_token": csrf_of(page.text), "next": "/tasks"})
    assert answer.status_code == 303 and answer.headers["location"] == "/tasks"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("dondoc_session=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie and "Max-Age=2592000" in cookie
    assert client.get("/api/tasks").status_code == 200
    assert [e.actor for e in web.events("signed_in")] == [NGHIA]


def test_a_login_link_works_once(web):
    token = web.login_token(NGHIA)
    first, second = web.client(), web.client()
    pages = [c.get(f"/login/{token}") for c in (first, second)]
    assert first.post(f"/login/{token}", data={"csrf_token": csrf_of(pages[0].text)}).status_code == 303
    again = second.post(f"/login/{token}", data={"csrf_token": csrf_of(pages[1].text)})
    assert again.status_code == 400 and "đã được dùng" in again.text
    assert "dondoc_session" not in second.cookies
    assert second.get(f"/login/{token}").status_code == 400


def test_a_login_link_expires_after_15_minutes(web):
    token = web.login_token(NGHIA)
    client = web.client()
    page = client.get(f"/login/{token}")
    web.move(NOW + timedelta(minutes=15, seconds=1))
    answer = client.post(f"/login/{token}", data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 400 and "hết hạn" in answer.text
    assert client.get("/api/tasks").status_code == 401


def test_an_unknown_login_link_and_an_outside_next_are_refused(web):
    client = web.client()
    assert client.get("/login/not-a-token").status_code == 400
    token = web.login_token(NGHIA)
    page = client.get(f"/login/{token}")
    answer = client.post(f"/login/{token}", data={"csrf_token": csrf_of(page.text), "next": "//evil.example"})
    assert answer.headers["location"] == "/"


def test_the_cookie_is_secure_behind_https(web, monkeypatch):
    monkeypatch.setenv("DONDOC_WEB__BASE_URL", "https://dondoc.example.gov.vn")
    secure = Web(web.ctx.settings.database_url)
    token = secure.login_token(NGHIA)
    client = secure.client(base_url="https://testserver")
    page = client.get(f"/login/{token}")
    assert "Secure" in page.headers["set-cookie"]          # the pre-login CSRF cookie too
    answer = client.post(f"/login/{token}", data={"csrf_token": csrf_of(page.text)})
    assert "Secure" in answer.headers["set-cookie"]


def test_sessions_slide_for_30_days_and_end_after_30_idle_days(web):
    client = web.signed_in(NGHIA)
    for days in (20, 40, 60):   # used every 20 days: still signed in after 60
        web.move(NOW + timedelta(days=days))
        answer = client.get("/api/tasks")
        assert answer.status_code == 200
        assert "dondoc_session=" in answer.headers.get("set-cookie", "")   # the cookie slides too
    web.move(NOW + timedelta(days=60 + 30, seconds=1))
    assert client.get("/api/tasks").status_code == 401


def test_sign_out_and_logout_all(web, cli):
    here, there = web.signed_in(NGHIA), web.signed_in(NGHIA)
    answer = here.post("/logout", data={"csrf_token": session_csrf(here)})
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert here.get("/api/tasks").status_code == 401
    assert there.get("/api/tasks").status_code == 200
    pending = web.login_token(NGHIA)
    result = cli("--now", NOW.isoformat(), "web", "logout-all", NGHIA, "--json")
    assert result.code == 0, result.err
    assert result.json() == {"person": NGHIA, "sessions_revoked": 1}
    assert there.get("/api/tasks").status_code == 401
    assert web.client().get(f"/login/{pending}").status_code == 400    # unused links die too


def test_the_cli_prints_a_login_link_that_signs_in(web, cli):
    result = cli("--now", NOW.isoformat(), "web", "login-link", MAI, "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert set(data) == {"person", "url", "expires"} and data["person"] == MAI
    assert data["url"].startswith("http://127.0.0.1:8080/login/")
    assert data["expires"] == (NOW + timedelta(minutes=15)).isoformat()
    path = data["url"].removeprefix("http://127.0.0.1:8080")
    client = web.client()
    page = client.get(path)
    assert client.post(path, data={"csrf_token": csrf_of(page.text)}).status_code == 303
    assert client.get("/api/tasks").status_code == 200
    assert cli("web", "login-link", "nobody").code == 1


def test_every_post_needs_the_csrf_token(web):
    client = web.signed_in(NGHIA)
    task = web.ids()["VH-1"]
    assert client.post(f"/tasks/{task}/start").status_code == 403
    assert client.post(f"/tasks/{task}/start", data={"csrf_token": "forged-token-forged"}).status_code == 403
    assert client.post("/logout").status_code == 403
    assert web.events("started") == []
    good = session_csrf(client)
    assert client.post(f"/tasks/{task}/start", headers={"X-CSRF-Token": good}).status_code == 303
    assert len(web.events("started")) == 1


def test_the_login_post_needs_the_browsers_csrf_cookie(web):
    token = web.login_token(NGHIA)
    client = web.client()
    page = client.get(f"/login/{token}")
    stranger = web.client()   # a forged form posted from another site: no cookie of ours
    assert stranger.post(f"/login/{token}", data={"csrf_token": csrf_of(page.text)}).status_code == 403
    assert client.post(f"/login/{token}").status_code == 403
    assert client.post(f"/login/{token}", data={"csrf_token": csrf_of(page.text)}).status_code == 303


def test_asking_for_a_link_sends_it_on_the_persons_channel(web):
    client = web.client()
    page = client.get("/login")
    answer = client.post("/login", data={"csrf_token": csrf_of(page.text), "who": "nobody@example.org"})
    assert answer.status_code == 200 and "Nếu thông tin đúng" in answer.text
    with web.db() as s:
        assert s.exec(select(WebLoginToken)).all() == []


def test_send_login_link_uses_a_configured_channel(web):
    printed = io.StringIO()
    person = web.person(NGHIA)
    with web.db() as s:
        import asyncio
        channel = asyncio.run(send_login_link(web.ctx, s, person, {"console": ConsoleNotifier(printed)}))
        s.commit()
    assert channel == "console"
    url = next(w for w in printed.getvalue().split() if "/login/" in w)
    with web.db() as s:
        assert s.exec(select(WebLoginToken)).one().sent_on == "console"
    client = web.client()
    path = url.removeprefix("http://127.0.0.1:8080")
    page = client.get(path)
    assert client.post(path, data={"csrf_token": csrf_of(page.text)}).status_code == 303


def _link(web, code: str, ref: str, action: str) -> str:
    with web.db() as s:
        url = action_url(s, web.ctx.settings, web.person(code), web.task(ref), action, web.ctx.now())
        s.commit()
    return url.removeprefix("http://127.0.0.1:8080")


def test_an_email_action_link_opens_the_action_and_one_post_confirms(web):
    path = _link(web, NGHIA, "VH-1", "done")
    client = web.client()
    page = client.get(path)
    assert page.status_code == 200 and "Đã hoàn thành" in page.text and "Rà soát thủ tục" in page.text
    assert web.task("VH-1").status == "open" and web.events("done") == []
    answer = client.post(path, data={"csrf_token": csrf_of(page.text), "note": "Đã gửi báo cáo số 12"})
    assert answer.status_code == 303 and answer.headers["location"] == f"/tasks/{web.ids()['VH-1']}"
    done = web.events("done")
    assert [(e.actor, e.channel, e.data["note"]) for e in done] == [(NGHIA, "web", "Đã gửi báo cáo số 12")]
    assert client.get("/api/tasks").status_code == 200      # and signed in
    again = client.get(path)   # signed in as the link's person: the task page, action preselected
    assert again.status_code == 303 and again.headers["location"].endswith("?action=done")


def test_an_altered_or_expired_action_link_does_nothing(web):
    path = _link(web, NGHIA, "VH-1", "ack")
    client = web.client()
    body, _, mac = path.rpartition(".")
    assert client.get(f"{body}x.{mac}").status_code == 400
    web.move(NOW + timedelta(days=7, seconds=1))
    page = client.get("/login")
    assert client.post(path, data={"csrf_token": csrf_of(page.text)}).status_code == 400
    assert web.events("acknowledged") == []
    with web.db() as s:
        assert s.exec(select(WebSession)).all() == []


def test_the_web_secret_comes_from_the_environment_only(web, monkeypatch, config_dir):
    from engine.infra.errors import DondocError
    from engine.infra.settings import load_settings
    from engine.web.links import signing_key

    monkeypatch.setenv("DONDOC_WEB_SECRET", "s3cret-from-the-environment")
    assert load_settings().web.secret.get_secret_value() == "s3cret-from-the-environment"
    with web.db() as s:
        assert signing_key(s, load_settings(), NOW) == b"s3cret-from-the-environment"
    monkeypatch.delenv("DONDOC_WEB_SECRET")
    with web.db() as s:   # none given: one key in the database, the same for every instance
        first = signing_key(s, load_settings(), NOW)
        s.commit()
        assert signing_key(s, load_settings(), NOW) == first
    (config_dir / "dondoc.yaml").write_text("web:\n  secret: in-the-file\n", encoding="utf-8")
    try:
        load_settings()
    except DondocError as exc:
        assert "secret" in str(exc) and "in-the-file" not in str(exc)
    else:
        raise AssertionError("a secret in dondoc.yaml was accepted")
