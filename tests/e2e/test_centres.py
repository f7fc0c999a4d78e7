"""Career centres end to end: an admin creates two centres, students arrive through
their links and take the quiz, managers join by invite and see aggregates only."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.emulator import Emulator, EmuMessage, Student
from handlers.staff.callbacks import (
    BcAction,
    BcCb,
    CentreAction,
    CentreCb,
    DigestCb,
    OperatorAction,
    OperatorCb,
    StatsAction,
    StatsCb,
)
from tests.e2e.conftest import RunningBot, agree
from tests.e2e.quiz_walk import (
    QUIZ,
    Pace,
    Pick,
    best,
    calmly,
    next_screen,
    rushed,
    walk,
    with_track,
    worst,
)
from tests.support import text_of

ADMIN = 9001
START_LINK = re.compile(r"https://t\.me/careerbot_test_bot\?start=([A-Za-z0-9_-]+)")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
async def staffed(emu: Emulator, tmp_path: Path, clock: FrozenClock) -> AsyncIterator[RunningBot]:
    bot = RunningBot(emu, tmp_path, overrides={"admin_ids": frozenset({ADMIN})}, clock=clock)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


def person(emu: Emulator, user_id: int, name: str, language: str = "en") -> Student:
    return Student(emu, user_id=user_id, first_name=name, language_code=language, timeout=15)


def links_in(message: EmuMessage) -> list[str]:
    return START_LINK.findall(text_of(message))


async def create_centre(admin: Student, name: str) -> tuple[str, str]:
    """The centre's students' code and a manager invite payload, from the admin's chat."""
    await admin.send(f"/centre_new {name}")
    created, qr = await admin.expect_messages(2)
    assert name in text_of(created)
    code, invite = links_in(created)
    assert invite.startswith("inv_")
    assert qr.photo is not None
    assert qr.caption is not None
    assert code in qr.caption
    return code, invite


async def finish_quiz(
    student: Student, code: str, track: str, pace: Pace, pick: Pick = best
) -> str:
    """The text of the student's result."""
    await agree(student, code)  # the centre's code travels with the consent
    await student.press("Пройти тест")
    screen = await next_screen(student)
    result, _visited = await walk(student, screen, with_track(track, pick), pace=pace)
    return text_of(result)


async def staff_menu(emu: Emulator, user_id: int) -> set[str]:
    return {c["command"] for c in emu.commands({"type": "chat", "chat_id": user_id}, "en")}


