"""Why a pravda.com.ua page that matches no article design is not an article: a soft 404 or a listing.

The words are the three editions' (and the sister sites' on the same CMS); the teaser selectors are the
site's listing markup.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scrapers.parsers.page import Page
from transforms.errors import NotAnArticle

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


def classify_unknown(page: Page) -> NotAnArticle:
    """Why a page that matches no article design is not an article."""
    heading = page.text_of("h1")
    if ERROR_WORDS.search(page.title) or ERROR_WORDS.search(heading):
        return NotAnArticle("error_page", f"{page.url}: error page ({heading or page.title!r})")
    teasers = len(page.tree.css(TEASER_SELECTOR))
    if not ARTICLE_PATH.search(urlsplit(page.url).path) or teasers >= LISTING_MIN_TEASERS:
        return NotAnArticle("listing", f"{page.url}: a listing page ({teasers} article teasers, no article)")
    return NotAnArticle("unknown_layout", f"{page.url}: no known article design matches the markup")
