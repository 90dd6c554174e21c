"""case_waits.correlation: the fingerprint of the BPMN correlation values a waiting message expects, so
that a message finds its case from its payload by an index.

Revision ID: 0004_wait_correlation
Revises: 0003_case_waits
Create Date: 2026-12-04

Written by hand to match processes/models (tests/processes/test_schema.py compares the two).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_wait_correlation"
down_revision: str | None = "0003_case_waits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: existing rows (and every signal, every message without correlation) have none.
    op.add_column("case_waits", sa.Column("correlation", sa.String(64), nullable=True))
    op.create_index("ix_case_waits_correlation", "case_waits", ["correlation"])


def downgrade() -> None:
    op.drop_index("ix_case_waits_correlation", table_name="case_waits")
    with op.batch_alter_table("case_waits") as batch:  # SQLite rebuilds the table to drop a column
        batch.drop_column("correlation")