@pytest.mark.timeout(240)
async def test_two_centres_their_students_and_their_managers(
    emu: Emulator, staffed: RunningBot, clock: FrozenClock
) -> None:
    admin = person(emu, ADMIN, "Admin")
    await admin.send("/start")
    await admin.expect_message()
    code_a, invite_a = await create_centre(admin, "Centre Alpha")
    code_b, invite_b = await create_centre(admin, "Centre Beta")
    assert code_a != code_b

    tracks = ("tech", "soft", "comm")
    alpha = [person(emu, 2000 + n, f"Студент{n}", "ru") for n in range(12)]
    beta = [person(emu, 3000 + n, f"Гость{n}", "ru") for n in range(3)]
    # Twelve of Alpha (and Beta's three) read every question; ten more of Alpha click
    # through at once, always the option worth least. Those ten are flagged, and kept out
    # of the bands: counted, they would be ten "unlikely" results.
    calm = calmly(clock)
    await asyncio.gather(
        *(finish_quiz(s, code_a, tracks[n % 3], calm) for n, s in enumerate(alpha)),
        *(finish_quiz(s, code_b, tracks[n % 3], calm) for n, s in enumerate(beta)),
    )
    hasty = [person(emu, 4000 + n, f"Спешка{n}", "ru") for n in range(10)]
    results = await asyncio.gather(
        *(finish_quiz(s, code_a, tracks[n % 3], rushed, worst) for n, s in enumerate(hasty))
    )
    assert all("Результат может быть неточным" in text for text in results)
    alpha += hasty

    manager_a = person(emu, 9101, "Marina", "en")
    await manager_a.send(f"/start {invite_a}")
    joined = text_of(await manager_a.expect_message())
    assert "Centre Alpha" in joined
    assert {"stats", "export"} <= await staff_menu(emu, manager_a.user_id)
    assert "centres" not in await staff_menu(emu, manager_a.user_id)

    manager_b = person(emu, 9102, "Boris", "en")
    await manager_b.send(f"/start {invite_b}")
    assert "Centre Beta" in text_of(await manager_b.expect_message())

    # An invite works once.
    latecomer = person(emu, 9103, "Late", "en")
    await latecomer.send(f"/start {invite_a}")
    assert "already been used" in text_of(await latecomer.expect_message())
    assert await staff_menu(emu, latecomer.user_id) == set()

    # The first centre's manager sees exactly its 22 students, and no student.
    await manager_a.send("/stats")
    chart, summary = await manager_a.expect_messages(2)
    assert chart.photo is not None
    text = text_of(summary)
    assert "Started the quiz: 22 · finished: 22 (100%)" in text
    assert "Result reliable: 12 · may be inaccurate (careless answering): 10" in text
    assert "count reliable results only" in text
    everything = " ".join(
        (m.text or "") + (m.caption or "") for m in emu.bot_messages(manager_a.user_id)
    )
    for student in (*alpha, *beta):
        assert str(student.profile["first_name"]) not in everything
        assert str(student.user_id) not in everything

    # The second centre's three students are all hidden.
    await manager_b.send("/stats")
    _chart_b, summary_b = await manager_b.expect_messages(2)
    text_b = text_of(summary_b)
    assert "Started the quiz: <10 · finished: <10 (<10)" in text_b
    assert "Result reliable: <10 · may be inaccurate (careless answering): <10" in text_b
    assert "fewer than 10 students" in text_b

    # The export: the same numbers, readable by a spreadsheet with Russian settings.
    await manager_a.send("/export")
    document = await manager_a.expect_message()
    assert document.document is not None
    data = document.file_bytes
    assert data is not None
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    values = {(row[0], row[1], row[2]): row[3] for row in rows if len(row) == 4}
    assert values[("Summary", "Students", "started")] == "22"
    assert values[("Summary", "Students", "finished")] == "22"
    assert values[("Summary", "Students", "not finished")] == "0"
    assert values[("Summary", "Finished", "result reliable")] == "12"
    assert values[("Summary", "Finished", "may be inaccurate")] == "10"
    # The twelve calm students chose alike: one band holds them all, and the others none
    # (shown as 0): the ten rushed "unlikely" results are not among them.
    bands = [v for (section, _i, _m), v in values.items() if section == "Suitability bands"]
    band_ids = [band.id for band in QUIZ.outcomes.bands]
    assert dict(zip(band_ids, bands, strict=True)) == {
        "strong": "0",
        "good": "12",
        "possible": "0",
        "unlikely": "0",
    }
    # Their answers fit customer communications best, whatever track they took.
    specs = [
        v for (section, _i, _m), v in values.items() if section == "Recommended specialisations"
    ]
    spec_ids = [spec.id for spec in QUIZ.outcomes.specialisations]
    assert dict(zip(spec_ids, specs, strict=True))["product_comms"] == "12"
    assert sorted(specs) == ["0", "0", "12"]

    await manager_b.send("/export")
    export_b = await manager_b.expect_message()
    assert export_b.file_bytes is not None
    rows_b = list(csv.reader(io.StringIO(export_b.file_bytes.decode("utf-8-sig")), delimiter=";"))
    started_b = next(row[3] for row in rows_b if row[:3] == ["Summary", "Students", "started"])
    assert started_b == "<10"


STAFF_COMMANDS = (
    "/centre_new Sneaky",
    "/centres",
    "/stats",
    "/export",
    "/operator_invite",
    "/operators",
    "/broadcast",
    "/broadcasts",
)


