"""Which tip a student gets, and when: pure decisions, tested without a clock or a loop.

The shell around these functions (outbox table, scheduler job, sender) reads the time
from the injectable clock and passes it in as ``now``; nothing here looks at the real
time. Every ``datetime`` taken or returned is timezone-aware; returned ones are in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.tips.catalogue import CORE_CATEGORIES, Tip, TipCatalogue

# --- the order of tips ------------------------------------------------------------------------


def trait_ranks(
    growth_areas: Sequence[str],
    scores: Mapping[str, int | None],
    extra: Sequence[str] = (),
) -> dict[str, int]:
    """Rank traits weakest first (0 = the weakest).

    1. the growth areas, in the profile's order (weakest first);
    2. the other traits with a score, lowest score first, ties in the order of ``scores``;
    3. traits without a score (``None``: not measured), in the order of ``scores``;
    4. any trait of ``extra`` (the catalogue's traits) not named so far, in its order.
    """
    order: dict[str, None] = dict.fromkeys(growth_areas)
    measured = [
        (score, position, trait)
        for position, (trait, score) in enumerate(scores.items())
        if score is not None and trait not in order
    ]
    order.update((trait, None) for _, _, trait in sorted(measured))
    order.update((trait, None) for trait, score in scores.items() if score is None)
    order.update((trait, None) for trait in extra)
    return {trait: rank for rank, trait in enumerate(order)}


def order_tips(
    catalogue: TipCatalogue,
    growth_areas: Sequence[str],
    scores: Mapping[str, int | None],
    already_sent: Collection[str] = (),
    *,
    opening: int = len(CORE_CATEGORIES),
) -> list[str]:
    """The ids of the tips a student should get, in the order to send them.

    The rule, exactly:

    - Traits are ranked weakest first by :func:`trait_ranks` (growth areas, then the
      other scores from low to high, then unmeasured traits).
    - A tip's *relevance* is the best (lowest) rank among its ``traits``; the relevance
      order sorts tips by it, ties in file order.
    - Tips in ``already_sent`` are left out; each id appears once.
    - The first ``opening`` picks (3 by default) make sure the plan opens with every core
      category (initiative, planning, self-development): at each of these picks, if the
      core categories not yet in the plan (and with a tip left) are at least as many as
      the picks left in the opening, the pick is the most relevant tip among those
      categories; otherwise it is simply the most relevant tip left. With the default
      of 3 the plan starts with one tip of each core category, the category whose best
      tip serves the weakest trait first.
    - After the opening, the remaining tips follow in relevance order.

    Deterministic: the same catalogue and profile always give the same plan.
    """
    ranks = trait_ranks(growth_areas, scores, catalogue.trait_ids)
    position = {tip.id: index for index, tip in enumerate(catalogue.tips)}

    def relevance(tip: Tip) -> tuple[int, int]:
        return min(ranks[trait] for trait in tip.traits), position[tip.id]

    sent = set(already_sent)
    remaining = sorted(
        (tip for tip in catalogue.by_id.values() if tip.id not in sent), key=relevance
    )
    plan: list[str] = []
    covered: set[str] = set()
    while remaining:
        slot = len(plan)
        uncovered = {
            category
            for category in CORE_CATEGORIES
            if category not in covered and any(t.category == category for t in remaining)
        }
        left = opening - slot
        pick = remaining[0]
        if uncovered and 0 < left <= len(uncovered):
            pick = next(t for t in remaining if t.category in uncovered)
        remaining.remove(pick)
        plan.append(pick.id)
        covered.add(pick.category)
    return plan


# --- the daily window -------------------------------------------------------------------------

_WINDOW = re.compile(r"(\d{1,2})\s*[-–]\s*(\d{1,2})")


@dataclass(frozen=True)
class Window:
    """Local hours when tips may arrive: ``[start_hour, end_hour)`` every day.

    ``0-24`` is any time. A window may run over midnight: ``22-6`` is from 22:00 to 06:00.
    The hours are local to the student's time zone; a start hour that does not exist on a
    day (a DST gap) opens the window at the first moment after it.
    """

    start_hour: int
    end_hour: int

    def __post_init__(self) -> None:
        start, end = self.start_hour, self.end_hour
        if not 0 <= start <= 23:
            raise ValueError(f"the window starts at {start}: the start hour must be 0 to 23")
        if not 1 <= end <= 24:
            raise ValueError(f"the window ends at {end}: the end hour must be 1 to 24")
        if start == end:
            raise ValueError(
                f"the window {start}-{end} is empty: the start and end hours must differ "
                "(0-24 means any time)"
            )

    @classmethod
    def parse(cls, text: str) -> Window:
        """``"10-20"``, ``"0-24"`` (any time) or ``"22-6"`` (over midnight)."""
        match = _WINDOW.fullmatch(text.strip())
        if match is None:
            raise ValueError(
                f"'{text}' is not a time window: give two whole local hours like 10-20 "
                "(0-24 means any time, 22-6 runs over midnight)"
            )
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def any_time(self) -> bool:
        return self.start_hour == 0 and self.end_hour == 24

    @property
    def overnight(self) -> bool:
        return self.start_hour > self.end_hour

    def contains(self, hour: int) -> bool:
        """Whether a local hour (0-23) is inside the window."""
        if self.overnight:
            return hour >= self.start_hour or hour < self.end_hour
        return self.start_hour <= hour < self.end_hour

    def __str__(self) -> str:
        return f"{self.start_hour}-{self.end_hour}"


ANY_TIME = Window(0, 24)
DEFAULT_WINDOW = Window(10, 20)


def _aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got a naive datetime")


def in_window(moment: datetime, window: Window, tz: ZoneInfo) -> bool:
    """Whether ``moment`` falls inside the window in ``tz``."""
    _aware(moment, "moment")
    return window.any_time or window.contains(moment.astimezone(tz).hour)


def next_in_window(moment: datetime, window: Window, tz: ZoneInfo) -> datetime:
    """``moment`` if it is inside the window, else the next opening of the window (UTC)."""
    _aware(moment, "moment")
    moment = moment.astimezone(UTC)
    if in_window(moment, window, tz):
        return moment
    day: date = moment.astimezone(tz).date()
    for shift in range(3):  # a DST gap can swallow at most one day's opening
        local = datetime.combine(day + timedelta(days=shift), time(window.start_hour), tzinfo=tz)
        opening = local.astimezone(UTC)
        if opening >= moment and in_window(opening, window, tz):
            return opening
    raise AssertionError(f"no opening of window {window} in {tz} after {moment}")  # unreachable


# --- due times --------------------------------------------------------------------------------


def schedule(
    count: int,
    now: datetime,
    first_delay: timedelta,
    interval: timedelta,
    window: Window,
    tz: ZoneInfo,
) -> list[datetime]:
    """UTC due times for ``count`` tips.

    The first is due at ``now + first_delay``, each next one ``interval`` after the
    previous; a time outside the local window moves forward to the window's next opening.
    Intervals are elapsed time, so across a DST change later tips shift by the change
    in local time (staying inside the window). The result is strictly increasing and
    never before ``now``.
    """
    _aware(now, "now")
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    if first_delay < timedelta(0):
        raise ValueError(f"the first delay must not be negative, got {first_delay}")
    if interval <= timedelta(0):
        raise ValueError(f"the interval between tips must be positive, got {interval}")
    times: list[datetime] = []
    target = now.astimezone(UTC) + first_delay
    for _ in range(count):
        due = next_in_window(target, window, tz)
        times.append(due)
        target = due + interval
    return times


@dataclass(frozen=True)
class PendingTip:
    """A planned tip not sent yet: one row of the outbox."""

    id: int
    user_id: int
    tip_id: str
    due_at: datetime


def _plan_order(row: PendingTip) -> tuple[datetime, int]:
    return row.due_at, row.id


def select_due(
    pending: Sequence[PendingTip], now: datetime, grace: timedelta
) -> tuple[list[PendingTip], list[PendingTip]]:
    """Split the outbox into ``(send now, skip as stale)``; rows not due are in neither.

    - A row is due when ``due_at <= now``.
    - A due row older than the grace period (``due_at < now - grace``) is skipped: a tip
      planned while the bot was down for long is not worth sending late.
    - Of a user's due rows within the grace period, only the first in plan order (the
      earliest ``due_at``, then the lowest id) is sent; the user's other due rows are
      skipped too, so a student never gets a burst of tips at once. (This happens only
      when the grace period is longer than the interval between tips, so keep it shorter.)

    Both lists are in plan order (``due_at``, then id).
    """
    _aware(now, "now")
    if grace < timedelta(0):
        raise ValueError(f"the grace period must not be negative, got {grace}")
    oldest = now - grace
    send: dict[int, PendingTip] = {}
    skip: list[PendingTip] = []
    for row in sorted(pending, key=_plan_order):
        _aware(row.due_at, "due_at")
        if row.due_at > now:
            continue
        if row.due_at < oldest or row.user_id in send:
            skip.append(row)
        else:
            send[row.user_id] = row
    return sorted(send.values(), key=_plan_order), skip


def reschedule(
    pending: Sequence[PendingTip],
    now: datetime,
    *,
    first_delay: timedelta,
    interval: timedelta,
    window: Window,
    tz: ZoneInfo,
) -> list[PendingTip]:
    """New due times for the remaining tips after a student changed frequency, window or zone.

    Each user's rows keep their plan order (``due_at``, then id). The next tip keeps its
    due time when it still fits the new settings, else it is brought forward to at most
    ``now + interval`` (tips became more frequent) and never sooner than
    ``now + first_delay`` (an overdue row included); a time outside the new window moves
    to the window's next opening. The rest follow ``interval`` apart, as in
    :func:`schedule`. Returns the rows with their new ``due_at``, users in order of
    their first row.
    """
    _aware(now, "now")
    if first_delay < timedelta(0):
        raise ValueError(f"the first delay must not be negative, got {first_delay}")
    if interval <= timedelta(0):
        raise ValueError(f"the interval between tips must be positive, got {interval}")
    now = now.astimezone(UTC)
    by_user: dict[int, list[PendingTip]] = {}
    for row in sorted(pending, key=_plan_order):
        by_user.setdefault(row.user_id, []).append(row)
    result: list[PendingTip] = []
    for rows in by_user.values():
        earliest, latest = now + first_delay, max(now + interval, now + first_delay)
        anchor = min(max(rows[0].due_at.astimezone(UTC), earliest), latest)
        times = schedule(len(rows), anchor, timedelta(0), interval, window, tz)
        result.extend(replace(row, due_at=due) for row, due in zip(rows, times, strict=True))
    return result


# --- durations --------------------------------------------------------------------------------

_NUMBER = r"(\d+(?:[.,]\d+)?)"
_ISO_DURATION = re.compile(
    rf"P(?:{_NUMBER}W)?(?:{_NUMBER}D)?(?:T(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?"
)
_UNITS = (
    ("W", 7 * 86400),
    ("D", 86400),
    ("H", 3600),
    ("M", 60),
    ("S", 1),
)
_DURATION_HINT = "give seconds (86400) or an ISO 8601 duration (PT30M, P3D, P1DT12H)"


def parse_duration(text: str, *, allow_zero: bool = True) -> timedelta:
    """A duration from a setting: whole seconds (``"5"``, ``"86400"``) or ISO 8601.

    ISO 8601 durations use weeks, days, hours, minutes and seconds: ``PT30M``, ``P3D``,
    ``P1DT12H``, ``P1W``, ``PT1.5S``; only the last number may have a fraction (``.`` or
    ``,``), at most microsecond precision. Years and months are refused (no fixed length),
    so are signs, spaces inside and unknown letters. Letters may be lower case. Zero
    (``0``, ``PT0S``) is allowed unless ``allow_zero`` is false (an interval between
    tips must be positive; a first delay of zero means "right away").
    """
    raw = text.strip()
    if not raw:
        raise ValueError(f"a duration cannot be empty: {_DURATION_HINT}")
    if raw[0] in "+-":
        raise ValueError(f"duration '{text}' must not have a sign: {_DURATION_HINT}")
    if raw.isascii() and raw.isdigit():
        result = timedelta(seconds=int(raw))
    else:
        result = _parse_iso(raw.upper(), text)
    if not allow_zero and result == timedelta(0):
        raise ValueError(f"duration '{text}' must be longer than zero")
    return result


def _parse_iso(raw: str, text: str) -> timedelta:
    match = _ISO_DURATION.fullmatch(raw)
    if match is None:
        date_part = raw.partition("T")[0]
        if raw.startswith("P") and ("Y" in date_part or "M" in date_part):
            raise ValueError(
                f"duration '{text}' uses years or months, which have no fixed length: "
                "use days (P30D) or weeks (P4W); minutes go after T (PT1M)"
            )
        raise ValueError(f"'{text}' is not a duration: {_DURATION_HINT}")
    given = [(index, value) for index, value in enumerate(match.groups()) if value is not None]
    if not given or raw.endswith("T"):
        raise ValueError(f"'{text}' is not a duration: {_DURATION_HINT}")
    if any("." in value or "," in value for _, value in given[:-1]):
        raise ValueError(f"duration '{text}' may have a fraction only in its last number")
    micro = sum(
        (Decimal(value.replace(",", ".")) * _UNITS[index][1] * 1_000_000 for index, value in given),
        Decimal(0),
    )
    if micro != micro.to_integral_value():
        raise ValueError(f"duration '{text}' is finer than a microsecond")
    try:
        return timedelta(microseconds=int(micro))
    except OverflowError:
        raise ValueError(f"duration '{text}' is too long") from None


# --- time zones -------------------------------------------------------------------------------

RUSSIAN_TIMEZONES: tuple[tuple[str, str, str], ...] = (
    ("Europe/Kaliningrad", "Калининград (МСК−1)", "Kaliningrad (MSK−1)"),
    ("Europe/Moscow", "Москва (МСК)", "Moscow (MSK)"),
    ("Europe/Samara", "Самара (МСК+1)", "Samara (MSK+1)"),
    ("Asia/Yekaterinburg", "Екатеринбург (МСК+2)", "Yekaterinburg (MSK+2)"),
    ("Asia/Omsk", "Омск (МСК+3)", "Omsk (MSK+3)"),
    ("Asia/Novosibirsk", "Новосибирск (МСК+4)", "Novosibirsk (MSK+4)"),
    ("Asia/Krasnoyarsk", "Красноярск (МСК+4)", "Krasnoyarsk (MSK+4)"),
    ("Asia/Irkutsk", "Иркутск (МСК+5)", "Irkutsk (MSK+5)"),
    ("Asia/Yakutsk", "Якутск (МСК+6)", "Yakutsk (MSK+6)"),
    ("Asia/Vladivostok", "Владивосток (МСК+7)", "Vladivostok (MSK+7)"),
    ("Asia/Magadan", "Магадан (МСК+8)", "Magadan (MSK+8)"),
    ("Asia/Kamchatka", "Камчатка (МСК+9)", "Kamchatka (MSK+9)"),
)
"""The time zone choice for students in Russia: IANA name, Russian label, English label."""


def timezone_label(name: str, locale: str) -> str:
    """The label of a zone of :data:`RUSSIAN_TIMEZONES` (English for any locale but ru);
    the IANA name itself for a zone not in the list."""
    for zone, ru, en in RUSSIAN_TIMEZONES:
        if zone == name:
            return ru if locale == "ru" else en
    return name
