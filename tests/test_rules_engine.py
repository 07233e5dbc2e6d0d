"""The rule semantics of README "Rules", on a real database with an injected clock."""

import pytest
from sqlmodel import select

from engine.infra.db import transaction
from engine.core.models import Event, Notification, Timer
from engine.reminders.rulestore import active_ruleset, evaluator
from engine.reminders.sweep import handle_one_batch
from tests.support.world import TZ, at, fired

REMINDERS = """
rules:
  - {id: r7, before_due: 7d, notify: [assignee], channels: [email]}
  - {id: r3, before_due: 3 working days, notify: [assignee], channels: [email]}
  - {id: r1, before_due: 1 working day, notify: [assignee], channels: [email]}
  - {id: r0, on_due: true, notify: [assignee], channels: [email], template: due_today}
"""
OVERDUE = """
rules:
  - {id: late, after_due: 1 working day, repeat: {every: 1 working day, max: 3}, notify: [assignee], channels: [email]}
  - {id: head, after_due: 2 working days, notify: [lead_unit_head], channels: [email], escalate: {level: 1, require_ack: true}}
  - {id: chair, after_due: 5 working days, notify: ["role:chairman"], channels: [email], escalate: {level: 2, require_ack: true}}
"""
TASK = "  - {{ref: T, title: Báo cáo thử, lead: {lead}, due: {due}}}\n"


@pytest.fixture
def world(world):
    """The shared world with the example org loaded."""
    world.cli("org", "load")
    return world


def test_it_reminds_7d_3_working_days_1_working_day_before_and_on_the_due_day(world):
    world.rules(REMINDERS, at(2025, 3, 1))
    world.plan(TASK.format(lead="Tư pháp", due="2025-03-14"), at(2025, 3, 1))
    assert fired(world.run_until(at(2025, 3, 31))) == [
        ("r7", "Fri 07/03/2025 07:30", "tp-hoang-van-em"),
        ("r3", "Tue 11/03/2025 07:30", "tp-hoang-van-em"),
        ("r1", "Thu 13/03/2025 07:30", "tp-hoang-van-em"),
        ("r0", "Fri 14/03/2025 07:30", "tp-hoang-van-em"),
    ]


def test_a_due_day_on_a_sunday_is_reminded_on_the_friday_and_never_after(world):
    world.rules(REMINDERS, at(2025, 3, 1))
    world.plan(TASK.format(lead="Tư pháp", due="2025-03-16"), at(2025, 3, 1))
    assert fired(world.run_until(at(2025, 3, 31))) == [
        ("r7", "Mon 10/03/2025 07:30", "tp-hoang-van-em"),     # Sun 9/3 moves forward: still before due
        ("r3", "Wed 12/03/2025 07:30", "tp-hoang-van-em"),
        ("r1", "Fri 14/03/2025 07:30", "tp-hoang-van-em"),
        ("r0", "Fri 14/03/2025 07:30", "tp-hoang-van-em"),     # Sun 16/3 would move to Monday: back to Friday
    ]


def test_overdue_work_escalates_across_the_tet_week(world):
    # Due Fri 24/1/2025; Tết closes offices Mon 27/1 - Fri 31/1.
    world.rules(OVERDUE, at(2025, 1, 20))
    world.plan(TASK.format(lead="Tư pháp", due="2025-01-24"), at(2025, 1, 20))
    assert fired(world.run_until(at(2025, 2, 28))) == [
        ("late", "Mon 03/02/2025 07:30", "tp-hoang-van-em"),
        ("late", "Tue 04/02/2025 07:30", "tp-hoang-van-em"),
        ("head", "Tue 04/02/2025 07:30", "ct-tran-van-an"),    # Tư pháp's head is the assignee: next head up
        ("late", "Wed 05/02/2025 07:30", "tp-hoang-van-em"),
        ("chair", "Fri 07/02/2025 07:30", "ct-tran-van-an"),
    ]


