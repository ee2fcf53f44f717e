"""The redirect policy: which redirects of an article request are followed, shared by the spiders (live
redirects) and the re-parse step (redirects recorded in the archive), so both end a URL the same way.

A redirect is followed only to the source's own scheme, host and port (``transforms.urls.url_problem``, the
rule the outgoing-request guard applies too), at most :data:`MAX_REDIRECTS` times; a redirect elsewhere
ends the discovered URL as ``skipped`` with the rule's reason (``offsite``; ``private_address`` for an
address a page must never steer the crawler to; ``not_http``, ``userinfo`` or ``backslash``), one without
a ``Location`` or past the limit as ``failed``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin

from transforms.urls import host_of, is_private_host, origin, url_problem

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
    url: str,
    location: str | None,
    hops: int,
    *,
    source_host: str,
    normalise: Callable[[str], str],
    source_origin: str | None = None,
) -> Hop:
    """The decision for a redirect of ``url`` to ``location``, ``hops`` being this redirect's number in the
    chain (1 for the first); ``normalise`` puts the target in the form the crawl asks for URLs in.
    ``source_origin`` is the source's base URL; without it, the origin of ``url`` (which was fetched from
    the source) stands for it."""
    if not location:
        return Hop(None, "failed", "redirect without a Location header")
    try:
        target = normalise(urljoin(url, location))
    except ValueError:  # "http://[::1/" and the like: Python's URL functions raise on them
        return Hop(None, "skipped", "not_http")
    if hops > MAX_REDIRECTS:
        return Hop(None, "failed", f"too many redirects (more than {MAX_REDIRECTS})")
    problem = url_problem(target, source_origin or origin(url))
    if problem is None and host_of(target) != source_host:
        problem = offsite_reason(target)
    if problem is not None:
        return Hop(None, "skipped", problem)
    return Hop(target)
