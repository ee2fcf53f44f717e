"""Texts as sets of word shingles: how two texts are compared, wherever they are compared.

The generic parser uses them to judge extracted blocks against a page's JSON-LD body, the load to find
near-duplicate stories (transforms/near_duplicates.py), and the extraction benchmark to score a body
against its expected text.
"""

from __future__ import annotations

import re
import unicodedata

SHINGLE_WORDS = 4

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """The words compared: NFKC, case-folded, punctuation and spacing dropped.

    Typographic variants (curly vs straight quotes, dashes, no-break spaces) differ between two copies of
    the same text, so only the words count.
    """
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def loose(text: str) -> str:
    """Text compared loosely: its words, joined by single spaces."""
    return " ".join(words(text))


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """The set of ``size``-word shingles of the text; a text shorter than ``size`` words is one shingle."""
    found = words(text)
    if len(found) < size:
        return {" ".join(found)} if found else set()
    return {" ".join(found[i : i + size]) for i in range(len(found) - size + 1)}
