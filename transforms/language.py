"""Language detection for article text: a BCP 47 code and a confidence.

Built on py3langid (an offline naive-Bayes model over byte n-grams, 97 languages, no network, no
downloads). Sources that mix languages on one site cannot rely on the edition alone, so the parser stores
what the text itself says; the declared language (page ``lang`` attribute, JSON-LD ``inLanguage`` or the
source's edition) is passed as ``hint`` and wins whenever the text is too short or too mixed to decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

UNDETERMINED = "und"
"""BCP 47 for "language not determined"."""

MIN_LETTERS = 24
"""Below this many letters the n-gram model guesses (a headline like "Ok" scores as Serbian), so the
hint is used instead."""

MIN_CONFIDENCE = 0.80
"""Normalised probability under which the text is treated as mixed or ambiguous. Clean paragraphs in
one language score above 0.95; a sentence split between two scripts falls well below."""

SAMPLE_CHARS = 4000
"""Only the start of long bodies is classified: a few paragraphs decide the language as well as the
whole text does, and the model's cost grows with the length."""

_LETTER = re.compile(r"[^\W\d_]")
# The model's labels that are not languages of a text: "zxx" means "no linguistic content".
_NOT_A_LANGUAGE = {"zxx"}
_BCP47 = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """``code`` is a BCP 47 tag (``en``, ``uk``, ``ru``… or ``und``); ``confidence`` is 0..1.

    ``from_text`` says whether the text decided (True) or the hint / the fallback did (False).
    """

    code: str
    confidence: float
    from_text: bool


def detect_language(
    text: str,
    *,
    hint: str | None = None,
    candidates: tuple[str, ...] | None = None,
) -> LanguageGuess:
    """Detect the language of ``text``.

    ``hint`` is the declared language (any BCP 47 tag, e.g. ``en-US``), returned with confidence 0 when
    the text is shorter than :data:`MIN_LETTERS` letters or scores under :data:`MIN_CONFIDENCE`; without
    a hint those cases give ``und``. ``candidates`` restricts the model to those ISO 639 codes (a source
    known to publish only in ``en``/``uk``/``ru`` avoids confusions with neighbouring languages).
    """
    fallback = LanguageGuess(normalize_tag(hint) if hint else UNDETERMINED, 0.0, False)
    sample = text[:SAMPLE_CHARS]
    if not _has_letters(sample, MIN_LETTERS):
        return fallback
    code, confidence = _identifier(tuple(sorted(candidates)) if candidates else None).classify(sample)
    if code in _NOT_A_LANGUAGE or confidence < MIN_CONFIDENCE:
        return LanguageGuess(fallback.code, float(confidence), False)
    return LanguageGuess(str(code), float(confidence), True)


def _has_letters(text: str, count: int) -> bool:
    """Whether ``text`` has at least ``count`` letters; stops at the ``count``-th rather than listing them
    all (counting every letter of a long body cost a fifth as much as classifying it)."""
    if count <= 0:
        return True
    return next(islice(_LETTER.finditer(text), count - 1, None), None) is not None


def normalize_tag(tag: str) -> str:
    """A BCP 47 tag in its conventional case (``EN_us`` -> ``en-US``); raises ``ValueError`` if malformed."""
    cleaned = tag.strip().replace("_", "-")
    if not _BCP47.match(cleaned):
        raise ValueError(f"language tag {tag!r} is not a BCP 47 tag (expected e.g. 'en' or 'en-US')")
    primary, *rest = cleaned.split("-")
    parts = [primary.lower()]
    for part in rest:
        if len(part) == 2:
            parts.append(part.upper())  # region
        elif len(part) == 4 and part.isalpha():
            parts.append(part.title())  # script
        else:
            parts.append(part.lower())
    return "-".join(parts)


_DFA_DEPTH = 5
"""How many bytes back the model's n-gram automaton looks: its state after a byte depends only on the
last five bytes (checked against the library's own walk: tests/test_language.py)."""


@lru_cache(maxsize=1)
def _fast_identifier_class() -> type[LanguageIdentifier]:
    import numpy as np
    from py3langid.langid import LanguageIdentifier

    class FastIdentifier(LanguageIdentifier):
        """py3langid's identifier with its byte-by-byte automaton walk done by numpy: the state after each
        byte is found by walking the last :data:`_DFA_DEPTH` bytes from the start state, for all
        positions at once. The feature counts, and their order, are the library's, so the scores are too.
        """

        def _raw_score(self, text: bytes) -> Any:
            if not hasattr(self, "_np_tables"):
                self._np_tables = (
                    np.asarray(self.tk_nextmove, dtype=np.int32),
                    np.asarray(self._rowbase, dtype=np.int32),
                    np.asarray(self.tk_output, dtype=np.int32),
                )
            visits = _visit_counts(self._np_tables, text)
            if visits:
                return self._sparse_score(visits, self.nb_ptc)
            return super()._raw_score(b"")

    return FastIdentifier


def _visit_counts(tables: tuple[Any, Any, Any], text: bytes) -> dict[int, int] | None:
    """``py3langid.langid.visit_counts``: each feature's count, in the order of first occurrence."""
    import numpy as np

    nextmove, rowbase, output = tables
    data = np.frombuffer(text, dtype=np.uint8).astype(np.int32)
    n = len(data)
    if n == 0:
        return None
    state = np.zeros(n, dtype=np.int32)
    for back in range(_DFA_DEPTH - 1, -1, -1):
        # Step with the byte ``back`` places before each position; the first ``back`` positions have
        # fewer bytes behind them and keep their state.
        if back < n:
            ahead = state[back:]
            ahead[:] = nextmove[rowbase[ahead] + data[: n - back]]
    features = output[state]
    features = features[features >= 0]
    if not len(features):
        return None
    found, first, counts = np.unique(features, return_index=True, return_counts=True)
    order = np.argsort(first)
    return dict(zip(found[order].tolist(), counts[order].tolist(), strict=True))


@lru_cache(maxsize=8)
def _identifier(candidates: tuple[str, ...] | None) -> LanguageIdentifier:
    # Loading the model takes ~0.3 s; one identifier per candidate set is kept for the process.
    from py3langid.langid import MODEL_FILE

    identifier = _fast_identifier_class().from_model_file(MODEL_FILE, norm_probs=True)
    if candidates:
        try:
            identifier.set_languages(list(candidates))
        except ValueError as exc:
            raise ValueError(f"candidates {candidates!r}: {exc}") from None
    return identifier
