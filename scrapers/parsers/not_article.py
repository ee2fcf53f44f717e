"""Pages that are not articles whatever the site: bot challenges and HTTP errors.

These checks run before a design parser is chosen, so that such a page is reported, never stored as an
empty article. What else a site's pages can be (soft 404s, listings) its own parser says.
"""

from __future__ import annotations

import re

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


def check_fetch(page: Page, http_status: int) -> None:
    """Raise for a bot challenge or an HTTP error, whatever the markup."""
    if CHALLENGE_TITLES.fullmatch(page.title) or page.first(CHALLENGE_MARKUP) is not None:
        raise NotAnArticle("bot_challenge", f"{page.url}: bot-protection page ({page.title or 'no title'!r})")
    if http_status >= 400:
        raise NotAnArticle("error_page", f"{page.url}: HTTP {http_status}")
