from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from engine.core.calendar import WorkCalendar
from engine.infra.db import init_db, make_engine, transaction
from engine.infra.errors import WorkflowError
from engine.core.models import Person, Plan, Task
from engine.core.workflow import Actor, classify, extend, transition

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar()
T0 = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)


def local(y, m, d, h=9):
    return datetime(y, m, d, h, tzinfo=TZ)


@pytest.fixture
def setup(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'wf.db'}")
    init_db(engine)
    with transaction(engine) as s:
        plan = Plan(key="k", title="Kế hoạch", issuer="UBND xã", year=2025, period_start=date(2025, 1, 1),
                    period_end=date(2025, 12, 31), file_path="p.yaml", file_sha256="x", imported_at=T0)
        person = Person(code="tp", name="Hoàng Văn Em", roles=["officer"])
        s.add(plan), s.add(person)
        s.flush()
        task = Task(plan_id=plan.id, ref="1", title="Việc", due=date(2025, 3, 14), due_planned=date(2025, 3, 14),
                    due_kind="date", created_at=T0, updated_at=T0)
        s.add(task)
    return engine, task.id, person.id


def test_a_task_goes_from_open_to_in_progress_to_done_with_an_event_each(setup):
    engine, task_id, person_id = setup
    with transaction(engine) as s:
        task, actor = s.get(Task, task_id), Actor.of(s.get(Person, person_id))
        started = transition(s, task, "in_progress", actor, local(2025, 3, 4))
        done = transition(s, task, "done", actor, local(2025, 3, 10), note="Đã trình ký")
        assert task.status == "done" and task.done_at == local(2025, 3, 10)
        assert (started.kind, done.kind) == ("started", "done")
        assert done.data == {"from": "in_progress", "to": "done", "note": "Đã trình ký"}
        assert done.actor == "tp" and done.channel == "cli" and done.actor_id == person_id


@pytest.mark.parametrize("path, refused, message", [
    (["done"], "cancelled", "task {id} (1) is done; it can move to in_progress, not cancelled"),
    (["cancelled"], "done", "task {id} (1) is cancelled; it can move to open, not done"),
    ([], "open", "task {id} (1) is already open"),
    (["in_progress"], "in_progress", "task {id} (1) is already in_progress"),
])
def test_a_move_the_status_does_not_allow_is_refused(setup, path, refused, message):
    engine, task_id, person_id = setup
    with transaction(engine) as s:
        task, actor = s.get(Task, task_id), Actor.of(s.get(Person, person_id))
        for step in path:
            transition(s, task, step, actor, local(2025, 3, 4))
        with pytest.raises(WorkflowError) as err:
            transition(s, task, refused, actor, local(2025, 3, 5))
        assert str(err.value) == message.format(id=task_id)


def test_reopening_a_done_task_clears_done_at(setup):
    engine, task_id, person_id = setup
    with transaction(engine) as s:
        task, actor = s.get(Task, task_id), Actor.of(s.get(Person, person_id))
        transition(s, task, "done", actor, local(2025, 3, 4))
        event = transition(s, task, "in_progress", actor, local(2025, 3, 5))
        assert event.kind == "reopened" and task.done_at is None


def test_an_extension_keeps_the_old_and_new_due_days(setup):
    engine, task_id, person_id = setup
    with transaction(engine) as s:
        task, actor = s.get(Task, task_id), Actor.of(s.get(Person, person_id))
        event = extend(s, task, date(2025, 3, 31), actor, local(2025, 3, 12), "Chờ số liệu", calendar=CAL)
        assert task.due == date(2025, 3, 31) and task.due_planned == date(2025, 3, 14)
        assert event.kind == "extended"
        assert event.data == {"old_due": "2025-03-14", "new_due": "2025-03-31", "reason": "Chờ số liệu"}


@pytest.mark.parametrize("new_due, reason, message", [
    (date(2025, 3, 10), "x", "hạn mới 10/03/2025 không sau hạn hiện tại 14/03/2025 "
                             "(the new due day 2025-03-10 is not after the current one 2025-03-14)"),
    (date(2025, 3, 31), "  ", "gia hạn cần có lý do (an extension needs a reason)"),
    (date(2025, 3, 22), "x", "Ngày 22/03/2025 là Thứ Bảy, không phải ngày làm việc; ngày làm việc kế tiếp: "
                             "Thứ Hai, 24/03/2025 (22/03/2025 is not a working day; next working day: "
                             "Monday, 24/03/2025)"),
    (date(2025, 3, 23), "x", "Ngày 23/03/2025 là Chủ Nhật, không phải ngày làm việc; ngày làm việc kế tiếp: "
                             "Thứ Hai, 24/03/2025 (23/03/2025 is not a working day; next working day: "
                             "Monday, 24/03/2025)"),
    # 30/4-2/5/2025 are days off in a row: the next working day is Monday 5/5.
    (date(2025, 4, 30), "x", "Ngày 30/04/2025 là Thứ Tư, nghỉ lễ (Ngày Chiến thắng), không phải ngày làm việc; "
                             "ngày làm việc kế tiếp: Thứ Hai, 05/05/2025 (30/04/2025 is not a working day; "
                             "next working day: Monday, 05/05/2025)"),
])
def test_a_bad_extension_is_refused_and_the_task_keeps_its_due_day(setup, new_due, reason, message):
    engine, task_id, person_id = setup
    with transaction(engine) as s:
        task, actor = s.get(Task, task_id), Actor.of(s.get(Person, person_id))
        with pytest.raises(WorkflowError) as err:
            extend(s, task, new_due, actor, local(2025, 3, 12), reason, calendar=CAL)
        assert str(err.value) == message
        assert task.due == date(2025, 3, 14)


