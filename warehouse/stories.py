"""Story ids at load time: near-duplicate articles (syndicated or re-posted, across sources) share one.

An article's *anchor* is its ``published_at``, else its ``first_seen_at``. A story never spans more than
:data:`WINDOW`: the anchors of any two articles of one story are at most WINDOW apart. Two articles are
linked when their anchors are within WINDOW of each other and their texts are near-duplicates
(``transforms.near_duplicates``: MinHash over 4-word shingles of headline and body, estimated Jaccard
>= 0.5); a story is what the links connect, cut in anchor order when a chain of copies would span more
(``cluster_signatures``: a story starts at its earliest article and ends WINDOW after it).

After a batch is written (warehouse/text_facts.py has stored each new text's signature and its LSH band
keys in ``story_bands``, by anchor day), its new and changed articles are clustered in anchor order,
:data:`CHUNK` at a time. For each chunk the candidates are the articles sharing a band key with one of
its articles on a day within the window (an index lookup on ``story_bands (band, day)``), plus every
article of a story any of them is in; only that neighbourhood is read and clustered, so the cost per
article and the memory do not grow with the warehouse or with the span of the batch.

Ids are stable: a cluster keeps the smallest story id its already-clustered members carry (the changed
articles do not vote, since their text may have changed; when a story is cut in two, the part with the
smallest URL keeps it), and a new cluster takes the id derived from its smallest URL. Only rows whose id
changes are written, so loading the same batch again writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Row, Table, bindparam, select, update

from transforms.near_duplicates import cluster_signatures, signature_from_bytes, story_id_for
from warehouse.models import Article, StoryBand
from warehouse.text_facts import analyse_texts, anchor_column, cluster_text

if TYPE_CHECKING:
    from transforms.near_duplicates import Signature

__all__ = ["CHUNK", "WINDOW", "assign_stories", "cluster_text", "index_all"]

WINDOW = timedelta(days=3)
"""The most two articles of one story may be apart in anchor time (published_at, else first_seen_at)."""

CHUNK = 2000
"""Changed articles clustered at a time, in anchor order: memory is bounded by a chunk's neighbourhood."""

_LOOKUP = 500
"""Ids per candidate or member query (well under the engines' parameter limits)."""

_articles = cast(Table, Article.__table__)  # the Core table, for set-based statements
_bands = cast(Table, StoryBand.__table__)


def assign_stories(conn: Connection, article_ids: Sequence[int]) -> int:
    """Give ``article_ids`` (new or changed articles, their signatures and bands already stored) and their
    near-duplicates their story ids. Returns how many articles got a new or different story id."""
    if not article_ids:
        return 0
    ordered = _in_anchor_order(conn, sorted(set(article_ids)))
    # Articles still waiting for their chunk do not vote: their stored story id may predate their text.
    pending = set(ordered)
    written = 0
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        written += _assign_chunk(conn, chunk, pending)
        pending.difference_update(chunk)
    return written


def _in_anchor_order(conn: Connection, article_ids: list[int]) -> list[int]:
    """``article_ids`` by anchor, then id; as two integer arrays, so a large run costs 16 bytes an article."""
    import numpy as np

    a = _articles.c
    anchors = np.empty(len(article_ids), dtype=np.int64)
    ids = np.asarray(article_ids, dtype=np.int64)
    for start in range(0, len(article_ids), _LOOKUP):
        part = article_ids[start : start + _LOOKUP]
        found: dict[int, datetime] = dict(
            conn.execute(
                select(a.article_id, anchor_column()).where(
                    a.article_id.in_(bindparam("ids", expanding=True))
                ),
                {"ids": part},
            ).all()
        )
        anchors[start : start + len(part)] = [int(found[i].timestamp() * 1_000_000) for i in part]
    return [int(i) for i in ids[np.lexsort((ids, anchors))]]


def _assign_chunk(conn: Connection, chunk: list[int], pending: set[int]) -> int:
    a = _articles.c
    neighbourhood = set(chunk) | _candidates(conn, chunk)
    # Whole stories: a story touched here is clustered again as a whole, so no part of it is left behind
    # with an id its other part also keeps.
    rows = _rows(conn, neighbourhood)
    story_ids = {r.story_id for r in rows if r.story_id is not None}
    rows += _rows(conn, _members(conn, story_ids) - neighbourhood)
    found: dict[str, Signature | None] = {
        r.url: None if r.story_signature is None else signature_from_bytes(bytes(r.story_signature))
        for r in rows
    }
    anchors: dict[str, datetime] = {r.url: r.anchor for r in rows}
    existing = {r.url: r.story_id for r in rows if r.story_id and r.article_id not in pending}
    current = {r.url: (r.article_id, r.story_id) for r in rows}
    clusters = cluster_signatures(found, existing=existing, anchors=anchors, window=WINDOW)
    # A cluster with a voting member keeps the id cluster_signatures gave it; a new cluster's id comes
    # from its smallest URL, unless another cluster keeps that id or an article outside this
    # neighbourhood carries it (the URL once left a story that still has that id).
    kept = {c.story_id for c in clusters if any(url in existing for url in c.urls)}
    new = [not any(url in existing for url in c.urls) for c in clusters]
    outside = _held_outside(
        conn, {c.story_id for c, is_new in zip(clusters, new, strict=True) if is_new}, set(current)
    )
    updates = []
    for cluster, is_new in zip(clusters, new, strict=True):
        story_id = cluster.story_id
        if is_new and (story_id in kept or story_id in outside):
            story_id = _unused_id(conn, cluster.urls, kept)
        kept.add(story_id)
        updates += [
            {"id": current[url][0], "story": story_id} for url in cluster.urls if current[url][1] != story_id
        ]
    if updates:
        conn.execute(
            update(_articles).where(a.article_id == bindparam("id")).values(story_id=bindparam("story")),
            updates,
        )
    return len(updates)


