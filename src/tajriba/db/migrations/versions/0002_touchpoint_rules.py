"""touchpoint rules

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "touchpoint_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("touchpoint_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=16), nullable=True),
        sa.Column("event_name", sa.String(length=200), nullable=True),
        sa.Column("page_path", sa.String(length=400), nullable=True),
        sa.Column("property_name", sa.String(length=200), nullable=True),
        sa.Column("property_value", sa.String(length=400), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["touchpoint_id"],
            ["touchpoints.id"],
            name=op.f("fk_touchpoint_rules_touchpoint_id_touchpoints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_touchpoint_rules_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_touchpoint_rules")),
    )
    with op.batch_alter_table("touchpoint_rules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_touchpoint_rules_touchpoint_id"), ["touchpoint_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_touchpoint_rules_workspace_id"), ["workspace_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("touchpoint_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_touchpoint_rules_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_touchpoint_rules_touchpoint_id"))

    op.drop_table("touchpoint_rules")
