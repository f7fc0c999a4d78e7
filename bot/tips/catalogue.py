"""The tip catalogue (``kind: tips`` in ``quizzes/``): models, checker and loader.

A tip is a short piece of advice for a student, in every locale, tied to the quiz
traits it helps to grow. The file names the quiz whose traits its tips serve, so the
checker can tell a misspelt trait and a growth area no tip would ever address.
Plain Python: no aiogram, no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict

from bot.content import (
    CALLBACK_NOTE,
    LOCALES,
    NAME_ID,
    ContentError,
    FileReport,
    Kind,
    Kinds,
    Loc,
    LocalizedText,
    Problem,
    SourceDoc,
    Vocabulary,
    content_files,
    id_rule,
    parse_file,
    text_problems,
    validate,
)
from bot.quiz import QUIZ_KIND, Quiz

KIND = "tips"

CORE_CATEGORIES: tuple[str, ...] = ("initiative", "planning", "self_development")
"""Every student's plan covers these three early (see :func:`bot.tips.planner.order_tips`)."""

CORE_MIN_TIPS = 8
"""A core category needs at least this many tips, so a plan of weeks does not run dry."""

TIP_ID_MAX = 24
"""Tip ids travel in Telegram callback data (64 bytes in all)."""

TITLE_MAX = 100
TIP_MAX = 1500
"""Longest tip in one locale (title, text and exercise together): one short message."""

