"""``newsetl sources probe``: a site added with the entry the probe proposes, and no hand edits.

The invented sites of tests/site/probe_sites.py are replayed by one mirror; the probe runs as a user runs
it (a subprocess), writes its entry to a new sources file, and ``newsetl ingest KEY`` with that file loads
the site's articles into the SQLite warehouse. Plus what the probe learns from URLs, and its exit codes.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import probe_sites
import pytest
import site_fixtures
from sqlalchemy import create_engine, text

from scrapers.probe import learn_pattern
from transforms.sources import load_sources, parse_sources

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> probe_sites.ProbeSites:
    return probe_sites.build_probe_sites(tmp_path_factory.mktemp("probe-sites"))


@pytest.fixture(scope="module")
def mirror(sites: probe_sites.ProbeSites) -> Iterator[str]:
    with site_fixtures.replay_process([sites.warc]) as url:
        yield url


def probe(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``newsetl sources probe ARGS…`` as a user runs it."""
    return subprocess.run(
        [str(site_fixtures.VENV_BIN / "newsetl"), "sources", "probe", *args],
        cwd=site_fixtures.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def printed_entry(stdout: str) -> Any:
    """The entry the probe printed: its output is a YAML list item followed by comment lines."""
    (source,) = parse_sources("sources:\n" + stdout).values()
    return source


def loaded(data_root: Path) -> set[tuple[str, str, str]]:
    engine = create_engine(f"sqlite:///{data_root / 'warehouse.sqlite'}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT url, source, edition FROM articles")).all()
    finally:
        engine.dispose()
    return {(url, source, edition) for url, source, edition in rows}


def test_probe_proposes_working_entries_for_a_feed_site_and_a_sitemaps_only_site(
    sites: probe_sites.ProbeSites, mirror: str, tmp_path: Path
) -> None:
    env = site_fixtures.quiet_env(tmp_path / "data")
    written = tmp_path / "tmp" / "sources.yaml"  # neither the file nor its folder exists yet

    # The site with a feed: the feed found through the home page, a pattern for its short article URLs.
    done = probe(env, probe_sites.FEED_SITE, "--mirror", mirror, "--write", str(written), "--key", "herald")
    assert done.returncode == 0, done.stdout + done.stderr
    herald = printed_entry(done.stdout)
    assert herald.key == "herald" and herald.label == "Dnipro Herald"
    assert herald.base_url == probe_sites.FEED_SITE
    assert herald.feeds == ("/feeds/latest.xml",) and not herald.news_sitemaps and not herald.sitemap_indexes
    assert herald.editions == {"en": "en"}
    assert herald.article_pattern == r"^/[a-z]+/\d+/?$"
    # The report: every sample, the listing the feed also lists, what was refused and why.
    assert "samples: 4 of 5 parsed as articles" in done.stdout
    for article in sites.feed_articles:
        assert f"#   parsed       {article.url}  {article.headline!r}  published {article.published}" in (
            done.stdout
        )
    assert f"not_article  {probe_sites.FEED_SITE}/news/  listing" in done.stdout
    assert "https://feeds.elsewhere.example/herald (in home page): offsite" in done.stdout
    assert "https://www.elsewhere.example/news/2025/12/02/partner-story/" in done.stdout
    assert written.read_text(encoding="utf-8").startswith("sources:\n")

    # The site with sitemaps only: the news sitemap and the index robots.txt names, two editions.
    done = probe(env, probe_sites.SITEMAP_SITE + "/", "--mirror", mirror, "--write", str(written))
    assert done.returncode == 0, done.stdout + done.stderr
    evening = printed_entry(done.stdout)
    assert evening.key == "kyiv_evening" and evening.label == "Kyiv Evening"
    assert not evening.feeds
    assert evening.news_sitemaps == ("/sitemaps/news.xml",)
    assert evening.sitemap_indexes == ("/sitemaps/index.xml",)
    assert evening.editions == {"uk": "uk", "en": "en"}
    assert evening.article_pattern is None  # dated slugs: the generic URL test takes them
    assert "news sitemap (news:news entries), 4 entries" in done.stdout
    assert "children named /sitemaps/posts/YYYY/N.xml ×2" in done.stdout
    assert "samples: 5 of 5 parsed as articles" in done.stdout

    # Both entries are in the file, as printed; a second probe under a key already there is refused.
    assert load_sources(written) == {"herald": herald, "kyiv_evening": evening}
    before = written.read_text(encoding="utf-8")
    again = probe(env, probe_sites.FEED_SITE, "--mirror", mirror, "--write", str(written), "--key", "herald")
    assert again.returncode == 2
    assert f"newsetl sources probe: {written}: the key 'herald' is there already" in again.stderr
    assert written.read_text(encoding="utf-8") == before

    # newsetl ingest with the written file loads each site's articles.
    ingest_env = {**env, "NEWSETL_SOURCES_FILE": str(written)}
    for key in ("herald", "kyiv_evening"):
        done = site_fixtures.newsetl_ingest(ingest_env, key, "--mirror", mirror, "--run-id", f"{key}-1")
        assert done.returncode == 0, done.stdout + done.stderr
    expected = {(a.url, "herald", "en") for a in sites.feed_articles}
    expected |= {(a.url, "kyiv_evening", a.language) for a in sites.news_articles}
    assert loaded(tmp_path / "data") == expected


