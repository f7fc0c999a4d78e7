"""The checker: one test per rule, each asserting the exact ``file:line: message``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.content import ContentError
from bot.quiz.cli import run_graph
from bot.quiz.loader import load_quiz, load_quizzes
from tests.checking import assert_problem, check_text, line_of, run_check

MINI = """\
kind: quiz
id: mini
version: 1
title: {ru: Мини, en: Mini}
intro: {ru: Вступление, en: Intro}
start: hello
min_questions_per_trait: 1
traits:
  - id: calm
    name: {ru: Спокойствие, en: Calm}
    description: {ru: Про спокойствие, en: About calm}
  - id: tech
    name: {ru: Техника, en: Tech}
    description: {ru: Про технику, en: About tech}
nodes:
  - id: hello
    kind: info
    text: {ru: Привет, en: Hello}
    next: q1
  - id: q1
    kind: question
    text: {ru: Первый вопрос, en: First question}
    options:
      - id: a
        text: {ru: Да, en: Agree}
        points: {calm: 2, tech: 1}
      - id: b
        text: {ru: Нет, en: Disagree}
        points: {calm: 0, tech: 2}
        next: q3
    next: q2
  - id: q2
    kind: question
    text: {ru: Второй вопрос, en: Second question}
    options:
      - id: a
        text: {ru: Да, en: Agree}
        points: {calm: 1, tech: 2}
      - id: b
        text: {ru: Нет, en: Disagree}
        points: {tech: 0}
    rules:
      - when: {score: tech, below: 50}
        next: q3
    next: end
  - id: q3
    kind: question
    text: {ru: Третий вопрос, en: Third question}
    options:
      - id: a
        text: {ru: Да, en: Agree}
        points: {calm: 2}
      - id: b
        text: {ru: Нет, en: Disagree}
        points: {calm: 1, tech: 1}
    next: end
  - id: end
    kind: result
    text: {ru: Конец, en: The end}
outcomes:
  bands:
    - id: high
      when: {score: overall, at_least: 50}
      title: {ru: Высокий, en: High}
      text: {ru: Подходит, en: Suits you}
    - id: low
      title: {ru: Низкий, en: Low}
      text: {ru: Не подходит, en: Does not suit you}
  specialisations:
    - id: alpha
      name: {ru: Альфа, en: Alpha}
      description: {ru: Про альфу, en: About alpha}
      weights: {calm: 2, tech: 1}
      why: {ru: Потому что, en: Because}
      learn: {ru: Учить, en: Learn}
    - id: beta
      name: {ru: Бета, en: Beta}
      description: {ru: Про бету, en: About beta}
      weights: {tech: 2}
      why: {ru: Потому что, en: Because}
      learn: {ru: Учить, en: Learn}
"""

Q2_A = "- id: a\n        text: {ru: Да, en: Agree}\n        points: {calm: 1, tech: 2}"
NOTE = "Telegram callback data is limited to 64 bytes"


def variant(old: str, new: str, text: str = MINI) -> str:
    """MINI with one unique fragment replaced (fails loudly if the fragment is not unique)."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def check(tmp_path: Path, text: str, name: str = "quiz.yaml") -> tuple[int, list[str], Path]:
    return check_text(tmp_path / name, text)


def expect(tmp_path: Path, text: str, fragment: str, message: str) -> list[str]:
    """The file fails and the output has ``path:line: message`` at the fragment's line."""
    return assert_problem(*check(tmp_path, text), text, fragment, message)


# --- the valid file -------------------------------------------------------------------------


def test_valid_quiz_passes_with_summary(tmp_path: Path) -> None:
    code, lines, path = check(tmp_path, MINI)
    assert lines == [
        f"{path}: ok — 5 nodes, 3 questions, questions per path: shortest 2, longest 3; "
        "items per trait on a path: fewest 2 (calm); one answer moves a trait by at most 67 (calm)"
    ]
    assert code == 0


