"""Language detection: the text decides when it can, the declared language when it cannot."""

from __future__ import annotations

import pytest

from transforms.language import MIN_CONFIDENCE, UNDETERMINED, detect_language, normalize_tag

ENGLISH = (
    "Russian forces launched a wave of drones at Kyiv overnight, the city's military administration said "
    "on Saturday. Air defence units shot down most of them, and no casualties were reported."
)
UKRAINIAN = (
    "Уночі російські війська атакували Київ ударними дронами, повідомила міська військова адміністрація "
    "у суботу. Сили протиповітряної оборони збили більшість із них, про постраждалих не повідомляється."
)
RUSSIAN = (
    "Ночью российские войска атаковали Киев ударными дронами, сообщила городская военная администрация "
    "в субботу. Силы противовоздушной обороны сбили большинство из них, о пострадавших не сообщается."
)


@pytest.mark.parametrize(("text", "expected"), [(ENGLISH, "en"), (UKRAINIAN, "uk"), (RUSSIAN, "ru")])
def test_detects_the_language_of_a_paragraph(text: str, expected: str) -> None:
    guess = detect_language(text)
    assert guess.code == expected
    assert guess.from_text
    assert guess.confidence >= MIN_CONFIDENCE


@pytest.mark.parametrize(("text", "expected"), [(ENGLISH, "en"), (UKRAINIAN, "uk"), (RUSSIAN, "ru")])
def test_the_text_wins_over_a_wrong_hint(text: str, expected: str) -> None:
    # A Ukrainian article on an English-labelled edition is stored as Ukrainian.
    assert detect_language(text, hint="de").code == expected


def test_ukrainian_and_russian_are_told_apart_when_restricted_to_a_sources_languages() -> None:
    for text, expected in ((UKRAINIAN, "uk"), (RUSSIAN, "ru")):
        assert detect_language(text, candidates=("en", "uk", "ru")).code == expected


@pytest.mark.parametrize("text", ["Ok", "Kyiv, 12:30", "", "   ", "2024-05-01 17:00"])
def test_short_text_falls_back_to_the_hint_or_undetermined(text: str) -> None:
    assert detect_language(text) == detect_language(text, hint=None)
    assert detect_language(text).code == UNDETERMINED
    guess = detect_language(text, hint="en_us")
    assert (guess.code, guess.confidence, guess.from_text) == ("en-US", 0.0, False)


def test_mixed_text_falls_back_to_the_hint() -> None:
    # Half English, half Russian: the model cannot be sure, so the declared language stands.
    mixed = "The mayor said: «Мы продолжим работу» and left the room quickly."
    guess = detect_language(mixed, hint="en")
    assert guess.code == "en"
    assert not guess.from_text
    assert guess.confidence < MIN_CONFIDENCE
    assert detect_language(mixed).code == UNDETERMINED


def test_unknown_candidate_language_is_rejected_by_name() -> None:
    with pytest.raises(ValueError, match="xx"):
        detect_language(ENGLISH, candidates=("en", "xx"))


@pytest.mark.parametrize(
    ("tag", "expected"), [("EN", "en"), ("en_gb", "en-GB"), ("sr-latn-rs", "sr-Latn-RS"), (" uk ", "uk")]
)
def test_normalize_tag(tag: str, expected: str) -> None:
    assert normalize_tag(tag) == expected


@pytest.mark.parametrize("tag", ["", "english language", "e", "en--US"])
def test_normalize_tag_rejects_malformed_tags(tag: str) -> None:
    with pytest.raises(ValueError, match="not a BCP 47 tag"):
        normalize_tag(tag)
