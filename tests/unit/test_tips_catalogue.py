"""The tip catalogue: the shipped tips.yaml, and one test per checker rule with its
exact ``file:line: message``."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest

from bot.content import ContentError
from bot.kinds import KINDS
from bot.quiz import load_quiz, load_quizzes
from bot.tips import CORE_CATEGORIES, Tip, TipCatalogue, load_tips
from bot.tips.catalogue import CORE_MIN_TIPS, TIP_ID_MAX
from tests.checking import QUIZ_TRAITS, assert_problem, check_text, line_of, run_check

ROOT = Path(__file__).resolve().parents[2]
QUIZZES = ROOT / "quizzes"
TIPS = QUIZZES / "tips.yaml"
SUPPORT = QUIZZES / "support_role.yaml"
TRAITS = QUIZ_TRAITS


# --- the shipped file -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue() -> TipCatalogue:
    return load_tips(TIPS)


def test_tips_kind_is_registered() -> None:
    assert "tips" in KINDS.names


def test_check_command_prints_ok_for_both_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    assert run_check([], out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("quizzes/support_role.yaml: ok — ")
    assert re.fullmatch(
        r"quizzes/tips\.yaml: ok — \d+ tips \(initiative \d+, planning \d+, "
        r"self_development \d+, .+\)",
        lines[1],
    ), lines
    assert len(lines) == 2


def test_tips_file_checked_alone_finds_its_quiz_next_to_it() -> None:
    (report,) = KINDS.check_files([(TIPS, "tips.yaml")])
    assert report.problems == []
    assert isinstance(report.value, TipCatalogue)


def test_loading_quizzes_leaves_the_tips_file_alone() -> None:
    assert set(load_quizzes(QUIZZES)) == {"support_role"}


def test_core_categories_have_at_least_eight_tips(catalogue: TipCatalogue) -> None:
    counts = catalogue.counts()
    for category in CORE_CATEGORIES:
        assert counts[category] >= CORE_MIN_TIPS == 8


def test_other_traits_have_their_own_categories(catalogue: TipCatalogue) -> None:
    counts = catalogue.counts()
    for category in ("empathy", "communication", "stress", "technical", "organisation"):
        assert counts[category] >= 2, category


def test_every_quiz_trait_is_served(catalogue: TipCatalogue) -> None:
    quiz = load_quiz(SUPPORT)
    assert catalogue.quiz == quiz.id
    for trait in quiz.trait_ids:
        assert len(catalogue.serving(trait)) >= 3, trait
    assert set(catalogue.trait_ids) == set(quiz.trait_ids) == set(TRAITS)


def test_every_tip_is_complete_in_both_locales(catalogue: TipCatalogue) -> None:
    for tip in catalogue.tips:
        assert len(tip.id) <= TIP_ID_MAX
        for locale in ("ru", "en"):
            title, text, exercise = tip.message(locale)
            assert title
            assert "\n" not in title
            sentences = len(re.findall(r"[.!?…](?:\s|$)", text))
            assert 2 <= sentences <= 5, (tip.id, locale, text)
            assert exercise is not None, tip.id
        assert re.search("[а-яё]", tip.text.ru, re.IGNORECASE), tip.id
        assert not re.search("[а-яё]", tip.text.en, re.IGNORECASE), tip.id


def test_the_seeds_advice_is_there(catalogue: TipCatalogue) -> None:
    ru = "\n".join(tip.text.ru for tip in catalogue.tips).lower()
    for idea in (
        "незакрыт",  # start small with loose ends
        "согласуйте",  # agree the approach with your manager
        "о своих успехах",  # tell them about results
        "важно",  # plan the day by importance
        "отдых",  # keep time for rest
        "курс",  # courses and trainings
        "новую программу",  # take part in new projects
        "управление временем",  # soft skills are learned too
    ):
        assert idea in ru, idea


def test_catalogue_lookups(catalogue: TipCatalogue) -> None:
    tip = catalogue.get("init_loose_ends")
    assert isinstance(tip, Tip)
    assert tip.category == "initiative"
    assert "init_loose_ends" in catalogue
    assert catalogue.get("no_such_tip") is None
    assert "no_such_tip" not in catalogue
    assert len(catalogue) == len(catalogue.ids) == len(set(catalogue.ids))
    assert catalogue.category_ids[:3] == CORE_CATEGORIES
    assert catalogue.category_name("planning", "ru") == "Планирование и отдых"
    assert catalogue.category_name("planning", "en") == "Planning and rest"
    assert catalogue.category_name("planning", "de") == "Планирование и отдых"
    assert all(t.category == "planning" for t in catalogue.in_category("planning"))
    assert sum(catalogue.counts().values()) == len(catalogue)
    title, text, exercise = tip.message("en")
    assert (title, text, exercise) == (
        tip.title.en,
        tip.text.en,
        tip.exercise.en if tip.exercise else None,
    )
    with pytest.raises(KeyError):
        catalogue.category_name("nope", "ru")


# --- the checker, rule by rule, on a small catalogue next to the real quiz --------------------


def tip_entry(tip_id: str, category: str, traits: list[str]) -> str:
    return (
        f"  - id: {tip_id}\n"
        f"    category: {category}\n"
        f"    traits: [{', '.join(traits)}]\n"
        f"    title: {{ru: Заголовок {tip_id}, en: Title {tip_id}}}\n"
        f"    text: {{ru: Текст совета {tip_id}., en: Text of {tip_id}.}}\n"
    )


def mini_tips() -> str:
    head = (
        "kind: tips\n"
        "quiz: support_role\n"
        "categories:\n"
        "  initiative: {ru: Инициатива, en: Initiative}\n"
        "  planning: {ru: Планирование, en: Planning}\n"
        "  self_development: {ru: Саморазвитие, en: Self-development}\n"
        "  empathy: {ru: Эмпатия, en: Empathy}\n"
        "tips:\n"
    )
    entries = []
    position = 0
    for category in CORE_CATEGORIES:
        for number in range(1, 9):
            trait = TRAITS[position % len(TRAITS)]
            entries.append(tip_entry(f"{category}_{number}", category, [trait]))
            position += 1
    entries.append(tip_entry("empathy_1", "empathy", ["empathy", "patience"]))
    return head + "".join(entries)


MINI = mini_tips()


def variant(old: str, new: str, text: str = MINI) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def check(tmp_path: Path, text: str, *, with_quiz: bool = True) -> tuple[int, list[str], Path]:
    if with_quiz:
        shutil.copy(SUPPORT, tmp_path / "support_role.yaml")
    return check_text(tmp_path / "tips.yaml", text)


def expect(tmp_path: Path, text: str, fragment: str, message: str) -> list[str]:
    return assert_problem(*check(tmp_path, text), text, fragment, message)


def test_mini_catalogue_passes_with_summary(tmp_path: Path) -> None:
    code, lines, path = check(tmp_path, MINI)
    assert code == 0, lines
    assert lines == [
        f"{path}: ok — 25 tips (initiative 8, planning 8, self_development 8, empathy 1)"
    ]


def test_whole_folder_checks_quiz_and_tips_together(tmp_path: Path) -> None:
    shutil.copy(SUPPORT, tmp_path / "support_role.yaml")
    (tmp_path / "tips.yaml").write_text(MINI, encoding="utf-8")
    out = io.StringIO()
    assert run_check([tmp_path], out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[1].endswith(
        "tips.yaml: ok — 25 tips (initiative 8, planning 8, self_development 8, empathy 1)"
    )


def test_unknown_field(tmp_path: Path) -> None:
    text = variant("  - id: planning_2\n", "  - id: planning_2\n    colour: red\n")
    expect(tmp_path, text, "colour: red", "unknown field 'colour' in tip 'planning_2'")


def test_unknown_top_level_field(tmp_path: Path) -> None:
    text = variant("quiz: support_role\n", "quiz: support_role\nauthor: me\n")
    expect(tmp_path, text, "author: me", "unknown field 'author' in the quiz")


def test_missing_locale(tmp_path: Path) -> None:
    text = variant(
        "title: {ru: Заголовок initiative_3, en: Title initiative_3}",
        "title: {ru: Заголовок initiative_3}",
    )
    expect(
        tmp_path,
        text,
        "title: {ru: Заголовок initiative_3}",
        "missing locale 'en' in title of tip 'initiative_3'",
    )


def test_missing_locale_in_exercise(tmp_path: Path) -> None:
    text = variant(
        "    text: {ru: Текст совета planning_4., en: Text of planning_4.}\n",
        "    text: {ru: Текст совета planning_4., en: Text of planning_4.}\n"
        "    exercise: {ru: Упражнение}\n",
    )
    expect(
        tmp_path,
        text,
        "exercise: {ru: Упражнение}",
        "missing locale 'en' in exercise of tip 'planning_4'",
    )


def test_missing_field(tmp_path: Path) -> None:
    text = variant("    category: empathy\n", "")
    expect(tmp_path, text, "  - id: empathy_1", "missing field 'category' in tip 'empathy_1'")


def test_duplicate_tip_id(tmp_path: Path) -> None:
    text = variant("  - id: planning_5\n", "  - id: planning_1\n")
    first = line_of(MINI, "  - id: planning_1\n")
    code, lines, path = check(tmp_path, text)
    assert code == 1
    second = line_of(MINI, "  - id: planning_5\n")
    assert f"{path}:{second}: duplicate tip id 'planning_1' (first on line {first})" in lines


def test_unknown_category(tmp_path: Path) -> None:
    text = variant("    category: empathy\n", "    category: empaty\n")
    expect(
        tmp_path,
        text,
        "category: empaty",
        "unknown category 'empaty' of tip 'empathy_1' "
        "(known: initiative, planning, self_development, empathy)",
    )


def test_trait_not_of_the_quiz(tmp_path: Path) -> None:
    text = variant("traits: [empathy, patience]", "traits: [empathy, pateince]")
    expect(
        tmp_path,
        text,
        "traits: [empathy, pateince]",
        "trait 'pateince' of tip 'empathy_1' is not a trait of quiz 'support_role' "
        "(known: " + ", ".join(TRAITS) + ")",
    )


def test_trait_listed_twice(tmp_path: Path) -> None:
    text = variant("traits: [empathy, patience]", "traits: [empathy, patience, empathy]")
    expect(
        tmp_path,
        text,
        "traits: [empathy, patience, empathy]",
        "trait 'empathy' is listed twice in tip 'empathy_1'",
    )


def test_every_quiz_trait_needs_a_tip(tmp_path: Path) -> None:
    # Retarget every tip that serves learning.
    text = MINI.replace("traits: [learning]", "traits: [stress]")
    assert "learning" in MINI
    assert "learning" not in text
    expect(
        tmp_path,
        text,
        "quiz: support_role",
        "trait 'learning' of quiz 'support_role' is served by no tip: "
        "a student with this growth area would get nothing for it",
    )


def test_quiz_not_found(tmp_path: Path) -> None:
    code, lines, path = check(tmp_path, MINI, with_quiz=False)
    assert code == 1
    line = line_of(MINI, "quiz: support_role")
    assert lines[0] == (
        f"{path}:{line}: quiz 'support_role' is not found among the checked files "
        "or next to tips.yaml"
    )


def test_broken_quiz_is_a_warning_for_the_tips(tmp_path: Path) -> None:
    broken = SUPPORT.read_text(encoding="utf-8").replace("start: welcome", "start: 5", 1)
    (tmp_path / "support_role.yaml").write_text(broken, encoding="utf-8")
    path = tmp_path / "tips.yaml"
    path.write_text(MINI, encoding="utf-8")
    out = io.StringIO()
    assert run_check([tmp_path], out) == 1
    lines = out.getvalue().splitlines()
    line = line_of(MINI, "quiz: support_role")
    assert (
        f"{path}:{line}: warning: quiz 'support_role' ({tmp_path / 'support_role.yaml'}) "
        "has errors: fix them to check the traits of the tips"
    ) in lines
    assert f"{path}: ok, 1 warning — 25 tips" in lines[-1]


@pytest.mark.parametrize(
    ("tip_id", "message"),
    [
        ("Planning-9", "tip id 'Planning-9' must use only a-z, 0-9 and _"),
        (
            "a" * (TIP_ID_MAX + 1),
            f"tip id '{'a' * (TIP_ID_MAX + 1)}' is too long: at most {TIP_ID_MAX} "
            "characters (Telegram callback data is limited to 64 bytes)",
        ),
        ("5", "id of tip #25: input should be a valid string (put it in quotes)"),
    ],
)
def test_bad_tip_id(tmp_path: Path, tip_id: str, message: str) -> None:
    text = variant("  - id: empathy_1\n", f"  - id: {tip_id}\n")
    expect(tmp_path, text, f"  - id: {tip_id}\n", message)


def test_text_without_locales(tmp_path: Path) -> None:
    text = variant("title: {ru: Заголовок planning_2, en: Title planning_2}", "title: Заголовок")
    expect(
        tmp_path,
        text,
        "title: Заголовок",
        "title of tip 'planning_2' must give the text in each locale, like {ru: ..., en: ...}",
    )


def test_missing_locale_in_category_name(tmp_path: Path) -> None:
    text = variant("  empathy: {ru: Эмпатия, en: Empathy}", "  empathy: {ru: Эмпатия}")
    expect(
        tmp_path,
        text,
        "  empathy: {ru: Эмпатия}",
        "missing locale 'en' in name of category 'empathy'",
    )


def test_unknown_locale_in_exercise(tmp_path: Path) -> None:
    text = variant(
        "    text: {ru: Текст совета planning_4., en: Text of planning_4.}\n",
        "    text: {ru: Текст совета planning_4., en: Text of planning_4.}\n"
        "    exercise: {ru: Упражнение, en: Exercise, de: Übung}\n",
    )
    expect(
        tmp_path,
        text,
        "de: Übung",
        "unknown locale 'de' in exercise of tip 'planning_4' (use ru and en)",
    )


def test_html_in_a_text(tmp_path: Path) -> None:
    text = variant("Текст совета planning_6.", "Текст <b>совета</b> planning_6.")
    expect(
        tmp_path,
        text,
        "Текст <b>совета</b>",
        "text of tip 'planning_6' (ru) looks like HTML markup ('<b>'): "
        "texts are plain, the bot escapes them",
    )


def test_html_entity_in_a_category_name(tmp_path: Path) -> None:
    text = variant(
        "empathy: {ru: Эмпатия, en: Empathy}", "empathy: {ru: Эмпатия, en: Empathy&nbsp;}"
    )
    expect(
        tmp_path,
        text,
        "en: Empathy&nbsp;",
        "name of category 'empathy' (en) looks like HTML markup ('&nbsp;'): "
        "texts are plain, the bot escapes them",
    )


def test_core_category_needs_eight_tips(tmp_path: Path) -> None:
    text = variant(
        "  - id: planning_8\n    category: planning\n",
        "  - id: planning_8\n    category: empathy\n",
    )
    expect(
        tmp_path,
        text,
        "  planning: {ru: Планирование",
        "core category 'planning' has 7 tips, it needs at least 8",
    )


def test_core_category_must_be_declared(tmp_path: Path) -> None:
    text = variant("  self_development: {ru: Саморазвитие, en: Self-development}\n", "")
    lines = expect(
        tmp_path,
        text,
        "categories:",
        "core category 'self_development' is missing "
        "(every tips file has initiative, planning, self_development)",
    )
    assert any(
        "unknown category 'self_development' of tip 'self_development_1'" in e for e in lines
    )


def test_declared_category_without_tips_is_a_warning(tmp_path: Path) -> None:
    text = variant(
        "  empathy: {ru: Эмпатия, en: Empathy}\n",
        "  empathy: {ru: Эмпатия, en: Empathy}\n  stress: {ru: Стресс, en: Stress}\n",
    )
    code, lines, path = check(tmp_path, text)
    assert code == 0, lines
    line = line_of(text, "  stress: {ru: Стресс")
    assert lines[0] == f"{path}:{line}: warning: category 'stress' has no tips"


def test_bad_category_id(tmp_path: Path) -> None:
    text = variant("  empathy: {ru: Эмпатия", "  Empathy: {ru: Эмпатия").replace(
        "category: empathy", "category: Empathy"
    )
    expect(
        tmp_path,
        text,
        "  Empathy: {ru: Эмпатия",
        "category id 'Empathy' must start with a letter and use only a-z, 0-9 and _",
    )


def test_title_must_be_one_line(tmp_path: Path) -> None:
    text = variant(
        "    title: {ru: Заголовок planning_7, en: Title planning_7}\n",
        '    title:\n      ru: "Заголовок\\nв две строки"\n      en: Title planning_7\n',
    )
    expect(tmp_path, text, 'ru: "Заголовок', "title (ru) of tip 'planning_7' must be one line")


def test_tip_too_long_for_a_message(tmp_path: Path) -> None:
    long_text = "Очень длинный совет. " * 80
    text = variant("Текст совета planning_3.", long_text.strip())
    size = len("Заголовок planning_3") + len(long_text.strip())
    expect(
        tmp_path,
        text,
        "ru: Очень длинный",
        f"tip 'planning_3' is too long in 'ru': {size} characters in title, text and "
        "exercise, at most 1500 (a tip is one short message)",
    )


def test_empty_traits(tmp_path: Path) -> None:
    text = variant("traits: [empathy, patience]", "traits: []")
    code, lines, path = check(tmp_path, text)
    assert code == 1
    line = line_of(text, "traits: []")
    assert f"{path}:{line}: traits of tip 'empathy_1': needs at least 1 item(s)" in lines


def test_wrong_kind_for_load_tips(tmp_path: Path) -> None:
    path = tmp_path / "support_role.yaml"
    shutil.copy(SUPPORT, path)
    with pytest.raises(ContentError) as caught:
        load_tips(path)
    assert caught.value.problems[0].message == "kind 'quiz' is not tips"


def test_load_tips_lists_every_error(tmp_path: Path) -> None:
    shutil.copy(SUPPORT, tmp_path / "support_role.yaml")
    text = variant("    category: empathy\n", "    category: empaty\n")
    text = variant("traits: [empathy, patience]", "traits: [empathy, pateince]", text)
    path = tmp_path / "tips.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_tips(path)
    messages = [p.message for p in caught.value.problems]
    assert len(messages) == 2
    assert messages[0].startswith("unknown category 'empaty'")
    assert messages[1].startswith("trait 'pateince' of tip 'empathy_1'")
    assert all(p.file == str(path) for p in caught.value.problems)
