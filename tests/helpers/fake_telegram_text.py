"""Telegram's text rules for the fake Bot API: tdlib's HTML parser, text clean-up, keyboards."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

MAX_TEXT_LENGTH = 4096  # UTF-16 code units, counted after entity parsing
MAX_CALLBACK_DATA_BYTES = 64
MAX_ENTITIES = 100  # tdlib drops formatting entities beyond this, silently
BUTTON_ACTIONS = frozenset(
    [
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    ]
)


class ApiError(Exception):
    """Raised when Telegram would refuse a request; the server turns it into an error response."""

    def __init__(self, status: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def entity_text(text: str, entity: Mapping[str, Any]) -> str:
    """The piece of ``text`` a Bot API entity covers (its offsets count UTF-16 code units)."""
    units = text.encode("utf-16-le")
    return units[2 * entity["offset"] : 2 * (entity["offset"] + entity["length"])].decode("utf-16-le")


# Text: tdlib's parse_html, then fix_formatted_text. Entities are kept internally as dicts with
# code-point "start"/"end" and converted to the Bot API's UTF-16 offsets at the very end.

HTML_TAGS = frozenset(
    [
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    ]
)
SIMPLE_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "span": "spoiler",
}  # fmt: skip
SPLITTABLE = ("bold", "italic", "underline", "strikethrough", "spoiler")
BLOCKQUOTES = ("blockquote", "expandable_blockquote")
# tdlib's MessageEntity::get_type_priority, which orders entities sharing an offset and length.
PRIORITY = {
    "mention": 50, "hashtag": 50, "bot_command": 50, "url": 50, "email": 50, "bold": 90,
    "italic": 91, "code": 20, "pre": 11, "text_link": 49, "text_mention": 49, "cashtag": 50,
    "phone_number": 50, "underline": 92, "strikethrough": 93, "blockquote": 0, "spoiler": 94,
    "custom_emoji": 99, "expandable_blockquote": 0,
}  # fmt: skip
USER_ENTITY_TYPES = frozenset(
    [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "pre",
        "text_link",
        "text_mention",
        "custom_emoji",
        "blockquote",
        "expandable_blockquote",
    ]
)
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
ENTITY_RE = re.compile(r"&(?:#x([0-9a-fA-F]*)|#([0-9]*)|([A-Za-z]*))(;?)")
SPACES = frozenset(" \t\r\n\v\f")


def _space(char: str) -> bool:
    return char == "" or char in SPACES  # "" is the end of the text, which tdlib sees as '\0'


def _decode_html_entity(source: str, pos: int) -> tuple[str, int] | None:
    """tdlib's decode_html_entity: the character and the position after it, or None to keep '&'."""
    match = ENTITY_RE.match(source, pos)
    assert match is not None  # every part of the pattern may be empty
    hex_digits, decimal, name, semicolon = match.groups()
    if name is not None:
        char = NAMED_ENTITIES.get(name)
        return (char, match.end()) if char else None
    code = int(hex_digits or decimal or "0", 16 if hex_digits is not None else 10)
    if code == 0 or code >= 0x10FFFF or match.end() - len(semicolon) - pos >= 10:
        return None
    return chr(code), match.end()


@dataclass
class _Open:
    tag: str
    argument: str
    start: int


