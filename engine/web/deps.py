"""Request dependencies: the application context and one database session per request.

Handlers and other dependencies take the session as `session: SessionDep`, the one Depends
object, so a request has one session and one transaction, committed before the response goes.
"""

from __future__ import annotations

from typing import Annotated, Iterator

from fastapi import Depends, Request
from sqlmodel import Session

from engine.context import AppContext
from engine.infra.db import transaction


def get_ctx(request: Request) -> AppContext:
    """The AppContext the app was built with (its clock, settings, database)."""
    return request.app.state.ctx


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back if it raises."""
    with transaction(get_ctx(request).engine) as session:
        yield session


CtxDep = Annotated[AppContext, Depends(get_ctx)]
# scope="function": the transaction ends (commits) before the response is sent.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
