"""``newsetl sources probe``: a sources.yaml entry for a news site, from what the site offers.

The fetching is the probe spider's (``scrapers/spiders/probe.py``), run as ``scrapy crawl probe`` in a child
process the way the crawl step runs its spiders (:func:`run_probe`), so that the outgoing-request guard,
robots.txt, the size bounds and the mirror apply and no Twisted reactor runs in the CLI. The spider writes
its findings as JSON; :func:`propose` turns them into an entry and a report:

- discovery: the feeds that parse, the news sitemaps (a urlset with ``news:news`` entries, with mostly
  recent ``lastmod`` values, or named ``news``), the sitemap indexes; a plain urlset only when nothing
  else was found (it is then read in full on every run);
- ``article_pattern``: learnt from the paths of the samples that parsed as articles (:func:`learn_pattern`),
  and only when the generic "looks like an article" URL test misses one of them;
- editions and languages: the samples' languages, keyed by a language prefix of their paths (``/en/``).

The helpers the spider uses on what it fetched (robots.txt, the home page, sitemaps, the choice of samples)
live here too, so the spider stays the fetching.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import lxml.etree
import yaml

from scrapers.discovery import SitemapError, iter_sitemap
from scrapers.parsers.generic import looks_like_article_url
from scrapers.parsers.metadata import language_tag
from scrapers.parsers.page import Page
from scrapers.urls import on_source_host
from transforms.settings import Settings
from transforms.urls import absolute, host_of, url_problem

DEFAULT_SAMPLES = 5
MAX_ROBOTS_BYTES = 512 * 1024
MAX_URLS_KEPT = 50  # URLs of a feed or urlset kept as sample candidates
MAX_ENTRIES_READ = 2000  # entries of one sitemap read to classify it
MAX_CHILDREN_FOLLOWED = 4  # children of a sitemap index fetched to see what they hold
NEWS_NAMESPACE = "http://www.google.com/schemas/sitemap-news/0.9"
RECENT = timedelta(days=3)  # a news sitemap lists the last two days' articles (Google's rule)
PROBE_TIMEOUT = 900.0
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
FEED_TYPES = {"application/rss+xml", "application/atom+xml"}
# Second-level labels that name no site (www.pravda.com.ua is "pravda").
_NO_NAME_LABELS = {"www", "com", "co", "org", "net", "gov", "edu", "ac", "info", "biz"}
# Three-letter edition prefixes some sites use (/eng/, /ukr/): ISO 639-2 -> ISO 639-1.
_ISO_639_2 = {
    **{"eng": "en", "ukr": "uk", "rus": "ru", "deu": "de", "ger": "de", "fra": "fr", "fre": "fr"},
    **{"pol": "pl", "spa": "es", "ita": "it", "por": "pt", "tur": "tr", "ron": "ro", "rum": "ro"},
}


class ProbeError(RuntimeError):
    """The probe's child process failed; the message ends with its last log lines."""


# -- what the spider reads -------------------------------------------------------------------------------


def robots_sitemaps(text: str) -> list[str]:
    """The ``Sitemap:`` URLs of a robots.txt, in order, once each."""
    found = [
        line.split(":", 1)[1].strip()
        for line in text.splitlines()
        if line.strip().lower().startswith("sitemap:") and line.split(":", 1)[1].strip()
    ]
    return list(dict.fromkeys(found))


def declared_language(page: Page) -> str:
    """The language a page declares: ``<html lang>``, else ``og:locale`` (``uk_UA`` -> ``uk-UA``)."""
    root = page.first("html")
    for value in (root.attributes.get("lang") if root is not None else None, page.meta.get("og:locale")):
        tag = language_tag(value)
        if tag and re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", tag):
            return tag
    return ""


