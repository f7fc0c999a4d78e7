"""Webhook mode: Telegram pushes each update to the bot's own HTTP server (aiogram's
`SimpleRequestHandler` on aiohttp) instead of the bot polling for updates.

- Every request must carry WEBHOOK_SECRET in `X-Telegram-Bot-Api-Secret-Token`. aiogram
  compares it in constant time and answers 401 before reading the body otherwise, so a
  forged request is never handled.
- A request is answered once its update has been handled (`handle_in_background=False`).
  An update cut short by a crash or a kill is not acknowledged, and Telegram delivers it
  again to the restarted bot; at shutdown the listener closes first and the updates in
  flight finish, as in polling.
- `GET /healthz` answers 200 while the database answers, 503 with the reason otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.config import HEALTH_PATH

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[str | None]]
"""None when healthy, else what is wrong, in one line."""


class WebhookError(Exception):
    """Webhook mode cannot start: the message names the setting and says why, in one line."""


def web_application(
    dispatcher: Dispatcher, bot: Bot, *, path: str, secret: str, health: HealthCheck
) -> web.Application:
    """The aiohttp application: Telegram's requests on `path`, the health check on
    /healthz; its start-up and shutdown run the dispatcher's (aiogram's
    `setup_application`)."""
    app = web.Application()
    updates = SimpleRequestHandler(dispatcher, bot, handle_in_background=False, secret_token=secret)
    # The route only, not `updates.register()`: that would also close the bot's session
    # when the server shuts down, before the updates in flight and the delivery are done
    # with it. The App closes the session last.
    app.router.add_post(path, updates.handle)

    async def healthz(request: web.Request) -> web.Response:
        problem = await health()
        if problem is None:
            return web.Response(text="ok\n")
        log.warning("health check failed: %s", problem)
        return web.Response(status=503, text=f"{problem}\n")

    app.router.add_get(HEALTH_PATH, healthz)
    setup_application(app, dispatcher, bot=bot)
    return app


async def start_server(
    app: web.Application, host: str, port: int, *, close_timeout: float
) -> web.AppRunner:
    """Run the application's start-up (the dispatcher's), then listen on host:port.

    `runner.cleanup()` stops it: the listener closes, the dispatcher's shutdown lets the
    updates in flight finish, and connections still open get `close_timeout` seconds.
    """
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=close_timeout)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise WebhookError(
            f"WEBHOOK_HOST/WEBHOOK_PORT: cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from None
    return runner
