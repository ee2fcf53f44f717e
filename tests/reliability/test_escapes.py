"""Escape routes (issue 14, faults 1 and 2): every way a hostile site made the crawler read a local file or
talk to an address other than the source's own scheme, host and port, reproduced with hostile servers on
127.0.0.1 (and 127.0.0.2) and real ``scrapy crawl`` runs.

Two crawls: the pravda spider with a hostile server as its mirror (the requests keep the real site's URLs,
the server sees them as paths with ``X-Newsetl-Origin``), and the generic spider on a source whose base URL
is the hostile server itself, with "internal services" beside it that must never be asked anything.
"""

from __future__ import annotations

import gzip
import os
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import other_sources
import pytest
import site_fixtures
from conftest import BASE, builder, record_figures
from recording_server import Answer, recording_server
from wh_factory import make_record
from wh_query import query

from transforms.sources import load_sources
from transforms.validate import validate_record

pytestmark = pytest.mark.slow

SECRET = "root:x:0:0:NEWSETL-SECRET-7f3a9c:/root:/bin/bash"
BIG_MARKER = b"NEWSETL-BIG-LOCAL-FILE-51c2"
LOCAL_HEADLINE = "A local file loaded as an article (7600407)"
MAX_RESPONSE_BYTES = 256 * 1024


def _article(day: int, article_id: int) -> str:
    return str(builder.article_url("eng", "news", 2025, 12, day, article_id))


def _path(url: str) -> str:
    return url.removeprefix(BASE)


def _page(url: str, headline: str, article_id: int) -> bytes:
    template = builder.TEMPLATES["post_2020"]
    return str(builder.variant_html(template, url, headline, date(2025, 12, 1), article_id)).encode()


def _moved(location: str) -> Answer:
    return Answer(301, [("Location", location), ("Content-Type", "text/html")], b"moved")


def _warc_bytes(run: Any) -> bytes:
    return b"".join(gzip.decompress(path.read_bytes()) for path in run.warcs)


# -- the mirror crawl: fault 1 (local files) and the mirror's origin header (fault 2) ------------------

GOOD = _article(1, 7600400)
TO_SECRET = _article(1, 7600401)  # redirects to file://www.pravda.com.ua/…/passwd
TO_LOCAL_HTML = _article(1, 7600402)  # redirects to a local HTML file that parses as an article
TO_BIG_FILE = _article(1, 7600403)  # redirects to a local file 4x the response size cap
TO_BACKSLASH = _article(1, 7600404)  # Location: http://127.0.0.1:9999\@www.pravda.com.ua/…
TO_OTHER_PORT = _article(1, 7600405)  # Location: https://www.pravda.com.ua:8443/…
MIRROR_EXPECTED = {
    GOOD: ("parsed", ""),
    TO_SECRET: ("skipped", "not_http"),
    TO_LOCAL_HTML: ("skipped", "not_http"),
    TO_BIG_FILE: ("skipped", "not_http"),
    TO_BACKSLASH: ("skipped", "backslash"),
    TO_OTHER_PORT: ("skipped", "offsite"),
}


