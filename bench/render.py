"""Time of drawing one profile chart (`python -m bench.render`).

The first call is reported on its own: it imports matplotlib, loads the font cache and
warms matplotlib's text caches. The rest is the steady cost the bot pays per finished quiz.
"""

from __future__ import annotations

import statistics
import time

from bot.render import ChartInput, TraitBar, render_profile_chart

RUNS = 20

SAMPLE = ChartInput(
    title="Поддержка вам подходит",
    subtitle="Техподдержка · 78%",
    traits=[
        TraitBar("Терпение", 80, "strength"),
        TraitBar("Эмпатия", 72, "strength"),
        TraitBar("Коммуникация и ясная речь", None, "normal"),
        TraitBar("Техническая грамотность", 45, "normal"),
        TraitBar("Организованность и тайм-менеджмент", 30, "growth"),
        TraitBar("Работа в команде", 91, "strength"),
        TraitBar("Стрессоустойчивость", 22, "growth"),
        TraitBar("Решение проблем", 58, "normal"),
        TraitBar("Обучение и саморазвитие", 66, "normal"),
    ],
    previous={"Терпение": 60, "Эмпатия": 80, "Организованность и тайм-менеджмент": 52},
    legend=("Сильная сторона", "Зона роста", "Прошлый раз"),
)


def main() -> None:
    started = time.perf_counter()
    png = render_profile_chart(SAMPLE)
    first = time.perf_counter() - started
    times: list[float] = []
    for _ in range(RUNS):
        started = time.perf_counter()
        png = render_profile_chart(SAMPLE)
        times.append(time.perf_counter() - started)
    print(
        f"result chart: first {first * 1000:.0f} ms (import + warm-up),"
        f" then median {statistics.median(times) * 1000:.0f} ms"
        f" (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}, {RUNS} runs),"
        f" {len(png) / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
