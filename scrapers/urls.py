"""URL helpers shared by every spider: the canonical form of a URL, the date in an article's path, and
the mapping of a real URL onto a replay mirror.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from urllib.parse import urlsplit, urlunsplit

# Several recorded sites can sit behind one replay server: the mirror sends the real origin in this header
# so the server can tell www.pravda.com.ua/robots.txt from another site's /robots.txt.
ORIGIN_HEADER = "X-Newsetl-Origin"

# Year, month and day as path segments; days and months may be unpadded (/eng/news/2023/05/4/7400574/).
_PATH_DATE = re.compile(r"/(\d{4})/(\d{1,2})/(\d{1,2})(?:/|$)")
_TRACKING_PARAMS = re.compile(r"^(utm_[a-z]+|fbclid|gclid|yclid)$", re.IGNORECASE)


def canonical_url(url: str) -> str:
    """The form used to compare and store URLs: lower-case scheme and host, no fragment, no tracking
    parameters, ``/`` for an empty path. Everything else (case of the path, trailing slashes) is kept,
    because sites treat those as different pages."""
    parts = urlsplit(url.strip())
    # Filter the raw query pairs rather than re-encoding them: %20 must stay %20 to match a recording.
    pairs = [
        pair for pair in parts.query.split("&") if pair and not _TRACKING_PARAMS.match(pair.split("=", 1)[0])
    ]
    query = "&".join(pairs)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))


def path_date(url: str) -> date | None:
    """The publication date written in an article URL's path, or None when there is no valid one."""
    for match in _PATH_DATE.finditer(urlsplit(url).path):
        year, month, day = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return None


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


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


def is_private_host(host: str) -> bool:
    """True for ``localhost`` and IP literals that are loopback, private, link-local (169.254.169.254, the
    cloud metadata address) or otherwise not public: a page must never steer the crawler there."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global