def home_facts(page: Page) -> dict[str, Any]:
    """What a home page says: its feed links (absolute), language, name and hreflang alternates."""
    feeds: list[str] = []
    hreflang: dict[str, str] = {}
    for node in page.tree.css("link[rel][href]"):
        attrs = node.attributes
        rel = (attrs.get("rel") or "").lower().split()
        href = absolute(attrs.get("href") or "", page.url)
        if "alternate" not in rel or not href:
            continue
        if (attrs.get("type") or "").split(";")[0].strip().lower() in FEED_TYPES:
            feeds.append(href)
        elif attrs.get("hreflang"):
            hreflang[str(attrs["hreflang"])] = href
    title = page.title
    return {
        "feed_links": list(dict.fromkeys(feeds)),
        "lang": declared_language(page),
        "site_name": page.meta.get("og:site_name", "").strip(),
        "title": title,
        "hreflang": hreflang,
    }


def sitemap_facts(body: bytes, url: str, now: datetime) -> dict[str, Any]:
    """What a sitemap is: ``kind`` (urlset or sitemapindex), how many entries were read (``entries``,
    ``more`` when the read stopped at :data:`MAX_ENTRIES_READ`), the newest ``lastmod``, how its URLs are
    named (``naming``: shapes and counts), and for a urlset why it is a news sitemap (``news``, or None)
    and its first URLs; for an index its children. Raises :class:`SitemapError` for a body that is not a
    sitemap."""
    kind, entries = iter_sitemap(body)
    taken = []
    try:
        taken = list(islice(entries, MAX_ENTRIES_READ + 1))
    except SitemapError:  # cut short: what came before it is enough to say what it is
        pass
    more = len(taken) > MAX_ENTRIES_READ
    taken = taken[:MAX_ENTRIES_READ]
    locs = [entry.loc for entry in taken]
    lastmods = [entry.lastmod for entry in taken if entry.lastmod is not None]
    facts: dict[str, Any] = {
        "kind": kind,
        "entries": len(taken),
        "more": more,
        "newest_lastmod": max(lastmods).isoformat() if lastmods else None,
        "naming": Counter(url_shape(loc) for loc in locs).most_common(3),
    }
    if kind == "sitemapindex":
        facts["children"] = locs
        return facts
    facts["urls"] = locs[:MAX_URLS_KEPT]
    if _has_news_entries(body):
        facts["news"] = "news:news entries"
    elif lastmods and sum(now - lm <= RECENT for lm in lastmods) >= 0.8 * len(lastmods):
        facts["news"] = "recent entries (lastmod within 3 days)"
    elif "news" in urlsplit(url).path.rsplit("/", 1)[-1].lower():
        facts["news"] = "named news"
    else:
        facts["news"] = None
    return facts


def _has_news_entries(body: bytes) -> bool:
    """Whether the first megabyte of a sitemap (gunzipped) holds a Google News ``<news:news>`` entry."""
    head = body[: 1 << 20]
    if body[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body, 1 << 20)
        except zlib.error:
            return False
    # No entities, no DTD, no network: the body is the site's, and may be hostile.
    parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = lxml.etree.fromstring(head, parser)
    except lxml.etree.XMLSyntaxError:
        return False
    return root is not None and next(root.iter(f"{{{NEWS_NAMESPACE}}}news"), None) is not None


def url_shape(url: str) -> str:
    """How a URL's path is named, numbers generalised: ``/sitemaps/posts/2025/12.xml`` ->
    ``/sitemaps/posts/YYYY/N.xml``."""
    path = urlsplit(url).path
    return re.sub(r"\d+", lambda m: "YYYY" if re.fullmatch(r"(19|20)\d\d", m.group()) else "N", path)


def children_to_follow(children: list[str]) -> list[str]:
    """The children of a sitemap index worth a look: those named news first, then the first and the last
    (the oldest and newest of a dated series)."""
    news = [c for c in children if "news" in urlsplit(c).path.lower()]
    picked = [*news, *children[:1], *children[-1:]]
    return list(dict.fromkeys(picked))[:MAX_CHILDREN_FOLLOWED]


