"""The headline a reader sees: chosen among h1, og:title, twitter:title, JSON-LD and <title> by agreement,
without the site's name and section tails. Pages and candidates are made up here."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from scrapers.parsers import parse_page
from transforms.record import ArticleRecord
from transforms.sources import Source

FETCHED = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
SOURCE = Source(
    key="svit",
    label="Світ Новин",
    base_url="https://svit.example",
    editions={"uk": "uk"},
    feeds=(),
    news_sitemaps=(),
    sitemap_indexes=(),
    parser="generic",
    enabled=True,
)
URL = "https://svit.example/world/2025/12/01/turkey-c130-crash/"

PARAGRAPHS = (
    "Міністерство оборони Туреччини підтвердило загибель двадцяти військовослужбовців під час аварії "
    "військово-транспортного літака C-130 неподалік кордону з Грузією.",
    "За даними відомства, літак виконував плановий рейс і зник з радарів через кілька хвилин після того, як "
    "екіпаж повідомив про технічні проблеми; рятувальники знайшли уламки на схилі гори.",
    "Президент країни висловив співчуття родинам загиблих і доручив створити комісію, яка з'ясує причини "
    "катастрофи; до її роботи залучать фахівців виробника літака.",
)
H1 = "Туреччина підтвердила загибель 20 військових під час аварії літака C-130"
SEO = "В аварії літака ВПС Туреччини загинули 20 військових - новини світу"


def page(*, head: str = "", h1: str = H1, header: str = "", title: str = "Світ Новин") -> str:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"""<!doctype html><html lang="uk"><head><meta charset="utf-8"><title>{title}</title>{head}</head>
<body><header>{header}<nav><a href="/">Головна</a> <a href="/world/">Світ</a></nav></header>
<main><article><h1>{h1}</h1><div class="text">{body}</div></article></main>
<footer>© Світ Новин</footer></body></html>"""


def jsonld(headline: str) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": headline}
    data["datePublished"] = "2025-12-01T08:00:00+02:00"
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


def meta(key: str, value: str) -> str:
    attribute = "property" if key.startswith("og:") else "name"
    return f'<meta {attribute}="{key}" content="{value}">'


def parse(html: str, url: str = URL) -> ArticleRecord:
    return parse_page(html, url, source=SOURCE, fetched_at=FETCHED)


# -- through the parser: the page, logos, what field_sources says ---------------------------------


def test_h1_and_og_title_agreeing_beat_the_seo_json_ld_headline() -> None:
    # The page: JSON-LD carries the SEO wording with a section tail; h1 and og:title agree.
    head = jsonld(SEO) + meta("og:title", H1) + meta("og:site_name", "Світ Новин")
    record = parse(page(head=head, title=f"{SEO} | Світ Новин"))
    assert record.headline == H1
    assert record.extra["field_sources"]["headline"] == "meta:og:title"  # its text, the same as the h1's


def test_a_site_logo_h1_in_the_header_is_not_the_headline() -> None:
    logo = '<h1 class="logo"><a href="/"><img src="/logo.svg" alt="">Світ Новин</a></h1>'
    record = parse(page(header=logo, title=f"{H1} - Світ Новин"))
    assert record.headline == H1
    # The title (without the site's name) agrees with the article's h1; the h1 is named.
    assert record.extra["field_sources"]["headline"] == "markup:h1"


def test_an_h1_in_the_page_header_gives_way_to_the_articles_h1() -> None:
    record = parse(page(header="<h1>Новини світу</h1>"))
    assert record.headline == H1
    assert record.extra["field_sources"]["headline"] == "markup:h1"


def test_a_page_whose_only_h1_is_the_logo_takes_the_metadata_headline() -> None:
    html = page(head=meta("og:title", H1), h1="").replace("<h1></h1>", "")
    html = html.replace("<header>", '<header><h1 class="logo">Світ Новин</h1>')
    record = parse(html)
    assert record.headline == H1
    assert record.extra["field_sources"]["headline"] == "meta:og:title"


def test_the_visible_headline_wins_when_nothing_agrees() -> None:
    head = jsonld("Одне формулювання для пошуковиків") + meta("og:title", "Інше формулювання для соцмереж")
    record = parse(page(head=head, title="Третє формулювання"))
    assert record.headline == H1
    assert record.extra["field_sources"]["headline"] == "markup:h1"


# -- the choice itself ----------------------------------------------------------------------------------


def choose(site_names: tuple[str, ...] = ("Site",), **texts: str) -> tuple[str, str]:
    # Imported here so that the tests through the parser also run (and fail) on code without the module.
    from scrapers.parsers.generic.headline import Candidate, choose_headline

    origins = {
        "h1": "markup:h1",
        "og": "meta:og:title",
        "twitter": "meta:twitter:title",
        "ld": "jsonld",
        "title": "title",
    }
    chosen = choose_headline([Candidate(origins[k], v) for k, v in texts.items()], site_names)
    assert chosen is not None
    return chosen.text, chosen.origin


@pytest.mark.parametrize(
    ("texts", "site_names", "expected"),
    [
        # The site's name (og:site_name, label or host) is cut whatever the other candidates say.
        ({"title": "Drones over Kyiv | Site"}, ("Site",), "Drones over Kyiv"),
        ({"title": "Drones over Kyiv - n-tv.de"}, ("www.n-tv.de",), "Drones over Kyiv"),
        ({"title": "Drones over Kyiv – BILD.de"}, ("bild.de",), "Drones over Kyiv"),
        ({"title": "Drones over Kyiv｜日刊ゲンダイDIGITAL"}, ("日刊ゲンダイDIGITAL",), "Drones over Kyiv"),
        # A section tail the other candidates lack ("— World — Site", " | Sport", " - новини світу").
        (
            {"h1": "Drones over Kyiv", "title": "Drones over Kyiv — World — Site"},
            ("Site",),
            "Drones over Kyiv",
        ),
        (
            {"og": "Bubi-Bomber wieder da", "ld": "Bubi-Bomber wieder da | Sport"},
            ("bild.de",),
            "Bubi-Bomber wieder da",
        ),
        ({"h1": H1, "ld": f"{H1} - новини світу"}, ("Світ Новин",), H1),
        # A date and a byline are short tails too.
        (
            {"h1": "Ziele, Chancen, Risiken", "og": "Ziele, Chancen, Risiken | DW | 28.04.2023"},
            (),
            "Ziele, Chancen, Risiken",
        ),
        (
            {"h1": "Plot twist in Idaho", "og": "Plot twist in Idaho | The Pundit | by Cristina Laila"},
            (),
            "Plot twist in Idaho",
        ),
        # A headline's own dash stays when no candidate lacks what follows it.
        (
            {"h1": "Kyiv under attack - 3 dead", "title": "Kyiv under attack - 3 dead | Site"},
            ("Site",),
            "Kyiv under attack - 3 dead",
        ),
        ({"title": "Kyiv under attack - live updates"}, ("Site",), "Kyiv under attack - live updates"),
    ],
)
def test_site_and_section_tails(texts: dict[str, str], site_names: tuple[str, ...], expected: str) -> None:
    assert choose(site_names, **texts)[0] == expected


def test_two_sources_agreeing_beat_one() -> None:
    assert choose(og="Budget passes", title="Budget passes | Site", h1="Parliament votes on budget") == (
        "Budget passes",
        "meta:og:title",
    )


def test_og_and_twitter_titles_are_one_vote() -> None:
    # CMSs fill both from one social-title field: h1 and JSON-LD agreeing are not outvoted by the two copies.
    text, origin = choose(
        h1="Woman who lost 130 pounds shares seven changes",
        ld="Woman who lost 130 pounds shares seven changes",
        og="Seven things nobody tells you about weight loss",
        twitter="Seven things nobody tells you about weight loss",
    )
    assert (text, origin) == ("Woman who lost 130 pounds shares seven changes", "jsonld")


def test_a_tie_goes_to_the_group_with_the_visible_headline() -> None:
    text, _ = choose(
        h1="Nostradamus prediction casts doubt on the king",
        og="Nostradamus prediction casts doubt on the king",
        ld="Nostradamus sows doubt: is Charles the wrong heir?",
        title="Nostradamus sows doubt: is Charles the wrong heir?",
    )
    assert text == "Nostradamus prediction casts doubt on the king"


def test_agreement_ignores_case_quotes_and_punctuation_and_keeps_the_metadata_spelling() -> None:
    # The h1 is a kicker element and a title element: the text joined from them lost the colon.
    text, origin = choose(
        h1="Ausschuss zur Ahrtal-Flut Zwei Rücktritte",
        og="Ausschuss zur Ahrtal-Flut: Zwei Rücktritte",
        ld="AUSSCHUSS ZUR AHRTAL-FLUT: ZWEI RÜCKTRITTE",
    )
    assert (text, origin) == ("Ausschuss zur Ahrtal-Flut: Zwei Rücktritte", "meta:og:title")


def test_no_candidate_with_text_is_no_headline() -> None:
    from scrapers.parsers.generic.headline import Candidate, choose_headline

    assert choose_headline([Candidate("markup:h1", ""), Candidate("title", " | Site")], ("Site",)) is None
