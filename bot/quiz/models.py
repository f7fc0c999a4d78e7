"""The quiz file format as pydantic models: what a methodologist writes in ``quizzes/``.

The models check the shape of one file (fields, types, id formats, both locales).
Whether the quiz as a whole makes sense (links, loops, coverage, outcomes) is the
job of :mod:`bot.quiz.checker`, which can point at the line of each problem.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.content import CALLBACK_NOTE, Vocabulary, id_rule
from bot.content.texts import LOCALES as LOCALES  # re-exported: the quiz's texts are these
from bot.content.texts import LocalizedText as LocalizedText

if TYPE_CHECKING:
    from bot.quiz.graph import QuizGraph

CONTINUE = "continue"
"""The option id stored for passing an info node (its "continue" button)."""

OVERALL = "overall"
"""The name a condition uses for the overall score (the band measure)."""

NODE_ID_MAX = 16
OPTION_ID_MAX = 8

StrictStr = Annotated[str, Strict()]
StrictBool = Annotated[bool, Strict()]
NodeId = Annotated[StrictStr, id_rule("node", NODE_ID_MAX, why=CALLBACK_NOTE)]
OptionId = Annotated[
    StrictStr, id_rule("option", OPTION_ID_MAX, letter_first=False, why=CALLBACK_NOTE)
]
TraitId = Annotated[StrictStr, id_rule("trait", 24, why=CALLBACK_NOTE)]
BandId = Annotated[StrictStr, id_rule("band", 24, why=CALLBACK_NOTE)]
SpecialisationId = Annotated[StrictStr, id_rule("specialisation", 24, why=CALLBACK_NOTE)]
QuizId = Annotated[StrictStr, id_rule("quiz", 32, why=CALLBACK_NOTE)]
Points = Annotated[int, Strict(), Field(ge=0, le=100)]
Percent = Annotated[int, Strict(), Field(ge=0, le=100)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- conditions: structured data, evaluated by bot.quiz.scoring, never by eval -------------


class ScoreCondition(_Model):
    """True when a score (a trait or ``overall``, 0-100, rounded) is in a range."""

    score: StrictStr
    at_least: Percent | None = None
    below: Percent | None = None

    @model_validator(mode="after")
    def _bounds(self) -> ScoreCondition:
        if self.at_least is None and self.below is None:
            raise PydanticCustomError(
                "condition_bounds", "a score condition needs 'at_least' or 'below' (or both)"
            )
        if self.at_least is not None and self.below is not None and self.at_least >= self.below:
            raise PydanticCustomError(
                "condition_bounds",
                "'at_least' ({low}) must be smaller than 'below' ({high})",
                {"low": self.at_least, "high": self.below},
            )
        return self


class AllOf(_Model):
    """True when every inner condition is true."""

    conditions: tuple[Condition, ...] = Field(alias="all", min_length=1)


class AnyOf(_Model):
    """True when at least one inner condition is true."""

    conditions: tuple[Condition, ...] = Field(alias="any", min_length=1)


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        for key, tag in (("all", "all_of"), ("any", "any_of"), ("score", "by_score")):
            if key in value:
                return tag
        return None
    if isinstance(value, AllOf):
        return "all_of"
    if isinstance(value, AnyOf):
        return "any_of"
    return "by_score" if isinstance(value, ScoreCondition) else None


Condition = Annotated[
    Annotated[ScoreCondition, Tag("by_score")]
    | Annotated[AllOf, Tag("all_of")]
    | Annotated[AnyOf, Tag("any_of")],
    Discriminator(
        _condition_tag,
        custom_error_type="bad_condition",
        custom_error_message="a condition needs 'score', 'all' or 'any'",
    ),
]
NODE_KINDS = ("question", "info", "result")
UNION_TAGS = frozenset({"by_score", "all_of", "any_of", *NODE_KINDS})
"""Names pydantic puts into error locations for tagged unions (not fields of the file)."""


def condition_scores(condition: Condition) -> list[str]:
    """Every score name (trait id or ``overall``) a condition reads."""
    if isinstance(condition, ScoreCondition):
        return [condition.score]
    return [name for inner in condition.conditions for name in condition_scores(inner)]


class Rule(_Model):
    """Go to ``next`` when ``when`` holds; a node's rules are tried in order."""

    when: Condition
    next: NodeId


