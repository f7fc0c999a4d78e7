"""Operators' broadcasts: composing, the audience, scheduling, control, and delivery.

A broadcast is a row; its recipients are outbox rows fixed when it starts. It is a
:class:`~bot.services.delivery.Source` of the one delivery path, so it shares the
rate budget with tips (429 pauses everyone, 403 marks the student as having blocked
the bot, no chat gets more than a message a second) and every row is claimed right
before its request. After a crash, rows left mid-send are queued again and counted
as uncertain: only those (at most one per concurrent send) may arrive twice.

The operator follows a live progress message, edited every few seconds by
:class:`BroadcastProgress`, and gets a final report once the broadcast is over.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, overload

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import InlineKeyboardMarkup, MessageId
from aiogram.utils.i18n import I18n

from bot.broadcast import Blocked, Delivered, SendOutcome
from bot.clock import Clock
from bot.db.broadcasts import BroadcastsRepo, Settled, audience_params
from bot.db.users import UsersRepo
from bot.domain import Audience, Broadcast, BroadcastCounts, BroadcastKind, BroadcastStatus
from bot.i18n import pick_locale
from bot.services.delivery import Letter, SourceReport
from bot.services.group_commit import GroupCommit
from bot.services.staff import StaffService
from bot.telegram import edit_text

log = logging.getLogger(__name__)

BATCH = 200
"""Recipients per delivery round at the free rates: tips get their turn between two
rounds. At higher rates a round holds ROUND_SECONDS' worth, so that the pause while
it ends and the next is collected stays small beside it."""
ROUND_SECONDS = 10
RECENT = 10


class BroadcastRender:
    """What delivery needs from the presentation layer, rendered in a locale (the
    caller sets the i18n context)."""

    def __init__(
        self,
        markup: Callable[[tuple[tuple[str, str], ...]], InlineKeyboardMarkup],
        tip: Callable[[str], tuple[str, InlineKeyboardMarkup] | None],
        progress: Callable[
            [Broadcast, BroadcastCounts, timedelta], tuple[str, InlineKeyboardMarkup | None]
        ],
        report: Callable[[Broadcast, BroadcastCounts], str],
    ) -> None:
        self.markup = markup
        """URL buttons plus the news opt-out, under a copied message."""
        self.tip = tip
        """A catalogue tip with its buttons plus the news opt-out; None if it is gone."""
        self.progress = progress
        self.report = report


@dataclass(slots=True)
class CopyLetter(Letter):
    """A copy of the operator's message (copyMessage: whatever Telegram can copy)."""

    from_chat_id: int = 0
    message_id: int = 0

    async def send(self, bot: Bot) -> MessageId:
        return await bot.copy_message(
            chat_id=self.chat_id,
            from_chat_id=self.from_chat_id,
            message_id=self.message_id,
            reply_markup=self.markup,
            allow_paid_broadcast=self.paid or None,
        )


class _Letters(Sequence[Letter]):
    """A round's letters, each built when the delivery takes it: a round of ten
    thousand starts sending at once instead of after all of them are built."""

    def __init__(
        self,
        items: list[tuple[Broadcast, tuple[int, int], str, InlineKeyboardMarkup]],
        build: Callable[[Broadcast, tuple[int, int], str, InlineKeyboardMarkup], Letter],
    ) -> None:
        self._items = items
        self._build = build

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> Letter: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Letter]: ...

    def __getitem__(self, index: int | slice) -> Letter | Sequence[Letter]:
        if isinstance(index, slice):
            return _Letters(self._items[index], self._build)
        return self._build(*self._items[index])


@dataclass
class BroadcastSettings:
    default_locale: str
    rate: float
    """Messages per second of the shared sender: for the estimate."""
    paid: bool = False


