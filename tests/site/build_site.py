"""Build the recorded fixture site: a WARC of a small pravda.com.ua that ``newsetl replay`` can serve.

    .venv/bin/python tests/site/build_site.py OUT_DIR

It also holds the generic sources' fixtures (``tests/site/other_sources.py``: robots.txt, a feed and two
pages per site), on their own hosts; ``Site.articles`` stays the pravda.com.ua articles and
``Site.other_articles`` lists the others, ``Site.all_articles`` both.

The pravda.com.ua part holds robots.txt (with a Disallow the tests check), RSS feeds for the three
editions, the news sitemap, the sitemap archive index with two monthly sitemaps (.xml.gz), and article
pages in the three designs, made from the fixture pages in tests/fixtures/pravda/ by giving them other
ids, dates and headlines. To extend the site, add an entry to ``ARTICLES`` (or a template to
``TEMPLATES``); the tests read what to expect from the returned :class:`Site`.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape

from scrapers.warc import WarcRunWriter
from transforms.urls import url_date

sys.path.insert(0, str(Path(__file__).resolve().parent))
import other_sources  # a sibling module: tests/ is not a package

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://www.pravda.com.ua"
KYIV = timezone(timedelta(hours=2))
LANGUAGES = {"eng": "en", "ukr": "uk", "rus": "ru"}
EDITION_PREFIX = {"eng": "/eng", "ukr": "", "rus": "/rus"}


@dataclass(frozen=True)
class Template:
    """A fixture page and the strings in it that a variant replaces."""

    path: Path
    url: str
    headline: str
    iso_date: str  # as in its JSON-LD, e.g. 2023-09-30
    path_date: str  # as in its URL, e.g. 2023/09/30 (empty when the URL has none)
    article_id: str  # the numeric id in its URLs (empty when none)

    def html(self) -> str:
        data = self.path.read_bytes()
        return (gzip.decompress(data) if self.path.suffix == ".gz" else data).decode("utf-8")


TEMPLATES = {
    # The 2020–2024 design, English news (the seed document's own article).
    "post_2020": Template(
        ROOT / "tests/fixtures/pravda/pages/eng_news_2023_09_30_7422079.html",
        f"{BASE}/eng/news/2023/09/30/7422079/",
        "NATO Secretary General: Heroism alone can’t intercept missiles, Ukraine needs defence capabilities",
        "2023-09-30",
        "2023/09/30",
        "7422079",
    ),
    # The current design's news template (a sister site's page on the same CMS).
    "news_2025": Template(
        ROOT / "tests/fixtures/pravda/real/epravda_2025_10_24.html.gz",
        "https://epravda.com.ua/tehnologiji/yak-v-ukrajini-diyatimut-limiti-dlya-gravciv-azartnih-igor-813313/",
        "В Україні вперше встановлять ліміти для гравців азартних ігор",
        "2025-10-24",
        "",
        "",
    ),
    # The current design's long-form template.
    "article_2025": Template(
        ROOT / "tests/fixtures/pravda/real/pravda_rus_articles_2026_01_08.html.gz",
        f"{BASE}/rus/articles/2026/01/08/8015225/",
        "157 миллионов за бездействие. "
        "Как судьи ликвидированного ОАСК до сих пор сидят на выплатах из госбюджета",
        "2026-01-08",
        "2026/01/08",
        "8015225",
    ),
}


@dataclass(frozen=True)
class SiteArticle:
    url: str
    edition: str
    language: str
    headline: (
        str | None
    )  # None for golden pages kept as they are (their headline is the parser tests' business)
    published: str  # YYYY-MM-DD, the date in the URL
    template: str
    lastmod: str  # the sitemaps' lastmod (ISO)
    in_feed: bool  # listed in its edition's RSS feed
    in_news_sitemap: bool
    source: str = "pravda"


# (edition, kind, year, month, day, id, template, in RSS, in news sitemap). Days stay unpadded in URLs
# where the site does that (/eng/news/2025/11/4/…).
ARTICLES: tuple[tuple[str, str, int, int, int, int, str, bool, bool], ...] = (
    ("eng", "news", 2025, 11, 4, 7500101, "post_2020", True, False),
    ("eng", "news", 2025, 11, 18, 7500102, "post_2020", True, True),
    ("eng", "news", 2025, 11, 27, 7500103, "post_2020", False, True),
    ("eng", "news", 2025, 12, 2, 7500104, "post_2020", True, False),
    ("eng", "news", 2025, 12, 9, 7500105, "post_2020", True, True),
    ("eng", "news", 2025, 12, 16, 7500106, "post_2020", True, False),
    ("eng", "columns", 2025, 12, 21, 7500107, "post_2020", True, True),
    ("eng", "news", 2025, 12, 30, 7500108, "post_2020", False, True),
    ("ukr", "news", 2025, 11, 3, 7500201, "news_2025", True, False),
    ("ukr", "news", 2025, 11, 12, 7500202, "news_2025", True, True),
    ("ukr", "news", 2025, 11, 25, 7500203, "news_2025", False, True),
    ("ukr", "news", 2025, 12, 1, 7500204, "news_2025", True, False),
    ("ukr", "news", 2025, 12, 10, 7500205, "news_2025", True, True),
    ("ukr", "news", 2025, 12, 19, 7500206, "news_2025", True, False),
    ("ukr", "news", 2025, 12, 28, 7500207, "news_2025", False, True),
    ("rus", "articles", 2025, 11, 7, 7500301, "article_2025", True, False),
    ("rus", "articles", 2025, 11, 21, 7500302, "article_2025", True, True),
    ("rus", "articles", 2025, 12, 5, 7500303, "article_2025", False, True),
    ("rus", "articles", 2025, 12, 12, 7500304, "article_2025", True, False),
    ("rus", "articles", 2025, 12, 24, 7500305, "article_2025", True, True),
    ("rus", "news", 2025, 12, 29, 7500306, "news_2025", True, False),
)

# Listed in the English feed and sitemap but disallowed by robots.txt: must never be fetched.
DISALLOWED_URL = f"{BASE}/eng/news/2025/12/11/7500901/"
# Listed in the news sitemap; the page is a listing, not an article.
NOT_ARTICLE_URL = f"{BASE}/eng/news/2025/12/12/7500902/"
# Listed in the English feed; another site.
OFFSITE_URL = "https://www.epravda.com.ua/eng/news/2025/12/13/7500903/"
# Listed in the English feed; answers with a redirect to another site, which must not be followed.
REDIRECT_OFFSITE_URL = f"{BASE}/eng/news/2025/12/14/7500904/"
# Listed in the English feed; redirects to an article the feed also lists, so it is fetched only once.
REDIRECT_DUPLICATE_URL = f"{BASE}/eng/news/2025/12/15/7500905/"
# Listed in the English feed; redirects to the cloud metadata address.
REDIRECT_PRIVATE_URL = f"{BASE}/eng/news/2025/12/17/7500907/"
# Listed in the English feed; redirects to itself forever.
REDIRECT_LOOP_URL = f"{BASE}/eng/news/2025/12/16/7500906/"
REDIRECT_TARGETS = {
    REDIRECT_OFFSITE_URL: "https://www.example.org/elsewhere/",
    REDIRECT_DUPLICATE_URL: f"{BASE}/eng/news/2025/12/9/7500105/",
    REDIRECT_LOOP_URL: "/eng/news/2025/12/16/7500906/",
    REDIRECT_PRIVATE_URL: "http://169.254.169.254/latest/meta-data/",
}
# Served with Content-Encoding: gzip, as the live site does for HTML.
GZIPPED_URL = f"{BASE}/news/2025/12/10/7500205/"

# The parser's golden pages (tests/fixtures/pravda/pages/manifest.json) join the site unchanged, at their
# own URLs, listed in their edition's feed; a page recorded with an error status becomes a failed URL.
GOLDEN_MANIFEST = ROOT / "tests/fixtures/pravda/pages/manifest.json"

ROBOTS_TXT = "User-agent: *\nDisallow: /eng/news/2025/12/11/\nDisallow: /search/\n"
MONTHS = ((2025, 11), (2025, 12))


@dataclass(frozen=True)
class Site:
    warc: Path
    articles: tuple[SiteArticle, ...]
    disallowed_url: str
    not_article_url: str
    offsite_url: str
    failed_urls: tuple[str, ...] = ()
    redirect_offsite_url: str = REDIRECT_OFFSITE_URL
    redirect_duplicate_url: str = REDIRECT_DUPLICATE_URL
    redirect_loop_url: str = REDIRECT_LOOP_URL
    redirect_private_url: str = REDIRECT_PRIVATE_URL
    # The generic sources' articles (every enabled source besides pravda).
    other_articles: tuple[SiteArticle, ...] = ()

    @property
    def all_articles(self) -> tuple[SiteArticle, ...]:
        return self.articles + self.other_articles

    def by_url(self) -> dict[str, SiteArticle]:
        return {a.url: a for a in self.articles}


def _edition_of(url: str) -> str:
    path = url.removeprefix(BASE)
    return "eng" if path.startswith("/eng/") else "rus" if path.startswith("/rus/") else "ukr"


def golden_pages() -> list[tuple[str, int, str, str]]:
    """``(url, status, edition, html)`` of the golden pages that are pravda.com.ua article URLs."""
    if not GOLDEN_MANIFEST.is_file():
        return []
    manifest = json.loads(GOLDEN_MANIFEST.read_text(encoding="utf-8"))
    taken = {article_url(e, k, y, m, d, i) for e, k, y, m, d, i, *_ in ARTICLES}
    pages = []
    for name, entry in sorted(manifest.items()):
        url = entry["url"]
        if (
            entry.get("source") != "pravda"
            or url in taken
            or not re.search(r"/\d{4}/\d{2}/\d{1,2}/\d+/$", url)
        ):
            continue
        taken.add(url)
        path = GOLDEN_MANIFEST.parent / name
        data = path.read_bytes()
        html = (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8")
        pages.append((url, int(entry.get("http_status", 200)), _edition_of(url), html))
    return pages


def article_url(edition: str, kind: str, year: int, month: int, day: int, article_id: int) -> str:
    return f"{BASE}{EDITION_PREFIX[edition]}/{kind}/{year}/{month:02d}/{day}/{article_id}/"


def variant_html(template: Template, url: str, headline: str, published: date, article_id: int) -> str:
    html = template.html()
    html = html.replace(template.url, url)
    html = html.replace(template.headline, headline)
    if template.path_date:
        html = html.replace(template.path_date, f"{published.year}/{published.month:02d}/{published.day}")
    if template.article_id:
        html = html.replace(template.article_id, str(article_id))
    return html.replace(template.iso_date, published.isoformat())


def _rss(edition: str, items: list[SiteArticle], extra_links: list[str]) -> bytes:
    entries = [
        f"<item><title>{escape(a.headline or a.url)}</title><link>{escape(a.url)}</link>"
        f"<pubDate>{datetime.fromisoformat(a.lastmod).strftime('%a, %d %b %Y %H:%M:%S %z')}</pubDate></item>"
        for a in items
    ] + [f"<item><title>link</title><link>{escape(link)}</link></item>" for link in extra_links]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Ukrainska Pravda ({edition})</title><link>{BASE}{EDITION_PREFIX[edition]}/</link>"
        f"<description>News</description>{''.join(entries)}</channel></rss>\n"
    ).encode()


def _urlset(entries: list[tuple[str, str, list[str]]], *, news: bool = False) -> bytes:
    rows = []
    for loc, lastmod, alternates in entries:
        links = "".join(f'<xhtml:link rel="alternate" href="{escape(a)}"/>' for a in alternates)
        rows.append(f"<url><loc>{escape(loc)}</loc><lastmod>{lastmod}</lastmod>{links}</url>")
    namespaces = (
        'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml"'
    )
    if news:
        namespaces += ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {namespaces}>{"".join(rows)}</urlset>\n'.encode()


def build_site(out_dir: Path) -> Site:
    """Write ``out_dir/site.warc.gz`` and ``out_dir/site.json``; return what the site holds."""
    out_dir.mkdir(parents=True, exist_ok=True)
    articles: list[SiteArticle] = []
    pages: dict[str, str] = {}
    for edition, kind, year, month, day, article_id, template_key, in_feed, in_news in ARTICLES:
        published = date(year, month, day)
        url = article_url(edition, kind, year, month, day, article_id)
        template = TEMPLATES[template_key]
        headline = f"{template.headline} (№{article_id})"
        lastmod = datetime(year, month, day, 12, 30, tzinfo=KYIV).isoformat()
        articles.append(
            SiteArticle(
                url,
                edition,
                LANGUAGES[edition],
                headline,
                published.isoformat(),
                template_key,
                lastmod,
                in_feed,
                in_news,
            )
        )
        pages[url] = variant_html(template, url, headline, published, article_id)
    golden_status: dict[str, int] = {}
    for url, status, edition, html in golden_pages():
        golden_status[url] = status
        pages[url] = html
        if status == 200:
            day = url_date(url)
            assert day is not None
            stamp = datetime.combine(day, datetime.min.time(), tzinfo=KYIV).isoformat()
            articles.append(
                SiteArticle(
                    url, edition, LANGUAGES[edition], None, day.isoformat(), "golden", stamp, True, False
                )
            )
    failed_urls = tuple(url for url, status in golden_status.items() if status != 200)
    listing = (
        TEMPLATES["post_2020"].html().split("<article", 1)[0]
        + "<div class='news_list'>News list</div></body></html>"
    )
    pages[NOT_ARTICLE_URL] = listing

    responses: list[tuple[str, int, list[tuple[str, str]], bytes]] = []
    html_type = [("Content-Type", "text/html; charset=utf-8")]
    responses.append((f"{BASE}/robots.txt", 200, [("Content-Type", "text/plain")], ROBOTS_TXT.encode()))
    for url, html in pages.items():
        body = html.encode("utf-8")
        if url == GZIPPED_URL:
            responses.append(
                (url, 200, [*html_type, ("Content-Encoding", "gzip")], gzip.compress(body, mtime=0))
            )
        else:
            responses.append((url, golden_status.get(url, 200), html_type, body))

    for url, target in REDIRECT_TARGETS.items():
        responses.append((url, 301, [("Location", target), ("Content-Type", "text/html")], b"moved"))

    rss_type = [("Content-Type", "application/rss+xml; charset=utf-8")]
    for edition in ("eng", "ukr", "rus"):
        items = [a for a in articles if a.edition == edition and a.in_feed]
        extra = [DISALLOWED_URL, OFFSITE_URL, *REDIRECT_TARGETS] if edition == "eng" else []
        extra += [url for url in failed_urls if _edition_of(url) == edition]
        responses.append(
            (f"{BASE}{EDITION_PREFIX[edition]}/rss/", 200, rss_type, _rss(edition, items, extra))
        )

    xml_type = [("Content-Type", "application/xml; charset=utf-8")]
    news = [(a.url, a.lastmod, []) for a in articles if a.in_news_sitemap]
    news += [
        (DISALLOWED_URL, "2025-12-11T10:00:00+02:00", []),
        (NOT_ARTICLE_URL, "2025-12-12T10:00:00+02:00", []),
    ]
    responses.append((f"{BASE}/sitemap/sitemap-news.xml", 200, xml_type, _urlset(news, news=True)))

    index_rows = "".join(
        f"<sitemap><loc>{BASE}/sitemap/sitemap-{y}-{m:02d}.xml.gz</loc><lastmod>{y}-{m:02d}-28</lastmod></sitemap>"
        for y, m in ((2025, 10), *MONTHS)  # 2025-10 is listed but not recorded: a range must not ask for it
    )
    index = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{index_rows}</sitemapindex>\n"
    ).encode()
    responses.append((f"{BASE}/sitemap/sitemap-archive.xml", 200, xml_type, index))
    for year, month in MONTHS:
        in_month = [a for a in articles if a.published.startswith(f"{year}-{month:02d}-")]
        entries: list[tuple[str, str, list[str]]] = []
        for article in in_month:
            # Ukrainian entries carry an hreflang alternate, like the live site's; the English page it
            # names is listed on its own too, and must still be fetched once.
            alternates = [a.url for a in in_month if a.edition == "eng" and a.published == article.published]
            entries.append((article.url, article.lastmod, alternates if article.edition == "ukr" else []))
        body = gzip.compress(_urlset(entries), mtime=0)
        responses.append(
            (
                f"{BASE}/sitemap/sitemap-{year}-{month:02d}.xml.gz",
                200,
                [("Content-Type", "application/x-gzip")],
                body,
            )
        )

    responses += other_sources.responses()
    other_articles = tuple(
        SiteArticle(
            other_sources.article_url(spec, story),
            "en",
            "en",
            story.headline,
            story.published[:10],
            "generic",
            story.published,
            True,
            False,
            spec.key,
        )
        for spec in other_sources.SPECS
        for story in spec.stories
    )

    warc = out_dir / "site.warc.gz"
    warc.unlink(missing_ok=True)
    with WarcRunWriter(out_dir, "site", name=warc.name, info={"software": "newsetl tests/site"}) as writer:
        for url, status, headers, body in responses:
            writer.write_exchange(url, status=status, response_headers=headers, body=body)
    site = Site(
        warc,
        tuple(articles),
        DISALLOWED_URL,
        NOT_ARTICLE_URL,
        OFFSITE_URL,
        failed_urls,
        other_articles=other_articles,
    )
    (out_dir / "site.json").write_text(
        json.dumps(
            {
                "warc": str(warc),
                "articles": [asdict(a) for a in articles],
                "other_articles": [asdict(a) for a in other_articles],
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    return site


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data/fixture-site")
    built = build_site(target)
    print(f"{built.warc}: {len(built.articles)} articles")
