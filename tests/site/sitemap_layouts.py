"""Made-up news sites, one per sitemap layout seen on real sites, written as one WARC that one replay
server answers for every host; and the sources file that names them.

- ``posts``: an index of ``/sitemaps/posts/YYYY/MM.xml`` children; a second, yearly index is found only
  through robots.txt's ``Sitemap:`` lines (which also name a sitemap on another host, not followed).
- ``dayrange``: ``/ukrainian/default/YYYY/MM-DD-MM-DD.xml`` children, each a run of days under a year
  folder (one runs from December into January); entries carry ``news:publication_date``.
- ``numbered``: an index of a nested index of gzipped ``/sitemap_9_N.xml.gz`` parts dated only by their
  ``lastmod`` (an article edited weeks after it was published sits in an older part with a later lastmod).
- ``manyparts``: an index listing thousands of undated parts, for the children cap.
- ``feedsonly``: a source whose entry names feeds only (a range over it is refused).

Every article's page states its publication time; ``ARTICLES`` says which site published what, when.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import escape as html_escape
from pathlib import Path
from xml.sax.saxutils import escape

from scrapers.warc import WarcRunWriter

KYIV = timezone(timedelta(hours=2))
POSTS = "https://www.posts-archive.example"
DAYRANGE = "https://www.dayrange-news.example"
NUMBERED = "https://www.numbered-parts.example"
MANYPARTS = "https://www.many-parts.example"
FEEDSONLY = "https://www.feeds-only.example"
MANY_CHILDREN = 3000  # parts the manyparts index lists
MANY_PARTS_WITH_PAGES = 8  # of them, the first this many exist, one article each

XML = [("Content-Type", "application/xml; charset=utf-8")]
GZ = [("Content-Type", "application/x-gzip")]
HTML = [("Content-Type", "text/html; charset=utf-8")]
TEXT = [("Content-Type", "text/plain; charset=utf-8")]


@dataclass(frozen=True)
class Article:
    source: str
    url: str
    published: datetime
    headline: str
    paragraphs: tuple[str, ...]
    lastmod: datetime | None = None  # when the sitemap says it changed (None: its publication)
    language: str = "en"

    @property
    def modified(self) -> datetime:
        return self.lastmod or self.published


def _at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=KYIV)


_EN_TEXT = (
    "The city council approved the plan after a long debate on Tuesday evening, with most members agreeing "
    "that the works should start before the spring floods reach the lower districts of the town.",
    "Officials said the money would come from the regional budget and a loan from a development bank, and "
    "that contractors would be chosen in an open tender published on the council's website next week.",
    "Residents who spoke at the hearing asked for the bus routes along the river to be kept running during "
    "the works, and the transport department promised a temporary timetable by the end of the month.",
)
_UK_TEXT = (
    "Міська рада ухвалила рішення після довгого обговорення у вівторок увечері, більшість депутатів "
    "погодилися, що роботи мають початися до весняної повені в нижніх районах міста.",
    "Посадовці заявили, що гроші надійдуть з обласного бюджету та кредиту банку розвитку, а підрядників "
    "оберуть на відкритих торгах, оголошення про які опублікують на сайті ради наступного тижня.",
    "Мешканці, які виступили на слуханнях, попросили зберегти автобусні маршрути вздовж річки під час робіт, "
    "і транспортний департамент пообіцяв тимчасовий розклад до кінця місяця.",
)


def _story(
    source: str, url: str, day: str, headline: str, *, lastmod: str | None = None, uk: bool = False
) -> Article:
    text = _UK_TEXT if uk else _EN_TEXT
    # The headline opens the text too, so no two pages carry the same body.
    paragraphs = (f"{headline}.", *text)
    return Article(
        source,
        url,
        _at(day),
        headline,
        paragraphs,
        _at(lastmod, 18) if lastmod else None,
        "uk" if uk else "en",
    )


POSTS_ARTICLES = (
    # Edited in January, listed in November's sitemap: a late lastmod proves nothing.
    _story(
        "posts",
        f"{POSTS}/news/river-embankment-repairs-begin",
        "2025-11-20",
        "River embankment repairs begin",
        lastmod="2026-01-05",
    ),
    _story(
        "posts", f"{POSTS}/news/new-bus-depot-opens-north", "2025-12-01", "New bus depot opens in the north"
    ),
    _story(
        "posts",
        f"{POSTS}/news/winter-market-returns-to-square",
        "2025-12-15",
        "Winter market returns to the square",
    ),
    _story(
        "posts",
        f"{POSTS}/news/council-adopts-next-year-budget",
        "2025-12-31",
        "Council adopts next year's budget",
    ),
    _story(
        "posts",
        f"{POSTS}/news/school-heating-fixed-after-holidays",
        "2026-01-02",
        "School heating fixed after the holidays",
    ),
    _story(
        "posts", f"{POSTS}/news/tram-tender-winner-announced", "2026-01-20", "Tram tender winner announced"
    ),
)
DAYRANGE_ARTICLES = (
    _story(
        "dayrange",
        f"{DAYRANGE}/ukrainian/articles/c1a2b3",
        "2025-11-30",
        "У місті відкрили новий міст",
        uk=True,
    ),
    _story(
        "dayrange",
        f"{DAYRANGE}/ukrainian/articles/c4d5e6",
        "2025-12-05",
        "Ремонт лікарні завершили раніше",
        uk=True,
    ),
    _story(
        "dayrange",
        f"{DAYRANGE}/ukrainian/articles/c7f8a9",
        "2025-12-15",
        "Зимовий ярмарок повертається",
        uk=True,
    ),
    _story(
        "dayrange",
        f"{DAYRANGE}/ukrainian/articles/cb0c1d",
        "2025-12-29",
        "Рада затвердила бюджет на рік",
        uk=True,
    ),
    _story(
        "dayrange", f"{DAYRANGE}/ukrainian/articles/ce2f3a", "2026-01-03", "Школи відновили опалення", uk=True
    ),
    _story(
        "dayrange",
        f"{DAYRANGE}/ukrainian/articles/c4b5c6",
        "2026-01-15",
        "Оголошено переможця тендеру",
        uk=True,
    ),
)
NUMBERED_ARTICLES = (
    _story(
        "numbered",
        f"{NUMBERED}/news/8571-library-extends-opening-hours",
        "2025-11-10",
        "Library extends opening hours",
    ),
    # Edited on 16 December: its part's lastmod is that day, though it was published in November.
    _story(
        "numbered",
        f"{NUMBERED}/news/8576-park-lighting-replaced",
        "2025-11-25",
        "Park lighting replaced",
        lastmod="2025-12-16",
    ),
    _story("numbered", f"{NUMBERED}/news/8590-hospital-wing-reopens", "2025-12-02", "Hospital wing reopens"),
    _story(
        "numbered",
        f"{NUMBERED}/news/8603-ice-rink-opens-in-centre",
        "2025-12-15",
        "Ice rink opens in the centre",
    ),
    _story("numbered", f"{NUMBERED}/news/8622-new-year-concert-held", "2025-12-30", "New year concert held"),
    _story(
        "numbered",
        f"{NUMBERED}/news/8640-snow-clearing-plan-updated",
        "2026-01-04",
        "Snow clearing plan updated",
    ),
    _story(
        "numbered",
        f"{NUMBERED}/news/8661-museum-gets-new-director",
        "2026-01-21",
        "Museum gets a new director",
    ),
)
MANYPARTS_ARTICLES = tuple(
    _story(
        "manyparts",
        f"{MANYPARTS}/news/{9000 + n}-district-report-number-{n}",
        f"2025-12-{10 + n:02d}",
        f"District report number {n}",
    )
    for n in range(1, MANY_PARTS_WITH_PAGES + 1)
)
ARTICLES = POSTS_ARTICLES + DAYRANGE_ARTICLES + NUMBERED_ARTICLES + MANYPARTS_ARTICLES

SOURCES_YAML = f"""sources:
  - key: posts
    label: Posts Archive
    base_url: {POSTS}
    editions:
      en: en
    discovery:
      feeds:
        - /feed/
      sitemap_indexes:
        - /sitemap_index.xml
    article_pattern: ^/news/[a-z0-9-]+$
    parser: generic
  - key: dayrange
    label: Day Range News
    base_url: {DAYRANGE}
    editions:
      uk: uk
    discovery:
      sitemap_indexes:
        - /ukrainian/sitemap.xml
    article_pattern: ^/ukrainian/articles/c[0-9a-f]+$
    parser: generic
  - key: numbered
    label: Numbered Parts
    base_url: {NUMBERED}
    editions:
      en: en
    discovery:
      sitemap_indexes:
        - /sitemap.xml
    article_pattern: ^/news/[0-9]+-[a-z0-9-]+$
    parser: generic
  - key: manyparts
    label: Many Parts
    base_url: {MANYPARTS}
    editions:
      en: en
    discovery:
      sitemap_indexes:
        - /sitemap.xml
    article_pattern: ^/news/[0-9]+-[a-z0-9-]+$
    parser: generic
  - key: feedsonly
    label: Feeds Only
    base_url: {FEEDSONLY}
    editions:
      en: en
    discovery:
      feeds:
        - /feed/
    parser: generic
