"""What one page may cost the parser: how deep its markup may nest, and how much CPU time its parse may take.

Both bounds end a page as ``NotAnArticle`` with a reason (``too_deep``, ``too_slow``), so that a hostile or
broken page costs the crawl one outcome and the transform step one quarantine row, never a crash.

**Nesting** (:data:`MAX_NESTING_DEPTH`). The HTML parser (lexbor) takes time that grows with the square of
the nesting depth: 100,000 nested ``<div>`` (1.1 MB) cost it over a minute. So the depth is estimated
*before* the page is parsed, by a linear scan (:func:`nesting_depth`) that tokenises the markup as the HTML
tokenizer does (tags with their quoted attributes, comments, the raw text of ``script``, ``style`` and the
like) and keeps a stack of the elements it sees open. It errs towards deeper: an end tag closes an element
only when it names the innermost one (the parser may close more), and only the common implied ends (a ``p``
or ``li`` before the next) are applied. The 258 real news pages of bench/ reach at most an estimate of 375
(their real depth is at most 34); the cap is 1,024, under which lexbor parses even 8 MiB in a few seconds.
The walks over the tree are iterative (``transforms.html_blocks``), so depth never costs a RecursionError.

**CPU time** (:data:`PAGE_CPU_SECONDS`). :func:`cpu_budget` arms a one-shot ``ITIMER_PROF`` timer (process
CPU time, not wall time: a slow server or a busy machine does not count) whose ``SIGPROF`` handler raises
:class:`PageTooSlow` in the parse. This works under Scrapy's asyncio reactor because the parse callbacks
run in the main thread and the reactor is never inside the budget: the timer is armed and disarmed around
the one synchronous ``parse_page`` call. Python runs signal handlers between bytecodes, so a long C call
(lexbor's parse, lxml's) ends before the handler runs; the nesting cap is what bounds those. Outside the
main thread (where signals cannot be handled) the budget is checked when the parse returns.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

MAX_NESTING_DEPTH = 1024
"""Markup estimated to nest deeper than this is not parsed (``too_deep``)."""

PAGE_CPU_SECONDS = 10.0
"""CPU seconds one page's parse may take (``too_slow``); a real page takes 0.01–0.5 s, an 8 MiB one ~3 s."""