def test_the_swapped_saturday_26_4_2025_is_a_working_day_and_2_5_is_not(world):
    world.rules(OVERDUE, at(2025, 4, 20))
    world.plan(TASK.format(lead="Phòng Kinh tế", due="2025-04-25"), at(2025, 4, 20))
    got = fired(world.run_until(at(2025, 5, 31)))
    assert got[:4] == [
        ("late", "Sat 26/04/2025 07:30", "pkt-trinh-van-nam"),
        ("late", "Mon 28/04/2025 07:30", "pkt-trinh-van-nam"),
        ("head", "Mon 28/04/2025 07:30", "ct-tran-van-an"),
        ("late", "Tue 29/04/2025 07:30", "pkt-trinh-van-nam"),
    ]
    # 30/4, 1/5 and 2/5 are off, then the weekend: the fifth working day after 25/4 is Tue 6/5.
    assert got[4] == ("chair", "Tue 06/05/2025 07:30", "ct-tran-van-an")


def test_a_moment_outside_the_window_moves_to_the_next_opening_unless_urgent(world):
    world.rules("""
rules:
  - {id: late, after_due: 20h, notify: [assignee], channels: [email]}
  - {id: urgent, after_due: 20h, notify: ["role:chairman"], channels: [email], urgent: true}
""", at(2025, 3, 1))
    world.plan(TASK.format(lead="Tư pháp", due="2025-03-14"), at(2025, 3, 1))
    # The due day ends at midnight; 20h later is Sat 15/3 20:00.
    assert fired(world.run_until(at(2025, 3, 31))) == [
        ("urgent", "Sat 15/03/2025 20:00", "ct-tran-van-an"),
        ("late", "Mon 17/03/2025 07:30", "tp-hoang-van-em"),
    ]


def test_a_continuous_task_gets_a_check_in_on_the_5th_moved_off_the_weekend(world):
    world.rules("""
rules:
  - {id: checkin, match: {kind: [continuous]}, every: month, day: 5, notify: [assignee], channels: [email]}
""", at(2025, 3, 1))
    world.plan("  - {ref: C, title: Rà soát thường xuyên, lead: Tư pháp, deadline: Thường xuyên}\n", at(2025, 3, 1))
    got = [f[1] for f in fired(world.run_until(at(2025, 7, 31)))]
    # 5/4 is a Saturday and Mon 7/4 the Hùng Kings' day off; 5/7 is a Saturday.
    assert got == ["Wed 05/03/2025 07:30", "Tue 08/04/2025 07:30", "Mon 05/05/2025 07:30",
                   "Thu 05/06/2025 07:30", "Mon 07/07/2025 07:30"]


def test_every_sweep_creates_each_notification_once(world):
    world.rules(OVERDUE, at(2025, 3, 1))
    ids = world.plan(TASK.format(lead="Tư pháp", due="2025-03-14"), at(2025, 3, 1))
    first = world.sweep(at(2025, 3, 17, 8))
    assert [(r["rule_id"], r["channel"]) for r in first] == [("late", "email")]
    assert world.sweep(at(2025, 3, 17, 8)) == []
    # A crash after writing notifications but before moving the timer: the timer fires again.
    with transaction(world.engine) as s:
        timer = s.exec(select(Timer).where(Timer.task_id == ids["T"], Timer.rule_id == "late")).one()
        timer.seq, timer.fire_at = 0, at(2025, 3, 17)
        s.add(timer)
    assert world.sweep(at(2025, 3, 17, 8)) == []
    assert len(world.notifications()) == 1