"""


def page_html(article: Article, site_name: str) -> str:
    url = article.url
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "datePublished": article.published.isoformat(),
        "dateModified": article.modified.isoformat(),
        "author": [{"@type": "Person", "name": "Newsroom"}],
        "publisher": {"@type": "Organization", "name": site_name},
        "inLanguage": article.language,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
    }
    title = html_escape(article.headline)
    body = "".join(f"<p>{html_escape(p)}</p>" for p in article.paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{article.language}">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="canonical" href="{url}">
<meta property="og:type" content="article">
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="{article.published.isoformat()}">
<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>
</head>
<body>
<header><a href="/">{html_escape(site_name)}</a><nav><a href="/news/">News</a></nav></header>
<main><article>
<h1>{title}</h1>
<time datetime="{article.published.isoformat()}">{article.published:%d.%m.%Y %H:%M}</time>
<div class="article-body">{body}</div>
</article></main>
<footer><p>&copy; {article.published.year} {html_escape(site_name)}</p></footer>
</body>
</html>
"""


def _index(children: list[tuple[str, datetime | None]]) -> bytes:
    rows = "".join(
        f"<sitemap><loc>{escape(loc)}</loc>"
        + (f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else "")
        + "</sitemap>"
        for loc, lastmod in children
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>\n'
    ).encode()


