"""The `dondoc` command: the app, shared options and helpers. Commands live in sibling modules."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any, Iterable, Optional

import typer
from rich.console import Console
from sqlmodel import Session

from engine.context import AppContext
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

out = Console(highlight=False, width=max(Console().width, 120))
err = Console(stderr=True, highlight=False, width=max(Console().width, 120))
JsonOpt = typer.Option(False, "--json", help="Machine-readable output (shape in README).")


def ctx_of(ctx: typer.Context) -> AppContext:
    return ctx.find_root().obj


def emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def parse_moment(value: Optional[str], option: str = "--now") -> Optional[datetime]:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO timestamp (e.g. 2025-10-01T08:00+07:00)",
                                 param_hint=option)


def sync_task_timers(c: AppContext, session: Session, tasks: Iterable[Task] | None) -> None:
    """Recompute the timers of changed tasks (None: of every task) with the active rules, if any."""
    from engine.reminders.rulestore import sync_with_active_rules

    sync_with_active_rules(session, c.calendar, tasks, c.now())


@app.callback()
def _root(ctx: typer.Context,
          now: Optional[str] = typer.Option(None, "--now", help="Pretend it is this moment (ISO); "
                                            "overrides DONDOC_NOW.")) -> None:
    ctx.obj = AppContext(now=parse_moment(now))



def main() -> None:
    """Console entry point: user errors become a message and exit code 1, never a traceback."""
    try:
        code = app(standalone_mode=False)
    except DondocError as exc:
        sys.stderr.write(f"dondoc: {exc}\n")
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(130)
    except typer.TyperException as exc:
        if not hasattr(exc, "show"):
            raise
        exc.show()   # usage errors: typer's own message and exit code 2
        sys.exit(getattr(exc, "exit_code", 2))
    sys.exit(code if isinstance(code, int) else 0)
