"""Taking a quiz: an immutable run that moves from node to node as the student answers.

An attempt is stored as its ordered answers ``(node_id, option_id)``; everything
else (the current node, scores, the profile) is derived by replaying them. Passing
an info node is an answer too, with the option id :data:`~bot.quiz.models.CONTINUE`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.quiz.errors import (
    NotAnInfoNode,
    NotAQuestion,
    NotCurrentNode,
    NothingToUndo,
    QuizFinished,
    QuizNotFinished,
    QuizRunError,
    ReplayError,
    UnknownOption,
)
from bot.quiz.models import CONTINUE, InfoNode, QuestionNode, Quiz, ResultNode, Rule
from bot.quiz.scoring import Profile, Scores, Tally, build_profile, holds, scores_of


class Answer(NamedTuple):
    """One step of an attempt: the node answered and the option chosen there."""

    node_id: str
    option_id: str


class Progress(NamedTuple):
    """``number``: the question shown now (or answered last, on an info or result node).
    ``total``: answered so far plus the most questions the longest way on can still ask;
    it never grows during a run and is exact at the result."""

    number: int
    total: int


@dataclass(frozen=True)
class QuizRun:
    """Where a student is in a quiz and how they got there. Methods return new runs."""

    quiz: Quiz = field(compare=False, repr=False)
    node_id: str
    answers: tuple[Answer, ...]
    tally: Tally
    interests: tuple[str, ...] = ()
    """Every specialisation the student chose an option of (an option's interest), in order."""
    questions_answered: int = 0

    @classmethod
    def start(cls, quiz: Quiz) -> QuizRun:
        return cls(quiz, quiz.node(quiz.start).id, (), Tally.empty(quiz))

    @classmethod
    def replay(cls, quiz: Quiz, answers: Iterable[tuple[str, str]]) -> QuizRun:
        """Rebuild a run from stored answers; :class:`ReplayError` if they no longer fit."""
        run = cls.start(quiz)
        for position, (node_id, option_id) in enumerate(answers):
            try:
                run = run.apply(Answer(node_id, option_id))
            except QuizRunError as error:
                raise ReplayError(position, node_id, option_id, str(error)) from error
        return run

    # --- where we are ---------------------------------------------------------------------

    @property
    def current(self) -> QuestionNode | InfoNode | ResultNode:
        return self.quiz.node(self.node_id)

    @property
    def finished(self) -> bool:
        return isinstance(self.current, ResultNode)

    @property
    def interest(self) -> str | None:
        """The specialisation the student chose most often; a tie goes to the latest choice
        among the tied (in the manner of Klimov's forced choices: counts, not one answer)."""
        if not self.interests:
            return None
        counts = {i: self.interests.count(i) for i in self.interests}
        most = max(counts.values())
        return next(i for i in reversed(self.interests) if counts[i] == most)

    @property
    def last_answer(self) -> Answer | None:
        return self.answers[-1] if self.answers else None

    @property
    def scores(self) -> Scores:
        """Scores so far (the same numbers the rules see)."""
        return scores_of(self.quiz, self.tally)

    @property
    def remaining(self) -> tuple[int, int]:
        """Fewest and most questions still to come, counting the current one."""
        return self.quiz.graph.bounds.get(self.node_id, (0, 0))

    @property
    def progress(self) -> Progress:
        own = 1 if isinstance(self.current, QuestionNode) else 0
        return Progress(self.questions_answered + own, self.questions_answered + self.remaining[1])

    # --- moving ---------------------------------------------------------------------------

    def answer(self, option_id: str) -> QuizRun:
        """Answer the current question; the run moves on to the next node."""
        node = self.current
        if isinstance(node, ResultNode):
            raise QuizFinished(node.id)
        if not isinstance(node, QuestionNode):
            raise NotAQuestion(node.id, node.kind)
        option = node.option(option_id)
        if option is None:
            raise UnknownOption(node.id, option_id)
        tally = self.tally.add(node, option)
        target = option.next or self._route(node.rules, node.next, tally)
        return QuizRun(
            self.quiz,
            target,
            (*self.answers, Answer(node.id, option.id)),
            tally,
            self.interests if option.interest is None else (*self.interests, option.interest),
            self.questions_answered + 1,
        )

    def proceed(self) -> QuizRun:
        """Press "continue" on the current info node."""
        node = self.current
        if isinstance(node, ResultNode):
            raise QuizFinished(node.id)
        if not isinstance(node, InfoNode):
            raise NotAnInfoNode(node.id, node.kind)
        target = self._route(node.rules, node.next, self.tally)
        return QuizRun(
            self.quiz,
            target,
            (*self.answers, Answer(node.id, CONTINUE)),
            self.tally,
            self.interests,
            self.questions_answered,
        )

    def apply(self, answer: tuple[str, str]) -> QuizRun:
        """Apply a stored or pressed ``(node_id, option_id)``; the node must be the current one."""
        node_id, option_id = answer
        if node_id != self.node_id:
            raise NotCurrentNode(self.node_id, node_id)
        if isinstance(self.current, InfoNode):
            if option_id != CONTINUE:
                raise UnknownOption(node_id, option_id)
            return self.proceed()
        return self.answer(option_id)

    @property
    def can_go_back(self) -> bool:
        return self.questions_answered > 0

    def back(self) -> QuizRun:
        """Undo the last answered question and return to it.

        Info nodes passed after that question are undone too (they are shown again on
        the way forward); info nodes before the first question cannot be gone back to.
        """
        for position in range(len(self.answers) - 1, -1, -1):
            if isinstance(self.quiz.node(self.answers[position].node_id), QuestionNode):
                return QuizRun.replay(self.quiz, self.answers[:position])
        raise NothingToUndo

    def profile(self) -> Profile:
        """The student's profile; only at a result node."""
        if not self.finished:
            raise QuizNotFinished(self.node_id)
        return build_profile(self.quiz, self.tally, self.interest)

    def _route(self, rules: tuple[Rule, ...], default: str | None, tally: Tally) -> str:
        if rules:
            scores = scores_of(self.quiz, tally)
            for rule in rules:
                if holds(rule.when, scores):
                    return rule.next
        if default is None:
            raise QuizRunError(f"node {self.node_id!r} leads nowhere (the quiz was not checked)")
        return default