@pytest.fixture(scope="module")
def mirror_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    files = tmp_path_factory.mktemp("local-files")
    secret = files / "passwd"
    secret.write_text(SECRET + "\n")
    local_html = files / "article.html"
    local_html.write_bytes(_page(_article(1, 7600407), LOCAL_HEADLINE, 7600407))
    big = files / "big.bin"
    big.write_bytes(BIG_MARKER + b"\0" * (4 * MAX_RESPONSE_BYTES))
    inside = "file://www.pravda.com.ua"
    routes = {
        "/eng/rss/": Answer(
            200, [("Content-Type", "application/rss+xml")], site_fixtures.rss_feed(list(MIRROR_EXPECTED))
        ),
        # A sitemap index whose only entry is a local file.
        "/sitemap/sitemap-news.xml": Answer(
            200,
            [("Content-Type", "application/xml")],
            b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + f"<sitemap><loc>{inside}{secret}</loc></sitemap></sitemapindex>".encode(),
        ),
        _path(GOOD): Answer(
            200, [("Content-Type", "text/html; charset=utf-8")], _page(GOOD, "Good", 7600400)
        ),
        _path(TO_SECRET): _moved(f"{inside}{secret}"),
        _path(TO_LOCAL_HTML): _moved(f"{inside}{local_html}"),
        _path(TO_BIG_FILE): _moved(f"{inside}{big}"),
        _path(TO_BACKSLASH): _moved("http://127.0.0.1:9999\\@www.pravda.com.ua/eng/news/2025/12/1/7600406/"),
        _path(TO_OTHER_PORT): _moved("https://www.pravda.com.ua:8443/eng/news/2025/12/1/7600406/"),
    }
    run_dir = tmp_path_factory.mktemp("escapes-mirror") / "run"
    env = site_fixtures.quiet_env(run_dir.parent / "data", NEWSETL_MAX_RESPONSE_BYTES=str(MAX_RESPONSE_BYTES))
    with recording_server() as server:
        server.reset(routes)
        run = site_fixtures.run_scrapy(run_dir, server.origin, "edition=eng", env=env)
        seen = list(server.seen)
    assert run.returncode == 0, run.log[-3000:]
    return {"run": run, "seen": seen}


def test_a_sitemap_index_entry_naming_a_local_file_is_never_read(mirror_run: dict[str, Any]) -> None:
    run = mirror_run["run"]
    assert SECRET.encode() not in _warc_bytes(run)
    assert "not a sitemap" not in run.log  # the local file was never fetched and read as one
    assert run.stats.get("newsetl/refused/not_http", 0) >= 1


def test_an_article_redirect_to_a_local_file_is_refused(mirror_run: dict[str, Any]) -> None:
    run = mirror_run["run"]
    assert run.outcomes[TO_SECRET]["outcome"] == "skipped"
    assert run.outcomes[TO_SECRET]["reason"] == "not_http"
    assert SECRET.encode() not in _warc_bytes(run)


def test_a_redirect_to_a_local_html_file_is_not_loaded(mirror_run: dict[str, Any]) -> None:
    run = mirror_run["run"]
    assert [item["headline"] for item in run.items if item["headline"] == LOCAL_HEADLINE] == []
    assert run.outcomes[TO_LOCAL_HTML]["reason"] == "not_http"
    assert LOCAL_HEADLINE.encode() not in _warc_bytes(run)


def test_a_redirect_to_a_huge_local_file_is_refused_before_reading(mirror_run: dict[str, Any]) -> None:
    run = mirror_run["run"]
    assert run.outcomes[TO_BIG_FILE] | {"http_status": None} == {
        "url": TO_BIG_FILE,
        "outcome": "skipped",
        "reason": "not_http",
        "http_status": None,
    }
    assert BIG_MARKER not in _warc_bytes(run)


def test_mirror_requests_carry_only_the_sources_own_origin(mirror_run: dict[str, Any]) -> None:
    # Location: http://127.0.0.1:9999\@www.pravda.com.ua/ went out with X-Newsetl-Origin: http://127.0.0.1:9999.
    origins = {seen.origin for seen in mirror_run["seen"]}
    assert origins == {BASE}
    paths = {seen.path for seen in mirror_run["seen"]}
    assert not any("@" in path for path in paths)
    outcomes = mirror_run["run"].outcomes
    wrong = {
        url: outcomes.get(url)
        for url, (outcome, reason) in MIRROR_EXPECTED.items()
        if (outcomes.get(url) or {}).get("outcome") != outcome or reason not in outcomes[url]["reason"]
    }
    assert wrong == {}


# -- the direct crawl: fault 2 (hosts, ports, backslashes) ----------------------------------------------


