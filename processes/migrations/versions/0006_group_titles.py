"""Office titles per language: groups.titles, {"sv": "Gator och parker"} beside the default title.

Revision ID: 0006_group_titles
Revises: 0005_wait_versions
Create Date: 2026-12-04

Written by hand to match processes/models (tests/processes/test_schema.py compares the two).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_group_titles"
down_revision: str | None = "0005_wait_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: a group without translations shows its title in every language.
    op.add_column("groups", sa.Column("titles", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("groups", "titles")
