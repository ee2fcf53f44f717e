"""Invented news sites for ``newsetl sources probe``, recorded in one WARC that one replay server serves.

- ``FEED_SITE`` (Dnipro Herald): robots.txt without ``Sitemap:`` lines and no sitemap; the home page links
  an RSS feed on the site and one on another host. The feed lists four articles at short ids
  (``/news/4821``: too short for the generic URL test, so the probe must learn an ``article_pattern``), a
  section page (a listing) and an article on another site.
- ``SITEMAP_SITE`` (Kyiv Evening): no feed at all. robots.txt lists a Google News sitemap (``news:news``
  entries) and a sitemap index of monthly sitemaps named ``/sitemaps/posts/YYYY/MM.xml``;
  ``/sitemap_index.xml`` is the same index again. Two editions, ``/uk/`` and ``/en/``, with dated slug URLs.
- ``EMPTY_SITE`` (Quiet Town): a home page and robots.txt, nothing to discover.

Every page is made up here. ``build_probe_sites(out_dir)`` writes ``out_dir/probe-sites.warc.gz`` and
returns what the tests expect of it (:class:`ProbeSites`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape as html_escape
from pathlib import Path
from xml.sax.saxutils import escape

from build_site import _urlset

from scrapers.warc import WarcRunWriter

FEED_SITE = "https://www.dnipro-herald.example"
SITEMAP_SITE = "https://www.kyiv-evening.example"
EMPTY_SITE = "https://quiet-town.example"


@dataclass(frozen=True)
class ProbeArticle:
    site: str
    path: str
    language: str
    headline: str
    published: str  # ISO date-time with offset
    paragraphs: tuple[str, ...]
    in_news_sitemap: bool = True

    @property
    def url(self) -> str:
        return self.site + self.path


@dataclass(frozen=True)
class ProbeSites:
    warc: Path
    feed_articles: tuple[ProbeArticle, ...]  # every article of FEED_SITE's feed
    news_articles: tuple[ProbeArticle, ...]  # SITEMAP_SITE's news sitemap
    archive_articles: tuple[ProbeArticle, ...]  # SITEMAP_SITE's, only in a monthly sitemap


EN = (
    "The city council approved a plan on Tuesday to rebuild the tram depot that was damaged in the autumn, "
    "with the first lines expected to return to service before the spring.",
    "Engineers said the work would be paid for partly from the city budget and partly by a loan from an "
    "international development bank, which signed a preliminary agreement last month.",
    "Residents of the eastern districts, where buses have replaced trams since October, said the journeys "
    "to work now take almost twice as long during the morning rush hour.",
    "The council also asked the regional administration to speed up the delivery of generators for the "
    "depot, so that the trams could keep running during scheduled power outages.",
)
UK = (
    "Міська рада у вівторок ухвалила план відновлення трамвайного депо, яке було пошкоджене восени, і "
    "перші маршрути мають повернутися на лінію ще до весни.",
    "Інженери розповіли, що роботи оплатять частково з міського бюджету, а частково коштом кредиту "
    "міжнародного банку розвитку, з яким минулого місяця підписали попередню угоду.",
    "Мешканці східних районів, де з жовтня замість трамваїв курсують автобуси, кажуть, що дорога на роботу "
    "в ранкову годину пік тепер забирає майже вдвічі більше часу.",
    "Депутати також попросили обласну адміністрацію пришвидшити постачання генераторів для депо, щоб "
    "трамваї могли їздити під час планових відключень світла.",
)


def _variant(paragraphs: tuple[str, ...], n: int) -> tuple[str, ...]:
    """The text with its paragraphs turned by ``n``: each article reads differently."""
    n %= len(paragraphs)
    return paragraphs[n:] + paragraphs[:n]


FEED_ARTICLES = tuple(
    ProbeArticle(
        FEED_SITE,
        f"/news/{article_id}",
        "en",
        headline,
        f"2025-12-{day:02d}T{9 + n:02d}:15:00+02:00",
        _variant(EN, n),
    )
    for n, (article_id, day, headline) in enumerate(
        (
            (4821, 2, "Tram depot to be rebuilt before spring"),
            (4822, 3, "Council borrows to restore eastern tram lines"),
            (4830, 5, "Generators ordered for the city's tram depot"),
            (4833, 8, "Bus journeys in eastern districts twice as long"),
        )
    )
)
NEWS_ARTICLES = (
    ProbeArticle(
        SITEMAP_SITE,
        "/uk/suspilstvo/2025/12/03/tramvaine-depo-vidnovlyat-do-vesny/",
        "uk",
        "Трамвайне депо відновлять до весни",
        "2025-12-03T10:00:00+02:00",
        _variant(UK, 0),
    ),
    ProbeArticle(
        SITEMAP_SITE,
        "/uk/misto/2025/12/04/rada-pozychaye-na-tramvai/",
        "uk",
        "Рада позичає кошти на трамвайні лінії",
        "2025-12-04T11:30:00+02:00",
        _variant(UK, 1),
    ),
    ProbeArticle(
        SITEMAP_SITE,
        "/en/society/2025/12/03/tram-depot-to-be-rebuilt/",
        "en",
        "Tram depot to be rebuilt by spring",
        "2025-12-03T10:05:00+02:00",
        _variant(EN, 2),
    ),
    ProbeArticle(
        SITEMAP_SITE,
        "/en/city/2025/12/05/council-borrows-for-tram-lines/",
        "en",
        "Council borrows for the tram lines",
        "2025-12-05T08:45:00+02:00",
        _variant(EN, 3),
    ),
)
ARCHIVE_ARTICLES = (
    ProbeArticle(
        SITEMAP_SITE,
        "/uk/misto/2025/11/20/avtobusy-zamist-tramvaiv/",
        "uk",
        "Автобуси замість трамваїв: як їздить схід міста",
        "2025-11-20T09:00:00+02:00",
        _variant(UK, 2),
        in_news_sitemap=False,
    ),
)


def _article_html(article: ProbeArticle, site_name: str) -> str:
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "datePublished": article.published,
        "inLanguage": article.language,
        "author": {"@type": "Person", "name": "City Desk"},
        "publisher": {"@type": "Organization", "name": site_name},
        "mainEntityOfPage": article.url,
    }
    body = "".join(f"<p>{html_escape(p)}</p>" for p in article.paragraphs)
    title = html_escape(article.headline)
    return f"""<!DOCTYPE html>
