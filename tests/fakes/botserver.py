"""What the fake bot APIs (Telegram, Zalo) share: an aiohttp server on its own thread and loop,
listening on a free port, that routes `/bot<TOKEN>/<method>` to the subclass's `_handle`; the
recorded request; the JSON failure envelope both APIs use; reading parameters from the query
string, a form or a JSON body."""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass
class Request:
    method: str
    params: dict[str, Any]
    at: float          # the server's clock (time.monotonic() unless given another)
    token: str
    status: int = 0    # the HTTP status answered


def failure(code: int, description: str, parameters: dict[str, Any] | None = None) -> tuple[int, dict]:
    """`{"ok": false, "error_code", "description"[, "parameters"]}` with its HTTP status."""
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return code, body


async def form_params(request: web.Request) -> dict[str, Any]:
    """The request's parameters, wherever the client put them."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json" and request.can_read_body:
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
    elif request.can_read_body:
        params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    return params


class BotServer:
    """Start/stop and the context manager; subclasses set `host`, `port`, `thread_name` and
    implement `async _handle(request)`."""

    thread_name = "fake-bot-api"
    host: str
    port: int

    def start(self):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._serve(sock))
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name=self.thread_name, daemon=True)
        self._thread.start()
        if not ready.wait(5):
            raise RuntimeError(f"{self.thread_name} did not start")
        return self

    async def _serve(self, sock: socket.socket) -> None:
        self._new_update = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    def stop(self) -> None:
        if getattr(self, "_loop", None) is None or getattr(self, "_thread", None) is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()
        self._loop = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