@pytest.fixture(scope="module")
def direct_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    with (
        recording_server("127.0.0.1") as site,
        recording_server("127.0.0.1") as other_port,
        recording_server("127.0.0.2") as internal,
    ):
        origin = site.origin
        backslash = f"http://127.0.0.2:{internal.port}\\@127.0.0.1:{site.port}"
        urls = {
            "good": f"{origin}/a/good-story",
            "redirect_backslash": f"{origin}/a/redirect-backslash",
            "redirect_port": f"{origin}/a/redirect-port",
            "listed_backslash": f"{backslash}/a/listed",
            "listed_port": f"{other_port.origin}/a/listed",
        }
        spec = other_sources.SPECS[0]
        story = replace(spec.stories[0], path="/a/good-story")
        page = other_sources.page_html(replace(spec, base=origin), story).encode()
        site.reset(
            {
                "/rss/": Answer(
                    200,
                    [("Content-Type", "application/rss+xml")],
                    site_fixtures.rss_feed(list(urls.values())),
                ),
                "/a/good-story": Answer(200, [("Content-Type", "text/html; charset=utf-8")], page),
                "/a/redirect-backslash": _moved(f"{backslash}/a/inside"),
                "/a/redirect-port": _moved(f"{other_port.origin}/admin"),
            }
        )
        for server in (other_port, internal):
            server.reset({"/admin": Answer(200, [("Content-Type", "text/html")], b"<p>internal</p>")})
        run_dir = tmp_path_factory.mktemp("escapes-direct") / "run"
        sources = _sources_file(run_dir.parent / "sources.yaml", origin, "/rss/")
        run = site_fixtures.run_scrapy(run_dir, "", "source=hostile", f"sources={sources}", spider="generic")
        result = {
            "run": run,
            "urls": urls,
            "site": site,
            "site_seen": list(site.seen),
            "leaked": [*other_port.seen, *internal.seen],
        }
    assert run.returncode == 0, run.log[-3000:]
    return result


def _sources_file(path: Path, base_url: str, feed: str) -> Path:
    path.write_text(
        "sources:\n"
        "  - key: hostile\n"
        "    label: Hostile Test Site\n"
        f"    base_url: {base_url}\n"
        "    editions:\n"
        "      en: en\n"
        "    discovery:\n"
        "      feeds:\n"
        f'        - "{feed}"\n'
        "    article_pattern: ^/a/\n"
        "    parser: generic\n"
        "    enabled: true\n",
        encoding="utf-8",
    )
    return path


def _outcome_ending(outcomes: dict[str, Any], url: str) -> dict[str, Any]:
    """The outcome of a discovered URL, whatever case its canonical form gave the host."""
    (line,) = [line for u, line in outcomes.items() if u.lower() == url.lower()]
    return dict(line)


def test_nothing_reaches_another_host_or_port(direct_run: dict[str, Any]) -> None:
    # http://127.0.0.2:P\@127.0.0.1:Q/ is 127.0.0.1:Q to urlsplit and 127.0.0.2:P to Scrapy; a redirect to
    # 127.0.0.1 on another port was followed; neither may reach the internal services.
    assert direct_run["leaked"] == []
    site = direct_run["site"]
    assert {seen.host for seen in direct_run["site_seen"]} == {f"127.0.0.1:{site.port}"}


def test_hostile_redirects_and_links_end_skipped_with_their_reason(direct_run: dict[str, Any]) -> None:
    outcomes, urls = direct_run["run"].outcomes, direct_run["urls"]
    reasons = {
        name: (_outcome_ending(outcomes, url)["outcome"], _outcome_ending(outcomes, url)["reason"])
        for name, url in urls.items()
    }
    assert reasons == {
        "good": ("parsed", ""),
        "redirect_backslash": ("skipped", "backslash"),
        "redirect_port": ("skipped", "offsite"),
        "listed_backslash": ("skipped", "backslash"),
        "listed_port": ("skipped", "offsite"),
    }


def test_a_sources_file_discovery_path_to_another_host_stops_the_spider(tmp_path: Path) -> None:
    # "//127.0.0.2:9/rss/" passes the sources file's schema as a path.
    sources = _sources_file(tmp_path / "sources.yaml", "http://127.0.0.1:9", "//127.0.0.2:9/rss/")
    run = site_fixtures.run_scrapy(
        tmp_path / "run", "", "source=hostile", f"sources={sources}", spider="generic"
    )
    assert run.returncode == 2
    assert "discovery URL '//127.0.0.2:9/rss/' is on localhost or a non-public IP address" in run.log
    assert "Traceback" not in run.log


