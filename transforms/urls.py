"""Rules about URLs that every layer shares: the canonical form, the site a URL is on, the date and the
section written in an article's path, and which hosts a page must never steer the crawler to.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from datetime import date
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

# Year, month and day as path segments; days and months may be unpadded (/eng/news/2023/05/4/7400574/).
_PATH_DATE = re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})(?:/|$)")
# The spellings of one part of an IPv4 literal (ASCII only: int() would also take "١٢٧" or "1_0").
_HEX = re.compile(r"0x[0-9a-f]*")
_OCTAL = re.compile(r"0[0-7]+")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
# Query parameters that say how a reader came to a page, never which page it is; canonical_url drops them
# (docs/article-record.md lists them): Google Analytics campaign tags (utm_*), the click ids of ad and
# social platforms (Facebook, Google, Microsoft, Yandex, Twitter/X, TikTok, LinkedIn, Instagram),
# Mailchimp's, and Google's cross-domain linker.
TRACKING_PARAMETERS = (
    "utm_*",
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "twclid",
    "ttclid",
    "li_fat_id",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
)
_TRACKING_PARAMS = re.compile(
    "^(?:" + "|".join(re.escape(p).replace(r"\*", "[a-z0-9_]*") for p in TRACKING_PARAMETERS) + ")$",
    re.IGNORECASE,
)


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
    """True when ``url`` is an absolute http(s) URL on ``base_url``'s site (``www.`` or not) that the crawl's
    URL rule (:func:`url_problem`) accepts: the same scheme and port, no userinfo, no backslash. A page's
    canonical link is taken only then, so a record never names a URL the crawler would refuse."""
    return url_problem(url, base_url) is None


def absolute(url: str, page_url: str) -> str:
    """``url`` (possibly relative) resolved against the page it was found on; ``""`` for an empty one."""
    return urljoin(page_url, url.strip()) if url.strip() else ""


def is_private_host(host: str) -> bool:
    """True for ``localhost`` and IP literals that are loopback, private, link-local (169.254.169.254, the
    cloud metadata address) or otherwise not public: a page must never steer the crawler there."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    address = ip_literal(host)
    return address is not None and not address.is_global


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a host names literally, or None for a name. IPv4 is read the way resolvers and
    browsers read it (WHATWG URL, inet_aton): ``2130706433``, ``0x7f.1``, ``0177.0.0.1`` and ``127.1`` are
    all 127.0.0.1, so a page cannot hide a private address behind another spelling."""
    host = host.strip("[]").lower().rstrip(".")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        number = _ipv4_number(part)
        if number is None:
            return None
        numbers.append(number)
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for index, number in enumerate(leading):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _ipv4_number(part: str) -> int | None:
    """One dot-separated part of an IPv4 literal: decimal, ``0x`` hexadecimal or ``0``-led octal."""
    if _HEX.fullmatch(part):
        return int(part[2:] or "0", 16)
    if _OCTAL.fullmatch(part):
        return int(part[1:], 8)
    return int(part) if _DECIMAL.fullmatch(part) else None


# Why a URL may not be fetched for a source: the ``skipped`` reasons of outcomes.jsonl, and their meaning.
URL_PROBLEMS = {
    "not_http": "is not an absolute http(s) URL",
    "userinfo": "has a user name or password before its host",
    "backslash": "has a backslash (Scrapy and browsers read it as /, Python's urlsplit does not)",
    "private_address": "is on localhost or a non-public IP address",
    "offsite": "is not on the source's scheme, host and port",
}


def url_problem(url: str, source_origin: str) -> str | None:
    """Why ``url`` must not be fetched for the source whose base URL is ``source_origin`` (a key of
    :data:`URL_PROBLEMS`), or None when it may be. The one URL rule of the crawl's guard, the redirect
    policy, ``seed import`` and the transform step's validation.

    Allowed is an absolute http(s) URL with the source's scheme, host (or its ``www.`` twin) and port,
    without userinfo or a backslash: those two make parsers disagree about the host
    (``http://127.0.0.2\\@www.site/`` is www.site to urlsplit, 127.0.0.2 to Scrapy)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1/": not a URL anything can fetch
        return "not_http"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "not_http"
    base = urlsplit(source_origin)
    if parts.hostname not in _www_twins(base.hostname or ""):
        return "private_address" if is_private_host(parts.hostname) else "offsite"
    if "\\" in url:
        return "backslash"
    if "@" in parts.netloc:
        return "userinfo"
    if parts.scheme != base.scheme or _port(parts) != _port(base):
        return "offsite"
    return None


def _www_twins(host: str) -> set[str]:
    """A host and its documented twin: ``www.example.org`` and ``example.org`` name one site."""
    host = host.lower()
    if ip_literal(host) is not None:
        return {host}
    return {host, host.removeprefix("www.")} if host.startswith("www.") else {host, "www." + host}


def _port(parts: SplitResult) -> int | None:
    """The port a URL connects to (its scheme's default when it names none); None when it is not a
    number Scrapy could connect to."""
    try:
        port = parts.port
    except ValueError:
        return None
    return port if port is not None else {"http": 80, "https": 443}.get(parts.scheme)
