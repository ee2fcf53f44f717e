"""A fetched page, parsed once: its element tree, its JSON-LD documents and its meta tags.

Every design parser reads from one ``Page``. The HTML is parsed by selectolax (lexbor), the JSON-LD blocks
are decoded once; readers that change a tree (the body's blocks, the generic extractor's pruning) work on
a copy of the part they need, so the page stays as fetched and the order in which fields are read does
not matter.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scrapers.parsers.bounds import MAX_NESTING_DEPTH, nesting_depth
from transforms.errors import NotAnArticle
from transforms.text import normalize_space

# schema.org types whose object describes the article itself (not the site, a breadcrumb or an author).
ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
    }
)

JSONLD_MAX_DEPTH = 6
"""How deep in a JSON-LD document an article object is looked for (``WebPage.mainEntity`` is at 2)."""


@dataclass
class Page:
    url: str
    tree: LexborHTMLParser
    meta: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    """Why parts of the page were not read (a JSON-LD block nested too deep), for the record's ``extra``."""

    @classmethod
    def parse(cls, html: bytes | str, url: str) -> Page:
        """The page parsed; raises ``NotAnArticle("too_deep")`` for markup nested deeper than
        ``bounds.MAX_NESTING_DEPTH``, which is not parsed at all (its parse time grows with the square of
        the depth)."""
        text = decode_html(html) if isinstance(html, bytes) else html
        depth = nesting_depth(text, stop_above=MAX_NESTING_DEPTH)
        if depth > MAX_NESTING_DEPTH:
            raise NotAnArticle(
                "too_deep", f"{url}: markup nested more than {MAX_NESTING_DEPTH} elements deep; not parsed"
            )
        tree = LexborHTMLParser(text)
        return cls(url=url, tree=tree, meta=_meta(tree))

    def first(self, selector: str) -> LexborNode | None:
        return self.tree.css_first(selector)

    def text_of(self, selector: str) -> str:
        """The normalised text of the first element matching ``selector``, or ``""``."""
        node = self.tree.css_first(selector)
        return normalize_space(node.text(deep=True)) if node is not None else ""

    def texts_of(self, selector: str) -> list[str]:
        """The normalised, non-empty texts of every element matching ``selector``, in page order."""
        texts = (normalize_space(node.text(deep=True)) for node in self.tree.css(selector))
        return [text for text in texts if text]

    @property
    def title(self) -> str:
        return self.text_of("title")

    @property
    def canonical_link(self) -> str:
        node = self.tree.css_first('link[rel="canonical"]')
        return (node.attributes.get("href") or "").strip() if node is not None else ""

    @cached_property
    def jsonld_documents(self) -> list[Any]:
        """Every JSON-LD block of the page, decoded, in page order.

        Malformed blocks are skipped: publishers ship broken JSON-LD often enough that one bad block must
        not hide the markup. ``strict=False`` accepts the raw tabs some pages leave inside ``articleBody``.
        A block nested deeper than the JSON decoder's recursion allows (about 1,000 levels; real JSON-LD
        nests under 10) is skipped too, and the reason kept in :attr:`skipped`; the next block is read.
        """
        documents = []
        for number, node in enumerate(self.tree.css('script[type="application/ld+json"]'), start=1):
            try:
                documents.append(json.loads(node.text(deep=True), strict=False))
            except ValueError:
                continue
            except RecursionError:
                self.skipped.append(f"JSON-LD block {number}: nested too deep to decode")
        return documents

    @cached_property
    def jsonld(self) -> dict[str, Any]:
        """The first JSON-LD object of an article type at the top of a document or in its ``@graph``
        (where site parsers look), or ``{}``."""
        return self.jsonld_article(nested=False)

    def jsonld_article(self, *, nested: bool) -> dict[str, Any]:
        """The first article object of the page's JSON-LD, or ``{}``; with ``nested`` also one nested in
        another object (``WebPage.mainEntity``, ``ItemPage.about``…), as a generic parser meets them."""
        for document in self.jsonld_documents:
            for obj in jsonld_objects(document, nested=nested):
                if jsonld_types(obj) & ARTICLE_TYPES:
                    return obj
        return {}


def jsonld_objects(data: Any, *, nested: bool, depth: int = 0) -> Iterator[dict[str, Any]]:
    """The objects of a JSON-LD document, depth first: each object, then its ``@graph`` (or, with
    ``nested``, every value in order); lists are walked item by item. Bounded by
    :data:`JSONLD_MAX_DEPTH`, so a hostile document cannot make the walk run away."""
    if depth > JSONLD_MAX_DEPTH:
        return
    if isinstance(data, list):
        for item in data:
            yield from jsonld_objects(item, nested=nested, depth=depth + 1)
    elif isinstance(data, dict):
        yield data
        children = list(data.values()) if nested else [data.get("@graph")]
        for child in children:
            if isinstance(child, dict | list):
                yield from jsonld_objects(child, nested=nested, depth=depth + 1)


def jsonld_types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {str(k) for k in kind}
    return set()


# <meta charset="windows-1251"> or <meta http-equiv="Content-Type" content="text/html; charset=...">
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)

# The single-byte and CJK encodings of the WHATWG Encoding Standard (what browsers decode web pages with),
# by Python codec name. A page may declare only these: Python also knows codecs such as idna, punycode,
# utf-7, rot13 or base64 that no browser reads a page with, and some of them raise on the first bad byte
# whatever the error handler. UTF-16 is read only from a byte order mark, as browsers do.
WEB_ENCODINGS = frozenset(
    {
        "utf-8",
        "cp866",
        *(f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)),
        "koi8-r",
        "koi8-u",
        "mac-roman",
        "mac-cyrillic",
        "cp874",
        *(f"cp{n}" for n in range(1250, 1259)),
        "iso8859-1",  # browsers read iso-8859-1 and us-ascii as windows-1252, a superset
        "ascii",
        "gbk",
        "gb2312",
        "gb18030",
        "big5",
        "big5hkscs",
        "euc_jp",
        "iso2022_jp",
        "shift_jis",
        "cp932",
        "euc_kr",
        "cp949",
    }
)


def web_encoding(label: str) -> str | None:
    """The Python codec for a declared charset, or None when it is unknown or not a web page encoding."""
    try:
        name = codecs.lookup(label.strip()).name
    except (LookupError, ValueError):
        return None
    return name if name in WEB_ENCODINGS else None


def decode_html(data: bytes) -> str:
    """The page's text: UTF-8 (with or without a BOM) when it decodes as such, else the charset the page
    declares in a meta tag (older pages of the sites were windows-1251) when that is a web encoding
    (:data:`WEB_ENCODINGS`), else UTF-8 with replacements (which validation quarantines)."""
    for bom, utf16 in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom) :].decode(utf16, errors="replace")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _DECLARED_CHARSET.search(data[:4096])
    codec = web_encoding(declared.group(1).decode("ascii")) if declared is not None else None
    if codec is not None:
        try:
            return data.decode(codec, errors="replace")
        except UnicodeError:  # a codec that rejects bad bytes whatever the handler
            pass
    return data.decode("utf-8", errors="replace")


def _meta(tree: LexborHTMLParser) -> dict[str, str]:
    """``<meta property|name=... content=...>`` by key; the first occurrence of a key wins."""
    found: dict[str, str] = {}
    for node in tree.css("meta[content]"):
        attrs = node.attributes
        key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop")
        content = attrs.get("content")
        if key and content is not None and key.lower() not in found:
            found[key.lower()] = content
    return found