def test_a_source_name_that_resolves_to_a_private_address_is_never_contacted(tmp_path: Path) -> None:
    # A public-looking name answering with a loopback address (DNS rebinding, a poisoned resolver): the guard
    # resolves names itself, through the crawl's own resolver. tests/site/hosts_resolver.py stands in for DNS.
    with recording_server("127.0.0.1") as site:
        site.reset(
            {"/rss/": Answer(200, [("Content-Type", "application/rss+xml")], site_fixtures.rss_feed([]))}
        )
        sources = _sources_file(tmp_path / "sources.yaml", f"http://news.rebind.test:{site.port}", "/rss/")
        python_path = ":".join(filter(None, [str(site_fixtures.HERE), os.environ.get("PYTHONPATH", "")]))
        run = site_fixtures.run_scrapy(
            tmp_path / "run",
            "",
            "source=hostile",
            f"sources={sources}",
            spider="generic",
            env=site_fixtures.quiet_env(tmp_path / "data", PYTHONPATH=python_path),
            settings={
                "DNS_RESOLVER": "hosts_resolver.HostsResolver",
                "NEWSETL_TEST_HOSTS": "news.rebind.test=127.0.0.1",
            },
        )
        seen = list(site.seen)
    assert run.returncode == 0, run.log[-3000:]
    assert seen == []
    assert run.stats.get("newsetl/refused/private_address", 0) >= 1


# -- seeds and the transform step: the same URL rule ----------------------------------------------------

HOSTILE_SEED_URL = "http://127.0.0.1:9999\\@www.pravda.com.ua/eng/news/2023/09/30/7422079/"


def test_seed_import_refuses_a_url_the_crawler_would_not_fetch(tmp_path: Path) -> None:
    seed = (site_fixtures.ROOT / "seeds" / "000_fca3a0f034b59467.txt").read_text(encoding="utf-8")
    real_url = seed.rstrip("\n").rsplit("\n", 1)[-1]
    document = tmp_path / "hostile.txt"
    document.write_text(seed.replace(real_url, HOSTILE_SEED_URL), encoding="utf-8")
    warehouse = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    done = subprocess.run(
        [str(site_fixtures.VENV_BIN / "newsetl"), "seed", "import", str(document), "--url", warehouse],
        cwd=site_fixtures.ROOT,
        env=site_fixtures.quiet_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0, done.stdout
    assert "backslash" in done.stderr and "nothing was imported" in done.stderr
    assert "Traceback" not in done.stderr
    if (tmp_path / "warehouse.sqlite").exists():
        assert query(warehouse, "SELECT url FROM articles") == []


def test_the_transform_step_quarantines_a_record_url_off_the_sources_origin() -> None:
    sources = load_sources(site_fixtures.ROOT / "seeds" / "sources.yaml")
    good = make_record(1)
    assert validate_record(good, sources) == []
    for url, reason in (
        (HOSTILE_SEED_URL, "backslash"),
        ("https://user@www.pravda.com.ua/eng/news/1/", "user name"),
        ("https://www.pravda.com.ua:8443/eng/news/1/", "scheme, host and port"),
    ):
        reasons = validate_record(replace(good, url=url), sources)
        assert any(reason in r for r in reasons), reasons


# -- the summary row ------------------------------------------------------------------------------------


def test_escape_routes_figures(mirror_run: dict[str, Any], direct_run: dict[str, Any]) -> None:
    runs = [mirror_run["run"], direct_run["run"]]
    outcomes = [line for run in runs for line in run.outcomes.values()]
    refused = [line for line in outcomes if line["outcome"] == "skipped"]
    discovery_refused = mirror_run["run"].stats.get("newsetl/refused/not_http", 0)  # the sitemap entry
    items = [item["url"] for run in runs for item in run.items]
    good = {GOOD, direct_run["urls"]["good"]}
    record_figures(
        "escape routes (schemes, hosts, ports)",
        faulted=len(outcomes) - len(good) + 1,  # + the sitemap index entry
        refused=len(refused) + discovery_refused,
        lost=len(good - set(items)),
        duplicated=len(items) - len(set(items)),
    )
    assert len(refused) == len(outcomes) - len(good)
    assert good <= set(items) and len(items) == len(set(items))