def sample_candidates(found: dict[str, Any], base_url: str, home_url: str) -> list[tuple[str, str]]:
    """``(url, found in)`` of the candidate articles, best first: the feeds' and news sitemaps' entries taken
    in turn from each, then the plain sitemaps' when those are all there is. Only URLs on the site's
    origin, never a feed, sitemap or the home page itself."""
    discovery_urls = {row["url"] for row in (*found["feeds"], *found["sitemaps"])} | {home_url}
    first = [r for r in found["feeds"] if r.get("urls")]
    first += [r for r in found["sitemaps"] if r.get("urls") and r.get("news")]
    second = [r for r in found["sitemaps"] if r.get("urls") and not r.get("news")]
    chosen: list[tuple[str, str]] = []
    seen: set[str] = set()
    for tier in (first, second):
        lists = [[(u, row["url"]) for u in row["urls"]] for row in tier]
        for batch in _round_robin(lists):
            url, found_in = batch
            try:
                url = on_source_host(url, base_url)
            except ValueError:
                continue
            if url in seen or url in discovery_urls or url_problem(url, base_url) is not None:
                continue
            seen.add(url)
            chosen.append((url, found_in))
    return chosen


def refused_urls(urls: Iterable[str], base_url: str) -> list[tuple[str, str]]:
    """``(url, reason)`` of the URLs a feed or sitemap lists that the crawl would refuse for the site (a
    key of ``transforms.urls.URL_PROBLEMS``: another host, a private address, userinfo…)."""
    refused = []
    for url in urls:
        try:
            url = on_source_host(url, base_url)
        except ValueError:
            pass
        problem = url_problem(url, base_url)
        if problem is not None:
            refused.append((url, problem))
    return refused


def _round_robin(lists: list[list[tuple[str, str]]]) -> Iterable[tuple[str, str]]:
    for position in range(max((len(x) for x in lists), default=0)):
        for items in lists:
            if position < len(items):
                yield items[position]


# -- running the spider -----------------------------------------------------------------------------------


def run_probe(
    site: str, *, settings: Settings, samples: int = DEFAULT_SAMPLES, log: Callable[[str], object] = print
) -> dict[str, Any]:
    """The probe spider's findings for ``site`` (through ``settings.mirror`` when set)."""
    from scrapers.crawl import run_child, settings_env

    work = Path(tempfile.mkdtemp(prefix="newsetl-probe-"))
    try:
        out = work / "probe.json"
        command = [
            *(sys.executable, "-m", "scrapers.crawl", str(os.getpid()), "crawl", "probe"),
            *("-a", f"site={site}", "-a", f"out={out}", "-a", f"samples={samples}", "-a", f"run_dir={work}"),
            *(("-a", f"mirror={settings.mirror}") if settings.mirror else ()),
            *("-s", "LOG_LEVEL=INFO"),
        ]
        env = {**os.environ, **settings_env(settings), "SCRAPY_SETTINGS_MODULE": "scrapers.settings"}
        timeout = min(settings.crawl_timeout, PROBE_TIMEOUT)
        returncode, tail = run_child(command, env, work / "probe.log", log, timeout)
        if returncode != 0 or not out.exists():
            why = f"was stopped after {timeout:g} s" if returncode is None else f"exited with {returncode}"
            raise ProbeError(f"scrapy crawl probe {why}; last log lines:\n" + "\n".join(tail))
        findings: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return findings
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- the proposal -----------------------------------------------------------------------------------------


@dataclass
class Proposal:
    """An entry for the sources file (``entry``, None when nothing usable was found), the report lines,
    and ``problem``: why there is no entry."""

    entry: dict[str, Any] | None
    report: list[str] = field(default_factory=list)
    problem: str | None = None


