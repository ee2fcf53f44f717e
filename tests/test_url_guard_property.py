"""Property: whatever URL a hostile site writes into a feed or a ``Location`` header, no request outside the
source's origin leaves the crawler.

The URLs come from a grammar of the tricks that make URL parsers disagree: schemes, userinfo, backslashes,
IPv4 and IPv6 literals in all their spellings (decimal, octal, hex, short forms, ``::ffff:127.0.0.1``),
ports, IDNA hosts and percent-encoding. The source is a recording server on 127.0.0.1; servers on another
port of 127.0.0.1, on 127.0.0.2 with the source's port, and on [::1] with the source's port (when the machine
has IPv6) stand for internal services.

Two levels:
- fast, many examples: the URL rule and the guard's view of a request, against where Twisted (which Scrapy's
  HTTP handler hands the URL to) would connect;
- end to end, a few examples, each one real ``scrapy crawl generic`` run whose feed lists every generated
  URL and redirects to each of them: the internal services get nothing, and every request the source's
  server gets names the source's own host and port.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from itertools import count
from pathlib import Path
from typing import Any

import pytest
import site_fixtures
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from recording_server import Answer, RecordingServer, recording_server
from scrapy import Request
from twisted.web.client import URI

# The fast properties use fixed ports: nothing listens there, only the parsers are compared.
SITE_PORT, OTHER_PORT = 18007, 18009
ORIGIN = f"http://127.0.0.1:{SITE_PORT}"

LOOPBACK_SPELLINGS = (
    "127.0.0.1",
    "127.0.0.2",
    "2130706433",
    "2130706434",
    "0x7f000001",
    "0x7f.0.0.1",
    "0x7F.0x0.0x0.0x1",
    "0177.0.0.1",
    "0177.0.0.02",
    "127.1",
    "127.0.1",
    "127.0.0.1.",
    "127.000.000.001",
    "%31%32%37.0.0.1",
    "127%2e0%2e0%2e1",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:2]",
    "[0:0:0:0:0:0:0:1]",
    "[::127.0.0.1]",
    "[::]",
    "[::1",
    "[127.0.0.1]",
    "0.0.0.0",
    "0",
    "localhost",
    "LOCALHOST",
    "localhost.",
    "ⓛocalhost",
    "127。0。0。1",
    "１２７.０.０.１",
    "www.127.0.0.1",
    "xn--80ak6aa92e.com",
    "пример.рф",
    "169.254.169.254",
    "www.pravda.com.ua",
)


def tricky_urls(site_port: int, other_port: int) -> st.SearchStrategy[str]:
    ports = st.sampled_from(
        [
            "",
            f":{site_port}",
            f":{other_port}",
            ":0",
            ":65536",
            f":0{site_port}",
            ":",
            f":{site_port}:1",
            ":80",
        ]
    )
    userinfo = st.sampled_from(
        ["", "user@", "user:pass@", f"127.0.0.1:{site_port}@", "@", "a%40b@", f"127.0.0.1%3A{site_port}@"]
    )
    tricks = st.sampled_from(
        ["", "\\", "\\@", "/\\", "%5C", "%2F", "\t", "#@", "?@", "%40", "/@", "\\\\", ";"]
    )
    second = st.sampled_from(["", f"@127.0.0.1:{site_port}", f"@127.0.0.2:{other_port}", "@localhost"])
    paths = st.sampled_from(["/", "/a/x", "/admin", "/%2e%2e/admin", "/a/%2F..%2Fadmin", "/a/%00", "/a/ü"])
    schemes = st.sampled_from(
        ["http", "https", "HTTP", "hTtP", "file", "ftp", "data", "s3", "javascript", "gopher"]
    )
    absolute = st.builds(
        lambda scheme, user, host, port, trick, more, path: (
            f"{scheme}://{user}{host}{port}{trick}{more}{path}"
        ),
        schemes,
        userinfo,
        st.sampled_from(LOOPBACK_SPELLINGS),
        ports,
        tricks,
        second,
        paths,
    )
    # Scheme-relative and path forms a Location header may use.
    relative = st.builds(
        lambda lead, host, port, path: f"{lead}{host}{port}{path}",
        st.sampled_from(["//", "\\\\", "/\\", "\\/", "///", "http:", "http:/", "http:\\\\"]),
        st.sampled_from(LOOPBACK_SPELLINGS),
        ports,
        paths,
    )
    return st.one_of(absolute, relative, st.just(f"http://127.0.0.1:{site_port}/a/fine"))


def _connects_to(url: str) -> tuple[bytes, bytes, int]:
    """Where Scrapy's HTTP handler connects for a request URL: Twisted's reading of it."""
    uri = URI.fromBytes(url.encode("ascii"))
    return uri.scheme, uri.host, uri.port


def _scrapy_url(url: str) -> str | None:
    """The URL as Scrapy will fetch it (after its own normalisation), or None when Scrapy refuses it."""
    try:
        return Request(url).url
    except (ValueError, TypeError):
        return None


@settings(max_examples=1500, deadline=None)
@given(tricky_urls(SITE_PORT, OTHER_PORT))
@example(f"http://127.0.0.2:{OTHER_PORT}\\@127.0.0.1:{SITE_PORT}/")
@example(f"http://127.0.0.1:{OTHER_PORT}/admin")
@example("file://127.0.0.1/etc/passwd")
def test_what_the_rule_lets_through_connects_to_the_origin(url: str) -> None:
    # Imported here so the end-to-end test below also runs against code without the guard.
    from scrapers.middlewares.guard import request_problem
    from transforms.urls import url_problem

    # The rule applied to URLs as pages write them (feeds, redirects): what passes must be what Scrapy
    # fetches from the origin.
    if url_problem(url, ORIGIN) is None:
        fetched = _scrapy_url(url)
        assert fetched is not None
        assert _connects_to(fetched) == (b"http", b"127.0.0.1", SITE_PORT)
    # The guard, on the URL as Scrapy will fetch it.
    fetched = _scrapy_url(url)
    if fetched is not None and request_problem(fetched, ORIGIN) is None:
        assert _connects_to(fetched) == (b"http", b"127.0.0.1", SITE_PORT)
        assert "@" not in fetched.split("/")[2]


# -- end to end -----------------------------------------------------------------------------------------


def _ipv6_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


class Servers:
    def __init__(self, site: RecordingServer, internal: list[RecordingServer], sources: Path, tmp: Path):
        self.site, self.internal, self.sources, self.tmp = site, internal, sources, tmp
        self.runs = count()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    tmp = tmp_path_factory.mktemp("guard-property")
    with ExitStack() as stack:
        site = stack.enter_context(recording_server("127.0.0.1"))
        internal = [stack.enter_context(recording_server("127.0.0.1"))]
        # The source's own port on other loopback addresses: a spelling that reaches one of them escaped.
        for host in ("127.0.0.2", *(["::1"] if _ipv6_available() else [])):
            with suppress(OSError):
                internal.append(stack.enter_context(recording_server(host, site.port)))
        sources = tmp / "sources.yaml"
        sources.write_text(
            "sources:\n  - key: hostile\n    label: Hostile Test Site\n"
            f"    base_url: {site.origin}\n    editions:\n      en: en\n"
            "    discovery:\n      feeds:\n        - /rss/\n"
            "    article_pattern: .\n    parser: generic\n    enabled: true\n",
            encoding="utf-8",
        )
        yield Servers(site, internal, sources, tmp)


def _crawl(servers: Servers, targets: list[str]) -> dict[str, Any]:
    site = servers.site
    redirects = {f"/r/{n}": target for n, target in enumerate(targets)}
    routes = {
        "/rss/": Answer(
            200,
            [("Content-Type", "application/rss+xml")],
            site_fixtures.rss_feed([*targets, *(site.origin + p for p in redirects)]),
        ),
        **{path: Answer(301, [("Location", target)], b"") for path, target in redirects.items()},
    }
    site.reset(routes)
    for server in servers.internal:
        server.reset({})
    run_dir = servers.tmp / f"run-{next(servers.runs)}"
    run = site_fixtures.run_scrapy(
        run_dir, "", "source=hostile", f"sources={servers.sources}", spider="generic"
    )
    return {
        "run": run,
        "site": list(site.seen),
        "internal": [s for server in servers.internal for s in server.seen],
    }


def _targets(site_port: int, other_port: int) -> st.SearchStrategy[list[str]]:
    # Header values and XML text cannot carry line breaks or NUL: the site could not send those either.
    url = tricky_urls(site_port, other_port).filter(lambda u: not any(c in u for c in "\r\n\0"))
    return st.lists(url, min_size=20, max_size=40, unique=True)


@pytest.mark.slow
@settings(
    max_examples=3,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # shrinking would cost one crawl per step
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_no_request_outside_the_origin_reaches_a_server(servers: Servers, data: st.DataObject) -> None:
    site = servers.site
    other = servers.internal[0]
    issue_examples = [
        f"http://127.0.0.2:{site.port}\\@127.0.0.1:{site.port}/",
        f"http://127.0.0.1:{other.port}/admin",
        f"http://127.0.0.1:{other.port}\\@127.0.0.1:{site.port}/a/x",
        f"http://2130706433:{site.port}/a/x",
        f"http://localhost:{site.port}/a/x",
        f"http://[::1]:{site.port}/a/x",
        f"file://127.0.0.1{servers.sources}",
    ]
    targets = data.draw(_targets(site.port, other.port)) + issue_examples
    result = _crawl(servers, targets)
    run = result["run"]
    assert run.returncode == 0, run.log[-3000:]
    assert result["internal"] == [], f"requests reached an internal service: {result['internal']}"
    hosts = {seen.host for seen in result["site"]}
    assert hosts == {f"127.0.0.1:{site.port}"}, f"requests for another origin reached the site: {hosts}"
    # Not vacuous: the feed was read, every redirect asked for, and every target ended with an outcome.
    asked = {seen.path for seen in result["site"]}
    assert {f"/r/{n}" for n in range(len(targets))} <= asked
    assert sum(line["outcome"] == "skipped" for line in run.outcomes.values()) >= len(issue_examples)
    assert "hostile test site" not in "".join(str(item) for item in run.items).lower()  # no local file read
