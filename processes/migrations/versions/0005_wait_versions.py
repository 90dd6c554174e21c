"""case_waits.version_id: the process version whose message definition computed a row's correlation, so
that a message finds the versions to read its payload with by index instead of reading every waiting case.

Revision ID: 0005_wait_versions
Revises: 0004_wait_correlation
Create Date: 2026-12-04

Written by hand to match processes/models (tests/processes/test_schema.py compares the two).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_wait_versions"
down_revision: str | None = "0004_wait_correlation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("case_waits", sa.Column("version_id", sa.Integer(), nullable=True))
    # The rows already there belong to their case's version (both SQLite and PostgreSQL run this).
    op.execute("UPDATE case_waits SET version_id = (SELECT cases.version_id FROM cases "
               "WHERE cases.id = case_waits.case_id)")
    op.create_index("ix_case_waits_kind_name_version", "case_waits", ["kind", "name", "version_id"])


def downgrade() -> None:
    op.drop_index("ix_case_waits_kind_name_version", table_name="case_waits")
    with op.batch_alter_table("case_waits") as batch:  # SQLite rebuilds the table to drop a column
        batch.drop_column("version_id")