def staff_buttons(centre: int, manager: int, broadcast: int) -> list[str]:
    """Every staff button, aimed at centre `centre` (and its manager `manager`), and at
    the admin's broadcast `broadcast`."""
    buttons = [
        CentreCb(action=action, centre=centre, user=manager).pack() for action in CentreAction
    ]
    buttons += [CentreCb(action=CentreAction.LIST).pack()]
    buttons += [StatsCb(action=action, centre=centre).pack() for action in StatsAction]
    buttons += [StatsCb(action=StatsAction.SHOW, centre=0).pack()]  # every student: admins only
    buttons += [DigestCb(centre=centre, on=flag).pack() for flag in (True, False)]
    buttons += [OperatorCb(action=action, user=manager).pack() for action in OperatorAction]
    buttons += [
        BcCb(action=action, id=broadcast, value=value).pack()
        for action in BcAction
        for value in ("", "band=high")
    ]
    return buttons


@pytest.mark.timeout(120)
async def test_students_and_other_managers_are_refused_everywhere(
    emu: Emulator, staffed: RunningBot
) -> None:
    admin = person(emu, ADMIN, "Admin")
    await admin.send("/start")
    await admin.expect_message()
    _code_a, invite_a = await create_centre(admin, "Centre Alpha")
    _code_b, invite_b = await create_centre(admin, "Centre Beta")
    manager_a = person(emu, 9101, "Marina")
    await manager_a.send(f"/start {invite_a}")
    await manager_a.expect_message()
    manager_b = person(emu, 9102, "Boris")
    await manager_b.send(f"/start {invite_b}")
    await manager_b.expect_message()
    student = person(emu, 2001, "Student")
    await agree(student)
    centre_a = 1  # the first centre created
    # The admin's draft broadcast, and an operator: neither may be touched by others.
    await admin.send("/broadcast")
    await admin.expect_message()
    await admin.send("Новости центра")
    await admin.expect_message()
    broadcast = 1
    await admin.send("/operator_invite")
    (operator_invite,) = START_LINK.findall(text_of(await admin.expect_message()))
    operator = person(emu, 9201, "Olga")
    await operator.send(f"/start {operator_invite}")
    await operator.expect_message()
    # Staff use the student's side only once they agreed to the notice, as students;
    # then a command or button of another role is refused like any unknown one.
    for member in (manager_b, operator):
        await agree(member)

    for intruder in (student, manager_b, operator):
        for command in STAFF_COMMANDS:
            if intruder is manager_b and command in ("/stats", "/export"):
                continue  # their own centre's: allowed, checked below
            if intruder is operator and command in ("/broadcast", "/broadcasts"):
                continue  # theirs: allowed
            await intruder.send(command)
            reply = text_of(await intruder.expect_message())
            assert "I don't know this command" in reply, (intruder.user_id, command, reply)
        for data in staff_buttons(centre_a, manager_a.user_id, broadcast):
            own_choice = intruder is manager_b and data.startswith("st:choose")
            if intruder is operator and data.startswith(("bc:tips", "bc:cat", "bc:tip:")):
                continue  # the tip picker opens a draft of their own
            before = len(emu.bot_messages(intruder.user_id))
            anchor = emu.bot_messages(intruder.user_id)[-1].message_id
            query = await emu.press(intruder.user_id, anchor, data)
            answer = await emu.wait_callback_answer(query)
            if own_choice:  # the list of their own centres: allowed, names only theirs
                choice = text_of(await intruder.expect_message())
                assert "Centre Alpha" not in choice
                continue
            note = str(answer.get("text", ""))
            assert note in (
                "This button is no longer active.",
                "These statistics are not available to you.",
                "You are not a manager of this centre.",
            ), (intruder.user_id, data, note)
            await intruder.expect_no_message(within=0.3)
            assert len(emu.bot_messages(intruder.user_id)) == before
        messages = " ".join(
            (m.text or "") + (m.caption or "") for m in emu.bot_messages(intruder.user_id)
        )
        assert "Centre Alpha" not in messages

    # Manager B's own /stats names only their centre; the admin's list is not theirs.
    await manager_b.send("/stats")
    _chart, summary = await manager_b.expect_messages(2)
    assert "Centre Beta" in text_of(summary)
    assert "Centre Alpha" not in text_of(summary)
    # Manager A was not touched by any of it.
    assert {"stats", "export"} <= await staff_menu(emu, manager_a.user_id)


