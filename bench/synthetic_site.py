"""A synthetic Pravda-like site of N article pages, generated on request and served on 127.0.0.1.

    .venv/bin/python bench/synthetic_site.py --articles 10000 [--port 0]

Prints ``PORT <n>`` once it listens. Pages are made from the fixture site's three templates
(tests/site/build_site.py: the 2020–2024 English news design, the current news design, the current
long-form design), each with its own id, date and headline and two paragraphs of generated text inserted at
the start of the body, so no two articles have the same text. Article ``i`` is published on day ``i //
PER_DAY`` after 2024-01-01; the site has robots.txt, the sitemap archive index and one gzipped monthly
sitemap per month (``loc`` and ``lastmod``), which is what a crawl over a date range reads.

Crawlers reach it through the mirror handler (``NEWSETL_MIRROR``), so the real URLs are
https://www.pravda.com.ua/... The server counts requests by type; ``GET /__bench/counts`` returns them as
JSON and ``GET /__bench/reset`` sets them to zero (these two paths are not part of the site).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "site")]

from build_site import BASE, EDITION_PREFIX, TEMPLATES, Template, variant_html  # noqa: E402

FIRST_DAY = date(2024, 1, 1)
PER_DAY = 100
FIRST_ID = 9_000_000
# Edition, URL kind and template of article i, by i % 3.
KINDS = (("eng", "news", "post_2020"), ("ukr", "news", "news_2025"), ("rus", "articles", "article_2025"))
_BODY_START = re.compile(r'<div[^>]*class="(?:post_text|post_news_text|post_article_text)"[^>]*>')
_ARTICLE_PATH = re.compile(r"^/(?:eng/|rus/)?(?:news|articles)/(\d{4})/(\d\d)/(\d{1,2})/(\d+)/$")
WORDS = (
    "defence ukraine missile drone kyiv forces attack minister president government region city military "
    "energy grid power support partners sanctions frontline report according said reported official "
    "statement weapons ammunition allies negotiations economy budget parliament law court police winter "
    "railway harvest export grain port talks summit delegation mayor council repairs shelter volunteers"
).split()


@dataclass(frozen=True)
class Article:
    number: int
    edition: str
    kind: str
    template: str
    published: date

    @property
    def article_id(self) -> int:
        return FIRST_ID + self.number

    @property
    def url(self) -> str:
        p = self.published
        prefix = f"{BASE}{EDITION_PREFIX[self.edition]}/{self.kind}"
        return f"{prefix}/{p.year}/{p.month:02d}/{p.day}/{self.article_id}/"

    @property
    def lastmod(self) -> str:
        # Midnight Kyiv time of the publication day: never later than the page's own dateModified, so a
        # crawl that already stored the article has no reason to fetch it again.
        return f"{self.published.isoformat()}T00:00:00+02:00"


def article(number: int) -> Article:
    edition, kind, template = KINDS[number % 3]
    return Article(number, edition, kind, template, FIRST_DAY + timedelta(days=number // PER_DAY))


def months(count: int) -> list[tuple[int, int]]:
    """The (year, month) pairs that the first ``count`` articles fall in, in order."""
    last = article(count - 1).published
    found, day = [], FIRST_DAY
    while (day.year, day.month) <= (last.year, last.month):
        found.append((day.year, day.month))
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return found


def date_range(count: int) -> tuple[date, date]:
    return FIRST_DAY, article(count - 1).published


class Generator:
    """Makes the site's responses; pages are built on request, sitemaps once per month."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.templates: dict[str, Template] = TEMPLATES
        self.split = {key: self._split(t) for key, t in TEMPLATES.items()}

    @staticmethod
    def _split(template: Template) -> tuple[Template, str, str]:
        html = template.html()
        match = _BODY_START.search(html)
        if match is None:
            raise ValueError(f"{template.path}: no body container to insert text into")
        return template, html[: match.end()], html[match.end() :]

    def page(self, number: int) -> bytes:
        a = article(number)
        rng = random.Random(number)
        paragraphs = "".join(
            "<p>" + " ".join(rng.choice(WORDS) for _ in range(rng.randint(30, 60))).capitalize() + ".</p>"
            for _ in range(2)
        )
        headline = " ".join(rng.choice(WORDS) for _ in range(9)).capitalize() + f" ({a.article_id})"
        template, head, tail = self.split[a.template]
        # variant_html reads the template's own file; give it the page with the new text in instead.
        html = _with_html(template, head + paragraphs + tail)
        return variant_html(html, a.url, headline, a.published, a.article_id).encode("utf-8")

    def robots(self) -> bytes:
        return b"User-agent: *\nDisallow: /search/\n"

    def archive_index(self) -> bytes:
        rows = "".join(
            f"<sitemap><loc>{BASE}/sitemap/sitemap-{y}-{m:02d}.xml.gz</loc></sitemap>"
            for y, m in months(self.count)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>\n'
        ).encode()

    @cache  # noqa: B019 - one generator per server process, kept for its lifetime
    def month_sitemap(self, year: int, month: int) -> bytes | None:
        first = date(year, month, 1)
        start = max(0, (first - FIRST_DAY).days * PER_DAY)
        rows = []
        for number in range(start, self.count):
            a = article(number)
            if (a.published.year, a.published.month) != (year, month):
                break
            rows.append(f"<url><loc>{a.url}</loc><lastmod>{a.lastmod}</lastmod></url>")
        if not rows:
            return None
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{"".join(rows)}</urlset>\n'
        )
        return gzip.compress(body.encode(), mtime=0)

    def number_of(self, path: str) -> int | None:
        match = _ARTICLE_PATH.match(path)
        if not match:
            return None
        number = int(match[4]) - FIRST_ID
        if not 0 <= number < self.count or article(number).url != BASE + path:
            return None
        return number


