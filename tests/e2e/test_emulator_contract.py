"""Contract tests: a real aiogram Bot over real HTTP must see the emulator exactly as Telegram.

Each supported method is called through aiogram, which parses the result into its own types and
maps each error to its own exception, so any drift from the Bot API's shapes fails here.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router, html
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.methods.base import TelegramMethod
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    CallbackQuery,
    File,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    MenuButtonCommands,
    MenuButtonDefault,
    Message,
    MessageId,
    ReplyKeyboardMarkup,
    ReplyParameters,
    TelegramObject,
    User,
)
from aiohttp import web

from bot.emulator import (
    ChatEvent,
    Emulator,
    EmulatorError,
    ExpectationError,
    ExpectationTimeout,
    Fault,
    Student,
    tiny_png,
)
from bot.emulator import emulator as emulator_module
from bot.emulator.errors import NOT_MODIFIED, QUERY_TOO_OLD

TOKEN = "123456:TEST-token-of-the-local-emulator"
USER = 1001
OTHER = 2002
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(token=TOKEN, bot_username="careerbot_test_bot") as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    client = emu.make_bot()
    assert isinstance(client.session, AiohttpSession)
    yield client
    await client.session.close()


@pytest.fixture
async def http(emu: Emulator) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=emu.base_url) as session:
        yield session


async def started_chat(emu: Emulator, user_id: int = USER) -> Message:
    """Telegram only lets a bot write to users who wrote first."""
    sent = await emu.send_text(user_id, "/start", first_name="Аня")
    return Message.model_validate(sent.to_api())


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=f"cb:{label}")] for label in labels
        ]
    )


def dump(model: TelegramObject | None) -> dict[str, Any] | None:
    """Models that came back from the API carry a bot reference: compare their data."""
    return None if model is None else model.model_dump(exclude_none=True)


class GetUnicorns(TelegramMethod[bool]):
    __returning__: ClassVar[type] = bool
    __api_method__: ClassVar[str] = "getUnicorns"


# --------------------------------------------------------------------------- basics


async def test_get_me_and_plain_aiohttp_session(emu: Emulator) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url))
    plain = Bot(TOKEN, session=session)
    try:
        me = await plain.get_me()
    finally:
        await session.close()
    assert isinstance(me, User)
    assert (me.id, me.is_bot, me.username) == (123456, True, "careerbot_test_bot")
    assert emu.calls[0].method == "getMe"


async def test_wrong_token_is_unauthorized(emu: Emulator) -> None:
    intruder = Bot("999:wrong", session=AiohttpSession(api=emu.api_server()))
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await intruder.get_me()
    finally:
        await intruder.session.close()


async def test_unknown_method_is_not_found(bot: Bot, emu: Emulator) -> None:
    with pytest.raises(TelegramNotFound, match="Not Found"):
        await bot(GetUnicorns())
    assert emu.failures[-1].error_code == 404


async def test_transport_variants_and_case_insensitive_names(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    await started_chat(emu)
    base = f"/bot{TOKEN}"
    async with http.get(f"{base}/GETME") as response:
        assert (await response.json())["result"]["id"] == 123456
    async with http.get(f"{base}/sendmessage", params={"chat_id": USER, "text": "q"}) as response:
        assert (await response.json())["result"]["text"] == "q"
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    async with http.post(
        f"{base}/sendMessage", json={"chat_id": USER, "text": "json", "reply_markup": markup}
    ) as response:
        assert (await response.json())["result"]["reply_markup"] == markup
    form = {"chat_id": str(USER), "text": "form", "reply_markup": '{"remove_keyboard": true}'}
    async with http.post(f"{base}/sendMessage", data=form) as response:
        body = await response.json()
        assert body["ok"] is True
        assert "reply_markup" not in body["result"]
    upload = aiohttp.FormData()
    upload.add_field("chat_id", str(USER))
    upload.add_field("document", b"direct part", filename="direct.txt")
    async with http.post(f"{base}/sendDocument", data=upload) as response:
        document = (await response.json())["result"]["document"]
        assert (document["file_name"], document["mime_type"]) == ("direct.txt", "text/plain")
    async with http.get("/no/such/path") as response:
        assert response.status == 404
        assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_multipart_fields_files_and_its_size_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Multipart bodies are read in memory: fields keep their charset, a file its type,
    an `attach://` reference its part, and a body over the limit is refused whole."""
    monkeypatch.setattr(emulator_module, "MAX_REQUEST_BYTES", 64 * 1024)
    async with (
        Emulator(token=TOKEN) as emu,
        aiohttp.ClientSession(base_url=emu.base_url) as http,
    ):
        await started_chat(emu)
        base = f"/bot{TOKEN}"
        upload = aiohttp.FormData()
        upload.add_field("chat_id", str(USER))
        upload.add_field("caption", "Отчёт", content_type="text/plain; charset=cp1251")
        upload.add_field("document", "attach://report")
        upload.add_field("report", b"x" * 1000, filename="report.bin")
        async with http.post(f"{base}/sendDocument", data=upload) as response:
            result = (await response.json())["result"]
        assert result["caption"] == "Отчёт"
        assert result["document"]["file_name"] == "report.bin"
        assert result["document"]["file_size"] == 1000
        sent = len(emu.bot_messages(USER))
        big = aiohttp.FormData()
        big.add_field("chat_id", str(USER))
        big.add_field("document", b"x" * (65 * 1024), filename="big.bin")
        async with http.post(f"{base}/sendDocument", data=big) as response:
            assert response.status == 413
            assert (await response.json())["description"] == "Request Entity Too Large"
        assert len(emu.bot_messages(USER)) == sent


