"""The `careerbot` command line wiring (the commands themselves are tested elsewhere)."""

from pathlib import Path

import pytest

from bot.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def test_quiz_check_default_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quiz", "check"]) == 0
    out = capsys.readouterr().out
    assert "support_role.yaml: ok" in out
    assert "questions per path: shortest" in out


def test_quiz_check_reports_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    text = (ROOT / "quizzes" / "support_role.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("next: q_angry", "next: q_nowhere", 1), encoding="utf-8")
    line = 1 + text.split("next: q_angry", 1)[0].count("\n")
    assert main(["quiz", "check", str(broken)]) == 1
    out = capsys.readouterr().out
    assert f"{broken}:{line}:" in out
    assert "q_nowhere" in out


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_quiz_graph(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["quiz", "graph", str(ROOT / "quizzes" / "support_role.yaml"), "--format", fmt]) == 0
    )
    out = capsys.readouterr().out
    assert "q_angry" in out
    assert out.startswith("flowchart" if fmt == "mermaid" else "digraph")


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["fly"])
    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
