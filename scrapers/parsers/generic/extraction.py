"""The body of any page as trafilatura extracts it, turned into blocks by the shared ``html_blocks``.

trafilatura needs an lxml tree of its own, so it gets the page's HTML re-serialised from a pruned copy of
the tree: without scripts, styles, navigation and side boxes (most of the bytes of a modern page, so lxml
has less to parse). The same pruned copy tells which text a reader sees. The page's own tree is not
changed.
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin

from selectolax.lexbor import LexborHTMLParser, SelectolaxError

from transforms.blocks import Block, ListBlock
from transforms.html_blocks import html_to_blocks
from transforms.shingles import loose

# Elements that never hold article text (navigation and side boxes of related links included).
NOT_CONTENT = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "iframe",
    "link",
    "picture source",
    "nav",
    "aside",
)

# No-break spaces (transforms.text.NO_BREAK_SPACES) -> private-use stand-ins while trafilatura runs.
_NBSP_MARKS = {"\u00a0": "\ue000", "\u202f": "\ue001", "\u2007": "\ue002"}
_NBSP_ENTITY = re.compile(r"&(nbsp|#160|#x0*a0);", re.IGNORECASE)


# Side boxes that are not side boxes: some sites wrap the whole article in an aside (or a nav); the page's h1
# inside one says it holds the article.
HOLDS_ARTICLE = "h1"
NOSCRIPT_CONTENT_CHARS = 2000
"""A noscript this long is the page for readers without JavaScript (the article), not a tracking pixel."""


def pruned_copy(tree: LexborHTMLParser) -> LexborHTMLParser:
    """A copy of the page's tree without the :data:`NOT_CONTENT` elements (but for side boxes holding the
    article and a noscript holding the page)."""
    try:
        copy = tree.clone()
    except SelectolaxError:
        # lexbor fails to clone some trees ("Can't create a new document", seen on a real Deutschlandfunk
        # page); parsing the serialised page again gives the same tree, at the cost of a second parse.
        copy = LexborHTMLParser(tree.html or "")
    for selector in NOT_CONTENT:
        for node in copy.css(selector):
            if selector in ("nav", "aside") and node.css_first(HOLDS_ARTICLE) is not None:
                continue
            if selector == "noscript" and len(node.text(deep=True)) >= NOSCRIPT_CONTENT_CHARS:
                continue
            node.decompose()
    return copy


def visible_text(pruned: LexborHTMLParser) -> str:
    """The text a reader sees on the page, compared loosely (``transforms.shingles.loose``)."""
    root = pruned.body
    return loose(root.text(deep=True, separator=" ")) if root is not None else ""


def link_texts(pruned: LexborHTMLParser, url: str) -> set[str]:
    """The texts of the page's links to other pages, of two words or more, compared loosely: a paragraph
    that is nothing but one of them points to another page (a teaser). Links within the page (a table of
    contents, a live blog's entries) do not count."""
    here = urldefrag(url).url
    found = set()
    for node in pruned.css("a[href]"):
        target = urldefrag(urljoin(url, node.attributes.get("href") or "")).url
        text = loose(node.text(deep=True, separator=" "))
        if " " in text and target != here:
            found.add(text)
    return found


def extract_blocks(pruned: LexborHTMLParser, url: str) -> list[Block]:
    """The blocks trafilatura finds in the pruned page (empty when it finds nothing)."""
    import trafilatura

    html, protected = protect_no_break_spaces(pruned.html or "")
    extracted = trafilatura.extract(
        html,
        url=url,
        output_format="html",
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        # Bold survives, so that a bold-only paragraph ("Background:") becomes a heading line, as the site
        # parsers make it through the same html_blocks step.
        include_formatting=True,
    )
    blocks = html_to_blocks(extracted) if extracted else []
    return [restore_no_break_spaces(b) for b in blocks] if protected else blocks


def protect_no_break_spaces(html: str) -> tuple[str, bool]:
    """``html`` with its no-break spaces swapped for private-use characters, and whether it was done.

    trafilatura turns no-break spaces into plain ones, but the seed format keeps them (an en dash and a
    no-break space, "10\u00a0km"). Private-use characters pass through it untouched. A page that already
    uses those characters is left as it is.
    """
    if any(mark in html for mark in _NBSP_MARKS.values()):
        return html, False
    html = _NBSP_ENTITY.sub("\u00a0", html)
    for space, mark in _NBSP_MARKS.items():
        html = html.replace(space, mark)
    return html, True


def restore_no_break_spaces(block: Block) -> Block:
    if isinstance(block, ListBlock):
        return ListBlock(tuple(_restore(item) for item in block.items))
    return type(block)(_restore(block.text))


def _restore(text: str) -> str:
    for space, mark in _NBSP_MARKS.items():
        text = text.replace(mark, space)
    return text
