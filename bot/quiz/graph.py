"""Path analysis of a quiz graph: links, reachability, loops, and counts along paths.

Edges that depend on scores (rules) are all treated as possible, together with the
fallback ``next``: the analysis over-approximates the paths a student can take, so
"every path" claims hold for every real student.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from bot.content import Loc
from bot.quiz.models import InfoNode, QuestionNode, Quiz, ResultNode

AnyNode = QuestionNode | InfoNode | ResultNode
NodePredicate = Callable[[AnyNode], bool]


@dataclass(frozen=True)
class Edge:
    """A possible step from one node to another, and where the file says so."""

    source: str
    target: str
    via: Literal["option", "rule", "next"]
    label: str
    """The option id, ``rule N``, or ``next``."""
    loc: Loc


@dataclass(frozen=True)
class Fallthrough:
    """An option with no ``next`` of its own: it goes by the node's rules and ``next``."""

    node_id: str
    option_id: str
    loc: Loc


@dataclass(frozen=True)
class CountedPath:
    """The smallest (or largest) count of some nodes along paths, with a path that has it."""

    count: int
    path: tuple[str, ...]


class QuizGraph:
    """The links of one quiz; computed once per quiz (see ``Quiz.graph``)."""

    def __init__(self, quiz: Quiz) -> None:
        self.quiz = quiz
        self.index: dict[str, int] = {}
        for position, node in enumerate(quiz.nodes):
            self.index.setdefault(node.id, position)
        self.nodes: dict[str, AnyNode] = {
            node_id: quiz.nodes[position] for node_id, position in self.index.items()
        }
        self.links: dict[str, list[Edge]] = {}
        self.fallthroughs: list[Fallthrough] = []
        for node_id, node in self.nodes.items():
            self.links[node_id] = self._links(node)
        self.edges: dict[str, list[Edge]] = {
            node_id: [e for e in links if e.target in self.nodes]
            for node_id, links in self.links.items()
        }
        self.reachable: frozenset[str] = self._reachable()
        self.back_edges: list[Edge] = []
        self.topological: list[str] = self._order()

    def _links(self, node: AnyNode) -> list[Edge]:
        base: Loc = ("nodes", self.index[node.id])
        links: list[Edge] = []
        if isinstance(node, ResultNode):
            return links
        falls_through = True
        if isinstance(node, QuestionNode):
            falls_through = False
            for number, option in enumerate(node.options):
                option_loc: Loc = (*base, "options", number)
                if option.next is not None:
                    links.append(
                        Edge(node.id, option.next, "option", option.id, (*option_loc, "next"))
                    )
                else:
                    falls_through = True
                    self.fallthroughs.append(Fallthrough(node.id, option.id, option_loc))
        if falls_through:
            for number, rule in enumerate(node.rules):
                loc: Loc = (*base, "rules", number, "next")
                links.append(Edge(node.id, rule.next, "rule", f"rule {number + 1}", loc))
            if node.next is not None:
                links.append(Edge(node.id, node.next, "next", "next", (*base, "next")))
        return links

    def successors(self, node_id: str) -> list[str]:
        seen: dict[str, None] = {}
        for edge in self.edges.get(node_id, []):
            seen.setdefault(edge.target, None)
        return list(seen)

    def _reachable(self) -> frozenset[str]:
        start = self.quiz.start
        if start not in self.nodes:
            return frozenset()
        seen = {start}
        stack = [start]
        while stack:
            for target in self.successors(stack.pop()):
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return frozenset(seen)

    def _order(self) -> list[str]:
        """Reachable nodes in topological order; collects the edges that close loops."""
        if self.quiz.start not in self.nodes:
            return []
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        postorder: list[str] = []
        stack: list[tuple[str, Iterator[Edge]]] = [
            (self.quiz.start, iter(self._unique_edges(self.quiz.start)))
        ]
        state[self.quiz.start] = 1
        while stack:
            node_id, pending = stack[-1]
            edge = next(pending, None)
            if edge is None:
                stack.pop()
                state[node_id] = 2
                postorder.append(node_id)
                continue
            seen = state.get(edge.target)
            if seen == 1:
                self.back_edges.append(edge)
            elif seen is None:
                state[edge.target] = 1
                stack.append((edge.target, iter(self._unique_edges(edge.target))))
        postorder.reverse()
        return postorder

    def _unique_edges(self, node_id: str) -> list[Edge]:
        unique: dict[str, Edge] = {}
        for edge in self.edges.get(node_id, []):
            unique.setdefault(edge.target, edge)
        return list(unique.values())

    @property
    def acyclic(self) -> bool:
        return not self.back_edges

    def loop_through(self, edge: Edge) -> tuple[str, ...]:
        """The node ids of a loop closed by a back edge: ``target ... source target``."""
        path = self._path_between(edge.target, edge.source)
        return (*path, edge.target)

    def _path_between(self, source: str, target: str) -> tuple[str, ...]:
        previous: dict[str, str | None] = {source: None}
        queue = [source]
        while queue:
            current = queue.pop(0)
            if current == target:
                break
            for following in self.successors(current):
                if following not in previous:
                    previous[following] = current
                    queue.append(following)
        path: list[str] = []
        step: str | None = target
        while step is not None:
            path.append(step)
            step = previous.get(step)
        return tuple(reversed(path))

    # --- counting along paths (only meaningful when acyclic) -----------------------------

    def count_to_result(
        self, counts: NodePredicate, *, largest: bool = False
    ) -> dict[str, CountedPath]:
        """For each reachable node: fewest (or most) counted nodes on a path to a result.

        A node from which no result can be reached has no entry.
        """
        best: dict[str, CountedPath] = {}
        for node_id in reversed(self.topological):
            node = self.nodes[node_id]
            own = 1 if counts(node) else 0
            if isinstance(node, ResultNode):
                best[node_id] = CountedPath(own, (node_id,))
                continue
            options = [best[s] for s in self.successors(node_id) if s in best]
            if not options:
                continue
            pick = max if largest else min
            chosen = pick(options, key=lambda p: p.count)
            best[node_id] = CountedPath(own + chosen.count, (node_id, *chosen.path))
        return best

    def count_from_start(self, counts: NodePredicate) -> dict[str, CountedPath]:
        """For each reachable node: fewest counted nodes on a path from the start, inclusive."""
        best: dict[str, CountedPath] = {}
        for node_id in self.topological:
            node = self.nodes[node_id]
            own = 1 if counts(node) else 0
            if node_id == self.quiz.start:
                best[node_id] = CountedPath(own, (node_id,))
            if node_id not in best:
                continue
            for following in self.successors(node_id):
                candidate = CountedPath(
                    best[node_id].count + (1 if counts(self.nodes[following]) else 0),
                    (*best[node_id].path, following),
                )
                if following not in best or candidate.count < best[following].count:
                    best[following] = candidate
        return best

    def paths(self, limit: int = 10_000) -> list[tuple[str, ...]]:
        """Every path from the start to a result (only meaningful when acyclic), the
        first ``limit`` of them in depth-first order."""
        found: list[tuple[str, ...]] = []
        if self.quiz.start not in self.nodes or not self.acyclic:
            return found
        stack: list[tuple[str, ...]] = [(self.quiz.start,)]
        while stack and len(found) < limit:
            path = stack.pop()
            node = self.nodes[path[-1]]
            if isinstance(node, ResultNode):
                found.append(path)
                continue
            for following in reversed(self.successors(path[-1])):
                stack.append((*path, following))
        return found

    @cached_property
    def bounds(self) -> dict[str, tuple[int, int]]:
        """For each reachable node: fewest and most questions left, counting the node itself."""
        shortest = self.count_to_result(is_question)
        longest = self.count_to_result(is_question, largest=True)
        return {n: (shortest[n].count, longest[n].count) for n in shortest}


def is_question(node: AnyNode) -> bool:
    return isinstance(node, QuestionNode)