def default_key(base_url: str) -> str:
    """A source key from the site's host: its name label (``www.pravda.com.ua`` -> ``pravda``)."""
    labels = host_of(base_url).split(".")
    names = [label for label in labels[:-1] if label not in _NO_NAME_LABELS] or labels
    key = re.sub(r"[^a-z0-9]+", "_", names[-1].lower()).strip("_")
    return key if KEY_PATTERN.fullmatch(key) else f"site_{key}"[:64]


def propose(found: dict[str, Any], key: str | None = None) -> Proposal:
    """The entry and report for the probe spider's findings."""
    base = found["origin"]
    report: list[str] = []
    feeds = [r for r in found["feeds"] if not r.get("error") and r.get("entries")]
    sitemaps = [r for r in found["sitemaps"] if not r.get("error")]
    # A child of an index is a news sitemap by its entries or its name, not by recent lastmods alone: the
    # current month's sitemap of a dated series looks recent for a few days.
    news = [
        r
        for r in sitemaps
        if r.get("kind") == "urlset"
        and r.get("news")
        and (r["depth"] == 0 or not r["news"].startswith("recent"))
    ]
    indexes = _distinct_indexes([r for r in sitemaps if r.get("kind") == "sitemapindex" and r["depth"] == 0])
    plain = [r for r in sitemaps if r.get("kind") == "urlset" and not r.get("news") and r["depth"] == 0]
    report += _discovery_report(found)
    samples = found["samples"]
    parsed = [s for s in samples if s.get("outcome") == "parsed"]
    report += _samples_report(samples)
    if not feeds and not news and not indexes and not plain:
        return Proposal(None, report, f"no feed and no sitemap found on {base}: {_what_was_tried(found)}")
    if not samples:
        return Proposal(None, report, f"no candidate article URL on {base} in the feeds or sitemaps found")
    if not parsed:
        reasons = Counter(str(s.get("reason")) for s in samples)
        summary = ", ".join(f"{n} {reason}" for reason, n in reasons.most_common())
        return Proposal(
            None, report, f"none of the {len(samples)} sample pages parsed as an article ({summary})"
        )

    discovery: dict[str, list[str]] = {}
    if feeds:
        discovery["feeds"] = [_as_path(r["url"], base) for r in feeds]
    news_urls = [r["url"] for r in news]
    if not feeds and not news and plain:
        news_urls = [r["url"] for r in plain]
        report.append("note: no feed or news sitemap: the plain sitemap is read in full on every run")
    if news_urls:
        discovery["news_sitemaps"] = [_as_path(u, base) for u in dict.fromkeys(news_urls)]
    if indexes:
        discovery["sitemap_indexes"] = [_as_path(r["url"], base) for r in indexes]

    listings = [
        s["url"] for s in samples if s.get("outcome") == "not_article" and s.get("reason") == "listing"
    ]
    if found["home"].get("page_kind") == "listing":
        listings.append(found["home"]["url"])
    article_urls = sorted(s["url"] for s in parsed)
    pattern = None
    missed = [u for u in article_urls if not looks_like_article_url(u)]
    if not missed:
        report.append(
            f"article_pattern: none needed (the generic URL test takes all {len(parsed)} parsed samples)"
        )
    else:
        pattern = learn_pattern(article_urls, listings)
        if pattern is None:
            report.append(
                "article_pattern: no pattern matches every parsed sample and none of the listings "
                f"({', '.join(_path(u) for u in listings)}); URLs like {_path(missed[0])} will not be crawled"
            )
        else:
            report.append(
                f"article_pattern: {pattern} (matches {len(parsed)} parsed samples, none of {len(listings)} "
                f"listings; the generic URL test misses {', '.join(_path(u) for u in missed)})"
            )
    taken = [
        u for u in article_urls if (re.search(pattern, _path(u)) if pattern else looks_like_article_url(u))
    ]
    if not taken:
        return Proposal(
            None, report, "the parsed samples' URLs follow no rule the generic spider could use to find them"
        )
    editions, edition_report = _editions(parsed, found["home"])
    report.append(edition_report)
    entry: dict[str, Any] = {
        "key": key or default_key(base),
        "label": _label(found),
        "base_url": base,
        "editions": editions,
        "discovery": discovery,
    }
    if pattern:
        entry["article_pattern"] = pattern
    entry["parser"] = "generic"
    return Proposal(entry, report)


