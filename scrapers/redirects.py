"""The redirect policy: which redirects of an article request are followed, shared by the spiders (live
redirects) and the re-parse step (redirects recorded in the archive), so both end a URL the same way.

A redirect is followed to the same host only, at most :data:`MAX_REDIRECTS` times; a redirect elsewhere ends
the discovered URL as ``skipped`` (``offsite``, or ``private_address`` for an address a page must never
steer the crawler to), one without a ``Location`` or past the limit as ``failed``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin

from transforms.urls import host_of, is_private_host

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class Hop:
    """What to do with one redirect: follow it to ``target``, or end the URL with ``outcome``/``reason``."""

    target: str | None
    outcome: str = ""
    reason: str = ""


def offsite_reason(url: str) -> str:
    """The ``skipped`` reason for a URL on another host."""
    return "private_address" if is_private_host(host_of(url)) else "offsite"


def next_hop(
    url: str, location: str | None, hops: int, *, source_host: str, normalise: Callable[[str], str]
) -> Hop:
    """The decision for a redirect of ``url`` to ``location``, ``hops`` being this redirect's number in the
    chain (1 for the first); ``normalise`` puts the target in the form the crawl asks for URLs in."""
    if not location:
        return Hop(None, "failed", "redirect without a Location header")
    target = normalise(urljoin(url, location))
    if hops > MAX_REDIRECTS:
        return Hop(None, "failed", f"too many redirects (more than {MAX_REDIRECTS})")
    if host_of(target) != source_host:
        return Hop(None, "skipped", offsite_reason(target))
    return Hop(target)
