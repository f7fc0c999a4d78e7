"""A quiz drawn as a Mermaid flowchart or a Graphviz DOT graph (``careerbot quiz graph``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.quiz.graph import AnyNode
from bot.quiz.models import (
    AllOf,
    Condition,
    InfoNode,
    QuestionNode,
    Quiz,
    ResultNode,
    ScoreCondition,
)

Format = Literal["mermaid", "dot"]
LABEL_MAX = 40


def condition_text(condition: Condition) -> str:
    """A condition in short human form: ``technical < 40``, ``all(a ≥ 50, b < 30)``."""
    if isinstance(condition, ScoreCondition):
        parts = []
        if condition.at_least is not None:
            parts.append(f"{condition.score} ≥ {condition.at_least}")
        if condition.below is not None:
            parts.append(f"{condition.score} < {condition.below}")
        return " and ".join(parts)
    word = "all" if isinstance(condition, AllOf) else "any"
    inner = ", ".join(condition_text(c) for c in condition.conditions)
    return f"{word}({inner})"


@dataclass(frozen=True)
class Arrow:
    source: str
    target: str
    label: str
    dashed: bool


def arrows(quiz: Quiz) -> list[Arrow]:
    """The edges worth drawing: options grouped by target, rules dashed, the default next."""
    result: list[Arrow] = []
    graph = quiz.graph
    for node in graph.nodes.values():
        if isinstance(node, ResultNode):
            continue
        falling: list[str] = []
        if isinstance(node, QuestionNode):
            by_target: dict[str, list[str]] = {}
            for option in node.options:
                if option.next is None:
                    falling.append(option.id)
                else:
                    by_target.setdefault(option.next, []).append(option.id)
            for target, ids in by_target.items():
                result.append(Arrow(node.id, target, ", ".join(ids), dashed=False))
            if not falling:
                continue
        every = isinstance(node, InfoNode) or len(falling) == len(node.options)
        prefix = "" if every else f"{', '.join(falling)}: "
        for rule in node.rules:
            result.append(Arrow(node.id, rule.next, prefix + condition_text(rule.when), True))
        if node.next is not None:
            label = "" if every else ", ".join(falling)
            if node.rules:
                label = f"{label} otherwise".strip()
            result.append(Arrow(node.id, node.next, label, dashed=False))
    return result


def _label(node: AnyNode, locale: str) -> str:
    text = " ".join(node.text.get(locale).split())
    if len(text) > LABEL_MAX:
        text = text[: LABEL_MAX - 1].rstrip() + "…"
    return f"{node.id}: {text}"


def mermaid(quiz: Quiz, locale: str = "ru") -> str:
    def quote(text: str) -> str:
        return '"' + text.replace('"', "#quot;") + '"'

    lines = ["flowchart TD", f"  %% quiz {quiz.id} v{quiz.version}, start: {quiz.start}"]
    shapes = {"question": ("[", "]"), "info": ("([", "])"), "result": ("{{", "}}")}
    for node in quiz.nodes:
        left, right = shapes[node.kind]
        lines.append(f"  {node.id}{left}{quote(_label(node, locale))}{right}")
    for arrow in arrows(quiz):
        link = "-.->" if arrow.dashed else "-->"
        label = f"|{quote(arrow.label)}|" if arrow.label else ""
        lines.append(f"  {arrow.source} {link}{label} {arrow.target}")
    lines.append("  classDef resultNode fill:#e8f5e9,stroke:#2e7d32")
    lines.append("  classDef infoNode fill:#e3f2fd,stroke:#1565c0")
    for kind in ("result", "info"):
        ids = [n.id for n in quiz.nodes if n.kind == kind]
        if ids:
            lines.append(f"  class {','.join(ids)} {kind}Node")
    return "\n".join(lines) + "\n"


def dot(quiz: Quiz, locale: str = "ru") -> str:
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    shapes = {"question": "box", "info": "note", "result": "doubleoctagon"}
    lines = [
        f"digraph {quote(quiz.id)} {{",
        "  rankdir=TB;",
        '  node [fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for node in quiz.nodes:
        extra = ", penwidth=2" if node.id == quiz.start else ""
        lines.append(
            f"  {quote(node.id)} [shape={shapes[node.kind]}, "
            f"label={quote(_label(node, locale))}{extra}];"
        )
    for arrow in arrows(quiz):
        attributes = [f"label={quote(arrow.label)}"] if arrow.label else []
        if arrow.dashed:
            attributes.append("style=dashed")
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"  {quote(arrow.source)} -> {quote(arrow.target)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(quiz: Quiz, fmt: Format, locale: str = "ru") -> str:
    return mermaid(quiz, locale) if fmt == "mermaid" else dot(quiz, locale)
