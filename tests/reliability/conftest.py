"""Fixtures for the reliability tests: a hostile copy of pravda.com.ua recorded as a WARC, and helpers that
run the real pipeline steps (crawl in a child process -> transform -> load) against a replay server.

The hostile site holds one good article per edition plus every kind of bad page and hostile link the
fault matrix in docs/reliability.md lists; :class:`HostileSite` says what each URL must end as.
"""

from __future__ import annotations

import gzip
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import site_fixtures

from scrapers.warc import WarcRunWriter
from transforms.settings import Settings
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources

SOURCES = load_sources(DEFAULT_SOURCES_FILE)

TESTS = Path(__file__).resolve().parents[1]

builder = site_fixtures.build_site_module
BASE = builder.BASE


def _url(edition: str, day: int, article_id: int) -> str:
    return builder.article_url(edition, "news", 2025, 12, day, article_id)


# Good pages: the control group, they must load.
GOOD_ENG = _url("eng", 1, 7600001)
GOOD_UKR = _url("ukr", 1, 7600002)
# A real article whose body also carries script, style, an iframe, event handlers and a javascript: link.
SCRIPTED = _url("eng", 2, 7600003)
# Bad pages.
CP1251_AS_UTF8 = _url("ukr", 3, 7600004)  # windows-1251 bytes, declared UTF-8
UTF8_AS_CP1251 = _url("ukr", 4, 7600005)  # UTF-8 bytes, declared windows-1251 (header and meta)
MALFORMED = _url("eng", 5, 7600006)
EMPTY = _url("eng", 6, 7600007)
HUGE = _url("eng", 7, 7600008)  # 10 MB, over the 8 MiB response cap
GZIP_BOMB = _url("eng", 8, 7600009)  # 64 KiB on the wire, 64 MiB unpacked
BINARY = _url("eng", 9, 7600010)  # random bytes served as text/html
LOOP_A = _url("eng", 10, 7600011)  # listed; redirects to LOOP_B (not listed), which redirects back
LOOP_B = _url("eng", 10, 7600012)
# Hostile redirects: article URLs of the site that answer 301 elsewhere.
REDIRECTS = {
    _url("eng", 11, 7600101): "http://127.0.0.1:9/eng/news/2025/12/11/7600101/",
    _url("eng", 11, 7600102): "http://169.254.169.254/latest/meta-data/iam/",
    _url("eng", 11, 7600103): "http://10.0.0.7/internal/",
    _url("eng", 11, 7600104): "http://192.168.1.1/admin/",
    _url("eng", 11, 7600105): "http://[::1]/eng/news/2025/12/11/7600105/",
    _url("eng", 11, 7600106): "http://[fd00::5]/x/",
    _url("eng", 11, 7600107): "http://localhost/eng/news/2025/12/11/7600107/",
    _url("eng", 11, 7600108): "http://www.pravda.com.ua@127.0.0.1/eng/news/2025/12/11/7600108/",
    _url("eng", 11, 7600109): "https://www.pravda.com.ua.attacker.example/eng/news/2025/12/11/7600109/",
    _url("eng", 11, 7600110): "http://0.0.0.0/",
}
PRIVATE_REDIRECTS = {u for u, t in REDIRECTS.items() if "attacker" not in t}
# Hostile links straight in the feed.
PRIVATE_LINKS = (
    "http://127.0.0.1:9/eng/news/2025/12/12/7600201/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/eng/news/2025/12/12/7600202/",
    "http://[::1]:8080/eng/news/2025/12/12/7600203/",
    "http://localhost:8080/eng/news/2025/12/12/7600204/",
)
OFFSITE_LINKS = ("https://attacker.example/eng/news/2025/12/12/7600205/",)
# robots.txt: a day folder, a wildcard rule and an edition-wide rule; no listed page under them may be
# asked for, and neither may a redirect into one of them.
ROBOTS_TXT = (
    "User-agent: *\n"
    "Disallow: /eng/news/2025/12/13/\n"
    "Disallow: /*/7600303/\n"
    "Disallow: /rus/\n"
    "Disallow: /search/\n"
)
DISALLOWED = (
    _url("eng", 13, 7600301),
    _url("eng", 13, 7600302),
    _url("ukr", 14, 7600303),
    _url("eng", 14, 7600303),
)
# A redirect into a disallowed folder, to a page no feed lists.
REDIRECT_INTO_DISALLOWED = _url("eng", 15, 7600304)
DISALLOWED_TARGET = _url("eng", 13, 7600399)
REDIRECTS_ALL = {**REDIRECTS, LOOP_A: LOOP_B, LOOP_B: LOOP_A, REDIRECT_INTO_DISALLOWED: DISALLOWED_TARGET}