def learn_pattern(article_urls: list[str], listing_urls: list[str]) -> str | None:
    """A regular expression of article URL paths: it matches the path of every URL of ``article_urls`` and
    of none of ``listing_urls``; None when no such pattern is found.

    Paths are grouped by their number of segments; each segment becomes the most general class its values
    share (``\\d+``, a year, a slug with ``-``, ``[a-z]+``, ``[^/]+``). Where that matches a listing, the
    segments whose value is the same in every article become literals, one at a time."""
    paths = [_path(u) for u in article_urls]
    groups: dict[int, list[list[str]]] = {}
    for path in paths:
        segments = [s for s in path.split("/") if s]
        if segments:
            groups.setdefault(len(segments), []).append(segments)
    if not groups:
        return None
    columns = {n: list(zip(*rows, strict=True)) for n, rows in groups.items()}
    classes = {n: [_segment_class(col, cols, i) for i, col in enumerate(cols)] for n, cols in columns.items()}
    literals = [
        (n, i, re.escape(col[0]))
        for n, cols in columns.items()
        for i, col in enumerate(cols)
        if len(set(col)) == 1
    ]
    listing_paths = [_path(u) for u in listing_urls]
    for step in range(len(literals) + 1):
        for n, i, literal in literals[:step]:
            classes[n][i] = literal
        parts = ["/" + "/".join(classes[n]) for n in sorted(classes)]
        body = parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"
        pattern = f"^{body}/?$"
        compiled = re.compile(pattern)
        if all(compiled.search(p) for p in paths) and not any(compiled.search(p) for p in listing_paths):
            return pattern
    return None


def _segment_class(values: tuple[str, ...], columns: list[tuple[str, ...]], index: int) -> str:
    if all(v.isdigit() for v in values):
        following = columns[index + 1] if index + 1 < len(columns) else ()
        month_follows = bool(following) and all(v.isdigit() and 1 <= int(v) <= 12 for v in following)
        if month_follows and all(re.fullmatch(r"(19|20)\d\d", v) for v in values):
            return r"\d{4}"
        if index > 0 and all(len(v) <= 2 for v in values) and all(v.isdigit() for v in columns[index - 1]):
            return r"\d{1,2}"
        return r"\d+"
    if all(re.search(r"\d", v) for v in values):
        return r"[^/]*\d[^/]*"
    if all(re.search(r"[-_]", v) for v in values):
        return r"[^/]*[-_][^/]*"
    if all(re.fullmatch(r"[a-z]+", v) for v in values):
        return "[a-z]+"
    return "[^/]+"


def _editions(parsed: list[dict[str, Any]], home: dict[str, Any]) -> tuple[dict[str, str], str]:
    """Edition key -> language, from the languages the parsed samples are in and their path prefixes."""
    languages: Counter[str] = Counter()
    prefixes: dict[str, Counter[str]] = {}
    for sample in parsed:
        language = (sample.get("language") or sample.get("declared_language") or "").split("-")[0].lower()
        if not re.fullmatch(r"[a-z]{2}", language):
            continue
        languages[language] += 1
        first = next((s for s in _path(sample["url"]).split("/") if s), "")
        if first == language or _ISO_639_2.get(first) == language:
            prefixes.setdefault(language, Counter())[first] += 1
    if not languages:
        fallback = (home.get("lang") or "").split("-")[0].lower()
        language = fallback if re.fullmatch(r"[a-z]{2}", fallback) else "en"
        how = "the home page's lang" if fallback == language else "nothing said it: assumed"
        return {language: language}, f"editions: {language} ({how})"
    # Editions without a prefix first: the generic spider gives a URL without one the first edition.
    # Then the home page's language, then the most frequent (the samples came in any order).
    home_language = (home.get("lang") or "").split("-")[0].lower()
    ordered = sorted(
        languages, key=lambda lang: (lang in prefixes, lang != home_language, -languages[lang], lang)
    )
    editions = {}
    for language in ordered:
        edition = prefixes[language].most_common(1)[0][0] if language in prefixes else language
        editions[edition] = language
    described = ", ".join(
        f"{edition} ({language}: {languages[language]} samples"
        + (f", path prefix /{edition}/" if language in prefixes else "")
        + ")"
        for edition, language in editions.items()
    )
    return editions, f"editions: {described}"


