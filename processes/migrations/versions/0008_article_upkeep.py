"""Keeping the knowledge base: articles.retired_at (a retired article stays for history, out of the
search) and articles.updated_by (the username of whoever wrote it last).

Revision ID: 0008_article_upkeep
Revises: 0007_article_languages
Create Date: 2026-12-10

Written by hand to match processes/models (tests/processes/test_schema.py compares the two). Plain
ADD/DROP COLUMN, no batch mode: rebuilding the table on SQLite would drop the search triggers of 0001.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_article_upkeep"
down_revision: str | None = "0007_article_languages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable both: the articles written before are current, and nobody is known to have written them.
    op.add_column("articles", sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("articles", sa.Column("updated_by", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("articles", "updated_by")
    op.drop_column("articles", "retired_at")
