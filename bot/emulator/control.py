"""HTTP mirror of the Python control API under ``/_emulator/``, for drivers in another process.

Bodies and answers are JSON; answers use the Bot API envelope (``ok``/``result`` or
``ok: false``/``description``) so one client helper can read both APIs.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.emulator.errors import EmulatorError
from bot.emulator.models import Fault

if TYPE_CHECKING:
    from bot.emulator.emulator import Emulator

PREFIX = "/_emulator"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ControlError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


async def _args(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.body_exists:
        try:
            body = json.loads(await request.text())
        except ValueError as exc:
            raise ControlError(400, "the body must be a JSON object") from exc
        if not isinstance(body, dict):
            raise ControlError(400, "the body must be a JSON object")
        args.update(body)
    return args


def _int(args: dict[str, Any], name: str, default: int | None = None) -> int:
    value = args.get(name, default)
    if value is None:
        raise ControlError(400, f"{name} is required")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ControlError(400, f"{name} must be an integer") from None


def _float(args: dict[str, Any], name: str, default: float) -> float:
    try:
        return float(args.get(name, default))
    except (TypeError, ValueError):
        raise ControlError(400, f"{name} must be a number") from None


def _opt_str(args: dict[str, Any], name: str) -> str | None:
    value = args.get(name)
    return None if value is None else str(value)


def install_control(app: web.Application, emu: Emulator) -> None:
    """Register the ``/_emulator/...`` routes for ``emu`` on ``app``."""

    def guarded(handler: Handler) -> Handler:
        async def wrapper(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except ControlError as exc:
                status, description = exc.status, exc.description
            except TimeoutError as exc:
                status, description = 408, str(exc)
            except (EmulatorError, ValueError) as exc:
                status, description = 400, str(exc)
            return web.json_response(
                {"ok": False, "error_code": status, "description": description}, status=status
            )

        return wrapper

    async def info(request: web.Request) -> web.StreamResponse:
        return _ok({"base_url": emu.base_url, "bot": emu.bot_user, "token": emu.token})

    async def send_text(request: web.Request) -> web.StreamResponse:
        args = await _args(request)
        text = args.get("text")
        if not isinstance(text, str):
            raise ControlError(400, "text is required")
        message = await emu.send_text(
            _int(args, "user_id"),
            text,
            first_name=_opt_str(args, "first_name"),
            last_name=_opt_str(args, "last_name"),
            username=_opt_str(args, "username"),
            language_code=_opt_str(args, "language_code"),
        )
        return _ok(message.to_dict())

    async def press(request: web.Request) -> web.StreamResponse:
        args = await _args(request)
        data = args.get("callback_data")
        if not isinstance(data, str):
            raise ControlError(400, "callback_data is required")
        query_id = await emu.press(_int(args, "user_id"), _int(args, "message_id"), data)
        return _ok({"query_id": query_id})

    async def callback_answer(request: web.Request) -> web.StreamResponse:
        args = await _args(request)
        query_id = _opt_str(args, "query_id")
        if query_id is None:
            raise ControlError(400, "query_id is required")
        answer = await emu.wait_callback_answer(query_id, _float(args, "timeout", 5.0))
        return _ok(answer)

    async def messages(request: web.Request) -> web.StreamResponse:
        args = await _args(request)
        chat_id = _int(args, "chat_id")
        every = str(args.get("all", "")).lower() in ("1", "true")
        found = emu.messages(chat_id) if every else emu.bot_messages(chat_id)
        return _ok([m.to_dict() for m in found])

    async def wait_messages(request: web.Request) -> web.StreamResponse:
        args = await _args(request)
        after = args.get("after")
        found = await emu.wait_bot_messages(
            _int(args, "chat_id"),
            count=_int(args, "count", 1),
            after=None if after in (None, "") else _int(args, "after"),
            timeout=_float(args, "timeout", 5.0),
        )
        return _ok([m.to_dict() for m in found])

    async def add_fault(request: web.Request) -> web.StreamResponse:
        args = await _args(request)
        methods = args.get("methods")
        if isinstance(methods, str):
            methods = [m for m in methods.split(",") if m]
        chat_id = args.get("chat_id")
        times = args.get("times")
        rule = emu.add_fault(
            Fault(
                kind=str(args.get("kind", "")),  # type: ignore[arg-type]  # validated by Fault
                chat_id=None if chat_id in (None, "") else _int(args, "chat_id"),
                methods=methods,
                times=None if times in (None, "") else _int(args, "times"),
                retry_after=_int(args, "retry_after", 1),
                delay=_float(args, "delay", 0.0),
            )
        )
        return _ok({"fault_id": rule.id})

    async def list_faults(request: web.Request) -> web.StreamResponse:
        return _ok(
            [
                {
                    "fault_id": r.id,
                    "kind": r.fault.kind,
                    "chat_id": r.fault.chat_id,
                    "methods": sorted(r.fault.method_names),
                    "remaining": r.remaining,
                    "hits": r.hits,
                }
                for r in emu.faults
            ]
        )

    async def clear_faults(request: web.Request) -> web.StreamResponse:
        emu.clear_faults()
        return _ok(True)

    async def remove_fault(request: web.Request) -> web.StreamResponse:
        emu.remove_fault(_int(dict(request.match_info), "fault_id"))
        return _ok(True)

    async def block(request: web.Request) -> web.StreamResponse:
        emu.block(_int(await _args(request), "user_id"))
        return _ok(True)

    async def unblock(request: web.Request) -> web.StreamResponse:
        emu.unblock(_int(await _args(request), "user_id"))
        return _ok(True)

    async def calls(request: web.Request) -> web.StreamResponse:
        def plain(value: Any) -> Any:
            return (
                value if isinstance(value, str | int | float | bool | list | dict) else repr(value)
            )

        return _ok(
            [
                {"method": c.method, "params": {k: plain(v) for k, v in c.params.items()}}
                for c in emu.calls
            ]
        )

    async def commands(request: web.Request) -> web.StreamResponse:
        args = await _args(request)
        return _ok(
            emu.commands(str(args.get("scope", "default")), str(args.get("language_code", "")))
        )

    routes: list[tuple[str, str, Handler]] = [
        ("GET", "", info),
        ("POST", "/send_text", send_text),
        ("POST", "/press", press),
        ("GET", "/callback_answer", callback_answer),
        ("GET", "/messages", messages),
        ("GET", "/wait_messages", wait_messages),
        ("GET", "/faults", list_faults),
        ("POST", "/faults", add_fault),
        ("DELETE", "/faults", clear_faults),
        ("DELETE", "/faults/{fault_id}", remove_fault),
        ("POST", "/block", block),
        ("POST", "/unblock", unblock),
        ("GET", "/calls", calls),
        ("GET", "/commands", commands),
    ]
    for verb, path, handler in routes:
        app.router.add_route(verb, PREFIX + path, guarded(handler))
