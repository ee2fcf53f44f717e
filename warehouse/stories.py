"""Story ids at load time: near-duplicate articles (syndicated or re-posted, across sources) share one.

After a batch is written, its new and changed articles are clustered with every article published within
:data:`WINDOW` of them (``transforms.near_duplicates.cluster_stories``: MinHash/LSH over 4-word shingles of
headline and body, estimated Jaccard >= 0.5). Copies of one story appear within hours of each other, so
the window keeps the work proportional to a few days of articles rather than to the whole warehouse.

Ids are stable: a cluster keeps the smallest story id its already-clustered members carry (the batch's
own articles do not vote, since their text may have changed), and a new cluster takes the id derived from
its smallest URL. Only rows whose id changes are written, so loading the same batch again writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from sqlalchemy import BindParameter, ColumnElement, Connection, Table, bindparam, func, select, update

from transforms.near_duplicates import (
    cluster_signatures,
    signature_bytes,
    signature_from_bytes,
    signatures,
    story_id_for,
)
from warehouse.models import Article
from warehouse.types import UTCDateTime

if TYPE_CHECKING:
    from datasketch import MinHash

WINDOW = timedelta(days=3)
"""How far apart in publication (or, lacking it, first-seen) time two copies of a story may be."""

_IDS: BindParameter[int] = bindparam("ids", expanding=True)
_articles = cast(Table, Article.__table__)  # the Core table, for set-based statements


def _anchor() -> ColumnElement[datetime]:
    return func.coalesce(_articles.c.published_at, _articles.c.first_seen_at, type_=UTCDateTime())


def cluster_text(headline: str, body_text: str) -> str:
    """What is compared: the headline and the body, as one text."""
    return f"{headline}\n{body_text}"


def assign_stories(conn: Connection, article_ids: Sequence[int]) -> int:
    """Give ``article_ids`` (new or changed articles) and their near-duplicates their story ids.

    Returns how many articles got a new or different story id."""
    if not article_ids:
        return 0
    a = _articles.c
    changed = set(article_ids)
    anchors = [
        value
        for (value,) in conn.execute(
            select(_anchor().label("anchor")).where(a.article_id.in_(bindparam("ids", expanding=True))),
            {"ids": sorted(changed)},
        )
        if value is not None
    ]
    if not anchors:
        return 0
    # COALESCE takes the columns' type, so these come back as aware UTC datetimes on both engines.
    lowest: datetime = min(anchors)
    highest: datetime = max(anchors)
    rows = conn.execute(
        select(a.article_id, a.url, a.story_id, a.story_signature).where(
            _anchor().between(
                bindparam("lo", lowest - WINDOW, type_=UTCDateTime()),
                bindparam("hi", highest + WINDOW, type_=UTCDateTime()),
            )
        )
    ).all()
    # The batch's own texts are new; rows loaded before signatures were kept get theirs now, once.
    fresh = _compute_signatures(
        conn, [r.article_id for r in rows if r.article_id in changed or r.story_signature is None]
    )
    by_url: dict[str, MinHash | None] = {
        r.url: fresh[r.article_id] if r.article_id in fresh else signature_from_bytes(r.story_signature)
        for r in rows
    }
    existing = {r.url: r.story_id for r in rows if r.story_id and r.article_id not in changed}
    current = {r.url: (r.article_id, r.story_id) for r in rows}
    clusters = cluster_signatures(by_url, existing=existing)
    # A new cluster's id comes from its smallest URL; when that URL's article left a story that still
    # carries that id (it was rewritten into another story), the new cluster needs another one.
    kept = {cluster.story_id for cluster in clusters if any(url in existing for url in cluster.urls)}
    new_clusters = [c for c in clusters if not any(url in existing for url in c.urls)]
    holders = _holders(conn, {story_id_for(c.urls[0]) for c in new_clusters})
    updates = []
    for cluster in clusters:
        story_id = cluster.story_id
        if not any(url in existing for url in cluster.urls):
            first_choice = story_id_for(cluster.urls[0])
            if first_choice not in kept and holders.get(first_choice, set()) <= set(cluster.urls):
                story_id = first_choice
            else:
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


_SIGNATURE_CHUNK = 2000
"""Texts read and signed at a time: a first load of a large run need not hold every text at once."""


def _compute_signatures(conn: Connection, article_ids: Sequence[int]) -> dict[int, MinHash | None]:
    """Signatures of these articles' current text, computed and stored (NULL for a text without words)."""
    a = _articles.c
    ordered = sorted(set(article_ids))
    out: dict[int, MinHash | None] = {}
    for start in range(0, len(ordered), _SIGNATURE_CHUNK):
        rows = conn.execute(
            select(a.article_id, a.headline, a.body_text).where(
                a.article_id.in_(bindparam("ids", expanding=True))
            ),
            {"ids": ordered[start : start + _SIGNATURE_CHUNK]},
        ).all()
        # One batched computation per chunk: a MinHash per article was most of a first load's time.
        chunk = dict(
            zip(
                [r.article_id for r in rows],
                signatures([cluster_text(r.headline, r.body_text) for r in rows]),
                strict=True,
            )
        )
        conn.execute(
            update(_articles).where(a.article_id == bindparam("id")).values(story_signature=bindparam("sig")),
            [{"id": i, "sig": None if m is None else signature_bytes(m)} for i, m in chunk.items()],
        )
        out.update(chunk)
    return out


def _holders(conn: Connection, story_ids: set[str]) -> dict[str, set[str]]:
    """The URLs that carry each of these story ids now. One query per 500 ids rather than one per new
    cluster: a first load makes a new cluster of nearly every article."""
    a = _articles.c
    found: dict[str, set[str]] = {}
    ordered = sorted(story_ids)
    for start in range(0, len(ordered), 500):
        for story_id, url in conn.execute(
            select(a.story_id, a.url).where(a.story_id.in_(bindparam("ids", expanding=True))),
            {"ids": ordered[start : start + 500]},
        ):
            found.setdefault(story_id, set()).add(url)
    return found


def _unused_id(conn: Connection, urls: Sequence[str], taken: set[str]) -> str:
    """``story_id_for`` the cluster's smallest URL, or of that URL with a counter when the id is in use by
    another cluster here or by an article outside the window."""
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
