"""When tips are due: windows, due times, durations, the due-now decision, rescheduling and
the time-zone choice. No sleeping: every time is passed in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.tips import (
    ANY_TIME,
    DEFAULT_WINDOW,
    RUSSIAN_TIMEZONES,
    PendingTip,
    Window,
    next_in_window,
    parse_duration,
    reschedule,
    schedule,
    select_due,
    timezone_label,
)
from bot.tips.planner import in_window

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(
    zone: ZoneInfo,
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    *,
    fold: int = 0,
) -> datetime:
    """A local wall-clock time in ``zone``, as UTC."""
    return datetime(year, month, day, hour, minute, second, tzinfo=zone, fold=fold).astimezone(UTC)


# --- Window ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [("10-20", 10, 20), ("0-24", 0, 24), (" 9 - 21 ", 9, 21), ("22-6", 22, 6), ("8–18", 8, 18)],
)
def test_window_parse(text: str, start: int, end: int) -> None:
    window = Window.parse(text)
    assert (window.start_hour, window.end_hour) == (start, end)
    assert str(window) == f"{start}-{end}"
    assert Window.parse(str(window)) == window


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "'' is not a time window: give two whole local hours like 10-20"),
        ("10:00-20:00", "'10:00-20:00' is not a time window"),
        ("10", "'10' is not a time window"),
        ("-5-10", "is not a time window"),
        ("24-6", "the window starts at 24: the start hour must be 0 to 23"),
        ("0-25", "the window ends at 25: the end hour must be 1 to 24"),
        ("5-0", "the window ends at 0: the end hour must be 1 to 24"),
        ("8-8", "the window 8-8 is empty: the start and end hours must differ (0-24 means any"),
    ],
)
def test_window_parse_rejects_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        Window.parse(text)


def test_window_contains() -> None:
    day = Window(10, 20)
    assert [h for h in range(24) if day.contains(h)] == list(range(10, 20))
    night = Window(22, 6)
    assert night.overnight
    assert [h for h in range(24) if night.contains(h)] == [0, 1, 2, 3, 4, 5, 22, 23]
    assert all(ANY_TIME.contains(h) for h in range(24))
    assert ANY_TIME.any_time
    assert not DEFAULT_WINDOW.any_time
    assert Window(10, 20) == DEFAULT_WINDOW


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_in_window(datetime(2025, 1, 1, 12), DEFAULT_WINDOW, MOSCOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        schedule(1, datetime(2025, 1, 1, 12), MINUTE, DAY, DEFAULT_WINDOW, MOSCOW)


# --- next_in_window -------------------------------------------------------------------------


def test_inside_the_window_stays() -> None:
    moment = local(MOSCOW, 2025, 3, 10, 15, 37, 12)
    assert next_in_window(moment, DEFAULT_WINDOW, MOSCOW) == moment


def test_before_the_window_moves_to_its_opening_the_same_day() -> None:
    moment = local(MOSCOW, 2025, 3, 10, 7, 5)
    assert next_in_window(moment, DEFAULT_WINDOW, MOSCOW) == local(MOSCOW, 2025, 3, 10, 10)


def test_at_the_end_hour_moves_to_the_next_day() -> None:
    moment = local(MOSCOW, 2025, 3, 10, 20, 0)
    assert next_in_window(moment, DEFAULT_WINDOW, MOSCOW) == local(MOSCOW, 2025, 3, 11, 10)
    last = local(MOSCOW, 2025, 3, 10, 19, 59, 59)
    assert next_in_window(last, DEFAULT_WINDOW, MOSCOW) == last


def test_moscow_window_in_utc() -> None:
    # 06:30 UTC is 09:30 in Moscow (UTC+3 all year): the tip waits until 07:00 UTC
    assert next_in_window(utc(2025, 7, 1, 6, 30), DEFAULT_WINDOW, MOSCOW) == utc(2025, 7, 1, 7)
    assert next_in_window(utc(2025, 1, 1, 6, 30), DEFAULT_WINDOW, MOSCOW) == utc(2025, 1, 1, 7)


def test_berlin_window_follows_summer_time() -> None:
    # 10:00 in Berlin is 09:00 UTC in winter and 08:00 UTC in summer
    assert next_in_window(utc(2025, 1, 15, 5), DEFAULT_WINDOW, BERLIN) == utc(2025, 1, 15, 9)
    assert next_in_window(utc(2025, 7, 15, 5), DEFAULT_WINDOW, BERLIN) == utc(2025, 7, 15, 8)


def test_window_opening_in_a_dst_gap() -> None:
    # 30 March 2025: Berlin jumps from 02:00 to 03:00. A 2-5 window opens at 03:00 CEST.
    night = Window(2, 5)
    moment = local(BERLIN, 2025, 3, 30, 1, 30)
    opening = next_in_window(moment, night, BERLIN)
    assert opening == utc(2025, 3, 30, 1)  # 03:00 CEST
    assert opening.astimezone(BERLIN).hour == 3
    # a 2-3 window does not exist that day at all: the next one is on the 31st
    assert next_in_window(moment, Window(2, 3), BERLIN) == local(BERLIN, 2025, 3, 31, 2)


def test_window_opening_on_the_repeated_hour() -> None:
    # 26 October 2025: Berlin's 02:00-03:00 happens twice; the window opens at the first one
    moment = local(BERLIN, 2025, 10, 26, 1, 15)
    assert next_in_window(moment, Window(2, 4), BERLIN) == utc(2025, 10, 26, 0)
    # the second 02:30 (CET) is inside a 2-4 window too
    second = local(BERLIN, 2025, 10, 26, 2, 30, fold=1)
    assert second == utc(2025, 10, 26, 1, 30)
    assert next_in_window(second, Window(2, 4), BERLIN) == second


def test_overnight_window() -> None:
    night = Window(22, 6)
    assert next_in_window(local(MOSCOW, 2025, 5, 1, 12), night, MOSCOW) == local(
        MOSCOW, 2025, 5, 1, 22
    )
    early = local(MOSCOW, 2025, 5, 2, 3, 10)
    assert next_in_window(early, night, MOSCOW) == early
    assert next_in_window(local(MOSCOW, 2025, 5, 2, 6), night, MOSCOW) == local(
        MOSCOW, 2025, 5, 2, 22
    )


def test_any_time_never_moves() -> None:
    moment = utc(2025, 5, 1, 2, 3) + timedelta(seconds=4, microseconds=5)
    assert next_in_window(moment, ANY_TIME, MOSCOW) == moment


# --- schedule -------------------------------------------------------------------------------


def test_first_tip_soon_then_every_few_days_in_the_window() -> None:
    now = local(MOSCOW, 2025, 3, 1, 15, 0)
    times = schedule(4, now, MINUTE, 3 * DAY, DEFAULT_WINDOW, MOSCOW)
    assert times == [
        local(MOSCOW, 2025, 3, 1, 15, 1),
        local(MOSCOW, 2025, 3, 4, 15, 1),
        local(MOSCOW, 2025, 3, 7, 15, 1),
        local(MOSCOW, 2025, 3, 10, 15, 1),
    ]
    assert all(t.tzinfo is UTC for t in times)


def test_subscribing_in_the_evening_waits_for_the_morning() -> None:
    now = local(MOSCOW, 2025, 3, 1, 21, 30)
    times = schedule(3, now, MINUTE, 2 * DAY, DEFAULT_WINDOW, MOSCOW)
    assert times == [
        local(MOSCOW, 2025, 3, 2, 10),
        local(MOSCOW, 2025, 3, 4, 10),
        local(MOSCOW, 2025, 3, 6, 10),
    ]


def test_interval_that_lands_outside_the_window_moves_each_time() -> None:
    now = local(MOSCOW, 2025, 3, 1, 18, 0)
    times = schedule(3, now, timedelta(0), 5 * HOUR, DEFAULT_WINDOW, MOSCOW)
    # 18:00, then 23:00 -> 10:00 next day, then 15:00
    assert times == [
        local(MOSCOW, 2025, 3, 1, 18),
        local(MOSCOW, 2025, 3, 2, 10),
        local(MOSCOW, 2025, 3, 2, 15),
    ]


def test_schedule_across_berlin_summer_time_keeps_elapsed_intervals() -> None:
    now = local(BERLIN, 2025, 3, 28, 12, 0)
    times = schedule(3, now, timedelta(0), DAY, DEFAULT_WINDOW, BERLIN)
    assert [t.astimezone(BERLIN).hour for t in times] == [12, 12, 13]
    assert times[2] - times[1] == DAY


def test_schedule_in_another_russian_zone() -> None:
    vladivostok = ZoneInfo("Asia/Vladivostok")
    now = utc(2025, 3, 1, 12)  # 22:00 in Vladivostok (UTC+10)
    (first,) = schedule(1, now, MINUTE, DAY, DEFAULT_WINDOW, vladivostok)
    assert first == local(vladivostok, 2025, 3, 2, 10) == utc(2025, 3, 2, 0)


@pytest.mark.parametrize(
    ("count", "first_delay", "interval", "message"),
    [
        (-1, MINUTE, DAY, "count must not be negative"),
        (1, -MINUTE, DAY, "the first delay must not be negative"),
        (1, MINUTE, timedelta(0), "the interval between tips must be positive"),
    ],
)
def test_schedule_rejects_nonsense(
    count: int, first_delay: timedelta, interval: timedelta, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        schedule(count, utc(2025, 1, 1), first_delay, interval, DEFAULT_WINDOW, MOSCOW)


def test_schedule_of_nothing() -> None:
    assert schedule(0, utc(2025, 1, 1), MINUTE, DAY, DEFAULT_WINDOW, MOSCOW) == []


ZONES = [
    ZoneInfo(name)
    for name in (
        "Europe/Moscow",
        "Europe/Berlin",
        "America/New_York",
        "Australia/Lord_Howe",  # a 30-minute DST shift
        "Asia/Kathmandu",  # UTC+05:45
        "Asia/Kamchatka",
        "UTC",
    )
]
QUARTER = timedelta(minutes=15)


def windows() -> st.SearchStrategy[Window]:
    return (
        st.tuples(st.integers(0, 23), st.integers(1, 24))
        .filter(lambda hours: hours[0] != hours[1])
        .map(lambda hours: Window(*hours))
    )


def brute_next(moment: datetime, window: Window, tz: ZoneInfo) -> datetime:
    """The first instant at or after ``moment`` inside the window, by walking quarter-hours
    (every local whole hour of these zones is a UTC quarter-hour)."""
    if in_window(moment, window, tz):
        return moment
    step = moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)
    step += QUARTER
    for _ in range(4 * 24 * 3):
        if window.contains(step.astimezone(tz).hour):
            return step
        step += QUARTER
    raise AssertionError("no window found")


moments = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2027, 12, 31),
    timezones=st.just(UTC),
)


@settings(max_examples=400, deadline=None)
@given(
    now=moments,
    first_delay=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)),
    interval=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=8)),
    window=windows(),
    tz=st.sampled_from(ZONES),
    count=st.integers(min_value=0, max_value=6),
)
def test_schedule_matches_a_brute_force_walk(
    now: datetime,
    first_delay: timedelta,
    interval: timedelta,
    window: Window,
    tz: ZoneInfo,
    count: int,
) -> None:
    times = schedule(count, now, first_delay, interval, window, tz)
    assert len(times) == count
    target = now + first_delay
    for due in times:
        assert due == brute_next(target, window, tz)
        assert due >= now
        assert in_window(due, window, tz)
        target = due + interval
    assert all(a < b for a, b in pairwise(times))


# --- parse_duration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", timedelta(seconds=5)),
        ("86400", DAY),
        (" 60 ", MINUTE),
        ("0", timedelta(0)),
        ("PT30M", timedelta(minutes=30)),
        ("P3D", 3 * DAY),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("PT1.5S", timedelta(seconds=1.5)),
        ("PT0,25H", timedelta(minutes=15)),
        ("P1W", 7 * DAY),
        ("P1WT1S", timedelta(days=7, seconds=1)),
        ("pt2h30m", timedelta(hours=2, minutes=30)),
        ("PT0S", timedelta(0)),
        ("P0.5D", 12 * HOUR),
        ("PT0.000001S", timedelta(microseconds=1)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "a duration cannot be empty"),
        ("   ", "a duration cannot be empty"),
        ("-5", "duration '-5' must not have a sign"),
        ("-PT5M", "must not have a sign"),
        ("+5", "must not have a sign"),
        ("P", "'P' is not a duration"),
        ("PT", "'PT' is not a duration"),
        ("P1DT", "'P1DT' is not a duration"),
        ("P1Y", "uses years or months, which have no fixed length"),
        ("P2M", "uses years or months"),
        ("P1Y2M3D", "uses years or months"),
        ("PT5X", "'PT5X' is not a duration"),
        ("5s", "'5s' is not a duration"),
        ("1.5", "'1.5' is not a duration"),
        ("P1.5DT2H", "may have a fraction only in its last number"),
        ("PT0.0000001S", "finer than a microsecond"),
        ("P 3D", "is not a duration"),
        ("PT30M P1D", "is not a duration"),
        ("P1H", "'P1H' is not a duration"),
        ("P99999999999D", "is too long"),
        ("٣", "is not a duration"),
    ],
)
def test_parse_duration_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_duration(text)


def test_zero_duration_only_where_allowed() -> None:
    assert parse_duration("PT0M", allow_zero=True) == timedelta(0)
    with pytest.raises(ValueError, match="must be longer than zero"):
        parse_duration("0", allow_zero=False)
    assert parse_duration("1", allow_zero=False) == timedelta(seconds=1)


@settings(max_examples=200, deadline=None)
@given(
    days=st.integers(0, 400),
    hours=st.integers(0, 48),
    minutes=st.integers(0, 120),
    seconds=st.integers(0, 120),
)
def test_parse_duration_round_trips_iso_parts(
    days: int, hours: int, minutes: int, seconds: int
) -> None:
    text = f"P{days}DT{hours}H{minutes}M{seconds}S"
    expected = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    assert parse_duration(text) == expected
    assert parse_duration(str(int(expected.total_seconds()))) == expected


# --- select_due -----------------------------------------------------------------------------

NOW = utc(2025, 6, 1, 12)
GRACE = 6 * HOUR


def row(row_id: int, user_id: int, due_at: datetime, tip_id: str = "") -> PendingTip:
    return PendingTip(row_id, user_id, tip_id or f"tip{row_id}", due_at)


def test_due_and_fresh_is_sent_future_is_left_stale_is_skipped() -> None:
    due = row(1, 10, NOW - HOUR)
    future = row(2, 11, NOW + MINUTE)
    stale = row(3, 12, NOW - GRACE - MINUTE)
    edge = row(4, 13, NOW - GRACE)  # exactly at the grace limit: still sent
    now_exactly = row(5, 14, NOW)
    send, skip = select_due([future, stale, due, edge, now_exactly], NOW, GRACE)
    assert send == [edge, due, now_exactly]
    assert skip == [stale]


def test_a_user_with_several_due_tips_gets_only_the_first() -> None:
    rows = [
        row(7, 1, NOW - 3 * HOUR),
        row(5, 1, NOW - 2 * HOUR),
        row(6, 1, NOW - 3 * HOUR),  # same due time as 7: the lower id goes first
        row(8, 1, NOW + DAY),
        row(9, 2, NOW - 10 * HOUR),  # stale
        row(10, 2, NOW - HOUR),
    ]
    send, skip = select_due(rows, NOW, GRACE)
    assert send == [rows[2], rows[5]]
    assert skip == [rows[4], rows[0], rows[1]]


def test_bot_down_for_days_sends_one_tip_and_skips_the_old_ones() -> None:
    times = schedule(6, NOW - 9 * DAY, MINUTE, 2 * DAY, DEFAULT_WINDOW, MOSCOW)
    rows = [row(n, 1, t) for n, t in enumerate(times, start=1)]
    send, skip = select_due(rows, NOW, 12 * HOUR)
    overdue = [r for r in rows if r.due_at <= NOW]
    assert len(send) <= 1
    assert {r.id for r in send} | {r.id for r in skip} == {r.id for r in overdue}
    assert all(r.due_at < NOW - 12 * HOUR for r in skip)


def test_select_due_rejects_negative_grace_and_naive_times() -> None:
    with pytest.raises(ValueError, match="grace period must not be negative"):
        select_due([], NOW, -MINUTE)
    with pytest.raises(ValueError, match="timezone-aware"):
        select_due([], datetime(2025, 1, 1), GRACE)


def test_nothing_pending_nothing_to_do() -> None:
    assert select_due([], NOW, GRACE) == ([], [])


pending_rows = st.lists(
    st.builds(
        PendingTip,
        id=st.integers(1, 10_000),
        user_id=st.integers(1, 4),
        tip_id=st.sampled_from(["a", "b", "c"]),
        due_at=st.integers(-48 * 60, 48 * 60).map(lambda m: NOW + m * MINUTE),
    ),
    max_size=20,
    unique_by=lambda r: r.id,
)


@settings(max_examples=300, deadline=None)
@given(rows=pending_rows, grace=st.integers(0, 24 * 60).map(lambda m: m * MINUTE))
def test_select_due_properties(rows: list[PendingTip], grace: timedelta) -> None:
    send, skip = select_due(rows, NOW, grace)
    due = [r for r in rows if r.due_at <= NOW]
    assert sorted(r.id for r in send + skip) == sorted(r.id for r in due)
    assert len({r.user_id for r in send}) == len(send)  # one per user at most
    assert all(NOW - grace <= r.due_at <= NOW for r in send)
    for r in skip:
        fresh = r.due_at >= NOW - grace
        if fresh:  # skipped only because an earlier tip of the same user is sent
            (sent,) = [s for s in send if s.user_id == r.user_id]
            assert (sent.due_at, sent.id) < (r.due_at, r.id)
    fresh_users = {r.user_id for r in due if r.due_at >= NOW - grace}
    assert {r.user_id for r in send} == fresh_users


# --- reschedule -----------------------------------------------------------------------------


def plan_rows(user_id: int, times: list[datetime], first_id: int = 1) -> list[PendingTip]:
    return [row(first_id + n, user_id, t) for n, t in enumerate(times)]


def test_more_frequent_tips_bring_the_next_one_closer() -> None:
    now = local(MOSCOW, 2025, 3, 1, 12)
    rows = plan_rows(1, [now + 5 * DAY, now + 10 * DAY, now + 15 * DAY])
    moved = reschedule(
        rows, now, first_delay=MINUTE, interval=DAY, window=DEFAULT_WINDOW, tz=MOSCOW
    )
    assert [r.due_at for r in moved] == [now + DAY, now + 2 * DAY, now + 3 * DAY]
    assert [(r.id, r.tip_id, r.user_id) for r in moved] == [
        (r.id, r.tip_id, r.user_id) for r in rows
    ]


def test_less_frequent_tips_keep_the_next_one() -> None:
    now = local(MOSCOW, 2025, 3, 1, 12)
    rows = plan_rows(1, [now + 6 * HOUR - HOUR, now + DAY + 5 * HOUR])
    moved = reschedule(
        rows, now, first_delay=MINUTE, interval=7 * DAY, window=DEFAULT_WINDOW, tz=MOSCOW
    )
    assert [r.due_at for r in moved] == [now + 5 * HOUR, now + 5 * HOUR + 7 * DAY]


def test_overdue_rows_are_due_after_the_first_delay() -> None:
    now = local(MOSCOW, 2025, 3, 1, 12)
    rows = plan_rows(1, [now - DAY, now + 2 * DAY])
    moved = reschedule(
        rows, now, first_delay=MINUTE, interval=3 * DAY, window=DEFAULT_WINDOW, tz=MOSCOW
    )
    assert [r.due_at for r in moved] == [now + MINUTE, now + MINUTE + 3 * DAY]


def test_a_new_window_or_zone_moves_the_times_into_it() -> None:
    now = local(MOSCOW, 2025, 3, 1, 9)
    rows = plan_rows(1, [local(MOSCOW, 2025, 3, 1, 11), local(MOSCOW, 2025, 3, 4, 11)])
    evening = Window(18, 22)
    moved = reschedule(rows, now, first_delay=MINUTE, interval=3 * DAY, window=evening, tz=MOSCOW)
    assert [r.due_at for r in moved] == [
        local(MOSCOW, 2025, 3, 1, 18),
        local(MOSCOW, 2025, 3, 4, 18),
    ]
    omsk = ZoneInfo("Asia/Omsk")  # MSK+3: 11:00 in Moscow is 14:00 in Omsk, still in 10-20
    moved = reschedule(
        rows, now, first_delay=MINUTE, interval=3 * DAY, window=DEFAULT_WINDOW, tz=omsk
    )
    assert [r.due_at for r in moved] == [r.due_at for r in rows]
    kaliningrad = ZoneInfo("Europe/Kaliningrad")  # MSK-1: 09:00 MSK is 08:00 there
    early = plan_rows(1, [now + MINUTE])
    moved = reschedule(
        early, now, first_delay=MINUTE, interval=DAY, window=DEFAULT_WINDOW, tz=kaliningrad
    )
    assert moved[0].due_at == local(kaliningrad, 2025, 3, 1, 10)


def test_reschedule_keeps_users_apart() -> None:
    now = utc(2025, 3, 1, 9)
    rows = [
        *plan_rows(1, [now + DAY, now + 3 * DAY], first_id=1),
        *plan_rows(2, [now + 2 * HOUR], first_id=10),
    ]
    moved = reschedule(
        rows[::-1], now, first_delay=MINUTE, interval=DAY, window=ANY_TIME, tz=MOSCOW
    )
    assert [(r.user_id, r.id, r.due_at) for r in moved] == [
        (2, 10, now + 2 * HOUR),
        (1, 1, now + DAY),
        (1, 2, now + 2 * DAY),
    ]


def test_reschedule_rejects_a_zero_interval() -> None:
    with pytest.raises(ValueError, match="interval between tips must be positive"):
        reschedule([], NOW, first_delay=MINUTE, interval=timedelta(0), window=ANY_TIME, tz=MOSCOW)


@settings(max_examples=200, deadline=None)
@given(
    rows=pending_rows,
    first_delay=st.integers(0, 600).map(lambda m: m * MINUTE),
    interval=st.integers(1, 7 * 24 * 60).map(lambda m: m * MINUTE),
    window=windows(),
    tz=st.sampled_from(ZONES),
)
def test_reschedule_properties(
    rows: list[PendingTip],
    first_delay: timedelta,
    interval: timedelta,
    window: Window,
    tz: ZoneInfo,
) -> None:
    moved = reschedule(rows, NOW, first_delay=first_delay, interval=interval, window=window, tz=tz)
    assert sorted(r.id for r in moved) == sorted(r.id for r in rows)
    for user in {r.user_id for r in rows}:
        before = sorted((r for r in rows if r.user_id == user), key=lambda r: (r.due_at, r.id))
        after = [r for r in moved if r.user_id == user]
        assert [r.id for r in after] == [r.id for r in before]  # plan order kept
        assert after[0].due_at >= NOW + first_delay
        assert after[0].due_at <= next_in_window(max(NOW + interval, NOW + first_delay), window, tz)
        for a, b in pairwise(after):
            assert b.due_at >= a.due_at + interval
        assert all(in_window(r.due_at, window, tz) for r in after)


# --- Russian time zones ---------------------------------------------------------------------


def test_russian_zones_exist_and_their_labels_match_their_offsets() -> None:
    names = available_timezones()
    moment = utc(2025, 1, 15, 12)
    summer = utc(2025, 7, 15, 12)
    moscow = moment.astimezone(MOSCOW).utcoffset()
    assert moscow == timedelta(hours=3)
    for name, ru, en in RUSSIAN_TIMEZONES:
        assert name in names, name
        zone = ZoneInfo(name)
        offset = moment.astimezone(zone).utcoffset()
        assert offset == summer.astimezone(zone).utcoffset(), f"{name} has DST"
        assert offset is not None
        shift = int((offset - moscow).total_seconds() // 3600)
        suffix = "" if shift == 0 else f"{'+' if shift > 0 else '−'}{abs(shift)}"
        assert ru.endswith(f"(МСК{suffix})"), (name, ru)
        assert en.endswith(f"(MSK{suffix})"), (name, en)
    shifts = [
        int((utc(2025, 1, 1).astimezone(ZoneInfo(n)).utcoffset() or timedelta()).total_seconds())
        for n, _, _ in RUSSIAN_TIMEZONES
    ]
    assert shifts == sorted(shifts)
    assert len(RUSSIAN_TIMEZONES) == len({n for n, _, _ in RUSSIAN_TIMEZONES}) == 12


def test_timezone_labels() -> None:
    assert timezone_label("Europe/Samara", "ru") == "Самара (МСК+1)"
    assert timezone_label("Europe/Samara", "en") == "Samara (MSK+1)"
    assert timezone_label("Europe/Berlin", "ru") == "Europe/Berlin"