@dataclass
class BroadcastService:
    repo: BroadcastsRepo
    users: UsersRepo
    staff: StaffService
    i18n: I18n
    render: BroadcastRender
    clock: Clock
    settings: BroadcastSettings
    name: str = "broadcasts"
    wake: Callable[[], None] = field(default=lambda: None)
    """Set by the composition root: start a delivery round now."""
    _claim: GroupCommit[tuple[int, int], bool] = field(init=False)
    _record: GroupCommit[Settled, None] = field(init=False)

    def __post_init__(self) -> None:
        # Every letter claims its row right before its request and records the outcome
        # right after; those made at about the same moment share one statement.
        self._claim = GroupCommit(self.repo.claim)
        self._record = GroupCommit(self.repo.settle)

    # --- composing -------------------------------------------------------------------

    async def draft_copy(self, operator_id: int, chat_id: int, message_id: int) -> Broadcast:
        return await self.repo.create(
            created_by=operator_id,
            kind=BroadcastKind.COPY,
            source=(chat_id, message_id),
            tip_id=None,
            now=self.clock.now(),
        )

    async def draft_tip(self, operator_id: int, tip_id: str) -> Broadcast:
        return await self.repo.create(
            created_by=operator_id,
            kind=BroadcastKind.TIP,
            source=None,
            tip_id=tip_id,
            now=self.clock.now(),
        )

    async def get(self, broadcast_id: int) -> Broadcast | None:
        return await self.repo.get(broadcast_id)

    async def set_buttons(self, broadcast_id: int, buttons: Sequence[tuple[str, str]]) -> bool:
        return await self.repo.update_draft(broadcast_id, buttons=[list(b) for b in buttons])

    async def set_audience(self, broadcast_id: int, audience: Audience) -> bool:
        return await self.repo.update_draft(broadcast_id, audience=audience)

    async def _params(self, audience: Audience) -> dict[str, Any]:
        staff = set(self.staff.admin_ids) | set(await self.staff.granted())
        return audience_params(
            audience,
            now=self.clock.now(),
            default_locale=self.settings.default_locale,
            staff=staff,
        )

    async def audience_size(self, audience: Audience) -> int:
        """Students it would reach now (blocked, news-off and staff left out)."""
        return await self.repo.count(await self._params(audience))

    def estimate(self, recipients: int) -> timedelta:
        return timedelta(seconds=recipients / self.settings.rate)

    async def confirm(
        self, broadcast_id: int, at: datetime | None, progress_message_id: int | None
    ) -> bool:
        """Send at `at` (None: now). False if it is no longer a draft (confirmed twice)."""
        confirmed = await self.repo.schedule(
            broadcast_id, at, progress_message_id, self.clock.now()
        )
        if confirmed and (at is None or at <= self.clock.now()):
            self.wake()
        return confirmed

    # --- control ---------------------------------------------------------------------

    async def recent(self) -> list[Broadcast]:
        return await self.repo.recent(RECENT)

    async def counts(self, broadcast_id: int) -> BroadcastCounts:
        return await self.repo.counts(broadcast_id)

    async def pause(self, broadcast_id: int) -> bool:
        return await self.repo.set_status(
            broadcast_id, BroadcastStatus.PAUSED, [BroadcastStatus.SENDING], self.clock.now()
        )

    async def resume(self, broadcast_id: int) -> bool:
        resumed = await self.repo.set_status(
            broadcast_id, BroadcastStatus.SENDING, [BroadcastStatus.PAUSED], self.clock.now()
        )
        if resumed:
            self.wake()
        return resumed

    async def cancel(self, broadcast_id: int) -> bool:
        """Stop for good (scheduled, sending or paused): who has not got it, will not."""
        return await self.repo.set_status(
            broadcast_id,
            BroadcastStatus.CANCELLED,
            [BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING, BroadcastStatus.PAUSED],
            self.clock.now(),
        )

    async def set_progress_message(self, broadcast_id: int, message_id: int) -> None:
        await self.repo.set_progress_message(broadcast_id, message_id)

    # --- delivery (a Source) ---------------------------------------------------------

    async def recover(self) -> None:
        again = await self.repo.release_interrupted()
        if again:
            log.warning("%d broadcast message(s) interrupted mid-send are queued again", again)

    async def collect(self, now: datetime, report: SourceReport) -> Sequence[Letter]:
        for due in await self.repo.due(now):
            total = await self.repo.start(due.id, await self._params(due.audience), now)
            if total is not None:
                log.info("broadcast %d started: %d recipients", due.id, total)
        for finished in await self.repo.finish_completed(now):
            log.info("broadcast %d done", finished)
        size = max(BATCH, math.ceil(self.settings.rate * ROUND_SECONDS))
        batch = await self.repo.next_batch(size)
        if not batch:
            return []
        broadcasts: dict[int, Broadcast] = {}
        for broadcast_id in {recipient.broadcast_id for recipient in batch}:
            found = await self.repo.get(broadcast_id)
            if found is not None:
                broadcasts[broadcast_id] = found
        letters: list[tuple[Broadcast, tuple[int, int], str, InlineKeyboardMarkup]] = []
        rendered: dict[tuple[int, str], tuple[str, InlineKeyboardMarkup] | None] = {}
        for recipient in batch:
            broadcast = broadcasts.get(recipient.broadcast_id)
            if broadcast is None:
                continue
            locale = pick_locale(
                recipient.locale, recipient.language_code, self.i18n.default_locale
            )
            if (broadcast.id, locale) not in rendered:  # once per broadcast and language
                rendered[broadcast.id, locale] = self._render(broadcast, locale)
            content = rendered[broadcast.id, locale]
            keys = (broadcast.id, recipient.user_id)
            if content is None:  # the tip left the catalogue since it was composed
                if await self._claim(keys):
                    await self._record(Settled(*keys, "failed", now, error="the tip is gone"))
                report.failed += 1
                continue
            letters.append((broadcast, keys, *content))
        return _Letters(letters, self._letter)

    def _render(self, broadcast: Broadcast, locale: str) -> tuple[str, InlineKeyboardMarkup] | None:
        """The text (a tip's; a copy has none of its own) and the buttons, in `locale`."""
        with self.i18n.context(), self.i18n.use_locale(locale):
            if broadcast.kind == BroadcastKind.TIP:
                assert broadcast.tip_id is not None
                return self.render.tip(broadcast.tip_id)
            return "", self.render.markup(broadcast.buttons)

    def _letter(
        self, broadcast: Broadcast, keys: tuple[int, int], text: str, markup: InlineKeyboardMarkup
    ) -> Letter:
        bookkeeping: dict[str, Any] = {
            "claim": partial(self._claim, keys),
            "release": partial(self.repo.release, *keys),
            "settle": partial(self._settle, *keys),
            "paid": self.settings.paid,
        }
        if broadcast.kind == BroadcastKind.TIP:
            return Letter(keys[1], text, markup, **bookkeeping)
        assert broadcast.source_chat_id is not None
        assert broadcast.source_message_id is not None
        return CopyLetter(
            keys[1],
            text,
            markup,
            from_chat_id=broadcast.source_chat_id,
            message_id=broadcast.source_message_id,
            **bookkeeping,
        )

    async def _settle(self, broadcast_id: int, user_id: int, outcome: SendOutcome) -> None:
        keys = (broadcast_id, user_id)
        now = self.clock.now()
        if isinstance(outcome, Delivered):
            settled = Settled(*keys, "sent", now, message_id=outcome.message_id)
        elif isinstance(outcome, Blocked):
            settled = Settled(*keys, "blocked", now, error=outcome.reason)
        else:
            settled = Settled(*keys, "failed", now, error=outcome.reason)
        await self._record(settled)