# What each URL must end as in outcomes.jsonl: (outcome, reason fragment).
EXPECTED_OUTCOMES: dict[str, tuple[str, str]] = {
    GOOD_ENG: ("parsed", ""),
    GOOD_UKR: ("parsed", ""),
    SCRIPTED: ("parsed", ""),
    UTF8_AS_CP1251: ("parsed", ""),  # UTF-8 bytes are read as UTF-8 whatever the page declares
    CP1251_AS_UTF8: ("parsed", ""),  # parsed into U+FFFD text, which the transform step quarantines
    MALFORMED: ("not_article", "unknown_layout"),
    EMPTY: ("not_article", "unknown_layout"),
    HUGE: ("failed", "larger than download max size"),
    GZIP_BOMB: ("failed", "DOWNLOAD_MAXSIZE"),
    BINARY: ("not_article", "unknown_layout"),
    LOOP_A: ("failed", "too many redirects"),
    **{u: ("skipped", "private_address") for u in PRIVATE_REDIRECTS},
    **{u: ("skipped", "offsite") for u in set(REDIRECTS) - PRIVATE_REDIRECTS},
    **{u: ("skipped", "private_address") for u in PRIVATE_LINKS},
    **{u: ("skipped", "offsite") for u in OFFSITE_LINKS},
    **{u: ("skipped", "robots") for u in DISALLOWED},
    REDIRECT_INTO_DISALLOWED: ("skipped", "robots"),
}
# Stage/warehouse end of the pages that are fetched: loaded, or quarantined with a reason.
LOADED = {GOOD_ENG, GOOD_UKR, SCRIPTED, UTF8_AS_CP1251}
QUARANTINED = {CP1251_AS_UTF8, MALFORMED, EMPTY, BINARY}

SCRIPT_INJECTION = (
    "<script>document.title='owned'</script><style>p{display:none}</style>"
    "<iframe src='javascript:alert(1)'></iframe><p>Injected <img src=x onerror=\"alert('x')\">"
    '<a href="javascript:alert(\'y\')" onclick="steal()">harmless words</a> end.</p>'
    "<noscript><p>noscript text</p></noscript><svg><script>alert(2)</script></svg>"
    "<title><script>alert(3)</script></title><textarea><img src=x onerror=alert(4)></textarea>"
)
MALFORMED_HTML = (
    b"<html><head><title>x</title><body><div class='post_news_text'><p>Unclosed <b>bold <i>italic</div></p>"
    b"</span><<>>& &#xZZZZ; &#0; <table><tr><td><p>cell</table> <!-- unterminated comment <p>more"
)


@dataclass(frozen=True)
class HostileSite:
    warc: Path
    headlines: dict[str, str] = field(default_factory=dict)  # good URL -> its headline

    expected_outcomes = EXPECTED_OUTCOMES


def _html(template_key: str, url: str, headline: str, published: date, article_id: int) -> str:
    template = builder.TEMPLATES[template_key]
    return str(builder.variant_html(template, url, headline, published, article_id))


