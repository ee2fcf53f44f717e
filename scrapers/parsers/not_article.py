"""Telling apart the pages that are not articles: bot challenges, error pages, listings.

These checks are site-independent; they run before a design parser is chosen (challenge, HTTP error) or
when none matches (soft 404, listing), so that such a page is reported, never stored as an empty article.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scrapers.parsers.page import Page
from transforms.errors import NotAnArticle

# Interstitials that bot protection serves instead of the page (Cloudflare, DDoS-Guard, generic). The
# whole title must be one of these, so that an article titled "Security check at the border" passes.
CHALLENGE_TITLES = re.compile(
    r"(just a moment|attention required!?( \| cloudflare)?|checking your browser( before accessing)?"
    r"|ddos-guard|verifying you are human|access denied)[.…!\s]*",
    re.IGNORECASE,
)
CHALLENGE_MARKUP = (
    "#challenge-form, #challenge-running, #challenge-stage, #cf-challenge-running,"
    " .cf-browser-verification, #cf-wrapper, form#ddg-form, div.ddg-captcha"
)

# Error pages that answer 200 ("soft 404"): their title or main heading says so, in the sites' languages.
ERROR_WORDS = re.compile(
    r"\b404\b|page not found|not found|сторінку не знайдено|сторінка не знайдена|"
    r"страница не найдена|страницу не найдено|помилка|ошибка",
    re.IGNORECASE,
)

# An article URL ends in a numeric id or an id-suffixed slug (/8015225/, /…-813313/).
ARTICLE_PATH = re.compile(r"(?:^|[/-])\d{5,}/?$")
LISTING_MIN_TEASERS = 3
TEASER_SELECTOR = "div.article_news, div.article, div.article_title a, div.news_list div, li.news_item"


def check_fetch(page: Page, http_status: int) -> None:
    """Raise for a bot challenge or an HTTP error, whatever the markup."""
    if CHALLENGE_TITLES.fullmatch(page.title) or page.first(CHALLENGE_MARKUP) is not None:
        raise NotAnArticle("bot_challenge", f"{page.url}: bot-protection page ({page.title or 'no title'!r})")
    if http_status >= 400:
        raise NotAnArticle("error_page", f"{page.url}: HTTP {http_status}")


def classify_unknown(page: Page) -> NotAnArticle:
    """Why a page that matches no article design is not an article."""
    heading = page.text_of("h1")
    if ERROR_WORDS.search(page.title) or ERROR_WORDS.search(heading):
        return NotAnArticle("error_page", f"{page.url}: error page ({heading or page.title!r})")
    teasers = len(page.tree.css(TEASER_SELECTOR))
    if not ARTICLE_PATH.search(urlsplit(page.url).path) or teasers >= LISTING_MIN_TEASERS:
        return NotAnArticle("listing", f"{page.url}: a listing page ({teasers} article teasers, no article)")
    return NotAnArticle("unknown_layout", f"{page.url}: no known article design matches the markup")
