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


def on_source_host(url: str, source_host: str) -> str:
    """The canonical form of ``url``, with a source's bare domain mapped onto its host (``pravda.com.ua``
    onto ``www.pravda.com.ua``), so that one page has one URL whichever form a feed or a redirect used."""
    url = canonical_url(url)
    parts = urlsplit(url)
    if parts.hostname and "www." + parts.hostname == source_host:
        url = url.replace(f"://{parts.netloc}", f"://{source_host}", 1)
    return url