def _rss(links: list[str]) -> bytes:
    items = "".join(
        f"<item><title>t</title><link>{link.replace('&', '&amp;')}</link></item>" for link in links
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>feed</title>'
        f"<link>{BASE}/</link><description>d</description>{items}</channel></rss>\n"
    ).encode()


def build_hostile_site(out_dir: Path) -> HostileSite:
    out_dir.mkdir(parents=True, exist_ok=True)
    html_utf8 = [("Content-Type", "text/html; charset=utf-8")]
    responses: list[tuple[str, int, list[tuple[str, str]], bytes]] = []
    headlines: dict[str, str] = {}

    def article(url: str, template: str, article_id: int) -> str:
        headline = f"{builder.TEMPLATES[template].headline} (№{article_id})"
        headlines[url] = headline
        day = builder.url_date(url) or date(2025, 12, 1)
        return _html(template, url, headline, day, article_id)

    responses.append((f"{BASE}/robots.txt", 200, [("Content-Type", "text/plain")], ROBOTS_TXT.encode()))
    responses.append((GOOD_ENG, 200, html_utf8, article(GOOD_ENG, "post_2020", 7600001).encode()))
    responses.append((GOOD_UKR, 200, html_utf8, article(GOOD_UKR, "news_2025", 7600002).encode()))
    scripted = article(SCRIPTED, "post_2020", 7600003)
    marker = '<div class="post_text">'
    assert marker in scripted, "the post_2020 template changed: update the injection point"
    scripted = scripted.replace(marker, marker + SCRIPT_INJECTION, 1)
    responses.append((SCRIPTED, 200, html_utf8, scripted.encode()))

    cp1251_page = article(CP1251_AS_UTF8, "news_2025", 7600004)
    headlines.pop(CP1251_AS_UTF8)
    responses.append((CP1251_AS_UTF8, 200, html_utf8, cp1251_page.encode("cp1251", errors="replace")))
    utf8_page = article(UTF8_AS_CP1251, "news_2025", 7600005).replace("charset=utf-8", "charset=windows-1251")
    responses.append(
        (UTF8_AS_CP1251, 200, [("Content-Type", "text/html; charset=windows-1251")], utf8_page.encode())
    )
    responses.append((MALFORMED, 200, html_utf8, MALFORMED_HTML))
    responses.append((EMPTY, 200, html_utf8, b""))
    huge = article(HUGE, "post_2020", 7600008)
    headlines.pop(HUGE)
    padding = "<p>" + "padding " * 1250 + "</p>"  # 10 KB a paragraph
    huge = huge.replace("</body>", padding * 1000 + "</body>")
    assert len(huge.encode()) > 10 * 1000 * 1000
    responses.append((HUGE, 200, html_utf8, huge.encode()))
    bomb = gzip.compress(b"<html><body>" + b"\0" * (64 * 1024 * 1024), compresslevel=9, mtime=0)
    responses.append((GZIP_BOMB, 200, [*html_utf8, ("Content-Encoding", "gzip")], bomb))
    noise = random.Random(8).randbytes(64 * 1024)
    responses.append((BINARY, 200, [("Content-Type", "text/html")], noise))
    for source, target in REDIRECTS_ALL.items():
        responses.append((source, 301, [("Location", target), ("Content-Type", "text/html")], b"moved"))
    # Recorded so that a crawler that ignored robots.txt or followed a hostile link would get an answer
    # (and the test would see it asked).
    for url in (*DISALLOWED, DISALLOWED_TARGET, *PRIVATE_LINKS, *OFFSITE_LINKS, *REDIRECTS.values()):
        responses.append((url, 200, html_utf8, article(url, "post_2020", 7600999).encode()))
        headlines.pop(url, None)

    eng = [
        GOOD_ENG,
        SCRIPTED,
        MALFORMED,
        EMPTY,
        HUGE,
        GZIP_BOMB,
        BINARY,
        LOOP_A,
        *REDIRECTS,
        *PRIVATE_LINKS,
        *OFFSITE_LINKS,
        *(u for u in DISALLOWED if "/eng/" in u),
        REDIRECT_INTO_DISALLOWED,
    ]
    ukr = [GOOD_UKR, CP1251_AS_UTF8, UTF8_AS_CP1251, *(u for u in DISALLOWED if "/eng/" not in u)]
    rss = [("Content-Type", "application/rss+xml; charset=utf-8")]
    responses.append((f"{BASE}/eng/rss/", 200, rss, _rss(eng)))
    responses.append((f"{BASE}/rss/", 200, rss, _rss(ukr)))
    responses.append((f"{BASE}/rus/rss/", 200, rss, _rss([])))
    empty_sitemap = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>'
    )
    responses.append(
        (f"{BASE}/sitemap/sitemap-news.xml", 200, [("Content-Type", "application/xml")], empty_sitemap)
    )

    warc = out_dir / "hostile.warc.gz"
    warc.unlink(missing_ok=True)
    with WarcRunWriter(
        out_dir, "hostile", name=warc.name, info={"software": "newsetl tests/reliability"}
    ) as w:
        for url, status, headers, body in responses:
            w.write_exchange(url, status=status, response_headers=headers, body=body)
    return HostileSite(warc, headlines)


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> HostileSite:
    return build_hostile_site(tmp_path_factory.mktemp("hostile-site"))


