"""Read news articles from a seeds directory and its subfolders: .txt and .md files, and .jsonl lines."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from index.errors import SeedError
from index.text.sentences import split_paragraphs, split_sentences

ARTICLE_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".jsonl")
FRONT_MATTER_KEYS: tuple[str, ...] = ("title", "url", "published", "lang")
MAX_TITLE_CHARS = 90
# A seed file over this size is skipped with a warning: 10 MB of text is some 45,000 passages,
# most of an hour of embedding on two cores (and a JSONL export of ~1,000 news articles is ~5 MB).
DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
SEEDS_HINT = "put .txt, .md or .jsonl articles in it"

# Page furniture that scrapers copy along with the article, matched against whole lines
# (stripped, case-insensitive). Captions are not furniture: they are part of the story.
FURNITURE_PATTERNS: tuple[str, ...] = (
    r"bagikan( artikel ini)?\s*:?",
    r"share( this( article| story)?)?\s*:?",
    r"baca juga(\s*:.*)?",
    r"advertisement",
    r"scroll to (continue|resume)\b.*",
    r"simak juga\b.*",
)
_FURNITURE = re.compile("|".join(f"(?:{p})" for p in FURNITURE_PATTERNS), re.IGNORECASE)
# Control characters other than tab, newline and carriage return mean binary data, not text:
# a file of NUL bytes decodes as UTF-8 and would become an article with an invisible title.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LAST_WORD = re.compile(r"\S*$")
_FRONT_MATTER_LINE = re.compile(r"\s*[A-Za-z_][\w-]*\s*:.*")
# "JAKARTA - ", "JAKARTA (ANTARA) - ", "JAKARTA, KOMPAS.com - ": a dateline is no title.
_DATELINE = re.compile(r"[A-Z]{3,}(?:,?\s+[A-Z(][^\s\-–—]*){0,3}\s+[-–—]+\s+")


@dataclass(frozen=True)
class Article:
    """One news article; every offset in the project refers to its `text`."""

    id: str
    title: str
    text: str
    url: str | None = None
    published: str | None = None
    lang: str | None = None
    source: str = ""

    @property
    def content_hash(self) -> str:
        """Return a SHA-256 hex digest of everything indexed, to skip unchanged articles."""
        # JSON keeps field boundaries unambiguous; `source` is left out so moving a line
        # within a .jsonl file does not force re-embedding.
        fields = [self.id, self.title, self.text, self.url, self.published, self.lang]
        encoded = json.dumps(fields, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(encoded).hexdigest()


@dataclass(frozen=True)
class ArticleLoad:
    """The articles read from a seeds directory and one sentence per skipped file or line."""

    articles: tuple[Article, ...]
    warnings: tuple[str, ...]


class _Skipped(ValueError):
    """Raised inside this module when a file or line cannot become an article."""


def read_articles(seeds_dir: Path, max_file_bytes: int | None = DEFAULT_MAX_FILE_BYTES) -> ArticleLoad:
    """Read every article in `seeds_dir`, skipping unreadable files and lines with a warning.

    Files over `max_file_bytes` (None: no limit) are skipped with a warning before being read.
    """
    articles: dict[str, tuple[Article, str]] = {}
    warnings: list[str] = []
    for path in seed_files(seeds_dir):
        relative = path.relative_to(seeds_dir).as_posix()
        label = f"{seeds_dir.name}/{relative}"
        if max_file_bytes is not None and (size := _size(path)) > max_file_bytes:
            warnings.append(
                f"{label}: {size / 1048576:.1f} MB, over the {max_file_bytes / 1048576:g} MB "
                "limit (KUTIP_MAX_SEED_MB), skipped"
            )
            continue
        found, problems = _load_file(path, label, relative)
        warnings.extend(problems)
        for article, label in found:
            if article.id in articles:
                first = articles[article.id][1]
                warnings.append(f"{label}: duplicate article id {article.id!r} (first in {first}), skipped")
            else:
                articles[article.id] = (article, label)
    if not articles:
        raise SeedError(_no_article_message(seeds_dir, warnings))
    return ArticleLoad(tuple(a for a, _ in articles.values()), tuple(warnings))


def clean_text(raw: str) -> str:
    """Drop page furniture and tidy whitespace, leaving the article's sentences untouched."""
    lines = _normalise_newlines(raw).split("\n")
    kept = [line.rstrip() for line in lines if not _is_furniture(line)]
    # Runs of blank lines (some left behind by dropped furniture) become one blank line.
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(kept))
    return text.strip("\n")


def derive_title(text: str) -> str:
    """Make a title from the first sentence of cleaned `text`, without a leading dateline."""
    first = split_paragraphs(text)[0]
    sentence = split_sentences(text, first.start, first.end)[0]
    words = text[sentence.start : sentence.end].lstrip("# ")
    title = _DATELINE.sub("", words, count=1) or words
    return shorten(title.rstrip("."), MAX_TITLE_CHARS)


def shorten(title: str, limit: int) -> str:
    """Cut `title` to at most `limit` characters on a word boundary, marking the cut with …."""
    if len(title) <= limit:
        return title
    room = title[: limit - 1]
    if not title[limit - 1].isspace():
        # The cut falls inside a word: drop that word unless it is the only one.
        partial = _LAST_WORD.search(room)
        if partial is not None and partial.start() > 0:
            room = room[: partial.start()]
    return room.rstrip().rstrip(",;:-–—").rstrip() + "…"


