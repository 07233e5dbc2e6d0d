"""The admin pages, each over the engine functions the CLI uses:

    /rules      the active rules; edit, check (file:line messages), simulate a period, activate
    /people     people, contacts, linked or broken channels; a test message; chat invite codes
    /delivery   the outbox by status, failed and broken contacts; retry
"""

from __future__ import annotations

import tempfile
from datetime import datetime, time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, func, select

from engine.core.models import Notification, Person, RuleSetRecord, Task, TelegramLink, Unit
from engine.core.vocabulary import CHAT_APPS, NotificationStatus
from engine.delivery.dispatch import requeue_failed
from engine.infra.errors import DondocError, FileError, FileErrors
from engine.web.auth import PersonDep
from engine.web.deps import CtxDep, SessionDep
from engine.web.pages.plans import require_admin
from engine.web.pages.task_page import flash
from engine.web.templating import templates

router = APIRouter()
PROBLEMS = (NotificationStatus.FAILED, NotificationStatus.NO_CONTACT, NotificationStatus.NO_RECIPIENT,
            NotificationStatus.NOT_CONFIGURED)
SIMULATION_ROWS = 300


# -- rules ------------------------------------------------------------------------------------

def _check(ctx, text: str):
    """(rule set, []) when `text` is a valid rules file, else (None, its problems with file:line)."""
    from engine.reminders.rulestore import read_rules, rules_file

    folder = Path(ctx.settings.config_dir)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", prefix="rules.web-", dir=folder, encoding="utf-8",
                                     delete=False) as draft:
        draft.write(text)
    path = Path(draft.name)
    try:
        rs = read_rules(ctx.settings, path)
    except (FileErrors, FileError) as exc:
        errors = [str(e) for e in exc.errors] if isinstance(exc, FileErrors) else [str(exc)]
        return None, [e.replace(str(path), rules_file(ctx.settings).name) for e in errors]
    finally:
        path.unlink(missing_ok=True)
    return rs, []


def _rules_page(request: Request, session: Session, ctx, text: str | None = None, **extra: Any) -> HTMLResponse:
    from engine.reminders.rulestore import rules_file

    active = session.exec(select(RuleSetRecord).where(RuleSetRecord.active == True)).first()  # noqa: E712
    if text is None:
        path = rules_file(ctx.settings)
        text = path.read_text(encoding="utf-8") if path.exists() else (active.text if active else "")
    today = ctx.today()
    return templates.TemplateResponse(request, "pages/rules.html", {
        "active": active, "text": text, "tz": ctx.settings.tz, "message": flash(request), "nav": "rules",
        "start": extra.pop("start", today.isoformat()), "end": extra.pop("end", today.isoformat()), **extra})


@router.get("/rules", response_class=HTMLResponse, name="rules")
def rules_page(request: Request, session: SessionDep, ctx: CtxDep, person: PersonDep) -> HTMLResponse:
    require_admin(person)
    return _rules_page(request, session, ctx)


@router.post("/rules", response_class=HTMLResponse, name="rules_post")
def rules_post(request: Request, session: SessionDep, ctx: CtxDep, person: PersonDep,
               text: Annotated[str, Form()], do: Annotated[str, Form()] = "check",
               start: Annotated[str, Form()] = "", end: Annotated[str, Form()] = "") -> Response:
    """check | simulate | activate the text of the text area."""
    from engine.reminders.rulestore import reload_rules, rules_file

    require_admin(person)
    text = text.replace("\r\n", "\n")
    rs, errors = _check(ctx, text)
    extra: dict[str, Any] = {"errors": errors, "checked": rs, "start": start, "end": end}
    if rs is None or do == "check":
        return _rules_page(request, session, ctx, text, **extra)
    if do == "simulate":
        extra["simulation"] = _simulate(session, ctx, rs, start, end)
        return _rules_page(request, session, ctx, text, **extra)
    path = rules_file(ctx.settings)
    path.write_text(text, encoding="utf-8")
    result = reload_rules(session, ctx.settings, ctx.calendar, ctx.now())
    if not result.ok:
        return _rules_page(request, session, ctx, text, **{**extra, "errors": result.errors})
    note = (f"Đã áp dụng quy tắc {result.ruleset.version}: {len(result.ruleset.rules)} quy tắc."
            if result.changed else f"Quy tắc không đổi ({result.ruleset.version}).")
    return RedirectResponse("/rules?" + urlencode({"ok": note}), status_code=303)


def _simulate(session: Session, ctx, rs, start: str, end: str) -> dict[str, Any]:
    from engine.reminders.simulate import simulate

    tz = ctx.settings.tz
    try:
        first = datetime.combine(datetime.fromisoformat(start).date(), time(0), tz)
        last = datetime.combine(datetime.fromisoformat(end).date(), time(23, 59, 59), tz)
    except ValueError:
        raise DondocError("Chọn ngày bắt đầu và ngày kết thúc để chạy thử. (Pick the period to simulate.)") from None
    if last < first or (last - first).days > 366:
        raise DondocError("Khoảng chạy thử phải từ 1 ngày đến 1 năm. (Simulate one day to one year.)")
    session.commit()   # the simulation reads a copy of the database
    rows = simulate(ctx.engine, rs, ctx.calendar, first, last, None)
    return {"rows": rows[:SIMULATION_ROWS], "total": len(rows), "first": first, "last": last}


# -- people -----------------------------------------------------------------------------------

def _links(session: Session) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for link in session.exec(select(TelegramLink).where(TelegramLink.unlinked_at == None)):  # noqa: E711
        out.setdefault(link.person_id, set()).add(link.channel or "telegram")
    return out


