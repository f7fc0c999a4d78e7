"""Pictures are drawn in a process of their own, which survives a crash of a drawing."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

import pytest
from PIL import Image

from bot.render import ChartInput, TraitBar, render_profile_chart
from bot.render.worker import BrokenProcessPool, draw, shutdown

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def whose_process() -> bytes:
    """Runs in the worker: its process id."""
    return str(os.getpid()).encode()


def refuse(reason: str) -> bytes:
    raise ValueError(reason)


def die() -> bytes:
    os._exit(3)


@pytest.fixture(autouse=True)
def fresh_worker() -> Iterator[None]:
    shutdown()
    yield
    shutdown()


async def test_a_chart_is_drawn_in_another_process_and_comes_back_as_png() -> None:
    png = await draw(render_profile_chart, ChartInput("t", "s", [TraitBar("Терпение", 50)]))
    assert png.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(png)) as image:
        assert image.width > 500
    worker = int(await draw(whose_process))
    assert worker != os.getpid()
    assert int(await draw(whose_process)) == worker  # one worker, kept between pictures


async def test_an_error_in_a_drawing_reaches_the_caller_and_the_worker_goes_on() -> None:
    with pytest.raises(ValueError, match="no data"):
        await draw(refuse, "no data")
    assert int(await draw(whose_process)) != os.getpid()


async def test_a_worker_that_dies_fails_its_picture_and_a_new_one_draws_the_next() -> None:
    first = int(await draw(whose_process))
    with pytest.raises(BrokenProcessPool):
        await draw(die)
    second = int(await draw(whose_process))
    assert second not in (first, os.getpid())