def test_after_downtime_a_missed_series_is_sent_once_now_and_escalations_follow_the_state(world):
    world.rules(OVERDUE, at(2025, 3, 1))
    world.plan(TASK.format(lead="Tư pháp", due="2025-03-14"), at(2025, 3, 1))
    # Down from Friday until Thursday 20/3 noon: "late" was due Mon, Tue, Wed; "head" on Tue.
    rows = world.sweep(at(2025, 3, 20, 12))
    # Once each, for the latest missed moment, sent now (not a backlog of repeats).
    assert [(r["rule_id"], r["nominal_at"].astimezone(TZ).strftime("%a %d/%m"), r["recipient"]) for r in rows
            if r["channel"] == "email"] == [("late", "Wed 19/03", "tp-hoang-van-em"),
                                             ("head", "Tue 18/03", "ct-tran-van-an")]
    assert fired(rows) == [("late", "Thu 20/03/2025 12:30", "tp-hoang-van-em"),
                           ("head", "Thu 20/03/2025 12:30", "ct-tran-van-an")]
    assert {r["status"] for r in rows} == {"pending"}
    # Down for three weeks: the task is still overdue and nobody acknowledged, so the chairman's
    # escalation (due Fri 21/3) is notified now, however old its moment; the assignee's series is done.
    rows = world.sweep(at(2025, 4, 14, 9))
    assert [(r["rule_id"], r["status"]) for r in rows if r["channel"] == "email"] == [("chair", "pending")]
    assert fired(rows) == [("chair", "Mon 14/04/2025 09:30", "ct-tran-van-an")]


def test_a_downtime_ending_at_night_sends_the_escalation_in_the_next_morning_window(world):
    world.rules(OVERDUE, at(2025, 3, 1))
    world.plan(TASK.format(lead="Tư pháp", due="2025-03-14"), at(2025, 3, 1))
    rows = world.sweep(at(2025, 3, 20, 22))
    assert set(fired(rows)) == {("late", "Fri 21/03/2025 07:30", "tp-hoang-van-em"),
                                ("head", "Fri 21/03/2025 07:30", "ct-tran-van-an")}


def test_reminders_before_a_due_day_that_passed_are_skipped_with_the_reason(world):
    world.rules(REMINDERS + OVERDUE.replace("rules:\n", ""), at(2025, 3, 1))
    world.plan(TASK.format(lead="Tư pháp", due="2025-01-14"), at(2025, 3, 1))
    rows = [r for r in world.sweep(at(2025, 3, 3, 9)) if r["channel"] == "email"]
    skipped = sorted(r["rule_id"] for r in rows if r["status"] == "skipped")
    assert skipped == ["r0", "r1", "r3", "r7"]
    assert {r["reason"] for r in rows if r["status"] == "skipped"} == {
        "hạn đã qua, nhắc trước hạn không còn ý nghĩa (the due day has passed: a reminder before it is pointless)"}
    # Every level that applies now, once: the assignee, the unit head and the chairman.
    assert sorted((r["rule_id"], r["recipient"]) for r in rows if r["status"] == "pending") == [
        ("chair", "ct-tran-van-an"), ("head", "ct-tran-van-an"), ("late", "tp-hoang-van-em")]
    assert world.sweep(at(2025, 3, 4, 9)) == []


def test_done_work_gets_nothing_more(world):
    world.rules(OVERDUE, at(2025, 3, 1))
    ids = world.plan(TASK.format(lead="Tư pháp", due="2025-03-14"), at(2025, 3, 1))
    world.ok(at(2025, 3, 14, 16), "task", "done", ids["T"], "--by", "tp-hoang-van-em")
    assert world.timers() == []
    assert world.run_until(at(2025, 4, 30)) == []


def test_an_extension_moves_every_pending_trigger(world):
    world.rules(REMINDERS + OVERDUE.replace("rules:\n", ""), at(2025, 3, 1))
    ids = world.plan(TASK.format(lead="Tư pháp", due="2025-03-14"), at(2025, 3, 1))
    assert len(world.sweep(at(2025, 3, 7, 8))) == 1                      # r7 for 14/3
    world.ok(at(2025, 3, 10, 9), "task", "extend", ids["T"], "--to", "2025-03-28",
              "--by", "ct-tran-van-an", "--reason", "Chờ số liệu")
    got = fired(world.run_until(at(2025, 4, 4)))
    assert got[:4] == [("r7", "Fri 21/03/2025 07:30", "tp-hoang-van-em"),
                       ("r3", "Tue 25/03/2025 07:30", "tp-hoang-van-em"),
                       ("r1", "Thu 27/03/2025 07:30", "tp-hoang-van-em"),
                       ("r0", "Fri 28/03/2025 07:30", "tp-hoang-van-em")]
    assert ("late", "Mon 31/03/2025 07:30", "tp-hoang-van-em") in got
    assert not any(rule == "late" and "17/03" in when for rule, when, _ in got)


