"""The playground's bookkeeping without a bot: which message a typed line presses, how
messages, pop-ups and pictures are shown. (The chat itself: tests/e2e/test_playground.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import _parser
from bot.emulator import ChatEvent, EmuMedia, EmuMessage, StoredFile, tiny_png
from bot.playground import Keyboards, Press, Problem, Send, pop_up, render, resolve, save_media


def message(
    message_id: int, *rows: list[str], from_bot: bool = True, media: EmuMedia | None = None
) -> EmuMessage:
    keyboard: dict[str, Any] | None = None
    if rows:
        keyboard = {
            "inline_keyboard": [
                [{"text": text, "callback_data": f"{message_id}:{text}"} for text in row]
                for row in rows
            ]
        }
    return EmuMessage(
        message_id=message_id,
        chat_id=1,
        from_bot=from_bot,
        sender={},
        chat={},
        date=0,
        text=None if media else f"message {message_id}",
        media=media,
        reply_markup=keyboard,
    )


def edit(target: EmuMessage, *rows: list[str]) -> ChatEvent:
    """The bot replaces the keyboard of `target` (none: removes it)."""
    target.reply_markup = message(target.message_id, *rows).reply_markup
    return ChatEvent("edit", target)


@pytest.fixture
def chat() -> tuple[Keyboards, EmuMessage, EmuMessage]:
    """A result menu (#4) and, newer, a question (#6), both with live buttons."""
    keyboards = Keyboards()
    menu = message(4, ["Советы", "Заново"], ["Поделиться"])
    question = message(6, ["1", "2", "3"], ["⏸ Пауза"])
    for event in (ChatEvent("new", menu), ChatEvent("new", question)):
        keyboards.update(event)
    return keyboards, menu, question


def test_a_number_presses_the_newest_message_with_buttons(chat: Any) -> None:
    keyboards, _menu, question = chat
    assert keyboards.ids() == [4, 6]
    action = resolve("4", keyboards)
    assert isinstance(action, Press)
    assert (action.message, action.number, action.button.text) == (question, 4, "⏸ Пауза")
    by_text = resolve("⏸ пауза", keyboards)
    assert isinstance(by_text, Press)
    assert by_text.message is question


def test_an_edit_that_removes_the_keyboard_moves_numbers_to_the_next_newest(chat: Any) -> None:
    keyboards, menu, question = chat
    keyboards.update(edit(question))  # answered: the question keeps its text, loses buttons
    assert keyboards.ids() == [4]
    action = resolve("2", keyboards)
    assert isinstance(action, Press)
    assert (action.message, action.button.text) == (menu, "Заново")
    keyboards.update(ChatEvent("delete", menu))
    assert keyboards.newest() is None
    nothing = resolve("2", keyboards)
    assert isinstance(nothing, Problem)
    assert "no message has buttons now" in nothing.line
    assert "\\2 sends it as text" in nothing.line


def test_an_edit_can_give_an_older_message_new_buttons(chat: Any) -> None:
    keyboards, menu, question = chat
    keyboards.update(edit(question))
    keyboards.update(edit(menu, ["Пауза", "Отписаться"]))
    assert keyboards.ids() == [4]
    action = resolve("Отписаться", keyboards)
    assert isinstance(action, Press)
    assert action.number == 2


def test_older_buttons_are_addressed_by_message_id(chat: Any) -> None:
    keyboards, menu, question = chat
    action = resolve("#4.3", keyboards)
    assert isinstance(action, Press)
    assert (action.message, action.number, action.button.text) == (menu, 3, "Поделиться")
    newest = resolve("#6.1", keyboards)
    assert isinstance(newest, Press)
    assert newest.message is question
    for typed, expected in [
        ("#4.9", "message #4 has buttons #4.1 to #4.3"),
        ("#4", "message #4 has buttons #4.1 to #4.3"),
        ("#5.1", "message #5 has no buttons now; messages with buttons: #4, #6"),
    ]:
        problem = resolve(typed, keyboards)
        assert isinstance(problem, Problem), typed
        assert expected in problem.line, problem.line


def test_a_number_matching_no_button_says_so(chat: Any) -> None:
    keyboards, _menu, _question = chat
    problem = resolve("5", keyboards)
    assert isinstance(problem, Problem)
    assert "no button 5 on #6" in problem.line
    assert "it has 1 to 4" in problem.line
    assert "Older messages with buttons: #4" in problem.line
    assert "\\5 sends it as text" in problem.line


def test_text_is_sent_and_a_backslash_sends_anything_as_text(chat: Any) -> None:
    keyboards, _menu, _question = chat
    assert resolve("привет", keyboards) == Send("привет")
    assert resolve("\\2", keyboards) == Send("2")
    assert resolve("\\#4.1", keyboards) == Send("#4.1")
    assert isinstance(resolve("\\", keyboards), Problem)


def test_the_users_own_messages_have_no_keyboard_to_press() -> None:
    keyboards = Keyboards()
    keyboards.update(ChatEvent("new", message(1, ["x"], from_bot=False)))
    assert keyboards.newest() is None


def test_older_messages_show_their_buttons_as_addresses(chat: Any) -> None:
    _keyboards, menu, question = chat
    shown = render(ChatEvent("new", question))
    assert shown.splitlines()[0] == "── bot ── #6"
    assert "[1] 1   [2] 2   [3] 3" in shown
    older = render(edit(menu, ["Пауза", "Отписаться"]), current=False)
    assert older.splitlines()[0] == "── bot edited #4 ──"
    assert "[#4.1] Пауза   [#4.2] Отписаться" in older
    assert render(ChatEvent("delete", menu)) == "  (bot deleted message #4)"


def test_pop_ups_and_alerts_look_different() -> None:
    assert pop_up({"text": "Сохранено.", "show_alert": False}) == "  (pop-up) Сохранено."
    assert pop_up({"text": "Советы на паузе.", "show_alert": True}) == "  (alert) Советы на паузе."
    assert pop_up({"text": None, "show_alert": False}) is None
    assert pop_up({"text": "", "url": "https://t.me/x"}) == "  (opens https://t.me/x)"


def photo(name: str | None, data: bytes) -> EmuMedia:
    stored = StoredFile("id", "unique", data, "photos/file_3.png", width=4, height=4)
    return EmuMedia(kind="photo", files=[stored], file_name=name)


def test_pictures_are_saved_under_their_message_id(tmp_path: Path) -> None:
    png = tiny_png()
    sent = message(7, media=photo("profile.png", png))
    path = save_media(sent, tmp_path / "media")
    assert path == tmp_path / "media" / "0007-profile.png"
    assert path.read_bytes() == png
    shown = render(ChatEvent("new", sent), saved=path)
    assert shown.splitlines()[1] == f"  [image] {path}"
    unnamed = save_media(message(12, media=photo(None, png)), tmp_path)
    assert unnamed == tmp_path / "0012-photo.png"
    odd = save_media(message(13, media=photo("../../секрет chart?.png", png)), tmp_path)
    assert odd == tmp_path / "0013-секрет_chart_.png"
    assert save_media(message(14), tmp_path) is None


def test_the_media_folder_is_a_playground_option() -> None:
    assert _parser().parse_args(["playground"]).media == Path("data/playground-media")
    assert _parser().parse_args(["playground", "--media", "shots"]).media == Path("shots")