<html lang="{article.language}"><head><meta charset="utf-8">
<title>{title} | {html_escape(site_name)}</title>
<link rel="canonical" href="{article.url}">
<meta property="og:type" content="article"><meta property="og:title" content="{title}">
<meta property="og:site_name" content="{html_escape(site_name)}">
<meta property="article:published_time" content="{article.published}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
</head><body>
<header><a href="/">{html_escape(site_name)}</a>
<nav><a href="/news/">News</a> <a href="/city/">City</a></nav></header>
<main><article><h1>{title}</h1><p class="byline">City Desk, <time>{article.published[:10]}</time></p>
<div class="article-body">{body}</div></article>
<aside><h3>More news</h3><ul><li><a href="/news/">All news</a></li></ul></aside></main>
<footer>&copy; {html_escape(site_name)}</footer></body></html>
"""


def _listing_html(site_name: str, language: str, links: list[tuple[str, str]], head: str = "") -> str:
    """A home or section page: teaser cards, no article metadata."""
    cards = "".join(
        f'<div class="card"><a href="{html_escape(href)}"><h3>{html_escape(text)}</h3></a>'
        f'<a class="more" href="{html_escape(href)}">Read more</a></div>'
        for href, text in links
    )
    return f"""<!DOCTYPE html>
<html lang="{language}"><head><meta charset="utf-8"><title>{html_escape(site_name)} – latest news</title>
<meta property="og:type" content="website"><meta property="og:site_name" content="{html_escape(site_name)}">
{head}</head><body><header><a href="/">{html_escape(site_name)}</a></header>
<main><h2>Latest</h2><div class="cards">{cards}</div></main><footer>&copy; {html_escape(site_name)}</footer>
</body></html>
"""


def _rss(site: str, name: str, links: list[tuple[str, str]]) -> bytes:
    items = "".join(
        f"<item><title>{escape(title)}</title><link>{escape(link)}</link></item>" for link, title in links
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(name)}</title><link>{site}/</link><description>News</description>{items}"
        "</channel></rss>\n"
    ).encode()


def _news_sitemap(articles: tuple[ProbeArticle, ...], name: str) -> bytes:
    rows = "".join(
        f"<url><loc>{escape(a.url)}</loc><news:news><news:publication><news:name>{escape(name)}</news:name>"
        f"<news:language>{a.language}</news:language></news:publication>"
        f"<news:publication_date>{a.published}</news:publication_date>"
        f"<news:title>{escape(a.headline)}</news:title></news:news></url>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{rows}</urlset>\n'
    ).encode()


def build_probe_sites(out_dir: Path) -> ProbeSites:
    out_dir.mkdir(parents=True, exist_ok=True)
    html = [("Content-Type", "text/html; charset=utf-8")]
    text = [("Content-Type", "text/plain")]
    xml = [("Content-Type", "application/xml; charset=utf-8")]
    responses: list[tuple[str, int, list[tuple[str, str]], bytes]] = []

    # The site with a feed.
    herald = "Dnipro Herald"
    feed_links = [(a.url, a.headline) for a in FEED_ARTICLES]
    feed_head = (
        '<link rel="alternate" type="application/rss+xml" title="Latest" href="/feeds/latest.xml">\n'
        '<link rel="alternate" type="application/rss+xml" href="https://feeds.elsewhere.example/herald">'
    )
    responses += [
        (f"{FEED_SITE}/robots.txt", 200, text, b"User-agent: *\nDisallow: /search/\n"),
        (f"{FEED_SITE}/", 200, html, _listing_html(herald, "en", feed_links, feed_head).encode()),
        (
            f"{FEED_SITE}/feeds/latest.xml",
            200,
            [("Content-Type", "application/rss+xml; charset=utf-8")],
            _rss(
                FEED_SITE,
                herald,
                [
                    *feed_links,
                    (f"{FEED_SITE}/news/", "All news"),
                    ("https://www.elsewhere.example/news/2025/12/02/partner-story/", "Partner story"),
                ],
            ),
        ),
        (f"{FEED_SITE}/news/", 200, html, _listing_html(herald, "en", feed_links).encode()),
    ]
    responses += [(a.url, 200, html, _article_html(a, herald).encode()) for a in FEED_ARTICLES]

    # The site with sitemaps only.
    evening = "Kyiv Evening"
    robots = (
        "User-agent: *\nDisallow: /search/\n\n"
        f"Sitemap: {SITEMAP_SITE}/sitemaps/news.xml\nSitemap: {SITEMAP_SITE}/sitemaps/index.xml\n"
    )
    months = {"2025/11": ARCHIVE_ARTICLES, "2025/12": NEWS_ARTICLES}
    index = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(
            f"<sitemap><loc>{SITEMAP_SITE}/sitemaps/posts/{month}.xml</loc>"
            f"<lastmod>{month.replace('/', '-')}-28</lastmod></sitemap>"
            for month in months
        )
        + "</sitemapindex>\n"
    ).encode()
    home_head = f'<link rel="alternate" hreflang="en" href="{SITEMAP_SITE}/en/">'
    home_links = [(a.path, a.headline) for a in NEWS_ARTICLES]
    responses += [
        (f"{SITEMAP_SITE}/robots.txt", 200, text, robots.encode()),
        (f"{SITEMAP_SITE}/", 200, html, _listing_html(evening, "uk", home_links, home_head).encode()),
        (f"{SITEMAP_SITE}/sitemaps/news.xml", 200, xml, _news_sitemap(NEWS_ARTICLES, evening)),
        (f"{SITEMAP_SITE}/sitemaps/index.xml", 200, xml, index),
        (f"{SITEMAP_SITE}/sitemap_index.xml", 200, xml, index),
    ]
    for month, articles in months.items():
        entries = [(a.url, a.published, []) for a in articles]
        responses.append((f"{SITEMAP_SITE}/sitemaps/posts/{month}.xml", 200, xml, _urlset(entries)))
    responses += [(a.url, 200, html, _article_html(a, evening).encode()) for a in NEWS_ARTICLES]
    responses += [(a.url, 200, html, _article_html(a, evening).encode()) for a in ARCHIVE_ARTICLES]

    # The site with nothing to find.
    responses += [
        (f"{EMPTY_SITE}/robots.txt", 200, text, b"User-agent: *\nDisallow:\n"),
        (f"{EMPTY_SITE}/", 200, html, _listing_html("Quiet Town", "en", [("/about/", "About us")]).encode()),
    ]

    warc = out_dir / "probe-sites.warc.gz"
    warc.unlink(missing_ok=True)
    with WarcRunWriter(out_dir, "probe", name=warc.name, info={"software": "newsetl tests/site"}) as writer:
        for url, status, headers, body in responses:
            writer.write_exchange(url, status=status, response_headers=headers, body=body)
    return ProbeSites(warc, FEED_ARTICLES, NEWS_ARTICLES, ARCHIVE_ARTICLES)