class PageTooSlow(BaseException):
    """Raised inside a parse that spent its CPU budget. A ``BaseException``, so that library code catching
    ``Exception`` (trafilatura does, around its extractors) cannot swallow it."""


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Raise :class:`PageTooSlow` in the block once it has used ``seconds`` of process CPU time."""
    armed = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    state = {"active": True}

    def expired(signum: int, frame: object) -> None:
        if state["active"]:
            state["active"] = False  # raise once, even if the timer fires again before it is disarmed
            raise PageTooSlow(f"more than {seconds:g} s of CPU time")

    previous = signal.signal(signal.SIGPROF, expired) if armed else None
    started = time.process_time()
    if armed:
        signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        state["active"] = False
        if armed:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, previous)
    if time.process_time() - started > seconds:  # the cooperative check: a thread, or a missed signal
        raise PageTooSlow(f"more than {seconds:g} s of CPU time")


# -- the nesting estimate ------------------------------------------------------------------------------

# Elements that never have content (and never need an end tag).
_VOID = frozenset(
    "area base basefont bgsound br col embed frame hr image img input keygen link meta param source track "
    "wbr".split()
)
# A start tag that closes the innermost open element when that is one of these (the implied ends).
_CLOSES = {
    "p": {"p"},
    "li": {"li"},
    "dd": {"dd", "dt"},
    "dt": {"dd", "dt"},
    "option": {"option"},
    "td": {"td", "th"},
    "th": {"td", "th"},
    "tr": {"tr", "td", "th"},
}
# In SVG and MathML a tag may close itself (<path/>); these start tags leave that foreign content (the
# spec's breakout list, and the tags a <select> or <frameset> reads, where <svg> itself is ignored).
_BREAKOUT = frozenset(
    "b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i img li listing "
    "menu meta nobr ol p pre ruby s small span strong strike sub sup table tt u ul var font select option "
    "optgroup input keygen textarea script template frameset".split()
)
# Foreign elements whose content is HTML again.
_INTEGRATION_POINTS = frozenset("foreignobject desc title annotation-xml mi mo mn ms mtext".split())
_FOREIGN_ROOTS = frozenset({"svg", "math"})
# Elements whose content the tokenizer reads as text up to their end tag.
_RAW_TEXT = frozenset("script style textarea title xmp iframe noembed noframes noscript".split())
_RAW_END = {name: re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE) for name in _RAW_TEXT}

# A comment, a bogus comment (<!DOCTYPE…>, <?…>, </3…>), or the start of a start or end tag.
_MARKUP = re.compile(r"<(?:(!--)|([!?]|/(?![A-Za-z]))|(/?)([A-Za-z][^\t\n\f\r />]*+))")
# The rest of a tag, attribute by attribute as the tokenizer reads them: a quote opens a value only after
# "=", so that '>' inside a quoted value does not end the tag. Possessive, so a tag left open to the end of
# the document fails in linear time.
_TAG_REST = re.compile(
    r"""(?:[\t\n\f\r /]++|[^\t\n\f\r />][^\t\n\f\r />=]*+"""
    r"""(?:[\t\n\f\r ]*+=[\t\n\f\r ]*+(?:"[^"]*+"|'[^']*+'|[^\t\n\f\r >"'][^\t\n\f\r >]*+)?+)?+)*+>"""
)
_COMMENT_END = re.compile(r"--!?>")


def nesting_depth(html: str, *, stop_above: int | None = None) -> int:
    """An estimate, erring deeper, of how deep the elements of ``html`` nest (0 for text alone); it stops
    counting once the estimate passes ``stop_above``."""
    stack: list[tuple[str, bool]] = []  # (tag name, is SVG/MathML)
    deepest = 0
    pos, end, size = 0, len(html), len(html)
    # Inside <svg>, <math> or a <frameset>, "script" and "style" are not raw text: once one is seen, their
    # content is scanned as markup too (up to where it would end as raw text, so both readings are covered).
    foreign_seen = False

    def in_foreign() -> bool:
        return bool(stack) and stack[-1][1] and stack[-1][0] not in _INTEGRATION_POINTS

    while True:
        found = _MARKUP.search(html, pos, end)
        if found is None:
            if end == size:
                break
            pos, end = end, size  # the end of raw text scanned as markup: back to the whole document
            continue
        pos = found.end()
        comment, bogus, closing, name = found.groups()
        if comment:
            if html.startswith(">", pos, end) or html.startswith("->", pos, end):  # <!--> and <!--->
                pos += 1 if html[pos] == ">" else 2
                continue
            closed = _COMMENT_END.search(html, pos, end)
            stop = closed.end() if closed else -1
        elif bogus:
            stop = html.find(">", pos, end)
            stop = stop + 1 if stop >= 0 else -1
        else:
            rest = _TAG_REST.match(html, pos, end)
            stop = rest.end() if rest else -1
        if stop < 0:  # the rest is inside a comment or an unfinished tag
            if end == size:
                break
            pos, end = end, size
            continue
        pos = stop
        if comment or bogus:
            continue
        name = name.lower()
        if closing:
            _close(stack, name, foreign=in_foreign())
            continue
        if in_foreign() and name in _BREAKOUT:
            while in_foreign():
                stack.pop()
        foreign = in_foreign() or name in _FOREIGN_ROOTS
        foreign_seen = foreign_seen or name in _FOREIGN_ROOTS or name == "frameset"
        if foreign:
            if html[pos - 2] == "/":  # <path/>: closed at once in SVG and MathML
                continue
        elif name in _VOID:
            continue
        elif stack and stack[-1][0] in _CLOSES.get(name, ()):
            stack.pop()
        stack.append((name, foreign))
        if len(stack) > deepest:
            deepest = len(stack)
            if stop_above is not None and deepest > stop_above:
                break
        if not foreign and name in _RAW_TEXT and end == size:
            raw_end = _RAW_END[name].search(html, pos)
            text_end = raw_end.start() if raw_end else size
            if name in ("script", "style") and not foreign_seen:
                pos = text_end
            else:
                end = text_end
        elif not foreign and name == "plaintext" and not foreign_seen:
            break  # everything after it is text
    return deepest


def _close(stack: list[tuple[str, bool]], name: str, *, foreign: bool) -> None:
    """An end tag: in HTML it closes the innermost element when it names it; in SVG or MathML it closes
    the nearest foreign element of its name, and when there is none, the foreign content is taken as left
    (the parser may have left it; assuming so makes the estimate deeper, never shallower)."""
    if not foreign:
        if stack and stack[-1][0] == name:
            stack.pop()
        return
    run = 0
    while run < len(stack) and stack[-1 - run][1]:
        run += 1
    for back in range(1, run + 1):
        if stack[-back][0] == name:
            del stack[-back:]
            return
    del stack[len(stack) - run :]
