"""The seed format: an article as plain UTF-8 text, and its typed document.

A document (normative description in docs/seed-format.md)::

    • 11/25/2024            <- collected date, M/D/YYYY without zero padding
                            <- blank line
    Headline
                            <- blank line
    Pravda Ukraine          <- source label
                            <- blank line
    A paragraph.            <- blocks, one blank line between them
                            <- blank line
    Background              <- a heading: same shape as a one-line paragraph
                            <- blank line
      • list item           <- a list: one "  • " line per item, no blank lines between items
      • list item
                            <- blank line
    https://example.com/article/   <- canonical URL, no newline after it

``render`` writes this canonical form; ``parse`` reads it back (also accepting a UTF-8 BOM, CRLF line ends
and one trailing newline) so that ``render(parse(text)) == text`` for every canonical document. A heading
and a one-line paragraph look the same on the page; ``parse`` tells them apart with ``is_heading_line``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NoReturn
from urllib.parse import urlsplit

from transforms.blocks import Block, Heading, ListBlock, Paragraph, block_to_dict
from transforms.text import is_ordinary_space, normalize_space, strip_invisible

DATE_PREFIX = "• "
LIST_PREFIX = "  • "
BOM = "\ufeff"

# The heading rule (see is_heading_line): a heading is a short label, so longer lines are paragraphs.
HEADING_MAX_CHARS = 80
# A line that ends like a sentence or a clause is a paragraph, even after closing quotes or brackets.
_SENTENCE_END = re.compile(r"[.!?…:;,][\"”’'»)\]]*$")
_DATE = re.compile(r"([0-9]+)/([0-9]+)/([0-9]+)")
# Any character for which str.isspace() holds (in str patterns \s is exactly those), and the C0 controls
# and DEL: none belongs in a canonical URL.
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


class SeedFormatError(ValueError):
    """A malformed seed document: ``line`` is 1-based, ``message`` says what was expected there."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class SeedDocument:
    collected_on: date
    headline: str
    source_label: str
    blocks: tuple[Block, ...]
    url: str

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``collected_on`` as YYYY-MM-DD, blocks as in the article record)."""
        return {
            "collected_on": self.collected_on.isoformat(),
            "headline": self.headline,
            "source_label": self.source_label,
            "blocks": [block_to_dict(block) for block in self.blocks],
            "url": self.url,
        }


# --- rules shared by render and parse --------------------------------------------------------------


def is_heading_line(text: str, *, is_last_block: bool) -> bool:
    """Whether a one-line, non-list block reads back as a Heading rather than a Paragraph.

    A heading introduces what follows, so it is never the last block; it is a short label (at most
    HEADING_MAX_CHARS characters) that does not end like a sentence or clause (``. ! ? … : ; ,``, even
    before closing quotes or brackets) and holds no colon, because news copy writes "Source: …" and
    "Details: …" labels as paragraphs.
    """
    return (
        not is_last_block
        and len(text) <= HEADING_MAX_CHARS
        and ":" not in text
        and _SENTENCE_END.search(text) is None
    )


def as_read(blocks: Sequence[Block]) -> tuple[Block, ...]:
    """The blocks with each one-line block a heading exactly when the seed format reads it as one.

    A heading and a one-line paragraph look alike in seed text; :func:`is_heading_line` tells them apart.
    Parsers apply this to the blocks they extract, so that ``parse(render(doc)).blocks == doc.blocks`` for
    every record, at the price of a long or colon-bearing ``h2`` being stored as a paragraph.
    """
    last = len(blocks) - 1
    out: list[Block] = []
    for index, block in enumerate(blocks):
        if isinstance(block, ListBlock):
            out.append(block)
        elif is_heading_line(block.text, is_last_block=index == last):
            out.append(block if isinstance(block, Heading) else Heading(block.text))
        else:
            out.append(block if isinstance(block, Paragraph) else Paragraph(block.text))
    return tuple(out)


def _text_problem(text: str) -> str | None:
    """Why a one-line text (headline, label, paragraph, list item) is not in canonical form, if it is not."""
    if text == "":
        return "is empty"
    if "\n" in text or "\r" in text:
        return "contains a line break (it must be one line)"
    if strip_invisible(text) != text:
        return "contains control, bidi-override or zero-width characters (stored text has none)"
    if text != normalize_space(text):
        if normalize_space(text) == "":
            return "is only whitespace"
        if is_ordinary_space(text[0]):
            return "starts with whitespace"
        if is_ordinary_space(text[-1]):
            return "ends with whitespace"
        return "has whitespace other than single spaces between words (tabs, runs of spaces)"
    return None


def _url_problem(url: str) -> str | None:
    """Why ``url`` is not an acceptable canonical http(s) URL, if it is not."""
    if url == "":
        return "is empty"
    if _SPACE_OR_CONTROL.search(url):
        return "contains whitespace or a control character"
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number in range
    except ValueError as exc:
        return f"cannot be parsed as a URL ({exc})"
    if parts.scheme not in ("http", "https"):
        found = f"scheme {parts.scheme!r}" if parts.scheme else "no scheme"
        return f"must start with http:// or https:// (found {found})"
    if not url.startswith(f"{parts.scheme}://") or not hostname:
        return "has no host name"
    return None


def _looks_like_url(line: str) -> bool:
    return re.match(r"[A-Za-z][A-Za-z0-9+.-]*://\S", line) is not None


def _snippet(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


# --- render ----------------------------------------------------------------------------------------


def render(doc: SeedDocument) -> str:
    """The canonical text of ``doc`` (no newline at the end).

    Raises ``ValueError`` naming the field when ``doc`` holds something the format cannot carry
    faithfully, i.e. something that would not read back as the same text.
    """
    validate(doc)
    return layout(doc)


def layout(doc: SeedDocument) -> str:
    """What :func:`render` writes, for a document that :func:`validate` has already passed (the transform
    step validates every record before it stages it, and need not check the same document twice)."""
    day = doc.collected_on
    lines = [f"{DATE_PREFIX}{day.month}/{day.day}/{day.year}", "", doc.headline, "", doc.source_label, ""]
    for block in doc.blocks:
        if isinstance(block, ListBlock):
            lines.extend(f"{LIST_PREFIX}{item}" for item in block.items)
        else:
            lines.append(block.text)
        lines.append("")
    lines.append(doc.url)
    return "\n".join(lines)


def validate(doc: SeedDocument) -> None:
    """Raise ``ValueError`` if ``render`` cannot write ``doc`` faithfully; return quietly otherwise."""

    def fail(where: str, problem: str) -> NoReturn:
        raise ValueError(f"cannot render seed document: {where} {problem}")

    day = doc.collected_on
    if isinstance(day, datetime) or not isinstance(day, date):
        fail("collected_on", f"must be a datetime.date (not a datetime), got {day!r}")
    if not 1000 <= day.year <= 9999:
        fail("collected_on", f"must have a four-digit year (M/D/YYYY), got {day.isoformat()}")
    for name in ("headline", "source_label"):
        value = getattr(doc, name)
        if not isinstance(value, str):
            fail(name, f"must be a string, got {value!r}")
        problem = _text_problem(value)
        if problem:
            fail(name, f"{problem}: {_snippet(value)}")
    if not isinstance(doc.blocks, Sequence) or isinstance(doc.blocks, str):
        fail("blocks", f"must be a tuple of blocks, got {type(doc.blocks).__name__}")
    for number, block in enumerate(doc.blocks, start=1):
        _validate_block(number, block, fail)
    if not isinstance(doc.url, str):
        fail("url", f"must be a string, got {doc.url!r}")
    problem = _url_problem(doc.url)
    if problem:
        fail("url", f"{problem}: {_snippet(doc.url)}")


def _canonical(text: object) -> bool:
    """What :func:`_text_problem` finds nothing wrong with, answered quickly (the transform step checks
    every block of every record): a non-empty string that whitespace normalisation leaves as it is."""
    return isinstance(text, str) and text != "" and text == normalize_space(text)


def _validate_block(number: int, block: object, fail: Callable[[str, str], NoReturn]) -> None:
    # The common case first, without building messages; a block that fails it is looked at again below
    # to say what is wrong.
    if isinstance(block, Paragraph | Heading):
        if _canonical(block.text) and not block.text.startswith(LIST_PREFIX):
            return
    elif isinstance(block, ListBlock) and isinstance(block.items, tuple | list) and block.items:
        if all(_canonical(item) for item in block.items):
            return
    if isinstance(block, ListBlock):
        where = f"block {number} (list)"
        if not isinstance(block.items, tuple | list) or len(block.items) == 0:
            fail(where, "has no items (a list needs at least one)")
        for index, item in enumerate(block.items, start=1):
            if not isinstance(item, str):
                fail(f"{where} item {index}", f"must be a string, got {item!r}")
            problem = _text_problem(item)
            if problem:
                fail(f"{where} item {index}", f"{problem}: {_snippet(item)}")
    elif isinstance(block, Paragraph | Heading):
        where = f"block {number} ({block.kind})"
        if not isinstance(block.text, str):
            fail(where, f"text must be a string, got {block.text!r}")
        if block.text.startswith(LIST_PREFIX):
            fail(where, f"starts with the list prefix {LIST_PREFIX!r} and would read back as a list")
        problem = _text_problem(block.text)
        if problem:
            fail(where, f"{problem}: {_snippet(block.text)}")
    else:
        fail(f"block {number}", f"is not a Paragraph, Heading or ListBlock: {block!r}")


# --- parse -----------------------------------------------------------------------------------------


def parse(text: str) -> SeedDocument:
    """Read a seed document; raises ``SeedFormatError`` with the first bad line and what was expected.

    Besides the canonical form this accepts what an editor may add on saving: a UTF-8 byte order mark,
    CRLF line ends and a single newline after the URL.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse() takes the document as str, got {type(text).__name__}")
    if text.startswith(BOM):
        text = text[len(BOM) :]
    text = text.replace("\r\n", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    if text == "":
        raise SeedFormatError(1, f"empty document; expected the date line '{DATE_PREFIX}M/D/YYYY'")
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if "\r" in line:
            raise SeedFormatError(number, "stray carriage return; expected lines ending in LF or CRLF")

    collected_on = _parse_date_line(lines[0])
    _expect_blank(lines, 2, "after the date line")
    headline = _expect_text(lines, 3, "headline")
    _expect_blank(lines, 4, "after the headline")
    source_label = _expect_text(lines, 5, "source label")
    if len(lines) == 5:
        if _looks_like_url(source_label):
            raise SeedFormatError(5, "expected the source label (e.g. 'Pravda Ukraine') before the URL")
        raise SeedFormatError(
            6, "expected a blank line, the blocks and the URL; found the end of the document"
        )
    _expect_blank(lines, 6, "after the source label")
    if len(lines) == 6:
        raise SeedFormatError(7, "expected the blocks and the canonical URL; found the end of the document")

    blocks = _parse_body(lines)
    return SeedDocument(collected_on, headline, source_label, blocks, _parse_url_line(lines))


def _parse_date_line(line: str) -> date:
    if not line.startswith(DATE_PREFIX):
        raise SeedFormatError(
            1,
            f"expected the collected date as '{DATE_PREFIX}M/D/YYYY' (bullet U+2022, space, date); "
            f"found {_snippet(line)}",
        )
    value = line[len(DATE_PREFIX) :]
    match = _DATE.fullmatch(value)
    if match is None:
        raise SeedFormatError(
            1, f"expected the collected date as M/D/YYYY after the bullet; found {_snippet(value)}"
        )
    month, day, year = match.groups()
    if month.startswith("0") or day.startswith("0"):
        raise SeedFormatError(1, f"expected month and day without zero padding (M/D/YYYY); found {value!r}")
    if len(year) != 4 or year.startswith("0"):
        raise SeedFormatError(1, f"expected a four-digit year (M/D/YYYY); found {value!r}")
    try:
        return date(int(year), int(month), int(day))
    except ValueError as exc:
        raise SeedFormatError(
            1, f"impossible date {value!r} ({exc}); expected a real date as M/D/YYYY"
        ) from None


def _expect_blank(lines: list[str], number: int, where: str) -> None:
    if number > len(lines):
        raise SeedFormatError(number, f"expected a blank line {where}; found the end of the document")
    if lines[number - 1] != "":
        found = "a line of spaces" if lines[number - 1].strip() == "" else _snippet(lines[number - 1])
        raise SeedFormatError(number, f"expected a blank line {where}; found {found}")


def _expect_text(lines: list[str], number: int, what: str) -> str:
    if number > len(lines):
        raise SeedFormatError(number, f"expected the {what}; found the end of the document")
    line = lines[number - 1]
    if line == "":
        raise SeedFormatError(number, f"empty {what}; expected the {what} on this line")
    _check_line_text(number, line, what)
    return line


def _check_line_text(number: int, text: str, what: str) -> None:
    problem = _text_problem(text)
    if problem:
        raise SeedFormatError(
            number, f"the {what} {problem}; expected text with single spaces between words: {_snippet(text)}"
        )


def _parse_body(lines: list[str]) -> tuple[Block, ...]:
    """Blocks from line 7 up to the blank line before the URL (the last line)."""
    sections: list[tuple[int, list[str]]] = []  # (first line number, lines) per block
    current: list[str] | None = None
    last = len(lines)
    for number in range(7, last):
        line = lines[number - 1]
        if line == "":
            if current is None:
                raise SeedFormatError(
                    number,
                    "expected a block or the URL; found a second blank line (blocks are separated by one)",
                )
            current = None
        elif current is None:
            if line.startswith(LIST_PREFIX):
                _check_line_text(number, line[len(LIST_PREFIX) :], "list item")
            elif is_ordinary_space(line[0]):
                raise SeedFormatError(
                    number,
                    f"expected a paragraph without leading whitespace or a list item starting with "
                    f"{LIST_PREFIX!r}; found {_snippet(line)}",
                )
            else:
                _check_line_text(number, line, "paragraph")
            current = [line]
            sections.append((number, current))
        elif current[0].startswith(LIST_PREFIX):
            if not line.startswith(LIST_PREFIX):
                raise SeedFormatError(
                    number,
                    f"expected a list item starting with {LIST_PREFIX!r} or a blank line after the list; "
                    f"found {_snippet(line)}",
                )
            _check_line_text(number, line[len(LIST_PREFIX) :], "list item")
            current.append(line)
        else:
            raise SeedFormatError(
                number,
                "expected a blank line after the paragraph on the line before "
                f"(only list items follow each other without one); found {_snippet(line)}",
            )
    if current is not None:
        # The line before the URL is not blank: either the URL is missing or its separator is.
        if _looks_like_url(lines[last - 1]):
            raise SeedFormatError(last, "expected a blank line between the last block and the URL")
        raise _missing_url(lines)

    blocks: list[Block] = []
    for index, (_, section) in enumerate(sections):
        if section[0].startswith(LIST_PREFIX):
            blocks.append(ListBlock(tuple(line[len(LIST_PREFIX) :] for line in section)))
        elif is_heading_line(section[0], is_last_block=index == len(sections) - 1):
            blocks.append(Heading(section[0]))
        else:
            blocks.append(Paragraph(section[0]))
    return tuple(blocks)


def _missing_url(lines: list[str]) -> SeedFormatError:
    last = len(lines)
    line = lines[-1]
    if line == "":
        if last >= 2 and _looks_like_url(lines[-2]):
            return SeedFormatError(last, "expected the document to end after the URL; found more blank lines")
        return SeedFormatError(
            last, "expected the canonical http(s) URL as the last line; found a blank line"
        )
    return SeedFormatError(
        last, f"expected the canonical http(s) URL as the last line; found {_snippet(line)}"
    )


def _parse_url_line(lines: list[str]) -> str:
    number = len(lines)
    url = lines[-1]
    if not (_looks_like_url(url) or url.startswith(("http:", "https:"))):
        raise _missing_url(lines)
    problem = _url_problem(url)
    if problem:
        raise SeedFormatError(
            number, f"the canonical URL {problem}; expected an http(s) URL: {_snippet(url)}"
        )
    return url
