"""Errors shared by every layer."""

from __future__ import annotations


class NotAnArticle(Exception):
    """The page is not an article (bot challenge, error page, listing, empty body).

    ``reason`` is a short machine-friendly cause (``bot_challenge``, ``error_page``, ``listing``,
    ``no_body``, ``no_headline``…); ``detail`` explains it to a person.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
