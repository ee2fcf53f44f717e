"""The known-URLs file (``transforms.known_urls``) of one source, written from the warehouse."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from transforms.known_urls import write_known_urls
from warehouse.engine import make_engine, normalise_url
from warehouse.models import Article


def write_source_known_urls(engine_url: str, source: str, path: Path | str) -> int:
    """Write the known URLs of ``source``'s stored articles to ``path``; returns how many.

    The time is the article's declared modification time, or its publication time when the page declared
    none (its content is as of then), or empty when it has neither. A warehouse that does not exist yet,
    or was never migrated, knows no URLs: the file is written empty.
    """
    rows: list[tuple[str, datetime | None]] = []
    url = make_url(normalise_url(engine_url))
    missing_file = url.get_backend_name() == "sqlite" and not Path(str(url.database)).exists()
    if not missing_file:
        engine = make_engine(engine_url)
        try:
            if inspect(engine).has_table("articles"):
                query = (
                    select(Article.url, Article.modified_at, Article.published_at)
                    .where(Article.source == source)
                    .order_by(Article.url)
                )
                with engine.connect() as conn:
                    rows = [(row, modified or published) for row, modified, published in conn.execute(query)]
        finally:
            engine.dispose()
    return write_known_urls(path, rows)
