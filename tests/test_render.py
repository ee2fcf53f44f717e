"""Rendering (``render: true``): an article whose text a script writes is read through the distribution's
Chromium, over real HTTP, by a real ``scrapy crawl``; without rendering the same page has no body.

The site is served by a local HTTP server that answers as the mirror; the page also asks for an image and a
script on another origin, which the renderer must never load.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import site_fixtures

pytestmark = pytest.mark.slow

SITE = "https://www.scripted-news.example"
ARTICLE = f"{SITE}/news/council-approves-new-tram-line-for-the-river-district"
PARAGRAPHS = (
    "The city council approved on Tuesday a new tram line that will link the river district with the "
    "central station, after two years of consultations with residents and transport experts.",
    "Construction is to start next spring and last about three years; the line will have eleven stops and "
    "trams will run every six minutes at peak hours, the transport department said.",
    "Residents of the river district have asked for a direct connection for more than a decade, since the "
    "last bus route across the bridge was cut during the renovation of the embankment.",
)


def _page(foreign: str) -> bytes:
    # The article's paragraphs exist only in the script's string: the HTML as served has none.
    text = json.dumps(list(PARAGRAPHS))
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Council approves new tram line for the river district</title>
<meta property="og:type" content="article">
<meta property="article:published_time" content="2025-12-09T10:00:00+02:00">
</head><body><header><a href="/">Scripted News</a></header>
<article><h1>Council approves new tram line for the river district</h1><div id="text"></div></article>
<img src="{foreign}/pixel.gif"><script src="{foreign}/tracker.js"></script>
<script>
for (const line of {text}) {{
  const p = document.createElement("p"); p.textContent = line;
  document.getElementById("text").appendChild(p);
}}
</script></body></html>""".encode()


class _Site(BaseHTTPRequestHandler):
    pages: dict[str, tuple[str, bytes]] = {}

    def do_GET(self) -> None:
        found = self.pages.get(self.path.split("?")[0])
        self.send_response(200 if found else 404)
        body = found[1] if found else b"not here"
        self.send_header("Content-Type", found[0] if found else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        type(self).hits.append(self.path)  # type: ignore[attr-defined]


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def foreign() -> Iterator[tuple[str, list[str]]]:
    """Another origin the page points at: it must never be asked for anything."""
    handler = type("Foreign", (_Site,), {"pages": {}, "hits": []})
    for url in _serve(handler):
        yield url, handler.hits  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def mirror(foreign: tuple[str, list[str]]) -> Iterator[str]:
    feed = site_fixtures.rss_feed([ARTICLE], site=SITE + "/")
    pages = {
        "/robots.txt": ("text/plain", b"User-agent: *\nAllow: /\n"),
        "/feed.xml": ("application/rss+xml", feed),
        "/news/council-approves-new-tram-line-for-the-river-district": ("text/html", _page(foreign[0])),
    }
    handler = type("Scripted", (_Site,), {"pages": pages, "hits": []})
    yield from _serve(handler)


def _sources(tmp_path: Path, render: bool) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(
        f"""sources:
  - key: scripted
    label: Scripted News
    base_url: {SITE}
    editions: {{en: en}}
    discovery: {{feeds: [/feed.xml]}}
    parser: generic
{"    render: true" if render else ""}
""",
        encoding="utf-8",
    )
    return path


def _crawl(tmp_path: Path, mirror: str, render: bool) -> site_fixtures.CrawlRun:
    sources = _sources(tmp_path, render)
    return site_fixtures.run_scrapy(
        tmp_path / "run", mirror, "source=scripted", f"sources={sources}", spider="generic"
    )


def test_a_rendered_source_reads_the_text_its_script_writes(
    tmp_path: Path, mirror: str, foreign: tuple[str, list[str]]
) -> None:
    run = _crawl(tmp_path, mirror, render=True)
    assert run.returncode == 0, run.log[-3000:]
    [item] = run.items
    assert item["url"] == ARTICLE
    assert item["headline"] == "Council approves new tram line for the river district"
    blocks = json.dumps(item["blocks"], ensure_ascii=False)
    for paragraph in PARAGRAPHS:
        assert paragraph in blocks
    # The page's image and script on another origin were aborted, never fetched.
    assert foreign[1] == []
    outcomes = [json.loads(line) for line in (tmp_path / "run" / "outcomes.jsonl").read_text().splitlines()]
    assert [(o["url"], o["outcome"], o.get("fetched_with")) for o in outcomes] == [
        (ARTICLE, "parsed", "render")
    ]


def test_without_rendering_the_same_page_has_no_body(tmp_path: Path, mirror: str) -> None:
    run = _crawl(tmp_path, mirror, render=False)
    assert run.returncode == 0, run.log[-3000:]
    assert run.items == []
    outcomes = [json.loads(line) for line in (tmp_path / "run" / "outcomes.jsonl").read_text().splitlines()]
    assert [(o["url"], o["outcome"], o["reason"]) for o in outcomes] == [(ARTICLE, "not_article", "no_body")]
