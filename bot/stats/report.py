"""A career centre's statistics, from raw counts to what staff may see.

:class:`RawStats` is what the database counted: exact, never shown. :func:`build_report`
turns it into a :class:`StatsReport` in which every number computed from fewer than
`k` students is ``None`` (shown as "<k"), with complementary suppression (see
:mod:`bot.stats.suppression`). Views, the digest and the export all render the
report, never the raw counts, so the same rule holds everywhere by construction.
Nothing here names a student: the raw counts are counts.

A finished attempt whose answers were flagged as careless (see
:mod:`bot.quiz.careless`) says its result may be inaccurate. Such attempts are counted
apart (``finished = reliable + flagged``), and the bands, the recommended
specialisations and the average profile are computed from reliable results only, so
that random clicking does not pass for a centre's students' profile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import StrEnum

from bot.stats.suppression import (
    FunnelStep,
    Partition,
    suppress_funnel,
    suppress_partition,
    suppress_statistic,
    suppress_within,
)


class Period(StrEnum):
    WEEK = "7d"
    MONTH = "30d"
    ALL = "all"

    @property
    def length(self) -> timedelta | None:
        """How far back it reaches; None = all time."""
        return {Period.WEEK: timedelta(days=7), Period.MONTH: timedelta(days=30)}.get(self)


FINISHED = "finished"
UNFINISHED = "unfinished"
RELIABLE = "reliable"
FLAGGED = "flagged"
SUBSCRIBED = "subscribed"
NOT_SUBSCRIBED = "not_subscribed"


@dataclass(frozen=True)
class Mean:
    """An average and the number of students it was computed from."""

    value: float
    students: int


@dataclass(frozen=True)
class Feedback:
    """Feedback on tips of one kind (👍 or 🤷): how many, from how many students."""

    given: int
    students: int


@dataclass(frozen=True)
class RawStats:
    """Exact counts for one scope (a centre or all) and period: never shown as they are.

    Each student counts once: by their latest finished attempt in the period, else by
    their latest attempt started in it.
    """

    started: int
    finished: int
    flagged: int
    """Finished students whose answers were flagged as careless (the result may be
    inaccurate): left out of the bands, specialisations and averages."""
    median_seconds: float | None
    """Median time from start to finish over the finished students, flagged or not."""
    bands: Mapping[str, int]
    """Finished students with a reliable result, by band."""
    specialisations: Mapping[str, int]
    """Finished students with a reliable result, by recommended specialisation."""
    traits: Mapping[str, Mean]
    """Average scores over the finished students with a reliable result."""
    everyone_traits: Mapping[str, Mean]
    """The same averages over every student of the bot in the period."""
    subscribed: int
    """Finished students who subscribed to tips."""
    feedback: Mapping[str, Feedback]
    reached: Mapping[str, int]
    """Per screen: students who saw it (answered it, or are or were stopped at it)."""
    answered: Mapping[str, int]
    """Per screen: students who answered it at least once."""


@dataclass(frozen=True)
class TraitLine:
    trait_id: str
    centre: float | None
    everyone: float | None


@dataclass(frozen=True)
class FunnelLine:
    node_id: str
    reached: int | None
    answered: int | None


@dataclass(frozen=True)
class StatsReport:
    """What staff may see. ``None`` everywhere means "fewer than `min_group`"."""

    min_group: int
    funnel: Partition[str]
    """started = finished + unfinished."""
    completion: float | None
    median_minutes: float | None
    results: Partition[str]
    """finished = reliable + flagged (the result may be inaccurate)."""
    bands: Partition[str]
    """Reliable results by band."""
    specialisations: Partition[str]
    """Reliable results by recommended specialisation."""
    traits: tuple[TraitLine, ...]
    subscriptions: Partition[str]
    """finished = subscribed + not subscribed."""
    feedback: dict[str, int | None]
    dropoff: tuple[FunnelLine, ...]
    hidden: bool = field(default=False)
    """Something was left out for privacy (the views say so)."""

    @property
    def started(self) -> int | None:
        return self.funnel.total

    @property
    def finished(self) -> int | None:
        return self.funnel.parts[FINISHED]

    @property
    def reliable(self) -> int | None:
        return self.results.parts[RELIABLE]

    @property
    def flagged(self) -> int | None:
        return self.results.parts[FLAGGED]


def _ordered(counts: Mapping[str, int], order: Sequence[str]) -> dict[str, int]:
    """Every known key in the quiz's order (0 when absent); unknown keys last."""
    known = {key: counts.get(key, 0) for key in order}
    known.update({key: n for key, n in counts.items() if key not in known})
    return known