def test_an_acknowledgement_stops_the_next_level_but_not_the_assignee(world):
    world.rules(OVERDUE.replace("repeat: {every: 1 working day, max: 3}", "repeat: {every: 1 working day, max: 8}"),
                at(2025, 3, 1))
    ids = world.plan(TASK.format(lead="Phòng Kinh tế", due="2025-03-14"), at(2025, 3, 1))
    rows = world.run_until(at(2025, 3, 18, 9))
    assert ("head", "Tue 18/03/2025 07:30", "ct-tran-van-an") in fired(rows)
    # The Phòng Kinh tế head is the assignee, so the chairman is the level-1 target; a supervisor may ack too.
    refused = world.cli("--now", at(2025, 3, 18, 10).isoformat(), "task", "ack", ids["T"], "--by", "tc-vu-thi-giang")
    assert refused.code == 1 and "is not a target of any escalation" in refused.err
    world.ok(at(2025, 3, 18, 10), "task", "ack", ids["T"], "--by", "vp-le-thi-binh", "--note", "Đã nhắc")
    rows = world.run_until(at(2025, 3, 26, 17))
    statuses = {(r["rule_id"], r["status"]) for r in rows if r["channel"] == "email"}
    assert ("chair", "suppressed") in statuses and ("chair", "pending") not in statuses
    assert ("late", "pending") in statuses
    shown = world.cli("task", "show", ids["T"], "--json").json()
    ack = [e for e in shown["events"] if e["kind"] == "acknowledged"][0]
    assert ack["actor"] == "vp-le-thi-binh" and ack["data"]["level"] == 1 and ack["data"]["note"] == "Đã nhắc"


def test_an_acknowledgement_ends_when_the_due_day_changes(world):
    world.rules(OVERDUE, at(2025, 3, 1))
    ids = world.plan(TASK.format(lead="Tư pháp", due="2025-03-14"), at(2025, 3, 1))
    world.run_until(at(2025, 3, 18, 9))
    world.ok(at(2025, 3, 18, 10), "task", "ack", ids["T"], "--by", "ct-tran-van-an")
    world.ok(at(2025, 3, 18, 11), "task", "extend", ids["T"], "--to", "2025-03-19", "--by", "ct-tran-van-an",
              "--reason", "Thêm một ngày")
    rows = world.run_until(at(2025, 4, 30))
    assert ("chair", "pending") in {(r["rule_id"], r["status"]) for r in rows}


def test_changed_rules_recompute_timers_and_keep_what_was_created(world):
    world.rules(REMINDERS, at(2025, 3, 1))
    world.plan(TASK.format(lead="Tư pháp", due="2025-03-14"), at(2025, 3, 1))
    world.sweep(at(2025, 3, 7, 8))
    old_version = world.notifications()[0].ruleset_version
    world.rules(REMINDERS.replace("before_due: 3 working days", "before_due: 2 working days"), at(2025, 3, 7, 9))
    rows = world.run_until(at(2025, 3, 31))
    assert ("r3", "Wed 12/03/2025 07:30", "tp-hoang-van-em") in fired(rows)
    versions = [n.ruleset_version for n in world.notifications()]
    assert versions[0] == old_version and set(versions[1:]) == {versions[-1]} and versions[-1] != old_version
    assert len([n for n in world.notifications() if n.rule_id == "r7"]) == 1


