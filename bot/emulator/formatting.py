"""Telegram-style message formatting: HTML parse_mode to plain text plus UTF-16 entities.

Follows the rules of Telegram's own parser (allowed tags, error texts with byte offsets, the four
named character references, whitespace trimming, auto-detected commands/links) so that a bot under
test fails on the emulator where it would fail on Telegram and aiogram rebuilds the same HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Entity = dict[str, Any]

SPACES = " \t\n\r\v\f"
ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    }
)
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_REFERENCES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# Entities the user sees as a single token; auto-detection never cuts into them.
_OPAQUE_TYPES = frozenset(
    {
        "pre",
        "code",
        "text_link",
        "text_mention",
        "url",
        "email",
        "mention",
        "hashtag",
        "cashtag",
        "bot_command",
        "custom_emoji",
        "phone_number",
    }
)


class EntityParseError(ValueError):
    """The HTML is invalid; ``str()`` is Telegram's reason after "can't parse entities: "."""


class UnsupportedParseModeError(ValueError):
    """parse_mode is neither empty nor HTML."""


@dataclass(frozen=True)
class FormattedText:
    text: str
    entities: list[Entity] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets (a lone
    surrogate, which a JSON body may carry escaped, counts as one)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


_MARKUP = re.compile("[&<]")
"""Where plain text ends: a character reference or a tag."""


@dataclass
class _OpenTag:
    name: str
    begin: int  # index of "<" in the source, for error messages
    start16: int  # UTF-16 offset in the output where the entity starts
    argument: str = ""


