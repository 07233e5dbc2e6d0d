"""Who sees what and who may do what, on every request (engine.core.access through the web):
outside one's view is 404, an action one may not take is 403."""

from __future__ import annotations

import pytest

from engine.core.access import scope_of, visible_tasks
from tests.support.web import ADMIN, AN, BICH, DUNG, MAI, NAM, NGHIA, REFS, SEES, session_csrf, web  # noqa: F401


def test_each_person_sees_exactly_their_tasks(web):
    ids = web.ids()
    for code, expected in SEES.items():
        client = web.signed_in(code)
        listed = {row["ref"] for row in client.get("/api/tasks").json()}
        assert listed == expected, code
        for ref in REFS:
            answer = client.get(f"/api/tasks/{ids[ref]}")
            assert answer.status_code == (200 if ref in expected else 404), (code, ref)
        assert client.get("/api/status").json()["total"]["total"] == len(expected), code


def test_the_engine_function_gives_the_same_answer_as_the_sql_clause(web):
    """Scope.sees (one task) and Scope.clause (a query) never disagree."""
    with web.db() as s:
        from engine.core.models import Person, Task
        from sqlmodel import select
        tasks = list(s.exec(select(Task)))
        for person in s.exec(select(Person)):
            scope = scope_of(s, person)
            by_clause = {t.id for t in visible_tasks(s, person)}
            assert by_clause == {t.id for t in tasks if scope.sees(t)}, person.code


def test_a_task_that_does_not_exist_is_404_like_one_out_of_view(web):
    client = web.signed_in(NGHIA)
    assert client.get("/api/tasks/99999").status_code == 404
    token = session_csrf(client)
    assert client.post("/tasks/99999/start", data={"csrf_token": token}).status_code == 404


@pytest.mark.parametrize("code, ref, status", [
    (NGHIA, "VH-1", 303),    # his own task
    (NGHIA, "VH-2", 403),    # his unit's, in view; assigned to the unit's head
    (NGHIA, "KT-1", 404),    # another unit's: not in view
    (NGHIA, "X-1", 404),
    (MAI, "VH-1", 303),      # she heads the lead unit
    (MAI, "VH-2", 303),      # assigned to her (the head, by default)
    (NGHIA, "ALL-1", 403),   # every unit's task, in view; his unit does not lead it
    (BICH, "VH-1", 403),     # in view (she oversees the unit) but not hers to update
    (DUNG, "ALL-1", 403),    # every unit's task is in view, not hers to update
    (NAM, "VH-1", 404),
    (AN, "KT-1", 403),       # the chairman sees it; it is the unit's to do
    (ADMIN, "KT-1", 303),    # an admin may do anything
])
def test_who_may_start_a_task(web, code, ref, status):
    client = web.signed_in(code)
    answer = client.post(f"/tasks/{web.ids()[ref]}/start", data={"csrf_token": session_csrf(client)})
    assert answer.status_code == status, answer.text
    started = web.events("started", ref)
    assert len(started) == (1 if status == 303 else 0)


@pytest.mark.parametrize("action", ["done", "extend"])
def test_refused_updates_change_nothing(web, action):
    client = web.signed_in(BICH)
    data = {"csrf_token": session_csrf(client), "note": "x", "new_due": "2025-10-31", "reason": "chờ số liệu"}
    assert client.post(f"/tasks/{web.ids()['VH-1']}/{action}", data=data).status_code == 403
    assert web.task("VH-1").status == "open"
    assert web.events("extension_requested") == [] and web.events("done") == []


def test_acknowledging_needs_an_escalation_role(web):
    vh1 = web.ids()["VH-1"]
    officer = web.signed_in(NGHIA)
    assert officer.post(f"/tasks/{vh1}/ack", data={"csrf_token": session_csrf(officer)}).status_code == 403
    outsider = web.signed_in(NAM)
    assert outsider.post(f"/tasks/{vh1}/ack", data={"csrf_token": session_csrf(outsider)}).status_code == 404
    head = web.signed_in(MAI)
    assert head.post(f"/tasks/{vh1}/ack", data={"csrf_token": session_csrf(head)}).status_code == 303
    assert [e.actor for e in web.events("acknowledged")] == [MAI]


def _request_extension(web) -> int:
    client = web.signed_in(NGHIA)
    answer = client.post(f"/tasks/{web.ids()['VH-1']}/extend",
                         data={"csrf_token": session_csrf(client), "new_due": "2025-10-31", "reason": "chờ số liệu"},
                         headers={"Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    return answer.json()["request"]


@pytest.mark.parametrize("code, status", [
    (NAM, 404),      # neither in view nor his to decide
    (BICH, 403),     # in view, but the approver is the unit head
    (NGHIA, 403),    # the requester cannot approve his own request
    (MAI, 303),      # the lead unit's head: the approver
    (AN, 303),       # the chairman may decide any
])
def test_who_may_decide_an_extension(web, code, status):
    request_id = _request_extension(web)
    client = web.signed_in(code)
    answer = client.post(f"/extensions/{request_id}/approve", data={"csrf_token": session_csrf(client)})
    assert answer.status_code == status, answer.text
    assert len(web.events("extended")) == (1 if status == 303 else 0)


def test_an_unknown_extension_request_is_404(web):
    client = web.signed_in(AN)
    assert client.post("/extensions/4242/refuse", data={"csrf_token": session_csrf(client)}).status_code == 404


def test_pages_and_api_need_a_session(web):
    client = web.client()
    assert client.get("/api/tasks").status_code == 401
    assert client.get("/api/status").status_code == 401
    assert client.get(f"/api/tasks/{web.ids()['VH-1']}").status_code == 401
    assert client.get("/healthz").status_code == 200
