"""Reading a content file: YAML to plain data, remembering the line of every key and item."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.content.errors import ContentError, Problem

Loc = tuple[str | int, ...]
"""Where a value sits in a document: keys and list indexes from the top."""


@dataclass(frozen=True)
class SourceMap:
    """Lines (1-based) of the values and keys of one document."""

    value_lines: dict[Loc, int] = field(default_factory=dict)
    key_lines: dict[Loc, int] = field(default_factory=dict)

    def line(self, loc: Loc) -> int:
        """The line of ``loc``: its key if it has one, else the value, else its parent's."""
        for end in range(len(loc), -1, -1):
            prefix = loc[:end]
            if prefix in self.key_lines:
                return self.key_lines[prefix]
            if prefix in self.value_lines:
                return self.value_lines[prefix]
        return 1

    def value_line(self, loc: Loc) -> int:
        """The line where the value at ``loc`` starts (for a list item: its first key)."""
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.value_lines:
                return self.value_lines[loc[:end]]
        return 1


@dataclass(frozen=True)
class SourceDoc:
    """One parsed content file."""

    path: Path
    name: str
    """How the file is named in messages (``quizzes/support_role.yaml``)."""
    data: object
    lines: SourceMap

    @property
    def declared_kind(self) -> object:
        """The top-level ``kind:`` as written (None when the file is not a mapping or lacks it)."""
        return self.data.get("kind") if isinstance(self.data, dict) else None

    def problem(self, loc: Loc, message: str, *, key: bool = True) -> Problem:
        line = self.lines.line(loc) if key else self.lines.value_line(loc)
        return Problem(self.name, line, message)


class _Loader(yaml.SafeLoader):
    """The safe loader; only composition is used, construction is ours."""


def _fail(name: str, line: int, message: str) -> ContentError:
    return ContentError([Problem(name, line, message)])


def _syntax_error(name: str, error: yaml.YAMLError) -> ContentError:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    problem = getattr(error, "problem", None)
    context = getattr(error, "context", None)
    text = ": ".join(str(part) for part in (context, problem) if part) or str(error)
    if problem == "mapping values are not allowed here":
        text += " (a text with ': ' in it must be in quotes, or written as a block after |)"
    return _fail(name, line, f"YAML syntax error: {text}")


def parse_text(text: str, name: str, path: Path | None = None) -> SourceDoc:
    """Parse YAML text into plain data and a :class:`SourceMap`; raise :class:`ContentError`."""
    loader = _Loader(text)
    lines = SourceMap()
    try:
        root = loader.get_single_node()
        if root is None:
            raise _fail(name, 1, "the file is empty")
        data = _build(loader, root, (), lines, name)
    except yaml.YAMLError as error:
        raise _syntax_error(name, error) from None
    finally:
        loader.dispose()
    return SourceDoc(path or Path(name), name, data, lines)


def parse_file(path: Path, name: str | None = None) -> SourceDoc:
    """Read and parse a file; unreadable or non-UTF-8 files are problems too."""
    shown = name if name is not None else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise _fail(shown, 1, f"the file is not UTF-8 text: {error.reason}") from None
    except OSError as error:
        raise _fail(shown, 1, f"cannot read the file: {error.strerror or error}") from None
    return parse_text(text, shown, path)


def _build(loader: _Loader, node: Node, loc: Loc, lines: SourceMap, name: str) -> object:
    lines.value_lines[loc] = node.start_mark.line + 1
    if isinstance(node, MappingNode):
        loader.flatten_mapping(node)
        result: dict[str, object] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                raise _fail(name, key_line, "a key must be a plain name, not a list or mapping")
            # Keys are names in our files: keep their text, so `no:` or `on:` stay strings.
            key = str(key_node.value)
            if key in result:
                first = lines.key_lines.get((*loc, key), key_line)
                raise _fail(name, key_line, f"duplicate key '{key}' (first on line {first})")
            child: Loc = (*loc, key)
            lines.key_lines[child] = key_line
            result[key] = _build(loader, value_node, child, lines, name)
        return result
    if isinstance(node, SequenceNode):
        return [
            _build(loader, item, (*loc, index), lines, name)
            for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node)
