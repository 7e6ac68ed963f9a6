"""Accounts and the audit trail: the tables `users` and `audit_events` (dashboards/accounts/models.py).

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64, collation="NOCASE"), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("institute_id", sa.String(64)),
        sa.Column("scope", sa.String(100)),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("password_changed_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("username", name="uq_users_username"),
        sa.CheckConstraint("role in ('admin', 'analyst', 'leader', 'institute')", name="role_known"),
        sa.CheckConstraint("(role = 'institute') = (institute_id is not null)", name="institute_iff_role"),
        sa.CheckConstraint("(role = 'leader') = (scope is not null)", name="scope_iff_leader"),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("username", sa.String(64)),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("client_address", sa.String(64)),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_username", "audit_events", ["username"])


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("users")
