"""Dispatch's stages one at a time (claim -> prepare -> send -> record), on a real SQLite file,
with a recording notifier standing in for a channel."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from engine.core.calendar import WorkCalendar
from engine.core.models import Notification, Person
from engine.delivery.dispatch import Delivery, DispatchConfig, DispatchResult, claim, dispatch_once, record_outcome
from engine.delivery.prepare import merge, prepare
from engine.delivery.send import send_all
from notifiers.base import ChatMoved, Message, NotifierError, Recipient, RetryLater
from notifiers.render import Renderer
from tests.support.world import at

RULES = """
rules:
  - {id: r7, before_due: 7d, notify: [assignee], channels: [email]}
  - {id: r3, before_due: 3 working days, notify: [assignee], channels: [email]}
  - {id: r1, before_due: 1 working day, notify: [assignee], channels: [email]}
  - {id: head, after_due: 2 working days, notify: [lead_unit_head], channels: [email], escalate: {level: 1, require_ack: true}}
"""
# Tư pháp's officer (Hoàng Văn Em) and the Văn phòng's, each with two tasks due Fri 14/3/2025.
TASKS = """\
  - {ref: A, title: Việc A, lead: Tư pháp, due: 2025-03-14}
  - {ref: B, title: Việc B, lead: Tư pháp, due: 2025-03-14}
  - {ref: C, title: Việc C, lead: Văn phòng - Thống kê, due: 2025-03-14}