@pytest.mark.timeout(120)
async def test_an_admin_runs_a_centre_from_its_card(emu: Emulator, staffed: RunningBot) -> None:
    admin = person(emu, ADMIN, "Admin")
    await admin.send("/start")
    await admin.expect_message()
    assert {"centres", "centre_new", "stats", "export"} <= await staff_menu(emu, ADMIN)
    await admin.send("/centre_new")
    assert "/centre_new" in text_of(await admin.expect_message())  # how to use it
    code, invite = await create_centre(admin, "Centre Alpha")
    manager = person(emu, 9101, "Marina", "en")
    await manager.send(f"/start {invite}")
    await manager.expect_message()

    await admin.send("/centres")
    listing = await admin.expect_message()
    assert "Centre Alpha — 0 · 1" in text_of(listing)
    await admin.press("Centre Alpha", message=listing)
    card = await admin.expect_edit(listing)
    assert code in text_of(card)

    await admin.press("🔳 QR code", message=card)
    qr = await admin.expect_message()
    assert qr.photo is not None
    await admin.press("➕ Manager invite", message=card)
    fresh = links_in(await admin.expect_message())
    assert len(fresh) == 1
    assert fresh[0].startswith("inv_")
    assert fresh[0] != invite

    # Rename through a prompt; a command in between is not taken for the name.
    await admin.press("✏️ Rename", message=card)
    await admin.expect_message()
    await admin.send("/help")
    await admin.expect_message()
    await admin.send("Центр карьеры «Альфа»")
    renamed = text_of(await admin.expect_message())
    assert "Центр карьеры «Альфа»" in renamed

    # Revoking the manager takes their statistics and their menu away.
    await admin.send("/centres")
    listing = await admin.expect_message()
    await admin.press("Центр карьеры «Альфа»", message=listing)
    card = await admin.expect_edit(listing)
    await admin.press("👥 Managers", message=card)
    members = await admin.expect_edit(card)
    assert "Marina" in text_of(members)
    await admin.press("✖ Revoke Marina", message=members)
    confirm = await admin.expect_edit(members)
    answer = await admin.press("Yes, revoke", message=confirm)
    assert answer.get("text") == "Revoked."
    assert await staff_menu(emu, manager.user_id) == set()
    await manager.send("/stats")
    # No statistics: like anyone who never agreed to the notice, they are asked to.
    assert "how I handle your data" in text_of(await manager.expect_message())

    # Archived: the link adds no one; the admin still sees the centre's statistics.
    await admin.send("/centres")
    listing = await admin.expect_message()
    await admin.press("Центр карьеры «Альфа»", message=listing)
    card = await admin.expect_edit(listing)
    await admin.press("🗄 Archive", message=card)
    archived = await admin.expect_edit(card)
    assert "Archived" in text_of(archived)
    await admin.send("/centres")
    listing = await admin.expect_message()
    assert "Альфа" not in text_of(listing)
    await admin.press("🗄 Archived (1)", message=listing)
    shelf = await admin.expect_edit(listing)
    assert "Центр карьеры «Альфа»" in text_of(shelf)
    newcomer = person(emu, 2001, "Nina", "en")
    assert "You came through" not in text_of(await agree(newcomer, code))

    await admin.send("/stats")
    choice = await admin.expect_message()
    assert choice.button_texts[0] == "All students"
    await admin.press("All students", message=choice)
    _chart, summary = await admin.expect_messages(2)
    assert "All students" in text_of(summary)