# --- nodes ------------------------------------------------------------------------------


class Trait(_Model):
    id: TraitId
    name: LocalizedText
    description: LocalizedText
    weight: Annotated[int, Strict(), Field(ge=0, le=10)] = 1
    """Weight of this trait in the overall score that picks the band."""


class Option(_Model):
    id: OptionId
    text: LocalizedText
    points: dict[StrictStr, Points] = Field(default_factory=dict)
    next: NodeId | None = None
    explanation: LocalizedText | None = None
    interest: StrictStr | None = None
    """A specialisation id: choosing this option says the student is drawn to it."""


class QuestionNode(_Model):
    kind: Literal["question"]
    id: NodeId
    text: LocalizedText
    options: tuple[Option, ...] = Field(min_length=2)
    explanation: LocalizedText | None = None
    """Shown in the review after the result, for any answer whose option has none of its own."""
    shuffle: StrictBool = True
    """Options are shown in an order of their own per attempt; ``false`` keeps a scale's order."""
    twin: NodeId | None = None
    """A question asking the same about a shared trait the other way round: answers far
    apart on that trait are contradictory (careless answering)."""
    rules: tuple[Rule, ...] = ()
    next: NodeId | None = None

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)

    def explanation_for(self, option_id: str) -> LocalizedText | None:
        """What to show after this option was chosen: its own explanation or the node's."""
        option = self.option(option_id)
        if option is not None and option.explanation is not None:
            return option.explanation
        return self.explanation

    def max_points(self, trait_id: str) -> int:
        """Points achievable on this question for a trait (the best option)."""
        return self._best_points.get(trait_id, 0)

    @cached_property
    def _best_points(self) -> dict[str, int]:
        """`max_points` of every trait some option scores (replaying an attempt asks it
        for every trait at every answer)."""
        traits = {t for o in self.options for t in o.points}
        return {t: max(o.points.get(t, 0) for o in self.options) for t in traits}

    def scored_traits(self) -> frozenset[str]:
        return frozenset(t for o in self.options for t, p in o.points.items() if p > 0)


class InfoNode(_Model):
    kind: Literal["info"]
    id: NodeId
    text: LocalizedText
    button: LocalizedText | None = None
    """Label of the "continue" button; the bot's default label when absent."""
    rules: tuple[Rule, ...] = ()
    next: NodeId


class ResultNode(_Model):
    kind: Literal["result"]
    id: NodeId
    text: LocalizedText
    """What to learn next, for everyone (the specialisation adds its own)."""
    pay: LocalizedText | None = None
    career: LocalizedText | None = None


Node = Annotated[QuestionNode | InfoNode | ResultNode, Field(discriminator="kind")]


# --- outcomes ---------------------------------------------------------------------------


class Band(_Model):
    """A suitability band; bands are tried in order, the last one has no condition."""

    id: BandId
    when: Condition | None = None
    title: LocalizedText
    text: LocalizedText


class Specialisation(_Model):
    id: SpecialisationId
    name: LocalizedText
    description: LocalizedText
    weights: dict[StrictStr, Annotated[int, Strict(), Field(ge=0, le=10)]] = Field(min_length=1)
    why: LocalizedText
    learn: LocalizedText


class StrengthsRule(_Model):
    count: Annotated[int, Strict(), Field(ge=1, le=10)] = 3
    min_score: Percent = 60


