"""Cleaning a body's blocks, whatever extracted them: boilerplate lines, repeats of the headline, datelines
and credits at the edges go; a reference text (a page's JSON-LD ``articleBody``) can judge which blocks
belong to the article, and can tell when an extractor stopped early.

Texts are compared by their words (``transforms.shingles``): case, punctuation and typography aside.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from scrapers.parsers.generic.authors import BYLINE_PREFIX
from transforms.blocks import Block, Heading, ListBlock, Paragraph, block_plain_text
from transforms.shingles import loose, shingles

# Boilerplate that content extractors keep at the edges of a body: whole short blocks that are
# instructions to the reader rather than the article. Matched on the case-folded block text.
BOILERPLATE = re.compile(
    r"^(share( this)?( with)?|follow us|sign up|subscribe|newsletter|advertisement|anzeige|werbung|"
    r"read (more|also|next)|see also|related( articles| stories)?:?|more:|more :|"
    r"got a story|for more stories|copyright|©|all rights reserved|"
    r"(photo|image|foto|bild|picture)( credit)?s?\s*[:(]|"
    r"nur angemeldete benutzer|dein kommentar|comments?\b|kommentare?\b|"
    r"click here|tap here|download (the|our) app|listen to (this|the) article|"
    r"article content|lesedauer|reading time|\d+ min(ute)?s? read|copy link|link kopieren|"
    r"ähnliche( artikel)?:?$|mehr (zum thema|themen)|das könnte sie auch interessieren|"
    r"you (may|might) also like|recommended for you|fehler gefunden|mit agenturmaterial|"
    r"dieses thema im programm|hauptinhalt$|il vous reste|la suite est réservée|"
    r"hat ihnen dieser artikel gefallen|wir freuen uns über ihr feedback|ihre meinung ist uns wichtig|"
    r"du musst dich einloggen|infos zum zitiervorschlag|auch interessant|bitte beachten:?$|"
    r"folgst du schon|mehr lesekomfort|our website is (the|your) (place|destination)|"
    # Labels of the page's metadata and widgets ("Kategorie: News", "Tags: …", "Teilen mit:").
    r"(kategorien?|categor(y|ies)|tags?|schlagw(ö|o)rter|filed under|posted in|release date|aufrufe)\s*:|"
    r"keine kommentare|no comments|wird geladen|teilen mit:|"
    r"(sie sind|du bist) (aktuell |derzeit )?nicht (eingeloggt|angemeldet)|you are not logged in)",
)
BOILERPLATE_MAX_CHARS = 300
"""Longer blocks are text even when they start like boilerplate ("Comments made by the minister…")."""

# Pointers to other pages that open a line ("À lire aussi : …", "PUEDES VER: …", "Weitere Themen"): the
# recirculation teasers of many languages. Only short lines (a label, or a label and a headline).
RECIRCULATION = re.compile(
    r"^(à lire aussi|a lire aussi|lire aussi|lisez aussi|voir aussi|à voir aussi|"
    r"lee también|leer también|lea también|lee más|leer más|puedes ver|te puede interesar|"
    r"también te puede interesar|te recomendamos|mira también|"
    r"leia também|leia mais|veja também|leggi anche|vedi anche|"
    r"czytaj (też|także|więcej)|zobacz (też|także|również)|dowiedz się więcej|"
    r"lesen sie (auch|mehr)|mehr dazu|weitere (artikel|themen|aktuelle themen|beiträge|nachrichten)\b|"
    r"vorschau auf den nächsten artikel|nächster artikel|vorheriger artikel|"
    r"(previous|next) (article|post|story)|more (from|on) |related (content|coverage|posts?)\b|"
    r"lue myös|läs också|läs mer|les også|læs også|lees ook|lees meer)"
)
RECIRCULATION_MAX_CHARS = 160

# Promotion of the publisher itself anywhere in a short block: follow us on a network, get the app, the
# newsletter or a subscription, a paywall's notice, affiliate and advertising disclosures.
PROMO = re.compile(
    r"^(follow|siguenos|síguenos|sígannos|suivez|folge|folgen sie|seguici|segue|obserwuj|join|únete|"
    r"rejoignez|abonniere)( [@\w.]+){0,3} (on|en|auf|sur|su|na|in|no|em|op|via) (twitter|x|facebook|"
    r"instagram|telegram|whatsapp|tiktok|youtube|"
    r"linkedin|threads|bluesky|mastodon|google news)\b|"
    r"\bdownload (the|our) .{0,40}\bapps? (for|on) (ios|android|iphone|ipad)\b|"
    r"\b(subscribe|sign up|anmelden|abonnieren|abonnez|inscrivez|suscríbete|regístrate)\b.{0,60}\bnewsletter|"
    r"\bnewsletter\b.{0,60}\b(subscribe|sign up|anmelden|abonnieren|erhalten sie|receive|inscri|suscr)|"
    r"\b(please )?subscribe to (the|our)\b|\balready a subscriber\b|\bsubscribers? (also )?receive\b|"
    r"\bto (view|read|continue reading) the full (story|article)\b|"
    r"\baffiliate[- ]?links?\b|\bthis (post|article) contains (references|affiliate|links)\b|"
    r"\benthält (werbung|affiliate)|^\*?werbung\b|\bbei den verlinkungen handelt es sich\b|"
    r"\balle angaben ohne gewähr\b|\btodos los derechos reservados\b|\btous droits réservés\b|"
    r"\balle rechte vorbehalten\b|\bmateriał chroniony prawem\b|"
    r"\b(let us know|tell us) in the comments\b|\bin den kommentaren\b|\bgive us feedback\b"
)
PROMO_MAX_CHARS = 250
"""A promotion is a line or two; a longer paragraph mentioning a newsletter is the article's text."""

