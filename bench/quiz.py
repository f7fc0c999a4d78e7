"""Band distribution of simulated students on the shipped quiz (`python -m bench.quiz`).

Seeded: the same quiz gives the same table, which docs/quiz-measurements.md quotes.
"""

from __future__ import annotations

from bot.kinds import content_folder, load_content
from bot.quiz.simulate import STRATEGIES, distribution

STUDENTS = 10_000
SEED = 12


def table(students: int = STUDENTS, seed: int = SEED) -> str:
    quiz = load_content(content_folder(None)).quizzes["support_role"]
    bands = [b.id for b in quiz.outcomes.bands]
    upper = bands[:2]
    lines = [
        f"quiz {quiz.id} v{quiz.version}, {students} students per strategy, seed {seed}",
        "| strategy | " + " | ".join(bands) + f" | flagged | {' or '.join(upper)}, no flag |",
        "|---" * (len(bands) + 3) + "|",
    ]
    for name, strategy in STRATEGIES.items():
        found = distribution(quiz, strategy, students, seed)
        cells = [f"{100 * found.bands[b] / students:.1f}%" for b in bands]
        cells.append(f"{100 * found.flagged / students:.1f}%")
        cells.append(f"{100 * found.share(upper, unflagged=True):.1f}%")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    print(table())


if __name__ == "__main__":
    main()
