"""A Scrapy DNS resolver for tests, like lines of /etc/hosts: the names the ``NEWSETL_TEST_HOSTS`` setting
lists (``name=address,…``) resolve to their address, every other name through the system's resolver. It lets
a test give a public-looking name a loopback address without a network:

    scrapy crawl … -s DNS_RESOLVER=hosts_resolver.HostsResolver -s NEWSETL_TEST_HOSTS=news.test=127.0.0.1

(with tests/site on PYTHONPATH).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer


class HostsResolver(CachingThreadedResolver):
    hosts: dict[str, str]

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> HostsResolver:
        resolver = super().from_crawler(crawler, reactor)
        listed = crawler.settings.get("NEWSETL_TEST_HOSTS", "")
        resolver.hosts = dict(pair.split("=", 1) for pair in listed.split(",") if pair)
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:
        if name in self.hosts:
            return defer.succeed(self.hosts[name])
        return super().getHostByName(name, timeout)
