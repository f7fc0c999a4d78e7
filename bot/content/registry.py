"""Content files: find them, tell their kind, check each with the checker of its kind.

Every file says what it is in a top-level ``kind:`` field. The kinds a checker knows
are given to it explicitly, as a :class:`Kinds` built by the caller from :class:`Kind`
descriptions (the bot's own list is :data:`bot.kinds.KINDS`): nothing registers itself
on import, and two callers may check with different kinds side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from bot.content.errors import ContentError, Problem
from bot.content.source import SourceDoc, parse_file

CONTENT_SUFFIXES = (".yaml", ".yml")


@dataclass
class FileReport:
    """The outcome of checking one content file."""

    name: str
    kind: str | None = None
    problems: list[Problem] = field(default_factory=list)
    details: str = ""
    """What a good file contains, for the summary line (``14 nodes, ...``)."""
    value: object = None
    """The validated content (a quiz for ``kind: quiz``), if it validated."""
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


FileCheck = Callable[[SourceDoc], FileReport]
"""Checks one parsed file of a kind: its problems, and its value when it validates."""

CrossCheck = Callable[[Sequence[FileReport]], list[Problem]]
"""Checks over every checked file at once (a tip naming a trait of a quiz); each
problem names its own file, which must be one of the checked ones to be reported."""


@dataclass(frozen=True)
class Kind:
    """One kind of content file: the value of its ``kind:`` and how to check it."""

    name: str
    check: FileCheck
    cross_checks: tuple[CrossCheck, ...] = ()

    def check_document(self, doc: SourceDoc) -> FileReport:
        """Check a parsed file as this kind (whatever its ``kind:`` says)."""
        report = self.check(doc)
        report.kind = self.name
        report.doc = doc
        return report


class Kinds:
    """The kinds of content file one checker knows; fixed when it is built."""

    def __init__(self, kinds: Iterable[Kind]) -> None:
        found: dict[str, Kind] = {}
        for kind in kinds:
            if kind.name in found:
                raise ValueError(f"kind {kind.name!r} is given twice")
            found[kind.name] = kind
        self._kinds = MappingProxyType(found)

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def __iter__(self) -> Iterator[Kind]:
        return iter(self._kinds.values())

    def __len__(self) -> int:
        return len(self._kinds)

    def __repr__(self) -> str:
        return f"Kinds({', '.join(self.names)})"

    @property
    def names(self) -> tuple[str, ...]:
        """The known ``kind:`` values, sorted (as messages list them)."""
        return tuple(sorted(self._kinds))

    def kind_of(self, doc: SourceDoc) -> Kind:
        """The kind of a parsed file; :class:`ContentError` if it is missing or unknown."""
        known = ", ".join(self.names)
        if not isinstance(doc.data, dict):
            message = f"the file must be a mapping of fields, starting with kind: ({known})"
            raise ContentError([Problem(doc.name, 1, message)])
        declared = doc.declared_kind
        if declared is None:
            raise ContentError([Problem(doc.name, 1, f"missing field 'kind' at the top ({known})")])
        if not isinstance(declared, str) or declared not in self._kinds:
            line = doc.lines.line(("kind",))
            message = f"unknown kind '{declared}' (known: {known})"
            raise ContentError([Problem(doc.name, line, message)])
        return self._kinds[declared]

    def check_document(self, doc: SourceDoc) -> FileReport:
        try:
            kind = self.kind_of(doc)
        except ContentError as error:
            return FileReport(doc.name, problems=list(error.problems), doc=doc)
        return kind.check_document(doc)

    def check_file(self, path: Path, name: str | None = None) -> FileReport:
        """Parse and check one file; ``name`` is how messages call it (default: the path)."""
        shown = name if name is not None else str(path)
        try:
            doc = parse_file(path, shown)
        except ContentError as error:
            return FileReport(shown, problems=list(error.problems))
        return self.check_document(doc)

    def check_files(self, files: Sequence[tuple[Path, str]]) -> list[FileReport]:
        """Check each ``(path, shown name)`` once, then the checks across them."""
        return self.cross_check([self.check_file(path, name) for path, name in files])

    def cross_check(self, reports: list[FileReport]) -> list[FileReport]:
        """Add the problems of the checks across files to the reports of those files."""
        by_name = {report.name: report for report in reports}
        for kind in self:
            for cross_check in kind.cross_checks:
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
