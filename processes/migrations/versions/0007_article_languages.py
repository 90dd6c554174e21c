"""The language of a knowledge-base article: articles.language, "sv", "en" or NULL (every language).

Revision ID: 0007_article_languages
Revises: 0006_group_titles
Create Date: 2026-12-04

Written by hand to match processes/models (tests/processes/test_schema.py compares the two). The
search objects of 0001 (FTS5 table and triggers, GIN index) index title and body only, so they are
untouched both ways.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_article_languages"
down_revision: str | None = "0006_group_titles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: the articles written before are shown in every language, as they were.
    op.add_column("articles", sa.Column("language", sa.String(8), nullable=True))


def downgrade() -> None:
    op.drop_column("articles", "language")
