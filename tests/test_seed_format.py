"""The seed format (transforms/seed.py) and the whitespace rule it shares (transforms/text.py)."""

from __future__ import annotations

import pytest

from transforms.text import is_ordinary_space, normalize_space

# --- normalize_space -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("   ", ""),
        ("plain", "plain"),
        ("  a  b  ", "a b"),
        ("a\tb\nc\r\nd\fe\vf", "a b c d e f"),
        # Unicode whitespace that is not a no-break space collapses too: em space, ideographic space,
        # line separator, next line.
        ("a\u2003b\u3000c\u2028d\u0085e", "a b c d e"),
        ("a \u2003\n b", "a b"),
        # No-break spaces are typography: kept in place, not merged with neighbours, not trimmed.
        ("30 countries –\u00a0more", "30 countries –\u00a0more"),
        ("\u00a0a\u202fb\u2007c\u00a0", "\u00a0a\u202fb\u2007c\u00a0"),
        ("a \u00a0 b", "a \u00a0 b"),
        ("a\u00a0\u00a0b", "a\u00a0\u00a0b"),
        ("  \u00a0x\u00a0  ", "\u00a0x\u00a0"),
        # Curly quotes, dashes and non-Latin text pass through untouched.
        ("“Ukraine’s” — Україна –  мир", "“Ukraine’s” — Україна – мир"),
    ],
)
def test_normalize_space(raw: str, expected: str) -> None:
    assert normalize_space(raw) == expected


def test_normalize_space_is_idempotent_on_its_output() -> None:
    once = normalize_space(" \t a \u00a0\n\n b\u2003 ")
    assert normalize_space(once) == once


def test_is_ordinary_space() -> None:
    assert is_ordinary_space(" ") and is_ordinary_space("\t") and is_ordinary_space("\u3000")
    assert not is_ordinary_space("\u00a0") and not is_ordinary_space("\u202f")
    assert not is_ordinary_space("\u2007") and not is_ordinary_space("x")