async def test_bad_parameters_answer_400_not_500(
    bot: Bot, emu: Emulator, http: aiohttp.ClientSession
) -> None:
    await started_chat(emu)
    base = f"/bot{TOKEN}"
    cases = [
        ("sendMessage", {"chat_id": "@nobody", "text": "x"}, "Bad Request: chat not found"),
        ("sendMessage", {"text": "x"}, "Bad Request: chat_id is empty"),
        ("sendMessage", {"chat_id": USER}, "Bad Request: message text is empty"),
        (
            "sendMessage",
            {"chat_id": USER, "text": "x", "reply_markup": "{oops"},
            "Bad Request: can't parse reply keyboard markup JSON object",
        ),
        (
            "sendMessage",
            {"chat_id": USER, "text": "x", "parse_mode": "Klingon"},
            "Bad Request: unsupported parse_mode",
        ),
        (
            "deleteMessage",
            {"chat_id": USER, "message_id": "first"},
            "Bad Request: invalid message_id specified",
        ),
        ("getFile", {"file_id": "nope"}, "Bad Request: invalid file_id"),
    ]
    for method, params, description in cases:
        async with http.post(f"{base}/{method}", data=params) as response:
            assert response.status == 400, (method, params)
            assert await response.json() == {
                "ok": False,
                "error_code": 400,
                "description": description,
            }
    async with http.post(
        f"{base}/sendMessage", data=b"{broken", headers={"Content-Type": "application/json"}
    ) as response:
        assert response.status == 400


# --------------------------------------------------------------------------- getUpdates


async def test_long_poll_returns_when_an_update_arrives(bot: Bot, emu: Emulator) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await emu.wait_until(lambda: bool(emu.calls_to("getUpdates")), description="a poll")
    assert not poll.done()
    await emu.send_text(USER, "/start ref_42", first_name="Аня", language_code="ru")
    updates = await asyncio.wait_for(poll, timeout=5)
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None
    assert message.text == "/start ref_42"
    assert message.from_user is not None
    assert (message.from_user.first_name, message.from_user.language_code) == ("Аня", "ru")
    assert message.chat.type == "private"
    assert message.chat.id == USER
    assert message.entities is not None
    assert (message.entities[0].type, message.entities[0].length) == ("bot_command", 6)


async def test_offset_confirms_limit_and_increasing_ids(bot: Bot, emu: Emulator) -> None:
    for text in ("one", "two", "three"):
        await emu.send_text(USER, text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first if u.message] == ["one", "two"]
    everything = await bot.get_updates()
    ids = [u.update_id for u in everything]
    assert ids == sorted(ids)
    assert len(set(ids)) == 3
    rest = await bot.get_updates(offset=ids[1] + 1)
    assert [u.update_id for u in rest] == [ids[2]]
    assert await bot.get_updates(offset=ids[2] + 1) == []
    assert await bot.get_updates() == []  # confirmed updates are gone for good
    await emu.send_text(USER, "four")
    (later,) = await bot.get_updates()
    assert later.update_id > ids[2]


async def test_negative_offset_keeps_the_newest(bot: Bot, emu: Emulator) -> None:
    for text in ("a", "b", "c"):
        await emu.send_text(USER, text)
    updates = await bot.get_updates(offset=-1)
    assert [u.message.text for u in updates if u.message] == ["c"]


async def test_empty_poll_waits_for_its_timeout(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert time.monotonic() - started >= 0.9


async def test_stop_releases_a_waiting_poll(bot: Bot, emu: Emulator) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=50))
    await emu.wait_until(lambda: bool(emu.calls_to("getUpdates")), description="a poll")
    await asyncio.wait_for(emu.stop(), timeout=5)
    assert await asyncio.wait_for(poll, timeout=5) == []
    assert not emu.running


async def test_a_second_poll_terminates_the_first(bot: Bot, emu: Emulator) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await emu.wait_until(lambda: len(emu.calls_to("getUpdates")) == 1, description="poll 1")
    second = asyncio.create_task(bot.get_updates(timeout=30))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, timeout=5)
    await emu.send_text(USER, "hi")
    assert len(await asyncio.wait_for(second, timeout=5)) == 1