StrictStr = Annotated[str, Strict()]
TipId = Annotated[StrictStr, id_rule("tip", TIP_ID_MAX, letter_first=False, why=CALLBACK_NOTE)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tip(_Model):
    """One piece of advice; ``traits`` are the quiz traits it helps to grow."""

    id: TipId
    category: StrictStr
    traits: tuple[StrictStr, ...] = Field(min_length=1)
    title: LocalizedText
    text: LocalizedText
    exercise: LocalizedText | None = None
    """A small thing to try, shown under the text."""

    def serves(self, trait_id: str) -> bool:
        return trait_id in self.traits

    def message(self, locale: str) -> tuple[str, str, str | None]:
        """Title, text and exercise in ``locale`` (the first locale if it is unknown)."""
        exercise = self.exercise.get(locale) if self.exercise is not None else None
        return self.title.get(locale), self.text.get(locale), exercise


class TipCatalogue(_Model):
    """The whole ``tips.yaml``: categories with their names, and the tips in file order."""

    kind: Literal["tips"]
    quiz: StrictStr
    """Id of the quiz whose traits the tips serve."""
    categories: dict[StrictStr, LocalizedText] = Field(min_length=1)
    """Category id → its name, in the order the file gives them."""
    tips: tuple[Tip, ...] = Field(min_length=1)

    @cached_property
    def by_id(self) -> dict[str, Tip]:
        found: dict[str, Tip] = {}
        for tip in self.tips:
            found.setdefault(tip.id, tip)
        return found

    @cached_property
    def ids(self) -> tuple[str, ...]:
        return tuple(tip.id for tip in self.tips)

    def get(self, tip_id: str) -> Tip | None:
        """The tip with this id, or None (a stored plan may name a tip removed since)."""
        return self.by_id.get(tip_id)

    def __contains__(self, tip_id: object) -> bool:
        return tip_id in self.by_id

    def __len__(self) -> int:
        return len(self.tips)

    @property
    def category_ids(self) -> tuple[str, ...]:
        return tuple(self.categories)

    def category_name(self, category: str, locale: str) -> str:
        """The category's name in ``locale``; KeyError for an unknown category."""
        return self.categories[category].get(locale)

    def in_category(self, category: str) -> tuple[Tip, ...]:
        return tuple(tip for tip in self.tips if tip.category == category)

    def counts(self) -> dict[str, int]:
        """Tips per category, in the order of ``categories``."""
        counts = dict.fromkeys(self.categories, 0)
        for tip in self.tips:
            counts[tip.category] = counts.get(tip.category, 0) + 1
        return counts

    def serving(self, trait_id: str) -> tuple[Tip, ...]:
        return tuple(tip for tip in self.tips if tip.serves(trait_id))

    @cached_property
    def trait_ids(self) -> tuple[str, ...]:
        """Every trait some tip serves, in order of first mention."""
        return tuple(dict.fromkeys(t for tip in self.tips for t in tip.traits))


# --- the checker: one file ------------------------------------------------------------------


class _Check:
    def __init__(self, catalogue: TipCatalogue, doc: SourceDoc) -> None:
        self.catalogue = catalogue
        self.doc = doc
        self.problems: list[Problem] = []

    def error(self, loc: Loc, message: str) -> None:
        self.problems.append(self.doc.problem(loc, message))

    def warn(self, loc: Loc, message: str) -> None:
        self.problems.append(self.doc.problem(loc, message).as_warning())

    def run(self) -> None:
        self.categories()
        self.duplicates()
        for position, tip in enumerate(self.catalogue.tips):
            self.tip(position, tip)
        self.counts()

    def categories(self) -> None:
        declared = self.catalogue.categories
        for category in declared:
            loc: Loc = ("categories", category)
            if not NAME_ID.fullmatch(category):
                self.error(
                    loc,
                    f"category id '{category}' must start with a letter "
                    "and use only a-z, 0-9 and _",
                )
            elif len(category) > TIP_ID_MAX:
                self.error(loc, f"category id '{category}' is too long: at most {TIP_ID_MAX}")
            self.texts(declared[category], loc, f"name of category '{category}'")
        for core in CORE_CATEGORIES:
            if core not in declared:
                self.error(
                    ("categories",),
                    f"core category '{core}' is missing "
                    f"(every tips file has {', '.join(CORE_CATEGORIES)})",
                )

    def duplicates(self) -> None:
        first: dict[str, int] = {}
        for position, tip in enumerate(self.catalogue.tips):
            if tip.id in first:
                line = self.doc.lines.line(("tips", first[tip.id], "id"))
                self.error(
                    ("tips", position, "id"), f"duplicate tip id '{tip.id}' (first on line {line})"
                )
            else:
                first[tip.id] = position

    def tip(self, position: int, tip: Tip) -> None:
        base: Loc = ("tips", position)
        where = f"tip '{tip.id}'"
        known = self.catalogue.categories
        if tip.category not in known:
            self.error(
                (*base, "category"),
                f"unknown category '{tip.category}' of {where} (known: {', '.join(known)})",
            )
        seen: set[str] = set()
        for number, trait in enumerate(tip.traits):
            if trait in seen:
                self.error((*base, "traits", number), f"trait '{trait}' is listed twice in {where}")
            seen.add(trait)
        for locale in LOCALES:
            title = tip.title.get(locale)
            if "\n" in title:
                self.error(
                    (*base, "title", locale), f"title ({locale}) of {where} must be one line"
                )
            if len(title) > TITLE_MAX:
                self.error(
                    (*base, "title", locale),
                    f"title ({locale}) of {where} is too long: "
                    f"{len(title)} characters, at most {TITLE_MAX}",
                )
            size = sum(len(part) for part in tip.message(locale) if part is not None)
            if size > TIP_MAX:
                self.error(
                    (*base, "text", locale),
                    f"{where} is too long in '{locale}': {size} characters in title, text and "
                    f"exercise, at most {TIP_MAX} (a tip is one short message)",
                )
        self.texts(tip.title, (*base, "title"), f"title of {where}")
        self.texts(tip.text, (*base, "text"), f"text of {where}")
        if tip.exercise is not None:
            self.texts(tip.exercise, (*base, "exercise"), f"exercise of {where}")

    def texts(self, text: LocalizedText, loc: Loc, what: str) -> None:
        for locale, value in text.items():
            for message in text_problems(value, f"{what} ({locale})"):
                self.error((*loc, locale), message)

    def counts(self) -> None:
        counts = self.catalogue.counts()
        for category in self.catalogue.categories:
            count = counts.get(category, 0)
            loc: Loc = ("categories", category)
            if category in CORE_CATEGORIES and count < CORE_MIN_TIPS:
                self.error(
                    loc,
                    f"core category '{category}' has {count} tip{'s' if count != 1 else ''}, "
                    f"it needs at least {CORE_MIN_TIPS}",
                )
            elif count == 0:
                self.warn(loc, f"category '{category}' has no tips")


VOCABULARY = Vocabulary(
    # The quiz's word for the whole file, kept from when tips were checked with its words.
    document="the quiz",
    entities={"tips": "tip", "traits": "trait"},
    texts=frozenset({"title", "text", "exercise"}),
    named_texts={"categories": "category"},
)
"""How messages about a tips file name its parts (see :mod:`bot.content.validation`)."""


def _details(catalogue: TipCatalogue) -> str:
    counts = [(c, n) for c, n in catalogue.counts().items() if c in catalogue.categories]
    inner = ", ".join(f"{category} {count}" for category, count in counts)
    return f"{len(catalogue.tips)} tips ({inner})"


def check_tips_document(doc: SourceDoc) -> FileReport:
    """The ``kind: tips`` checker: shape, ids, categories, texts, counts.

    Traits are checked against the quiz by :func:`check_tips_traits`, which needs the
    quiz file too.
    """
    try:
        catalogue = validate(TipCatalogue, doc, VOCABULARY)
    except ContentError as error:
        return FileReport(doc.name, problems=list(error.problems))
    check = _Check(catalogue, doc)
    check.run()
    problems = sorted(set(check.problems), key=lambda p: (p.line, p.message))
    return FileReport(doc.name, problems=problems, details=_details(catalogue), value=catalogue)


# --- the checker: tips against their quiz -----------------------------------------------------


def _sibling_quizzes(doc: SourceDoc) -> list[FileReport]:
    """Quiz files next to a tips file that was checked without them."""
    folder = doc.path.parent
    if not folder.is_dir():
        return []
    reports: list[FileReport] = []
    for path in content_files(folder):
        if path.resolve() == doc.path.resolve():
            continue
        try:
            sibling = parse_file(path, str(path))
        except ContentError:
            continue
        if sibling.declared_kind == QUIZ_KIND.name:
            reports.append(QUIZ_KIND.check_document(sibling))
    return reports


def _find_quiz(quiz_id: str, reports: Sequence[FileReport]) -> Quiz | FileReport | None:
    """The quiz with this id; its report when the file is there but does not validate."""
    broken: FileReport | None = None
    for report in reports:
        if isinstance(report.value, Quiz) and report.value.id == quiz_id:
            return report.value
        data = report.doc.data if report.doc is not None else None
        if report.value is None and isinstance(data, dict) and data.get("id") == quiz_id:
            broken = report
    return broken


def check_tips_traits(reports: Sequence[FileReport]) -> list[Problem]:
    """Every trait of a tip is a trait of the quiz, and every quiz trait has a tip.

    The quiz is looked up among the checked files, then next to the tips file (so
    ``careerbot quiz check quizzes/tips.yaml`` checks traits too).
    """
    problems: list[Problem] = []
    for report in reports:
        catalogue = report.value
        doc = report.doc
        if not isinstance(catalogue, TipCatalogue) or doc is None:
            continue
        found = _find_quiz(catalogue.quiz, reports)
        if not isinstance(found, Quiz):
            found = _find_quiz(catalogue.quiz, _sibling_quizzes(doc)) or found
        if isinstance(found, FileReport):
            problem = doc.problem(
                ("quiz",),
                f"quiz '{catalogue.quiz}' ({found.name}) has errors: "
                "fix them to check the traits of the tips",
            )
            problems.append(problem.as_warning())
            continue
        if found is None:
            problems.append(
                doc.problem(
                    ("quiz",),
                    f"quiz '{catalogue.quiz}' is not found among the checked files "
                    f"or next to {doc.path.name}",
                )
            )
            continue
        problems.extend(_trait_problems(catalogue, found, doc))
    return problems


def _trait_problems(catalogue: TipCatalogue, quiz: Quiz, doc: SourceDoc) -> list[Problem]:
    problems: list[Problem] = []
    known = quiz.trait_ids
    for position, tip in enumerate(catalogue.tips):
        for number, trait in enumerate(tip.traits):
            if trait not in known:
                problems.append(
                    doc.problem(
                        ("tips", position, "traits", number),
                        f"trait '{trait}' of tip '{tip.id}' is not a trait of quiz "
                        f"'{quiz.id}' (known: {', '.join(known)})",
                        key=False,
                    )
                )
    for trait in known:
        if not catalogue.serving(trait):
            problems.append(
                doc.problem(
                    ("quiz",),
                    f"trait '{trait}' of quiz '{quiz.id}' is served by no tip: "
                    "a student with this growth area would get nothing for it",
                )
            )
    return problems


def one_catalogue(reports: Sequence[FileReport]) -> list[Problem]:
    """The bot reads one tip catalogue: a second tips file would be ignored."""
    problems: list[Problem] = []
    first: FileReport | None = None
    for report in reports:
        if not isinstance(report.value, TipCatalogue) or report.doc is None:
            continue
        if first is None:
            first = report
            continue
        problems.append(
            report.doc.problem(
                ("kind",),
                f"a second tips file (the first is {first.name}): the bot reads one catalogue",
            )
        )
    return problems


TIPS_KIND = Kind(KIND, check_tips_document, cross_checks=(check_tips_traits, one_catalogue))
"""The tips kind, for a :class:`bot.content.Kinds` (the bot's list is in :mod:`bot.kinds`)."""


# --- loading ----------------------------------------------------------------------------------


def load_tips(path: Path) -> TipCatalogue:
    """Parse and check a tips file alone (traits against its quiz, found next to it).

    For tools and tests: the bot loads all its content at once with
    :func:`bot.kinds.load_content`. Raises :class:`~bot.content.ContentError` listing
    every error as ``file:line``; warnings do not stop loading.
    """
    (report,) = Kinds([QUIZ_KIND, TIPS_KIND]).check_files([(path, str(path))])
    if report.errors:
        raise ContentError(report.errors)
    if not isinstance(report.value, TipCatalogue):
        raise ContentError([Problem(report.name, 1, f"kind '{report.kind}' is not {KIND}")])
    return report.value
