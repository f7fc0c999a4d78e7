"""Taking the quiz: every press is checked against the stored attempt, replayed through
the pure engine, and written at once. The database row's `step` is the guard that
makes a doubled, stale or concurrent press harmless."""

from __future__ import annotations

import dataclasses
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from itertools import pairwise

from bot.clock import Clock
from bot.db.attempts import (
    Answered,
    AttemptsRepo,
    Decide,
    Outdate,
    Pressed,
    PressRead,
    Snapshot,
)
from bot.domain import Attempt, AttemptStatus
from bot.quiz import (
    Answer,
    NothingToUndo,
    Quiz,
    QuizRun,
    QuizRunError,
    ReplayError,
)
from bot.quiz.careless import careless_flags
from bot.quiz.order import SEED_LIMIT
from bot.quiz.snapshot import StoredProfile
from bot.services.group_commit import GroupCommit

log = logging.getLogger(__name__)

DEFAULT_QUIZ = "support_role"

RUNS_KEPT = 1024
"""Replayed runs kept in memory, by quiz version and answers (see `QuizService._run`)."""

RunKey = tuple[str, int, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class Position:
    """An attempt in progress and where it stands."""

    attempt: Attempt
    run: QuizRun


@dataclass(frozen=True)
class Moved:
    position: Position
    answered: Answer | None
    """The answer just given (None after "Back")."""
    undone_messages: tuple[int, ...] = ()
    """After "Back": the messages that showed the undone answers, oldest first."""


@dataclass(frozen=True)
class Finished:
    position: Position
    answered: Answer
    profile: StoredProfile
    previous: StoredProfile | None


@dataclass(frozen=True)
class Stale:
    """The press refers to a state the attempt has left: nothing changes."""


@dataclass(frozen=True)
class Refused:
    """The press was never valid for this user (forged or foreign): nothing changes."""


@dataclass(frozen=True)
class Outdated:
    """The quiz changed since the attempt began; the attempt is closed."""

    attempt: Attempt


@dataclass(frozen=True)
class Result:
    attempt: Attempt
    profile: StoredProfile
    previous: StoredProfile | None


PressOutcome = Moved | Finished | Stale | Refused | Outdated


@dataclass(frozen=True)
class _Press:
    """A press of a button under a question (answer, back, pause), and when: the option
    and the pressed message are an answer's."""

    user_id: int
    attempt_id: int
    step: int
    node_id: str
    option_id: str
    message_id: int | None
    at: datetime


@dataclass(frozen=True)
class _Answer:
    """An answer a press decided to record: the attempt as read, the run it makes, and
    the profile if it finishes the attempt."""

    attempt: Attempt
    run: QuizRun
    profile: StoredProfile | None


_Decided = _Answer | Outdate | Stale | Refused
"""What deciding a press hands back to `QuizService.answer`."""


def draw_option_seed() -> int:
    return secrets.randbelow(SEED_LIMIT)


class QuizService:
    def __init__(
        self,
        attempts: AttemptsRepo,
        quizzes: Mapping[str, Quiz],
        clock: Clock,
        quiz_id: str = DEFAULT_QUIZ,
        option_seeds: Callable[[], int] | None = None,
    ) -> None:
        """`option_seeds` draws each new attempt's order of options (by default at random;
        tests pass a sequence of their own, so that a walk is the same on every run)."""
        if quiz_id not in quizzes:
            raise ValueError(f"quiz {quiz_id!r} is not loaded")
        self._attempts = attempts
        self._quizzes = quizzes
        self._clock = clock
        self._option_seeds = option_seeds or draw_option_seed
        self.quiz_id = quiz_id
        self._runs: OrderedDict[RunKey, QuizRun] = OrderedDict()
        # What other students' presses read and write while one press is at the
        # database goes there together: their answers (each attempt read, the press
        # decided and written) in one transaction, their new questions remembered in
        # one statement; and the attempts that "Back" and "Pause" read, in one.
        self._snapshots = GroupCommit(attempts.snapshots)
        self._shown = GroupCommit(attempts.set_messages)
        self._pressed: GroupCommit[tuple[int, Decide[_Decided]], Pressed[_Decided]]
        self._pressed = GroupCommit(attempts.press)
        # Kept runs are read and kept on the database's thread too (a press is decided
        # there, see `answer`).
        self._runs_lock = threading.Lock()

    @property
    def quiz(self) -> Quiz:
        return self._quizzes[self.quiz_id]

    # --- starting and resuming ------------------------------------------------------------

    async def begin(self, user_id: int) -> Position:
        """A fresh attempt (one in progress is abandoned)."""
        quiz = self.quiz
        run = QuizRun.start(quiz)
        attempt = await self._attempts.create(
            user_id,
            quiz.id,
            quiz.version,
            run.node_id,
            self._clock.now(),
            option_seed=self._option_seeds(),
        )
        return Position(attempt, run)

    async def current(self, user_id: int) -> Position | Outdated | None:
        """The attempt in progress, replayed; Outdated if the quiz changed under it."""
        snapshot = await self._attempts.snapshot(active_for=(user_id, self.quiz_id))
        if snapshot is None:
            return None
        return await self._replay(*snapshot)

    async def remember_message(self, attempt_id: int, message_id: int) -> None:
        await self._shown((attempt_id, message_id))

    # --- pressing buttons -----------------------------------------------------------------

    async def answer(
        self,
        user_id: int,
        attempt_id: int,
        step: int,
        node_id: str,
        option_id: str,
        message_id: int | None = None,
    ) -> PressOutcome:
        """Record a press on the current node; `message_id` is the message pressed.

        The attempt is read, the press checked and replayed, and the answer written in
        one transaction, in one trip to the database's thread (shared with the presses
        of other students made meanwhile): the rules run there, in `_decide_answer`.
        """
        press = _Press(user_id, attempt_id, step, node_id, option_id, message_id, self._clock.now())
        pressed = await self._pressed((attempt_id, partial(self._decide_answer, press)))
        if pressed.error is not None:
            raise pressed.error
        decided = pressed.value
        if isinstance(decided, Outdate):
            return self._outdated(decided.attempt, pressed.written, decided.reason)
        if isinstance(decided, Stale | Refused):
            return decided
        if not isinstance(decided, _Answer):
            raise TypeError(f"a press decided {decided!r}")
        if not pressed.written:
            return Stale()
        attempt, moved = decided.attempt, decided.run
        position = Position(
            # The pressed message is now the record of the answer, not the live step.
            dataclasses.replace(
                attempt,
                step=attempt.step + 1,
                current_node=moved.node_id,
                paused=False,
                message_id=None,
            ),
            moved,
        )
        answered = Answer(node_id, option_id)
        if decided.profile is None:
            return Moved(position, answered)
        return Finished(position, answered, decided.profile, _stored(pressed.previous))

    def _decide_answer(
        self, press: _Press, read: PressRead
    ) -> tuple[Answered | Outdate | None, _Decided]:
        """What a press writes, decided on the database's thread from what it read there,
        inside the press's transaction (see `AttemptsRepo.press`): nothing to await, no
        I/O but `read.times` (the answer that finishes); it keeps the run it makes and
        may log, both safe from that thread."""
        checked = self._position(read.snapshot, press)
        if isinstance(checked, Outdate):
            return checked, checked
        if not isinstance(checked, Position):
            return None, checked
        attempt, run = checked.attempt, checked.run
        try:
            moved = run.apply(Answer(press.node_id, press.option_id))
        except QuizRunError as exc:
            log.warning(
                "refused press by user %d on attempt %d: %s", press.user_id, press.attempt_id, exc
            )
            return None, Refused()
        self._keep(moved)
        profile = None
        if moved.finished:
            flags = self._careless(attempt, moved, [*read.times(), press.at])
            profile = StoredProfile.from_profile(moved.profile(), flags)
        write = Answered(
            attempt,
            press.node_id,
            press.option_id,
            moved.node_id,
            press.at,
            message_id=press.message_id,
            profile=None if profile is None else profile.to_dict(),
        )
        return write, _Answer(attempt, moved, profile)

    async def back(self, user_id: int, attempt_id: int, step: int, node_id: str) -> PressOutcome:
        checked = await self._check(user_id, attempt_id, step, node_id)
        if not isinstance(checked, Position):
            return checked
        attempt, run = checked.attempt, checked.run
        try:
            earlier = run.back()
        except NothingToUndo:
            return Stale()
        keep = len(earlier.answers)
        undone = await self._attempts.undo_to(attempt, keep, earlier.node_id, self._clock.now())
        if undone is None:
            return Stale()
        position = Position(
            dataclasses.replace(attempt, step=keep, current_node=earlier.node_id), earlier
        )
        return Moved(position, None, tuple(undone))

    async def pause(
        self, user_id: int, attempt_id: int, step: int, node_id: str
    ) -> Position | Stale | Refused | Outdated:
        """Pause the attempt: it waits, untouched by stray messages, until /quiz."""
        checked = await self._check(user_id, attempt_id, step, node_id)
        if not isinstance(checked, Position):
            return checked
        if not await self._attempts.set_paused(checked.attempt, True, self._clock.now()):
            return Stale()
        return Position(dataclasses.replace(checked.attempt, paused=True), checked.run)

    async def resume(self, user_id: int) -> Position | Outdated | None:
        """The attempt in progress, no longer paused (the student asked to go on)."""
        current = await self.current(user_id)
        if isinstance(current, Position) and current.attempt.paused:
            await self._attempts.set_paused(current.attempt, False, self._clock.now())
            current = Position(dataclasses.replace(current.attempt, paused=False), current.run)
        return current

    # --- results --------------------------------------------------------------------------

    async def results(self, user_id: int, limit: int = 20) -> list[Attempt]:
        return await self._attempts.finished(user_id, limit)

    async def result(self, user_id: int, attempt_id: int) -> Result | None:
        """A finished attempt of this user with the one before it; None if not theirs."""
        attempt = await self._attempts.get(attempt_id)
        if attempt is None or attempt.user_id != user_id or attempt.profile is None:
            if attempt is not None and attempt.user_id != user_id:
                log.warning("user %d asked for attempt %d of someone else", user_id, attempt_id)
            return None
        previous = await self._attempts.previous_finished(attempt)
        return Result(attempt, StoredProfile.from_dict(attempt.profile), _stored(previous))

    async def review(self, user_id: int, attempt_id: int) -> list[tuple[str, str]] | None:
        """The answers of a finished attempt of this user, for the review after the result;
        None if it is not theirs or was taken on another version of the quiz."""
        snapshot = await self._attempts.snapshot(attempt_id=attempt_id)
        if snapshot is None or snapshot[0].user_id != user_id:
            return None
        attempt, answers = snapshot
        quiz = self._quizzes.get(attempt.quiz_id)
        if attempt.profile is None or quiz is None or quiz.version != attempt.quiz_version:
            return None
        return answers

    async def latest_result(self, user_id: int) -> Result | None:
        rows = await self._attempts.finished(user_id, 1)
        return await self.result(user_id, rows[0].id) if rows else None

    # --- internals ------------------------------------------------------------------------

    async def _check(
        self, user_id: int, attempt_id: int, step: int, node_id: str
    ) -> Position | Stale | Refused | Outdated:
        snapshot = await self._snapshots(attempt_id)
        press = _Press(user_id, attempt_id, step, node_id, "", None, self._clock.now())
        checked = self._position(snapshot, press)
        if isinstance(checked, Outdate):
            return await self._outdate(checked)
        return checked

    def _position(
        self, snapshot: Snapshot | None, press: _Press
    ) -> Position | Stale | Refused | Outdate:
        """Where a press on (attempt, step, node) by this user stands, from a snapshot of
        the attempt: Refused if it is not theirs, Stale if the attempt left that step."""
        if snapshot is None or snapshot[0].user_id != press.user_id:
            log.warning(
                "refused press by user %d: attempt %d %s",
                press.user_id,
                press.attempt_id,
                "does not exist" if snapshot is None else "belongs to someone else",
            )
            return Refused()
        attempt, answers = snapshot
        live = attempt.status == AttemptStatus.ACTIVE
        if not live or attempt.step != press.step or attempt.current_node != press.node_id:
            return Stale()
        return self._replayed(attempt, answers, press.at)

    async def _replay(
        self, attempt: Attempt, answers: list[tuple[str, str]]
    ) -> Position | Outdated:
        """Rebuild the run from a consistent snapshot of the attempt and its answers."""
        replayed = self._replayed(attempt, answers, self._clock.now())
        if isinstance(replayed, Outdate):
            return await self._outdate(replayed)
        return replayed

    def _replayed(
        self, attempt: Attempt, answers: list[tuple[str, str]], now: datetime
    ) -> Position | Outdate:
        """`_replay` without its write: what to close, and why, if the run does not fit."""
        quiz = self._quizzes.get(attempt.quiz_id)
        if quiz is None or quiz.version != attempt.quiz_version:
            return Outdate(attempt, now, "the quiz version changed")
        try:
            run = self._run(quiz, answers)
        except ReplayError as exc:
            return Outdate(attempt, now, str(exc))
        if run.node_id != attempt.current_node:
            return Outdate(attempt, now, "the stored node differs from the replay")
        return Position(attempt, run)

    def _run(self, quiz: Quiz, answers: Sequence[tuple[str, str]]) -> QuizRun:
        """The run these answers make, replayed or kept from the press that made it.

        A run is a pure function of the quiz and the answers, and the key holds both
        (answers whole, not a step number, which "Back" reuses), so a kept run is never
        stale. Each press finds the run the previous press made, instead of replaying
        every answer of the attempt again.
        """
        key: RunKey = (quiz.id, quiz.version, tuple(answers))
        with self._runs_lock:
            run = self._runs.get(key)
            if run is not None:
                self._runs.move_to_end(key)
                return run
        run = QuizRun.replay(quiz, answers)
        self._keep(run)
        return run

    def _keep(self, run: QuizRun) -> None:
        with self._runs_lock:
            self._runs[(run.quiz.id, run.quiz.version, run.answers)] = run
            if len(self._runs) > RUNS_KEPT:
                self._runs.popitem(last=False)

    def _careless(
        self, attempt: Attempt, finished: QuizRun, times: list[datetime]
    ) -> tuple[str, ...]:
        """Flags of careless answering; `times` are when each answer was given, the one
        being recorded now included."""
        seconds: list[float | None] = [None]
        seconds += [(later - earlier).total_seconds() for earlier, later in pairwise(times)]
        answers = [(a.node_id, a.option_id) for a in finished.answers]
        return tuple(careless_flags(finished.quiz, answers, attempt.option_seed, seconds))

    async def _outdate(self, outdate: Outdate) -> Outdated:
        written = await self._attempts.outdate(outdate.attempt, outdate.at)
        return self._outdated(outdate.attempt, written, outdate.reason)

    @staticmethod
    def _outdated(attempt: Attempt, written: bool, reason: str) -> Outdated:
        if written:
            log.info("attempt %d is outdated: %s", attempt.id, reason)
        return Outdated(attempt)


def _stored(attempt: Attempt | None) -> StoredProfile | None:
    if attempt is None or attempt.profile is None:
        return None
    return StoredProfile.from_dict(attempt.profile)