async def test_allowed_updates_filter_and_persist(bot: Bot, emu: Emulator) -> None:
    sent = await started_chat(emu)
    reply = await bot.send_message(USER, "pick", reply_markup=keyboard("A"))
    await emu.press(USER, reply.message_id, "cb:A")
    updates = await bot.get_updates(allowed_updates=["callback_query"])
    assert [u.callback_query is not None for u in updates] == [True]
    assert sent.text == "/start"
    await emu.send_text(USER, "ignored")
    # the filter sticks until changed
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == []


# --------------------------------------------------------------------------- sendMessage


async def test_send_message_html_entities_and_keyboard(bot: Bot, emu: Emulator) -> None:
    await started_chat(emu)
    source = (
        "<b>Привет</b>, 😀 <i>Аня</i>! Жми <a href='https://example.com/q?a=1'>тест</a> "
        "&lt;3 <code>x</code>"
    )
    sent = await bot.send_message(USER, source, parse_mode="HTML", reply_markup=keyboard("Начать"))
    assert isinstance(sent, Message)
    assert sent.text == "Привет, 😀 Аня! Жми тест <3 x"
    assert sent.html_text == source.replace("'", '"')
    assert sent.from_user is not None
    assert sent.from_user.is_bot
    assert dump(sent.reply_markup) == dump(keyboard("Начать"))
    stored = emu.get_message(USER, sent.message_id)
    assert stored.from_bot
    assert stored.html == source
    assert stored.text == sent.text
    assert stored.buttons[0][0].text == "Начать"
    assert stored.buttons[0][0].callback_data == "cb:Начать"


async def test_plain_text_gets_detected_entities(bot: Bot, emu: Emulator) -> None:
    await started_chat(emu)
    sent = await bot.send_message(USER, "  see https://example.com and /help  ")
    assert sent.text == "see https://example.com and /help"
    assert [(e.type, e.extract_from(sent.text)) for e in sent.entities or []] == [
        ("url", "https://example.com"),
        ("bot_command", "/help"),
    ]


async def test_invalid_html_is_refused_like_telegram(bot: Bot, emu: Emulator) -> None:
    await started_chat(emu)
    with pytest.raises(TelegramBadRequest) as unsupported:
        await bot.send_message(USER, "<div>hi</div>", parse_mode="HTML")
    assert unsupported.value.message == (
        'Bad Request: can\'t parse entities: Unsupported start tag "div" at byte offset 0'
    )
    with pytest.raises(TelegramBadRequest, match="Can't find end tag corresponding to start tag"):
        await bot.send_message(USER, "<b>open", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match=r'expected "</i>", found "</b>"'):
        await bot.send_message(USER, "<b><i>x</b></i>", parse_mode="HTML")
    assert emu.bot_messages(USER) == []


async def test_length_limits_count_text_after_parsing(bot: Bot, emu: Emulator) -> None:
    await started_chat(emu)
    exact = await bot.send_message(USER, "<b>" + "я" * 4096 + "</b>", parse_mode="HTML")
    assert exact.text is not None
    assert len(exact.text) == 4096
    with pytest.raises(TelegramBadRequest, match="Bad Request: message is too long"):
        await bot.send_message(USER, "я" * 4097)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message text is empty"):
        await bot.send_message(USER, "<b> </b>", parse_mode="HTML")


async def test_callback_data_over_64_bytes(bot: Bot, emu: Emulator) -> None:
    await started_chat(emu)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="д" * 33)]]
    )
    with pytest.raises(TelegramBadRequest, match="Bad Request: BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "x", reply_markup=markup)


async def test_chat_not_found_until_the_user_writes(bot: Bot, emu: Emulator) -> None:
    Student(emu, OTHER)  # known profile, but has not written yet
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message(OTHER, "hello?")
    await emu.send_text(OTHER, "hi")
    assert (await bot.send_message(OTHER, "hello!")).chat.id == OTHER


async def test_message_ids_per_chat_shared_by_user_and_bot(bot: Bot, emu: Emulator) -> None:
    first = await emu.send_text(USER, "hi")
    reply = await bot.send_message(USER, "hello")
    second = await emu.send_text(USER, "again")
    other = await emu.send_text(OTHER, "hi")
    assert [first.message_id, reply.message_id, second.message_id] == [1, 2, 3]
    assert other.message_id == 1
    assert [m.message_id for m in emu.messages(USER)] == [1, 2, 3]


async def test_reply_parameters_and_reply_keyboard(bot: Bot, emu: Emulator) -> None:
    question = await started_chat(emu)
    buttons = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Да")]], resize_keyboard=True)
    sent = await bot.send_message(
        USER,
        "ok",
        reply_parameters=ReplyParameters(message_id=question.message_id),
        reply_markup=buttons,
    )
    assert sent.reply_to_message is not None
    assert sent.reply_to_message.text == "/start"
    assert sent.reply_markup is None  # Telegram echoes only inline keyboards
    assert emu.get_message(USER, sent.message_id).keyboard == {
        "keyboard": [[{"text": "Да"}]],
        "resize_keyboard": True,
    }
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(USER, "x", reply_parameters=ReplyParameters(message_id=999))


# --------------------------------------------------------------------------- edits and deletes


async def test_edit_message_text(bot: Bot, emu: Emulator) -> None:
    await started_chat(emu)
    sent = await bot.send_message(USER, "Вопрос", reply_markup=keyboard("A", "B"))
    edited = await bot.edit_message_text(
        "<b>Ответ</b>",
        chat_id=USER,
        message_id=sent.message_id,
        parse_mode="HTML",
        reply_markup=keyboard("A"),
    )
    assert isinstance(edited, Message)
    assert edited.edit_date is not None
    assert edited.text == "Ответ"
    assert edited.html_text == "<b>Ответ</b>"
    assert dump(edited.reply_markup) == dump(keyboard("A"))
    stored = emu.get_message(USER, sent.message_id)
    assert (stored.text, stored.edit_count) == ("Ответ", 1)
    with pytest.raises(TelegramBadRequest) as same:
        await bot.edit_message_text(
            "<b>Ответ</b>",
            chat_id=USER,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=keyboard("A"),
        )
    assert same.value.message == f"Bad Request: {NOT_MODIFIED}"
    without_markup = await bot.edit_message_text(
        "<b>Ответ</b>", chat_id=USER, message_id=sent.message_id, parse_mode="HTML"
    )
    assert isinstance(without_markup, Message)
    assert without_markup.reply_markup is None  # an edit without markup drops the keyboard
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=404)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message can't be edited"):
        await bot.edit_message_text("x", chat_id=USER, message_id=1)


