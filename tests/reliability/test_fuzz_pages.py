"""Fuzzing the page side with hypothesis: HTML-to-blocks and the page parser take any input without an
unhandled exception, and what they keep is plain text that the seed format writes and reads back.

(The seed parser's own fuzzing, arbitrary and damaged documents, lives in tests/test_seed_format.py.)
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from scrapers.parsers import parse_page
from transforms.blocks import Heading, ListBlock, Paragraph
from transforms.errors import NotAnArticle
from transforms.html_blocks import html_to_blocks
from transforms.normalise import staged_row
from transforms.seed import SeedDocument, as_read, parse, render
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from transforms.text import normalize_space

SCRIPT_MARK = "SCRIPTMARK"
TAGS = (
    "p", "div", "span", "b", "strong", "i", "a", "ul", "ol", "li", "h2", "h3", "br", "table", "tr", "td",
    "blockquote", "section", "article", "figure", "img", "iframe", "script", "style", "noscript", "svg",
    "template", "form", "button", "html", "body", "head", "title", "pre", "code", "dl", "dt", "dd",
    "textarea", "xmp", "noembed", "noframes", "plaintext", "math", "select", "option",
)  # fmt: skip
ATTRIBUTES = st.sampled_from(
    ["", ' class="post_text"', ' onclick="steal()"', ' href="javascript:alert(1)"', " hidden", ' style="x"']
)
# Text without markup characters, so that any '<' or '>' in the output would be leaked markup.
WORDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="<>&"), max_size=30
) | st.sampled_from(
    ["Слава Україні", "“quoted” — dash", "\u00a0", "  \t\n ", "•", "&amp;", "&#160;", "&nbsp;"]
)


@st.composite
def tag_soup(draw: st.DrawFn, depth: int = 0) -> str:
    """Nested, often unbalanced markup: a tag, its attributes, content, and a closing tag or not."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        choice = draw(st.integers(0, 3 if depth < 4 else 1))
        if choice <= 1:
            parts.append(draw(WORDS))
        else:
            tag = draw(st.sampled_from(TAGS))
            inner = SCRIPT_MARK if tag in {"script", "style", "template"} else draw(tag_soup(depth + 1))
            close = draw(st.sampled_from([f"</{tag}>", "", "</p>", "</div>"]))
            parts.append(f"<{tag}{draw(ATTRIBUTES)}>{inner}{close}")
    return "".join(parts)


def _check_blocks(blocks: list) -> None:
    for block in blocks:
        assert isinstance(block, Paragraph | Heading | ListBlock)
        texts = block.items if isinstance(block, ListBlock) else (block.text,)
        assert texts, "a list without items"
        for text in texts:
            assert text and normalize_space(text) == text, f"unnormalised or empty block text {text!r}"
            assert "\n" not in text
            assert SCRIPT_MARK not in text


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_html_to_blocks_takes_any_text(html: str) -> None:
    _check_blocks(html_to_blocks(html))


@settings(max_examples=400, deadline=None)
@given(tag_soup())
def test_html_to_blocks_leaves_no_markup_or_script_from_tag_soup(html: str) -> None:
    blocks = html_to_blocks(html)
    _check_blocks(blocks)
    for block in blocks:
        for text in block.items if isinstance(block, ListBlock) else (block.text,):
            assert "<" not in text and ">" not in text, f"markup left in {text!r} from {html!r}"
            assert "javascript:" not in text and "steal()" not in text


@settings(max_examples=200, deadline=None)
@given(tag_soup())
def test_blocks_from_any_html_survive_the_seed_format(html: str) -> None:
    # The blocks as parse_page stores them: one-line blocks are headings exactly when the seed reads them so.
    blocks = as_read(tuple(html_to_blocks(html)))
    doc = SeedDocument(date(2025, 12, 1), "Headline", "Pravda Ukraine", blocks, "https://example.com/a/1/")
    text = render(doc)  # a refusal here would fail every page with such a body in parse_page
    assert parse(text) == doc
    assert render(parse(text)) == text


PRAVDA = load_sources(DEFAULT_SOURCES_FILE)["pravda"]
FETCHED = datetime(2025, 12, 31, tzinfo=UTC)


def _parse_or_refuse(html: bytes | str, url: str) -> None:
    try:
        record = parse_page(html, url, source=PRAVDA, fetched_at=FETCHED)
    except NotAnArticle as refusal:
        assert refusal.reason
        return
    # Whatever is accepted is a record the transform step can stage: its seed document renders.
    assert staged_row(record, PRAVDA.label)["seed_text"].endswith(record.url)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096))
def test_the_page_parser_takes_any_bytes(data: bytes) -> None:
    _parse_or_refuse(data, "https://www.pravda.com.ua/eng/news/2025/12/1/7600001/")


@settings(max_examples=200, deadline=None)
@given(tag_soup(), st.sampled_from(["/eng/news/2025/12/1/7600001/", "/news/2025/12/1/7600002/", "/eng/"]))
def test_the_page_parser_takes_any_tag_soup(html: str, path: str) -> None:
    _parse_or_refuse(
        f"<html><head><title>t</title></head><body><article class='post'>{html}</article></body></html>",
        "https://www.pravda.com.ua" + path,
    )
