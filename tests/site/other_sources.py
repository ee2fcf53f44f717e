"""Recorded fixtures of the generic sources: for each English edition in seeds/sources.yaml, its robots.txt,
its feed and two article pages written to look like the site (its CMS's markup, JSON-LD where such sites
carry it, navigation, share buttons and "read also" links around the text).

``build_site.py`` puts these responses in the same WARC as the pravda.com.ua fixture site, so one replay
server answers for every host. Two stories are one wire report carried by two outlets (another headline,
the second copy with a promo line at the end): the cross-source duplicate the warehouse must cluster.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import escape as html_escape
from xml.sax.saxutils import escape

KYIV = timezone(timedelta(hours=2))


@dataclass(frozen=True)
class Story:
    path: str  # the article's path on its site
    headline: str
    published: str  # ISO date-time with the Kyiv offset
    byline: str
    section: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class SiteSpec:
    key: str
    name: str
    base: str
    feed: str  # path of the feed the sources file lists
    feed_kind: str  # rss or atom
    body_class: str  # the CMS's class for the article text
    jsonld: bool  # whether the site's pages carry a JSON-LD NewsArticle
    stories: tuple[Story, ...]


WIRE_REPORT = (
    "Ukraine's energy ministry said on Monday that repair crews had restored power to more than 180,000 "
    "households in the Odesa region after overnight strikes damaged two substations near the port city.",
    "According to the ministry, the attack involved more than thirty drones and several ballistic missiles, "
    "and air defence units shot down most of them over the sea before they reached the coast.",
    "Grid operator engineers warned that scheduled outages would remain in place in three districts until "
    "the damaged transformers are replaced, which could take up to a week in the coldest part of the year.",
    "The regional administration opened heating points in schools and libraries and asked residents to "
    "limit the use of electric heaters during the evening peak between five and ten o'clock.",
)
PROMO = "Follow our coverage of the war and the energy front on our channels and subscribe to the newsletter."

SPECS: tuple[SiteSpec, ...] = (
    SiteSpec(
        "kyivindependent",
        "The Kyiv Independent",
        "https://kyivindependent.com",
        "/rss/",
        "rss",
        "gh-content",
        True,
        (
            Story(
                "/parliament-passes-budget-amendment-to-fund-drone-production/",
                "Parliament passes budget amendment to fund drone production",
                "2025-12-03T14:20:00+02:00",
                "Politics Desk",
                "Politics",
                (
                    "Ukraine's parliament on Wednesday passed an amendment to the 2026 state budget that "
                    "moves "
                    "about 20 billion hryvnias to the production of long-range and interceptor drones.",
                    "The amendment was supported by 254 lawmakers, well above the 226 votes needed, after a "
                    "debate in which the finance committee defended cuts to road construction programmes.",
                    "Officials at the defence ministry said the money would be spent through existing "
                    "contracts with domestic manufacturers, most of which already work in three shifts.",
                    "The president is expected to sign the amendment into law within days, after which the "
                    "government will publish the list of programmes whose spending is reduced.",
                ),
            ),
            Story(
                "/kharkiv-metro-stations-reopen-as-shelters-after-renovation/",
                "Kharkiv metro stations reopen as shelters after renovation",
                "2025-12-08T09:05:00+02:00",
                "Regional Desk",
                "Ukraine",
                (
                    "Three metro stations in Kharkiv have reopened as round-the-clock shelters after a "
                    "renovation that added ventilation, water supply and sleeping areas, the city council "
                    "said.",
                    "The stations can hold up to six thousand people during long air raid alerts, which in "
                    "Kharkiv often last for several hours at night because of the city's closeness to the "
                    "border.",
                    "A school that has held lessons underground since 2023 will move part of its classes to "
                    "one "
                    "of the renovated stations in January, according to the city's education department.",
                ),
            ),
        ),
    ),
    SiteSpec(
        "ukrinform",
        "Ukrinform",
        "https://www.ukrinform.net",
        "/rss/block-lastnews",
        "rss",
        "newsText",
        True,
        (
            Story(
                "/rubric-economy/4061201-power-restored-to-180000-households-in-odesa-region.html",
                "Power restored to 180,000 households in Odesa region",
                "2025-12-01T10:40:00+02:00",
                "Economy Desk",
                "Economy",
                WIRE_REPORT,
            ),
            Story(
                "/rubric-society/4062877-lviv-opens-rehabilitation-centre-for-veterans.html",
                "Lviv opens rehabilitation centre for veterans",
                "2025-12-04T16:15:00+02:00",
                "Society Desk",
                "Society",
                (
                    "A new rehabilitation centre for veterans opened in Lviv on Thursday, offering physical "
                    "therapy, prosthetics fitting and psychological support under one roof.",
                    "The centre was built with funds from the city budget and international donors and can "
                    "treat about three hundred patients a month once all of its departments are staffed.",
                    "Doctors said the waiting list already includes more than a thousand people from the "
                    "western regions, many of whom previously had to travel abroad for complex prosthetics.",
                ),
            ),
        ),
    ),
    SiteSpec(
        "kyivpost",
        "Kyiv Post",
        "https://www.kyivpost.com",
        "/feed",
        "rss",
        "post-content",
        True,
        (
            Story(
                "/post/65012",
                "Kyiv bakeries adapt to blackouts with generators and wood-fired ovens",
                "2025-12-05T11:30:00+02:00",
                "Business Desk",
                "Business",
                (
                    "Small bakeries across Kyiv have bought diesel generators and even rebuilt old "
                    "wood-fired "
                    "ovens to keep bread on their shelves during scheduled power outages this winter.",
                    "Owners interviewed in three districts said fuel now makes up almost a fifth of their "
                    "costs, "
                    "but that customers return because the shops stay open when supermarkets close early.",
                    "The city administration said it would extend a programme of cheap loans for generators "
                    "to "
                    "food producers with fewer than fifty employees until the end of March.",
                ),
            ),
            Story(
                "/post/65088",
                "Ukrainian startups raise record funding for defence technology",
                "2025-12-09T18:45:00+02:00",
                "Technology Desk",
                "Technology",
                (
                    "Ukrainian startups working on defence technology raised a record amount of venture "
                    "funding this year, according to a report by the national industry association.",
                    "Most of the money went to companies building electronic warfare equipment, ground "
                    "robots "
                    "and software that helps drone operators plan routes around jamming zones.",
                    "Investors said the testing of products at the front line within weeks, rather than "
                    "years, "
                    "has become the main attraction of the Ukrainian market for foreign funds.",
                ),
            ),
        ),
    ),
    SiteSpec(
        "interfax",
        "Interfax-Ukraine",
        "https://en.interfax.com.ua",
        "/news/last.rss",
        "rss",
        "article-content",
        False,
        (
            Story(
                "/news/economic/1120455.html",
                "Energy ministry: repair crews reconnect Odesa region after night attack",
                "2025-12-01T11:05:00+02:00",
                "Interfax-Ukraine",
                "Economic",
                (*WIRE_REPORT, PROMO),
            ),
            Story(
                "/news/general/1120871.html",
                "Grain exports through Danube ports grow for third month in a row",
                "2025-12-06T13:50:00+02:00",
                "Interfax-Ukraine",
                "General",
                (
                    "Grain exports through Ukraine's Danube ports grew for the third month in a row in "
                    "November, reaching almost two million tonnes, the infrastructure ministry reported.",
                    "Corn made up more than half of the shipments, followed by wheat and sunflower meal, "
                    "most "
                    "of which went to buyers in Romania, Turkey and the countries of North Africa.",
                    "Port operators said that the new dredging works on the Bystre channel allow larger "
                    "vessels to enter the river ports and shorten the queues at the mouth of the Danube.",
                ),
            ),
        ),
    ),
    SiteSpec(
        "nv",
        "NV",
        "https://english.nv.ua",
        "/rss/all.xml",
        "rss",
        "content_wrapper",
        True,
        (
            Story(
                "/nation/volunteers-in-zaporizhzhia-deliver-stoves-to-frontline-villages-50561201.html",
                "Volunteers in Zaporizhzhia deliver stoves to frontline villages",
                "2025-12-07T08:25:00+02:00",
                "NV Nation",
                "Nation",
                (
                    "Volunteers in Zaporizhzhia have delivered more than four hundred wood-burning stoves to "
                    "villages near the front line, where gas and power lines are cut off for weeks at a "
                    "time.",
                    "The group buys the stoves from a local factory and drives them in small vans at dawn, "
                    "when "
                    "drone activity over the roads is usually lower, its coordinator told NV.",
                    "Residents who stayed in the villages are mostly elderly, and many of them refuse to "
                    "leave "
                    "their homes and animals despite repeated calls from the regional authorities to "
                    "evacuate.",
                ),
            ),
            Story(
                "/opinion/why-winter-energy-resilience-depends-on-local-grids-50561544.html",
                "Why winter energy resilience depends on local grids",
                "2025-12-10T19:10:00+02:00",
                "NV Opinion",
                "Opinion",
                (
                    "Every winter since the start of the full-scale invasion has shown that large power "
                    "plants "
                    "are easy targets, while small local generation is much harder to knock out.",
                    "Cogeneration units at hospitals and water utilities, solar panels on schools and "
                    "battery "
                    "storage at substations have kept essential services running during the longest outages.",
                    "The next step should be rules that let communities sell surplus power to each other, so "
                    "that investment in local grids pays off even after the war ends.",
                ),
            ),
        ),
    ),
    SiteSpec(
        "unian",
        "UNIAN",
        "https://www.unian.info",
        "/rss",
        "rss",
        "article-text",
        True,
        (
            Story(
                "/war/air-defence-shoots-down-drones-over-central-ukraine-13209871.html",
                "Air defence shoots down drones over central Ukraine overnight",
                "2025-12-11T07:35:00+02:00",
                "UNIAN",
                "War",
                (
                    "Ukrainian air defence shot down dozens of attack drones over central and northern "
                    "regions "
                    "overnight, the air force said in its morning update on Thursday.",
                    "Debris damaged a warehouse and several private houses in the Cherkasy region, but "
                    "nobody "
                    "was hurt, according to the regional military administration.",
                    "The air force said some of the drones were decoys without warheads, which the enemy "
                    "uses "
                    "to exhaust air defence and to find the positions of mobile fire groups.",
                ),
            ),
            Story(
                "/economics/finance/national-bank-keeps-key-rate-unchanged-13210455.html",
                "National Bank keeps key rate unchanged at its December meeting",
                "2025-12-11T14:00:00+02:00",
                "UNIAN",
                "Finance",
                (
                    "The National Bank of Ukraine left its key policy rate unchanged at its last meeting of "
                    "the "
                    "year, citing slowing inflation and steady international financing.",
                    "The regulator said consumer prices rose more slowly in November than it had forecast, "
                    "mostly because of a good harvest and cheaper fuel imports.",
                    "Analysts expect the first cut of the rate in the spring if the budget receives the "
                    "planned "
                    "tranches from international partners on time.",
                ),
            ),
        ),
    ),
    SiteSpec(
        "euromaidanpress",
        "Euromaidan Press",
        "https://euromaidanpress.com",
        "/feed/",
        "rss",
        "entry-content",
        True,
        (
            Story(
                "/2025/12/12/how-ukrainian-schools-teach-underground/",
                "How Ukrainian schools teach underground",
                "2025-12-12T12:00:00+02:00",
                "Euromaidan Press",
                "Society",
                (
                    "In frontline cities, thousands of children go to school in basements and metro stations "
                    "that were turned into classrooms with desks, blackboards and air filters.",
                    "Teachers say the underground lessons bring back a sense of routine that online "
                    "schooling "
                    "could not give, even though the rooms are crowded and have no daylight.",
                    "The education ministry plans to build dozens more underground schools next year, paid "
                    "for "
                    "partly by international donors and partly by the regional budgets.",
                ),
            ),
            Story(
                "/2025/12/13/ukrainian-drone-makers-look-for-export-markets/",
                "Ukrainian drone makers look for export markets",
                "2025-12-13T15:30:00+02:00",
                "Euromaidan Press",
                "Economy",
                (
                    "Ukrainian drone manufacturers are asking the government to allow controlled exports, "
                    "arguing that their production capacity now exceeds what the army can buy.",
                    "Industry representatives say foreign orders would let them keep skilled workers and "
                    "invest "
                    "in new designs, while the state would keep the right to stop any contract.",
                    "The defence ministry has not yet decided, but officials said a pilot scheme with a few "
                    "partner countries could start in the first half of next year.",
                ),
            ),
        ),
    ),
)

ROBOTS_TXT = "User-agent: *\nDisallow: /search/\nDisallow: /wp-admin/\n"


def article_url(spec: SiteSpec, story: Story) -> str:
    return spec.base + story.path


def page_html(spec: SiteSpec, story: Story) -> str:
    """An article page as the site's CMS would render it."""
    url = article_url(spec, story)
    published = datetime.fromisoformat(story.published)
    title = html_escape(story.headline)
    ld = ""
    if spec.jsonld:
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": story.headline,
            "datePublished": story.published,
            "dateModified": story.published,
            "author": [{"@type": "Person", "name": story.byline}],
            "publisher": {"@type": "Organization", "name": spec.name},
            "inLanguage": "en",
            "articleSection": story.section,
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "articleBody": "\n".join(story.paragraphs),
        }
        ld = f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
    paragraphs = list(story.paragraphs)
    # A "read also" link inside the text, as news CMSs insert after the second paragraph.
    read_also = '<p class="read-also"><strong>Read also:</strong> <a href="/news/">Latest news</a></p>'
    body = "".join(f"<p>{html_escape(p)}</p>" for p in paragraphs[:2]) + read_also
    body += "".join(f"<p>{html_escape(p)}</p>" for p in paragraphs[2:])
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} | {html_escape(spec.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="canonical" href="{url}">
<meta property="og:type" content="article">
<meta property="og:title" content="{title}">
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="{html_escape(spec.name)}">
<meta property="article:published_time" content="{story.published}">
<meta property="article:section" content="{html_escape(story.section)}">
<meta name="author" content="{html_escape(story.byline)}">
{ld}
<link rel="stylesheet" href="/assets/main.css">
<script>window.dataLayer = window.dataLayer || [];</script>
</head>
<body class="post-template">
<header class="site-header"><a class="logo" href="/">{html_escape(spec.name)}</a>
<nav class="site-nav"><ul><li><a href="/news/">News</a></li><li><a href="/opinion/">Opinion</a></li>
<li><a href="/business/">Business</a></li><li><a href="/search/">Search</a></li></ul></nav></header>
<main>
<article class="article post">
<header class="article-header">
<a class="article-section" href="/{story.section.lower()}/">{html_escape(story.section)}</a>
<h1 class="article-title">{title}</h1>
<div class="article-meta">
<span class="byline">by <a rel="author" href="/authors/desk/">{html_escape(story.byline)}</a></span>
<time datetime="{story.published}">{published.strftime("%B %-d, %Y %H:%M")}</time></div>
</header>
<figure class="article-image"><img src="/content/images/{published:%Y%m%d}.jpg" alt="">
<figcaption>Photo: {html_escape(spec.name)}</figcaption></figure>
<div class="{spec.body_class}">
{body}
</div>
<div class="share-buttons"><a href="#">Share on Facebook</a> <a href="#">Share on X</a>
<a href="#">Copy link</a></div>
<aside class="related"><h3>Related news</h3><ul>
<li><a href="/news/">Air raid alert declared across Ukraine</a></li>
<li><a href="/news/">Government approves new support programme for farmers</a></li></ul></aside>
</article>
</main>
<footer class="site-footer"><p>&copy; {published.year} {html_escape(spec.name)}. All rights reserved.</p>
<a href="/about/">About us</a> <a href="/contacts/">Contacts</a></footer>
</body>
</html>
"""


def feed_xml(spec: SiteSpec) -> bytes:
    """The site's RSS feed: its two stories and a link to a section page that is not an article."""
    items = []
    for story in spec.stories:
        stamp = datetime.fromisoformat(story.published).strftime("%a, %d %b %Y %H:%M:%S %z")
        items.append(
            f"<item><title>{escape(story.headline)}</title><link>{escape(article_url(spec, story))}</link>"
            f'<guid isPermaLink="true">{escape(article_url(spec, story))}</guid>'
            f"<pubDate>{stamp}</pubDate><category>{escape(story.section)}</category>"
            f"<description>{escape(story.paragraphs[0])}</description></item>"
        )
    items.append(f"<item><title>News</title><link>{spec.base}/news/</link></item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>{escape(spec.name)}</title><link>{spec.base}/</link>"
        f'<atom:link href="{spec.base}{spec.feed}" rel="self" type="application/rss+xml"/>'
        f"<description>{escape(spec.name)}: latest news</description><language>en</language>"
        f"{''.join(items)}</channel></rss>\n"
    ).encode()


def responses() -> list[tuple[str, int, list[tuple[str, str]], bytes]]:
    """Every recorded response of the generic sources: robots.txt, feed and pages of each site."""
    html_type = [("Content-Type", "text/html; charset=utf-8")]
    out: list[tuple[str, int, list[tuple[str, str]], bytes]] = []
    for spec in SPECS:
        out.append((f"{spec.base}/robots.txt", 200, [("Content-Type", "text/plain")], ROBOTS_TXT.encode()))
        rss_type = [("Content-Type", "application/rss+xml; charset=utf-8")]
        out.append((spec.base + spec.feed, 200, rss_type, feed_xml(spec)))
        for story in spec.stories:
            out.append((article_url(spec, story), 200, html_type, page_html(spec, story).encode("utf-8")))
    return out
