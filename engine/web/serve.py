"""Serving the page with uvicorn, alone (`dondoc web`) or beside the engine (`dondoc run --web`).

The process's own signal handlers (engine.daemon.install_signal_handlers) set one stop event;
uvicorn's are switched off so that one SIGTERM stops the engine and the page together.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import uvicorn

from engine.context import AppContext

log = logging.getLogger("dondoc")


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the caller's stop event ends it."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


def server(ctx: AppContext, host: str, port: int) -> uvicorn.Server:
    from engine.web.app import create_app

    config = uvicorn.Config(create_app(ctx), host=host, port=port, log_config=None, access_log=False,
                            proxy_headers=True, forwarded_allow_ips="127.0.0.1", lifespan="off")
    return _Server(config)


async def serve_web(ctx: AppContext, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve until `stop` is set; requests in flight finish first."""
    web = server(ctx, host, port)

    async def watch() -> None:
        await stop.wait()
        web.should_exit = True

    watcher = asyncio.create_task(watch(), name="web-stop")
    try:
        await web.serve()
    finally:
        watcher.cancel()
        if not stop.is_set() and not web.started:
            log.error("the web page could not start on %s:%d", host, port)