def _label(found: dict[str, Any]) -> str:
    home = found["home"]
    name = home.get("site_name") or re.split(r"\s+[|–—-]\s+", home.get("title") or "")[0]
    name = " ".join(str(name).split())
    return name[:120] or host_of(found["origin"]).removeprefix("www.")


def _distinct_indexes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sitemap indexes, one of each set of children (robots.txt and /sitemap_index.xml often name one)."""
    kept: dict[frozenset[str], dict[str, Any]] = {}
    # The one robots.txt names first: the site's own word (the answers came in any order).
    for row in sorted(rows, key=lambda r: (r["found_in"] != "robots.txt", r["url"])):
        kept.setdefault(frozenset(row.get("children") or ()), row)
    return list(kept.values())


def _as_path(url: str, base: str) -> str:
    """A discovery URL as the sources file writes it: a path on the base URL (with its query)."""
    parts = urlsplit(url)
    if url_problem(url, base) is None and f"{parts.scheme}://{parts.netloc}".lower() == base.lower():
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return url


def _path(url: str) -> str:
    return urlsplit(url).path or "/"


def _what_was_tried(found: dict[str, Any]) -> str:
    robots = found["robots"]
    robots_said = robots.get("error") or "has {} Sitemap: lines".format(len(robots.get("sitemaps") or []))
    said = [f"robots.txt {robots_said}"]
    for row in found["sitemaps"]:
        said.append(f"{_path(row['url'])} {row.get('error') or 'is no sitemap'}")
    home = found["home"]
    home_said = home.get("error") or "links {} feeds".format(len(home.get("feed_links") or []))
    said.append(f"home page {home_said}")
    for row in found["feeds"]:
        said.append(f"feed {row['url']} {row.get('error') or 'has no entries'}")
    for row in found["refused"]:
        said.append(f"{row['url']} refused ({row['reason']})")
    return "; ".join(said)


def _discovery_report(found: dict[str, Any]) -> list[str]:
    lines = ["found:"]

    def line(what: str, said: str, depth: int = 0) -> None:
        lines.append(f"{'  ' * (depth + 1)}{what:<{22 - 2 * depth}} {said}")

    robots = found["robots"]
    line("robots.txt", robots.get("error") or "{} Sitemap: lines".format(len(robots.get("sitemaps") or [])))
    home = found["home"]
    home_said = home.get("error") or (
        f"{home['url']}: lang {home.get('lang') or '?'}, {len(home.get('feed_links') or [])} feed links, "
        f"the generic parser reads it as {home.get('page_kind', '?')}"
    )
    line("home page", home_said)
    for row in sorted(found["feeds"], key=lambda r: r["url"]):
        said = row.get("error") or f"{row.get('kind')}, {row.get('entries')} entries"
        line("feed", f"{row['url']}: {said} (from {row['found_in']})")
    for row in sorted(found["sitemaps"], key=lambda r: (r.get("depth", 0), r["url"])):
        if row.get("error"):
            said = row["error"]
        elif row.get("kind") == "sitemapindex":
            naming = ", ".join(f"{shape} ×{n}" for shape, n in row.get("naming") or [])
            said = f"sitemap index, {row['entries']}{'+' if row.get('more') else ''} children named {naming}"
        else:
            kind = f"news sitemap ({row['news']})" if row.get("news") else "plain sitemap"
            said = f"{kind}, {row['entries']}{'+' if row.get('more') else ''} entries"
        newest = f", newest lastmod {row['newest_lastmod']}" if row.get("newest_lastmod") else ""
        line("sitemap", f"{row['url']}: {said}{newest} (from {row['found_in']})", row.get("depth", 0))
    for row in found["refused"]:
        line("refused", f"{row['url']} (in {row['found_in']}): {row['reason']}")
    return lines


def _samples_report(samples: list[dict[str, Any]]) -> list[str]:
    parsed = sum(1 for s in samples if s.get("outcome") == "parsed")
    lines = [f"samples: {parsed} of {len(samples)} parsed as articles"]
    for s in sorted(samples, key=lambda s: s["url"]):
        if s.get("outcome") == "parsed":
            lines.append(
                f"  parsed       {s['url']}  {s.get('headline')!r}  published "
                f"{s.get('published_at') or '?'}  {s.get('words')} words  {s.get('language')}"
            )
        else:
            lines.append(f"  {s.get('outcome', '?'):<12} {s['url']}  {s.get('reason')}")
    return lines


# -- the sources file -------------------------------------------------------------------------------------


def entry_yaml(entry: dict[str, Any], indent: int = 0) -> str:
    """The entry as a sources.yaml list item, indented by ``indent`` spaces."""
    text = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000)
    return "".join(" " * indent + line if line.strip() else line for line in text.splitlines(keepends=True))


def check_entry(entry: dict[str, Any]) -> None:
    """Raise ``SourcesFileError`` when the entry is not one the project's reader takes."""
    from scrapers.parsers import PARSERS
    from transforms.sources import parse_sources_file

    parse_sources_file("sources:\n" + entry_yaml(entry), "<proposed entry>", PARSERS).strict()