class _HtmlParser:
    """Telegram's HTML parser (tdlib's parse_html), with its error messages and byte offsets."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out: list[str] = []  # one code point per item, so entity positions index it directly
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def at(self, i: int) -> str:
        return self.src[i] if i < len(self.src) else ""

    def fail(self, message: str) -> NoReturn:
        raise ApiError(400, f"Bad Request: can't parse entities: {message}")

    def offset(self, i: int) -> int:
        return len(self.src[:i].encode())

    def skip_spaces(self, i: int) -> int:
        while self.at(i) != "" and _space(self.at(i)):
            i += 1
        return i

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        while self.pos < len(self.src):
            char = self.src[self.pos]
            decoded = _decode_html_entity(self.src, self.pos) if char == "&" else None
            if decoded:
                self.out.append(decoded[0])
                self.pos = decoded[1]
            elif char != "<":
                self.out.append(char)
                self.pos += 1
            elif self.at(self.pos + 1) == "/":
                self.end_tag()
            else:
                self.start_tag()
        if self.stack:
            self.fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"')
        text = "".join(self.out)
        if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
            self.fail(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        for entity in self.entities:
            if entity["type"] == "code":
                entity.pop("language", None)  # a language counts only on <pre><code>
        return text, self.entities

    def start_tag(self) -> None:
        begin = self.pos
        i = begin + 1
        while not _space(self.at(i)) and self.at(i) != ">":
            i += 1
        if self.at(i) == "":
            self.fail(f"Unclosed start tag at byte offset {self.offset(begin)}")
        tag = self.src[begin + 1 : i].lower()
        if tag not in HTML_TAGS:
            self.fail(f'Unsupported start tag "{tag}" at byte offset {self.offset(begin)}')
        argument = ""
        while self.at(i) != ">":
            i, argument = self.attribute(tag, begin, i, argument)
        if tag == "span" and argument != "spoiler":
            self.fail(f'Tag "span" must have class "tg-spoiler" at byte offset {self.offset(begin)}')
        self.stack.append(_Open(tag, argument, len(self.out)))
        self.pos = i + 1

    def attribute(self, tag: str, begin: int, i: int, argument: str) -> tuple[int, str]:
        """Read one attribute at i; return the position after it and the tag's argument."""
        i = self.skip_spaces(i)
        if self.at(i) == ">":
            return i, argument
        name_start = i
        while not _space(self.at(i)) and self.at(i) not in ("=", ">", "/", '"', "'"):
            i += 1
        name = self.src[name_start:i]
        if not name:
            self.fail(f'Empty attribute name in the tag "{tag}" at byte offset {self.offset(begin)}')
        i = self.skip_spaces(i)
        if self.at(i) != "=":
            if self.at(i) == "":
                self.fail(f'Unclosed start tag "{tag}" at byte offset {self.offset(begin)}')
            return i, "1" if (tag, name) == ("blockquote", "expandable") else argument
        i = self.skip_spaces(i + 1)
        if self.at(i) == "":
            self.fail(f'Unclosed start tag "{tag}" at byte offset {self.offset(begin)}')
        if self.at(i) in ('"', "'"):
            value, i = self.quoted(i)
        else:
            token_start = i
            while (self.at(i).isascii() and self.at(i).isalnum()) or self.at(i) in (".", "-"):
                i += 1
            value = self.src[token_start:i].lower()
            if not _space(self.at(i)) and self.at(i) != ">":
                self.fail(f"Unexpected end of name token at byte offset {self.offset(token_start)}")
        if self.at(i) == "":
            self.fail(f"Unclosed start tag at byte offset {self.offset(begin)}")
        return i, _tag_argument(tag, name, value, argument)

    def quoted(self, i: int) -> tuple[str, int]:
        quote, i, value = self.at(i), i + 1, []
        while self.at(i) not in (quote, ""):
            decoded = _decode_html_entity(self.src, i) if self.at(i) == "&" else None
            value.append(decoded[0] if decoded else self.at(i))
            i = decoded[1] if decoded else i + 1
        return "".join(value), i + 1 if self.at(i) == quote else i

    def end_tag(self) -> None:
        begin = self.pos
        if not self.stack:
            self.fail(f"Unexpected end tag at byte offset {self.offset(begin)}")
        i = begin + 1
        while not _space(self.at(i)) and self.at(i) != ">":
            i += 1
        end_name = self.src[begin + 2 : i].lower()
        i = self.skip_spaces(i)
        if self.at(i) != ">":
            self.fail(f"Unclosed end tag at byte offset {self.offset(begin)}")
        top = self.stack[-1]
        if end_name and end_name != top.tag:
            self.fail(
                f'Unmatched end tag at byte offset {self.offset(begin)}, expected "</{top.tag}>", found "</{end_name}>"'
            )
        if len(self.out) > top.start:
            self.close(top)
        self.stack.pop()
        self.pos = i + 1

    def close(self, top: _Open) -> None:
        span = {"start": top.start, "end": len(self.out)}
        last = self.entities[-1] if self.entities else {}
        same_span = last.get("start") == top.start and last.get("end") == len(self.out)
        if top.tag in SIMPLE_TAGS:
            self.entities.append({"type": SIMPLE_TAGS[top.tag], **span})
        elif top.tag == "tg-emoji":
            if not re.fullmatch(r"-?\d{1,19}", top.argument) or int(top.argument) == 0:
                self.fail("Invalid custom emoji identifier specified")
            self.entities.append({"type": "custom_emoji", **span, "custom_emoji_id": top.argument})
        elif top.tag == "a":
            self.add_link(top.argument or "".join(self.out[top.start :]), span)
        elif top.tag == "pre" and same_span and last["type"] == "code" and last.get("language"):
            last["type"] = "pre"
        elif top.tag == "pre":
            self.entities.append({"type": "pre", **span})
        elif top.tag == "code" and same_span and last["type"] == "pre" and top.argument:
            last["language"] = top.argument
        elif top.tag == "code":
            language = {"language": top.argument} if top.argument else {}
            self.entities.append({"type": "code", **span, **language})
        else:
            kind = "expandable_blockquote" if top.argument else "blockquote"
            self.entities.append({"type": kind, **span})

    def add_link(self, url: str, span: dict[str, int]) -> None:
        user = re.fullmatch(r"(?i)tg:(?://)?user\?id=(\d+)", url)
        if user:
            person = {"id": int(user.group(1)), "is_bot": False, "first_name": "User"}
            self.entities.append({"type": "text_mention", **span, "user": person})
        elif checked := _checked_link(url):
            self.entities.append({"type": "text_link", **span, "url": checked})
        # An unusable href is dropped silently, as Telegram does.