class _HtmlParser:
    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out: list[str] = []
        self.pos16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[Entity] = []

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def fail(self, reason: str, index: int | None = None) -> EntityParseError:
        if index is not None:
            reason = f"{reason} at byte offset {self.byte_offset(index)}"
        return EntityParseError(reason)

    def emit(self, chars: str) -> None:
        self.out.append(chars)
        self.pos16 += utf16_len(chars)

    def at(self, index: int) -> str:
        return self.src[index] if index < len(self.src) else ""

    def parse(self) -> tuple[str, list[Entity]]:
        src = self.src
        while self.pos < len(src):
            # Plain text up to the next reference or tag goes out in one piece (a
            # character at a time, a long message cost a millisecond).
            markup = _MARKUP.search(src, self.pos)
            stop = markup.start() if markup else len(src)
            if stop > self.pos:
                self.emit(src[self.pos : stop])
                self.pos = stop
                continue
            char = src[self.pos]
            if char == "&":
                decoded = decode_reference(src, self.pos)
                if decoded is not None:
                    self.emit(decoded[0])
                    self.pos = decoded[1]
                    continue
            if char != "<":
                self.emit(char)
                self.pos += 1
                continue
            if self.at(self.pos + 1) == "/":
                self.end_tag()
            else:
                self.start_tag()
        if self.stack:
            name = self.stack[-1].name
            raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{name}"')
        return "".join(self.out), self.entities

    def skip_spaces(self) -> None:
        while self.pos < len(self.src) and self.src[self.pos] in SPACES:
            self.pos += 1

    def start_tag(self) -> None:
        src = self.src
        begin = self.pos
        self.pos += 1
        while self.pos < len(src) and src[self.pos] not in SPACES and src[self.pos] != ">":
            self.pos += 1
        if self.pos >= len(src):
            raise self.fail("Unclosed start tag", begin)
        name = src[begin + 1 : self.pos].lower()
        if name not in ALLOWED_TAGS:
            raise self.fail(f'Unsupported start tag "{name}"', begin)
        argument = ""
        while True:
            self.skip_spaces()
            if self.pos >= len(src):
                raise self.fail("Unclosed start tag", begin)
            if src[self.pos] == ">":
                self.pos += 1
                break
            attr_begin = self.pos
            while self.pos < len(src) and src[self.pos] not in SPACES and src[self.pos] not in "=>":
                self.pos += 1
            attr_name = src[attr_begin : self.pos].lower()
            if not attr_name:
                raise self.fail(f'Empty attribute name in the tag "{name}"', begin)
            self.skip_spaces()
            if self.at(self.pos) != "=":
                if name == "blockquote" and attr_name == "expandable":
                    argument = "expandable"
                    continue
                raise self.fail(
                    f'Expected equal sign in declaration of an attribute of the tag "{name}"',
                    begin,
                )
            self.pos += 1
            self.skip_spaces()
            if self.pos >= len(src):
                raise self.fail("Unclosed start tag", begin)
            value = self.attribute_value(begin)
            argument = _tag_argument(name, attr_name, value, argument)
        if name == "span" and argument != "tg-spoiler":
            raise self.fail('Tag "span" must have class "tg-spoiler"', begin)
        self.stack.append(_OpenTag(name=name, begin=begin, start16=self.pos16, argument=argument))

    def attribute_value(self, tag_begin: int) -> str:
        src = self.src
        quote = src[self.pos]
        if quote not in "\"'":
            token_begin = self.pos
            while self.pos < len(src) and (src[self.pos].isalnum() or src[self.pos] in ".-"):
                self.pos += 1
            if self.pos >= len(src):
                raise self.fail("Unclosed start tag", tag_begin)
            if src[self.pos] not in SPACES and src[self.pos] != ">":
                raise self.fail("Unexpected end of name token", token_begin)
            return src[token_begin : self.pos].lower()
        self.pos += 1
        chars: list[str] = []
        while self.pos < len(src) and src[self.pos] != quote:
            if src[self.pos] == "&":
                decoded = decode_reference(src, self.pos)
                if decoded is not None:
                    chars.append(decoded[0])
                    self.pos = decoded[1]
                    continue
            chars.append(src[self.pos])
            self.pos += 1
        if self.pos >= len(src):
            raise self.fail("Unclosed start tag", tag_begin)
        self.pos += 1
        return "".join(chars)

    def end_tag(self) -> None:
        src = self.src
        begin = self.pos
        if not self.stack:
            raise self.fail("Unexpected end tag", begin)
        self.pos += 2
        name_begin = self.pos
        while self.pos < len(src) and src[self.pos] not in SPACES and src[self.pos] != ">":
            self.pos += 1
        end_name = src[name_begin : self.pos].lower()
        self.skip_spaces()
        if self.at(self.pos) != ">":
            raise self.fail("Unclosed end tag", begin)
        self.pos += 1
        tag = self.stack.pop()
        if end_name and end_name != tag.name:
            raise self.fail(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{tag.name}>", found "</{end_name}>"'
            )
        self.close_entity(tag)

    def close_entity(self, tag: _OpenTag) -> None:
        length = self.pos16 - tag.start16
        if length <= 0:
            return
        entity: Entity = {"offset": tag.start16, "length": length}
        name = tag.name
        if name in _SIMPLE_TAGS:
            entity["type"] = _SIMPLE_TAGS[name]
        elif name == "a":
            if not tag.argument:
                return
            entity["type"] = "text_link"
            entity["url"] = normalize_url(tag.argument)
        elif name == "code":
            entity["type"] = "code"
            if tag.argument:
                entity["language"] = tag.argument
        elif name == "pre":
            last = self.entities[-1] if self.entities else None
            if (
                last is not None
                and last["type"] == "code"
                and last["offset"] == tag.start16
                and last["length"] == length
            ):
                self.entities.pop()
                language = last.get("language")
                entity["type"] = "pre"
                if language:
                    entity["language"] = language
            else:
                entity["type"] = "pre"
        elif name == "blockquote":
            entity["type"] = (
                "expandable_blockquote" if tag.argument == "expandable" else "blockquote"
            )
        else:  # tg-emoji
            if not tag.argument:
                return
            entity["type"] = "custom_emoji"
            entity["custom_emoji_id"] = tag.argument
        self.entities.append(entity)


def _tag_argument(tag: str, attr: str, value: str, current: str) -> str:
    if tag == "a" and attr == "href":
        return value
    if tag == "code" and attr == "class" and value.startswith("language-"):
        return value[len("language-") :]
    if tag == "span" and attr == "class":
        return value
    if tag == "tg-emoji" and attr == "emoji-id":
        return value
    return current