EDGE_BLOCKS = 3
"""How many blocks at each end of the body are checked for datelines, bylines and credits."""
EDGE_MAX_CHARS = 80
CREDIT_MAX_CHARS = 40
"""A last block this short without a sentence's ending is a credit ("(dmk)", "Quelle: ntv.de")."""
_DATE_LINE = re.compile(
    r"\b(19|20)\d\d\b|\b\d{1,2}:\d\d\b|\b\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}\b|\d{4}年\d{1,2}月"
)
BIO_MAX_CHARS = 400
"""An author's presentation is a sentence or two."""
_BIO_VERBS = ("is", "was", "ist", "war", "est", "es", "è", "jest", "er", "är", "is een")
_SENTENCE_END = re.compile(r"[.!?…:;\"”»’'。！？]$")

LD_SUPPORT = 0.5
"""A block stays when at least this share of its 4-word shingles occurs in the JSON-LD articleBody."""
LD_MIN_COVERAGE = 0.8
"""The JSON-LD body arbitrates only when it is the article: it covers this share of what was extracted."""
LD_EXTENDS = 1.5
"""...and it replaces the extracted body when it is this many times longer (the extractor stopped early)."""


def clean_blocks(
    blocks: Iterable[Block], *, headline: str, authors: Iterable[str] = (), people: Iterable[str] = ()
) -> list[Block]:
    """Drop boilerplate, repeats of the headline, repeated blocks and edge noise; keep the order.
    ``people`` are the authors who are persons (not the publisher): their presentation at the end goes."""
    seen: set[str] = set()
    head = loose(headline)
    kept: list[Block] = []
    for position, block in enumerate(blocks):
        if isinstance(block, ListBlock):
            items = tuple(item for item in block.items if not is_boilerplate(item))
            key = loose(" ".join(items))
            if items and key not in seen:
                seen.add(key)
                kept.append(ListBlock(items))
            continue
        key = loose(block.text)
        if not key or key == head or key in seen or is_boilerplate(block.text):
            continue
        if position < EDGE_BLOCKS and _repeats_headline(block, key, head):
            continue  # the page's h1, often with its kicker glued on ("TopicHeadline")
        seen.add(key)
        kept.append(block)
    return trim_edges(kept, authors=authors, people=people)


def trim_edges(
    blocks: list[Block], *, authors: Iterable[str] = (), people: Iterable[str] = ()
) -> list[Block]:
    """Take datelines, bylines, credits and the author's presentation off the ends of the body, where
    extractors leave them."""
    names = {loose(a) for a in authors}
    persons = {loose(p) for p in people} - {""}

    def noise(block: Block) -> bool:
        if isinstance(block, ListBlock) or len(block.text) > EDGE_MAX_CHARS:
            return False
        text = block.text
        if loose(text) in names or BYLINE_PREFIX.match(text):
            return True
        return (
            len(text.split()) <= 8 and _DATE_LINE.search(text) is not None and not _SENTENCE_END.search(text)
        )

    def bio(block: Block) -> bool:
        # "Jane Doe is a reporter at …" under the article. Persons only: a publisher named as the author
        # ("Ukrainska Pravda is the place where …") is presenting itself, which its own parser keeps.
        if isinstance(block, ListBlock) or len(block.text) > BIO_MAX_CHARS:
            return False
        text = loose(block.text)
        return any(text.startswith(f"{name} {verb} ") for name in persons for verb in _BIO_VERBS)

    head = [b for b in blocks[:EDGE_BLOCKS] if not noise(b)]
    middle = blocks[EDGE_BLOCKS:-EDGE_BLOCKS] if len(blocks) > 2 * EDGE_BLOCKS else []
    tail_start = max(EDGE_BLOCKS, len(blocks) - EDGE_BLOCKS)
    tail = [b for b in blocks[tail_start:] if not noise(b) and not bio(b)]
    kept = head + middle + tail
    while kept and (_is_box_title(kept[-1]) or _is_credit(kept[-1])):
        # A heading with nothing after it titles a box the extractor cut off ("Related", "More").
        kept.pop()
    return kept