def _urlset(articles: list[Article], *, news: bool = False, extra: tuple[str, ...] = ()) -> bytes:
    rows = []
    for article in articles:
        news_part = (
            "<news:news><news:publication><news:name>Site</news:name>"
            f"<news:language>{article.language}</news:language></news:publication>"
            f"<news:publication_date>{article.published.isoformat()}</news:publication_date>"
            f"<news:title>{escape(article.headline)}</news:title></news:news>"
            if news
            else ""
        )
        rows.append(
            f"<url><loc>{escape(article.url)}</loc><lastmod>{article.modified.isoformat()}</lastmod>"
            f"{news_part}</url>"
        )
    rows += [f"<url><loc>{escape(loc)}</loc></url>" for loc in extra]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{"".join(rows)}</urlset>\n'
    ).encode()


def _in_month(articles: tuple[Article, ...], year: int, month: int) -> list[Article]:
    return [a for a in articles if (a.published.year, a.published.month) == (year, month)]


def _between(articles: tuple[Article, ...], first: str, last: str) -> list[Article]:
    return [a for a in articles if first <= a.published.date().isoformat() <= last]


Response = tuple[str, list[tuple[str, str]], bytes]


def _posts() -> list[Response]:
    out: list[Response] = [
        (
            f"{POSTS}/robots.txt",
            TEXT,
            (
                "User-agent: *\nDisallow: /wp-admin/\n\n"
                f"Sitemap: {POSTS}/sitemap_index.xml\n"
                f"sitemap: {POSTS}/sitemap_index_2026.xml  # the new year's posts\n"
                "Sitemap: https://cdn.static-files.example/posts/sitemap.xml\n"
            ).encode(),
        ),
        (
            f"{POSTS}/sitemap_index.xml",
            XML,
            _index(
                [
                    (f"{POSTS}/sitemaps/posts/2025/11.xml", _at("2026-01-05", 18)),
                    (f"{POSTS}/sitemaps/posts/2025/12.xml", _at("2025-12-31")),
                    (f"{POSTS}/sitemaps/pages.xml", None),
                ]
            ),
        ),
        (f"{POSTS}/sitemap_index_2026.xml", XML, _index([(f"{POSTS}/sitemaps/posts/2026/01.xml", None)])),
        (f"{POSTS}/sitemaps/pages.xml", XML, _urlset([], extra=(f"{POSTS}/about", f"{POSTS}/contacts"))),
    ]
    for year, month in ((2025, 11), (2025, 12), (2026, 1)):
        out.append(
            (
                f"{POSTS}/sitemaps/posts/{year}/{month:02d}.xml",
                XML,
                _urlset(_in_month(POSTS_ARTICLES, year, month)),
            )
        )
    return out


