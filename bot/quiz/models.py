"""The quiz file format as pydantic models: what a methodologist writes in ``quizzes/``.

The models check the shape of one file (fields, types, id formats, both locales).
Whether the quiz as a whole makes sense (links, loops, coverage, outcomes) is the
job of :mod:`bot.quiz.checker`, which can point at the line of each problem.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    StringConstraints,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

if TYPE_CHECKING:
    from bot.quiz.graph import QuizGraph

LOCALES: tuple[str, ...] = ("ru", "en")
"""Every text exists in each of these locales; the first is the fallback."""

CONTINUE = "continue"
"""The option id stored for passing an info node (its "continue" button)."""

OVERALL = "overall"
"""The name a condition uses for the overall score (the band measure)."""

NODE_ID_MAX = 16
OPTION_ID_MAX = 8
TEXT_MAX = 3500
"""Longest text, in characters: Telegram allows 4096 per message, the bot adds a frame."""

CALLBACK_NOTE = "Telegram callback data is limited to 64 bytes"

_OPTION_ID = re.compile(r"[a-z0-9_]+")
_NAME_ID = re.compile(r"[a-z][a-z0-9_]*")


def _id_checker(what: str, pattern: re.Pattern[str], max_len: int) -> AfterValidator:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            first = "" if pattern is _OPTION_ID else "start with a letter and "
            raise PydanticCustomError(
                "id_invalid",
                "{what} id '{value}' must {first}use only a-z, 0-9 and _",
                {"what": what, "value": value, "first": first},
            )
        if len(value) > max_len:
            raise PydanticCustomError(
                "id_too_long",
                "{what} id '{value}' is too long: at most {max} characters",
                {"what": what, "value": value, "max": max_len},
            )
        return value

    return AfterValidator(check)


StrictStr = Annotated[str, Strict()]
NodeId = Annotated[StrictStr, _id_checker("node", _NAME_ID, NODE_ID_MAX)]
OptionId = Annotated[StrictStr, _id_checker("option", _OPTION_ID, OPTION_ID_MAX)]
TraitId = Annotated[StrictStr, _id_checker("trait", _NAME_ID, 24)]
BandId = Annotated[StrictStr, _id_checker("band", _NAME_ID, 24)]
SpecialisationId = Annotated[StrictStr, _id_checker("specialisation", _NAME_ID, 24)]
QuizId = Annotated[StrictStr, _id_checker("quiz", _NAME_ID, 32)]
Text = Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1)]
Points = Annotated[int, Strict(), Field(ge=0, le=100)]
Percent = Annotated[int, Strict(), Field(ge=0, le=100)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalizedText(_Model):
    """A text in every locale of :data:`LOCALES`. Plain text: the bot escapes it."""

    ru: Text
    en: Text

    def get(self, locale: str) -> str:
        """The text in ``locale``, or in the first locale if that one is unknown."""
        value = getattr(self, locale, None) if locale in LOCALES else None
        return value if isinstance(value, str) else self.ru

    def items(self) -> list[tuple[str, str]]:
        return [(locale, self.get(locale)) for locale in LOCALES]


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
UNION_TAGS = frozenset({"by_score", "all_of", "any_of", "question", "info", "result"})
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
    """Shown after any answer whose option has no explanation of its own."""
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
        return max(o.points.get(trait_id, 0) for o in self.options)

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
