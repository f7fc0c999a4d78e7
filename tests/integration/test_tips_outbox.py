"""The tips outbox as a delivery source: what it hands the delivery each round."""

from datetime import UTC, datetime, timedelta

from aiogram.types import InlineKeyboardMarkup

from bot.broadcast import Delivered
from bot.db import Database
from bot.db.tips import TipsRepo
from bot.db.users import UsersRepo
from bot.domain import SeenUser, SubscriptionStatus
from bot.i18n import build_i18n
from bot.services.delivery import SourceReport
from bot.services.tips_outbox import TipsOutbox
from bot.tips.catalogue import Tip, TipCatalogue, load_tips
from bot.tips.planner import Window
from handlers.tips import tip_screen
from tests.support import ROOT

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


async def test_each_tip_is_rendered_once_per_language_for_the_life_of_the_outbox(
    db: Database,
) -> None:
    catalogue = load_tips(ROOT / "quizzes" / "tips.yaml")
    first, second = catalogue.ids[:2]
    repo = TipsRepo(db)
    day = timedelta(days=1)
    plans = {
        1: ("ru", [(first, T0)]),
        2: ("ru", [(first, T0 + day)]),
        3: ("en", [(second, T0), (first, T0 + day)]),
    }
    for uid, (language, plan) in plans.items():
        await UsersRepo(db).touch(SeenUser(uid, f"Student {uid}", language_code=language), T0)
        await repo.save_subscription(
            uid, SubscriptionStatus.ACTIVE, "UTC", Window(0, 24), timedelta(days=1), T0
        )
        await repo.replace_plan(uid, plan, T0)
    rendered: list[tuple[str, str]] = []

    def render(cat: TipCatalogue, tip: Tip, locale: str) -> tuple[str, InlineKeyboardMarkup]:
        rendered.append((tip.id, locale))
        return tip_screen(cat, tip, locale)

    outbox = TipsOutbox(
        repo=repo,
        catalogue=catalogue,
        i18n=build_i18n("ru"),
        render=render,
        grace=timedelta(hours=12),
    )

    async def send_round(now: datetime) -> list[str]:
        """Collect what is due and record it as sent; the letters' texts."""
        letters = await outbox.collect(now, SourceReport())
        for number, letter in enumerate(letters, 1):
            assert await letter.claim()
            await letter.settle(Delivered(number))
        return [letter.text for letter in letters]

    today = await send_round(T0)
    tomorrow = await send_round(T0 + day)

    assert len(today) == len(tomorrow) == 2
    assert today[0] == tomorrow[0]  # the first tip in Russian, a day apart
    assert len({today[0], today[1], tomorrow[1]}) == 3
    # The Russian screen of the first tip was drawn on the first day only.
    assert rendered == [(first, "ru"), (second, "en"), (first, "en")]
