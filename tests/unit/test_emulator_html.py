"""The emulator's Telegram HTML parser: text, UTF-16 entities and Telegram's error texts."""

from __future__ import annotations

import html as std_html

import pytest
from aiogram.types import MessageEntity
from aiogram.utils.text_decorations import html_decoration
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.emulator.formatting import (
    EntityParseError,
    UnsupportedParseModeError,
    detect_entities,
    entity_text,
    format_text,
    parse_html,
    trim,
    utf16_len,
)


def test_plain_tags_become_entities() -> None:
    text, entities = parse_html("<b>bold</b> and <i>italic</i>")
    assert text == "bold and italic"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 9, "length": 6},
    ]


@pytest.mark.parametrize(
    ("tag", "kind"),
    [
        ("b", "bold"),
        ("strong", "bold"),
        ("i", "italic"),
        ("em", "italic"),
        ("u", "underline"),
        ("ins", "underline"),
        ("s", "strikethrough"),
        ("strike", "strikethrough"),
        ("del", "strikethrough"),
        ("tg-spoiler", "spoiler"),
        ("code", "code"),
        ("pre", "pre"),
        ("blockquote", "blockquote"),
    ],
)
def test_every_simple_tag(tag: str, kind: str) -> None:
    assert parse_html(f"x<{tag}>y</{tag}>") == ("xy", [{"type": kind, "offset": 1, "length": 1}])


def test_tags_and_attributes_are_case_insensitive() -> None:
    text, entities = parse_html('<B>a</B><A HREF="https://x.org/p">l</A>')
    assert text == "al"
    assert entities[0]["type"] == "bold"
    assert entities[1] == {"type": "text_link", "offset": 1, "length": 1, "url": "https://x.org/p"}


def test_offsets_are_utf16_code_units() -> None:
    text, entities = parse_html("😀 <b>Привет</b> 👍🏽<i>x</i>")
    assert text == "😀 Привет 👍🏽x"
    bold, italic = entities
    assert bold == {"type": "bold", "offset": 3, "length": 6}
    assert entity_text(text, bold) == "Привет"
    assert entity_text(text, italic) == "x"
    assert italic["offset"] == utf16_len("😀 Привет 👍🏽")


def test_a_lone_surrogate_counts_as_one_code_unit() -> None:
    """A JSON body may carry an unpaired surrogate escaped; it is one UTF-16 unit."""
    text, entities = parse_html("a\ud800<b>b</b>")
    assert text == "a\ud800b"
    assert entities == [{"type": "bold", "offset": 2, "length": 1}]


def test_nested_entities_sorted_outer_first() -> None:
    text, entities = parse_html("<b>a<i>b<u>c</u></i></b>")
    assert text == "abc"
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("bold", 0, 3),
        ("italic", 1, 2),
        ("underline", 2, 1),
    ]


def test_character_references() -> None:
    text, entities = parse_html("&lt;b&gt; &amp; &quot;q&quot; &#1071; &#x1F600; &nbsp; & &copy")
    assert text == '<b> & "q" Я 😀 &nbsp; & &copy'
    assert entities == []


def test_links_get_normalised_urls() -> None:
    _, entities = parse_html(
        '<a href="https://example.com">a</a><a href=\'t.me/x\'>b</a><a href="tg://user?id=5">c</a>'
    )
    assert [e["url"] for e in entities] == [
        "https://example.com/",
        "http://t.me/x",
        "tg://user?id=5",
    ]


def test_link_without_href_is_plain_text() -> None:
    assert parse_html("<a>text</a>") == ("text", [])


def test_pre_with_code_language_is_one_pre_entity() -> None:
    text, entities = parse_html('<pre><code class="language-python">print(1)</code></pre>')
    assert text == "print(1)"
    assert entities == [{"type": "pre", "offset": 0, "length": 8, "language": "python"}]


def test_entities_inside_code_are_dropped() -> None:
    _, entities = parse_html("<code>a<b>b</b></code>")
    assert entities == [{"type": "code", "offset": 0, "length": 2}]


