"""Rules about URLs that every layer shares: the canonical form, the site a URL is on, the date and the
section written in an article's path, and which hosts a page must never steer the crawler to.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from datetime import date
from urllib.parse import urljoin, urlsplit, urlunsplit

# Year, month and day as path segments; days and months may be unpadded (/eng/news/2023/05/4/7400574/).
_PATH_DATE = re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})(?:/|$)")
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


def url_date(url: str) -> date | None:
    """The publication date written in a URL's path (``/2023/09/30/``, ``/2023/05/4/``), or None when it
    has no valid one. Only years 1900-2099 count: other four-digit numbers in paths are ids."""
    for match in _PATH_DATE.finditer(urlsplit(url).path):
        year, month, day = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return None


def path_segments(url: str) -> list[str]:
    return [segment for segment in urlsplit(url).path.split("/") if segment]


def url_section(url: str, edition_prefixes: Iterable[str] = ()) -> str | None:
    """The site section a URL's path names: its first segment (after an edition prefix such as ``eng``)
    when that is a plain word (``/eng/news/2023/…`` -> ``news``), else None."""
    segments = path_segments(url)
    if segments and segments[0] in set(edition_prefixes):
        segments = segments[1:]
    return segments[0] if segments and segments[0].isalpha() else None


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def site_host(url: str) -> str:
    """The host that names a site: lower case, without a leading ``www.``."""
    return host_of(url).removeprefix("www.")


def same_site(url: str, base_url: str) -> bool:
    """True when ``url`` is an absolute http(s) URL on ``base_url``'s site (``www.`` or not)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    return site_host(url) == site_host(base_url)


def absolute(url: str, page_url: str) -> str:
    """``url`` (possibly relative) resolved against the page it was found on; ``""`` for an empty one."""
    return urljoin(page_url, url.strip()) if url.strip() else ""


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