async def test_edit_message_reply_markup(bot: Bot, emu: Emulator) -> None:
    await started_chat(emu)
    sent = await bot.send_message(USER, "pick", reply_markup=keyboard("A"))
    edited = await bot.edit_message_reply_markup(
        chat_id=USER, message_id=sent.message_id, reply_markup=keyboard("B")
    )
    assert isinstance(edited, Message)
    assert dump(edited.reply_markup) == dump(keyboard("B"))
    assert edited.text == "pick"
    cleared = await bot.edit_message_reply_markup(chat_id=USER, message_id=sent.message_id)
    assert isinstance(cleared, Message)
    assert cleared.reply_markup is None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=USER, message_id=sent.message_id)
    assert emu.get_message(USER, sent.message_id).edit_count == 2


async def test_delete_and_copy_message(bot: Bot, emu: Emulator) -> None:
    original = await started_chat(emu)
    await emu.send_text(OTHER, "hi")
    copied = await bot.copy_message(
        chat_id=OTHER, from_chat_id=USER, message_id=original.message_id
    )
    assert isinstance(copied, MessageId)
    copy = emu.get_message(OTHER, copied.message_id)
    assert copy.from_bot
    assert copy.text == "/start"
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await bot.copy_message(chat_id=OTHER, from_chat_id=USER, message_id=77)
    sent = await bot.send_message(USER, "bye")
    assert await bot.delete_message(USER, sent.message_id) is True
    assert emu.get_message(USER, sent.message_id).deleted
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to delete not found"):
        await bot.delete_message(USER, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=sent.message_id)


# --------------------------------------------------------------------------- callbacks


async def test_press_and_answer_callback_query(bot: Bot, emu: Emulator) -> None:
    await started_chat(emu)
    sent = await bot.send_message(USER, "pick", reply_markup=keyboard("A"))
    query_id = await emu.press(USER, sent.message_id, "cb:A")
    updates = await bot.get_updates()
    query = updates[-1].callback_query
    assert isinstance(query, CallbackQuery)
    assert (query.id, query.data, query.from_user.id) == (query_id, "cb:A", USER)
    assert isinstance(query.message, Message)
    assert query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query_id, text="Принято", show_alert=True) is True
    answer = await emu.wait_callback_answer(query_id, timeout=1)
    assert (answer["text"], answer["show_alert"]) == ("Принято", True)
    with pytest.raises(TelegramBadRequest) as again:
        await bot.answer_callback_query(query_id)
    assert again.value.message == f"Bad Request: {QUERY_TOO_OLD}"
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("123")


async def test_press_on_a_missing_message_is_an_error(emu: Emulator) -> None:
    await started_chat(emu)
    with pytest.raises(EmulatorError, match="no message 42"):
        await emu.press(USER, 42, "x")
    with pytest.raises(EmulatorError, match="sent by the user"):
        await emu.press(USER, 1, "x")


async def test_unanswered_callback_times_out(bot: Bot, emu: Emulator) -> None:
    await started_chat(emu)
    sent = await bot.send_message(USER, "pick", reply_markup=keyboard("A"))
    query_id = await emu.press(USER, sent.message_id, "cb:A")
    with pytest.raises(TimeoutError, match="did not answer callback query"):
        await emu.wait_callback_answer(query_id, timeout=0.2)