def test_spoiler_span_blockquote_and_custom_emoji() -> None:
    text, entities = parse_html(
        '<span class="tg-spoiler">s</span><blockquote expandable>q</blockquote>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    assert text == "sq👍"
    assert entities == [
        {"type": "spoiler", "offset": 0, "length": 1},
        {"type": "expandable_blockquote", "offset": 1, "length": 1},
        {
            "type": "custom_emoji",
            "offset": 2,
            "length": 2,
            "custom_emoji_id": "5368324170671202286",
        },
    ]


def test_empty_tags_make_no_entity() -> None:
    assert parse_html("a<b></b>b") == ("ab", [])


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("Привет <p>", 'Unsupported start tag "p" at byte offset 13'),
        ("a<br/>b", 'Unsupported start tag "br/" at byte offset 1'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>never closed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("text</b>", "Unexpected end tag at byte offset 4"),
        (
            "<b><i>x</b></i>",
            'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
        ),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        (
            "<a href>x</a>",
            'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0',
        ),
        ('<a href="x>y</a>', "Unclosed start tag at byte offset 0"),
    ],
)
def test_invalid_html_reports_telegram_reason(source: str, reason: str) -> None:
    with pytest.raises(EntityParseError) as info:
        parse_html(source)
    assert str(info.value) == reason


def test_trim_shifts_and_clips_entities() -> None:
    text, entities = trim("   hi   ", [{"type": "bold", "offset": 2, "length": 4}])
    assert text == "hi"
    assert entities == [{"type": "bold", "offset": 0, "length": 2}]
    assert trim("  ", [{"type": "bold", "offset": 0, "length": 2}]) == ("", [])


def test_detect_entities() -> None:
    text = (
        "/start@careerbot_test_bot go to https://example.com/a?b=1, write me@mail.ru #tag @anna_k"
    )
    found = {(e["type"], entity_text(text, e)) for e in detect_entities(text)}
    assert found == {
        ("bot_command", "/start@careerbot_test_bot"),
        ("url", "https://example.com/a?b=1"),
        ("email", "me@mail.ru"),
        ("hashtag", "#tag"),
        ("mention", "@anna_k"),
    }


def test_no_command_inside_words_or_paths() -> None:
    assert detect_entities("a/b and path/start") == []


def test_format_text_merges_parsed_and_detected_entities() -> None:
    formatted = format_text("  <b>Жми /start</b> <code>/help</code>\n", "HTML")
    assert formatted.text == "Жми /start /help"
    kinds = [(e["type"], entity_text(formatted.text, e)) for e in formatted.entities]
    assert kinds == [("bold", "Жми /start"), ("bot_command", "/start"), ("code", "/help")]


def test_format_text_explicit_entities_win_over_parse_mode() -> None:
    explicit = [{"type": "italic", "offset": 0, "length": 3}]
    formatted = format_text("<b>", "HTML", explicit)
    assert formatted.text == "<b>"
    assert formatted.entities == explicit


def test_format_text_parse_mode_is_case_insensitive_and_checked() -> None:
    assert format_text("<b>x</b>", "html").entities == [{"type": "bold", "offset": 0, "length": 1}]
    assert format_text("<b>x</b>", None).text == "<b>x</b>"
    with pytest.raises(UnsupportedParseModeError):
        format_text("*x*", "Markdown")


# Property: whatever nesting of tags aiogram can render, parsing then rendering with aiogram's
# own HtmlDecoration gives the same HTML back, so offsets (UTF-16) and nesting are right.
_TAGS = ["b", "i", "u", "s", "tg-spoiler", "blockquote"]
_LEAF_TAGS = ["code", "pre"]
_chars = st.sampled_from(list("abcXYZ 012<>&\"'абвЯё😀👍🏽é\n"))
_words = st.text(_chars, min_size=1, max_size=6)


def _render(words: str) -> str:
    return std_html.escape(words, quote=False)


_node = st.recursive(
    _words.map(_render)
    | st.tuples(st.sampled_from(_LEAF_TAGS), _words).map(
        lambda t: f"<{t[0]}>{_render(t[1])}</{t[0]}>"
    ),
    lambda children: st.tuples(
        st.sampled_from(_TAGS), _words, st.lists(children, min_size=1, max_size=3)
    ).map(lambda t: f"<{t[0]}>{_render(t[1])}{''.join(t[2])}</{t[0]}>"),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_node, min_size=1, max_size=4))
def test_aiogram_rebuilds_the_same_html(nodes: list[str]) -> None:
    source = "".join(nodes)
    text, entities = parse_html(source)
    rebuilt = html_decoration.unparse(text, [MessageEntity(**e) for e in entities])
    assert rebuilt == source
