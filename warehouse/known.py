"""Known URLs for incremental crawls, written from the warehouse for the spider (``-a known=PATH``)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from warehouse.engine import make_engine, normalise_url
from warehouse.models import Article


def write_known_urls(engine_url: str, source: str, path: Path | str) -> int:
    """Write ``url<TAB>modified_at`` lines for ``source``'s stored articles; returns how many.

    The time is the article's declared modification time in UTC ISO 8601, or its publication time when the
    page declared none (its content is as of then), or empty when it has neither. A warehouse that does
    not exist yet, or was never migrated, knows no URLs: the file is written empty.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
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
                    for row_url, modified, published in conn.execute(query):
                        stamp = modified or published
                        lines.append(f"{row_url}\t{stamp.isoformat() if stamp else ''}")
        finally:
            engine.dispose()
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)