def _dayrange() -> list[Response]:
    base = f"{DAYRANGE}/ukrainian/default"
    spans = (
        ("2025", "11-13-11-26", "2025-11-13", "2025-11-26"),
        ("2025", "11-27-12-11", "2025-11-27", "2025-12-11"),
        ("2025", "12-12-12-26", "2025-12-12", "2025-12-26"),
        ("2025", "12-27-01-10", "2025-12-27", "2026-01-10"),
        ("2026", "01-11-01-25", "2026-01-11", "2026-01-25"),
    )
    out: list[Response] = [
        (
            f"{DAYRANGE}/robots.txt",
            TEXT,
            f"User-agent: *\nSitemap: {DAYRANGE}/ukrainian/sitemap.xml\n".encode(),
        ),
        (
            f"{DAYRANGE}/ukrainian/sitemap.xml",
            XML,
            _index([(f"{base}/{year}/{days}.xml", None) for year, days, _, _ in spans]),
        ),
    ]
    for year, days, first, last in spans:
        out.append(
            (f"{base}/{year}/{days}.xml", XML, _urlset(_between(DAYRANGE_ARTICLES, first, last), news=True))
        )
    return out


def _numbered() -> list[Response]:
    parts = (
        ("1", "2025-11-01", "2025-11-30"),
        ("2", "2025-12-01", "2025-12-31"),
        ("3", "2026-01-01", "2026-01-31"),
    )
    out: list[Response] = [
        (
            f"{NUMBERED}/robots.txt",
            TEXT,
            f"User-agent: *\nDisallow: /search\nSitemap: {NUMBERED}/sitemap.xml\n".encode(),
        ),
        # The configured index lists a nested index (the posts) and a pages sitemap.
        (
            f"{NUMBERED}/sitemap.xml",
            XML,
            _index(
                [
                    (f"{NUMBERED}/sitemap_posts.xml", _at("2026-01-21", 18)),
                    (f"{NUMBERED}/sitemap_pages.xml.gz", None),
                ]
            ),
        ),
        (f"{NUMBERED}/sitemap_pages.xml.gz", GZ, gzip.compress(_urlset([], extra=(f"{NUMBERED}/about",)))),
    ]
    children = []
    for number, first, last in parts:
        listed = _between(NUMBERED_ARTICLES, first, last)
        lastmod = max(a.modified for a in listed)
        url = f"{NUMBERED}/sitemap_9_{number}.xml.gz"
        children.append((url, lastmod))
        out.append((url, GZ, gzip.compress(_urlset(listed))))
    out.append((f"{NUMBERED}/sitemap_posts.xml", XML, _index(children)))
    return out


def _manyparts() -> list[Response]:
    children = [(f"{MANYPARTS}/sitemap-part-{n}.xml", None) for n in range(1, MANY_CHILDREN + 1)]
    out: list[Response] = [
        (f"{MANYPARTS}/robots.txt", TEXT, b"User-agent: *\n"),
        (f"{MANYPARTS}/sitemap.xml", XML, _index(children)),
    ]
    for n, article in enumerate(MANYPARTS_ARTICLES, start=1):
        out.append((f"{MANYPARTS}/sitemap-part-{n}.xml", XML, _urlset([article], news=True)))
    return out


SITE_NAMES = {
    "posts": "Posts Archive",
    "dayrange": "Day Range News",
    "numbered": "Numbered Parts",
    "manyparts": "Many Parts",
}


def build(out: Path) -> Path:
    """The WARC of every layout's site (robots.txt, indexes, sitemaps, article pages); returns its path."""
    out.mkdir(parents=True, exist_ok=True)
    responses = _posts() + _dayrange() + _numbered() + _manyparts()
    responses.append((f"{FEEDSONLY}/robots.txt", TEXT, b"User-agent: *\n"))
    for article in ARTICLES:
        responses.append((article.url, HTML, page_html(article, SITE_NAMES[article.source]).encode("utf-8")))
    with WarcRunWriter(out, "layouts", name="layouts.warc.gz", info={"software": "newsetl tests"}) as writer:
        for url, headers, body in responses:
            writer.write_exchange(url, status=200, response_headers=headers, body=body)
    return out / "layouts.warc.gz"


def published_between(source: str, since: str, until: str) -> set[str]:
    """The article URLs ``source`` published from ``since`` to ``until`` (days as the site writes them)."""
    return {
        a.url for a in ARTICLES if a.source == source and since <= a.published.date().isoformat() <= until
    }
