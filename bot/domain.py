"""The domain's own types: what repositories return and services and handlers pass around.

Plain values with no behaviour beyond what they mean, so the database layer, the
services and the handlers speak the same words without importing each other:
statuses are enums, a time window is a :class:`~bot.tips.planner.Window`, a
frequency is a :class:`~datetime.timedelta`, never columns rebuilt at each call site.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot.tips.planner import PendingTip, Window


class Role(StrEnum):
    """What a member of staff may do. Students have no role."""

    ADMIN = "admin"
    MANAGER = "manager"  # of one career centre
    OPERATOR = "operator"  # broadcasts


@dataclass(frozen=True, slots=True)
class Access:
    """What one person may do as staff: admin (from `ADMIN_IDS`), the centres they
    manage, operator. A student's access is empty."""

    admin: bool = False
    centres: frozenset[int] = frozenset()
    operator: bool = False

    @property
    def roles(self) -> frozenset[Role]:
        found = {Role.ADMIN} if self.admin else set()
        if self.centres:
            found.add(Role.MANAGER)
        if self.operator:
            found.add(Role.OPERATOR)
        return frozenset(found)

    @property
    def is_staff(self) -> bool:
        return bool(self.roles)

    def sees_centre(self, centre_id: int) -> bool:
        """May see this centre's statistics: an admin sees every centre."""
        return self.admin or centre_id in self.centres


@dataclass(frozen=True, slots=True)
class Centre:
    """A career centre: its students arrive through its own link."""

    id: int
    name: str
    code: str
    """The deep-link payload of the students' link (random, not a readable slug)."""
    created_at: datetime
    archived_at: datetime | None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A manager or operator granted in the bot, as an admin sees them in a list."""

    user_id: int
    role: Role
    centre_id: int | None
    name: str
    username: str | None
    granted_at: datetime


@dataclass(frozen=True, slots=True)
class DigestRecipient:
    """A manager due a weekly digest for one centre."""

    staff_id: int
    user_id: int
    centre_id: int
    centre_name: str
    locale: str | None
    language_code: str | None
    last_sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class SeenUser:
    """What an update tells us about its sender."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class Visit:
    """Who wrote, as the bot may treat them: `user` is their stored row (None before
    anything is stored), `consented` whether they agreed to the current notice."""

    user: User | None
    consented: bool


@dataclass(frozen=True, slots=True)
class User:
    """Someone who talked to the bot in a private chat."""

    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    locale: str | None
    """Chosen with /language; None means "follow Telegram's language"."""
    source: str | None
    """The first deep-link payload they arrived with."""
    centre_id: int | None
    """The career centre whose link they arrived through (first touch)."""
    created_at: datetime
    last_seen_at: datetime
    blocked_at: datetime | None
    news_off_at: datetime | None = None
    """When the student turned operators' news off; None means they want news."""
    consent_version: str | None = None
    """The version of the personal data notice they last agreed to; None if never."""


class AttemptStatus(StrEnum):
    ACTIVE = "active"
    FINISHED = "finished"
    ABANDONED = "abandoned"  # a new attempt was started instead
    OUTDATED = "outdated"  # the quiz changed under it


@dataclass(frozen=True, slots=True)
class Attempt:
    """One go at a quiz. Its state is its live answers replayed through the engine."""

    id: int
    user_id: int
    quiz_id: str
    quiz_version: int
    status: AttemptStatus
    current_node: str
    step: int
    """The number of live answers: every change is guarded by it."""
    message_id: int | None
    """The message that shows the current node (its buttons are the live ones)."""
    paused: bool
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    profile: dict[str, Any] | None
    """The stored profile (see :class:`bot.quiz.snapshot.StoredProfile`) once finished."""
    option_seed: int | None = None
    """Draws this attempt's order of options (None: the order of the quiz file)."""


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class Subscription:
    """A student's wish to get learning tips, and when."""

    user_id: int
    status: SubscriptionStatus
    timezone: str
    window: Window
    interval: timedelta
    created_at: datetime
    updated_at: datetime

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed right before the request
    SENT = "sent"
    SKIPPED = "skipped"  # too late when its time came, or gone from the catalogue
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PlannedTip:
    """One tip in a student's plan (a row of the tips outbox)."""

    id: int
    user_id: int
    tip_id: str
    position: int
    due_at: datetime
    status: OutboxStatus

    @property
    def pending(self) -> PendingTip:
        """What the pure planner needs to know of it."""
        return PendingTip(self.id, self.user_id, self.tip_id, self.due_at)


class Verdict(StrEnum):
    """A student's feedback on a tip."""

    USEFUL = "useful"
    NOT_FOR_ME = "not_for_me"


class BroadcastKind(StrEnum):
    COPY = "copy"  # any message the operator sent, delivered with copyMessage
    TIP = "tip"  # a tip of the catalogue, in each student's own language


class BroadcastStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    DONE = "done"

    @property
    def active(self) -> bool:
        """Started and not over: its progress is followed."""
        return self in (BroadcastStatus.SENDING, BroadcastStatus.PAUSED)

    @property
    def over(self) -> bool:
        return self in (BroadcastStatus.CANCELLED, BroadcastStatus.DONE)


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a broadcast goes to: every student, or those matching every filter given.

    Students who blocked the bot or turned news off are always left out.
    """

    centre_id: int | None = None
    band: str | None = None
    specialisation: str | None = None
    finished: bool | None = None
    """Finished the quiz (True), not yet (False), either (None)."""
    subscribed: bool | None = None
    """Subscribed to learning tips."""
    language: str | None = None
    active_days: int | None = None
    """Wrote to the bot in the last N days."""

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Audience:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in data.items() if key in known})

    @property
    def everyone(self) -> bool:
        return not self.to_dict()


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    created_by: int
    kind: BroadcastKind
    source_chat_id: int | None
    source_message_id: int | None
    tip_id: str | None
    buttons: tuple[tuple[str, str], ...]
    """URL buttons (text, url), one per row, under a copied message."""
    audience: Audience
    status: BroadcastStatus
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    total: int
    progress_message_id: int | None
    reported_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BroadcastCounts:
    """Where a broadcast's recipients are."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    skipped: int = 0
    """Not sent: the broadcast was cancelled first."""
    uncertain: int = 0
    """Interrupted by a crash mid-send and sent again: may have arrived twice."""

    @property
    def total(self) -> int:
        return self.pending + self.sending + self.sent + self.blocked + self.failed + self.skipped

    @property
    def left(self) -> int:
        return self.pending + self.sending