def test_a_site_with_nothing_to_find_exits_1_with_the_reason(mirror: str, tmp_path: Path) -> None:
    written = tmp_path / "sources.yaml"
    env = site_fixtures.quiet_env(tmp_path / "data")
    done = probe(env, probe_sites.EMPTY_SITE, "--mirror", mirror, "--write", str(written))
    assert done.returncode == 1
    assert "- key:" not in done.stdout
    assert done.stderr.startswith(
        "newsetl sources probe: nothing usable found: no feed and no sitemap found on "
        "https://quiet-town.example: robots.txt has 0 Sitemap: lines; "
    )
    assert "/sitemap.xml HTTP 404" in done.stderr and "home page links 0 feeds" in done.stderr
    assert not written.exists()


@pytest.mark.parametrize(
    ("site", "said"),
    [
        ("ftp://www.dnipro-herald.example/", "is not an absolute http(s) URL"),
        ("file:///etc/passwd", "is not an absolute http(s) URL"),
        ("https://user:pw@www.dnipro-herald.example/", "has a user name or password before its host"),
        ("www.dnipro-herald.example", "is not an absolute http(s) URL"),
        ("http://[::1/", "is not an absolute http(s) URL"),
    ],
)
def test_a_site_that_is_not_an_http_url_exits_2(site: str, said: str, tmp_path: Path) -> None:
    done = probe(site_fixtures.quiet_env(tmp_path / "data"), site)
    assert done.returncode == 2
    assert done.stdout == ""
    assert (
        done.stderr
        == f"newsetl sources probe: {site!r} {said}; expected a site such as https://www.example.com\n"
    )


def test_a_bad_key_exits_2(tmp_path: Path) -> None:
    done = probe(site_fixtures.quiet_env(tmp_path / "data"), probe_sites.FEED_SITE, "--key", "Bad-Key")
    assert done.returncode == 2
    assert "--key 'Bad-Key': expected 2-64 lower-case letters" in done.stderr


@pytest.mark.parametrize(
    ("articles", "listings", "pattern"),
    [
        (
            ["https://s/news/4821", "https://s/news/4830"],
            ["https://s/news/", "https://s/"],
            r"^/[a-z]+/\d+/?$",
        ),
        (
            ["https://s/politics/2025/12/03/a-b-c/", "https://s/war/2025/11/28/d-e/"],
            ["https://s/politics/"],
            r"^/[a-z]+/\d{4}/\d{1,2}/\d{1,2}/[^/]*[-_][^/]*/?$",
        ),
        # A listing of the same shape as the articles: the segment all articles share becomes literal.
        (["https://s/post/65012", "https://s/post/65088"], ["https://s/page/2"], r"^/post/\d+/?$"),
        # Two shapes of article URL: one alternative each.
        (
            ["https://s/article/3834/1", "https://s/news/88"],
            ["https://s/"],
            r"^(?:/[a-z]+/\d+|/[a-z]+/\d+/\d{1,2})/?$",
        ),
        # Nothing separates the articles from the listing.
        (["https://s/a/1"], ["https://s/a/1/"], None),
    ],
)
def test_learn_pattern(articles: list[str], listings: list[str], pattern: str | None) -> None:
    assert learn_pattern(articles, listings) == pattern


