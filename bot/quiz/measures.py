"""How well each path of a quiz measures each trait: items per trait, and how far one
answer can move a trait's score. The checker holds a quiz to these; ``careerbot quiz
check`` prints them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.quiz.models import Option, QuestionNode, Quiz


@dataclass(frozen=True)
class PathMeasure:
    """One path from the start to a result."""

    path: tuple[str, ...]
    questions: int
    items: dict[str, int]
    """Questions on the path that score each trait."""
    largest_change: dict[str, int]
    """Most points (0-100) one answer can move each trait's score on this path: the
    best option against the worst of one question, over the trait's achievable points."""


def questions_on(quiz: Quiz, path: tuple[str, ...]) -> list[QuestionNode]:
    return [n for n in map(quiz.node, path) if isinstance(n, QuestionNode)]


def spread(question: QuestionNode, trait_id: str) -> int:
    """Best minus worst points for a trait on one question."""
    values = [o.points.get(trait_id, 0) for o in question.options]
    return max(values) - min(values)


def measure_path(quiz: Quiz, path: tuple[str, ...]) -> PathMeasure:
    questions = questions_on(quiz, path)
    items: dict[str, int] = {}
    change: dict[str, int] = {}
    for trait_id in quiz.trait_ids:
        scoring = [q for q in questions if trait_id in q.scored_traits()]
        items[trait_id] = len(scoring)
        achievable = sum(q.max_points(trait_id) for q in scoring)
        widest = max((spread(q, trait_id) for q in scoring), default=0)
        change[trait_id] = 0 if achievable == 0 else -(-100 * widest // achievable)
    return PathMeasure(path, len(questions), items, change)


def measure(quiz: Quiz) -> list[PathMeasure]:
    """Every path of an acyclic quiz, measured."""
    return [measure_path(quiz, path) for path in quiz.graph.paths()]


def dominates(option: Option, other: Option) -> bool:
    """``option`` gives at least as much on every trait, and more on some."""
    traits = option.points.keys() | other.points.keys()
    pairs = [(option.points.get(t, 0), other.points.get(t, 0)) for t in traits]
    return all(a >= b for a, b in pairs) and any(a > b for a, b in pairs)


def dominant_option(question: QuestionNode) -> Option | None:
    """An option that dominates every other one (an obviously "right" answer), if any."""
    if not question.scored_traits():
        return None
    for option in question.options:
        if all(dominates(option, o) for o in question.options if o is not option):
            return option
    return None


def table(quiz: Quiz, measures: list[PathMeasure]) -> str:
    """Items per trait on each path, and the largest change one answer can make (in
    parentheses), as a Markdown table: one row per trait, one column per path."""
    head = "| trait | " + " | ".join(f"path {n}" for n in range(1, len(measures) + 1)) + " |"
    lines = [head, "|---" * (len(measures) + 1) + "|"]
    for trait_id in quiz.trait_ids:
        cells = [f"{m.items[trait_id]} (±{m.largest_change[trait_id]})" for m in measures]
        lines.append(f"| {trait_id} | " + " | ".join(cells) + " |")
    lines.append("")
    for number, m in enumerate(measures, start=1):
        shown = [n for n in m.path if isinstance(quiz.node(n), QuestionNode)]
        lines.append(f"path {number} ({m.questions} questions): {' → '.join(shown)}")
    return "\n".join(lines)


def coverage_line(quiz: Quiz, measures: list[PathMeasure]) -> str:
    """The weakest figures of :func:`table` in one line, for the checker's summary."""
    fewest = min(((m.items[t], t) for m in measures for t in quiz.trait_ids), default=None)
    widest = max(((m.largest_change[t], t) for m in measures for t in quiz.trait_ids), default=None)
    if fewest is None or widest is None:
        return ""
    return (
        f"items per trait on a path: fewest {fewest[0]} ({fewest[1]}); "
        f"one answer moves a trait by at most {widest[0]} ({widest[1]})"
    )