"""
NOW = at(2025, 3, 13, 9)


class Recording:
    """A channel that records what it is given and answers from a script (default: accepted)."""

    markup = "html"

    def __init__(self, channel: str = "email", outcomes: dict | None = None):
        self.channel, self.outcomes, self.sent = channel, outcomes or {}, []

    async def send(self, message: Message) -> str:
        self.sent.append(message)
        outcome = self.outcomes.get(message.recipient.code, f"id-{len(self.sent)}")
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def check(self) -> str:
        return "recording"

    async def aclose(self) -> None:
        pass


class Pacer:
    def __init__(self):
        self.waited, self.paused = [], []

    async def wait(self, address: str) -> None:
        self.waited.append(address)

    def pause(self, seconds: float) -> None:
        self.paused.append(seconds)


@pytest.fixture
def due_rows(world, cli):
    """Org, rules, plan imported on 1/3; a sweep on Thu 13/3 (r7, r3, r1 of each task all due)."""
    assert cli("org", "load").code == 0
    world.rules(RULES, at(2025, 3, 1))
    world.plan(TASKS, at(2025, 3, 1))
    world.sweep(NOW)
    return world


def renderer(world) -> Renderer:
    return Renderer(world.config_dir / "templates")


def test_claim_leases_a_batch_and_takes_the_rest_of_each_digest_with_it(due_rows):
    with Session(due_rows.engine, expire_on_commit=False) as s:
        rows = claim(s, NOW, DispatchConfig(batch=2, worker="w1"))
        # Two rows asked for; every other row of the same person and sweep comes along.
        people = {r.person_id for r in rows}
        pending = s.exec(select(Notification).where(Notification.person_id.in_(people),
                                                     Notification.status == "pending")).all()
        assert {r.id for r in rows} == {r.id for r in pending} and len(rows) > 2
        assert all(r.claimed_by == "w1" and r.attempts == 1 for r in rows)
        assert claim(s, NOW, DispatchConfig(batch=2, worker="w2")) != rows


def test_merge_keeps_the_most_urgent_entry_of_each_task_and_points_the_rest_at_it(due_rows):
    with Session(due_rows.engine) as s:
        rows = s.exec(select(Notification).where(Notification.status == "pending")).all()
        kept, merged = merge(rows)
        assert sorted(r.rule_id for r in kept) == ["r1", "r1", "r1"]           # one per task
        assert len(merged) == 6 and {r.status for r in merged} == {"merged"}
        by_id = {r.id: r for r in kept}
        assert all(by_id[r.merged_into].task_id == r.task_id for r in merged)


def test_merge_prefers_an_escalation_asking_for_acknowledgement():
    base = dict(rule_id="x", recipient="p", person_id=1, role="r", channel="email", template="t",
                ruleset_version="v", nominal_at=at(2025, 3, 20), fire_at=at(2025, 3, 20), created_at=at(2025, 3, 20))
    ack = Notification(id=1, task_id=9, level=1, require_ack=True, **{**base, "nominal_at": at(2025, 3, 18)})
    late = Notification(id=2, task_id=9, level=0, **base)
    kept, merged = merge([late, ack])
    assert kept == [ack] and merged == [late] and late.merged_into == 1


def test_prepare_marks_a_channel_without_settings_not_configured_and_renders_one_message_per_person(due_rows):
    cal = WorkCalendar()
    with Session(due_rows.engine, expire_on_commit=False) as s:
        rows = claim(s, NOW, DispatchConfig())
        none = prepare(s, rows, renderer(due_rows), cal, NOW, {}, lambda r: NOW)
        assert none.outgoing == [] and none.not_configured == len(rows)
        assert {r.status for r in rows} == {"not_configured"} and "chưa được cấu hình" in rows[0].reason
        s.commit()
    with Session(due_rows.engine, expire_on_commit=False) as s:
        for r in s.exec(select(Notification)):
            r.status, r.reason = "pending", None
            s.add(r)
        s.commit()
        rows = claim(s, NOW, DispatchConfig())
        ready = prepare(s, rows, renderer(due_rows), cal, NOW, {"email": "html"}, lambda r: NOW)
        assert ready.merged == 6
        messages = {o.message.recipient.code: o.message for o in ready.outgoing}
        assert len(messages) == 2
        digest = next(m for m in messages.values() if len(m.notification_ids) == 2)
        # A digest lists each task once, under its section, and carries one calendar event per task.
        assert digest.text.count("Việc A") == 1 and digest.text.count("Việc B") == 1
        assert "SẮP ĐẾN HẠN (2)" in digest.text
        assert [e[2] for e in digest.events] == ["Việc A", "Việc B"]


def test_prepare_puts_a_group_that_fails_to_render_back_with_backoff(due_rows, tmp_path):
    broken = tmp_path / "templates"
    broken.mkdir()
    later = NOW + timedelta(minutes=5)
    with Session(due_rows.engine, expire_on_commit=False) as s:
        rows = claim(s, NOW, DispatchConfig())
        result = prepare(s, rows, Renderer(broken), WorkCalendar(), NOW, {"email": "html"}, lambda r: later)
        failed = [r for r in rows if r.status == "pending"]
        assert result.outgoing == [] and result.render_failed == len(failed) > 0
        assert all(r.next_attempt_at == later and r.claimed_until is None and "render" in r.last_error
                   for r in failed)


async def test_send_paces_a_paced_channel_and_pauses_it_on_retry_later():
    tg = Recording("telegram", {"b": RetryLater("flood", 3.0)})
    pacer = Pacer()
    messages = [Message(f"k{c}", (1,), "telegram", Recipient(c, c, telegram=f"chat-{c}"), "s", "t", "h")
                for c in "abc"]
    outcomes = await send_all(messages, {"telegram": tg}, {"telegram": pacer})
    assert pacer.waited == ["chat-a", "chat-b", "chat-c"] and pacer.paused == [3.0]
    assert outcomes["ka"] == "id-1" and isinstance(outcomes["kb"], RetryLater)


async def test_send_turns_a_notifier_bug_into_a_retryable_failure():
    class Buggy(Recording):
        async def send(self, message):
            raise KeyError("oops")

    outcomes = await send_all([Message("k", (1,), "email", Recipient("a", "A", "a@x"), "s", "t", "h")],
                              {"email": Buggy()}, {})
    assert isinstance(outcomes["k"], NotifierError) and not outcomes["k"].permanent


def test_record_sent_retry_requeue_and_permanent_failure(due_rows):
    cfg, rnd = DispatchConfig(), random.Random(1)
    with Session(due_rows.engine, expire_on_commit=False) as s:
        rows = claim(s, NOW, cfg)
        kept, _ = merge(rows)
        one, two, three = kept[:3]
        msg = Message("k", (1,), "email", Recipient("x", "X"), "s", "t", "h")
        result = DispatchResult()
        record_outcome(s, [one], msg, "provider-1", NOW, cfg, rnd, result)
        record_outcome(s, [two], msg, RetryLater("flood", 5), NOW, cfg, rnd, result)
        record_outcome(s, [three], msg, NotifierError("550 no such user", permanent=True), NOW, cfg, rnd, result)
        assert (one.status, one.provider_id, one.sent_at) == ("sent", "provider-1", NOW)
        assert two.status == "pending" and two.attempts == 0 and two.next_attempt_at == NOW + timedelta(seconds=5)
        assert three.status == "failed" and "550" in three.last_error
        assert (result.sent, result.requeued, result.failed) == (1, 1, 1)
        person = s.get(Person, three.person_id)
        assert person.email_broken and "550" in person.email_broken


async def test_dispatch_once_follows_a_moved_destination_and_resends_once(due_rows):
    email = Recording("email")
    email.outcomes["tp-hoang-van-em"] = ChatMoved("moved", "moved@hoaphong.example.org")
    delivery = Delivery({"email": email}, renderer(due_rows), WorkCalendar())
    result = await dispatch_once(due_rows.engine, delivery, NOW)
    assert result.merged == 6 and result.messages == 2
    with Session(due_rows.engine) as s:
        person = s.exec(select(Person).where(Person.code == "tp-hoang-van-em")).one()
        assert person.email == "moved@hoaphong.example.org"
    resent = [m for m in email.sent if m.recipient.email == "moved@hoaphong.example.org"]
    assert len(resent) == 1
