"""The order in which one attempt shows a question's options: drawn per attempt, so no
position is the "good" one, and the same on every replay (resume, back, a restart)."""

from __future__ import annotations

import random

from bot.quiz.models import Option, QuestionNode

SEED_LIMIT = 1 << 31
"""Seeds are drawn below this (they are stored in SQLite as an INTEGER)."""


def shown_options(node: QuestionNode, seed: int | None) -> tuple[Option, ...]:
    """The options as the attempt with ``seed`` shows them; the file's order without a seed
    or on a question that keeps its order (a scale)."""
    if seed is None or not node.shuffle:
        return node.options
    order = list(node.options)
    random.Random(f"{seed}:{node.id}").shuffle(order)  # noqa: S311 -- an order, not a secret
    return tuple(order)


def position_of(node: QuestionNode, seed: int | None, option_id: str) -> int | None:
    """Where on the screen (0 = first) an option was shown; None for an unknown option."""
    for position, option in enumerate(shown_options(node, seed)):
        if option.id == option_id:
            return position
    return None
