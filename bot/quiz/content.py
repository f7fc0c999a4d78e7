"""Content files in ``quizzes/``: find them, tell their kind, check each with its checker.

Every file says what it is in a top-level ``kind:`` field. Each kind registers a
checker; :func:`register_kind` is how a new kind of content (a tip catalogue, say)
joins ``careerbot quiz check``. Checks that need several files at once (a tip that
names a trait of a quiz) register with :func:`register_cross_check`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.quiz.checker import check_quiz
from bot.quiz.errors import Problem, QuizError
from bot.quiz.models import Quiz
from bot.quiz.source import SourceDoc, parse_file
from bot.quiz.validation import validate

CONTENT_SUFFIXES = (".yaml", ".yml")


def default_folder() -> Path:
    """The repository's ``quizzes/`` folder."""
    return Path(__file__).resolve().parents[2] / "quizzes"


@dataclass
class FileReport:
    """The outcome of checking one content file."""

    name: str
    kind: str | None = None
    problems: list[Problem] = field(default_factory=list)
    details: str = ""
    """What a good file contains, for the summary line (``14 nodes, ...``)."""
    value: object = None
    """The validated content (a :class:`Quiz` for ``kind: quiz``), if it validated."""
    doc: SourceDoc | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> str:
        warnings = len(self.warnings)
        tail = f", {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""
        if self.ok:
            return f"{self.name}: ok{tail}" + (f" — {self.details}" if self.details else "")
        errors = len(self.errors)
        return f"{self.name}: {errors} error{'s' if errors != 1 else ''}{tail}"


KindChecker = Callable[[SourceDoc], FileReport]
CrossCheck = Callable[[Sequence[FileReport]], list[Problem]]

_KINDS: dict[str, KindChecker] = {}
_CROSS_CHECKS: list[CrossCheck] = []


def register_kind(kind: str, checker: KindChecker) -> None:
    """Teach the checker a new ``kind:`` of content file."""
    _KINDS[kind] = checker


def register_cross_check(check: CrossCheck) -> None:
    """Add a check over all checked files (its problems name their own files)."""
    if check not in _CROSS_CHECKS:
        _CROSS_CHECKS.append(check)


def known_kinds() -> tuple[str, ...]:
    return tuple(sorted(_KINDS))


def kind_of(doc: SourceDoc) -> str:
    """The ``kind:`` of a parsed file; :class:`QuizError` if it is missing or unknown."""
    known = ", ".join(known_kinds())
    if not isinstance(doc.data, dict):
        raise QuizError(
            [
                Problem(
                    doc.name,
                    1,
                    f"the file must be a mapping of fields, starting with kind: ({known})",
                )
            ]
        )
    kind = doc.data.get("kind")
    if kind is None:
        raise QuizError([Problem(doc.name, 1, f"missing field 'kind' at the top ({known})")])
    if not isinstance(kind, str) or kind not in _KINDS:
        line = doc.lines.line(("kind",))
        raise QuizError([Problem(doc.name, line, f"unknown kind '{kind}' (known: {known})")])
    return kind


def check_document(doc: SourceDoc) -> FileReport:
    try:
        kind = kind_of(doc)
    except QuizError as error:
        return FileReport(doc.name, problems=list(error.problems), doc=doc)
    report = _KINDS[kind](doc)
    report.kind = kind
    report.doc = doc
    return report


def check_file(path: Path, name: str | None = None) -> FileReport:
    shown = name if name is not None else str(path)
    try:
        doc = parse_file(path, shown)
    except QuizError as error:
        return FileReport(shown, problems=list(error.problems))
    return check_document(doc)


def check_files(files: Sequence[tuple[Path, str]]) -> list[FileReport]:
    """Check each ``(path, shown name)``, then the checks across files."""
    reports = [check_file(path, name) for path, name in files]
    by_name = {report.name: report for report in reports}
    for cross_check in _CROSS_CHECKS:
        for problem in cross_check(reports):
            target = by_name.get(problem.file)
            if target is not None:
                target.problems.append(problem)
    for report in reports:
        report.problems.sort(key=lambda p: (p.line, p.message))
    return reports


def content_files(folder: Path) -> list[Path]:
    """The content files of a folder (README.md and other non-YAML files are skipped)."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in CONTENT_SUFFIXES)


# --- kind: quiz ---------------------------------------------------------------------------


def check_quiz_document(doc: SourceDoc) -> FileReport:
    try:
        quiz = validate(Quiz, doc)
    except QuizError as error:
        return FileReport(doc.name, problems=list(error.problems))
    problems, stats = check_quiz(quiz, doc)
    details = ""
    if stats is not None:
        details = (
            f"{stats.nodes} nodes, {stats.questions} questions, questions per path: "
            f"shortest {stats.shortest}, longest {stats.longest}"
        )
    return FileReport(doc.name, problems=problems, details=details, value=quiz)


def unique_quiz_ids(reports: Sequence[FileReport]) -> list[Problem]:
    """Two quiz files with the same id would shadow each other in the bot."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for report in reports:
        if not isinstance(report.value, Quiz) or report.doc is None:
            continue
        quiz_id = report.value.id
        if quiz_id in seen:
            line = report.doc.lines.line(("id",))
            problems.append(
                Problem(report.name, line, f"quiz id '{quiz_id}' is also used by {seen[quiz_id]}")
            )
        else:
            seen[quiz_id] = report.name
    return problems


register_kind("quiz", check_quiz_document)
register_cross_check(unique_quiz_ids)
import bot.tips.catalogue  # noqa: E402, F401  (registers kind: tips; after the names it uses)