def test_load_quiz_returns_the_model(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(MINI, encoding="utf-8")
    quiz = load_quiz(path)
    assert quiz.id == "mini"
    assert [n.id for n in quiz.nodes] == ["hello", "q1", "q2", "q3", "end"]


def test_load_quiz_raises_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    text = variant("next: q3\n    next: q2", "next: q9\n    next: q8")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_quiz(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:{line_of(text, 'next: q9')}: next 'q9' of option 'b' of node 'q1' is not a node",
        f"{path}:{line_of(text, 'next: q8')}: next 'q8' of node 'q1' is not a node",
    ]  # what follows from the broken links (q2, q3 and end unreachable) is not repeated


def test_load_quizzes_by_id_and_skips_other_files(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(MINI, encoding="utf-8")
    (tmp_path / "two.yml").write_text(variant("id: mini", "id: other"), encoding="utf-8")
    (tmp_path / "README.md").write_text("# not a quiz: [", encoding="utf-8")
    assert sorted(load_quizzes(tmp_path)) == ["mini", "other"]


# --- YAML -------------------------------------------------------------------------------------


def test_yaml_syntax_error(tmp_path: Path) -> None:
    text = variant("text: {ru: Привет, en: Hello}", "text: {ru: Привет, en: Hello")
    code, lines, path = check(tmp_path, text)
    assert code == 1
    assert lines[0].startswith(f"{path}:{line_of(text, 'next: q1')}: YAML syntax error: ")


def test_yaml_colon_in_plain_text_gets_a_hint(tmp_path: Path) -> None:
    text = variant("text: {ru: Конец, en: The end}", "text:\n      ru: Итог: всё\n      en: x")
    expect(
        tmp_path,
        text,
        "ru: Итог",
        "YAML syntax error: mapping values are not allowed here "
        "(a text with ': ' in it must be in quotes, or written as a block after |)",
    )


def test_duplicate_key(tmp_path: Path) -> None:
    text = variant("    next: end\n  - id: q3", "    next: end\n    next: q3\n  - id: q3")
    first = line_of(text, "    next: end\n    next: q3")
    expect(tmp_path, text, "next: q3\n  - id: q3", f"duplicate key 'next' (first on line {first})")


def test_empty_file(tmp_path: Path) -> None:
    code, lines, path = check(tmp_path, "# nothing yet\n")
    assert (code, lines[0]) == (1, f"{path}:1: the file is empty")


# --- kinds --------------------------------------------------------------------------------


def test_missing_kind(tmp_path: Path) -> None:
    text = variant("kind: quiz\n", "")
    code, lines, path = check(tmp_path, text)
    assert code == 1
    assert lines[0] == f"{path}:1: missing field 'kind' at the top (quiz, tips)"


def test_unknown_kind(tmp_path: Path) -> None:
    text = variant("kind: quiz", "kind: quizz")
    expect(tmp_path, text, "kind: quizz", "unknown kind 'quizz' (known: quiz, tips)")


def test_non_yaml_files_are_skipped(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("not yaml: [", encoding="utf-8")
    out = io.StringIO()
    assert run_check([readme], out) == 1  # nothing left to check
    assert out.getvalue().splitlines()[0] == f"{readme}: skipped, not a YAML content file"
    (tmp_path / "mini.yaml").write_text(MINI, encoding="utf-8")
    out = io.StringIO()
    assert run_check([tmp_path], out) == 0
    assert "README" not in out.getvalue()


def test_duplicate_quiz_ids_across_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(MINI, encoding="utf-8")
    second.write_text(MINI, encoding="utf-8")
    out = io.StringIO()
    assert run_check([first, second], out) == 1
    assert f"{second}:2: quiz id 'mini' is also used by {first}" in out.getvalue().splitlines()


# --- fields and types -------------------------------------------------------------------


def test_unknown_field_in_option(tmp_path: Path) -> None:
    text = variant("points: {calm: 0, tech: 2}", "points: {calm: 0, tech: 2}\n        foo: 1")
    expect(tmp_path, text, "foo: 1", "unknown field 'foo' in option 'b' of node 'q1'")


def test_unknown_field_in_rule_condition(tmp_path: Path) -> None:
    text = variant("{score: tech, below: 50}", "{score: tech, under: 50}")
    lines = expect(
        tmp_path, text, "under: 50", "unknown field 'under' in condition of rule 1 of node 'q2'"
    )
    assert len(lines) == 2  # the problem and the summary


def test_missing_field(tmp_path: Path) -> None:
    text = variant("    text: {ru: Третий вопрос, en: Third question}\n", "")
    expect(tmp_path, text, "- id: q3", "missing field 'text' in node 'q3'")


def test_missing_locale(tmp_path: Path) -> None:
    text = variant(
        "text: {ru: Нет, en: Disagree}\n        points: {calm: 0",
        "text: {ru: Нет}\n        points: {calm: 0",
    )
    expect(
        tmp_path, text, "text: {ru: Нет}", "missing locale 'en' in text of option 'b' of node 'q1'"
    )


def test_unknown_locale(tmp_path: Path) -> None:
    text = variant("title: {ru: Мини, en: Mini}", "title: {ru: Мини, en: Mini, de: Mini}")
    expect(tmp_path, text, "title: {ru: Мини", "unknown locale 'de' in title (use ru and en)")


def test_comma_in_flow_text_gets_a_hint(tmp_path: Path) -> None:
    text = variant("title: {ru: Низкий, en: Low}", "title: {ru: Низкий, но, en: Low}")
    expect(
        tmp_path,
        text,
        "title: {ru: Низкий",
        "unknown locale 'но' in title of band 'low' "
        "(a comma inside {ru: ..., en: ...} splits the text: put it in quotes)",
    )


def test_empty_text(tmp_path: Path) -> None:
    text = variant("text: {ru: Конец, en: The end}", "text: {ru: Конец, en: '  '}")
    expect(tmp_path, text, "en: '  '", "empty text for locale 'en' in text of node 'end'")


def test_text_must_have_locales(tmp_path: Path) -> None:
    text = variant("text: {ru: Конец, en: The end}", "text: Конец")
    expect(
        tmp_path,
        text,
        "text: Конец",
        "text of node 'end' must give the text in each locale, like {ru: ..., en: ...}",
    )


def test_option_id_too_long(tmp_path: Path) -> None:
    text = variant(
        "- id: b\n        text: {ru: Нет, en: Disagree}\n        points: {calm: 0",
        "- id: verylongid\n        text: {ru: Нет, en: Disagree}\n        points: {calm: 0",
    )
    expect(
        tmp_path,
        text,
        "id: verylongid",
        f"option id 'verylongid' in node 'q1' is too long: at most 8 characters ({NOTE})",
    )


def test_node_id_too_long(tmp_path: Path) -> None:
    text = variant("  - id: q3\n", "  - id: question_number_three\n")
    lines = expect(
        tmp_path,
        text,
        "id: question_number_three",
        f"node id 'question_number_three' is too long: at most 16 characters ({NOTE})",
    )
    assert len(lines) == 2  # bad ids stop the checks that need the links


def test_node_id_with_bad_characters(tmp_path: Path) -> None:
    text = variant("next: end\n  - id: q3", "next: Q-3\n  - id: q3")
    expect(
        tmp_path,
        text,
        "next: Q-3",
        "node id 'Q-3' in next of node 'q2' must start with a letter and use only a-z, 0-9 and _",
    )


def test_yes_no_read_as_booleans_get_a_hint(tmp_path: Path) -> None:
    text = variant(
        "- id: a\n        text: {ru: Да, en: Agree}\n        points: {calm: 2, tech: 1}",
        "- id: yes\n        text: {ru: Да, en: Agree}\n        points: {calm: 2, tech: 1}",
    )
    expect(
        tmp_path,
        text,
        "id: yes",
        "id of option #1 of node 'q1': input should be a valid string "
        "(YAML reads yes/no/on/off/true/false as a truth value: put it in quotes)",
    )


def test_unknown_node_kind(tmp_path: Path) -> None:
    text = variant("kind: result", "kind: finish")
    expect(
        tmp_path,
        text,
        "kind: finish",
        "unknown kind 'finish' of node 'end' (use question, info or result)",
    )


def test_question_needs_two_options(tmp_path: Path) -> None:
    old = (
        "      - id: b\n        text: {ru: Нет, en: Disagree}\n        points: {calm: 1, tech: 1}\n"
    )
    text = variant(old, "")
    expect(
        tmp_path,
        text,
        "    options:\n      - id: a\n        text: {ru: Да, en: Agree}\n        points: {calm: 2}",
        "options of node 'q3': needs at least 2 item(s)",
    )


def test_points_out_of_range(tmp_path: Path) -> None:
    text = variant("points: {calm: 2}", "points: {calm: 200}")
    expect(
        tmp_path,
        text,
        "points: {calm: 200}",
        "points for 'calm' of option 'a' of node 'q3': input should be less than or equal to 100",
    )


def test_condition_needs_a_bound(tmp_path: Path) -> None:
    text = variant("{score: tech, below: 50}", "{score: tech}")
    expect(
        tmp_path,
        text,
        "{score: tech}",
        "condition of rule 1 of node 'q2': a score condition needs 'at_least' or 'below' (or both)",
    )


def test_condition_of_unknown_shape(tmp_path: Path) -> None:
    text = variant("{score: tech, below: 50}", "{trait: tech, below: 50}")
    expect(
        tmp_path,
        text,
        "{trait: tech",
        "condition of rule 1 of node 'q2': a condition needs 'score', 'all' or 'any'",
    )


# --- links and paths -------------------------------------------------------------------------


def test_duplicate_node_id(tmp_path: Path) -> None:
    text = variant("  - id: end\n", "  - id: q3\n")
    first = line_of(text, "  - id: q3\n    kind: question")
    lines = expect(
        tmp_path,
        text,
        "id: q3\n    kind: result",
        f"duplicate node id 'q3' (first on line {first})",
    )
    assert not any("no result" in line for line in lines)


def test_duplicate_option_id(tmp_path: Path) -> None:
    text = variant(
        "- id: b\n        text: {ru: Нет, en: Disagree}\n        points: {tech: 0}",
        "- id: a\n        text: {ru: Нет, en: Disagree}\n        points: {tech: 0}",
    )
    expect(
        tmp_path,
        text,
        "id: a\n        text: {ru: Нет, en: Disagree}\n        points: {tech: 0}",
        f"duplicate option id 'a' in node 'q2' (first on line {line_of(text, Q2_A)})",
    )


def test_start_is_not_a_node(tmp_path: Path) -> None:
    text = variant("start: hello", "start: welcome")
    expect(tmp_path, text, "start: welcome", "the start node 'welcome' is not a node")


def test_option_next_points_to_no_node(tmp_path: Path) -> None:
    text = variant("        next: q3\n    next: q2", "        next: q33\n    next: q2")
    expect(tmp_path, text, "next: q33", "next 'q33' of option 'b' of node 'q1' is not a node")


def test_node_next_points_to_no_node(tmp_path: Path) -> None:
    text = variant("    next: q1\n", "    next: q0\n")
    lines = expect(tmp_path, text, "next: q0", "next 'q0' of node 'hello' is not a node")
    assert len(lines) == 2  # nothing is "unreachable" just because of the broken link


def test_rule_points_to_no_node(tmp_path: Path) -> None:
    text = variant("        next: q3\n    next: end", "        next: qx\n    next: end")
    expect(tmp_path, text, "next: qx", "rule 1 of node 'q2' points to 'qx', which is not a node")


def test_unreachable_node(tmp_path: Path) -> None:
    extra = "  - id: lost\n    kind: info\n    text: {ru: Потерян, en: Lost}\n    next: end\n"
    text = variant("  - id: end\n", extra + "  - id: end\n")
    expect(tmp_path, text, "- id: lost", "node 'lost' is unreachable from the start node 'hello'")


def test_loop(tmp_path: Path) -> None:
    text = variant(
        "        points: {calm: 1, tech: 1}\n    next: end",
        "        points: {calm: 1, tech: 1}\n    next: q2",
    )
    # The search meets q3 first (option b of q1), so the loop closes at q2's rule.
    expect(tmp_path, text, "next: q3\n    next: end", "node 'q2' can loop forever: q3 → q2 → q3")


def test_loop_through_a_rule_is_reported_too(tmp_path: Path) -> None:
    text = variant("        next: q3\n    next: end", "        next: q1\n    next: end")
    expect(tmp_path, text, "next: q1\n    next: end", "node 'q2' can loop forever: q1 → q2 → q1")


def test_option_leads_nowhere(tmp_path: Path) -> None:
    text = variant(
        "        points: {calm: 1, tech: 1}\n    next: end\n",
        "        points: {calm: 1, tech: 1}\n        next: end\n",
    )
    expect(
        tmp_path,
        text,
        "      - id: a\n        text: {ru: Да, en: Agree}\n        points: {calm: 2}",
        "option 'a' of node 'q3' leads nowhere: give the option or the node a next",
    )


def test_path_without_questions(tmp_path: Path) -> None:
    text = variant(
        "    next: q1\n",
        "    next: end\n  - id: q0\n    kind: info\n    text: {ru: А, en: A}\n    next: q1\n",
    )
    expect(
        tmp_path,
        text,
        "  - id: end",
        "a path reaches the result 'end' without any question: hello → end",
    )


def test_rules_never_used_is_a_warning(tmp_path: Path) -> None:
    text = variant(
        "        points: {tech: 0}\n    rules:",
        "        points: {tech: 0}\n        next: end\n    rules:",
    )
    text = variant(Q2_A, Q2_A + "\n        next: q3", text)
    code, lines, path = check(tmp_path, text)
    assert code == 0
    assert lines[0] == (
        f"{path}:{line_of(text, 'rules:')}: warning: "
        "the rules of node 'q2' are never used: every option has its own next"
    )
    assert lines[-1].startswith(f"{path}: ok, 1 warning — ")


# --- traits and scores -------------------------------------------------------------------


def test_points_on_unknown_trait(tmp_path: Path) -> None:
    text = variant("points: {calm: 2}", "points: {clam: 2}")
    expect(
        tmp_path, text, "points: {clam", "points on unknown trait 'clam' in option 'a' of node 'q3'"
    )


def test_trait_no_path_can_score(tmp_path: Path) -> None:
    extra = (
        "  - id: team\n    name: {ru: Команда, en: Team}\n"
        "    description: {ru: Про команду, en: About team}\n"
    )
    text = variant("nodes:\n", extra + "nodes:\n")
    expect(tmp_path, text, "- id: team", "trait 'team' is scored by no question on any path")


def test_trait_scored_too_rarely_on_some_path(tmp_path: Path) -> None:
    text = variant("min_questions_per_trait: 1", "min_questions_per_trait: 2")
    text = variant("points: {calm: 1, tech: 1}", "points: {calm: 1}", text)
    expect(
        tmp_path,
        text,
        "- id: tech",
        "trait 'tech' is scored by only 1 question(s) on the path hello → q1 → q3 → end; "
        "min_questions_per_trait is 2",
    )


def test_rule_reads_a_score_not_scored_yet(tmp_path: Path) -> None:
    text = variant(
        "    next: q1\n",
        "    rules:\n      - when: {score: calm, at_least: 10}\n        next: q3\n    next: q1\n",
    )
    expect(
        tmp_path,
        text,
        "when: {score: calm, at_least: 10}",
        "rule 1 of node 'hello' reads score 'calm', which no question has scored yet "
        "on the path hello",
    )


def test_rule_reads_an_unknown_score(tmp_path: Path) -> None:
    text = variant("{score: tech, below: 50}", "{any: [{score: tehc, below: 50}]}")
    expect(
        tmp_path,
        text,
        "{any:",
        "condition of rule 1 of node 'q2' uses unknown score 'tehc' (a trait id or 'overall')",
    )


def test_reserved_trait_id(tmp_path: Path) -> None:
    text = variant("  - id: calm\n", "  - id: overall\n")
    expect(tmp_path, text, "id: overall", "trait id 'overall' is reserved for the overall score")


# --- outcomes ----------------------------------------------------------------------------


def test_last_band_needs_no_condition(tmp_path: Path) -> None:
    old = "    - id: low\n      title"
    text = variant(old, "    - id: low\n      when: {score: overall, below: 50}\n      title")
    expect(
        tmp_path,
        text,
        "when: {score: overall, below: 50}",
        "the last band 'low' must have no condition, so that every profile gets a band",
    )


def test_band_after_the_catch_all(tmp_path: Path) -> None:
    text = variant("      when: {score: overall, at_least: 50}\n", "")
    text = variant(
        "    - id: low\n      title",
        "    - id: low\n      when: {score: calm, below: 10}\n      title",
        text,
    )
    expect(
        tmp_path,
        text,
        "id: low",
        "band 'low' can never be chosen: band 'high' before it has no condition",
    )


def test_weight_on_unknown_trait(tmp_path: Path) -> None:
    text = variant("weights: {tech: 2}", "weights: {tech: 2, speed: 1}")
    expect(
        tmp_path,
        text,
        "weights: {tech: 2, speed",
        "weight on unknown trait 'speed' in specialisation 'beta'",
    )


def test_specialisation_without_weight(tmp_path: Path) -> None:
    text = variant("weights: {tech: 2}", "weights: {tech: 0}")
    expect(
        tmp_path,
        text,
        "weights: {tech: 0}",
        "specialisation 'beta' needs a positive weight on some trait",
    )


def test_interest_in_unknown_specialisation(tmp_path: Path) -> None:
    text = variant(
        "points: {calm: 2, tech: 1}", "points: {calm: 2, tech: 1}\n        interest: gamma"
    )
    expect(
        tmp_path,
        text,
        "interest: gamma",
        "interest 'gamma' of option 'a' of node 'q1' is not a specialisation (known: alpha, beta)",
    )


# --- texts -------------------------------------------------------------------------------


def test_html_markup_in_text(tmp_path: Path) -> None:
    text = variant(
        "text: {ru: Первый вопрос, en: First question}",
        "text: {ru: Первый <b>вопрос</b>, en: First question}",
    )
    expect(
        tmp_path,
        text,
        "<b>",
        "text (ru) of node 'q1' looks like HTML markup ('<b>'): "
        "texts are plain, the bot escapes them",
    )


def test_text_too_long(tmp_path: Path) -> None:
    long_text = "а" * 3501
    text = variant("text: {ru: Привет, en: Hello}", f"text: {{ru: {long_text}, en: Hello}}")
    expect(
        tmp_path,
        text,
        "text: {ru: аааа",
        "text (ru) of node 'hello' is too long: 3501 characters, at most 3500",
    )


# --- the graph command ---------------------------------------------------------------------


def test_graph_mermaid(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(MINI, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert run_graph(path, "mermaid", out, err=err) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "flowchart TD"
    assert '  q1["q1: Первый вопрос"]' in lines
    assert '  end{{"end: Конец"}}' in lines
    assert '  q1 -->|"b"| q3' in lines
    assert '  q1 -->|"a"| q2' in lines
    assert '  q2 -.->|"tech < 50"| q3' in lines
    assert '  q2 -->|"otherwise"| end' in lines
    assert err.getvalue() == ""


def test_graph_dot_in_english(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(MINI, encoding="utf-8")
    out = io.StringIO()
    assert run_graph(path, "dot", out, locale="en") == 0
    text = out.getvalue()
    assert text.startswith('digraph "mini" {')
    assert '  "q1" [shape=box, label="q1: First question"];' in text
    assert '  "q2" -> "q3" [label="tech < 50", style=dashed];' in text


def test_graph_of_a_broken_file_fails(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("kind: quiz\nid: [", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert run_graph(path, "mermaid", out, err=err) == 1
    assert out.getvalue() == ""
    assert err.getvalue().startswith(f"{path}:2: YAML syntax error")


# --- measuring without right answers --------------------------------------------------------


def test_an_option_scoring_most_on_every_trait_is_refused_when_asked(tmp_path: Path) -> None:
    allowed = variant("points: {calm: 1, tech: 1}", "points: {calm: 1, tech: 0}")
    code, lines, _path = check(tmp_path, allowed)
    assert code == 0, lines  # q3's option a is a "right answer", but the quiz allows that
    text = variant(
        "min_questions_per_trait: 1\n",
        "min_questions_per_trait: 1\nno_right_answers: true\n",
        allowed,
    )
    expect(
        tmp_path,
        text,
        "points: {calm: 2}\n",
        "option 'a' of node 'q3' scores at least as much as every other option on every "
        "trait: it is the right answer, not a choice",
    )


@pytest.mark.parametrize(
    ("setting", "fragment", "message"),
    [
        (
            "max_traits_per_option: 1",
            "points: {calm: 2, tech: 1}",
            "option 'a' of node 'q1' scores 2 traits (calm, tech); max_traits_per_option is 1",
        ),
        (
            "max_answer_change: 60",
            "  - id: calm\n",
            "one answer can move trait 'calm' by 67 points on the path q1 → q2 "
            "(2 question(s) score it); max_answer_change is 60",
        ),
    ],
)
def test_traits_kept_apart(tmp_path: Path, setting: str, fragment: str, message: str) -> None:
    text = variant("min_questions_per_trait: 1\n", f"min_questions_per_trait: 1\n{setting}\n")
    expect(tmp_path, text, fragment, message)


@pytest.mark.parametrize(
    ("twin", "message"),
    [
        ("end", "twin 'end' of node 'q3' is not a question"),
        ("q3", "node 'q3' is its own twin"),
    ],
)
def test_a_twin_must_be_another_question(tmp_path: Path, twin: str, message: str) -> None:
    text = variant(
        "    text: {ru: Третий вопрос", f"    twin: {twin}\n    text: {{ru: Третий вопрос"
    )
    expect(tmp_path, text, f"twin: {twin}", message)


def test_a_twin_must_share_a_trait(tmp_path: Path) -> None:
    text = variant(Q2_A, "- id: a\n        text: {ru: Да, en: Agree}\n        points: {tech: 2}")
    text = variant(
        "    text: {ru: Третий вопрос", "    twin: q2\n    text: {ru: Третий вопрос", text
    )
    text = variant("points: {calm: 1, tech: 1}", "points: {calm: 1}", text)
    expect(
        tmp_path,
        text,
        "twin: q2",
        "twin 'q2' of node 'q3' scores no trait in common with it: there is nothing to compare",
    )


def test_measure_prints_items_per_trait_on_every_path(tmp_path: Path) -> None:
    from bot.quiz.cli import run_measure

    path = tmp_path / "quiz.yaml"
    path.write_text(MINI, encoding="utf-8")
    out = io.StringIO()
    assert run_measure(path, out) == 0
    lines = out.getvalue().splitlines()
    assert lines[:5] == [
        "| trait | path 1 | path 2 | path 3 |",
        "|---|---|---|---|",
        "| calm | 2 (±50) | 3 (±40) | 2 (±67) |",
        "| tech | 2 (±34) | 3 (±40) | 2 (±50) |",
        "",
    ]
    assert lines[5] == "path 1 (2 questions): q1 → q3"
