"""Zalo webhook mode (`zalo.mode: webhook`): Zalo POSTs each update to dondoc instead of being asked.

Inside `dondoc run` a small aiohttp server of its own listens on `zalo.webhook_listen`
(127.0.0.1:8090 by default, behind a reverse proxy that serves the public `zalo.webhook_url`
over HTTPS) for `POST /zalo/webhook`. Once it listens, the engine calls `setWebhook {url,
secret_token}`; from then on Zalo refuses getUpdates, so polling and webhook never both run.

A POST is trusted only when its `X-Bot-Api-Secret-Token` equals `zalo.webhook_secret`
(compared in constant time): otherwise 403 and nothing is handled. A body that is not an update
is 400. A valid update is queued and answered 200 at once (Zalo retries an answer slower than
2 s, and each retry is one more duplicate); one worker handles the queue in arrival order through
the same path as polled updates (engine/chat/zalo/receive.py), whose check by message id in
`chat_update` makes a duplicate delivery do nothing. `dondoc run --once` receives nothing in this
mode: updates arrive only while the service runs.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from aiohttp import web

from engine.chat.zalo.receive import ZaloReceiver
from engine.infra.settings import ZaloSettings
from notifiers.base import NotifierError

log = logging.getLogger("dondoc.zalo")
PATH = "/zalo/webhook"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
MAX_BODY = 64 * 1024          # an update is a few hundred bytes
DRAIN_SECONDS = 30.0          # at a stop, how long the queued updates may still take


class ZaloWebhook:
    """The webhook server around a ZaloReceiver; `run` for the service, like the poller's."""

    def __init__(self, receiver: ZaloReceiver, settings: ZaloSettings):
        if settings.webhook_secret is None or settings.webhook_url is None:
            raise ValueError("zalo.webhook_secret and zalo.webhook_url are required in webhook mode")
        self.receiver = receiver
        self.url, (self.host, self.port) = settings.webhook_url, settings.listen
        self._secret = settings.webhook_secret.get_secret_value().encode()
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def poll_once(self) -> int:
        """`run --once`: nothing to fetch in webhook mode (Zalo posts only to the running service)."""
        return 0

    async def run(self, stop: asyncio.Event) -> None:
        """Listen, register the webhook with Zalo, handle posts until `stop`; errors never escape."""
        runner = web.AppRunner(self.app(), access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as exc:
            log.error("the Zalo webhook cannot listen on %s:%s (%s): no Zalo messages are received",
                      self.host, self.port, exc.strerror or exc)
            await runner.cleanup()
            await self.aclose()
            return
        log.info("Zalo webhook listening on %s:%s%s", self.host, self.port, PATH)
        worker = asyncio.create_task(self._work(), name="zalo-webhook-worker")
        try:
            await self._register(stop)
            await stop.wait()
        finally:
            await runner.cleanup()   # no new posts; the queued ones are still handled
            try:
                await asyncio.wait_for(self.queue.join(), DRAIN_SECONDS)
            except asyncio.TimeoutError:
                log.warning("%d Zalo update(s) left unhandled at stop", self.queue.qsize())
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
            await self.aclose()

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(PATH, self.receive)
        return app

    async def receive(self, request: web.Request) -> web.Response:
        """One POST from Zalo: check the secret, check the body, queue it, answer at once."""
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")   # odd bytes: just unequal
        if not hmac.compare_digest(given, self._secret):
            log.warning("a Zalo webhook POST with a wrong or missing secret was refused")
            return web.json_response({"ok": False, "description": "Forbidden"}, status=403)
        try:
            update = json.loads(await request.text())
        except (ValueError, UnicodeDecodeError):
            update = None
        if not is_update(update):
            return web.json_response({"ok": False, "description": "Bad Request: not an update"}, status=400)
        self.queue.put_nowait(update)
        return web.json_response({"ok": True})

    async def idle(self) -> None:
        """Wait until every update received so far is handled."""
        await self.queue.join()

    async def _work(self) -> None:
        while True:
            update = await self.queue.get()
            try:
                await self.receiver.handle_safely(update)
            finally:
                self.queue.task_done()

    async def _register(self, stop: asyncio.Event) -> None:
        """setWebhook; a temporary failure is tried again with a growing pause (at most 5 min)."""
        delay = 5.0
        while not stop.is_set():
            try:
                await self.receiver.client.call("setWebhook", url=self.url,
                                                secret_token=self._secret.decode())
                log.info("Zalo webhook set to %s", self.url)
                return
            except NotifierError as exc:
                if exc.permanent:
                    log.error("Zalo refused setWebhook (%s): no Zalo messages are received; "
                              "check zalo.webhook_url and the bot token", exc)
                    return
                log.warning("Zalo setWebhook failed (%s); retrying in %.0f s", exc, delay)
            try:
                await asyncio.wait_for(stop.wait(), delay)
            except asyncio.TimeoutError:
                delay = min(delay * 2, 300.0)

    async def aclose(self) -> None:
        await self.receiver.aclose()


def is_update(body: Any) -> bool:
    """The documented update shape: a message with an id and a chat, and an event name."""
    if not isinstance(body, dict) or not isinstance(body.get("event_name"), str):
        return False
    message = body.get("message")
    return (isinstance(message, dict) and bool(message.get("message_id"))
            and isinstance(message.get("chat"), dict) and bool(message["chat"].get("id")))