def test_sitemap_kinds() -> None:
    import gzip
    from datetime import UTC, datetime

    from scrapers.probe import robots_sitemaps, sitemap_facts

    now = datetime(2025, 12, 10, 12, tzinfo=UTC)

    def urlset(lastmods: list[str], extra: str = "") -> bytes:
        rows = "".join(
            f"<url><loc>https://s/a/{n}/</loc><lastmod>{lm}</lastmod>{extra}</url>"
            for n, lm in enumerate(lastmods)
        )
        return (
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{rows}</urlset>'
        ).encode()

    news = "<news:news><news:publication_date>2025-01-01</news:publication_date></news:news>"
    assert sitemap_facts(urlset(["2025-01-01"], news), "https://s/a.xml", now)["news"] == "news:news entries"
    gzipped = gzip.compress(urlset(["2025-01-01"], news))
    assert sitemap_facts(gzipped, "https://s/a.xml.gz", now)["news"] == "news:news entries"
    recent = sitemap_facts(urlset(["2025-12-09", "2025-12-10T08:00:00Z"]), "https://s/a.xml", now)
    assert recent["news"] == "recent entries (lastmod within 3 days)"
    assert sitemap_facts(urlset(["2025-01-01"]), "https://s/sitemap-news.xml", now)["news"] == "named news"
    plain = sitemap_facts(urlset(["2025-01-01", "2025-02-01"]), "https://s/posts.xml", now)
    assert (
        plain["news"] is None
        and plain["entries"] == 2
        and plain["urls"] == ["https://s/a/0/", "https://s/a/1/"]
    )
    index = (
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://s/sitemap_9_1.xml.gz</loc></sitemap>"
        b"<sitemap><loc>https://s/sitemap_10_1.xml.gz</loc></sitemap></sitemapindex>"
    )
    facts = sitemap_facts(index, "https://s/sitemap.xml", now)
    assert facts["kind"] == "sitemapindex" and facts["naming"] == [("/sitemap_N_N.xml.gz", 2)]
    # An entity bomb is not expanded: the body is the site's.
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://s/&b;</loc></url></urlset>'
    )
    assert sitemap_facts(bomb, "https://s/x.xml", now)["news"] is None
    assert robots_sitemaps(
        "User-agent: *\nSITEMAP: https://s/a.xml\nsitemap:https://s/b.xml\nSitemap: https://s/a.xml\n"
    ) == [
        "https://s/a.xml",
        "https://s/b.xml",
    ]


def test_write_refuses_a_file_that_is_not_a_sources_file_before_probing(tmp_path: Path) -> None:
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources: [\n", encoding="utf-8")
    # No mirror and a site that does not exist: the refusal comes before anything is fetched.
    done = probe(site_fixtures.quiet_env(tmp_path / "data"), "https://nowhere.example", "--write", str(bad))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"newsetl sources probe: {bad}:2: not valid YAML")
    assert bad.read_text(encoding="utf-8") == "sources: [\n"


@pytest.mark.parametrize("indent", [0, 2, 4])
def test_append_entry_keeps_the_files_indentation(indent: int, tmp_path: Path) -> None:
    from scrapers.probe import append_entry

    pad = " " * indent
    path = tmp_path / "sources.yaml"
    path.write_text(
        f"# my sources\nsources:\n{pad}- key: first\n{pad}  label: First\n{pad}  base_url: https://first.example\n"
        f"{pad}  editions: {{en: en}}\n{pad}  discovery: {{feeds: [/rss]}}\n{pad}  parser: generic\n",
        encoding="utf-8",
    )
    entry = {
        "key": "second",
        "label": "Second: the site",
        "base_url": "https://second.example",
        "editions": {"uk": "uk"},
        "discovery": {"news_sitemaps": ["/news.xml"]},
        "article_pattern": r"^/[a-z]+/\d+/?$",
        "parser": "generic",
    }
    append_entry(path, entry, "added by a test")
    sources = load_sources(path)
    assert list(sources) == ["first", "second"]
    assert sources["second"].label == "Second: the site"
    assert sources["second"].article_pattern == r"^/[a-z]+/\d+/?$"
    assert f"\n{pad}# added by a test\n{pad}- key: second\n" in path.read_text(encoding="utf-8")