async def test_expired_callback_query(bot: Bot) -> None:
    async with Emulator(token=TOKEN, callback_query_ttl=0.0) as strict:
        client = strict.make_bot()
        try:
            await strict.send_text(USER, "hi")
            sent = await client.send_message(USER, "pick", reply_markup=keyboard("A"))
            query_id = await strict.press(USER, sent.message_id, "cb:A")
            with pytest.raises(TelegramBadRequest, match="query is too old"):
                await client.answer_callback_query(query_id)
        finally:
            await client.session.close()


# --------------------------------------------------------------------------- files


async def test_photo_upload_round_trip(bot: Bot, emu: Emulator) -> None:
    await started_chat(emu)
    image = tiny_png(400, 200)
    sent = await bot.send_photo(
        USER,
        BufferedInputFile(image, filename="chart.png"),
        caption="<b>График</b>",
        parse_mode="HTML",
    )
    assert sent.photo is not None
    assert [(p.width, p.height) for p in sent.photo] == [(90, 45), (320, 160), (400, 200)]
    assert sent.caption == "График"
    assert sent.html_text == "<b>График</b>"
    biggest = sent.photo[-1]
    info = await bot.get_file(biggest.file_id)
    assert isinstance(info, File)
    assert info.file_size == len(image)
    assert info.file_path
    downloaded = await bot.download_file(info.file_path)
    assert downloaded is not None
    assert downloaded.read() == image
    again = await bot.send_photo(USER, biggest.file_id)
    assert again.photo is not None
    assert again.photo[-1].file_unique_id == biggest.file_unique_id
    assert emu.get_message(USER, sent.message_id).file_bytes == image
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(USER, biggest.file_id, caption="x" * 1025)
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(USER, BufferedInputFile(b"not a picture", filename="x.png"))
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(USER, "AgACunknown")


async def test_document_upload_round_trip(bot: Bot, emu: Emulator) -> None:
    await started_chat(emu)
    payload = "Отчёт\n".encode() * 100
    sent = await bot.send_document(
        USER, BufferedInputFile(payload, filename="report.csv"), caption="отчёт"
    )
    assert sent.document is not None
    assert sent.document.file_name == "report.csv"
    assert sent.document.mime_type == "text/csv"
    assert sent.document.file_size == len(payload)
    info = await bot.get_file(sent.document.file_id)
    assert info.file_path is not None
    downloaded = await bot.download_file(info.file_path)
    assert downloaded is not None
    assert downloaded.read() == payload
    with pytest.raises(TelegramBadRequest, match="type of file mismatch"):
        await bot.send_photo(USER, sent.document.file_id)


async def test_file_route_checks_token_and_path(
    bot: Bot, emu: Emulator, http: aiohttp.ClientSession
) -> None:
    await started_chat(emu)
    sent = await bot.send_document(USER, BufferedInputFile(b"abc", filename="a.txt"))
    assert sent.document is not None
    path = (await bot.get_file(sent.document.file_id)).file_path
    async with http.get(f"/file/bot{TOKEN}/{path}") as response:
        assert await response.read() == b"abc"
    async with http.get(f"/file/bot1:bad/{path}") as response:
        assert response.status == 401
    async with http.get(f"/file/bot{TOKEN}/documents/missing.txt") as response:
        assert response.status == 404
        assert (await response.json())["description"] == "Not Found"


async def test_user_media_parse_and_download(bot: Bot, emu: Emulator) -> None:
    photo = await emu.send_photo(USER, tiny_png(30, 20), caption="моё фото")
    await emu.send_sticker(USER, emoji="🔥")
    await emu.send_voice(USER, duration=4)
    await emu.send_document(USER, b"cv", file_name="cv.pdf", mime_type="application/pdf")
    messages = [u.message for u in await bot.get_updates()]
    assert all(m is not None for m in messages)
    photo_msg, sticker_msg, voice_msg, document_msg = (m for m in messages if m is not None)
    assert photo_msg.photo is not None
    assert photo_msg.caption == "моё фото"
    assert sticker_msg.sticker is not None
    assert sticker_msg.sticker.emoji == "🔥"
    assert voice_msg.voice is not None
    assert voice_msg.voice.duration == 4
    assert document_msg.document is not None
    assert document_msg.document.file_name == "cv.pdf"
    info = await bot.get_file(photo_msg.photo[-1].file_id)
    assert info.file_path is not None
    downloaded = await bot.download_file(info.file_path)
    assert downloaded is not None
    assert downloaded.read() == photo.file_bytes


# --------------------------------------------------------------------------- bot settings