class WriteRefused(ValueError):
    """The entry cannot be added to the file (its key is there, or the file is not a sources file)."""


def check_writable(path: Path, key: str) -> None:
    """Raise :class:`WriteRefused` when an entry ``key`` cannot be added to the sources file ``path``: the
    file is not a valid sources file, or has the key already. A missing file is fine (it is made)."""
    from transforms.sources import SourcesFileError, read_sources

    if not path.exists():
        return
    try:
        current = read_sources(path)
    except (OSError, SourcesFileError) as exc:
        raise WriteRefused(str(exc)) from None
    if key in current.keys:
        raise WriteRefused(f"{path}: the key {key!r} is there already; choose another with --key")


def append_entry(path: Path, entry: dict[str, Any], comment: str) -> None:
    """Add ``entry`` at the end of the sources file ``path`` (made with ``sources:`` when missing), under
    a ``# comment`` line. The new text must read back with the entry in it, or nothing is written."""
    from transforms.sources import SourcesFileError, parse_sources_file

    check_writable(path, entry["key"])
    text = path.read_text(encoding="utf-8") if path.exists() else "sources:\n"
    indent = 2  # as seeds/sources.yaml; an existing file's own indentation below
    if path.exists():
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        items = next((v for k, v in node.value if k.value == "sources"), None) if node is not None else None
        if isinstance(items, yaml.SequenceNode) and items.value:
            indent = items.value[0].start_mark.column - 2
    new = (
        text
        + ("" if text.endswith("\n") else "\n")
        + " " * indent
        + f"# {comment}\n"
        + entry_yaml(entry, indent)
    )
    try:
        written = parse_sources_file(new, str(path))
    except SourcesFileError as exc:
        raise WriteRefused(f"{path}: the entry cannot be appended to this file ({exc})") from None
    if entry["key"] not in written.keys:
        raise WriteRefused(
            f"{path}: the entry cannot be appended to this file (its sources list is not last)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(new, encoding="utf-8")
    partial.replace(path)
