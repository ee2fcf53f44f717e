"""Whitespace normalisation for article text, shared by HTML-to-blocks and the seed format.

Text is kept as published (curly quotes, dashes, no-break spaces); only runs of *ordinary* whitespace
collapse. No-break spaces are deliberate typography (after a dash, inside "10 km"), so they survive.
"""

from __future__ import annotations

import re

# Characters that look like spaces but were put there on purpose and must not be collapsed or trimmed.
NO_BREAK_SPACES = "\u00a0\u202f\u2007"

# Any character for which str.isspace() holds (ASCII whitespace, U+0085, U+1680, U+2000-U+200A,
# U+2028/U+2029, U+205F, U+3000, ...), except the no-break spaces.
_ORDINARY_SPACE_RUN = re.compile(rf"[^\S{NO_BREAK_SPACES}]+")


def normalize_space(text: str) -> str:
    """Collapse each run of ordinary whitespace to one space and trim it from both ends.

    >>> normalize_space("  a\\t\\n b\\u00a0c  ")
    'a b\\xa0c'
    """
    if "\u00a0" not in text and "\u202f" not in text and "\u2007" not in text:
        # The common case, about 3x faster: str.split() splits on exactly the characters str.isspace() holds.
        return " ".join(text.split())
    return _ORDINARY_SPACE_RUN.sub(" ", text).strip(" ")


def is_ordinary_space(char: str) -> bool:
    """True for a single whitespace character that normalize_space collapses."""
    return char.isspace() and char not in NO_BREAK_SPACES