def _tag_argument(tag: str, name: str, value: str, current: str) -> str:
    if (tag == "a" and name == "href") or (tag == "tg-emoji" and name == "emoji-id"):
        return value
    if tag == "code" and name == "class" and value.startswith("language-"):
        return value[len("language-") :]
    if tag == "span" and name == "class" and value.startswith("tg-"):
        return value[len("tg-") :]
    if tag == "blockquote" and name == "expandable":
        return "1"
    return current


def _checked_link(url: str) -> str | None:
    """tdlib's check_link, roughly: http(s) or bare host with a dot; a missing path becomes '/'."""
    if re.match(r"(?i)(tg|ton|tonsite):", url):
        return url
    scheme_match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", url)
    scheme = scheme_match.group(1).lower() if scheme_match else "http"
    rest = url[scheme_match.end() :] if scheme_match else url
    authority, tail = re.match(r"([^/?#]*)(.*)", rest, re.S).groups()  # type: ignore[union-attr]
    hostname, _, port = authority.rpartition("@")[2].partition(":")
    if scheme not in ("http", "https") or "." not in hostname or (port and not port.isdigit()):
        return None
    if any(c.isspace() for c in url):
        return None
    return f"{scheme}://{authority}{tail if tail.startswith('/') else '/' + tail}"


# Automatic entities (tdlib's find_entities), for incoming and outgoing texts alike.
TLDS = (
    "com|net|org|info|biz|io|co|id|me|dev|app|ai|edu|gov|mil|int|uk|us|ru|de|fr|nl|eu|jp|cn|in|"
    "au|ca|sg|my|tv|news|online|site|xyz|ly|gl|be|to"
)
EMAIL_RE = re.compile(r"(?<![\w.+-])[A-Za-z0-9._+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?![\w-])")
URL_RE = re.compile(
    rf"(?i)(?<![\w@.-])(?:https?://[^\s<>\"]+|(?:[a-z0-9-]+\.)+(?:{TLDS})(?![\w-])(?::\d{{1,5}})?"
    r"(?:[/?#][^\s<>\"]*)?)"
)
MENTION_RE = re.compile(r"(?<!\w)@([A-Za-z0-9_]*)")
COMMAND_RE = re.compile(r"(?<![\w/<>])/([A-Za-z0-9_]*)(@[A-Za-z0-9_]*)?")
HASHTAG_RE = re.compile(r"(?<![\w\u200c\u00b7])#([\w\u200c\u00b7]*)")


def _next_char(text: str, end: int) -> str:
    return text[end] if end < len(text) else ""


def _find_urls(text: str) -> list[tuple[int, int]]:
    found = []
    for match in URL_RE.finditer(text):
        url = match.group(0).rstrip(".,:;!?'\"")
        while url.endswith(")") and url.count(")") > url.count("("):
            url = url[:-1].rstrip(".,:;!?'\"")
        found.append((match.start(), match.start() + len(url)))
    return found


