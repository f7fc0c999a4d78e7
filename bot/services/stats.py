"""Career centres' statistics: who may see which centre, and the report they see.

A manager sees the centres they manage; an admin sees every centre and the whole
bot. The report is suppressed before it leaves this service (see
:mod:`bot.stats.report`), so the views, the digest and the export cannot show what
the rule hides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.db.stats import StatsRepo
from bot.domain import Access
from bot.quiz import Quiz
from bot.quiz.models import ResultNode
from bot.stats.report import Period, StatsReport, build_report


class NotAllowed(Exception):
    """The viewer may not see this scope."""


@dataclass(frozen=True)
class Scope:
    """One centre, or (admins only) every student of the bot."""

    centre_id: int | None


def screens_of(quiz: Quiz) -> list[tuple[str, tuple[str, ...]]]:
    """The quiz's screens (questions and info) in topological order, each with the
    screens that lead to it: the shape the drop-off table is suppressed along."""
    graph = quiz.graph
    order = [n for n in graph.topological if not isinstance(graph.nodes[n], ResultNode)]
    position = {node_id: i for i, node_id in enumerate(order)}
    predecessors: dict[str, list[str]] = {node_id: [] for node_id in order}
    for source in order:
        for target in graph.successors(source):
            # A loop back (never in a checked quiz) would break the order: leave it out.
            if target in predecessors and position[target] > position[source]:
                predecessors[target].append(source)
    return [(node_id, tuple(predecessors[node_id])) for node_id in order]


class StatsService:
    def __init__(self, repo: StatsRepo, quiz: Quiz, clock: Clock, min_group: int) -> None:
        self._repo = repo
        self._quiz = quiz
        self._clock = clock
        self.min_group = min_group
        self._screens = screens_of(quiz)

    @property
    def quiz(self) -> Quiz:
        return self._quiz

    def allowed(self, access: Access, scope: Scope) -> bool:
        if scope.centre_id is None:
            return access.admin
        return access.sees_centre(scope.centre_id)

    def since(self, period: Period) -> datetime | None:
        length = period.length
        return None if length is None else self._clock.now() - length

    async def report(self, access: Access, scope: Scope, period: Period) -> StatsReport:
        """The suppressed report of a scope; NotAllowed unless the viewer may see it."""
        if not self.allowed(access, scope):
            raise NotAllowed
        return await self.report_unchecked(scope, period)

    async def report_unchecked(self, scope: Scope, period: Period) -> StatsReport:
        """For the digest, whose recipients the staff table already names."""
        raw = await self._repo.raw(scope.centre_id, self._quiz.id, self.since(period))
        outcomes = self._quiz.outcomes
        return build_report(
            raw,
            k=self.min_group,
            bands=[band.id for band in outcomes.bands],
            specialisations=[spec.id for spec in outcomes.specialisations],
            traits=[trait.id for trait in self._quiz.traits],
            screens=self._screens,
        )

    async def finished_since(self, centre_id: int, since: datetime) -> int:
        return await self._repo.finished_since(centre_id, self._quiz.id, since)
