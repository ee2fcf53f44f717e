"""seeds/sources.yaml and its schema: the real file loads; a bad file is rejected with its line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrapers.parsers import PARSERS
from transforms.settings import Settings
from transforms.sources import (
    DEFAULT_SOURCES_FILE,
    SourcesFileError,
    load_sources,
    parse_sources,
)

NEW_SOURCES = {"kyivindependent", "ukrinform", "kyivpost", "interfax", "nv", "unian", "euromaidanpress"}

GOOD = """\
sources:
  - key: lvivnews
    label: Lviv News
    base_url: https://lvivnews.example
    editions:
      en: en
    discovery:
      feeds:
        - /rss/
    parser: generic
    enabled: true
"""


def test_the_project_sources_file_is_valid_and_names_existing_parsers() -> None:
    sources = load_sources(DEFAULT_SOURCES_FILE)
    assert NEW_SOURCES | {"pravda"} <= set(sources)
    for source in sources.values():
        assert source.parser in PARSERS, source.key
        assert source.feeds or source.news_sitemaps or source.sitemap_indexes, source.key
    for key in NEW_SOURCES:
        assert sources[key].parser == "generic"
        assert sources[key].enabled
        assert sources[key].editions == {"en": "en"}
        assert sources[key].base_url.startswith("https://")


def test_a_good_entry_gives_a_source_with_defaults() -> None:
    (source,) = parse_sources(GOOD.replace("    enabled: true\n", "")).values()
    assert source.key == "lvivnews" and source.enabled is True
    assert source.feeds == ("/rss/",) and source.news_sitemaps == () and source.article_pattern is None


@pytest.mark.parametrize(
    ("change", "line", "key", "words"),
    [
        # An unknown field is reported at its own line.
        (("    parser: generic\n", "    parser: generic\n    colour: red\n"), 11, "lvivnews", "colour"),
        # A wrong type, deep inside the entry.
        (("        - /rss/\n", "        - 5\n"), 9, "lvivnews", "discovery.feeds[0]"),
        # A language that is not a BCP 47 tag.
        (("      en: en\n", "      en: English\n"), 6, "lvivnews", "editions.en"),
        # A base URL with a path.
        (("https://lvivnews.example", "https://lvivnews.example/en/"), 4, "lvivnews", "base_url"),
        # A boolean written as a word YAML does not read as one.
        (("    enabled: true\n", "    enabled: sometimes\n"), 11, "lvivnews", "enabled"),
        # A missing required field: the entry's line.
        (("    label: Lviv News\n", ""), 2, "lvivnews", "'label' is a required property"),
        # An enabled source with nowhere to discover articles.
        (("    discovery:\n      feeds:\n        - /rss/\n", ""), 2, "lvivnews", "discovery"),
        (("      feeds:\n        - /rss/\n", "      feeds: []\n"), 7, "lvivnews", "at least one of feeds"),
        # A key that cannot be used in paths and run ids.
        (("key: lvivnews", "key: Lviv News"), 2, "Lviv News", "field key: 'Lviv News' is not valid;"),
    ],
)
def test_a_bad_entry_is_rejected_with_its_line_and_key(
    change: tuple[str, str], line: int, key: str | None, words: str
) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(SourcesFileError) as raised:
        parse_sources(text, "bad.yaml")
    message = str(raised.value)
    assert raised.value.line == line, message
    assert message.startswith(f"bad.yaml:{line}: "), message
    assert raised.value.key == key
    if key:
        assert f"source {key!r}" in message
    assert words in message


def test_a_key_used_twice_is_rejected_at_the_second() -> None:
    twice = GOOD + GOOD.removeprefix("sources:\n")
    with pytest.raises(SourcesFileError, match=r"^twice.yaml:12: source 'lvivnews': the key is used twice"):
        parse_sources(twice, "twice.yaml")


def test_a_field_written_twice_is_rejected() -> None:
    with pytest.raises(SourcesFileError, match=r"^f.yaml:11: field 'parser' appears twice"):
        parse_sources(GOOD.replace("    enabled: true\n", "    parser: pravda\n"), "f.yaml")


def test_a_bad_article_pattern_is_rejected() -> None:
    text = GOOD.replace("    parser: generic\n", "    article_pattern: ^/news/(\\d+$\n    parser: generic\n")
    with pytest.raises(SourcesFileError, match=r"^p.yaml:10: source 'lvivnews': article_pattern is not"):
        parse_sources(text, "p.yaml")


def test_yaml_that_does_not_parse_names_its_line() -> None:
    with pytest.raises(SourcesFileError, match=r"^y.yaml:7: not valid YAML"):
        parse_sources(GOOD.replace("    editions:\n", "    editions: [\n"), "y.yaml")


def test_an_empty_file_and_a_file_without_sources() -> None:
    with pytest.raises(SourcesFileError, match="empty file"):
        parse_sources("", "e.yaml")
    with pytest.raises(SourcesFileError, match="'feeds' was unexpected.*allowed fields: sources"):
        parse_sources("feeds: []\n", "e.yaml")


def test_a_disabled_source_may_lack_discovery() -> None:
    text = GOOD.replace("    discovery:\n      feeds:\n        - /rss/\n", "").replace("true", "false")
    assert parse_sources(text)["lvivnews"].enabled is False


def test_the_sources_file_comes_from_the_settings(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(GOOD, encoding="utf-8")
    settings = Settings.from_env({"NEWSETL_SOURCES_FILE": str(path)})
    assert settings.sources_file == str(path) and settings.sources_path() == path
    assert set(load_sources(settings.sources_path())) == {"lvivnews"}
    assert Settings.from_env({}).sources_path() == DEFAULT_SOURCES_FILE
