"""`careerbot run` loads the content folder once at start-up: a broken file stops it before
it talks to Telegram, with every problem as `file:line: message`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import TEST_TOKEN

ROOT = Path(__file__).resolve().parents[2]


def test_run_refuses_broken_content_with_every_problem(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    quiz_text = (ROOT / "quizzes" / "support_role.yaml").read_text(encoding="utf-8")
    (content / "support_role.yaml").write_text(
        quiz_text.replace("next: s_routine", "next: q_nowhere", 1), encoding="utf-8"
    )
    shutil.copy(ROOT / "quizzes" / "tips.yaml", content)
    (content / "extra.yaml").write_text("kind: poll\n", encoding="utf-8")
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "SYSTEMROOT", "TMPDIR")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env.update(
        BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_URL="http://127.0.0.1:9",  # never reached
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
        CONTENT_DIR="content",
        PYTHONUTF8="1",
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    line = 1 + quiz_text.split("next: s_routine", 1)[0].count("\n")
    problems = [text for text in done.stderr.splitlines() if text.startswith("  ")]
    assert "Content files have problems; run `careerbot quiz check`:" in done.stderr
    assert problems == [
        "  content/extra.yaml:1: unknown kind 'poll' (known: quiz, tips)",
        f"  content/support_role.yaml:{line}: next 'q_nowhere' of node 'welcome' is not a node",
    ]
