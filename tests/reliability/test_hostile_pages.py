"""Hostile page structure and text (issue 14, faults 7-10), through ``newsetl parse`` and a real crawl.

- Markup nested 100,000 deep (``div``, ``b``, ``ul``/``li``) ends as ``not_article``/``too_deep``, quickly and
  without a traceback; a JSON-LD block nested 200,000 deep is skipped with its reason and the article is
  read from the next block.
- A page declaring a charset Python knows but no browser reads pages with (``idna``, ``punycode``) is read
  as UTF-8 with replacements (quarantined by validation), never a ``UnicodeError``.
- Controls, bidi overrides and isolates, zero-width characters and BOMs never reach stored text.
- A canonical link with tracking parameters and a fragment names the same article row as the clean URL.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import site_fixtures
from conftest import BASE, builder, quiet_settings, record_figures, run_pipeline
from wh_query import query

from scrapers.parsers import parse_page
from scrapers.replay import ReplayServer
from scrapers.warc import WarcRunWriter
from transforms.errors import NotAnArticle
from transforms.html_blocks import html_to_blocks
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources

# scrapers.parsers.bounds is imported inside the tests that need it, so that on a checkout without it the
# other tests still run (and show the faults).

ROOT = Path(__file__).resolve().parents[2]
NEWSETL = Path(sys.executable).parent / "newsetl"
PRAVDA = load_sources(DEFAULT_SOURCES_FILE)["pravda"]
BODY_MARKER = '<div class="post_text">'
DEEP = 100_000


def _url(day: int, article_id: int, *, slash: bool = True) -> str:
    url = builder.article_url("eng", "news", 2025, 12, day, article_id)
    return url if slash else url.rstrip("/")


GOOD = _url(1, 6000010)
DEEP_DIV = _url(2, 6000011)
DEEP_B = _url(2, 6000012)
DEEP_LIST = _url(2, 6000013)
DEEP_JSONLD = _url(3, 6000014)  # a valid article behind a 200,000-deep JSON-LD array: must load
IDNA = _url(4, 6000015)
PUNYCODE = _url(4, 6000016)
INVISIBLE_TEXT = _url(5, 6000017)  # a valid article whose texts carry invisible characters: must load clean
TRACKED = _url(6, 6000001)  # its page's canonical link is …/6000001/?utm_source=rss#top
TRACKED_TWIN = _url(6, 6000001, slash=False)  # the same article; its page's canonical link is clean

HEADLINE_TRAPS = "Drones\u200b over \u202eKyiv\u202c \u2066city\u2069\ufeff\x07 \x1b[31mred\x1b[0m"
CLEAN_HEADLINE = "Drones over Kyiv city [31mred[0m"


def _article(url: str, headline: str, article_id: int) -> str:
    template = builder.TEMPLATES["post_2020"]
    day = builder.url_date(url) or date(2025, 12, 1)
    return str(builder.variant_html(template, url, headline, day, article_id))


def _deep_body(url: str, article_id: int, opening: str, closing: str, times: int) -> bytes:
    page = _article(url, f"Deep page {article_id}", article_id)
    assert BODY_MARKER in page, "the post_2020 template changed: update the injection point"
    return page.replace(BODY_MARKER, BODY_MARKER + opening * times + "x" + closing * times, 1).encode()


def hostile_pages() -> dict[str, tuple[bytes, str]]:
    """URL -> (page bytes, the canonical link URL its record must have, or "" for a page that is not one)."""
    pages: dict[str, tuple[bytes, str]] = {GOOD: (_article(GOOD, "A good article", 6000010).encode(), GOOD)}
    pages[DEEP_DIV] = (_deep_body(DEEP_DIV, 6000011, "<div>", "</div>", DEEP), "")
    pages[DEEP_B] = (_deep_body(DEEP_B, 6000012, "<b>", "</b>", DEEP // 2), "")
    pages[DEEP_LIST] = (_deep_body(DEEP_LIST, 6000013, "<ul><li>", "</li></ul>", DEEP // 2), "")
    deep_ld = _article(DEEP_JSONLD, "Behind deep JSON-LD", 6000014)
    block = '<script type="application/ld+json">' + "[" * 200_000 + "]" * 200_000 + "</script>"
    pages[DEEP_JSONLD] = (deep_ld.replace("<head>", "<head>" + block, 1).encode(), DEEP_JSONLD)
    for url, name, article_id in ((IDNA, "idna", 6000015), (PUNYCODE, "punycode", 6000016)):
        page = _article(url, f"Charset {name}", article_id).replace('charset="utf-8"', f'charset="{name}"')
        page = page.replace(BODY_MARKER, BODY_MARKER + "<p>One invalid byte: \xff.</p>", 1)
        assert f'charset="{name}"' in page
        pages[url] = (page.encode("latin-1", errors="replace"), url)
    traps = _article(INVISIBLE_TEXT, HEADLINE_TRAPS, 6000017)
    traps = traps.replace(BODY_MARKER, BODY_MARKER + "<p>Bell\x07 and\u200b \u202eescape\x1b[2J text.</p>", 1)
    pages[INVISIBLE_TEXT] = (traps.encode(), INVISIBLE_TEXT)
    tracked = _article(TRACKED, "One article, tracked", 6000001)
    tracked = _with_canonical(tracked, TRACKED + "?utm_source=rss#top")
    pages[TRACKED] = (tracked.encode(), TRACKED)
    pages[TRACKED_TWIN] = (
        _with_canonical(_article(TRACKED, "One article, tracked", 6000001), TRACKED).encode(),
        TRACKED,
    )
    return pages


def _with_canonical(page: str, canonical: str) -> str:
    """The page with its canonical link (and og:url, the parser's second choice) set to ``canonical``."""
    head = f'<link rel="canonical" href="{canonical}"><meta property="og:url" content="{canonical}">'
    page = page.replace('rel="canonical"', 'rel="old-canonical"').replace('property="og:url"', 'property="x"')
    return page.replace("<head>", "<head>" + head, 1)


def newsetl_parse(path: Path, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(NEWSETL), "parse", str(path), "--url", url, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# -- newsetl parse, one page at a time ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def page_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile-pages")
    files = {}
    for number, (url, (body, _)) in enumerate(hostile_pages().items()):
        files[url] = folder / f"page{number}.html"
        files[url].write_bytes(body)
    return files


@pytest.mark.parametrize("url", [DEEP_DIV, DEEP_B, DEEP_LIST], ids=["div", "b", "ul-li"])
def test_parse_of_deeply_nested_markup_says_too_deep(page_files: dict[str, Path], url: str) -> None:
    done = newsetl_parse(page_files[url], url)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stderr
    assert "not an article: too_deep" in done.stderr
    assert "elements deep" in done.stderr


def test_parse_skips_a_too_deep_json_ld_block_and_reads_the_next(page_files: dict[str, Path]) -> None:
    done = newsetl_parse(page_files[DEEP_JSONLD], DEEP_JSONLD)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["headline"] == "Behind deep JSON-LD"
    assert record["extra"]["field_sources"]["headline"] == "jsonld"  # the real block was read
    assert record["extra"]["skipped"] == ["JSON-LD block 1: nested too deep to decode"]


@pytest.mark.parametrize("url", [IDNA, PUNYCODE], ids=["idna", "punycode"])
def test_parse_of_a_page_in_a_charset_no_browser_uses_falls_back(
    page_files: dict[str, Path], url: str
) -> None:
    done = newsetl_parse(page_files[url], url)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["headline"].startswith("Charset")  # the page was read (as UTF-8, one U+FFFD in its title)


def test_parse_stores_and_prints_no_invisible_characters(page_files: dict[str, Path]) -> None:
    done = newsetl_parse(page_files[INVISIBLE_TEXT], INVISIBLE_TEXT)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["headline"] == CLEAN_HEADLINE
    assert "Bell and escape[2J text." in record["body_text"]
    assert not any(char in done.stdout for char in ("\x07", "\x1b", "\u200b", "\u202e", "\u2066", "\ufeff"))


def test_parse_gives_the_canonical_url_without_tracking(page_files: dict[str, Path]) -> None:
    done = newsetl_parse(page_files[TRACKED], TRACKED)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["url"] == TRACKED


# -- the bounds themselves, in process --------------------------------------------------------------------


def _parse(html: str, url: str = GOOD) -> Any:
    return parse_page(html, url, source=PRAVDA, fetched_at=datetime(2025, 12, 2, tzinfo=UTC))


@pytest.mark.parametrize(
    "markup",
    [
        "<div>" * 2000,
        "<b>" * 2000,
        "<ul><li>" * 1000,
        "<table><tr><td>" * 1000,
        "<optgroup>" * 2000,
        "<div></span>" * 2000,  # stray end tags close nothing
        "<div><table><td></div></td></table>" * 2000,  # an end tag the parser ignores inside a cell
        "<select><xmp></select>" + "<div>" * 2000 + "</xmp>",  # <xmp> in a select is not raw text
        "<textarea><a b='</textarea>" + "<div>" * 2000 + "'>",  # a quote inside raw text hides nothing
        "<svg><foreignObject><p>" + "<x/>" * 2000,  # HTML again inside foreignObject: <x/> is not closed
        "<svg><div>" + "<path/>" * 2000,  # a div leaves the SVG: <path/> is an (open) HTML element
        "<svg><script>" + "<g>" * 2000 + "</script>",  # SVG's script is not raw text
        "<a title='>'<!--'>" + "<div>" * 2000 + "-->",  # '>' in a quoted value is not the tag's end
        "<!-->" + "<div>" * 2000 + "-->",  # <!--> is a whole comment
    ],
)
def test_nesting_estimate_is_never_shallower_than_the_markup(markup: str) -> None:
    from scrapers.parsers.bounds import MAX_NESTING_DEPTH, nesting_depth

    assert nesting_depth(markup) > MAX_NESTING_DEPTH
    with pytest.raises(NotAnArticle) as caught:
        _parse(_article(GOOD, "Nested", 6000010).replace(BODY_MARKER, BODY_MARKER + markup, 1))
    assert caught.value.reason == "too_deep"


def test_real_pages_are_far_under_the_nesting_cap() -> None:
    from scrapers.parsers.bounds import MAX_NESTING_DEPTH, nesting_depth

    for path in sorted((ROOT / "tests/fixtures/pravda/pages").glob("*.html")):
        assert nesting_depth(path.read_text(encoding="utf-8")) < MAX_NESTING_DEPTH // 4, path.name
    assert nesting_depth("<svg>" + "<path d='M0 0'/>" * 5000 + "</svg><p>text") == 1
    assert nesting_depth("<p>a<p>b<li>c<li>d") == 2
    assert nesting_depth("<script>if (a<b && c>d) x = '<div>';</script><div></div>") == 1


@pytest.mark.parametrize("opening", ["<div>", "<b>", "<ul><li>", "<span>", "<p><span>"])
def test_markup_just_under_the_cap_parses_without_recursion_errors(opening: str) -> None:
    from scrapers.parsers.bounds import MAX_NESTING_DEPTH

    times = (MAX_NESTING_DEPTH - 20) // opening.count("<")
    inner = opening * times + "deep words<div>and a block</div>" + "</span>" * times
    record = _parse(_article(GOOD, "Nested", 6000010).replace(BODY_MARKER, BODY_MARKER + inner, 1))
    assert "deep words" in record.body_text
    blocks = html_to_blocks(opening * 5000 + "deep <b>bold</b> words" + "<li>item" * 3)  # no cap here
    assert blocks


def test_a_parse_over_its_cpu_budget_ends_as_too_slow(monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    from scrapers.parsers import bounds

    before = signal.getsignal(signal.SIGPROF)
    monkeypatch.setattr(bounds, "PAGE_CPU_SECONDS", 0.000_5)  # any real parse takes longer
    page = _article(GOOD, "A good article", 6000010) * 4
    with pytest.raises(NotAnArticle) as caught:
        _parse(page)
    assert caught.value.reason == "too_slow"
    assert signal.getsignal(signal.SIGPROF) == before  # the handler is put back
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)  # and the timer disarmed
    monkeypatch.setattr(bounds, "PAGE_CPU_SECONDS", 60.0)
    assert _parse(page).headline == "A good article"


def test_the_cpu_budget_holds_outside_the_main_thread_too() -> None:
    from scrapers.parsers import bounds

    caught: list[BaseException] = []

    def spend() -> None:
        try:
            with bounds.cpu_budget(0.000_5):
                sum(i * i for i in range(200_000))
        except BaseException as exc:
            caught.append(exc)

    thread = threading.Thread(target=spend)
    thread.start()
    thread.join()
    assert [type(exc) for exc in caught] == [bounds.PageTooSlow]


# -- the real crawl -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("hostile-pages-site")
    html = [("Content-Type", "text/html")]
    pages = hostile_pages()
    warc = folder / "pages.warc.gz"
    with WarcRunWriter(folder, "hostile-pages", name=warc.name, info={"software": "newsetl tests"}) as w:
        w.write_exchange(f"{BASE}/robots.txt", status=200, response_headers=[], body=b"User-agent: *\n")
        for url, (body, _) in pages.items():
            w.write_exchange(url, status=200, response_headers=html, body=body)
        rss = [("Content-Type", "application/rss+xml")]
        w.write_exchange(
            f"{BASE}/eng/rss/",
            status=200,
            response_headers=rss,
            body=site_fixtures.rss_feed(list(pages), f"{BASE}/"),
        )
        for feed in ("/rss/", "/rus/rss/"):
            w.write_exchange(
                f"{BASE}{feed}", status=200, response_headers=rss, body=site_fixtures.rss_feed([], f"{BASE}/")
            )
        empty = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>'
        xml = [("Content-Type", "application/xml")]
        w.write_exchange(f"{BASE}/sitemap/sitemap-news.xml", status=200, response_headers=xml, body=empty)
    data_root = folder / "data"
    with ReplayServer([warc]) as server:
        result = run_pipeline(quiet_settings(data_root, server.url), "hostile-pages", editions=["eng"])
    raw = Path(result["plan"].raw_url)
    lines = [json.loads(line) for line in (raw / "outcomes.jsonl").read_text(encoding="utf-8").splitlines()]
    result["outcomes"] = {line["url"]: line for line in lines}
    result["warehouse"] = f"sqlite:///{data_root / 'warehouse.sqlite'}"
    result["pages"] = pages
    return result


@pytest.mark.slow
def test_crawl_ends_every_hostile_page_with_a_reason(crawl: dict[str, Any]) -> None:
    outcomes = crawl["outcomes"]
    ends = {url: (line["outcome"], line["reason"]) for url, line in outcomes.items()}
    for url in (DEEP_DIV, DEEP_B, DEEP_LIST):
        assert ends[url] == ("not_article", "too_deep"), ends[url]
    for url in (GOOD, DEEP_JSONLD, IDNA, PUNYCODE, INVISIBLE_TEXT):
        assert ends[url][0] == "parsed", (url, ends[url])
    # The same article under two URLs: whichever is read second is the duplicate of the first.
    assert sorted([ends[TRACKED], ends[TRACKED_TWIN]]) == [("parsed", ""), ("skipped", "duplicate")]
    assert not [end for end in ends.values() if end[0] == "failed"], ends


@pytest.mark.slow
def test_crawl_keeps_the_article_behind_a_too_deep_json_ld_block(crawl: dict[str, Any]) -> None:
    rows = query(crawl["warehouse"], "SELECT headline FROM articles WHERE url = :u", u=DEEP_JSONLD)
    assert rows == [("Behind deep JSON-LD",)]


@pytest.mark.slow
def test_crawl_quarantines_pages_in_unusable_charsets(crawl: dict[str, Any]) -> None:
    reasons = dict(query(crawl["warehouse"], "SELECT url, reason FROM quarantine"))
    for url in (IDNA, PUNYCODE):
        assert "U+FFFD" in reasons.get(url, ""), reasons


@pytest.mark.slow
def test_crawl_stores_no_invisible_characters(crawl: dict[str, Any]) -> None:
    warehouse = crawl["warehouse"]
    rows = query(warehouse, "SELECT url, headline, body_text, seed_text, authors, section FROM articles")
    rows += query(
        warehouse, "SELECT run_id, headline, body_text, seed_text, authors, tags FROM article_versions"
    )
    bad = [(row[0], i) for row in rows for i, cell in enumerate(row[1:]) if _has_invisible(str(cell))]
    assert bad == []
    headline = query(warehouse, "SELECT headline FROM articles WHERE url = :u", u=INVISIBLE_TEXT)
    assert headline == [(CLEAN_HEADLINE,)]


@pytest.mark.slow
def test_crawl_gives_one_row_to_an_article_whose_canonical_link_is_tracked(crawl: dict[str, Any]) -> None:
    warehouse = crawl["warehouse"]
    rows = query(warehouse, "SELECT url FROM articles WHERE url LIKE :u", u=f"{TRACKED.rstrip('/')}%")
    assert rows == [(TRACKED,)]
    (total, distinct) = query(warehouse, "SELECT COUNT(*), COUNT(DISTINCT url) FROM articles")[0]
    loaded = {url for (url,) in query(warehouse, "SELECT url FROM articles")}
    quarantined = {url for (url,) in query(warehouse, "SELECT url FROM quarantine")}
    expected_loaded = {GOOD, DEEP_JSONLD, INVISIBLE_TEXT, TRACKED}
    parsed = {url for url, line in crawl["outcomes"].items() if line["outcome"] == "parsed"}
    counts = crawl["counts"]
    record_figures(
        "hostile page structure and text",
        faulted=len(crawl["pages"]) - 1,  # every page but the control
        quarantined=counts["quarantined"],
        failed=counts["failed"],
        refused=counts["skipped"],
        lost=len(expected_loaded - loaded) + len(parsed - loaded - quarantined - {TRACKED, TRACKED_TWIN}),
        duplicated=total - distinct,
    )
    assert loaded == expected_loaded
    assert total == distinct


# The characters issue 14 names, and their neighbours (transforms/text.py INVISIBLE).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u200b\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def _has_invisible(text: str) -> bool:
    return _INVISIBLE.search(text) is not None
