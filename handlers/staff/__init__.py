"""Staff routers: career centres and operators (admins), statistics (managers and
admins), broadcasts (operators and admins).

Each router checks the role with one filter (`HasRole`) on the whole router, so no
staff handler is reached by a student; which centre a button names is checked again
by the service against the presser. A student who sends a staff command gets the
same answer as for any unknown command: the staff side is not advertised.
"""

from __future__ import annotations

from aiogram import Router

from handlers.staff import broadcasts, centres, operators, stats


def build_router() -> Router:
    router = Router(name="staff")
    router.include_routers(
        centres.build_router(),
        operators.build_router(),
        stats.build_router(),
        broadcasts.build_router(),
    )
    return router
