"""The URLs the crawler asks for: a source's form of a discovered URL, and fetching through a replay
mirror (the mirror's address for a real URL, and the header that names the real origin). The URL rules
every layer shares (canonical form, dates, hosts) are in ``transforms.urls``.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from transforms.urls import canonical_url

# Several recorded sites can sit behind one replay server: the mirror sends the real origin in this header
# so the server can tell www.pravda.com.ua/robots.txt from another site's /robots.txt.
ORIGIN_HEADER = "X-Newsetl-Origin"


def mirror_url(url: str, mirror: str) -> str:
    """Where to fetch ``url`` from a replay mirror: the mirror's origin with the URL's path and query."""
    parts = urlsplit(url)
    target = urlsplit(mirror.rstrip("/"))
    return urlunsplit((target.scheme, target.netloc, parts.path or "/", parts.query, ""))


def validate_mirror(mirror: str) -> str:
    """The mirror origin without a trailing slash; raises ValueError when it is not ``http(s)://host[:port]``."""
    cleaned = mirror.strip().rstrip("/")
    parts = urlsplit(cleaned)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path or parts.query:
        raise ValueError(f"mirror={mirror!r}: expected an origin such as http://127.0.0.1:8765")
    return cleaned


def on_source_host(url: str, source_origin: str) -> str:
    """The canonical form of ``url`` as the crawl asks for it from the source whose base URL is
    ``source_origin``: the source's bare domain mapped onto its host (``pravda.com.ua`` onto
    ``www.pravda.com.ua``), and a link on the source's host that names no port given the source's scheme
    (``http://`` in a feed of an https site). One page then has one URL whichever form a feed or a redirect
    used, and the guard, which allows only the source's scheme, host and port, does not refuse a page of the
    source for the scheme a feed wrote."""
    url = canonical_url(url)
    parts = urlsplit(url)
    source = urlsplit(source_origin)
    source_host = (source.hostname or "").lower()
    if source.port is not None or not parts.hostname:
        return url  # a source on a port of its own (a test site) takes its links as written
    if parts.hostname not in (source_host, source_host.removeprefix("www.")):
        return url
    if "@" in parts.netloc or "\\" in url or parts.netloc.lower() != parts.hostname:
        return url  # userinfo, a backslash or a port: left for the URL rule to judge as written
    scheme = source.scheme if parts.scheme in ("http", "https") else parts.scheme
    return urlunsplit((scheme, source.netloc.lower(), parts.path, parts.query, ""))