def test_a_broken_rules_file_on_reload_keeps_the_running_rules(world):
    world.rules(REMINDERS, at(2025, 3, 1))
    world.plan(TASK.format(lead="Tư pháp", due="2025-03-14"), at(2025, 3, 1))
    timers_before = [(t.rule_id, t.fire_at) for t in world.timers()]
    (world.config_dir / "rules.yaml").write_text("rules:\n  - id: x\n    before_due: 3 ngay\n    notify: [assignee]\n",
                                                 encoding="utf-8")
    result = world.cli("--now", at(2025, 3, 2).isoformat(), "rules", "reload")
    assert result.code == 1
    assert "rules[0].before_due: không đọc được khoảng thời gian / '3 ngay' is not a duration" in result.err
    assert "the active rules stay" in result.err
    assert [(t.rule_id, t.fire_at) for t in world.timers()] == timers_before
    with transaction(world.engine) as s:
        assert active_ruleset(s).by_id.keys() == {"r7", "r3", "r1", "r0"}
        rejected = s.exec(select(Event).where(Event.kind == "rules_rejected")).one()
        assert "'3 ngay' is not a duration" in rejected.data["errors"][0]


def test_one_failing_task_is_pushed_forward_and_the_sweep_goes_on(world, monkeypatch):
    from rules.evaluate import Evaluator
    world.rules(OVERDUE, at(2025, 3, 1))
    ids = world.plan(TASK.format(lead="Tư pháp", due="2025-03-14")
                     + "  - {ref: U, title: Việc hai, lead: Phòng Kinh tế, due: 2025-03-14}\n", at(2025, 3, 1))
    real = Evaluator.recipients

    def broken(self, rule, task):   # fault injection: task T's data makes evaluation blow up
        if task.ref == "T":
            raise RuntimeError("bad data")
        return real(self, rule, task)

    monkeypatch.setattr(Evaluator, "recipients", broken)
    with transaction(world.engine) as s:
        result = handle_one_batch(s, evaluator(s, active_ruleset(s), world.cal), at(2025, 3, 17, 8))
    assert result.errors == 1 and {r["task_id"] for r in result.created} == {ids["U"]}
    stuck = [t for t in world.timers() if t.task_id == ids["T"] and t.rule_id == "late"][0]
    assert stuck.fire_at == at(2025, 3, 17, 9)


def test_nobody_to_tell_is_recorded_not_dropped(world):
    world.rules("rules:\n  - {id: x, on_due: true, notify: [support_units, assignee]}\n", at(2025, 3, 1))
    world.plan("  - {ref: N, title: Việc không ai chủ trì, due: 2025-03-14}\n", at(2025, 3, 1))
    rows = world.run_until(at(2025, 3, 31))
    # Nobody leads it: the admins are asked to have it assigned (README "Who"; tests/test_nobody_to_tell.py).
    assert sorted((r["recipient"], r["template"], r["status"]) for r in rows if r["channel"] == "email") == [
        ("tp-hoang-van-em", "needs_assignment", "pending"), ("vptk-pham-van-cuong", "needs_assignment", "pending")]


def test_a_new_task_catches_up_on_the_last_week_only(world):
    world.rules(REMINDERS, at(2025, 3, 1))
    # Imported on Wed 12/3 for a due day of Fri 14/3: r7 (7/3) and r3 (11/3) fall in the catch-up week.
    world.plan(TASK.format(lead="Tư pháp", due="2025-03-14"), at(2025, 3, 12, 9))
    rows = world.sweep(at(2025, 3, 12, 9))
    assert [(r["rule_id"], r["nominal_at"].astimezone(TZ).strftime("%a %d/%m"), r["status"]) for r in rows] == [
        ("r7", "Fri 07/03", "pending"), ("r3", "Tue 11/03", "pending")]
    assert fired(rows) == [("r7", "Wed 12/03/2025 09:30", "tp-hoang-van-em"),
                           ("r3", "Wed 12/03/2025 09:30", "tp-hoang-van-em")]
    world.plan(TASK.format(lead="Tư pháp", due="2025-03-14").replace("ref: T", "ref: OLD").replace(
        "2025-03-14", "2025-01-10"), at(2025, 3, 12, 9))
    world.sweep(at(2025, 3, 12, 9))
    # A task imported after its due day: its reminders are recorded as skipped, none is sent.
    old = [n for n in world.notifications() if n.task_id != rows[0]["task_id"]]
    assert sorted(n.rule_id for n in old) == ["r0", "r1", "r3", "r7"]
    assert {n.status for n in old} == {"skipped"}