@dataclass(frozen=True)
class _PageTemplate:
    """A template whose html() is given text rather than read from its file."""

    url: str
    headline: str
    iso_date: str
    path_date: str
    article_id: str
    text: str

    def html(self) -> str:
        return self.text


def _with_html(template: Template, text: str) -> Template:
    page = _PageTemplate(
        template.url, template.headline, template.iso_date, template.path_date, template.article_id, text
    )
    return page  # duck-typed: variant_html only reads these fields


def make_handler(site: Generator, counts: Counter[str], lock: threading.Lock) -> type[BaseHTTPRequestHandler]:
    sitemap_month = re.compile(r"^/sitemap/sitemap-(\d{4})-(\d\d)\.xml\.gz$")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real site; every answer has a Content-Length

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _count(self, kind: str) -> None:
            with lock:
                counts[kind] += 1

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/__bench/counts":
                with lock:
                    body = json.dumps(dict(counts)).encode()
                self._send(200, body, "application/json")
                return
            if path == "/__bench/reset":
                with lock:
                    counts.clear()
                self._send(200, b"{}", "application/json")
                return
            if path == "/robots.txt":
                self._count("robots.txt")
                self._send(200, site.robots(), "text/plain")
                return
            if path == "/sitemap/sitemap-archive.xml":
                self._count("sitemap index")
                self._send(200, site.archive_index(), "application/xml")
                return
            if match := sitemap_month.match(path):
                self._count("monthly sitemap")
                sitemap = site.month_sitemap(int(match[1]), int(match[2]))
                if sitemap is None:
                    self._send(404, b"not found", "text/plain")
                else:
                    self._send(200, sitemap, "application/x-gzip")
                return
            number = site.number_of(path)
            if number is not None:
                self._count("article page")
                self._send(200, site.page(number), "text/html; charset=utf-8")
                return
            self._count("other")
            self._send(404, b"not found", "text/plain")

    return Handler


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, required=True, help="number of article pages")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    args = parser.parse_args()
    if args.articles < 1:
        parser.error(f"--articles {args.articles}: expected at least 1")
    site = Generator(args.articles)
    counts: Counter[str] = Counter()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(site, counts, threading.Lock()))
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
