"""A fetched page, parsed once: its element tree, its JSON-LD article object and its meta tags.

Every design parser reads from one ``Page``; nothing parses the HTML a second time.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, field
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

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


@dataclass
class Page:
    url: str
    tree: LexborHTMLParser
    jsonld: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, html: bytes | str, url: str) -> Page:
        tree = LexborHTMLParser(decode_html(html) if isinstance(html, bytes) else html)
        return cls(url=url, tree=tree, jsonld=_article_jsonld(tree), meta=_meta(tree))

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


# <meta charset="windows-1251"> or <meta http-equiv="Content-Type" content="text/html; charset=...">
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def decode_html(data: bytes) -> str:
    """The page's text: UTF-8 (with or without a BOM) when it decodes as such, else the charset the page
    declares in a meta tag (older pages of the sites were windows-1251), else UTF-8 with replacements."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _DECLARED_CHARSET.search(data[:4096])
    if declared is not None:
        try:
            return data.decode(declared.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass  # an unknown charset name
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


def _article_jsonld(tree: LexborHTMLParser) -> dict[str, Any]:
    """The first JSON-LD object of an article type, or ``{}``.

    Malformed blocks are skipped: publishers ship broken JSON-LD often enough that one bad block must not
    hide the markup. ``strict=False`` accepts the raw tabs some pages leave inside ``articleBody``.
    """
    for node in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(node.text(deep=True), strict=False)
        except ValueError:
            continue
        for obj in _objects(data):
            if _types(obj) & ARTICLE_TYPES:
                return obj
    return {}


def _objects(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return [obj for item in data for obj in _objects(item)]
    if isinstance(data, dict):
        graph = data.get("@graph")
        return [data, *_objects(graph)] if graph is not None else [data]
    return []


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {str(k) for k in kind}
    return set()
