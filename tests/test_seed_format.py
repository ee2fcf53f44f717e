"""The seed format (transforms/seed.py) and the whitespace rule it shares (transforms/text.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.blocks import Heading, ListBlock, Paragraph
from transforms.seed import HEADING_MAX_CHARS, SeedDocument, SeedFormatError, is_heading_line, parse, render
from transforms.text import is_ordinary_space, normalize_space, strip_invisible

ROOT = Path(__file__).resolve().parent.parent

# A small canonical document; the malformed cases below break one line of it.
SMALL = "\n".join(
    [
        "• 11/25/2024",  # 1
        "",
        "Headline – with\u00a0a dash",  # 3
        "",
        "Pravda Ukraine",  # 5
        "",
        "First paragraph.",  # 7
        "",
        "Background",  # 9
        "",
        "  • first item",  # 11
        "  • second item",  # 12
        "",
        "https://www.pravda.com.ua/eng/news/2023/09/30/7422079/",  # 14
    ]
)

# --- normalize_space -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("   ", ""),
        ("plain", "plain"),
        ("  a  b  ", "a b"),
        ("a\tb\nc\r\nd\fe\vf", "a b c d e f"),
        # Unicode whitespace that is not a no-break space collapses too: em space, ideographic space,
        # line separator, next line.
        ("a\u2003b\u3000c\u2028d\u0085e", "a b c d e"),
        ("a \u2003\n b", "a b"),
        # No-break spaces are typography: kept in place, not merged with neighbours, not trimmed.
        ("30 countries –\u00a0more", "30 countries –\u00a0more"),
        ("\u00a0a\u202fb\u2007c\u00a0", "\u00a0a\u202fb\u2007c\u00a0"),
        ("a \u00a0 b", "a \u00a0 b"),
        ("a\u00a0\u00a0b", "a\u00a0\u00a0b"),
        ("  \u00a0x\u00a0  ", "\u00a0x\u00a0"),
        # Curly quotes, dashes and non-Latin text pass through untouched.
        ("“Ukraine’s” — Україна –  мир", "“Ukraine’s” — Україна – мир"),
    ],
)
def test_normalize_space(raw: str, expected: str) -> None:
    assert normalize_space(raw) == expected


def test_normalize_space_is_idempotent_on_its_output() -> None:
    once = normalize_space(" \t a \u00a0\n\n b\u2003 ")
    assert normalize_space(once) == once


def test_is_ordinary_space() -> None:
    assert is_ordinary_space(" ") and is_ordinary_space("\t") and is_ordinary_space("\u3000")
    assert not is_ordinary_space("\u00a0") and not is_ordinary_space("\u202f")
    assert not is_ordinary_space("\u2007") and not is_ordinary_space("x")


# --- the reference document ------------------------------------------------------------------------

REFERENCE = ROOT / "seeds" / "000_fca3a0f034b59467.txt"


def test_reference_seed_round_trips_byte_for_byte() -> None:
    raw = REFERENCE.read_bytes()
    doc = parse(raw.decode("utf-8"))
    assert render(doc).encode("utf-8") == raw


def test_reference_seed_parses_into_the_expected_document() -> None:
    doc = parse(REFERENCE.read_text(encoding="utf-8"))
    assert doc.collected_on == date(2024, 11, 25)
    assert doc.headline.startswith("NATO Secretary General: Heroism alone can’t intercept missiles")
    assert doc.source_label == "Pravda Ukraine"
    assert doc.url == "https://www.pravda.com.ua/eng/news/2023/09/30/7422079/"
    kinds = [block.kind for block in doc.blocks]
    assert kinds == ["paragraph"] * 8 + ["heading", "list", "paragraph"]
    assert doc.blocks[8] == Heading("Background")
    background = doc.blocks[9]
    assert isinstance(background, ListBlock) and len(background.items) == 3
    # The en dash followed by a no-break space survives parsing.
    assert "30 countries –\u00a0more than" in background.items[0]
    quote = doc.blocks[3]
    assert isinstance(quote, Paragraph) and quote.text.startswith("“But courage")


def test_to_json_dict_is_json_with_iso_date_and_typed_blocks() -> None:
    doc = parse(REFERENCE.read_text(encoding="utf-8"))
    data = json.loads(json.dumps(doc.to_json_dict(), ensure_ascii=False))
    assert data["collected_on"] == "2024-11-25"
    assert data["source_label"] == "Pravda Ukraine"
    assert data["url"] == doc.url
    assert data["blocks"][8] == {"kind": "heading", "text": "Background"}
    assert data["blocks"][9]["kind"] == "list" and len(data["blocks"][9]["items"]) == 3


# --- editor leniency: BOM, CRLF, one trailing newline ------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda t: "\ufeff" + t, id="bom"),
        pytest.param(lambda t: t.replace("\n", "\r\n"), id="crlf"),
        pytest.param(lambda t: t + "\n", id="trailing-lf"),
        pytest.param(lambda t: t.replace("\n", "\r\n") + "\r\n", id="crlf-trailing"),
        pytest.param(lambda t: "\ufeff" + t.replace("\n", "\r\n") + "\r\n", id="bom-crlf-trailing"),
    ],
)
def test_parser_accepts_what_an_editor_may_save(variant: Callable[[str], str]) -> None:
    canonical = REFERENCE.read_text(encoding="utf-8")
    doc = parse(variant(canonical))
    assert doc == parse(canonical)
    assert render(doc) == canonical


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        pytest.param(SMALL + "\n\n", 15, "end after the URL", id="two-trailing-newlines"),
        pytest.param(
            SMALL.replace("First paragraph", "First\rparagraph"), 7, "carriage return", id="lone-cr"
        ),
        pytest.param("\ufeff\ufeff" + SMALL, 1, "date", id="two-boms"),
    ],
)
def test_leniency_stops_at_one_bom_and_one_newline(text: str, line: int, expected: str) -> None:
    with pytest.raises(SeedFormatError) as info:
        parse(text)
    assert info.value.line == line
    assert expected in info.value.message


# --- malformed documents: the line number and what was expected -------------------------------------


def broken(line_number: int, replacement: str | None) -> str:
    """SMALL with one line replaced (None removes the line)."""
    lines = SMALL.split("\n")
    if replacement is None:
        del lines[line_number - 1]
    else:
        lines[line_number - 1] = replacement
    return "\n".join(lines)


MALFORMED = [
    pytest.param("", 1, "empty document; expected the date line", id="empty-file"),
    pytest.param("\n", 1, "empty document", id="only-a-newline"),
    pytest.param(broken(1, None), 1, "expected the collected date as '• M/D/YYYY'", id="missing-date-line"),
    pytest.param(
        broken(1, "11/25/2024"), 1, "expected the collected date as '• M/D/YYYY'", id="date-no-bullet"
    ),
    pytest.param(broken(1, "• 13/45/2024"), 1, "impossible date '13/45/2024'", id="impossible-date"),
    pytest.param(broken(1, "• 2/30/2024"), 1, "impossible date '2/30/2024'", id="february-30"),
    pytest.param(broken(1, "• 11/05/2024"), 1, "without zero padding", id="zero-padded-day"),
    pytest.param(broken(1, "• 11/5/24"), 1, "four-digit year", id="two-digit-year"),
    pytest.param(broken(1, "• 2024-11-25"), 1, "expected the collected date as M/D/YYYY", id="iso-date"),
    pytest.param(broken(2, None), 2, "expected a blank line after the date line", id="no-blank-after-date"),
    pytest.param(
        broken(4, None), 4, "expected a blank line after the headline", id="no-blank-after-headline"
    ),
    pytest.param(
        broken(6, None), 6, "expected a blank line after the source label", id="no-blank-after-label"
    ),
    pytest.param(
        broken(8, None), 8, "expected a blank line after the paragraph", id="no-blank-between-blocks"
    ),
    pytest.param(broken(2, "   "), 2, "found a line of spaces", id="spaces-for-blank"),
    pytest.param(broken(3, ""), 3, "empty headline", id="empty-headline"),
    pytest.param(broken(3, "  "), 3, "headline is only whitespace", id="blank-headline"),
    pytest.param(broken(3, "Two  spaces"), 3, "single spaces between words", id="headline-double-space"),
    pytest.param(broken(5, ""), 5, "empty source label", id="empty-source-label"),
    pytest.param(
        "• 11/25/2024\n\nHeadline", 4, "after the headline; found the end", id="ends-after-headline"
    ),
    pytest.param(
        "• 11/25/2024\n\nHeadline\n\nhttps://example.com/a",
        5,
        "expected the source label",
        id="no-source-label",
    ),
    pytest.param(
        "• 11/25/2024\n\nHeadline\n\nPravda Ukraine",
        6,
        "found the end of the document",
        id="ends-after-label",
    ),
    pytest.param(broken(14, "See the list above."), 14, "expected the canonical http(s) URL", id="no-url"),
    pytest.param(
        SMALL.rsplit("\n", 2)[0], 12, "expected the canonical http(s) URL", id="url-missing-ends-in-list"
    ),
    pytest.param(broken(14, "ftp://example.com/a"), 14, "http:// or https://", id="ftp-url"),
    pytest.param(
        broken(14, "mailto:desk@example.com"), 14, "expected the canonical http(s) URL", id="mailto"
    ),
    pytest.param(broken(14, "https:///no-host"), 14, "has no host name", id="url-without-host"),
    pytest.param(
        broken(13, None), 13, "blank line between the last block and the URL", id="no-blank-before-url"
    ),
    pytest.param(
        broken(12, "not an item"), 12, "expected a list item starting with '  • '", id="list-line-no-prefix"
    ),
    pytest.param(
        broken(12, " • one space"), 12, "expected a list item starting with '  • '", id="list-one-space"
    ),
    pytest.param(broken(9, "\tTabbed paragraph"), 9, "without leading whitespace", id="indented-paragraph"),
    pytest.param(broken(11, "  • "), 11, "list item is empty", id="empty-list-item"),
    pytest.param(
        broken(11, "  •  two spaces"), 11, "list item starts with whitespace", id="list-item-extra-space"
    ),
    pytest.param(
        broken(7, "trailing space "), 7, "paragraph ends with whitespace", id="paragraph-trailing-space"
    ),
    pytest.param(broken(8, "\n"), 9, "second blank line", id="two-blank-lines"),
    pytest.param(broken(6, "\n"), 7, "second blank line", id="blank-before-first-block"),
]


@pytest.mark.parametrize(("text", "line", "expected"), MALFORMED)
def test_malformed_document_names_line_and_expectation(text: str, line: int, expected: str) -> None:
    with pytest.raises(SeedFormatError) as info:
        parse(text)
    error = info.value
    assert isinstance(error, ValueError)
    assert (error.line, expected in error.message) == (line, True), str(error)
    assert str(error) == f"line {line}: {error.message}"


# --- the heading rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "is_last", "expected"),
    [
        ("Background", False, True),
        ("Що відомо", False, True),
        ("Background", True, False),  # a heading introduces something, so the last block is a paragraph
        ("Source: Reuters", False, False),  # "Label: text" lines are paragraphs in news copy
        ("Background:", False, False),
        ("It is over.", False, False),
        ("Why now?", False, False),
        ("He said “enough.”", False, False),  # sentence end before a closing quote
        ("A" * 80, False, True),
        ("A" * 81, False, False),
    ],
)
def test_heading_rule(line: str, is_last: bool, expected: bool) -> None:
    assert is_heading_line(line, is_last_block=is_last) is expected


def test_parse_applies_the_heading_rule_to_one_line_blocks() -> None:
    doc = parse(SMALL)
    assert doc.blocks == (
        Paragraph("First paragraph."),
        Heading("Background"),
        ListBlock(("first item", "second item")),
    )


# --- render rejects what it cannot write faithfully --------------------------------------------------

GOOD = parse(SMALL)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"blocks": (Paragraph("two\nlines"),)}, "block 1 (paragraph) contains a line break"),
        ({"blocks": (Paragraph("x"), Heading("a\r\nb"))}, "block 2 (heading) contains a line break"),
        ({"blocks": (Paragraph(""),)}, "block 1 (paragraph) is empty"),
        ({"blocks": (Paragraph("  • looks like a list"),)}, "starts with the list prefix"),
        ({"blocks": (Paragraph(" leading"),)}, "starts with whitespace"),
        ({"blocks": (Paragraph("a\tb"),)}, "whitespace other than single spaces"),
        ({"blocks": (ListBlock(()),)}, "block 1 (list) has no items"),
        ({"blocks": (ListBlock(("ok", "")),)}, "block 1 (list) item 2 is empty"),
        ({"blocks": (ListBlock(("a\nb",)),)}, "item 1 contains a line break"),
        ({"blocks": ("just a string",)}, "block 1 is not a Paragraph, Heading or ListBlock"),
        ({"headline": ""}, "headline is empty"),
        ({"headline": "Two\nlines"}, "headline contains a line break"),
        ({"source_label": "Pravda Ukraine "}, "source_label ends with whitespace"),
        ({"collected_on": date(999, 1, 1)}, "four-digit year"),
        ({"collected_on": "11/25/2024"}, "collected_on must be a datetime.date"),
        ({"url": "ftp://example.com/a"}, "url must start with http:// or https://"),
        ({"url": "https://example.com/a b"}, "url contains whitespace"),
        ({"url": "example.com/a"}, "url must start with http:// or https://"),
        ({"url": "https://"}, "url has no host name"),
        ({"url": "https://example.com:http/a"}, "url cannot be parsed as a URL"),
    ],
)
def test_render_rejects_what_it_cannot_write_faithfully(changes: dict[str, object], expected: str) -> None:
    doc = replace(GOOD, **changes)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot render seed document") as info:
        render(doc)
    assert expected in str(info.value)


def test_render_rejects_a_datetime_as_collected_date() -> None:
    # A datetime would render as its date and read back as a date, so the document would not round-trip.
    doc = replace(GOOD, collected_on=datetime(2024, 11, 25, 10, 0))
    with pytest.raises(ValueError, match="not a datetime"):
        render(doc)


def test_render_writes_the_canonical_form() -> None:
    doc = SeedDocument(
        collected_on=date(2024, 1, 5),
        headline="Заголовок",
        source_label="Pravda Ukraine",
        blocks=(Heading("Що відомо"), ListBlock(("один",)), Paragraph("Кінець.")),
        url="https://www.pravda.com.ua/news/2024/01/5/1/",
    )
    assert render(doc) == (
        "• 1/5/2024\n\nЗаголовок\n\nPravda Ukraine\n\nЩо відомо\n\n  • один\n\nКінець.\n\n"
        "https://www.pravda.com.ua/news/2024/01/5/1/"
    )
    assert parse(render(doc)) == doc


def test_a_document_without_blocks_round_trips() -> None:
    doc = SeedDocument(date(2024, 12, 31), "H", "S", (), "http://example.com/")
    assert render(doc) == "• 12/31/2024\n\nH\n\nS\n\nhttp://example.com/"
    assert parse(render(doc)) == doc


# --- properties ------------------------------------------------------------------------------------

# Words: any printable character but ordinary whitespace and what stored text never holds (invisible
# controls, bidi overrides, zero-width characters, BOMs: transforms/text.py), with the characters the
# format must carry (no-break spaces, curly quotes, dashes, bullets, colons) and Cyrillic weighted in.
_SPECIAL = "\u00a0\u202f\u2007“”‘’«»–—•:.,!?…\u200c\u200d"
_word = st.text(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp")),
        st.characters(min_codepoint=0x0400, max_codepoint=0x04FF),
        st.sampled_from(_SPECIAL),
    ),
    min_size=1,
    max_size=12,
).filter(lambda word: not any(is_ordinary_space(ch) for ch in word) and strip_invisible(word) == word)
line_text = st.lists(_word, min_size=1, max_size=12).map(" ".join)

block = st.one_of(
    line_text.map(Paragraph),
    line_text.map(Heading),
    st.lists(line_text, min_size=1, max_size=4).map(lambda items: ListBlock(tuple(items))),
)
urls = st.builds(
    "{}://{}/{}".format,
    st.sampled_from(["http", "https"]),
    st.sampled_from(["www.pravda.com.ua", "example.com", "127.0.0.1:8080", "приклад.укр"]),
    st.text(st.sampled_from("abc019/-_.?=&%#~новини"), max_size=30),
)
documents = st.builds(
    SeedDocument,
    collected_on=st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)),
    headline=line_text,
    source_label=line_text,
    blocks=st.lists(block, max_size=40).map(tuple),
    url=urls,
)


def same_shape(doc: SeedDocument) -> SeedDocument:
    """doc with headings read as paragraphs: the page cannot tell a heading from a one-line paragraph."""
    blocks = tuple(Paragraph(b.text) if isinstance(b, Heading) else b for b in doc.blocks)
    return replace(doc, blocks=blocks)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_render_parse_render_is_stable(doc: SeedDocument) -> None:
    text = render(doc)
    parsed = parse(text)
    assert render(parsed) == text
    assert same_shape(parsed) == same_shape(doc)
    for index, parsed_block in enumerate(parsed.blocks):
        if not isinstance(parsed_block, ListBlock):
            is_last = index == len(parsed.blocks) - 1
            assert isinstance(parsed_block, Heading) is is_heading_line(
                parsed_block.text, is_last_block=is_last
            )


@settings(max_examples=100, deadline=None)
@given(documents, st.booleans(), st.booleans(), st.booleans())
def test_editor_variants_parse_to_the_same_document(
    doc: SeedDocument, bom: bool, crlf: bool, eol: bool
) -> None:
    canonical = render(doc)
    text = canonical + ("\n" if eol else "")
    text = ("\ufeff" if bom else "") + (text.replace("\n", "\r\n") if crlf else text)
    assert render(parse(text)) == canonical


def _canonical(text: str) -> str:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    return text.removesuffix("\n")


def _check_parse_only_raises_seed_format_error(text: str) -> None:
    try:
        doc = parse(text)
    except SeedFormatError as error:
        assert error.line >= 1
        assert error.message
        return
    # Whatever parse accepts is a well-formed document: it renders back to the same text.
    assert render(doc) == _canonical(text)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_of_arbitrary_text_raises_only_seed_format_errors(text: str) -> None:
    _check_parse_only_raises_seed_format_error(text)


# Lines close to the format, so that the fuzzing reaches past the first few lines.
_fuzz_line = st.one_of(
    st.sampled_from(["", "• 11/25/2024", "• 2/29/2023", "  • ", "  • item", " • x", "Background", "\r"]),
    st.sampled_from(["https://example.com/a", "ftp://x/", "http://", "https://[::1", "\ufeff", " ", "\t"]),
    line_text,
    line_text.map(lambda t: "  • " + t),
    st.text(max_size=8),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_fuzz_line, max_size=20), st.sampled_from(["\n", "\r\n"]))
def test_parse_of_near_documents_raises_only_seed_format_errors(lines: list[str], eol: str) -> None:
    _check_parse_only_raises_seed_format_error(eol.join(lines))


@settings(max_examples=300, deadline=None)
@given(documents, st.data())
def test_parse_of_a_damaged_document_raises_only_seed_format_errors(
    doc: SeedDocument, data: st.DataObject
) -> None:
    lines = render(doc).split("\n")
    index = data.draw(st.integers(0, len(lines) - 1))
    action = data.draw(st.sampled_from(["delete", "replace", "insert"]))
    if action == "delete":
        del lines[index]
    else:
        new_line = data.draw(_fuzz_line)
        if action == "replace":
            lines[index] = new_line
        else:
            lines.insert(index, new_line)
    _check_parse_only_raises_seed_format_error("\n".join(lines))


def test_docs_state_the_heading_rule_the_code_applies() -> None:
    docs = (ROOT / "docs" / "seed-format.md").read_text(encoding="utf-8")
    assert f"it has at most {HEADING_MAX_CHARS} characters" in docs
    assert "it contains no colon" in docs and "it is not the last block" in docs
