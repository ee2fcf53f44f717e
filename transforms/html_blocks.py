"""Article body HTML to typed blocks (paragraphs, headings, lists): the seed format's body.

The rules (docs/seed-format.md):

- ``p`` becomes a paragraph; ``ul``/``ol`` a list with one item per ``li``; ``h2``-``h4`` (and the rarer
  ``h1``, ``h5``, ``h6``) a heading, and so does a paragraph whose only text is bold.
- ``br`` is a space; ``script``, ``style``, ``figure``, ``img``, ``iframe`` and the like are removed
  (:data:`DEFAULT_REMOVE`), and so is whatever the caller's selectors match (a site's ad containers).
- Entities are decoded by the HTML parser; whitespace is collapsed by ``normalize_space`` (no-break spaces
  survive); empty blocks are dropped.

The HTML is parsed with selectolax (lexbor), the fastest parser measured here. A page parser that already
holds the page's tree hands the body node to :func:`node_to_blocks` instead, which works on a copy of it.

Every walk over the tree keeps its own stack instead of recursing: markup may nest deeper than Python's
recursion limit (50,000 nested ``<b>`` were seen), and that must cost time, never a RecursionError.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain

from selectolax.lexbor import LexborHTMLParser, LexborNode

from transforms.blocks import Block, Heading, ListBlock, Paragraph
from transforms.text import normalize_space

# Elements that never carry article text, on any site. Selectors as data: a parser adds its site's own
# (ad containers, photo boxes) through ``remove=``.
DEFAULT_REMOVE: tuple[str, ...] = (
    "script",
    "style",
    "noscript",
    "template",
    "figure",
    "img",
    "picture",
    "iframe",
    "svg",
    "video",
    "audio",
    "object",
    "embed",
    "form",
    "button",
    # Raw-text elements: the parser keeps their content as text, markup and all, so a stray <title> or
    # <textarea> in a body would store "<script>…" as article text. They never hold article text.
    "title",
    "textarea",
    "xmp",
    "noembed",
    "noframes",
    "plaintext",
    # Google's ad slot, the same element on every site that shows its ads.
    "ins.adsbygoogle",
)

HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
LIST_TAGS = frozenset({"ul", "ol"})
BOLD_TAGS = frozenset({"b", "strong"})

# Elements that end the running line of text: their content is laid out on its own, so the text before
# and after them belongs to different blocks (or, inside one block, is at least separated by a space).
BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "aside",
        "header",
        "footer",
        "main",
        "nav",
        "blockquote",
        "center",
        "pre",
        "address",
        "dl",
        "dt",
        "dd",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "caption",
        "li",
        "hr",
        *HEADING_TAGS,
        *LIST_TAGS,
    }
)


def html_to_blocks(html: str, *, remove: Iterable[str] = ()) -> list[Block]:
    """The blocks of an article body fragment (or of a whole page's ``body``)."""
    root = LexborHTMLParser(html).body
    if root is None:
        return []
    return _blocks(root, remove)


def _blocks(root: LexborNode, remove: Iterable[str]) -> list[Block]:
    _remove(root, ", ".join((*DEFAULT_REMOVE, *remove)))
    # With every br a space, an element's text is one call into the parser (text(deep=True)) instead of
    # a walk in Python; that is most of the speed of this module.
    for br in root.css("br"):
        br.replace_with(" ")
    builder = _BlockBuilder(_paragraphs_holding_blocks(root))
    builder.walk(root)
    builder.flush()
    return builder.finish()


def node_to_blocks(root: LexborNode, *, remove: Iterable[str] = ()) -> list[Block]:
    """The blocks under ``root``, an element of an already parsed page, which is left as it is: the
    removals happen on a copy of the element (a copy of a body costs a tenth of parsing its HTML again)."""
    return _blocks(root.clone(), remove)


# Blocks inside a paragraph. In a tree the HTML parser builds, every block start tag closes an open p,
# even from inside an inline element, except a table in quirks mode (<p><table> without a doctype); so
# that one query finds them all, and costs a tenth of one listing every block tag.
_BLOCK_IN_P = "p table"


def _paragraphs_holding_blocks(root: LexborNode) -> set[int]:
    """The ``mem_id`` of each ``p`` under ``root`` that has a block element inside."""
    found: set[int] = set()
    for node in root.css(_BLOCK_IN_P):
        parent = node.parent
        while parent is not None and parent.tag != "p":
            parent = parent.parent
        if parent is not None:
            found.add(parent.mem_id)
    return found


def _remove(root: LexborNode, selector: str) -> None:
    """Take every element matching ``selector`` out of ``root``'s tree, with its content.

    One query for all the selectors (one walk of the tree, not one per selector). Only the outermost
    matches are removed: removing an element frees its descendants, which must not be touched again.
    """
    root_id = root.mem_id
    matches = [node for node in root.css(selector) if node.mem_id != root_id]  # css() matches root too
    matched = {node.mem_id for node in matches}
    for node in matches:
        parent = node.parent
        while parent is not None and parent.mem_id != root_id and parent.mem_id not in matched:
            parent = parent.parent
        if parent is None or parent.mem_id == root_id:
            node.decompose()


class _BlockBuilder:
    """Walks an element tree; text outside ``p`` (a bare text node in a ``div``) becomes a paragraph too."""

    def __init__(self, paragraphs_holding_blocks: set[int]) -> None:
        self._containers = paragraphs_holding_blocks
        self.blocks: list[Block] = []
        self._loose: list[str] = []
        # Bold-only paragraphs turned into headings: block index -> the paragraph's own text.
        self._bold_labels: dict[int, str] = {}
        # Inline elements found to hold a block element (see _inline_only).
        self._holding_blocks: set[int] = set()

    def finish(self) -> list[Block]:
        """The blocks; a bold line that ends the body (a signature) stays a paragraph, as published,
        since a heading introduces what follows and nothing follows it."""
        last = len(self.blocks) - 1
        if last in self._bold_labels:
            self.blocks[last] = Paragraph(self._bold_labels[last])
        return self.blocks

    def walk(self, node: LexborNode) -> None:
        # (children still to read, whether the running line ends after them): a block ends it.
        stack: list[tuple[Iterator[LexborNode], bool]] = [(node.iter(include_text=True), False)]
        while stack:
            children, ends_line = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if ends_line:
                    self.flush()
                continue
            tag = child.tag
            leaf = _leaf_text(child, tag)
            if leaf is not None:
                self._loose.append(leaf)
            elif tag == "p":
                self.flush()
                if self._containers and child.mem_id in self._containers:
                    # Invalid but seen: a container inside a paragraph. Treat the paragraph as a container.
                    stack.append((child.iter(include_text=True), True))
                else:
                    self._paragraph(child)
            elif tag in LIST_TAGS:
                self.flush()
                self._list(child)
            elif tag in HEADING_TAGS:
                self.flush()
                self._add(Heading(_inline_text(child)))
            elif tag in BLOCK_TAGS:
                self.flush()
                stack.append((child.iter(include_text=True), True))
            else:
                # An inline element outside a paragraph: its text joins the running line, but any block
                # inside it (a div in a span, as broken markup has) still starts a block of its own.
                parts: list[str] = []
                if _inline_only(child, parts, self._holding_blocks):
                    self._loose.extend(parts)
                else:
                    stack.append((child.iter(include_text=True), False))

    def flush(self) -> None:
        if self._loose:
            text = "".join(self._loose)
            self._loose = []
            if text and not text.isspace():  # most runs are the indentation between two blocks
                self._add(Paragraph(normalize_space(text)))

    def _paragraph(self, node: LexborNode) -> None:
        text = normalize_space(node.text(deep=True))
        if _has_words(text) and _only_bold(node):
            # A bold-only paragraph is a section label ("Background:"); as a heading line the colon that
            # introduced what follows is redundant, so it is dropped.
            label = text.removesuffix(":").rstrip(" ")
            if _has_words(label):
                self.blocks.append(Heading(label))
                self._bold_labels[len(self.blocks) - 1] = text
        else:
            self._add(Paragraph(text))

    def _list(self, node: LexborNode) -> None:
        items: list[str] = []
        _collect_items(node, items)
        items = [item for item in items if _has_words(item)]
        if items:
            self.blocks.append(ListBlock(tuple(items)))

    def _add(self, block: Paragraph | Heading) -> None:
        if _has_words(block.text):
            self.blocks.append(block)


def _collect_items(list_node: LexborNode, items: list[str]) -> None:
    """One item per ``li``; a nested list's items follow their parent item (the seed format is flat)."""
    stack: list[Iterator[LexborNode]] = [list_node.iter(include_text=False)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif child.tag == "li":
            parts: list[str] = []
            nested: list[LexborNode] = []
            _gather(child, parts, nested_lists=nested)
            items.append(normalize_space("".join(parts)))
            if nested:  # read before the item's next sibling
                stack.append(chain.from_iterable(sub.iter(include_text=False) for sub in nested))
        elif child.tag in LIST_TAGS:
            stack.append(child.iter(include_text=False))


def _has_words(text: str) -> bool:
    # "<p>&nbsp;</p>" is a spacer, not a paragraph: a block of no-break spaces alone is empty too.
    return not text.isspace() and text != ""


def _inline_text(node: LexborNode) -> str:
    return normalize_space(_raw_text(node))


def _raw_text(node: LexborNode) -> str:
    parts: list[str] = []
    _gather(node, parts)
    return "".join(parts)


def _gather(node: LexborNode, parts: list[str], nested_lists: list[LexborNode] | None = None) -> None:
    """Append the text under ``node`` to ``parts``; lists are set aside in ``nested_lists`` when given."""
    # (children still to read, whether a space follows them): a block's text is set off by spaces.
    stack: list[tuple[Iterator[LexborNode], bool]] = [(node.iter(include_text=True), False)]
    while stack:
        children, spaced = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if spaced:
                parts.append(" ")
            continue
        tag = child.tag
        leaf = _leaf_text(child, tag)
        if leaf is not None:
            parts.append(leaf)
        elif nested_lists is not None and tag in LIST_TAGS:
            nested_lists.append(child)
        elif tag in BLOCK_TAGS:
            # Two block children of one item ("<li><p>a</p><p>b</p></li>") must not run together.
            parts.append(" ")
            stack.append((child.iter(include_text=True), True))
        else:
            stack.append((child.iter(include_text=True), False))


def _inline_only(node: LexborNode, parts: list[str], holding_blocks: set[int]) -> bool:
    """Append the text under ``node`` to ``parts``; False (and stop) at the first block element inside.

    On False, the elements from ``node`` down to that block are added to ``holding_blocks`` (by
    ``mem_id``), so that the walk does not ask again for each of them: spans nested a thousand deep around
    a div would otherwise cost a million steps."""
    if node.mem_id in holding_blocks:
        return False
    stack: list[tuple[LexborNode, Iterator[LexborNode]]] = [(node, node.iter(include_text=True))]
    while stack:
        child = next(stack[-1][1], None)
        if child is None:
            stack.pop()
            continue
        tag = child.tag
        leaf = _leaf_text(child, tag)
        if leaf is not None:
            parts.append(leaf)
        elif tag in BLOCK_TAGS or child.mem_id in holding_blocks:
            holding_blocks.update(element.mem_id for element, _ in stack)
            return False
        else:
            stack.append((child, child.iter(include_text=True)))
    return True


def _leaf_text(node: LexborNode, tag: str | None) -> str | None:
    """What a node without elements (of tag ``tag``) adds to the running text: a text node its text, a
    ``br`` a space, a comment or doctype nothing; None for an element, which each walk treats its own way."""
    if tag == "-text":
        return node.text(deep=False)
    if tag == "br":
        return " "
    if tag is None or tag.startswith("-"):
        return ""
    return None


def _only_bold(node: LexborNode) -> bool:
    """True when every non-blank text node under ``node`` sits inside a ``b`` or ``strong``."""
    if node.css_first("b, strong") is None:  # the common case, answered without a walk in Python
        return False
    return _bold_check(node, inside_bold=False)


def _bold_check(node: LexborNode, *, inside_bold: bool) -> bool:
    stack: list[tuple[Iterator[LexborNode], bool]] = [(node.iter(include_text=True), inside_bold)]
    while stack:
        children, bold = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            continue
        tag = child.tag
        if tag == "-text":
            if not bold and _has_words(child.text(deep=False)):
                return False
        elif tag is not None and not tag.startswith("-"):
            stack.append((child.iter(include_text=True), bold or tag in BOLD_TAGS))
    return True