def _find_commands(text: str) -> list[tuple[int, int]]:
    found = []
    for match in COMMAND_RE.finditer(text):
        command, target = match.group(1), match.group(2)
        after = _next_char(text, match.end())
        if not 1 <= len(command) <= 64 or (target is not None and not 3 <= len(target) - 1 <= 32):
            continue
        if not re.match(r"[\w/<>]", after):
            found.append(match.span())
    return found


def _find_mentions(text: str) -> list[tuple[int, int]]:
    found = []
    for match in MENTION_RE.finditer(text):
        # Usernames of fewer than 4 characters are not mentions, except a few reserved ones.
        if 4 <= len(match.group(1)) <= 32 and not re.match(r"\w", _next_char(text, match.end())):
            found.append(match.span())
    return found


def _find_hashtags(text: str) -> list[tuple[int, int]]:
    found = []
    for match in HASHTAG_RE.finditer(text):
        body = match.group(1)
        if body and _next_char(text, match.end()) != "#" and any(c.isalpha() for c in body):
            found.append((match.start(), match.start() + 1 + min(len(body), 256)))
    return found


def find_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram adds by itself: email, url, mention, bot_command, hashtag."""
    finders = (
        ("email", lambda t: [m.span() for m in EMAIL_RE.finditer(t)]),
        ("url", _find_urls),
        ("mention", _find_mentions),
        ("bot_command", _find_commands),
        ("hashtag", _find_hashtags),
    )
    found: list[dict[str, Any]] = []
    for kind, finder in finders:
        for start, end in finder(text):
            if all(end <= e["start"] or e["end"] <= start for e in found):
                found.append({"type": kind, "start": start, "end": end})
    return found


def _clean(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """tdlib's clean_input_string: control characters become spaces, '\\r' and U+2028..U+202E go."""
    out: list[str] = []
    position = []
    for char in text:
        position.append(len(out))
        if char == "\r" or "\u2028" <= char <= "\u202e":
            continue
        out.append(" " if ord(char) < 32 and char != "\n" else char)
    position.append(len(out))
    moved = [{**e, "start": position[e["start"]], "end": position[e["end"]]} for e in entities]
    return "".join(out), moved


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:  # touching spans of one style become one entity
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(ranges: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    for hole_start, hole_end in holes:
        cut = []
        for start, end in ranges:
            cut += [p for p in ((start, min(end, hole_start)), (max(start, hole_end), end)) if p[0] < p[1]]
        ranges = cut
    return ranges


def _resplit(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bold, italic and friends are merged when they touch and cut out of code and pre."""
    code = [(e["start"], e["end"]) for e in entities if e["type"] in ("code", "pre")]
    result = [e for e in entities if e["type"] not in SPLITTABLE]
    for kind in SPLITTABLE:
        ranges = _merge([(e["start"], e["end"]) for e in entities if e["type"] == kind])
        result += [{"type": kind, "start": s, "end": e} for s, e in _subtract(ranges, code)]
    return result


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Right-trim spaces and newlines; left-trim them only up to the first entity."""
    end = len(text.rstrip(" \n"))
    if end == 0:
        raise ApiError(400, "Bad Request: message text is empty")
    kept = [{**e, "end": min(e["end"], end)} for e in entities if e["start"] < end]
    first = min((e["start"] for e in kept), default=end)
    cut = len(text[:first]) - len(text[:first].lstrip(" \n"))
    moved = [{**e, "start": e["start"] - cut, "end": e["end"] - cut} for e in kept]
    return text[cut:end], moved


def _cap(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kept, counted = [], 0
    for entity in sorted(entities, key=lambda e: (e["type"] in SPLITTABLE, e["start"])):
        if entity["type"] == "custom_emoji" or counted < MAX_ENTITIES:
            kept.append(entity)
            counted += entity["type"] != "custom_emoji"
    return kept


def _may_add(found: dict[str, Any], entities: list[dict[str, Any]]) -> bool:
    for entity in entities:
        if found["end"] <= entity["start"] or entity["end"] <= found["start"]:
            continue
        inside = entity["start"] <= found["start"] and found["end"] <= entity["end"]
        if entity["type"] not in SPLITTABLE and not (entity["type"] in BLOCKQUOTES and inside):
            return False
    return True


def _given_entities(text: str, raw: Any) -> list[dict[str, Any]]:
    """Explicit ``entities`` (UTF-16 offsets) as internal code-point spans."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise ApiError(400, "Bad Request: can't parse entities JSON object")
    index = {units: i for i, units in enumerate(_utf16_prefix(text))}
    result = []
    for entity in raw:
        start, length = entity.get("offset"), entity.get("length")
        if not isinstance(start, int) or not isinstance(length, int) or length < 0:
            raise ApiError(400, "Bad Request: can't parse entities JSON object")
        if start not in index or start + length not in index:
            raise ApiError(
                400,
                f"Bad Request: entity beginning at UTF-16 offset {start} ends after "
                "the end of the text or in the middle of a character",
            )
        extras = {k: v for k, v in entity.items() if k not in ("type", "offset", "length")}
        if entity.get("type") in USER_ENTITY_TYPES:  # the others are found again by Telegram
            span = {"start": index[start], "end": index[start + length]}
            result.append({"type": entity["type"], **span, **extras})
    return result


def _utf16_prefix(text: str) -> list[int]:
    prefix = [0]
    for char in text:
        prefix.append(prefix[-1] + (2 if ord(char) > 0xFFFF else 1))
    return prefix


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def api_entities(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    prefix = _utf16_prefix(text)
    result = []
    for entity in entities:
        extras = {k: v for k, v in entity.items() if k not in ("type", "start", "end")}
        offset, end = prefix[entity["start"]], prefix[entity["end"]]
        result.append({"offset": offset, "length": end - offset, "type": entity["type"], **extras})

    def order(e: dict[str, Any]) -> tuple[int, int, int]:
        priority = 10 if e["type"] == "pre" and e.get("language") else PRIORITY[e["type"]]
        return e["offset"], -e["length"], priority

    return sorted(result, key=order)


def format_text(source: Any, parse_mode: Any, entities: Any) -> tuple[str, list[dict[str, Any]]]:
    """What Telegram makes of a message text: its plain text and Bot API entities, or an ApiError."""
    if source is None or source == "":
        raise ApiError(400, "Bad Request: message text is empty")
    text, mode = str(source), str(parse_mode or "").lower()
    if mode == "html":
        text, found = _HtmlParser(text).parse()
    elif mode == "":
        found = _given_entities(text, entities)
    elif mode in ("markdown", "markdownv2"):
        raise ApiError(400, f"Bad Request: parse_mode {parse_mode} is not implemented by the fake; use HTML")
    else:
        raise ApiError(400, "Bad Request: unsupported parse_mode")
    text, found = _clean(text, found)
    text, found = _trim(text, _resplit([e for e in found if e["end"] > e["start"]]))
    found = _cap(found)
    found += [e for e in find_entities(text) if _may_add(e, found)]
    if utf16_length(text) > MAX_TEXT_LENGTH:
        raise ApiError(400, "Bad Request: message is too long")
    return text, api_entities(text, found)


def parse_inline_keyboard(raw: Any) -> dict[str, Any] | None:
    """The inline keyboard as Telegram echoes it (None for reply keyboards), or the Bot API's error."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in raw:
        if raw.keys() & {"keyboard", "remove_keyboard", "force_reply"}:
            return None  # accepted, but a Message only ever carries an inline keyboard
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    rows = raw["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(
            400, 'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    kept = [[b for b in map(_parse_button, row) if b is not None] for row in rows]
    kept = [row for row in kept if row]
    return {"inline_keyboard": kept} if kept else None


def _parse_button(button: Any) -> dict[str, Any] | None:
    prefix = "Bad Request: can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise ApiError(400, prefix + "InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise ApiError(400, prefix + 'Field "text" must be of type String')
    if not button.keys() & BUTTON_ACTIONS:
        raise ApiError(400, prefix + "Text buttons are unallowed in the inline keyboard")
    if "callback_data" in button and not isinstance(button["callback_data"], str):
        raise ApiError(400, prefix + 'Field "callback_data" must be of type String')
    if button["text"] == "":
        return None  # tdlib drops buttons without text, silently
    if "url" in button:
        url = _checked_link(str(button["url"]))
        if url is None:
            problem = f"URL '{button['url']}' is invalid: Wrong HTTP URL"
            raise ApiError(400, f"Bad Request: inline keyboard button {problem}")
        button = {**button, "url": url}
    return dict(button)


def check_callback_data(markup: dict[str, Any] | None) -> None:
    """Telegram's server-side check, made after the text is accepted."""
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
