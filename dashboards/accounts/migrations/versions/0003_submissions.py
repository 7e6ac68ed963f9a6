"""Online submissions: the table `submissions` (dashboards/accounts/models.py), one row per uploaded version.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STATUSES = ("checking", "failed", "draft", "submitted", "returned", "accepted", "replaced")


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("institute_id", sa.String(64), nullable=False),
        sa.Column("dataset", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime, nullable=False),
        sa.Column("original_name", sa.String(255), nullable=False),
        sa.Column("stored_name", sa.String(255)),
        sa.Column("sha256", sa.String(64)),
        sa.Column("size", sa.Integer),
        sa.Column("file_format", sa.String(8)),
        sa.Column("ids_replaced", sa.Integer, nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False),
        sa.Column("rows_accepted", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
        sa.Column("figure", sa.Float),
        sa.Column("last_year_figure", sa.Float),
        sa.Column("check_seconds", sa.Float),
        sa.Column("explanations", sa.Text, nullable=False),
        sa.Column("submitted_at", sa.DateTime),
        sa.Column("reviewed_by", sa.String(64)),
        sa.Column("reviewed_at", sa.DateTime),
        sa.Column("review_comment", sa.Text),
        sa.CheckConstraint(f"status in {STATUSES}", name="status_known"),
    )
    op.create_index("ix_submissions_triple", "submissions", ["institute_id", "dataset", "year", "version"], unique=True)
    op.create_index("ix_submissions_one_checking", "submissions", ["institute_id", "dataset", "year"], unique=True,
                    sqlite_where=sa.text("status = 'checking'"))


def downgrade() -> None:
    op.drop_table("submissions")
