"""The `dondoc` command: the app, shared options and helpers. Commands live in sibling modules."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from typing import Any, Iterable, NoReturn, Optional

import typer
from rich.console import Console
from sqlmodel import Session

from engine.context import AppContext
from engine.infra import logs
from engine.infra.errors import DondocError
from engine.core.models import Task

app = typer.Typer(help="dondoc: đôn đốc thực hiện kế hoạch CCHC (reminders for commune plans).",
                  no_args_is_help=True, add_completion=False)
org_app = typer.Typer(help="Đơn vị và cán bộ (units and people: config/org.yaml).", no_args_is_help=True)
plan_app = typer.Typer(help="Kế hoạch (plans): import and list.", no_args_is_help=True)
task_app = typer.Typer(help="Một nhiệm vụ (one task): show it, act on it.", no_args_is_help=True)
deadline_app = typer.Typer(help="Thời hạn (deadline phrases).", no_args_is_help=True)
rules_app = typer.Typer(help="Quy tắc nhắc việc (reminder and escalation rules: config/rules.yaml).",
                        no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(plan_app, name="plan")
app.add_typer(task_app, name="task")
app.add_typer(deadline_app, name="deadline")
app.add_typer(rules_app, name="rules")
outbox_app = typer.Typer(help="Hộp thư đi (the outbox: notifications and their delivery).",
                         invoke_without_command=True)
app.add_typer(outbox_app, name="outbox")
web_app = typer.Typer(help="Trang web (the web page: serve it, login links, sign-outs).")
app.add_typer(web_app, name="web")

out = Console(highlight=False, width=max(Console().width, 120))
err = Console(stderr=True, highlight=False, width=max(Console().width, 120))
JsonOpt = typer.Option(False, "--json", help="Machine-readable output (shape in README).")


def ctx_of(ctx: typer.Context) -> AppContext:
    return ctx.find_root().obj


def emit(data: Any) -> None:
    """Machine-readable output; secrets masked like everywhere else (in the values, so the JSON stays JSON)."""
    sys.stdout.write(json.dumps(logs.redact_data(data), ensure_ascii=False, indent=2) + "\n")


def parse_moment(value: Optional[str], option: str = "--now") -> Optional[datetime]:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise DondocError(f"{option} {value!r}: không phải thời điểm ISO / is not an ISO timestamp "
                          "(e.g. 2025-10-01T08:00+07:00)") from None


def sync_task_timers(c: AppContext, session: Session, tasks: Iterable[Task] | None) -> None:
    """Recompute the timers of changed tasks (None: of every task) with the active rules, if any."""
    from engine.reminders.rulestore import sync_with_active_rules

    sync_with_active_rules(session, c.calendar, tasks, c.now())


@app.callback()
def _root(ctx: typer.Context,
          now: Optional[str] = typer.Option(None, "--now", help="Pretend it is this moment (ISO); "
                                            "overrides DONDOC_NOW."),
          debug: bool = typer.Option(False, "--debug", envvar="DONDOC_DEBUG",
                                     help="Log everything, with tracebacks (secrets stay masked).")) -> None:
    logs.configure(debug=debug)
    ctx.obj = AppContext(now=parse_moment(now))


def main() -> None:
    """Console entry point: every failure is one line on stderr and exit code 1, never a traceback.

    A command given --json also prints {"ok": false, "error": ...} on stdout, so a script reading
    it always gets JSON.
    """
    try:
        code = app(standalone_mode=False, prog_name="dondoc")
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(130)
    except typer.TyperException as exc:
        # `dondoc plan` alone shows its help; typer itself recognises this error by name.
        if type(exc).__name__ == "NoArgsIsHelpError":
            exc.show()
            sys.exit(2)
        _fail(_usage(exc))
    except DondocError as exc:
        _fail(str(exc))
    except Exception as exc:   # a bug or an unforeseen environment: one line, traceback at DEBUG
        _fail(_unexpected(exc))
    finally:
        logs.reset()
    sys.exit(code if isinstance(code, int) else 0)


def _usage(exc: typer.TyperException) -> str:
    where = getattr(getattr(exc, "ctx", None), "command_path", "dondoc")
    return (f"sai cách dùng lệnh / usage error: {exc.format_message()} "
            f"(xem / see `{where} --help`)")


def _unexpected(exc: BaseException) -> str:
    logging.getLogger("dondoc").debug("unexpected error", exc_info=exc)
    detail = " ".join(str(exc).split()) or "—"
    return (f"lỗi ngoài dự kiến / unexpected error: {type(exc).__name__}: {detail} "
            "(chạy lại với --debug để xem chi tiết / run again with --debug for details)")


def _fail(message: str) -> NoReturn:
    message = logs.redact(message)
    if "--json" in sys.argv[1:]:
        emit({"ok": False, "error": message})
    sys.stderr.write(f"dondoc: {message}\n")
    sys.exit(1)
