"""Webhook mode end to end: the emulator pushes updates to the real bot's aiohttp server,
which checks the secret token on every request and answers /healthz."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.db.users import UsersRepo
from bot.emulator import Emulator, Student
from tests.e2e.conftest import (
    POLLING,
    WEBHOOK,
    WEBHOOK_SECRET,
    RunningBot,
    agree,
    subprocess_env,
)
from tests.support import text_of

pytestmark = pytest.mark.parametrize("transport", [WEBHOOK])

STRANGER = 4242


def url_of(running: RunningBot, path: str | None = None) -> str:
    url = str(running.overrides["webhook_url"])
    return url if path is None else url.split("/telegram/")[0] + path


def start_update(user_id: int, update_id: int = 900_001) -> dict[str, Any]:
    """A /start from someone, as Telegram would send it."""
    person = {"id": user_id, "is_bot": False, "first_name": "Mallory", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Mallory"},
            "from": person,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_the_bot_sets_its_webhook_and_gets_pushed_updates(
    running: RunningBot, emu: Emulator, newcomer: Student
) -> None:
    assert running.app is not None
    (call,) = emu.calls_to("setWebhook")
    assert call.params["url"] == url_of(running)
    assert call.params["secret_token"] == WEBHOOK_SECRET
    assert sorted(call.params["allowed_updates"]) == sorted(
        running.app.dispatcher.resolve_used_update_types()
    )
    assert call.params.get("drop_pending_updates") in (None, False)

    assert text_of(await agree(newcomer)).startswith("Привет, Аня!")  # /start, then Agree
    assert emu.calls_to("getUpdates") == []
    await emu.wait_until(lambda: len(emu.deliveries) == 2)  # each answered once handled
    assert [d.status for d in emu.deliveries] == [200, 200]
    assert emu.pending_updates == []


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong-secret_0123456789"}],
    ids=["no-secret", "wrong-secret"],
)
async def test_a_request_without_the_right_secret_is_refused_and_not_handled(
    running: RunningBot, emu: Emulator, headers: dict[str, str]
) -> None:
    assert running.app is not None
    async with aiohttp.ClientSession() as http:
        async with http.post(url_of(running), json=start_update(STRANGER), headers=headers) as r:
            assert r.status == 401
        # The same update with the secret is handled: only the secret made the difference.
        right = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        await asyncio.sleep(0.2)
        assert emu.calls_to("sendMessage") == []
        async with http.post(url_of(running), json=start_update(STRANGER), headers=right) as r:
            assert r.status == 200
    # Handled before the request was answered: the notice went out (to a chat this
    # emulator never saw, so it refused it), and nothing is stored before consent.
    reply = emu.calls_to("sendMessage")[0]
    assert reply.params["chat_id"] == STRANGER
    assert "personal data" in reply.params["text"]
    assert await UsersRepo(running.app.db).get(STRANGER) is None


async def test_healthz_answers_while_the_database_does(running: RunningBot, tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    async with aiohttp.ClientSession() as http:
        async with http.get(url_of(running, "/healthz")) as r:
            assert (r.status, await r.text()) == (200, "ok\n")
        database.rename(tmp_path / "elsewhere.sqlite3")  # the volume is gone
        try:
            async with http.get(url_of(running, "/healthz")) as r:
                assert r.status == 503
                assert "bot.sqlite3 does not exist" in await r.text()
            assert await health_command(running) == (1, "unhealthy")
        finally:
            (tmp_path / "elsewhere.sqlite3").rename(database)
        async with http.get(url_of(running, "/healthz")) as r:
            assert r.status == 200
    assert await health_command(running) == (0, "ok")


async def test_healthz_fails_when_the_bots_own_connection_does(running: RunningBot) -> None:
    assert running.app is not None
    await running.app.reader.close()  # the reader is not used by the check: still healthy
    async with aiohttp.ClientSession() as http:
        async with http.get(url_of(running, "/healthz")) as r:
            assert r.status == 200
        await running.app.db.connection.close()
        async with http.get(url_of(running, "/healthz")) as r:
            assert r.status == 503
            assert (await r.text()).startswith("database: ")


async def health_command(running: RunningBot) -> tuple[int, str]:
    """`careerbot health` as Docker's HEALTHCHECK runs it, beside the running bot."""
    env = subprocess_env(**{name.upper(): str(value) for name, value in running.overrides.items()})
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "health", env=env, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return proc.returncode, out.decode().split(":", 1)[0]


async def test_stopping_keeps_the_webhook_and_polling_takes_over_what_waited(
    running: RunningBot, emu: Emulator, student: Student, tmp_path: Path
) -> None:
    await student.send("/start")
    await student.expect_message()
    await running.stop()
    assert emu.calls_to("deleteWebhook") == []
    assert emu.webhook is not None

    await student.send("/help")  # while the bot is down: Telegram keeps trying
    webhook = emu.webhook
    await emu.wait_until(lambda: webhook.last_error_message == "Connection refused")
    assert len(emu.pending_updates) == 1

    polling = RunningBot(emu, tmp_path, transport=POLLING)
    await polling.start()
    try:
        assert [c.params.get("drop_pending_updates") for c in emu.calls_to("deleteWebhook")] == [
            False
        ]
        assert emu.webhook is None
        assert "/start" in text_of(await student.expect_message())
    finally:
        await polling.stop()


async def test_a_busy_port_gives_one_clear_line(
    running: RunningBot, bot_process: Callable[..., Any], tmp_path: Path
) -> None:
    port = str(running.overrides["webhook_port"])
    process = bot_process(
        WEBHOOK_PORT=port,
        WEBHOOK_URL=f"http://127.0.0.1:{port}/other",
        DATABASE_PATH=str(tmp_path / "other.sqlite3"),  # a bot of its own, not a second one
    )
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(process.start(), 3)
    assert await process.wait() == 2
    assert f"WEBHOOK_HOST/WEBHOOK_PORT: cannot listen on 127.0.0.1:{port}" in process.text
    assert "Traceback" not in process.text