def seed_files(seeds_dir: Path) -> list[Path]:
    """The article files in `seeds_dir` and its subfolders, by relative path; hidden ones are ignored."""
    if not seeds_dir.is_dir():
        raise SeedError(f"seeds directory {seeds_dir} not found: create it and {SEEDS_HINT}")
    files = (
        path
        for path in seeds_dir.rglob("*")
        if path.suffix.lower() in ARTICLE_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(seeds_dir).parts)
        and path.is_file()
    )
    return sorted(files, key=lambda path: path.relative_to(seeds_dir).as_posix())


def parse_document(raw: bytes, article_id: str, source: str) -> Article:
    """The article in the bytes of a .txt or .md file (front matter optional), as a seed file is read.

    Raises ValueError with the reason when the bytes hold no article.
    """
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _Skipped("not UTF-8 text") from None
    fields, body = _split_front_matter(_normalise_newlines(decoded))
    return _make_article(article_id, body, fields, source)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # gone or unreadable: reading it reports why


def _no_article_message(seeds_dir: Path, warnings: list[str]) -> str:
    """Explain an empty result, repeating the first reasons since they are otherwise lost."""
    message = f"no readable article in seeds directory {seeds_dir}: {SEEDS_HINT}"
    if warnings:
        shown = "; ".join(warnings[:3])
        more = f" (and {len(warnings) - 3} more)" if len(warnings) > 3 else ""
        message += f". Skipped: {shown}{more}"
    return message


def _load_file(path: Path, label: str, relative: str) -> tuple[list[tuple[Article, str]], list[str]]:
    """Read one seed file into (article, label) pairs plus warnings; sources are relative paths."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [], [f"{label}: cannot be read ({exc.strerror or exc}), skipped"]
    if path.suffix.lower() == ".jsonl":
        return _load_jsonl(raw, relative, label)
    try:
        return [(parse_document(raw, path.stem, relative), label)], []
    except _Skipped as exc:
        return [], [f"{label}: {exc}, skipped"]


def _load_jsonl(raw: bytes, name: str, label: str) -> tuple[list[tuple[Article, str]], list[str]]:
    """Read one article per non-blank line; a bad line is skipped, not the whole file."""
    found: list[tuple[Article, str]] = []
    warnings: list[str] = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        where = f"{label} line {number}"
        try:
            found.append((_parse_jsonl_line(line, f"{name}:{number}"), where))
        except _Skipped as exc:
            warnings.append(f"{where}: {exc}, skipped")
    return found, warnings


def _parse_jsonl_line(line: bytes, source: str) -> Article:
    """Turn one JSON object line into an article."""
    try:
        record = json.loads(line.decode("utf-8").lstrip("\ufeff"))
    except UnicodeDecodeError:
        raise _Skipped("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        # Python's own "<msg>: column <n>" shape: some messages end in "at" ("starting at").
        raise _Skipped(f"bad JSON ({exc.msg}: column {exc.colno})") from None
    if not isinstance(record, dict):
        raise _Skipped("not a JSON object")
    article_id = _field(record, "id")
    if article_id is None:
        raise _Skipped("missing `id`")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _Skipped("missing `text`")
    fields = {key: value for key in FRONT_MATTER_KEYS if (value := _field(record, key))}
    return _make_article(article_id, text, fields, source)


def _field(record: dict[str, object], key: str) -> str | None:
    """Return a JSON field as stripped text; numbers are accepted (ids are often numeric)."""
    value = record.get(key)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return str(value).strip() or None


def _make_article(article_id: str, body: str, fields: dict[str, str], source: str) -> Article:
    """Clean `body` and build the article, deriving a title when none is given."""
    _check_is_text(body, *fields.values())
    text = clean_text(body)
    if not text:
        raise _Skipped("empty or only page furniture")
    return Article(
        id=article_id,
        title=fields.get("title") or derive_title(text),
        text=text,
        url=fields.get("url"),
        published=fields.get("published"),
        lang=fields.get("lang"),
        source=source,
    )


def _check_is_text(*values: str) -> None:
    """Refuse binary data: text holds no control characters but tab and line breaks."""
    for value in values:
        if found := _CONTROL.search(value):
            raise _Skipped(f"binary data, not text (control character U+{ord(found.group()):04X})")


def _split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Separate a leading `---` block of `key: value` lines from the body."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text
    for number, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            header = [entry for entry in lines[1:number] if entry.strip()]
            # Anything but key: value lines means the dashes were a rule, not front matter.
            if not all(_FRONT_MATTER_LINE.fullmatch(entry) for entry in header):
                return {}, text
            return _parse_fields(header), "\n".join(lines[number + 1 :])
    return {}, text


def _parse_fields(lines: list[str]) -> dict[str, str]:
    """Read the known keys from `key: value` lines; unknown keys are ignored."""
    fields: dict[str, str] = {}
    for line in lines:
        key, _, value = line.partition(":")
        key = key.strip().lower()
        value = _unquote(value.strip())
        if key in FRONT_MATTER_KEYS and value:
            fields[key] = value
    return fields


def _unquote(value: str) -> str:
    """Remove one pair of matching quotes around a front matter value."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1].strip()
    return value


def _normalise_newlines(text: str) -> str:
    """Turn Windows and old Mac line endings into `\\n`."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _is_furniture(line: str) -> bool:
    """Tell whether a whole line is page furniture such as a share widget."""
    return _FURNITURE.fullmatch(line.strip()) is not None
