"""Time of drawing each picture the bot sends, and what drawing costs everyone else
(`python -m bench.render`).

The first call is reported on its own: it imports what draws the picture (Pillow for
the result chart, matplotlib for the statistics chart, segno and Pillow for the QR
code), loads the fonts and warms the text caches. The rest is the steady cost, in wall
time and in CPU time (which other work on a shared machine disturbs less): the result
chart is drawn per finished quiz, the statistics chart and the QR code when a centre's
staff ask for them.

Event-loop lag: while 50 result charts are asked for at once (50 students finishing
together), a coroutine sleeps 1 ms again and again and notes how late it wakes up;
that lateness is what every other student's update waits. Measured with no pictures
(the baseline), with the charts drawn in the bot's worker process
(`bot.render.worker.draw`, as the bot does), and in threads of the bot's own process
(`asyncio.to_thread`, as it did before), in that order, each after a warm-up picture.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

from bench.summary import Figure, ratio
from bot.render import (
    ChartInput,
    DropoffRow,
    LabelledCount,
    StatsChartInput,
    TraitBar,
    TraitComparison,
    render_profile_chart,
    render_qr,
    render_stats_chart,
    worker,
)

RUNS = 20

# A retake's chart as the shipped quiz draws it: its twelve qualities (three names
# wrapped onto two lines), last time's marks on five of them.
SAMPLE = ChartInput(
    title="Возможно, но с усилиями",
    subtitle="Продуктовая коммуникация с клиентами · 59%",
    traits=[
        TraitBar("Терпение", 55, "normal"),
        TraitBar("Эмпатия", 67, "normal"),
        TraitBar("Грамотная и ясная речь", 75, "strength"),
        TraitBar("Техническая грамотность", 38, "normal"),
        TraitBar("Организованность", 10, "growth"),
        TraitBar("Ответственность", 0, "growth"),
        TraitBar("Работа в команде", 25, "normal"),
        TraitBar("Стрессоустойчивость", 27, "normal"),
        TraitBar("Решение проблем", 13, "growth"),
        TraitBar("Обучение и саморазвитие", 38, "normal"),
        TraitBar("Память и объём информации", 60, "normal"),
        TraitBar("Усидчивость", 60, "normal"),
    ],
    previous={
        "Терпение": 40,
        "Эмпатия": 80,
        "Организованность": 30,
        "Работа в команде": 50,
        "Усидчивость": 45,
    },
    legend=("Сильная сторона", "Зона роста", "Прошлый раз"),
)

_SCREENS = [
    "Клиент злится из-за задержки заказа",
    "Вы не знаете ответа на вопрос",
    "Три чата одновременно",
    "Коллега просит подменить смену",
    "Ночная смена и выходные",
    "Жалоба в соцсетях",
]

# Every panel, with a few hidden values and the longest quiz (26 screens).
STATS_SAMPLE = StatsChartInput(
    title="Центр карьеры НИУ ВШЭ — Санкт-Петербург",
    subtitle="Последние 30 дней · 124 студента начали",
    bands_title="Насколько подходит поддержка",
    bands=(
        LabelledCount("Очень подходит", 38),
        LabelledCount("Скорее подходит", 51),
        LabelledCount("Скорее не подходит", 27),
        LabelledCount("Не подходит", None),
    ),
    specialisations_title="Рекомендованные специализации",
    specialisations=(
        LabelledCount("Техподдержка второй линии", 44),
        LabelledCount("Клиентский сервис", 36),
        LabelledCount("Аккаунт-менеджмент", 21),
        LabelledCount("Контроль качества", None),
        LabelledCount("Обучение операторов", 12),
    ),
    traits_title="Профиль качеств",
    traits=(
        TraitComparison("Терпение", 72, 65),
        TraitComparison("Эмпатия", 68, 70),
        TraitComparison("Коммуникация и ясная речь", 55, 61),
        TraitComparison("Техническая грамотность", None, 48),
        TraitComparison("Организованность и тайм-менеджмент", 49, 52),
        TraitComparison("Стрессоустойчивость", 40, 44),
    ),
    centre_legend="Этот центр",
    everyone_legend="Все студенты",
    dropoff_title="Где студенты бросают тест",
    dropoff=tuple(
        DropoffRow(
            f"В{i + 1} · {_SCREENS[i % len(_SCREENS)]}",
            124 - 4 * i if i < 24 else None,
            120 - 4 * i if i < 22 else None,
        )
        for i in range(26)
    ),
    reached_legend="Дошли",
    answered_legend="Ответили",
    hidden_note="Группы меньше 10 студентов не показаны",
)

QR_LINK = "https://t.me/careerbot?start=centre_42"
QR_CAPTION = "Центр карьеры НИУ ВШЭ — Санкт-Петербург\n" + QR_LINK


def measure(name: str, render: Callable[[], bytes]) -> float:
    """Print the figures of one picture; return its median CPU time (s)."""
    started = time.perf_counter()
    png = render()
    first = time.perf_counter() - started
    times: list[float] = []
    cpu: list[float] = []
    for _ in range(RUNS):
        started, started_cpu = time.perf_counter(), time.process_time()
        png = render()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    print(
        f"{name}: first {first * 1000:.0f} ms (import + warm-up),"
        f" then median {statistics.median(times) * 1000:.1f} ms"
        f" (min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}, {RUNS} runs),"
        f" CPU median {statistics.median(cpu) * 1000:.1f} ms"
        f" (min {min(cpu) * 1000:.1f}, max {max(cpu) * 1000:.1f}),"
        f" {len(png) / 1024:.0f} KiB"
    )
    return statistics.median(cpu)


CHARTS_AT_ONCE = 50
TICK = 0.001


async def lag_while(name: str, draw: Callable[[], Awaitable[bytes]] | None) -> float:
    """Loop lag while CHARTS_AT_ONCE charts are drawn with `draw` (None: none); its p99 (ms)."""
    if draw is not None:
        await draw()  # warm-up: imports and caches, not measured
    late: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        loop = asyncio.get_running_loop()
        while not done.is_set():
            started = loop.time()
            await asyncio.sleep(TICK)
            late.append((loop.time() - started - TICK) * 1000)

    started = time.perf_counter()
    watching = asyncio.create_task(ticker())
    if draw is None:
        await asyncio.sleep(2.0)
    else:
        await asyncio.gather(*(draw() for _ in range(CHARTS_AT_ONCE)))
    elapsed = time.perf_counter() - started
    done.set()
    await watching
    late.sort()
    p99 = late[min(len(late) - 1, int(len(late) * 0.99))]
    print(
        f"loop lag, {name}: p50 {statistics.median(late):.2f} ms, p99 {p99:.2f} ms,"
        f" max {late[-1]:.1f} ms ({len(late)} wake-ups over {elapsed:.1f} s)"
    )
    return p99


async def loop_lag() -> list[Figure]:
    idle = await lag_while("no pictures (baseline)", None)
    worker_p99 = await lag_while(
        f"{CHARTS_AT_ONCE} result charts in the worker process",
        lambda: worker.draw(render_profile_chart, SAMPLE),
    )
    worker.shutdown()
    threads_p99 = await lag_while(
        f"{CHARTS_AT_ONCE} result charts in threads of the bot's process",
        lambda: asyncio.to_thread(render_profile_chart, SAMPLE),
    )
    return [
        Figure(
            f"event-loop lag p99 while {CHARTS_AT_ONCE} result charts are drawn (worker process)",
            f"{worker_p99:.2f} ms",
            f"{idle:.2f} ms (no pictures)",
            ratio(worker_p99, idle),
            "< 10 ms",
        ),
        Figure(
            "the same, charts drawn in threads of the bot's process",
            f"{threads_p99:.2f} ms",
            f"{idle:.2f} ms (no pictures)",
            ratio(threads_p99, idle),
        ),
    ]


def main() -> list[Figure]:
    # Each picture's first call first, so that it really is the first in this process.
    chart = measure("result chart", lambda: render_profile_chart(SAMPLE))
    stats_chart = measure("stats chart", lambda: render_stats_chart(STATS_SAMPLE))
    measure("poster QR code", lambda: render_qr(QR_LINK, caption=QR_CAPTION))
    figures = [
        Figure("a result chart, CPU (median)", f"{chart * 1000:.1f} ms"),
        Figure("a centre's statistics chart, CPU (median)", f"{stats_chart * 1000:.0f} ms"),
    ]
    return figures + asyncio.run(loop_lag())


if __name__ == "__main__":
    main()