def _within(shown_total: int | None, parts: dict[str, int], k: int) -> Partition[str]:
    return suppress_within(shown_total, sum(parts.values()), parts, k)


def build_report(
    raw: RawStats,
    *,
    k: int,
    bands: Sequence[str],
    specialisations: Sequence[str],
    traits: Sequence[str],
    screens: Sequence[tuple[str, tuple[str, ...]]],
) -> StatsReport:
    """Suppress `raw` for staff. The sequences give the quiz's order of band, specialisation
    and trait ids, and its screens in topological order with their predecessors."""
    funnel = suppress_partition(
        raw.started, {FINISHED: raw.finished, UNFINISHED: raw.started - raw.finished}, k
    )
    completion = None
    if funnel.parts[FINISHED] is not None:
        completion = funnel.share(FINISHED)
    median = suppress_statistic(raw.finished, raw.median_seconds, k)
    results = suppress_within(
        funnel.parts[FINISHED],
        raw.finished,
        {RELIABLE: raw.finished - raw.flagged, FLAGGED: raw.flagged},
        k,
    )
    band_split = _within(results.parts[RELIABLE], _ordered(raw.bands, bands), k)
    spec_split = _within(results.parts[RELIABLE], _ordered(raw.specialisations, specialisations), k)
    trait_lines = tuple(
        TraitLine(
            trait_id,
            _mean(raw.traits.get(trait_id), k),
            _mean(raw.everyone_traits.get(trait_id), k),
        )
        for trait_id in traits
    )
    subscriptions = suppress_within(
        funnel.parts[FINISHED],
        raw.finished,
        {SUBSCRIBED: raw.subscribed, NOT_SUBSCRIBED: raw.finished - raw.subscribed},
        k,
    )
    feedback = {
        verdict: suppress_statistic(given.students, given.given, k)
        for verdict, given in raw.feedback.items()
    }
    steps = [
        FunnelStep(
            node_id=node_id,
            predecessors=predecessors,
            reached=raw.reached.get(node_id, 0),
            answered=raw.answered.get(node_id, 0),
        )
        for node_id, predecessors in screens
    ]
    rows = suppress_funnel(steps, raw.started, k)
    dropoff = tuple(
        FunnelLine(step.node_id, rows[step.node_id].reached, rows[step.node_id].answered)
        for step in steps
    )
    report = StatsReport(
        min_group=k,
        funnel=funnel,
        completion=completion,
        median_minutes=None if median is None else median / 60,
        results=results,
        bands=band_split,
        specialisations=spec_split,
        traits=trait_lines,
        subscriptions=subscriptions,
        feedback=feedback,
        dropoff=dropoff,
    )
    return _with_hidden_flag(report, raw)


def _mean(mean: Mean | None, k: int) -> float | None:
    return None if mean is None else suppress_statistic(mean.students, mean.value, k)


def _with_hidden_flag(report: StatsReport, raw: RawStats) -> StatsReport:
    hidden = (
        any(v is None for v in (report.funnel.total, *report.funnel.parts.values()))
        or any(v is None for v in report.results.parts.values())
        or any(v is None for v in report.bands.parts.values())
        or any(v is None for v in report.specialisations.parts.values())
        or any(line.centre is None and raw.traits.get(line.trait_id) for line in report.traits)
        or any(v is None for v in report.subscriptions.parts.values())
        or any(v is None for v in report.feedback.values())
        or any(line.reached is None or line.answered is None for line in report.dropoff)
    )
    return replace(report, hidden=hidden)