class GrowthAreasRule(_Model):
    count: Annotated[int, Strict(), Field(ge=1, le=10)] = 3
    below: Annotated[int, Strict(), Field(ge=1, le=101)] = 101
    """Only a trait scoring below this is a growth area (101: any of the weakest)."""


class Outcomes(_Model):
    bands: tuple[Band, ...] = Field(min_length=1)
    specialisations: tuple[Specialisation, ...] = Field(min_length=1)
    interest_bonus: Percent = 0
    strengths: StrengthsRule = Field(default_factory=StrengthsRule)
    growth_areas: GrowthAreasRule = Field(default_factory=GrowthAreasRule)

    def band(self, band_id: str) -> Band:
        """The band with this id; KeyError if there is none (e.g. an old stored result)."""
        for band in self.bands:
            if band.id == band_id:
                return band
        raise KeyError(band_id)

    def specialisation(self, specialisation_id: str) -> Specialisation:
        for specialisation in self.specialisations:
            if specialisation.id == specialisation_id:
                return specialisation
        raise KeyError(specialisation_id)


class Quiz(_Model):
    kind: Literal["quiz"]
    id: QuizId
    version: Annotated[int, Strict(), Field(ge=1)]
    title: LocalizedText
    intro: LocalizedText
    start: NodeId
    min_questions_per_trait: Annotated[int, Strict(), Field(ge=0, le=10)] = 1
    """Every path must have at least this many questions scoring each trait."""
    max_traits_per_option: Annotated[int, Strict(), Field(ge=1, le=20)] = 20
    """One answer gives points to at most this many traits, so traits stay apart."""
    max_answer_change: Percent = 100
    """On no path may one answer move a trait's score by more than this many points."""
    no_right_answers: StrictBool = False
    """Refuse a question where one option scores at least as much as every other on every
    trait. Off by default so that an older edited quiz (CONTENT_DIR) still loads."""
    """On no path may one answer move a trait's score by more than this many points."""
    traits: tuple[Trait, ...] = Field(min_length=1)
    nodes: tuple[Node, ...] = Field(min_length=1)
    outcomes: Outcomes

    @cached_property
    def nodes_by_id(self) -> dict[str, QuestionNode | InfoNode | ResultNode]:
        by_id: dict[str, QuestionNode | InfoNode | ResultNode] = {}
        for node in self.nodes:
            by_id.setdefault(node.id, node)
        return by_id

    @cached_property
    def trait_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.traits)

    def node(self, node_id: str) -> QuestionNode | InfoNode | ResultNode:
        try:
            return self.nodes_by_id[node_id]
        except KeyError:
            raise KeyError(f"quiz {self.id!r} has no node {node_id!r}") from None

    def trait(self, trait_id: str) -> Trait:
        for trait in self.traits:
            if trait.id == trait_id:
                return trait
        raise KeyError(f"quiz {self.id!r} has no trait {trait_id!r}")

    @cached_property
    def graph(self) -> QuizGraph:
        """Path analysis of this quiz (computed once, on first use)."""
        from bot.quiz.graph import QuizGraph  # graph imports this module

        return QuizGraph(self)


AllOf.model_rebuild()
AnyOf.model_rebuild()


VOCABULARY = Vocabulary(
    document="the quiz",
    entities={
        "traits": "trait",
        "nodes": "node",
        "options": "option",
        "bands": "band",
        "specialisations": "specialisation",
    },
    numbered={"rules": "rule"},
    texts=frozenset(
        {
            "title",
            "intro",
            "text",
            "name",
            "description",
            "explanation",
            "why",
            "learn",
            "button",
            "pay",
            "career",
        }
    ),
    keyed=frozenset({"points", "weights"}),
    conditions=frozenset({"when"}),
    condition_parts=frozenset({"all", "any"}),
    groups=frozenset({"outcomes"}),
    union_tags=UNION_TAGS,
    variants={"kind": NODE_KINDS},
)
"""How messages about a quiz file name its parts (see :mod:`bot.content.validation`)."""
