"""Initial schema: users and groups, process versions, cases, tasks, timers, events, outbox,
and the knowledge base with its full-text search.

Revision ID: 0001
Revises:
Create Date: 2026-01-01

Written by hand to match processes/models; tests/processes/test_schema.py compares the two.
Types are spelled out here rather than imported from the models, so this file keeps meaning
what it meant when the models move on.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def timestamp() -> sa.DateTime:
    """UTCDateTime's storage: timestamptz on PostgreSQL, DATETIME (naive UTC) on SQLite."""
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_groups"),
        sa.UniqueConstraint("name", name="uq_groups_name"),
    )
    op.create_table(
        "memberships",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("is_manager", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "group_id", name="pk_memberships"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_memberships_user_id_users"),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name="fk_memberships_group_id_groups"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("key_hash", sa.String(128), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.Column("last_used_at", timestamp(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_api_keys_user_id_users"),
    )

    op.create_table(
        "process_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.Column("deployed_at", timestamp(), nullable=True),
        sa.Column("deployed_by_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_process_versions"),
        sa.UniqueConstraint("key", "version", name="uq_process_versions_key_version"),
        sa.ForeignKeyConstraint(
            ["deployed_by_id"], ["users.id"], name="fk_process_versions_deployed_by_id_users"
        ),
    )
    op.create_table(
        "process_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_process_files"),
        sa.UniqueConstraint("version_id", "name", name="uq_process_files_version_id_name"),
        sa.ForeignKeyConstraint(
            ["version_id"], ["process_versions.id"],
            name="fk_process_files_version_id_process_versions", ondelete="CASCADE",
        ),
    )

    op.create_table(
        "process_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("scenarios", sa.JSON(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_process_drafts"),
        sa.UniqueConstraint("key", name="uq_process_drafts_key"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name="fk_process_drafts_updated_by_id_users"),
    )
    op.create_table(
        "lane_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lane", sa.String(100), nullable=False),
        sa.Column("group_name", sa.String(64), nullable=False),
        sa.Column("managers_only", sa.Boolean(), nullable=False),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_lane_mappings"),
        sa.UniqueConstraint("lane", name="uq_lane_mappings_lane"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name="fk_lane_mappings_updated_by_id_users"),
    )

    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(100), nullable=False),
        sa.Column("business_key", sa.String(40), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("office", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(16), nullable=True),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("resolved_on_first_contact", sa.Boolean(), nullable=False),
        sa.Column("kb_article", sa.String(200), nullable=True),
        sa.Column("answered_at", timestamp(), nullable=True),
        sa.Column("answered_by", sa.String(64), nullable=True),
        sa.Column("citizen_name", sa.String(200), nullable=True),
        sa.Column("citizen_email", sa.String(254), nullable=True),
        sa.Column("tracking_token", sa.String(64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("due_at", timestamp(), nullable=True),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.Column("closed_at", timestamp(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
        sa.UniqueConstraint("business_key", name="uq_cases_business_key"),
        sa.UniqueConstraint("tracking_token", name="uq_cases_tracking_token"),
        sa.ForeignKeyConstraint(
            ["version_id"], ["process_versions.id"], name="fk_cases_version_id_process_versions"
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name="fk_cases_created_by_id_users"),
    )
    op.create_index("ix_cases_status_office", "cases", ["status", "office"])
    op.create_index("ix_cases_citizen_email", "cases", ["citizen_email"])
    op.create_index("ix_cases_process_key_version_status", "cases", ["process_key", "version_id", "status"])
    op.create_index("ix_cases_created_at", "cases", ["created_at"])

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("spiff_task_id", sa.String(36), nullable=False),
        sa.Column("element_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("lane", sa.String(100), nullable=True),
        sa.Column("group_name", sa.String(64), nullable=True),
        sa.Column("managers_only", sa.Boolean(), nullable=False),
        sa.Column("form", sa.String(255), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", timestamp(), nullable=True),
        sa.Column("due_at", timestamp(), nullable=True),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.Column("completed_at", timestamp(), nullable=True),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.Column("form_data", sa.JSON(), nullable=True),
        sa.Column("arrived_as", sa.String(20), nullable=True),
        sa.Column("arrived_from", sa.String(64), nullable=True),
        sa.Column("picked_up_at", timestamp(), nullable=True),
        sa.Column("process_key", sa.String(100), nullable=True),
        sa.Column("case_ref", sa.String(40), nullable=True),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("citizen_name", sa.String(200), nullable=True),
        sa.Column("summary", sa.String(300), nullable=True),
        sa.Column("received_at", timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
        sa.UniqueConstraint("case_id", "spiff_task_id", name="uq_tasks_case_id_spiff_task_id"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_tasks_case_id_cases"),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name="fk_tasks_assignee_id_users"),
        sa.ForeignKeyConstraint(["completed_by_id"], ["users.id"], name="fk_tasks_completed_by_id_users"),
    )
    # The inbox: a group's open tasks and a person's open tasks, both by due date; the trailing
    # columns let its page and count scans run index-only.
    op.create_index("ix_tasks_status_group_due", "tasks",
                    ["status", "group_name", "due_at", "id", "assignee_id", "managers_only"])
    op.create_index("ix_tasks_status_assignee_due", "tasks", ["status", "assignee_id", "due_at", "id", "group_name"])
    op.create_index("ix_tasks_case_status", "tasks", ["case_id", "status"])
    # The dashboard: hand-overs, returns, misroutes and escalations of a period (processes/metrics.py).
    op.create_index("ix_tasks_arrived_as_received", "tasks", ["arrived_as", "received_at"])

    op.create_table(
        "timers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("spiff_task_id", sa.String(36), nullable=False),
        sa.Column("element_id", sa.String(100), nullable=False),
        sa.Column("due_at", timestamp(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("fired_at", timestamp(), nullable=True),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_timers"),
        sa.UniqueConstraint("case_id", "spiff_task_id", name="uq_timers_case_id_spiff_task_id"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_timers_case_id_cases"),
    )
    op.create_index("ix_timers_state_due", "timers", ["state", "due_at"])
    op.create_index("ix_timers_case_state", "timers", ["case_id", "state"])

    op.create_table(
        "events",
        # SQLite only autoincrements an INTEGER PRIMARY KEY.
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("element_id", sa.String(100), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("office", sa.String(64), nullable=True),
        sa.Column("at", timestamp(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_events_case_id_cases"),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name="fk_events_actor_id_users"),
    )
    op.create_index("ix_events_case_at", "events", ["case_id", "at"])
    op.create_index("ix_events_kind_at", "events", ["kind", "at"])
    op.create_index("ix_events_office_at", "events", ["office", "at"])
    op.create_index("ix_events_task_id", "events", ["task_id"])
    op.create_index("ix_events_steps", "events", ["case_id", "at", "id"], postgresql_include=["element_id"],
                    postgresql_where=sa.text("kind = 'element_completed'"),
                    sqlite_where=sa.text("kind = 'element_completed'"))

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("template", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", timestamp(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("dedupe_key", sa.String(120), nullable=False),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.Column("sent_at", timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_outbox_case_id_cases"),
    )
    op.create_index("ix_outbox_state_next_attempt", "outbox", ["state", "next_attempt_at"])

    # What citizens hand in on the portal: photos (bytes, never served without the tracking token
    # or a login) and one satisfaction-survey response per case.
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_attachments_case_id_cases"),
    )
    op.create_index("ix_attachments_case_id", "attachments", ["case_id"])
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("office", sa.String(64), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_survey_responses"),
        sa.UniqueConstraint("case_id", name="uq_survey_responses_case_id"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_survey_responses_case_id_cases"),
    )
    op.create_index("ix_survey_responses_office", "survey_responses", ["office"])

    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("tags", sa.String(300), nullable=True),
        sa.Column("helpful_count", sa.Integer(), nullable=False),
        sa.Column("not_helpful_count", sa.Integer(), nullable=False),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
    )
    create_article_search()


# Full-text search over the knowledge base (processes/knowledge.py). Not in the models: neither
# an FTS5 table nor an expression index is something SQLAlchemy models; test_schema skips them.
SQLITE_ARTICLE_SEARCH = (
    "CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content='articles', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END",
    # Only a new title or body touches the index, not a vote.
    "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
)
POSTGRESQL_ARTICLE_SEARCH = (
    # The expression must stay identical to the one processes/knowledge.py searches with.
    "CREATE INDEX ix_articles_fts_document ON articles USING gin (to_tsvector('simple', title || ' ' || body))",
)


def create_article_search() -> None:
    dialect = op.get_context().dialect.name
    statements = {"sqlite": SQLITE_ARTICLE_SEARCH, "postgresql": POSTGRESQL_ARTICLE_SEARCH}.get(dialect, ())
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        for trigger in ("articles_fts_insert", "articles_fts_delete", "articles_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    for table in (
        "articles", "survey_responses", "attachments", "outbox", "events", "timers", "tasks", "cases",
        "lane_mappings", "process_drafts", "process_files", "process_versions",
        "api_keys", "memberships", "groups", "users",
    ):
        op.drop_table(table)  # their indexes go with them
