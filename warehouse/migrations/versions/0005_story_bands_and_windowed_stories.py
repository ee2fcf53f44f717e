"""Story clusters by each article's own date: the ``story_bands`` index, new signatures, stories again.

- ``story_bands``: one row per LSH band key of an article's story signature, with the UTC day of its
  anchor (published_at, else first_seen_at) as days since 1970-01-01; indexed by (band, day), so the load
  finds an article's candidate copies without reading the days around the whole batch.
- Every article's ``story_signature`` is computed again (the signature's hashing changed; earlier ones
  are not comparable), with its ``detected_language``, and the whole warehouse is clustered again so that
  no story spans more than ``warehouse.stories.WINDOW`` (3 days) of anchor time. A story that fits keeps
  its id; one that spanned more is cut in anchor order, its earliest part keeping the id.

Downgrade drops ``story_bands``; the signatures and story ids stay as they are.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "story_bands",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.article_id"], name=op.f("fk_story_bands_article_id_articles")
        ),
        sa.PrimaryKeyConstraint("article_id", "band", name=op.f("pk_story_bands")),
    )
    op.create_index(op.f("ix_story_bands_band_day"), "story_bands", ["band", "day"], unique=False)
    # The load's own code, so that the rows already there are indexed and clustered exactly as a load
    # would do it (imported here: a migration module is loaded only when it runs).
    from warehouse.stories import index_all

    index_all(op.get_bind())


def downgrade() -> None:
    op.drop_index(op.f("ix_story_bands_band_day"), table_name="story_bands")
    op.drop_table("story_bands")