def decode_reference(text: str, index: int) -> tuple[str, int] | None:
    """Decode ``&name;``/``&#N;``/``&#xH;`` at ``index``; return (char, next index) or None."""
    end = text.find(";", index + 1, index + 12)
    if end == -1:
        return None
    body = text[index + 1 : end]
    if body in _NAMED_REFERENCES:
        return _NAMED_REFERENCES[body], end + 1
    if not body.startswith("#") or len(body) < 2:
        return None
    digits, base = (body[2:], 16) if body[1] in "xX" else (body[1:], 10)
    allowed = "0123456789abcdefABCDEF" if base == 16 else "0123456789"
    if not digits or any(c not in allowed for c in digits):
        return None
    code = int(digits, base)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), end + 1


def normalize_url(url: str) -> str:
    """Roughly what Telegram returns for a link: a scheme is added, a bare host gets "/"."""
    url = url.strip()
    if url.startswith("tg:"):
        return url
    if "://" not in url:
        url = "http://" + url
    scheme, rest = url.split("://", 1)
    if "/" not in rest and "?" not in rest and "#" not in rest:
        rest += "/"
    return f"{scheme.lower()}://{rest}"


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Parse Telegram HTML into (plain text, entities). Raises EntityParseError."""
    text, entities = _HtmlParser(source).parse()
    return text, _sorted(_drop_nested_in_code(entities))


def _drop_nested_in_code(entities: list[Entity]) -> list[Entity]:
    code = [e for e in entities if e["type"] in ("code", "pre")]
    kept: list[Entity] = []
    for entity in entities:
        inside = any(
            other is not entity
            and other["offset"] <= entity["offset"]
            and entity["offset"] + entity["length"] <= other["offset"] + other["length"]
            for other in code
        )
        if not inside:
            kept.append(entity)
    return kept


def _sorted(entities: list[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


_AUTO_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("url", re.compile(r"\bhttps?://[^\s<>\"]+", re.IGNORECASE)),
    ("email", re.compile(r"(?<![\w.@+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")),
    ("bot_command", re.compile(r"(?:^|(?<=\s))/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?!\S)")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,32}(?![\w@])")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
]
_TRAILING_PUNCTUATION = ".,;:!?)'\""


def detect_entities(text: str) -> list[Entity]:
    """Entities Telegram adds by itself: links, e-mails, /commands, @mentions, #hashtags."""
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _AUTO_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if kind == "url":
                while end > start and text[end - 1] in _TRAILING_PUNCTUATION:
                    end -= 1
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            found.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[:start]),
                    "length": utf16_len(text[start:end]),
                }
            )
    return _sorted(found)


def _overlaps(a: Entity, b: Entity) -> bool:
    return bool(a["offset"] < b["offset"] + b["length"] and b["offset"] < a["offset"] + a["length"])


def trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Strip surrounding whitespace as Telegram does, shifting and clipping entities."""
    stripped = text.strip(SPACES)
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip(SPACES))])
    total = utf16_len(stripped)
    result: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


def format_text(
    raw: str, parse_mode: str | None = None, entities: list[Entity] | None = None
) -> FormattedText:
    """Turn a sent text/caption into what Telegram stores: text, explicit and detected entities.

    Explicit ``entities`` win over ``parse_mode`` as in the Bot API.
    """
    if entities is not None:
        text, explicit = raw, [dict(e) for e in entities]
    elif parse_mode:
        if parse_mode.lower() != "html":
            raise UnsupportedParseModeError(parse_mode)
        text, explicit = parse_html(raw)
    else:
        text, explicit = raw, []
    text, explicit = trim(text, explicit)
    merged = list(explicit)
    for auto in detect_entities(text):
        if not any(e["type"] in _OPAQUE_TYPES and _overlaps(auto, e) for e in explicit):
            merged.append(auto)
    return FormattedText(text=text, entities=_sorted(merged))


def entity_text(text: str, entity: Entity) -> str:
    """The piece of ``text`` an entity covers (offsets are UTF-16)."""
    encoded = text.encode("utf-16-le")
    start = entity["offset"] * 2
    return encoded[start : start + entity["length"] * 2].decode("utf-16-le")