def _candidates(conn: Connection, chunk: list[int]) -> set[int]:
    """Articles sharing a band key with one of ``chunk`` on a day within the window of its day."""
    days = WINDOW.days + (1 if WINDOW % timedelta(days=1) else 0)
    mine = _bands.alias("mine")
    other = _bands.alias("other")
    statement = (
        select(other.c.article_id)
        .distinct()
        .select_from(
            mine.join(
                other,
                (other.c.band == mine.c.band) & other.c.day.between(mine.c.day - days, mine.c.day + days),
            )
        )
        .where(mine.c.article_id.in_(bindparam("ids", expanding=True)))
    )
    found: set[int] = set()
    for start in range(0, len(chunk), _LOOKUP):
        found.update(conn.execute(statement, {"ids": chunk[start : start + _LOOKUP]}).scalars())
    return found


def _rows(conn: Connection, article_ids: set[int]) -> list[Row[Any]]:
    """What clustering needs of these articles: id, URL, story id, signature and anchor."""
    a = _articles.c
    ordered = sorted(article_ids)
    rows: list[Row[Any]] = []
    for start in range(0, len(ordered), _LOOKUP):
        rows += conn.execute(
            select(a.article_id, a.url, a.story_id, a.story_signature, anchor_column().label("anchor")).where(
                a.article_id.in_(bindparam("ids", expanding=True))
            ),
            {"ids": ordered[start : start + _LOOKUP]},
        ).all()
    return rows


def _members(conn: Connection, story_ids: set[str]) -> set[int]:
    """The articles that carry these story ids now."""
    a = _articles.c
    ordered = sorted(story_ids)
    found: set[int] = set()
    for start in range(0, len(ordered), _LOOKUP):
        found.update(
            conn.execute(
                select(a.article_id).where(a.story_id.in_(bindparam("ids", expanding=True))),
                {"ids": ordered[start : start + _LOOKUP]},
            ).scalars()
        )
    return found


def _held_outside(conn: Connection, story_ids: set[str], urls: set[str]) -> set[str]:
    """Those of ``story_ids`` carried by an article whose URL is not in ``urls``."""
    a = _articles.c
    ordered = sorted(story_ids)
    held: set[str] = set()
    for start in range(0, len(ordered), _LOOKUP):
        for story_id, url in conn.execute(
            select(a.story_id, a.url).where(a.story_id.in_(bindparam("ids", expanding=True))),
            {"ids": ordered[start : start + _LOOKUP]},
        ):
            if url not in urls:
                held.add(story_id)
    return held


def _unused_id(conn: Connection, urls: Sequence[str], taken: set[str]) -> str:
    """``story_id_for`` the cluster's smallest URL, or of that URL with a counter when the id is in use by
    another cluster here or by an article outside the cluster."""
    a = _articles.c
    for attempt in range(1000):
        candidate = story_id_for(urls[0] if attempt == 0 else f"{urls[0]}#{attempt}")
        if candidate in taken:
            continue
        used = conn.execute(
            select(a.url)
            .where(a.story_id == candidate, a.url.not_in(bindparam("urls", expanding=True)))
            .limit(1),
            {"urls": list(urls)},
        ).first()
        if used is None:
            return candidate
    raise RuntimeError(f"no free story id for {urls[0]} after 1000 attempts")


def index_all(conn: Connection, *, workers: int = 1) -> int:
    """Compute every article's signature, detected language and band keys again and cluster the whole
    warehouse by the window (the 0005 migration; signatures of earlier versions are not comparable).
    Existing story ids are kept where their stories survive. Returns how many story ids changed."""
    a = _articles.c
    ids = [int(i) for i in conn.execute(select(a.article_id).order_by(a.article_id)).scalars()]
    analyse_texts(conn, ids, workers=workers)
    # Nobody is pending: every article's text is the one its story id was computed from.
    ordered = _in_anchor_order(conn, ids)
    return sum(_assign_chunk(conn, ordered[i : i + CHUNK], set()) for i in range(0, len(ordered), CHUNK))
