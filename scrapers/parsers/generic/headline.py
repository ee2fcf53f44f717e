"""The headline a reader sees, chosen among the page's candidates by agreement.

A page names its headline several times: the visible ``<h1>``, ``og:title``/``twitter:title`` for social
cards, the JSON-LD ``headline`` and ``<title>`` for search engines. They often differ: the SEO copies carry
another wording ("В аварії літака ВПС Туреччини загинули 20 військових - новини світу" in JSON-LD where the
``h1`` and ``og:title`` say "Туреччина підтвердила загибель 20 військових під час аварії літака C-130") or a
tail naming the site or section (" | Sport | BILD.de", " - новини світу"). So:

1. Tails are cut from each candidate: a trailing segment after a separator (``" | "``, ``" - "``, ``"｜"``…)
   that is the site's name or host; then, up to three times, a short tail (a section, a date, a byline)
   when the text without it is another candidate's whole text: the tail is what the other candidates lack.
2. Candidates with the same words (case, punctuation and quotes aside) agree. Each source votes once, and
   ``og:title`` with ``twitter:title`` once between them (CMSs fill both from one "social title" field, so
   two copies are not two opinions). The group with the most votes wins; a tie goes to the group holding
   the visible ``h1``, then to the best-ranked source. With no agreement at all, the visible ``h1`` wins.
3. The text is spelled as the group's best-ranked metadata string gives it: the same words as the ``h1``,
   but an ``h1`` whose kicker and title are separate elements loses the separator between them
   ("Ausschuss zur Ahrtal-Flut Zwei Rücktritte"), which a metadata string keeps. The ``h1``'s own text is
   used when no metadata string agrees with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from transforms.shingles import loose
from transforms.text import normalize_space

H1 = "markup:h1"
# Which source's spelling is shown when several agree (see the module's docstring, step 3).
SHOWN_FIRST = ("meta:og:title", "meta:twitter:title", "jsonld", "meta:headline", "meta:dc.title", "title", H1)
# Sources that are one vote between them.
_SAME_VOTE = {"meta:twitter:title": "meta:og:title"}
# Which source is named in ``field_sources`` when several give exactly the shown text (the order the parser
# read them in before headlines were chosen by agreement, so records stay comparable).
NAMED_FIRST = ("jsonld", "meta:og:title", "meta:twitter:title", "meta:headline", "meta:dc.title", H1, "title")

# Separators publishers put between a title and a site or section name ("Title | Site", "Title - Site").
_SEPARATOR = re.compile(r"\s+[|\-–—·:»/*]\s+|\s*(?:--|[|ㅣ｜])\s*")
SHORT_TAIL_WORDS = 5
"""A tail of at most this many words (and :data:`SHORT_TAIL_CHARS`) may be a section or site name."""
SHORT_TAIL_CHARS = 40
MAX_CUTS = 3
"""At most this many tails are cut from one candidate (" | Europa | DW | 28.04.2023")."""


@dataclass(frozen=True)
class Candidate:
    origin: str  # "markup:h1", "meta:og:title", "jsonld", "title", …
    text: str


def choose_headline(candidates: Sequence[Candidate], site_names: Iterable[str]) -> Candidate | None:
    """The headline and the source named for it, or None when no candidate has text."""
    sites = _site_keys(site_names)
    stripped = [Candidate(c.origin, strip_site_name(c.text, sites)) for c in candidates]
    stripped = [c for c in stripped if loose(c.text)]
    if not stripped:
        return None
    forms = [_agreed_form(c, [o for o in stripped if o is not c]) for c in stripped]
    groups: dict[str, list[Candidate]] = {}
    for form in forms:
        groups.setdefault(loose(form.text), []).append(form)

    def rank(members: list[Candidate]) -> tuple[int, bool, int]:
        origins = {m.origin for m in members}
        votes = {_SAME_VOTE.get(o, o) for o in origins}
        return (len(votes), H1 in origins, -min(_position(NAMED_FIRST, o) for o in origins))

    winners = max(groups.values(), key=rank)
    shown = min(winners, key=lambda m: _position(SHOWN_FIRST, m.origin))
    named = min((m for m in winners if m.text == shown.text), key=lambda m: _position(NAMED_FIRST, m.origin))
    return Candidate(named.origin, shown.text)


def strip_site_name(text: str, sites: set[str]) -> str:
    """``text`` without trailing segments that name the site (``sites``: :func:`_site_keys`); ``""`` when
    nothing else is left (a ``<title>`` that is only the site's name)."""
    text = normalize_space(text)
    for _ in range(MAX_CUTS):
        head, tail = _split_tail(text)
        if not _is_site(tail, sites):
            break
        text = head
        if not text:
            break
    return text


def _site_keys(site_names: Iterable[str]) -> set[str]:
    """The site's names and hosts compared loosely, hosts also without ``www.``."""
    keys = {loose(name) for name in site_names}
    return {key.removeprefix("www ") for key in keys} - {""}


def _is_site(tail: str, sites: set[str]) -> bool:
    key = loose(tail)
    return key in sites or key.replace(" ", "") in {s.replace(" ", "") for s in sites}


def _split_tail(text: str) -> tuple[str, str]:
    """``("Title | Sport", "BILD.de")`` for ``"Title | Sport | BILD.de"``; ``("", text)`` without one."""
    last = next(reversed(list(_SEPARATOR.finditer(text))), None)
    if last is None:
        return "", text
    return text[: last.start()].rstrip(), text[last.end() :].strip()


def _agreed_form(candidate: Candidate, others: list[Candidate]) -> Candidate:
    """The candidate without the short tails the other candidates lack: the shortest cut that is the whole
    text of another candidate; the candidate itself when no cut is."""
    wanted = {loose(o.text) for o in others}
    text, found = candidate.text, candidate.text
    for _ in range(MAX_CUTS):
        head, tail = _split_tail(text)
        if not head or len(tail) > SHORT_TAIL_CHARS or len(tail.split()) > SHORT_TAIL_WORDS:
            break
        text = head
        if loose(text) in wanted:
            found = text
    return Candidate(candidate.origin, found)


def _position(order: tuple[str, ...], origin: str) -> int:
    return order.index(origin) if origin in order else len(order)


# -- the visible headline -----------------------------------------------------------------------------------

_CONTENT = {"article", "main"}
_CHROME = {"header", "nav", "footer", "aside"}


def visible_h1(tree: LexborHTMLParser, site_names: Iterable[str]) -> str:
    """The text of the page's headline ``h1``: the first inside ``article``/``main``, else the first outside
    the page's header, navigation and footer; never a logo (an ``h1`` holding only the site's name)."""
    sites = _site_keys(site_names)
    fallback = ""
    for node in tree.css("h1"):
        text = normalize_space(node.text(deep=True))
        if not loose(text) or _is_site(text, sites):
            continue
        inside = _ancestor_tags(node)
        if inside & _CONTENT:
            return text
        if not fallback and not inside & _CHROME:
            fallback = text
    return fallback


def _ancestor_tags(node: LexborNode) -> set[str]:
    tags: set[str] = set()
    parent = node.parent
    while parent is not None:
        if parent.tag:
            tags.add(parent.tag)
        if parent.attributes.get("role") == "main":
            tags.add("main")
        parent = parent.parent
    return tags
