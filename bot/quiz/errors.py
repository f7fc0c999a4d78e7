"""Errors of taking a quiz (content problems are :class:`bot.content.ContentError`)."""

from __future__ import annotations


class QuizRunError(Exception):
    """A student's action does not fit the quiz at its current node."""


class UnknownOption(QuizRunError):
    """The option id is not one of the current question's options."""

    def __init__(self, node_id: str, option_id: str) -> None:
        self.node_id = node_id
        self.option_id = option_id
        super().__init__(f"node {node_id!r} has no option {option_id!r}")


class NotAQuestion(QuizRunError):
    """An answer was given while the current node is not a question."""

    def __init__(self, node_id: str, kind: str) -> None:
        self.node_id = node_id
        self.kind = kind
        super().__init__(f"node {node_id!r} is {kind!r}, not a question")


class NotAnInfoNode(QuizRunError):
    """``proceed`` was called while the current node is not an info node."""

    def __init__(self, node_id: str, kind: str) -> None:
        self.node_id = node_id
        self.kind = kind
        super().__init__(f"node {node_id!r} is {kind!r}, not an info node")


class NotCurrentNode(QuizRunError):
    """An answer names a node the student is not at (a stale or forged button)."""

    def __init__(self, expected: str, got: str) -> None:
        self.expected = expected
        self.got = got
        super().__init__(f"the current node is {expected!r}, not {got!r}")


class QuizFinished(QuizRunError):
    """The run is at a result node: nothing more to answer."""

    def __init__(self, node_id: str) -> None:
        self.node_id = node_id
        super().__init__(f"the quiz is finished (result node {node_id!r})")


class QuizNotFinished(QuizRunError):
    """A profile was asked for before the run reached a result node."""

    def __init__(self, node_id: str) -> None:
        self.node_id = node_id
        super().__init__(f"the quiz is not finished yet (current node {node_id!r})")


class NothingToUndo(QuizRunError):
    """``back`` was called before any question was answered."""

    def __init__(self) -> None:
        super().__init__("no question has been answered yet")


class ReplayError(QuizRunError):
    """Stored answers no longer fit the quiz (for example, the file changed)."""

    def __init__(self, position: int, node_id: str, option_id: str, reason: str) -> None:
        self.position = position
        self.node_id = node_id
        self.option_id = option_id
        self.reason = reason
        super().__init__(
            f"answer #{position + 1} ({node_id!r}, {option_id!r}) does not fit the quiz: {reason}"
        )
