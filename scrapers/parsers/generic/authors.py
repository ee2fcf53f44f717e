"""Who wrote a page, for the generic parser: byline strings split into names, and the byline markup.

The field's order of sources (JSON-LD, meta tags, markup, organisations) is the parser's
(``fields.GenericArticle.authors``); this module only reads names.
"""

from __future__ import annotations

import re

from scrapers.parsers.metadata import clean, unique
from scrapers.parsers.page import Page
from transforms.text import normalize_space

# Meta keys (lower-cased ``property``/``name``/``itemprop``) that name authors, best first.
AUTHOR_META = ("author", "article:author", "byl", "dc.creator", "parsely-author", "sailthru.author")
# Byline markup of the common CMSs and schema.org microdata.
AUTHOR_MARKUP = (
    '[itemprop="author"] [itemprop="name"], a[rel="author"], .byline__name, .author-name, .authorname,'
    " .article-byline, .c-byline__author, .story-author a"
)

# A journalist's initials after the name, as Swiss and German papers print them: "Ulrike Putz (puz)".
_INITIALS = re.compile(r"\s*\([a-zäöü]{2,5}\.?\)$")
BYLINE_PREFIX = re.compile(r"^(by|von|par|di|por|door|av|af|od)\s+", re.IGNORECASE)
""""By …" in the languages of the sources; also how the body's cleaning tells a byline line."""
# Conjunctions joining co-authors in the languages of the sources ("and", "und", "et", "og", "y", "en").
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\||\b(?:and|und|et|og|och|y|en)\b)\s*", re.IGNORECASE)


def split_authors(text: str) -> tuple[str, ...]:
    """``"By Ann Lee and Bo Chan, dpa"`` -> ``("Ann Lee", "Bo Chan", "dpa")``.

    ``"Lee, Ann"`` (two single words) is one person written surname first: ``("Ann Lee",)``.
    """
    text = BYLINE_PREFIX.sub("", clean(text))
    parts = [normalize_space(_INITIALS.sub("", part)) for part in _AUTHOR_SPLIT.split(text)]
    parts = [part for part in parts if part]
    if len(parts) == 2 and "," in text and all(" " not in part for part in parts):
        # "Family, Given": one person written surname first, as bibliographic metadata does.
        return (f"{parts[1]} {parts[0]}",)
    return unique(parts)


def byline_names(page: Page) -> tuple[str, ...]:
    """The names in the page's byline markup, within its ``article`` element when it has one."""
    scope = page.first("article") or page.tree.body
    if scope is None:
        return ()
    texts = (normalize_space(node.text(deep=True)) for node in scope.css(AUTHOR_MARKUP))
    return unique(name for text in texts if text for name in split_authors(text))
