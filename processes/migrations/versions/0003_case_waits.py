"""What a case waits on: cases.waiting and cases.stuck, and the case_waits index that finds the cases
waiting for a message or signal.

Revision ID: 0003_case_waits
Revises: 0002_login_security
Create Date: 2026-12-04

Written by hand to match processes/models (tests/processes/test_schema.py compares the two).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_case_waits"
down_revision: str | None = "0002_login_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: existing cases wait on nothing known until their next step.
    op.add_column("cases", sa.Column("waiting", sa.JSON(), nullable=True))
    op.add_column("cases", sa.Column("stuck", sa.JSON(), nullable=True))

    op.create_table(
        "case_waits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("element_id", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_waits"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_case_waits_case_id_cases"),
    )
    op.create_index("ix_case_waits_kind_name", "case_waits", ["kind", "name"])
    op.create_index("ix_case_waits_case_id", "case_waits", ["case_id"])


def downgrade() -> None:
    op.drop_table("case_waits")
    with op.batch_alter_table("cases") as batch:  # SQLite rebuilds the table to drop a column
        batch.drop_column("stuck")
        batch.drop_column("waiting")