@router.get("/people", response_class=HTMLResponse, name="people")
def people_page(request: Request, session: SessionDep, ctx: CtxDep, person: PersonDep) -> HTMLResponse:
    require_admin(person)
    units = {u.id: u for u in session.exec(select(Unit))}
    people = sorted(session.exec(select(Person)).all(), key=lambda p: (not p.active, p.name))
    linked = _links(session)
    rows = []
    for p in people:
        channels = []
        for channel in ("email", "telegram", "zalo"):
            contact, broken = getattr(p, channel), getattr(p, f"{channel}_broken")
            state = "broken" if broken else ("linked" if channel in linked.get(p.id, set()) or contact else "none")
            channels.append({"channel": channel, "contact": contact, "state": state, "broken": broken})
        rows.append({"person": p, "unit": units.get(p.unit_id), "channels": channels})
    return templates.TemplateResponse(request, "pages/people.html", {
        "rows": rows, "message": flash(request), "invite": request.query_params.get("invite"), "nav": "people",
        "chat_apps": [c.value for c in CHAT_APPS]})


@router.post("/people/{code}/invite", name="people_invite")
def people_invite(code: str, session: SessionDep, ctx: CtxDep, person: PersonDep,
                  channel: Annotated[str, Form()] = "telegram") -> RedirectResponse:
    """A one-time chat link code (`dondoc people invite`)."""
    from engine.chat.linking import create_invite
    from engine.core.queries import find_person

    require_admin(person)
    if channel not in CHAT_APPS:
        raise DondocError(f"Không có kênh chat {channel!r}. (Unknown chat app.)")
    invite = create_invite(session, find_person(session, code), ctx.now(), ctx.settings.telegram_bot_username,
                           channel=channel)
    expires = invite.expires_at.astimezone(ctx.settings.tz)
    shown = invite.link if channel == "telegram" else invite.code
    text = (f"Mã liên kết {channel.capitalize()} cho {invite.person.name}: {shown} (dùng một lần, hết hạn "
            f"{expires:%H:%M %d/%m/%Y})")
    return RedirectResponse("/people?" + urlencode({"ok": text}), status_code=303)


@router.post("/people/{code}/test", name="people_test")
async def people_test(code: str, session: SessionDep, ctx: CtxDep, person: PersonDep,
                      channel: Annotated[str, Form()]) -> RedirectResponse:
    """Send a test message on one of the person's channels, now."""
    from engine.core.queries import find_person
    from notifiers.base import Message, NotifierError, Recipient
    from notifiers.registry import build_notifiers

    require_admin(person)
    target = find_person(session, code)
    notifiers = build_notifiers(ctx.settings)
    notifier = notifiers.get(channel)
    try:
        if notifier is None:
            raise NotifierError(f"kênh {channel} chưa được cấu hình trên máy chủ này (channel not configured)")
        text = f"Tin thử của dondoc gửi đồng chí {target.name} ({ctx.now():%d/%m/%Y %H:%M}). Không cần trả lời."
        recipient = Recipient(target.code, target.name, target.email, target.telegram, target.locale, target.zalo)
        await notifier.send(Message(key=f"test-{target.code}-{ctx.now().timestamp():.0f}", notification_ids=(),
                                    channel=channel, recipient=recipient, subject="Tin thử dondoc", text=text,
                                    html=text))
        outcome = {"ok": f"Đã gửi tin thử tới {target.name} qua {channel}."}
    except NotifierError as exc:
        outcome = {"error": f"Không gửi được tin thử tới {target.name} qua {channel}: {exc}"}
    finally:
        for item in {id(n): n for n in notifiers.values()}.values():
            await item.aclose()
    return RedirectResponse("/people?" + urlencode(outcome), status_code=303)


# -- delivery ---------------------------------------------------------------------------------

@router.get("/delivery", response_class=HTMLResponse, name="delivery")
def delivery_page(request: Request, session: SessionDep, ctx: CtxDep, person: PersonDep,
                  status: str | None = None) -> HTMLResponse:
    require_admin(person)
    counts = dict(session.exec(select(Notification.status, func.count()).group_by(Notification.status)).all())
    wanted = [status] if NotificationStatus.has(status) else list(PROBLEMS)
    rows = session.exec(select(Notification, Task).join(Task, Task.id == Notification.task_id)
                        .where(Notification.status.in_(wanted)).order_by(Notification.id.desc()).limit(200)).all()
    broken = [p for p in session.exec(select(Person).where(Person.active == True))  # noqa: E712
              if p.email_broken or p.telegram_broken or p.zalo_broken]
    return templates.TemplateResponse(request, "pages/delivery.html", {
        "counts": counts, "rows": rows, "status": status if NotificationStatus.has(status) else None,
        "broken": broken, "tz": ctx.settings.tz, "message": flash(request), "nav": "delivery",
        "statuses": list(NotificationStatus)})


@router.post("/delivery/retry", name="delivery_retry")
def delivery_retry(session: SessionDep, ctx: CtxDep, person: PersonDep,
                   ids: Annotated[list[int], Form()] = ()) -> RedirectResponse:
    """Put failed notifications back in the queue, like `dondoc outbox retry` (none ticked: every failed one)."""
    require_admin(person)
    rows = requeue_failed(session, ctx.now(), ids)
    return RedirectResponse("/delivery?" + urlencode({"ok": f"Đã đưa lại vào hàng đợi {len(rows)} tin."}),
                            status_code=303)