def test_an_extension_to_a_worked_saturday_is_granted(setup):
    # Saturday 26/4/2025 was worked in exchange for Friday 2/5.
    engine, task_id, person_id = setup
    with transaction(engine) as s:
        task, actor = s.get(Task, task_id), Actor.of(s.get(Person, person_id))
        extend(s, task, date(2025, 4, 26), actor, local(2025, 3, 12), "Chờ số liệu", calendar=CAL)
        assert task.due == date(2025, 4, 26)


def test_a_configured_day_off_is_refused_too(setup):
    engine, task_id, person_id = setup
    calendar = WorkCalendar(extra_holidays=[date(2025, 3, 31)])
    with transaction(engine) as s:
        task, actor = s.get(Task, task_id), Actor.of(s.get(Person, person_id))
        with pytest.raises(WorkflowError) as err:
            extend(s, task, date(2025, 3, 31), actor, local(2025, 3, 12), "x", calendar=calendar)
        assert str(err.value).startswith("Ngày 31/03/2025 là Thứ Hai, nghỉ lễ (Ngày nghỉ bổ sung (cấu hình)), "
                                         "không phải ngày làm việc; ngày làm việc kế tiếp: Thứ Ba, 01/04/2025")


def test_the_cli_refuses_an_extension_to_a_weekend_and_names_the_next_working_day(loaded):
    task = next(t for t in loaded("tasks", "--json").json() if t["ref"] == "BC-TPHT")
    result = loaded("--now", "2025-10-02T08:00+07:00", "task", "extend", task["id"], "--to", "2025-10-18",
                    "--by", "ct-tran-van-an", "--reason", "Chờ số liệu quý III")
    assert result.code == 1
    assert ("Ngày 18/10/2025 là Thứ Bảy, không phải ngày làm việc; ngày làm việc kế tiếp: Thứ Hai, 20/10/2025 "
            "(18/10/2025 is not a working day; next working day: Monday, 20/10/2025)") in " ".join(result.err.split())
    assert "Traceback" not in result.err + result.out
    shown = loaded("task", "show", task["id"], "--json").json()
    assert shown["due"] == "2025-10-14" and [e["kind"] for e in shown["events"]] == ["created"]
    granted = loaded("--now", "2025-10-02T08:00+07:00", "task", "extend", task["id"], "--to", "2025-10-20",
                     "--by", "ct-tran-van-an", "--reason", "Chờ số liệu quý III")
    assert granted.code == 0 and loaded("task", "show", task["id"], "--json").json()["due"] == "2025-10-20"


def _task(status="open", due=date(2025, 3, 14), done_at=None):
    return Task(plan_id=1, ref="x", title="x", status=status, due=due, done_at=done_at,
                created_at=T0, updated_at=T0)


@pytest.mark.parametrize("task, today, state, soon", [
    (_task(), date(2025, 3, 3), "open_in_time", False),            # 9 working days left
    (_task(), date(2025, 3, 11), "open_in_time", True),            # Wed..Fri: 3 working days
    (_task(), date(2025, 3, 10), "open_in_time", False),           # 4 working days
    (_task(), date(2025, 3, 14), "open_in_time", True),            # due today is still in time
    (_task(), date(2025, 3, 15), "open_overdue", False),
    (_task("in_progress"), date(2025, 3, 17), "open_overdue", False),
    (_task("done", done_at=local(2025, 3, 14, 16)), date(2025, 4, 1), "done_on_time", False),
    # done at 00:30 local on the 15th is 17:30 UTC on the 14th: still late, judged in local time
    (_task("done", done_at=local(2025, 3, 15, 0).replace(minute=30)), date(2025, 4, 1), "done_late", False),
    (_task(due=None), date(2025, 3, 3), "no_deadline", False),
    (_task("done", due=None, done_at=local(2025, 3, 1)), date(2025, 3, 3), "done_on_time", False),
    (_task("cancelled"), date(2025, 3, 20), None, False),
])
def test_the_reporting_classification(task, today, state, soon):
    c = classify(task, today, CAL, TZ, 3)
    assert (c.state, c.due_soon) == (state, soon)


def test_due_soon_counts_working_days_so_tet_does_not_count():
    # Due Wed 5/2/2025, the first days after Tết (27/1-31/1 off): from Fri 24/1 that is 3 working days.
    task = _task(due=date(2025, 2, 5))
    assert classify(task, date(2025, 1, 24), CAL, TZ, 3).due_soon is True
    assert classify(task, date(2025, 1, 23), CAL, TZ, 3).due_soon is False
