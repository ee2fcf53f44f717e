"""Article or listing, told by a page's content when neither its metadata nor its URL says.

Most article pages say what they are (a JSON-LD article, ``og:type`` article, a publication time) or have an
article URL (a slug, an id, a date); ``generic.parser_for`` asks those first. Some real articles have
neither (``/article/3834/1``, ``/news/news_view.html?idx=8576``). Their content still tells: an article is
one long text; a listing (a home, section or tag page) is a column of teasers, each a link to a story and a
short text, in repeated cards: many siblings of one tag and class. So a page is an article by content when

- its extracted body (what the parser would store) holds at least :data:`MIN_ARTICLE_CHARS` characters,
- less than :data:`MAX_CARD_SHARE` of that body is text of teaser cards (shingles found in them),
- and less than :data:`MAX_LINKED_SHARE` of it is link text (few links per word).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from transforms.shingles import loose, shingles
from transforms.text import normalize_space

MIN_ARTICLE_CHARS = 300
"""A body shorter than this is no evidence of an article (a teaser, a section's intro text)."""
MAX_CARD_SHARE = 0.5
MAX_LINKED_SHARE = 0.5
MIN_CARDS = 4
"""Siblings of one tag and first class that repeat at least this often, each with a teaser link, are cards."""
TEASER_LINK_CHARS = 20
"""A link with this much text (or :data:`TEASER_LINK_WORDS` words) is a story's headline, not a menu item."""
TEASER_LINK_WORDS = 4
MAX_CARD_CHARS = 600
"""A card holds a headline and a short summary; a longer element is not a teaser."""


@dataclass(frozen=True)
class ContentSigns:
    """What a page's content says about it; ``article`` is the decision."""

    body_chars: int
    card_share: float  # of the body's characters, the share found in teaser cards
    linked_share: float  # of the body's characters, the share that is link text
    h1s: int  # distinct h1 texts
    cards: int  # teaser cards on the page

    @property
    def article(self) -> bool:
        return (
            self.body_chars >= MIN_ARTICLE_CHARS
            and self.card_share < MAX_CARD_SHARE
            and self.linked_share < MAX_LINKED_SHARE
        )

    def describe(self) -> str:
        return (
            f"{self.body_chars} characters of body text, {self.card_share:.0%} of it in {self.cards} teaser "
            f"cards, {self.linked_share:.0%} link text, {self.h1s} h1"
        )


def content_signs(pruned: LexborHTMLParser, body: list[str]) -> ContentSigns:
    """The signs of the page whose tree without navigation and side boxes is ``pruned`` and whose
    extracted body is the paragraphs ``body`` (empty when nothing was extracted).

    Texts are compared as word shingles (``transforms.shingles``): an extractor may join a column of
    teasers into one paragraph, which is then no single card's text, but its shingles are the cards'.
    """
    cards = teaser_cards(pruned)
    in_cards = set().union(*(shingles(_text(card)) for card in cards))
    linked = set().union(*(shingles(_text(link)) for link in pruned.css("a[href]")))
    grams = shingles("\n".join(body))
    h1s = {loose(_text(node)) for node in pruned.css("h1")} - {""}
    return ContentSigns(
        body_chars=sum(len(paragraph) for paragraph in body),
        card_share=len(grams & in_cards) / len(grams) if grams else 0.0,
        linked_share=len(grams & linked) / len(grams) if grams else 0.0,
        h1s=len(h1s),
        cards=len(cards),
    )


def teaser_cards(tree: LexborHTMLParser) -> list[LexborNode]:
    """Elements that repeat as siblings (same tag and first class, at least :data:`MIN_CARDS` of them) and
    each hold a link with a story's headline and little other text: the teasers of a listing."""
    found: list[LexborNode] = []
    for parent in tree.css("body *"):
        groups: dict[tuple[str, str], list[LexborNode]] = defaultdict(list)
        for child in parent.iter():
            if child.tag != "a":  # links in a row are a menu; a card holds its link
                # The first class names the kind of element; later ones vary ("card article-0").
                kind = (child.attributes.get("class") or "").split()
                groups[(child.tag or "", kind[0] if kind else "")].append(child)
        for members in groups.values():
            if len(members) < MIN_CARDS:
                continue
            teasers = [m for m in members if _is_teaser(m)]
            if len(teasers) >= 0.8 * len(members):
                found += teasers
    return found


def _is_teaser(node: LexborNode) -> bool:
    if len(_text(node)) > MAX_CARD_CHARS:
        return False
    for link in node.css("a[href]"):
        text = _text(link)
        if len(text) >= TEASER_LINK_CHARS or len(text.split()) >= TEASER_LINK_WORDS:
            return True
    return False


def _text(node: LexborNode) -> str:
    return normalize_space(node.text(deep=True, separator=" "))