@dataclass
class BroadcastProgress:
    """Keeps each operator's progress message up to date, and sends the final report.

    Edits only when the text changed, so an idle paused broadcast costs nothing.
    """

    service: BroadcastService
    users: UsersRepo
    bot: Bot
    shown: dict[int, str] = field(default_factory=dict)

    async def tick(self) -> None:
        """Never raises: the scheduler must keep calling it."""
        try:
            await self._tick()
        except Exception:
            log.exception("broadcast progress failed")

    async def _tick(self) -> None:
        service = self.service
        active = await service.repo.active()
        for broadcast in active + await service.repo.unreported():
            counts = await service.counts(broadcast.id)
            locale = await self._locale(broadcast.created_by)
            with service.i18n.context(), service.i18n.use_locale(locale):
                text, markup = service.render.progress(
                    broadcast, counts, service.estimate(counts.left)
                )
                final = service.render.report(broadcast, counts) if broadcast.status.over else None
            if broadcast.progress_message_id and self.shown.get(broadcast.id) != text:
                try:
                    await edit_text(
                        self.bot, broadcast.created_by, broadcast.progress_message_id, text, markup
                    )
                except TelegramAPIError as exc:
                    log.warning("progress of broadcast %d not shown: %s", broadcast.id, exc)
                self.shown[broadcast.id] = text
            if final is not None and await service.repo.mark_reported(
                broadcast.id, service.clock.now()
            ):
                self.shown.pop(broadcast.id, None)
                try:
                    await self.bot.send_message(broadcast.created_by, final)
                except TelegramAPIError as exc:
                    log.warning("report of broadcast %d not sent: %s", broadcast.id, exc)

    async def _locale(self, user_id: int) -> str:
        default = self.service.i18n.default_locale
        user = await self.users.get(user_id)
        return default if user is None else pick_locale(user.locale, user.language_code, default)
