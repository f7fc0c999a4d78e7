"""The quiz service on a real database: a press finds the run the previous press made
instead of replaying the attempt, and a kept run never stands for other answers."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.db import Database
from bot.db.attempts import Answered, AttemptsRepo, Decide, PressRead
from bot.db.users import UsersRepo
from bot.domain import SeenUser
from bot.quiz import CONTINUE, QuestionNode, Quiz, QuizRun, load_quizzes
from bot.quiz.careless import Flag
from bot.services import quiz as quiz_module
from bot.services.quiz import Finished, Moved, Outdated, Position, PressOutcome, QuizService
from tests.support import Trips

ROOT = Path(__file__).resolve().parents[2]
QUIZZES = load_quizzes(ROOT / "quizzes")
T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
STUDENT = 1
OTHER = 2
"""Another student, for what several students' presses do together."""


@pytest.fixture
async def service(db: Database) -> QuizService:
    await UsersRepo(db).touch(SeenUser(STUDENT, "Аня"), T0)
    await UsersRepo(db).touch(SeenUser(OTHER, "Борис"), T0)
    return QuizService(AttemptsRepo(db), QUIZZES, FrozenClock(T0), option_seeds=lambda: 7)


@pytest.fixture
def replays(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many answers each replay of an attempt went through."""
    calls: list[int] = []
    original = QuizRun.replay

    def counted(quiz: Quiz, answers: list[tuple[str, str]]) -> QuizRun:
        calls.append(len(list(answers)))
        return original(quiz, answers)

    monkeypatch.setattr(QuizRun, "replay", staticmethod(counted))
    return calls


def pressing(
    service: QuizService, position: Position, choice: int = 0
) -> Coroutine[Any, Any, PressOutcome]:
    """The student's press of option `choice` (or "Continue") on the current node."""
    node = position.run.current
    option = node.options[choice].id if isinstance(node, QuestionNode) else CONTINUE
    attempt = position.attempt
    return service.answer(STUDENT, attempt.id, attempt.step, node.id, option)


async def press(service: QuizService, position: Position, choice: int = 0) -> Position:
    moved = await pressing(service, position, choice)
    assert isinstance(moved, Moved), moved
    return moved.position


async def stored_run(db: Database, position: Position) -> QuizRun:
    snapshot = await AttemptsRepo(db).snapshot(attempt_id=position.attempt.id)
    assert snapshot is not None
    return QuizRun.replay(position.run.quiz, snapshot[1])


async def test_a_press_replays_nothing_that_an_earlier_press_made(
    db: Database, service: QuizService, replays: list[int]
) -> None:
    position = await service.begin(STUDENT)
    for _ in range(8):
        position = await press(service, position)
    assert replays == [0]  # the first press replays the empty attempt, once
    assert position.run == await stored_run(db, position)

    # After a restart nothing is kept: the attempt is replayed once, then kept again.
    restarted = QuizService(AttemptsRepo(db), QUIZZES, FrozenClock(T0))
    replays.clear()
    resumed = await restarted.current(STUDENT)
    assert isinstance(resumed, Position)
    assert resumed.run == position.run
    await press(restarted, resumed)
    assert replays == [len(position.run.answers)]


async def test_after_back_a_different_answer_gets_its_own_run(
    db: Database, service: QuizService
) -> None:
    position = await service.begin(STUDENT)
    while position.run.questions_answered < 3:
        position = await press(service, position)
    step = position.attempt.step
    went_back = await service.back(STUDENT, position.attempt.id, step, position.run.current.id)
    assert isinstance(went_back, Moved)
    position = went_back.position
    question = position.run.current
    assert isinstance(question, QuestionNode)
    # The same step number again, now with another answer: the kept run of the first
    # answer must not be taken for it.
    position = await press(service, position, choice=len(question.options) - 1)
    position = await press(service, position)
    assert position.run == await stored_run(db, position)
    assert position.run.answers[-2].option_id == question.options[-1].id


async def test_kept_runs_are_bounded(service: QuizService, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quiz_module, "RUNS_KEPT", 3)
    position = await service.begin(STUDENT)
    for _ in range(6):
        position = await press(service, position)
    assert len(service._runs) == 3


async def test_snapshots_and_shown_messages_of_several_attempts_at_once(
    db: Database, service: QuizService
) -> None:
    repo = AttemptsRepo(db)
    first = await service.begin(STUDENT)
    for _ in range(3):
        first = await press(service, first)
    second = await service.begin(OTHER)
    missing = second.attempt.id + 100
    snapshots = await repo.snapshots([second.attempt.id, missing, first.attempt.id])
    assert snapshots[1] is None
    assert snapshots[0] is not None
    assert snapshots[0][1] == []
    assert snapshots[2] is not None
    assert snapshots[2][1] == list(first.run.answers)  # in order, as answered

    await repo.set_messages([(first.attempt.id, 5), (second.attempt.id, 6), (first.attempt.id, 7)])
    stored = [await repo.get(a.attempt.id) for a in (first, second)]
    assert [a.message_id if a else None for a in stored] == [7, 6]  # the last one wins


async def test_answers_recorded_together_keep_the_step_guard(
    db: Database, service: QuizService, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = AttemptsRepo(db)
    one = await service.begin(STUDENT)
    two = await service.begin(OTHER)
    trips = Trips(db, monkeypatch)

    def answered(position: Position, option: str) -> Answered:
        return Answered(position.attempt, position.run.node_id, option, "next_node", T0)

    stale = dataclasses.replace(two.attempt, step=two.attempt.step + 5)
    batch = [
        answered(one, "first"),
        answered(one, "second"),  # the same attempt again: as if it came after the first
        Answered(stale, two.run.node_id, "x", "next_node", T0),  # a step it is not at
        answered(two, "own"),
    ]
    assert await repo.record_answers(batch) == [True, False, False, True]
    assert trips.count == 1  # the whole transaction, both statements
    snapshots = await repo.snapshots([one.attempt.id, two.attempt.id])
    assert [s[1] if s else None for s in snapshots] == [
        [(one.run.node_id, "first")],
        [(two.run.node_id, "own")],
    ]
    assert [s[0].step if s else None for s in snapshots] == [1, 1]
    # A second batch at the old step changes nothing, nor one on a node not current.
    assert await repo.record_answers([answered(one, "late")]) == [False]
    moved_on = dataclasses.replace(one.attempt, step=1)
    elsewhere = Answered(moved_on, "not_the_current_node", "x", "next_node", T0)
    assert await repo.record_answers([elsewhere]) == [False]


async def test_a_new_attempt_abandons_the_one_in_progress_in_one_trip(
    db: Database, service: QuizService, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = AttemptsRepo(db)
    first = await service.begin(STUDENT)
    await press(service, first)
    elsewhere = await service.begin(OTHER)
    trips = Trips(db, monkeypatch)
    second = await service.begin(STUDENT)
    assert trips.count == 1  # the abandoning, the new row and reading it back
    assert second.attempt.id not in (first.attempt.id, elsewhere.attempt.id)
    assert (second.attempt.step, second.attempt.status) == (0, "active")
    assert second.attempt.option_seed == 7
    assert second.attempt.current_node == second.run.node_id
    old = await repo.get(first.attempt.id)
    assert old is not None
    assert old.status == "abandoned"
    assert await repo.get(second.attempt.id) == second.attempt
    other = await repo.get(elsewhere.attempt.id)
    assert other is not None
    assert other.status == "active"  # another student's attempt is left alone


async def test_a_press_is_one_trip_to_the_database_the_finishing_one_too(
    db: Database, service: QuizService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading the attempt, the rules and writing the answer go in one trip; the answer
    that finishes also reads the answer times (careless answering) and the attempt
    before (the change since last time) there."""
    trips = Trips(db, monkeypatch)
    finished: list[Finished] = []
    for _attempt in range(2):
        position = await service.begin(STUDENT)
        for _ in range(60):
            trips.count = 0
            outcome = await pressing(service, position)
            assert trips.count == 1, (position.run.node_id, trips.count)
            if isinstance(outcome, Finished):
                finished.append(outcome)
                break
            assert isinstance(outcome, Moved), outcome
            position = outcome.position
    first, second = finished
    assert first.previous is None
    assert second.previous == first.profile
    # Every answer came at the same frozen moment: far too fast to be read.
    assert Flag.TOO_FAST in first.profile.flags
    stored = await AttemptsRepo(db).get(second.position.attempt.id)
    assert stored is not None
    assert stored.status == "finished"
    assert stored.profile == second.profile.to_dict()


async def test_a_press_on_an_attempt_the_quiz_no_longer_fits_closes_it(
    db: Database, service: QuizService, monkeypatch: pytest.MonkeyPatch
) -> None:
    position = await press(service, await service.begin(STUDENT))
    await db.execute("UPDATE attempts SET quiz_version = quiz_version - 1")
    trips = Trips(db, monkeypatch)
    outcome = await pressing(service, position)
    assert isinstance(outcome, Outdated)
    assert trips.count == 1
    stored = await AttemptsRepo(db).get(position.attempt.id)
    assert stored is not None
    assert (stored.status, stored.step) == ("outdated", position.attempt.step)


async def test_presses_in_one_trip_read_what_the_earlier_ones_wrote_and_keep_their_errors(
    db: Database, service: QuizService, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = AttemptsRepo(db)
    one = await service.begin(STUDENT)
    two = await service.begin(OTHER)
    seen: list[int | None] = []

    def answer(position: Position, option: str) -> Decide[str]:
        """An answer to `position`, whatever the attempt is at when it is read."""

        def decide(read: PressRead) -> tuple[Answered, str]:
            assert read.snapshot is not None
            seen.append(read.snapshot[0].step)
            node = position.run.node_id
            return Answered(position.attempt, node, option, "next_node", T0), option

        return decide

    def broken(read: PressRead) -> tuple[None, str]:
        raise ValueError("a bug in the rules")

    trips = Trips(db, monkeypatch)
    pressed = await repo.press(
        [
            (one.attempt.id, answer(one, "first")),
            (one.attempt.id, answer(one, "second")),  # the same step again: it reads step 1
            (two.attempt.id, broken),
            (two.attempt.id, answer(two, "own")),
        ]
    )
    assert trips.count == 1
    assert seen == [0, 1, 0]
    assert [(p.value, p.written) for p in pressed] == [
        ("first", True),
        ("second", False),  # a step the attempt has left: the step guard holds
        (None, False),
        ("own", True),
    ]
    assert isinstance(pressed[2].error, ValueError)
    snapshots = await repo.snapshots([one.attempt.id, two.attempt.id])
    assert [s[1] if s else None for s in snapshots] == [
        [(one.run.node_id, "first")],
        [(two.run.node_id, "own")],
    ]


async def test_an_error_of_sqlite_while_deciding_writes_no_press_of_the_batch(
    db: Database, service: QuizService
) -> None:
    """SQLite may roll a transaction back on its own error: then no press of the batch
    may come back as written."""
    repo = AttemptsRepo(db)
    one = await service.begin(STUDENT)
    two = await service.begin(OTHER)

    def first(read: PressRead) -> tuple[Answered, str]:
        return Answered(one.attempt, one.run.node_id, "first", "next_node", T0), "first"

    def failing(read: PressRead) -> tuple[None, str]:
        raise sqlite3.OperationalError("database or disk is full")

    with pytest.raises(sqlite3.OperationalError):
        await repo.press([(one.attempt.id, first), (two.attempt.id, failing)])
    snapshots = await repo.snapshots([one.attempt.id])
    assert snapshots[0] is not None
    assert (snapshots[0][0].step, snapshots[0][1]) == (0, [])


async def test_a_double_press_counts_once(service: QuizService) -> None:
    position = await press(service, await service.begin(STUDENT))
    outcomes = await asyncio.gather(*(pressing(service, position) for _ in range(3)))
    assert sorted(type(o).__name__ for o in outcomes) == ["Moved", "Stale", "Stale"]


async def test_a_double_press_on_an_attempt_the_quiz_no_longer_fits_closes_it_once(
    db: Database, service: QuizService
) -> None:
    position = await press(service, await service.begin(STUDENT))
    await db.execute("UPDATE attempts SET quiz_version = quiz_version - 1")
    outcomes = await asyncio.gather(*(pressing(service, position) for _ in range(2)))
    assert sorted(type(o).__name__ for o in outcomes) == ["Outdated", "Stale"]
