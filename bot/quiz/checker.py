"""Checks that a valid-looking quiz also makes sense as a whole, with file and line.

The pydantic models have already checked each field. Here: links between nodes,
reachability, loops and dead ends, traits and their coverage on every path, the
outcome rules, and the texts. Paths are over-approximated: every rule of a node
may or may not match, so both its target and the fallback count as possible.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel

from bot.content import LOCALES, Loc, LocalizedText, Problem, SourceDoc, describe, text_problems
from bot.quiz.graph import AnyNode, CountedPath, NodePredicate, QuizGraph
from bot.quiz.measures import PathMeasure, dominant_option, measure
from bot.quiz.models import (
    OVERALL,
    VOCABULARY,
    Condition,
    QuestionNode,
    Quiz,
    ResultNode,
    condition_scores,
)


@dataclass(frozen=True)
class QuizStats:
    nodes: int
    questions: int
    shortest: int
    """Fewest questions on a path from the start to a result."""
    longest: int
    """Most questions on a path from the start to a result."""
    paths: tuple[PathMeasure, ...] = ()
    """Items per trait and the largest change one answer can make, per path."""


def arrow(path: tuple[str, ...]) -> str:
    return " → ".join(path)


class _Check:
    def __init__(self, quiz: Quiz, doc: SourceDoc) -> None:
        self.quiz = quiz
        self.doc = doc
        self.problems: list[Problem] = []
        self.graph: QuizGraph = quiz.graph
        self.trait_ids = set(quiz.trait_ids)
        self.specialisation_ids = {s.id for s in quiz.outcomes.specialisations}
        self.broken = False
        """Some link is broken: problems that follow from it are not reported again."""

    def error(self, loc: Loc, message: str, *, at_value: bool = False) -> None:
        self.problems.append(self.doc.problem(loc, message, key=not at_value))

    def warn(self, loc: Loc, message: str) -> None:
        self.problems.append(self.doc.problem(loc, message).as_warning())

    def run(self) -> QuizStats | None:
        self.duplicates()
        self.references()
        self.texts(self.quiz, ())
        self.items()
        self.outcomes()
        self.links()
        return self.paths()

    # --- ids and references ---------------------------------------------------------------

    def duplicates(self) -> None:
        quiz = self.quiz
        groups: list[tuple[str, Loc, list[str]]] = [
            ("trait", ("traits",), [t.id for t in quiz.traits]),
            ("node", ("nodes",), [n.id for n in quiz.nodes]),
            ("band", ("outcomes", "bands"), [b.id for b in quiz.outcomes.bands]),
            (
                "specialisation",
                ("outcomes", "specialisations"),
                [s.id for s in quiz.outcomes.specialisations],
            ),
        ]
        for position, node in enumerate(quiz.nodes):
            if isinstance(node, QuestionNode):
                groups.append(
                    (
                        f"option in node '{node.id}'",
                        ("nodes", position, "options"),
                        [o.id for o in node.options],
                    )
                )
        for what, base, ids in groups:
            first: dict[str, int] = {}
            for position, ident in enumerate(ids):
                loc = (*base, position, "id")
                if ident in first:
                    line = self.doc.lines.line((*base, first[ident], "id"))
                    label, _, where = what.partition(" ")
                    where = f" {where}" if where else ""
                    self.error(loc, f"duplicate {label} id '{ident}'{where} (first on line {line})")
                    self.broken = True
                else:
                    first[ident] = position
        for position, trait in enumerate(quiz.traits):
            if trait.id == OVERALL:
                self.error(
                    ("traits", position, "id"),
                    f"trait id '{OVERALL}' is reserved for the overall score",
                )

    def references(self) -> None:
        quiz = self.quiz
        nodes = self.graph.nodes
        if quiz.start not in nodes:
            self.error(("start",), f"the start node '{quiz.start}' is not a node")
            self.broken = True
        for position, node in enumerate(quiz.nodes):
            base: Loc = ("nodes", position)
            if not isinstance(node, ResultNode):
                if node.next is not None and node.next not in nodes:
                    self.error(
                        (*base, "next"), f"next '{node.next}' of node '{node.id}' is not a node"
                    )
                    self.broken = True
                for number, rule in enumerate(node.rules):
                    where = f"rule {number + 1} of node '{node.id}'"
                    if rule.next not in nodes:
                        self.error(
                            (*base, "rules", number, "next"),
                            f"{where} points to '{rule.next}', which is not a node",
                        )
                        self.broken = True
                    self.condition(rule.when, (*base, "rules", number, "when"), where)
            if not isinstance(node, QuestionNode):
                continue
            for number, option in enumerate(node.options):
                loc: Loc = (*base, "options", number)
                where = f"option '{option.id}' of node '{node.id}'"
                if option.next is not None and option.next not in nodes:
                    self.error((*loc, "next"), f"next '{option.next}' of {where} is not a node")
                    self.broken = True
                for trait_id in option.points:
                    if trait_id not in self.trait_ids:
                        self.error(
                            (*loc, "points", trait_id),
                            f"points on unknown trait '{trait_id}' in {where}",
                        )
                if option.interest is not None and option.interest not in self.specialisation_ids:
                    self.error(
                        (*loc, "interest"),
                        f"interest '{option.interest}' of {where} is not a specialisation "
                        f"(known: {', '.join(sorted(self.specialisation_ids))})",
                    )
        for position, band in enumerate(quiz.outcomes.bands):
            if band.when is not None:
                loc = ("outcomes", "bands", position, "when")
                self.condition(band.when, loc, f"band '{band.id}'")
        for position, specialisation in enumerate(quiz.outcomes.specialisations):
            base = ("outcomes", "specialisations", position)
            for trait_id in specialisation.weights:
                if trait_id not in self.trait_ids:
                    self.error(
                        (*base, "weights", trait_id),
                        f"weight on unknown trait '{trait_id}' "
                        f"in specialisation '{specialisation.id}'",
                    )
            if not any(specialisation.weights.values()):
                self.error(
                    (*base, "weights"),
                    f"specialisation '{specialisation.id}' needs a positive weight on some trait",
                )

    def condition(self, condition: Condition, loc: Loc, where: str) -> None:
        for name in condition_scores(condition):
            if name != OVERALL and name not in self.trait_ids:
                self.error(
                    loc,
                    f"condition of {where} uses unknown score '{name}' (a trait id or '{OVERALL}')",
                    at_value=True,
                )

    # --- items: each answer scores few traits, none is the obvious "right" one -----------

    def items(self) -> None:
        limit = self.quiz.max_traits_per_option
        for position, node in enumerate(self.quiz.nodes):
            if not isinstance(node, QuestionNode):
                continue
            base: Loc = ("nodes", position)
            for number, option in enumerate(node.options):
                scored = [t for t, p in option.points.items() if p > 0]
                if len(scored) > limit:
                    self.error(
                        (*base, "options", number, "points"),
                        f"option '{option.id}' of node '{node.id}' scores {len(scored)} traits "
                        f"({', '.join(scored)}); max_traits_per_option is {limit}",
                    )
            best = dominant_option(node) if self.quiz.no_right_answers else None
            if best is not None:
                number = node.options.index(best)
                self.error(
                    (*base, "options", number, "points"),
                    f"option '{best.id}' of node '{node.id}' scores at least as much as every "
                    "other option on every trait: it is the right answer, not a choice",
                )
            self.twin(node, base)

    def twin(self, node: QuestionNode, base: Loc) -> None:
        if node.twin is None:
            return
        other = self.graph.nodes.get(node.twin)
        where = f"twin '{node.twin}' of node '{node.id}'"
        if not isinstance(other, QuestionNode):
            self.error((*base, "twin"), f"{where} is not a question", at_value=True)
        elif other.id == node.id:
            self.error((*base, "twin"), f"node '{node.id}' is its own twin", at_value=True)
        elif not node.scored_traits() & other.scored_traits():
            self.error(
                (*base, "twin"),
                f"{where} scores no trait in common with it: there is nothing to compare",
                at_value=True,
            )

    # --- texts ----------------------------------------------------------------------------

    def texts(self, model: BaseModel, loc: Loc) -> None:
        for name, value, child in _children(model, loc):
            if isinstance(value, LocalizedText):
                for locale in LOCALES:
                    self.text(value.get(locale), (*child, locale), name, locale)
            elif isinstance(value, BaseModel):
                self.texts(value, child)
            elif isinstance(value, tuple):
                for position, item in enumerate(value):
                    if isinstance(item, BaseModel):
                        self.texts(item, (*child, position))

    def text(self, text: str, loc: Loc, name: str, locale: str) -> None:
        where = f"{name} ({locale}) of {describe(loc[:-2], self.doc.data, VOCABULARY)}"
        for message in text_problems(text, where):
            self.error(loc, message)

    # --- outcomes ---------------------------------------------------------------------------

    def outcomes(self) -> None:
        bands = self.quiz.outcomes.bands
        catch_all = next((b for b in bands if b.when is None), None)
        if catch_all is None:
            last = len(bands) - 1
            self.error(
                ("outcomes", "bands", last, "when"),
                f"the last band '{bands[last].id}' must have no condition, "
                "so that every profile gets a band",
            )
            return
        for position, band in enumerate(bands):
            if position > bands.index(catch_all):
                self.error(
                    ("outcomes", "bands", position, "id"),
                    f"band '{band.id}' can never be chosen: band '{catch_all.id}' "
                    "before it has no condition",
                )

    # --- the graph --------------------------------------------------------------------------

    def links(self) -> None:
        for fall in self.graph.fallthroughs:
            node = self.graph.nodes[fall.node_id]
            if isinstance(node, QuestionNode) and node.next is None:
                rules = " when no rule matches" if node.rules else ""
                self.error(
                    (*fall.loc, "id"),
                    f"option '{fall.option_id}' of node '{fall.node_id}' leads nowhere{rules}: "
                    "give the option or the node a next",
                )
        for position, node in enumerate(self.quiz.nodes):
            if isinstance(node, QuestionNode) and node.rules and all(o.next for o in node.options):
                self.warn(
                    ("nodes", position, "rules"),
                    f"the rules of node '{node.id}' are never used: every option has its own next",
                )

    def paths(self) -> QuizStats | None:
        graph = self.graph
        quiz = self.quiz
        if quiz.start not in graph.nodes:
            return None
        for node_id, position in graph.index.items():
            if node_id not in graph.reachable and not self.broken:
                self.error(
                    ("nodes", position, "id"),
                    f"node '{node_id}' is unreachable from the start node '{quiz.start}'",
                )
        for edge in graph.back_edges:
            self.error(
                edge.loc,
                f"node '{edge.source}' can loop forever: {arrow(graph.loop_through(edge))}",
            )
        if not graph.acyclic:
            return None
        if not any(isinstance(graph.nodes[n], ResultNode) for n in graph.reachable):
            if not self.broken:
                self.error(("start",), "no result node can be reached from the start")
            return None
        bounds = graph.bounds
        if quiz.start not in bounds or self.broken:
            return None
        shortest = graph.count_to_result(_is_question)[quiz.start]
        if shortest.count == 0:
            result = shortest.path[-1]
            self.error(
                ("nodes", graph.index[result], "id"),
                f"a path reaches the result '{result}' without any question: "
                f"{arrow(shortest.path)}",
            )
        self.coverage()
        self.rule_timing()
        measures = tuple(measure(quiz))
        self.changes(measures)
        low, high = bounds[quiz.start]
        questions = sum(isinstance(n, QuestionNode) for n in graph.nodes.values())
        return QuizStats(len(quiz.nodes), questions, low, high, measures)

    def changes(self, measures: tuple[PathMeasure, ...]) -> None:
        """No single answer may swing a trait's score by more than the quiz allows."""
        limit = self.quiz.max_answer_change
        for position, trait in enumerate(self.quiz.traits):
            worst = max(measures, key=lambda m: m.largest_change[trait.id], default=None)
            if worst is None or worst.largest_change[trait.id] <= limit:
                continue
            shown = tuple(n for n in worst.path if isinstance(self.graph.nodes[n], QuestionNode))
            self.error(
                ("traits", position, "id"),
                f"one answer can move trait '{trait.id}' by {worst.largest_change[trait.id]} "
                f"points on the path {arrow(shown)} ({worst.items[trait.id]} question(s) "
                f"score it); max_answer_change is {limit}",
            )

    def coverage(self) -> None:
        graph = self.graph
        need = self.quiz.min_questions_per_trait
        reachable_questions = [
            n
            for n in graph.nodes.values()
            if isinstance(n, QuestionNode) and n.id in graph.reachable
        ]
        for position, trait in enumerate(self.quiz.traits):
            loc: Loc = ("traits", position, "id")
            if not any(trait.id in q.scored_traits() for q in reachable_questions):
                self.error(loc, f"trait '{trait.id}' is scored by no question on any path")
                continue
            fewest = graph.count_to_result(_scores(trait.id)).get(self.quiz.start)
            if fewest is not None and fewest.count < need:
                self.error(
                    loc,
                    f"trait '{trait.id}' is scored by only {fewest.count} question(s) on the path "
                    f"{arrow(fewest.path)}; min_questions_per_trait is {need}",
                )

    def rule_timing(self) -> None:
        """A rule that reads a score no question has set yet would silently be false."""
        graph = self.graph
        cache: dict[str, dict[str, CountedPath]] = {}
        for node_id in graph.topological:
            node = graph.nodes[node_id]
            if isinstance(node, ResultNode):
                continue
            for number, rule in enumerate(node.rules):
                for name in dict.fromkeys(condition_scores(rule.when)):
                    if name != OVERALL and name not in self.trait_ids:
                        continue
                    if name not in cache:
                        predicate = _scores_any(self.quiz) if name == OVERALL else _scores(name)
                        cache[name] = graph.count_from_start(predicate)
                    fewest = cache[name].get(node_id)
                    if fewest is not None and fewest.count == 0:
                        path = fewest.path
                        self.error(
                            ("nodes", graph.index[node_id], "rules", number, "when"),
                            f"rule {number + 1} of node '{node_id}' reads score '{name}', "
                            f"which no question has scored yet on the path {arrow(path)}",
                            at_value=True,
                        )


def _children(model: BaseModel, loc: Loc) -> Iterator[tuple[str, object, Loc]]:
    for name, info in type(model).model_fields.items():
        key = info.alias or name
        yield key, getattr(model, name), (*loc, key)


def _is_question(node: AnyNode) -> bool:
    return isinstance(node, QuestionNode)


def _scores(trait_id: str) -> NodePredicate:
    def predicate(node: AnyNode) -> bool:
        return isinstance(node, QuestionNode) and trait_id in node.scored_traits()

    return predicate


def _scores_any(quiz: Quiz) -> NodePredicate:
    weighted = {t.id for t in quiz.traits if t.weight > 0}

    def predicate(node: AnyNode) -> bool:
        return isinstance(node, QuestionNode) and bool(node.scored_traits() & weighted)

    return predicate


def check_quiz(quiz: Quiz, doc: SourceDoc) -> tuple[list[Problem], QuizStats | None]:
    """Every problem of a validated quiz, and its path statistics when they exist."""
    check = _Check(quiz, doc)
    stats = check.run()
    problems = sorted(set(check.problems), key=lambda p: (p.line, p.message))
    return problems, stats