def _is_box_title(block: Block) -> bool:
    """A heading that titles something; a long bold sentence (a closing paragraph set in bold) is text."""
    return isinstance(block, Heading) and not (
        len(block.text) > EDGE_MAX_CHARS and _SENTENCE_END.search(block.text)
    )


def drop_links(blocks: list[Block], links: set[str]) -> list[Block]:
    """Without the paragraphs and headings whose whole text is a link's (teasers of other pages); the
    blocks as they are when that would take most of them (a page whose text is all linked)."""
    kept = [b for b in blocks if isinstance(b, ListBlock) or loose(b.text) not in links]
    return kept if 2 * len(kept) >= len(blocks) else blocks


def _is_credit(block: Block) -> bool:
    return (
        isinstance(block, Paragraph)
        and len(block.text) <= CREDIT_MAX_CHARS
        and not _SENTENCE_END.search(block.text)
    )


def _repeats_headline(block: Block, key: str, head: str) -> bool:
    if isinstance(block, Heading):
        return _word_overlap(key, head) >= 0.5
    # A paragraph only when it is hardly longer than the headline: a lead may share many of its words.
    return len(key) <= 2 * len(head) and (head in key or _word_overlap(key, head) >= 0.6)


def _word_overlap(a: str, b: str) -> float:
    wa, wb = set(a.split()), set(b.split())
    return len(wa & wb) / len(wa | wb) if wa | wb else 0.0


def is_boilerplate(text: str) -> bool:
    folded = text.casefold().lstrip("•-–—►▶»>* ")
    return (
        (len(text) <= BOILERPLATE_MAX_CHARS and BOILERPLATE.match(folded) is not None)
        or (len(text) <= RECIRCULATION_MAX_CHARS and RECIRCULATION.match(folded) is not None)
        or (len(text) <= PROMO_MAX_CHARS and PROMO.search(folded) is not None)
    )


def filter_by_reference(blocks: list[Block], reference: str) -> list[Block]:
    """The blocks that the reference (JSON-LD ``articleBody``) supports; ``blocks`` itself if it can't judge.

    The reference is only trusted when it covers most of what was extracted: many sites put a summary
    or the first paragraph there, and those must not cut the body short.
    """
    ref = shingles(reference)
    if not ref:
        return blocks
    # Block by block: shingles spanning two blocks (or a subheading) are not text either side has.
    extracted = {g for b in blocks if not isinstance(b, Heading) for g in shingles(block_plain_text(b))}
    if not extracted:
        return blocks
    covered = sum(1 for s in extracted if s in ref) / len(extracted)
    if covered < LD_MIN_COVERAGE:
        return blocks
    kept: list[Block] = []
    for block in blocks:
        if isinstance(block, Heading):
            kept.append(block)  # plain-text bodies leave the subheadings out, so they cannot judge them
            continue
        grams = shingles(block_plain_text(block))
        if not grams or sum(1 for g in grams if g in ref) / len(grams) >= LD_SUPPORT:
            kept.append(block)
    return kept if len(kept) != len(blocks) else blocks


def extends(reference: list[Block], blocks: list[Block]) -> bool:
    """True when ``reference`` holds what ``blocks`` hold and much more: the extractor stopped early."""
    ref = shingles(" ".join(block_plain_text(b) for b in reference))
    got = shingles(" ".join(block_plain_text(b) for b in blocks))
    if not ref or not got:
        return False
    return len(got & ref) / len(got) >= LD_MIN_COVERAGE and len(ref) >= LD_EXTENDS * len(got)


def char_count(blocks: Iterable[Block]) -> int:
    return sum(len(block_plain_text(b)) for b in blocks)