async def test_commands_per_scope_and_language(bot: Bot, emu: Emulator) -> None:
    ru = [
        BotCommand(command="start", description="Начать"),
        BotCommand(command="help", description="Помощь"),
    ]
    assert await bot.set_my_commands(ru, language_code="ru") is True
    assert await bot.set_my_commands(
        [BotCommand(command="start", description="Start")], scope=BotCommandScopeAllPrivateChats()
    )
    assert [dump(c) for c in await bot.get_my_commands(language_code="ru")] == [dump(c) for c in ru]
    assert await bot.get_my_commands() == []
    assert emu.commands("all_private_chats") == [{"command": "start", "description": "Start"}]
    assert emu.commands(language_code="ru")[1] == {"command": "help", "description": "Помощь"}
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start", description="x")])
    assert await bot.delete_my_commands(language_code="ru") is True
    assert emu.commands(language_code="ru") == []


async def test_chat_action_menu_button_and_webhook(bot: Bot, emu: Emulator) -> None:
    await started_chat(emu)
    assert await bot.send_chat_action(USER, "typing") is True
    assert emu.chat_actions(USER) == ["typing"]
    with pytest.raises(TelegramBadRequest, match="wrong parameter action"):
        await bot.send_chat_action(USER, "dancing")
    assert await bot.set_chat_menu_button(menu_button=MenuButtonCommands()) is True
    assert emu.menu_button() == {"type": "commands"}
    assert isinstance(await bot.get_chat_menu_button(chat_id=USER), MenuButtonCommands)
    assert await bot.set_chat_menu_button(chat_id=USER, menu_button=MenuButtonDefault())
    assert isinstance(await bot.get_chat_menu_button(chat_id=USER), MenuButtonDefault)
    assert await bot.delete_webhook(drop_pending_updates=True) is True
    assert await bot.get_updates() == []


# --------------------------------------------------------------------------- block and faults


async def test_blocked_user(bot: Bot, emu: Emulator) -> None:
    await started_chat(emu)
    await bot.get_updates(offset=-1)
    emu.block(USER)
    with pytest.raises(TelegramForbiddenError) as info:
        await bot.send_message(USER, "ping")
    assert info.value.message == "Forbidden: bot was blocked by the user"
    with pytest.raises(TelegramForbiddenError):
        await bot.send_chat_action(USER, "typing")
    updates = await bot.get_updates(offset=-1)
    member = updates[-1].my_chat_member
    assert member is not None
    assert member.new_chat_member.status == "kicked"
    emu.unblock(USER)
    updates = await bot.get_updates(offset=-1)
    member = updates[-1].my_chat_member
    assert member is not None
    assert member.old_chat_member.status == "kicked"
    assert member.new_chat_member.status == "member"
    assert (await bot.send_message(USER, "welcome back")).text == "welcome back"


async def test_429_fault_with_times(bot: Bot, emu: Emulator) -> None:
    await started_chat(emu)
    rule = emu.add_fault(Fault(kind="429", times=1, retry_after=3))
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(USER, "first try")
    assert info.value.retry_after == 3
    assert "Too Many Requests: retry after 3" in info.value.message
    assert (await bot.send_message(USER, "second try")).text == "second try"
    assert [m.text for m in emu.bot_messages(USER)] == ["second try"]
    assert rule.hits == 1
    assert emu.faults == []
    assert [c.method for c in emu.calls].count("sendMessage") == 2


async def test_500_fault_until_removed(bot: Bot, emu: Emulator) -> None:
    await started_chat(emu)
    rule = emu.add_fault(Fault(kind="500"))
    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Internal Server Error"):
            await bot.send_message(USER, "x")
    assert (await bot.get_me()).id == 123456  # getMe is not a sending method
    emu.remove_fault(rule)
    assert (await bot.send_message(USER, "x")).text == "x"


async def test_fault_per_chat_and_per_method(bot: Bot, emu: Emulator) -> None:
    await started_chat(emu, USER)
    await started_chat(emu, OTHER)
    emu.add_fault(Fault(kind="403", chat_id=OTHER))
    emu.add_fault(Fault(kind="500", methods=["sendPhoto"]))
    assert (await bot.send_message(USER, "fine")).chat.id == USER
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(OTHER, "nope")
    with pytest.raises(TelegramServerError):
        await bot.send_photo(USER, BufferedInputFile(tiny_png(), filename="p.png"))
    emu.clear_faults()
    assert (await bot.send_message(OTHER, "now fine")).chat.id == OTHER


async def test_get_updates_only_faulted_when_named(bot: Bot, emu: Emulator) -> None:
    emu.add_fault(Fault(kind="500"))
    assert await bot.get_updates() == []
    emu.add_fault(Fault(kind="429", methods=["getUpdates"], times=1, retry_after=2))
    with pytest.raises(TelegramRetryAfter):
        await bot.get_updates()
    assert await bot.get_updates() == []


async def test_latency_fault_delays_the_call(bot: Bot, emu: Emulator) -> None:
    await started_chat(emu)
    emu.add_fault(Fault(kind="latency", delay=0.4, times=1))
    started = time.monotonic()
    sending = asyncio.create_task(bot.send_message(USER, "slow"))
    await emu.wait_until(lambda: bool(emu.calls_to("sendMessage")), description="the call")
    assert emu.bot_messages(USER) == []  # received, but held back
    sent = await asyncio.wait_for(sending, timeout=5)
    assert time.monotonic() - started >= 0.35
    assert sent.text == "slow"
    assert len(emu.bot_messages(USER)) == 1
    quick = await bot.send_message(USER, "fast")  # times=1: the rule is spent
    assert quick.text == "fast"