def quiet_settings(data_root: Path, mirror: str, **changes: Any) -> Settings:
    """Settings for a test run of the pipeline: no politeness waits or backoff, a private data root."""
    env = site_fixtures.quiet_env(data_root, NEWSETL_MIRROR=mirror)
    return replace(Settings.from_env(env), **changes)


def run_pipeline(settings: Settings, run_id: str, *, editions: list[str] | None = None) -> dict[str, Any]:
    """crawl -> transform -> load -> check with the functions the DAG tasks call; returns every step's
    figures (``check`` holds the failures as a list, so a test can show them)."""
    from newsetl import pipeline

    plan = pipeline.RunPlan.make("pravda", run_id, settings)
    lines: list[str] = []
    crawl = pipeline.crawl(plan, settings, SOURCES["pravda"], editions=editions, log=lines.append)
    transform = pipeline.transform(plan, SOURCES)
    counts = pipeline.load(
        plan, settings, SOURCES, dag_run_id=None, started_at=datetime(2025, 12, 31, tzinfo=UTC)
    )
    from warehouse.checks import run_checks

    return {
        "plan": plan,
        "crawl": crawl,
        "transform": transform,
        "counts": counts,
        "check": run_checks(settings.resolved_warehouse_url(), plan.run_id),
        "log": lines,
    }


# -- figures ---------------------------------------------------------------------------------------------

FIGURES: dict[str, dict[str, int]] = {}
FIGURE_ORDER = ("faulted", "retried", "recovered", "quarantined", "failed", "refused", "lost", "duplicated")


def record_figures(scenario: str, **figures: int) -> None:
    """Keep a scenario's figures for the summary printed at the end of the session."""
    FIGURES[scenario] = {name: int(value) for name, value in figures.items()}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    terminalreporter.section("reliability figures")
    names = [n for n in FIGURE_ORDER if any(n in f for f in FIGURES.values())]
    width = max(len(s) for s in [*FIGURES, "total"])
    terminalreporter.write_line(" " * width + "".join(f"{n:>12}" for n in names))
    for scenario, figures in FIGURES.items():
        cells = "".join(f"{figures[n]:>12}" if n in figures else f"{'-':>12}" for n in names)
        terminalreporter.write_line(f"{scenario:<{width}}{cells}")
    totals = "".join(f"{sum(f.get(n, 0) for f in FIGURES.values()):>12}" for n in names)
    terminalreporter.write_line(f"{'total':<{width}}{totals}")
