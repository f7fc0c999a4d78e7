"""From exact counts to what staff may see: the report hides every small group, the
same way in every part, and the digest's Monday is Monday in the bot's time zone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.services.digests import week_start
from bot.stats.report import (
    FINISHED,
    FLAGGED,
    NOT_SUBSCRIBED,
    RELIABLE,
    SUBSCRIBED,
    UNFINISHED,
    Feedback,
    Mean,
    RawStats,
    StatsReport,
    build_report,
)

BANDS = ("high", "medium", "low")
SPECS = ("tech", "soft", "comm")
TRAITS = ("patience", "empathy")
SCREENS = [("a", ()), ("b", ("a",)), ("c", ("b",)), ("d", ("b",)), ("e", ("c", "d"))]


BASE = RawStats(
    started=60,
    finished=50,
    flagged=0,
    median_seconds=420.0,
    bands={"high": 30, "medium": 15, "low": 5},
    specialisations={"tech": 25, "soft": 25},
    traits={"patience": Mean(62.5, 50), "empathy": Mean(70.0, 9)},
    everyone_traits={"patience": Mean(55.0, 900), "empathy": Mean(66.0, 900)},
    subscribed=20,
    feedback={"useful": Feedback(40, 12), "not_for_me": Feedback(6, 4)},
    reached={"a": 60, "b": 58, "c": 30, "d": 25, "e": 50},
    answered={"a": 58, "b": 55, "c": 28, "d": 22, "e": 50},
)


def raw(**changes: Any) -> RawStats:
    return replace(BASE, **changes)


def report(data: RawStats, k: int = 10) -> StatsReport:
    return build_report(
        data, k=k, bands=BANDS, specialisations=SPECS, traits=TRAITS, screens=SCREENS
    )


def test_large_groups_are_shown_as_they_are() -> None:
    shown = report(raw())
    assert shown.started == 60
    assert shown.finished == 50
    assert shown.funnel.parts[UNFINISHED] == 10
    assert shown.completion == 50 / 60
    assert shown.median_minutes == 7
    assert shown.subscriptions.parts == {SUBSCRIBED: 20, NOT_SUBSCRIBED: 30}
    assert shown.feedback["useful"] == 40


def test_a_small_band_is_hidden_with_a_complement_so_it_cannot_be_subtracted() -> None:
    bands = report(raw()).bands
    # low (5) is small; alone it would be 50 - 30 - 15: the smallest other band goes too.
    assert bands.parts == {"high": 30, "medium": None, "low": None}
    assert bands.total == 50


def test_bands_nobody_got_are_shown_as_zero_and_given_in_the_quiz_order() -> None:
    specs = report(raw()).specialisations
    assert list(specs.parts) == ["tech", "soft", "comm"]
    assert specs.parts == {"tech": 25, "soft": 25, "comm": 0}


def test_averages_and_feedback_of_small_groups_are_hidden() -> None:
    shown = report(raw())
    lines = {line.trait_id: line for line in shown.traits}
    assert lines["patience"].centre == 62.5
    assert lines["empathy"].centre is None  # nine students
    assert lines["empathy"].everyone == 66.0
    assert shown.feedback["not_for_me"] is None  # six answers from four students
    assert shown.hidden


def test_a_small_centre_shows_nothing_but_that_it_is_small() -> None:
    tiny = report(
        raw(
            started=3,
            finished=3,
            bands={"high": 3},
            specialisations={"tech": 3},
            traits={"patience": Mean(50.0, 3)},
            subscribed=1,
            feedback={},
            reached={"a": 3, "b": 3, "c": 3, "e": 3},
            answered={"a": 3, "b": 3, "c": 3, "e": 3},
        )
    )
    assert tiny.started is None
    assert tiny.finished is None
    assert tiny.completion is None
    assert tiny.median_minutes is None
    assert set(tiny.bands.parts.values()) == {None}
    assert tiny.subscriptions.total is None
    assert all(line.reached is None and line.answered is None for line in tiny.dropoff)


def test_everyone_finished_is_shown_not_hidden() -> None:
    full = report(raw(started=12, finished=12, subscribed=12))
    assert full.funnel.parts == {FINISHED: 12, UNFINISHED: 0}
    assert full.completion == 1.0
    assert full.subscriptions.parts == {SUBSCRIBED: 12, NOT_SUBSCRIBED: 0}


def test_drop_off_hides_a_small_stop_but_shows_a_branch_nobody_took() -> None:
    lines = {
        line.node_id: line
        for line in report(
            raw(
                reached={"a": 60, "b": 58, "c": 58, "d": 0, "e": 40},
                answered={"a": 58, "b": 58, "c": 40, "d": 0, "e": 40},
            )
        ).dropoff
    }
    assert lines["a"].reached == 60
    assert lines["a"].answered is None  # 2 stopped at a: 60 - 58 would show it
    assert lines["c"].answered == 40  # 18 stopped at c, measured from the 60 above
    assert lines["d"].reached == 0


def test_flagged_results_are_counted_apart_from_the_reliable_ones() -> None:
    # 50 finished, 12 of them flagged: the bands and specialisations are of the other 38.
    shown = report(
        raw(
            flagged=12,
            bands={"high": 20, "medium": 18},
            specialisations={"tech": 19, "soft": 19},
        )
    )
    assert shown.finished == 50
    assert shown.results.total == 50
    assert shown.results.parts == {RELIABLE: 38, FLAGGED: 12}
    assert (shown.reliable, shown.flagged) == (38, 12)
    assert shown.bands.total == 38
    assert shown.bands.parts == {"high": 20, "medium": 18, "low": 0}
    assert shown.specialisations.total == 38


def test_a_few_flagged_results_hide_the_reliable_count_and_a_band_or_two() -> None:
    # 4 flagged: hidden, and so the 46 reliable (50 - 46 would give the 4 back). The
    # bands add up to the reliable results, so they must not all be shown either.
    shown = report(raw(flagged=4, bands={"high": 30, "medium": 16}))
    assert shown.results.parts == {RELIABLE: None, FLAGGED: None}
    assert shown.results.total == 50
    assert shown.bands.total is None
    assert shown.bands.parts == {"high": None, "medium": None, "low": 0}
    assert shown.hidden


def test_no_split_of_the_finished_gives_back_a_small_unfinished_group() -> None:
    # 55 started, 50 finished: the funnel hides both. Neither the results, nor the bands,
    # nor the subscriptions may add up to the 50 (and so give the 5 back).
    shown = report(raw(started=55))
    assert shown.funnel.parts == {FINISHED: None, UNFINISHED: None}
    for split in (shown.results, shown.bands, shown.specialisations, shown.subscriptions):
        assert split.total is None
        assert None in split.parts.values()
    assert shown.subscriptions.share(SUBSCRIBED) is None


def test_the_digest_week_starts_on_monday_at_nine_in_the_bots_zone() -> None:
    moscow = ZoneInfo("Europe/Moscow")
    monday_9 = datetime(2026, 11, 23, 9, 0, tzinfo=moscow)
    assert week_start(datetime(2026, 11, 23, 6, 0, tzinfo=UTC), moscow) == monday_9
    assert week_start(datetime(2026, 11, 29, 20, 0, tzinfo=UTC), moscow) == monday_9
    # Monday 08:59 Moscow still belongs to the week before.
    before = datetime(2026, 11, 23, 5, 59, tzinfo=UTC)
    assert week_start(before, moscow) == datetime(2026, 11, 16, 9, 0, tzinfo=moscow)
