"""Detected language at load time: the language an article's text is in, stored beside the declared one.

``articles.language`` is what the parser settled on (for a site parser, the edition's language); sources
that mix languages on one edition make that unreliable, so the load also runs
``transforms.language.detect_language`` over the headline and body of every new or changed article and
stores the result in ``articles.detected_language``. The declared language is the hint, used when the
text is too short or too mixed to decide. Only rows whose value changes are written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Connection, Table, bindparam, select, update

from transforms.language import detect_language
from warehouse.models import Article

_articles = cast(Table, Article.__table__)  # the Core table, for set-based statements


CHUNK = 2000
"""Articles read and classified at a time: a first load of a large run need not hold every text at once."""


def detect_languages(conn: Connection, article_ids: Sequence[int]) -> int:
    """Set ``detected_language`` of ``article_ids``; returns how many rows changed."""
    ordered = sorted(set(article_ids))
    return sum(_detect_chunk(conn, ordered[i : i + CHUNK]) for i in range(0, len(ordered), CHUNK))


def _detect_chunk(conn: Connection, article_ids: list[int]) -> int:
    a = _articles.c
    rows = conn.execute(
        select(a.article_id, a.language, a.headline, a.body_text, a.detected_language).where(
            a.article_id.in_(bindparam("ids", expanding=True))
        ),
        {"ids": article_ids},
    ).all()
    updates = []
    for row in rows:
        guess = detect_language(f"{row.headline}\n{row.body_text}", hint=row.language or None)
        if guess.code != row.detected_language:
            updates.append({"id": row.article_id, "lang": guess.code})
    if updates:
        statement = update(_articles).where(a.article_id == bindparam("id"))
        conn.execute(statement.values(detected_language=bindparam("lang")), updates)
    return len(updates)
