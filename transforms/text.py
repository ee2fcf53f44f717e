"""Whitespace normalisation and invisible-character cleaning for article text, shared by HTML-to-blocks, the
parsers and the seed format.

Text is kept as published (curly quotes, dashes, no-break spaces); only runs of *ordinary* whitespace
collapse. No-break spaces are deliberate typography (after a dash, inside "10 km"), so they survive.

Characters that are invisible on the page and can only mislead are removed (:data:`INVISIBLE`): control
characters (a stored ``ESC[31m`` colours an analyst's terminal, BEL rings it), the bidi embeddings,
overrides and isolates (U+202A-U+202E, U+2066-U+2069: U+202E turns "gpj.exe" into "exe.jpg" on screen),
and the zero-width characters and byte order marks (U+200B, U+2060, U+FEFF…) that make equal-looking texts
differ for search, hashing and de-duplication. Kept, because a script needs them: ZWNJ and ZWJ (U+200C,
U+200D: Persian and Indic spelling, emoji sequences), the left-to-right and right-to-left marks (U+200E,
U+200F, U+061C: Arabic and Hebrew text mixed with numbers reads wrongly without them), variation selectors
and the soft hyphen.
"""

from __future__ import annotations

import re

# Characters that look like spaces but were put there on purpose and must not be collapsed or trimmed.
NO_BREAK_SPACES = "\u00a0\u202f\u2007"

# Any character for which str.isspace() holds (ASCII whitespace, U+0085, U+1680, U+2000-U+200A,
# U+2028/U+2029, U+205F, U+3000, ...), except the no-break spaces.
_ORDINARY_SPACE_RUN = re.compile(rf"[^\S{NO_BREAK_SPACES}]+")

# Removed from stored text (see the module's docstring). The C0 and C1 controls that are whitespace (tab,
# line feed, U+001C-U+001F, U+0085…) are not here: normalize_space turns them into spaces, as it does all
# ordinary whitespace, so that words they separated stay apart.
INVISIBLE = (
    "\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"  # C0 and C1 controls (BEL, ESC, DEL…) but whitespace
    "\u180e"  # Mongolian vowel separator (zero width since Unicode 6.3)
    "\u200b"  # zero-width space
    "\u202a-\u202e"  # bidi embeddings and overrides (LRE, RLE, PDF, LRO, RLO)
    "\u2060-\u2064"  # word joiner, invisible function application, times, separator, plus
    "\u2066-\u2069"  # bidi isolates (LRI, RLI, FSI, PDI)
    "\ufeff"  # byte order mark, zero-width no-break space
)
_INVISIBLE = re.compile(f"[{INVISIBLE}]")


def strip_invisible(text: str) -> str:
    """``text`` without the :data:`INVISIBLE` characters.

    >>> strip_invisible("Zero\\u200bwidth \\x1b[31mred\\u202e")
    'Zerowidth [31mred'
    """
    return _INVISIBLE.sub("", text) if _INVISIBLE.search(text) else text


def normalize_space(text: str) -> str:
    """Remove the invisible characters (:func:`strip_invisible`), collapse each run of ordinary whitespace
    to one space and trim it from both ends: the form of every text the parsers store.

    >>> normalize_space("  a\\t\\n b\\u00a0c\\u200b  ")
    'a b\\xa0c'
    """
    text = strip_invisible(text)
    if "\u00a0" not in text and "\u202f" not in text and "\u2007" not in text:
        # The common case, about 3x faster: str.split() splits on exactly the characters str.isspace() holds.
        return " ".join(text.split())
    return _ORDINARY_SPACE_RUN.sub(" ", text).strip(" ")


def is_ordinary_space(char: str) -> bool:
    """True for a single whitespace character that normalize_space collapses."""
    return char.isspace() and char not in NO_BREAK_SPACES
