"""Every text the code marks for translation has a Russian translation, and the
catalogs load without a build step."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from aiogram.utils.i18n import gettext, lazy_gettext
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, build_i18n, human_duration, pick_locale

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "__": None, "lazy_gettext": None, "ngettext": (1, 2)}


def code_messages() -> set[str]:
    found: set[str] = set()
    for folder in ("bot", "handlers"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / folder, keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(locale: str) -> dict[str, str]:
    """msgid -> translation; a plural entry by its singular, translated only if every
    plural form is."""
    found: dict[str, str] = {}
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        for m in read_po(f):
            if not m.id:
                continue
            if isinstance(m.id, str):
                assert isinstance(m.string, str), m.id
                found[m.id] = m.string
            else:
                assert isinstance(m.string, tuple | list), m.id
                forms = list(m.string)
                found[m.id[0]] = forms[-1] if forms and all(forms) else ""
    return found


def test_code_has_messages() -> None:
    assert len(code_messages()) >= 5


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_every_message_is_in_the_catalog(locale: str) -> None:
    missing = code_messages() - catalog(locale).keys()
    assert not missing, f"run `make locales` and translate: {sorted(missing)}"


def test_every_message_is_translated_to_russian() -> None:
    ru = catalog("ru")
    untranslated = [msgid for msgid in code_messages() if not ru.get(msgid)]
    assert not untranslated, untranslated


def test_translations_keep_placeholders() -> None:
    def names(text: str) -> set[str]:
        return set(re.findall(r"\{(\w*)\}", text))

    for msgid, text in catalog("ru").items():
        assert names(msgid) == names(text), msgid


def test_aiogram_helpers_see_the_context() -> None:
    i18n = build_i18n("ru")
    with i18n.context(), i18n.use_locale("ru"):
        assert gettext("What this bot can do") == "Что умеет этот бот"
        assert str(lazy_gettext("What this bot can do")) == "Что умеет этот бот"
    with i18n.context(), i18n.use_locale("en"):
        assert gettext("What this bot can do") == "What this bot can do"


def test_catalogs_load_from_sources() -> None:
    i18n = build_i18n("ru")
    assert set(i18n.available_locales) == {"ru", "en"}
    assert i18n.gettext("What this bot can do", locale="ru") == "Что умеет этот бот"
    assert i18n.gettext("What this bot can do", locale="en") == "What this bot can do"


@pytest.mark.parametrize(
    ("chosen", "code", "expected"),
    [
        (None, "en", "en"),
        (None, "en-GB", "en"),
        (None, "ru", "ru"),
        (None, "uk", "ru"),
        (None, None, "ru"),
        ("en", "ru", "en"),
        ("ru", "en", "ru"),
        ("xx", "en", "en"),
    ],
)
def test_pick_locale(chosen: str | None, code: str | None, expected: str) -> None:
    assert pick_locale(chosen, code, "ru") == expected


def test_no_gettext_inside_f_strings() -> None:
    """Babel cannot see a `_()` call inside an f-string, so its text would never be translated."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("bot", "handlers")
        for path in (ROOT / folder).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "{_(" in line
    ]
    assert not offenders, offenders


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_no_fuzzy_entries(locale: str) -> None:
    """A fuzzy entry is never compiled, so the user would see English."""
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        fuzzy = [m.id for m in read_po(f) if m.id and m.fuzzy]
    assert not fuzzy, fuzzy


def test_durations_are_words_with_plurals() -> None:
    forms = [human_duration(timedelta(days=n), "ru") for n in (2, 5, 21)]
    assert forms == ["2 дня", "5 дней", "21 день"]
    assert human_duration(timedelta(hours=36), "ru") == "1 день 12 часов"
    assert human_duration(timedelta(hours=36), "en") == "1 day 12 hours"
    # 0.01 h used to show as "0.01 ч"
    assert human_duration(timedelta(hours=0.01), "ru") == "36 секунд"
    assert human_duration(timedelta(0), "en") == "0 seconds"