# --------------------------------------------------------------------------- helpers


async def test_wait_bot_messages_explains_a_timeout(bot: Bot, emu: Emulator) -> None:
    user_message = await started_chat(emu)
    await bot.send_message(USER, "only one", reply_markup=keyboard("Да"))
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(USER, "<p>", parse_mode="HTML")
    with pytest.raises(TimeoutError) as info:
        await emu.wait_bot_messages(USER, count=2, after=user_message.message_id, timeout=0.2)
    text = str(info.value)
    assert "expected 2 bot message(s)" in text
    assert "got 1" in text
    assert "#2 bot: 'only one' buttons: ['Да']" in text
    assert 'sendMessage: 400 Bad Request: can\'t parse entities: Unsupported start tag "p"' in text
    (found,) = await emu.wait_bot_messages(USER, count=1, after=user_message.message_id)
    assert found.text == "only one"


async def test_subscribe_sees_new_edit_delete(bot: Bot, emu: Emulator) -> None:
    events = emu.subscribe(USER)
    others = emu.subscribe(OTHER)
    await started_chat(emu)
    sent = await bot.send_message(USER, "v1")
    await bot.edit_message_text("v2", chat_id=USER, message_id=sent.message_id)
    await bot.delete_message(USER, sent.message_id)
    seen: list[ChatEvent] = [events.get_nowait() for _ in range(4)]
    assert [(e.kind, e.message.from_bot) for e in seen] == [
        ("new", False),
        ("new", True),
        ("edit", True),
        ("delete", True),
    ]
    assert others.empty()
    emu.unsubscribe(events)
    await emu.send_text(USER, "after")
    assert events.empty()


async def test_student_conversation_with_a_real_dispatcher(emu: Emulator) -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        name = message.from_user.first_name if message.from_user else "?"
        await message.answer(f"Привет, <b>{html.quote(name)}</b>!", reply_markup=keyboard("Начать"))

    @router.callback_query(F.data == "cb:Начать")
    async def begin(query: CallbackQuery) -> None:
        await query.answer("Поехали!")
        if isinstance(query.message, Message):
            await query.message.edit_text("Вопрос 1 из 10")

    @router.message(F.sticker)
    async def sticker(message: Message) -> None:
        await message.answer("Милый стикер 🙂")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    client = Bot(
        TOKEN,
        session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)),
        default=DefaultBotProperties(parse_mode="HTML"),
    )
    polling = asyncio.create_task(
        dispatcher.start_polling(client, handle_signals=False, polling_timeout=10)
    )
    try:
        anya = Student(emu, USER, first_name="Аня <3")
        await anya.send("/start")
        hello = await anya.expect_message()
        assert hello.text == "Привет, Аня <3!"
        assert hello.html == "Привет, <b>Аня &lt;3</b>!"
        assert anya.last_message is hello
        answer = await anya.press("Начать")
        assert answer["text"] == "Поехали!"
        edited = await anya.expect_edit(hello)
        assert edited.text == "Вопрос 1 из 10"
        assert edited.buttons == []
        await anya.send_sticker()
        assert (await anya.expect_message()).text == "Милый стикер 🙂"
        await anya.expect_no_message(within=0.3)
        with pytest.raises(ExpectationError, match="no button 'Дальше'"):
            await anya.press("Дальше")
        with pytest.raises(ExpectationTimeout):
            await anya.expect_message(timeout=0.2)
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(polling, timeout=10)


async def test_student_cursor_and_button_errors(bot: Bot, emu: Emulator) -> None:
    student = Student(emu, USER)
    await student.send("hi")
    await bot.send_message(USER, "one", reply_markup=keyboard("A"))
    await bot.send_message(USER, "two")
    first, second = await student.expect_messages(2)
    assert (first.text, second.text) == ("one", "two")
    await bot.send_message(USER, "three")
    assert (await student.expect_message()).text == "three"
    with pytest.raises(ExpectationError) as missing:
        await student.press("B")
    assert "visible buttons" in str(missing.value)
    assert "'A'" in str(missing.value)
    await bot.send_message(USER, "four")
    with pytest.raises(ExpectationError, match="expected no new bot message"):
        await student.expect_no_message(within=0.2)
    with pytest.raises(ExpectationTimeout, match="did not answer callback query"):
        await student.press("A", timeout=0.2)


# --------------------------------------------------------------------------- other processes


