"""aiogram routers, one per thing a user does. `build_router` is the one place they meet."""

from __future__ import annotations

from aiogram import Router

from handlers import about, errors, fallback, membership, start


def build_router() -> Router:
    root = Router(name="root")
    # Error handlers of a router see the failures of the routers below it.
    root.errors.register(errors.on_error)
    root.include_routers(
        start.router,
        about.router,
        membership.router,
        fallback.router,  # last: catches what nobody else understood
    )
    return root
