"""The HTML pages: `router` combines the dashboard, the task list and page, the inbox and the
admin pages. Actions (forms) post to engine.web.actions; these routers only read, except the
inbox's bulk acknowledgement and the admin pages' own forms."""

from fastapi import APIRouter

from engine.web.pages import admin, dashboard, inbox, plans, tasks
from engine.core.workflow import STATE_SHORT
from engine.web.pages.common import filters
from engine.web.templating import templates

templates.env.filters.update(filters())
templates.env.globals["state_short"] = STATE_SHORT

router = APIRouter()
for module in (dashboard, tasks, inbox, plans, admin):
    router.include_router(module.router)