async def test_http_control_api(bot: Bot, emu: Emulator, http: aiohttp.ClientSession) -> None:
    async def call(verb: str, path: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        async with http.request(verb, f"/_emulator{path}", **kwargs) as response:
            return response.status, await response.json()

    status, body = await call("POST", "/send_text", json={"user_id": 7, "text": "/start"})
    assert status == 200
    assert body["result"]["text"] == "/start"
    sent = await bot.send_message(7, "pick", reply_markup=keyboard("A"))
    status, body = await call(
        "GET", "/wait_messages", params={"chat_id": 7, "after": 1, "timeout": 1}
    )
    assert [m["text"] for m in body["result"]] == ["pick"]
    assert body["result"][0]["from_bot"] is True
    _, body = await call(
        "POST",
        "/press",
        json={"user_id": 7, "message_id": sent.message_id, "callback_data": "cb:A"},
    )
    query_id = body["result"]["query_id"]
    await bot.answer_callback_query(query_id, text="ok")
    _, body = await call("GET", "/callback_answer", params={"query_id": query_id})
    assert body["result"]["text"] == "ok"
    _, body = await call("POST", "/faults", json={"kind": "429", "times": 1, "retry_after": 2})
    assert body["result"]["fault_id"] >= 1
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(7, "x")
    await call("POST", "/faults", json={"kind": "500"})
    status, body = await call("DELETE", "/faults")
    assert status == 200
    await call("POST", "/block", json={"user_id": 7})
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(7, "x")
    await call("POST", "/unblock", json={"user_id": 7})
    status, body = await call(
        "GET", "/wait_messages", params={"chat_id": 7, "count": 5, "timeout": 0.1}
    )
    assert status == 408
    assert "expected 5 bot message(s)" in body["description"]
    status, body = await call("POST", "/faults", json={"kind": "teapot"})
    assert status == 400
    assert "unknown fault kind" in body["description"]
    _, body = await call("GET", "/calls")
    assert "sendMessage" in [c["method"] for c in body["result"]]
    _, body = await call("GET", "/messages", params={"chat_id": 7, "all": "1"})
    assert [m["from_bot"] for m in body["result"]][:2] == [False, True]


async def test_standalone_module_serves_http() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.emulator",
        "--port",
        "0",
        "--token",
        "42:standalone",
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=20)
        base_url = line.decode().strip()
        assert base_url.startswith("http://127.0.0.1:")
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{base_url}/bot42:standalone/getMe") as response,
        ):
            body = await response.json()
        assert body["result"]["id"] == 42
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)
    assert process.returncode == 0


# --------------------------------------------------------------------------- webhook


async def test_webhook_gets_pushed_updates_with_the_secret(bot: Bot, emu: Emulator) -> None:
    """setWebhook: updates are POSTed with the secret header, kept and retried until a 2xx,
    and getUpdates is refused meanwhile; deleteWebhook hands them back to getUpdates."""
    received: list[tuple[str | None, dict[str, Any]]] = []
    status = [500]

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response(status=status[0])

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        await started_chat(emu)
        await bot.get_updates(offset=-1)
        await bot.get_updates(offset=emu.pending_updates[-1]["update_id"] + 1)
        assert await bot.set_webhook(url, secret_token="s3cret_-X", allowed_updates=["message"])
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()
        await emu.send_text(USER, "one")
        webhook = emu.webhook
        assert webhook is not None
        await emu.wait_until(lambda: webhook.last_error_message is not None)
        info = await bot.get_webhook_info()
        assert (info.url, info.pending_update_count, info.allowed_updates) == (url, 1, ["message"])
        assert (
            info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        )

        status[0] = 200
        await emu.wait_until(lambda: not emu.pending_updates, description="delivered")
        assert {secret for secret, _ in received} == {"s3cret_-X"}
        assert received[-1][1]["message"]["text"] == "one"
        assert [d.delivered for d in emu.deliveries][-1] is True
        assert [d.status for d in emu.deliveries].count(200) == 1

        with pytest.raises(TelegramBadRequest, match="unallowed characters"):
            await bot.set_webhook(url, secret_token="no spaces allowed")
        assert await bot.delete_webhook() is True
        assert (await bot.get_webhook_info()).url == ""
        await emu.send_text(USER, "two")
        assert [u.message.text for u in await bot.get_updates() if u.message] == ["two"]
    finally:
        await runner.cleanup()


async def test_a_webhook_reply_is_run_as_a_bot_api_call(bot: Bot, emu: Emulator) -> None:
    """aiogram answers a webhook request with the method a handler returned: the emulator
    runs it, as Telegram does."""
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler

    router = Router()

    @router.message()
    async def echo(message: Message) -> Any:
        return message.answer(f"echo: {message.text}")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    app = web.Application()
    app.router.add_post(
        "/hook",
        SimpleRequestHandler(
            dispatcher, bot, handle_in_background=False, secret_token="abc"
        ).handle,
    )
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{runner.addresses[0][1]}/hook", secret_token="abc")
        anya = Student(emu, USER, first_name="Аня")
        await anya.send("hi")
        assert (await anya.expect_message()).text == "echo: hi"
        assert [d.status for d in emu.deliveries] == [200]
    finally:
        await runner.cleanup()
