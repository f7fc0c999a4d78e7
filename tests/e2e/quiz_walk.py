"""Walking the shipped quiz as a student: find the live question, press an option.

The bot notices answers given faster than anyone reads (see `bot.quiz.careless`), and an
emulated student answers in milliseconds: every walk is "rushed" unless the bot runs on a
frozen clock and the walk is paced with `calmly(clock)`, which lets a reader's seconds
pass before each press."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.clock import FrozenClock
from bot.emulator import EmuMessage, Student
from bot.quiz import QuestionNode, load_quiz
from handlers.quiz.callbacks import Act, QuizCb
from tests.personas import Persona

ROOT = Path(__file__).resolve().parents[2]
QUIZ = load_quiz(ROOT / "quizzes" / "support_role.yaml")

Pick = Callable[[QuestionNode], str]
Pace = Callable[[], None]
"""Called before each press: lets the time a student takes pass on the bot's clock."""

READING = timedelta(seconds=8)
"""How long a calm student takes over a screen: well above the 2 s a careless answer takes."""


def calmly(clock: FrozenClock, each: timedelta = READING) -> Pace:
    """A student who reads every screen before answering (the bot runs on `clock`)."""
    return lambda: clock.advance(each)


def rushed() -> None:
    """A student who answers at once (every emulated walk does, unless paced)."""


def quiz_buttons(message: EmuMessage) -> list[tuple[str, QuizCb]]:
    found = []
    for row in message.buttons:
        for button in row:
            if button.callback_data and button.callback_data.startswith("q:"):
                found.append((button.text, QuizCb.unpack(button.callback_data)))
    return found


def step_of(message: EmuMessage) -> QuizCb | None:
    """The state a quiz message's answer/continue buttons are pinned to."""
    for _text, data in quiz_buttons(message):
        if data.act in (Act.ANSWER, Act.CONTINUE):
            return data
    return None


def is_result(message: EmuMessage) -> bool:
    return any(b.url and "t.me/share" in b.url for row in message.buttons for b in row)


async def next_screen(student: Student) -> EmuMessage:
    """Read bot messages until a quiz step or the result arrives."""
    while True:
        message = await student.expect_message()
        if step_of(message) is not None or is_result(message):
            return message


async def press_data(student: Student, message: EmuMessage, data: QuizCb) -> dict[str, object]:
    query = await student.emu.press(student.user_id, message.message_id, data.pack())
    # As long as the student waits for anything (a result's chart can take seconds).
    return await student.emu.wait_callback_answer(query, timeout=student.timeout)


async def press_option(student: Student, message: EmuMessage, option: str) -> dict[str, object]:
    for _text, data in quiz_buttons(message):
        if data.act == Act.ANSWER and data.option == option:
            return await press_data(student, message, data)
    raise AssertionError(f"no option {option!r} on {message.summary()}")


async def press_act(student: Student, message: EmuMessage, act: Act) -> dict[str, object]:
    for _text, data in quiz_buttons(message):
        if data.act == act:
            return await press_data(student, message, data)
    raise AssertionError(f"no {act!r} button on {message.summary()}")


def best(node: QuestionNode) -> str:
    return max(node.options, key=lambda o: sum(o.points.values())).id


def worst(node: QuestionNode) -> str:
    return min(node.options, key=lambda o: sum(o.points.values())).id


def like(persona: Persona) -> Pick:
    """Answer as `persona` would (a realistic student: see tests.personas)."""
    return lambda node: persona.choose(node.options).id


def with_track(track: str, pick: Pick = best) -> Pick:
    """`pick`, but choose option `track` at the specialisation-interest question."""

    def choose(node: QuestionNode) -> str:
        return track if node.id == "q_track" else pick(node)

    return choose


async def advance(
    student: Student, screen: EmuMessage, pick: Pick, pace: Pace = rushed
) -> EmuMessage:
    """Answer or continue the step on `screen`; return the next step or the result."""
    data = step_of(screen)
    assert data is not None, screen.summary()
    node = QUIZ.node(data.node)
    pace()
    if isinstance(node, QuestionNode):
        await press_option(student, screen, pick(node))
    else:
        await press_act(student, screen, Act.CONTINUE)
    return await next_screen(student)


async def walk(
    student: Student,
    screen: EmuMessage,
    pick: Pick,
    until: str | None = None,
    pace: Pace = rushed,
) -> tuple[EmuMessage, list[str]]:
    """Go on from `screen` until the result (or until node `until` is shown)."""
    visited: list[str] = []
    while not is_result(screen):
        data = step_of(screen)
        assert data is not None
        if data.node == until:
            break
        visited.append(data.node)
        screen = await advance(student, screen, pick, pace)
    return screen, visited
