"""What the load computes from each new or changed text: its detected language and its story signature.

Both are CPU-bound and pure Python or numpy, so they run in the process pool of transforms/workers.py:
the texts are read in batches of :data:`BATCH` articles, each batch is analysed in a worker, and the
results are written back in the batches' order, so nothing depends on the number of workers. The
signature's LSH band keys go to ``story_bands`` with the article's anchor day, the index the story
clustering looks candidates up in (warehouse/stories.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import ColumnElement, Connection, Table, bindparam, delete, func, select, update

from transforms.language import detect_language
from transforms.near_duplicates import band_key_rows, signature_bytes, signatures
from transforms.workers import map_batches
from warehouse.bulk import bulk_insert
from warehouse.models import Article, StoryBand
from warehouse.types import UTCDateTime

_articles = cast(Table, Article.__table__)
_bands = cast(Table, StoryBand.__table__)

BATCH = 500
"""Articles per batch handed to a worker: big enough that sending it costs little beside its work."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# (article_id, declared language, headline, body) in; (article_id, detected language, signature bytes or
# None, band keys) out.
TextRow = tuple[int, str | None, str, str]
Facts = tuple[int, str, bytes | None, list[int]]


def cluster_text(headline: str, body_text: str) -> str:
    """What is compared for near-duplicates: the headline and the body, as one text."""
    return f"{headline}\n{body_text}"


def anchor_column() -> ColumnElement[datetime]:
    """An article's anchor, the time its story window is measured from: published_at, else first_seen_at
    (COALESCE takes the columns' type, so it comes back as an aware UTC datetime on both engines)."""
    return func.coalesce(_articles.c.published_at, _articles.c.first_seen_at, type_=UTCDateTime())


def anchor_day(anchor: datetime) -> int:
    """The UTC day of an article's anchor, as days since 1970-01-01 (``story_bands.day``)."""
    return (anchor.astimezone(UTC) - _EPOCH).days


def analyse_batch(rows: Sequence[TextRow]) -> list[Facts]:
    """Detected language, signature and band keys of each text (a worker's job: module-level, picklable)."""
    texts = [cluster_text(headline, body) for _, _, headline, body in rows]
    found = signatures(texts)
    keys = iter(band_key_rows([f for f in found if f is not None]))
    out: list[Facts] = []
    for (article_id, language, _, _), text, minhash in zip(rows, texts, found, strict=True):
        code = detect_language(text, hint=language or None).code
        if minhash is None:
            out.append((article_id, code, None, []))
        else:
            out.append((article_id, code, signature_bytes(minhash), next(keys)))
    return out


def analyse_texts(conn: Connection, article_ids: Sequence[int], *, workers: int = 1) -> None:
    """Set ``detected_language`` and ``story_signature`` of ``article_ids`` and replace their
    ``story_bands`` rows. A pool is started only when there is more than one batch of work."""
    ordered = sorted(set(article_ids))
    if not ordered:
        return
    a = _articles.c
    days: dict[int, int] = {}

    def batches() -> Iterator[list[TextRow]]:
        for start in range(0, len(ordered), BATCH):
            rows = conn.execute(
                select(
                    a.article_id,
                    a.language,
                    a.headline,
                    a.body_text,
                    anchor_column(),
                ).where(a.article_id.in_(bindparam("ids", expanding=True))),
                {"ids": ordered[start : start + BATCH]},
            ).all()
            for row in rows:
                days[row[0]] = anchor_day(row[4])
            yield [(row[0], row[1], row[2], row[3]) for row in rows]

    pool = workers if len(ordered) > BATCH else 1
    for facts in map_batches(analyse_batch, batches(), pool):
        ids = [f[0] for f in facts]
        conn.execute(
            update(_articles)
            .where(a.article_id == bindparam("id"))
            .values(detected_language=bindparam("lang"), story_signature=bindparam("sig")),
            [{"id": i, "lang": lang, "sig": sig} for i, lang, sig, _ in facts],
        )
        conn.execute(
            delete(_bands).where(_bands.c.article_id.in_(bindparam("ids", expanding=True))), {"ids": ids}
        )
        bulk_insert(
            conn,
            _bands,
            [{"article_id": i, "band": key, "day": days[i]} for i, _, _, keys in facts for key in keys],
        )
        for i in ids:
            days.pop(i, None)
