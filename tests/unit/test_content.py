"""The content framework: kinds passed in explicitly, one load of a folder, the shared
rules for texts, and the place of bot/content below the quiz and tips packages."""

from __future__ import annotations

import ast
import io
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel, ConfigDict, Field

import bot.content.source
from bot import config
from bot.__main__ import main
from bot.content import (
    LOCALES,
    ContentError,
    FileReport,
    Kind,
    Kinds,
    LocalizedText,
    Problem,
    SourceDoc,
    Vocabulary,
    find_markup,
    parse_text,
    run_check,
    text_problems,
    validate,
)
from bot.kinds import KINDS, Content, content_folder, load_content
from bot.quiz import QUIZ_KIND, Quiz
from bot.resources import PACKAGED_CONTENT, PACKAGED_MIGRATIONS
from bot.tips import TIPS_KIND, TipCatalogue

ROOT = Path(__file__).resolve().parents[2]
QUIZZES = ROOT / "quizzes"


def copy_content(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("support_role.yaml", "tips.yaml"):
        shutil.copy(QUIZZES / name, folder / name)
    return folder


# --- a kind of our own: the registry is whatever the caller passes in -----------------------


def check_note(doc: SourceDoc) -> FileReport:
    data = doc.data if isinstance(doc.data, dict) else {}
    text = data.get("text")
    if not isinstance(text, str):
        return FileReport(doc.name, problems=[doc.problem(("text",), "a note needs a text")])
    return FileReport(doc.name, details=f"{len(text)} characters", value=text)


def no_twin_notes(reports: Any) -> list[Problem]:
    seen: dict[object, str] = {}
    problems = []
    for report in reports:
        if report.kind != "note":
            continue
        if report.value in seen:
            problems.append(Problem(report.name, 1, f"the same note as {seen[report.value]}"))
        seen.setdefault(report.value, report.name)
    return problems


NOTE = Kind("note", check_note, cross_checks=(no_twin_notes,))


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_kind_passed_in_is_checked(tmp_path: Path) -> None:
    path = write(tmp_path, "hello.yaml", "kind: note\ntext: hello\n")
    kinds = Kinds([QUIZ_KIND, TIPS_KIND, NOTE])
    (report,) = kinds.check_files([(path, "hello.yaml")])
    assert (report.kind, report.value, report.problems) == ("note", "hello", [])
    assert report.summary == "hello.yaml: ok — 5 characters"
    assert kinds.names == ("note", "quiz", "tips")


def test_the_bot_kinds_do_not_learn_a_kind_built_elsewhere(tmp_path: Path) -> None:
    Kinds([NOTE, QUIZ_KIND])
    assert "note" not in KINDS
    assert KINDS.names == ("quiz", "tips")
    path = write(tmp_path, "hello.yaml", "kind: note\ntext: hello\n")
    (report,) = KINDS.check_files([(path, "hello.yaml")])
    assert report.kind is None
    assert [str(p) for p in report.problems] == [
        "hello.yaml:1: unknown kind 'note' (known: quiz, tips)"
    ]


def test_an_unknown_kind_names_the_kinds_passed_in(tmp_path: Path) -> None:
    shutil.copy(QUIZZES / "support_role.yaml", tmp_path / "quiz.yaml")
    (report,) = Kinds([NOTE]).check_files([(tmp_path / "quiz.yaml", "quiz.yaml")])
    assert [p.message for p in report.problems] == ["unknown kind 'quiz' (known: note)"]
    missing = write(tmp_path, "bare.yaml", "text: hello\n")
    (report,) = Kinds([NOTE, QUIZ_KIND]).check_files([(missing, "bare.yaml")])
    assert [p.message for p in report.problems] == ["missing field 'kind' at the top (note, quiz)"]


def test_cross_checks_of_a_kind_run_over_all_files(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", "kind: note\ntext: same\n")
    second = write(tmp_path, "b.yaml", "kind: note\ntext: same\n")
    reports = Kinds([NOTE]).check_files([(first, "a.yaml"), (second, "b.yaml")])
    assert [r.ok for r in reports] == [True, False]
    assert [str(p) for p in reports[1].problems] == ["b.yaml:1: the same note as a.yaml"]


def test_a_kind_is_given_once() -> None:
    with pytest.raises(ValueError, match="'note' is given twice"):
        Kinds([NOTE, Kind("note", check_note)])


def test_check_command_with_other_kinds(tmp_path: Path) -> None:
    write(tmp_path, "hello.yaml", "kind: note\ntext: hello\n")
    write(tmp_path, "broken.yaml", "kind: note\n")
    out = io.StringIO()
    assert run_check([], out, kinds=Kinds([NOTE]), folder=tmp_path) == 1
    assert out.getvalue().splitlines() == [
        f"{tmp_path / 'broken.yaml'}:1: a note needs a text",
        f"{tmp_path / 'broken.yaml'}: 1 error",
        f"{tmp_path / 'hello.yaml'}: ok — 5 characters",
    ]
    out = io.StringIO()
    assert run_check([], out, kinds=Kinds([NOTE]), folder=tmp_path / "none") == 1
    assert out.getvalue() == f"{tmp_path / 'none'}: no such folder\n"


# --- loading the bot's content ------------------------------------------------------------


def test_load_content_gives_quizzes_and_tips() -> None:
    content = load_content(PACKAGED_CONTENT)
    assert isinstance(content, Content)
    assert set(content.quizzes) == {"support_role"}
    assert isinstance(content.quizzes["support_role"], Quiz)
    assert isinstance(content.tips, TipCatalogue)
    assert content.tips.quiz == "support_role"


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each file name is parsed from here on."""
    counts: Counter[str] = Counter()
    real = bot.content.source.parse_text

    def spy(text: str, name: str, path: Path | None = None) -> SourceDoc:
        counts[Path(name).name] += 1
        return real(text, name, path)

    monkeypatch.setattr(bot.content.source, "parse_text", spy)
    return counts


def test_load_content_parses_every_file_once(parsed: Counter[str]) -> None:
    load_content(PACKAGED_CONTENT)
    assert parsed == {"support_role.yaml": 1, "tips.yaml": 1}


def test_a_tips_file_checked_alone_still_finds_its_quiz(parsed: Counter[str]) -> None:
    """The spy sees parsing: alone, the quiz next to tips.yaml is read for the traits."""
    (report,) = KINDS.check_files([(QUIZZES / "tips.yaml", "tips.yaml")])
    assert report.ok
    assert parsed == {"tips.yaml": 1, "support_role.yaml": 1}


def test_load_content_lists_every_error_of_every_file(tmp_path: Path) -> None:
    folder = copy_content(tmp_path / "content")
    quiz = folder / "support_role.yaml"
    quiz_text = quiz.read_text(encoding="utf-8")
    quiz.write_text(quiz_text.replace("next: s_routine", "next: q_nowhere", 1), encoding="utf-8")
    quiz_line = 1 + quiz_text.split("next: s_routine", 1)[0].count("\n")
    tips = folder / "tips.yaml"
    tips_text = tips.read_text(encoding="utf-8")
    tips.write_text(tips_text.replace("quiz: support_role", "quiz: other_quiz"), encoding="utf-8")
    tips_line = 1 + tips_text.split("quiz: support_role", 1)[0].count("\n")
    write(folder, "stray.yaml", "kind: notes\n")
    with pytest.raises(ContentError) as caught:
        load_content(folder)
    lines = [str(p) for p in caught.value.problems]
    assert lines == [
        f"{folder / 'stray.yaml'}:1: unknown kind 'notes' (known: quiz, tips)",
        f"{quiz}:{quiz_line}: next 'q_nowhere' of node 'welcome' is not a node",
        f"{tips}:{tips_line}: quiz 'other_quiz' is not found among the checked files "
        "or next to tips.yaml",
    ]
    assert str(caught.value).splitlines() == lines


def test_load_content_needs_a_tips_file(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    shutil.copy(QUIZZES / "support_role.yaml", folder)
    with pytest.raises(ContentError) as caught:
        load_content(folder)
    assert [str(p) for p in caught.value.problems] == [
        f"{folder}: no tips file (kind: tips): the bot needs one"
    ]
    with pytest.raises(ContentError, match="no such content folder"):
        load_content(tmp_path / "missing")


def test_a_second_tips_file_is_an_error(tmp_path: Path) -> None:
    folder = copy_content(tmp_path / "content")
    shutil.copy(folder / "tips.yaml", folder / "tips_more.yaml")
    line = 1 + (folder / "tips.yaml").read_text(encoding="utf-8").split("kind: tips")[0].count("\n")
    with pytest.raises(ContentError) as caught:
        load_content(folder)
    assert [str(p) for p in caught.value.problems] == [
        f"{folder / 'tips_more.yaml'}:{line}: a second tips file (the first is "
        f"{folder / 'tips.yaml'}): the bot reads one catalogue"
    ]


# --- where the content comes from: packaged, or CONTENT_DIR ---------------------------------


def test_packaged_folders_are_the_repository_folders() -> None:
    assert PACKAGED_CONTENT == QUIZZES
    assert PACKAGED_MIGRATIONS == ROOT / "migrations"
    assert content_folder(None) == PACKAGED_CONTENT
    assert content_folder(Path("elsewhere")) == Path("elsewhere")


def test_content_dir_setting(tmp_path: Path) -> None:
    def core(**values: Any) -> config.CoreSettings:
        return config.load_settings(config.CoreSettings, _env_file=None, **values)

    assert core().content_dir is None
    assert core(content_dir="  ").content_dir is None
    assert core(content_dir=str(tmp_path)).content_dir == tmp_path
    with pytest.raises(config.SettingsError) as caught:
        core(content_dir=str(tmp_path / "missing"))
    assert caught.value.lines == [
        "Configuration error: CONTENT_DIR is invalid; expected "
        + config.EXPECTED["CONTENT_DIR"]
        + "."
    ]


def test_check_command_reads_content_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_content(tmp_path / "mine")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONTENT_DIR", "mine")
    assert main(["quiz", "check"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(": ok")[0] for line in lines] == ["mine/support_role.yaml", "mine/tips.yaml"]


# --- the shared rules -----------------------------------------------------------------------


def test_one_list_of_locales() -> None:
    assert config.LOCALES is LOCALES
    assert get_args(config.Locale) == LOCALES
    assert tuple(LocalizedText.model_fields) == LOCALES


@pytest.mark.parametrize(
    ("text", "markup"),
    [
        ("a <b>bold</b> move", "<b>"),
        ("line<br/>break", "<br/>"),
        ("a&nbsp;space", "&nbsp;"),
        ("a dash &#8212; here", "&#8212;"),
        ("2 < 3 and 5 > 4", None),
        ("Q&A, R&D", None),
    ],
)
def test_markup_is_found(text: str, markup: str | None) -> None:
    assert find_markup(text) == markup


def test_text_problems_name_the_text() -> None:
    assert text_problems("<i>x</i>", "title (en) of tip 'x'") == [
        "title (en) of tip 'x' looks like HTML markup ('<i>'): "
        "texts are plain, the bot escapes them"
    ]
    assert text_problems("x" * 3501, "text") == ["text is too long: 3501 characters, at most 3500"]
    assert text_problems("fine", "text") == []


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    label: LocalizedText


class _Shelf(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str
    items: list[_Item] = Field(min_length=1)


SHELF = Vocabulary(document="the shelf", entities={"items": "item"}, texts=frozenset({"label"}))


def test_validation_speaks_the_vocabulary_of_the_kind() -> None:
    text = (
        "kind: shelf\n"
        "colour: red\n"
        "items:\n"
        "  - id: cup\n"
        "    label: {ru: Чашка}\n"
        "  - id: jar\n"
        "    label: {ru: Банка, en: Jar, de: Glas}\n"
    )
    with pytest.raises(ContentError) as caught:
        validate(_Shelf, parse_text(text, "shelf.yaml"), SHELF)
    assert [str(p) for p in caught.value.problems] == [
        "shelf.yaml:2: unknown field 'colour' in the shelf",
        "shelf.yaml:5: missing locale 'en' in label of item 'cup'",
        "shelf.yaml:7: unknown locale 'de' in label of item 'jar' (use ru and en)",
    ]


# --- layers: bot.content knows no kind, and nothing imports in a circle ----------------------

PACKAGES = {
    "content": set(),
    "quiz": {"content"},
    "tips": {"content", "quiz"},
}
"""What each package of the content layer may import from ``bot`` besides itself."""


def _bot_imports(path: Path) -> set[str]:
    """The ``bot.<name>`` packages a module imports (at the top or inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found.update(n.split(".")[1] for n in names if n.startswith("bot.") and "." in n)
    return found


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_content_packages_import_only_below_them(package: str) -> None:
    modules = sorted((ROOT / "bot" / package).glob("*.py"))
    assert modules
    for module in modules:
        imported = _bot_imports(module) - {package}
        assert imported <= PACKAGES[package], (module.name, imported)


@pytest.mark.parametrize("module", ["bot.content", "bot.quiz", "bot.tips", "bot.kinds"])
def test_each_imports_first_in_a_fresh_process(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "print(sorted({m.split('.')[0] if not m.startswith('bot.') else '.'.join(m.split('.')[:2]) "
        "for m in sys.modules if m.split('.')[0] in {'aiogram', 'aiosqlite', 'bot'}}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = set(ast.literal_eval(done.stdout.strip()))
    assert not loaded & {"aiogram", "aiosqlite", "bot.db", "bot.config", "bot.app"}, loaded
    if module == "bot.content":
        assert not loaded & {"bot.quiz", "bot.tips", "bot.kinds"}, loaded
