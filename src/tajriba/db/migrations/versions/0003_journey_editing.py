"""journey editing

Size: a migration is one frozen list of DDL statements, read top to bottom; splitting it would hide the
order the database sees.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "touchpoint_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("touchpoint_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("owner_team", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["journey_id"],
            ["journeys.id"],
            name=op.f("fk_touchpoint_items_journey_id_journeys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_user_id"],
            ["users.id"],
            name=op.f("fk_touchpoint_items_owner_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["touchpoint_id"],
            ["touchpoints.id"],
            name=op.f("fk_touchpoint_items_touchpoint_id_touchpoints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_touchpoint_items_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_touchpoint_items")),
    )
    with op.batch_alter_table("touchpoint_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_touchpoint_items_journey_id"), ["journey_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_touchpoint_items_touchpoint_id"), ["touchpoint_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_touchpoint_items_workspace_id"), ["workspace_id"], unique=False)

    with op.batch_alter_table("journeys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("launched_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("touchpoints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_action", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("based_on_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_touchpoints_based_on_id_touchpoints"),
            "touchpoints",
            ["based_on_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("touchpoints", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_touchpoints_based_on_id_touchpoints"), type_="foreignkey")
        batch_op.drop_column("based_on_id")
        batch_op.drop_column("customer_action")

    with op.batch_alter_table("journeys", schema=None) as batch_op:
        batch_op.drop_column("launched_at")

    with op.batch_alter_table("touchpoint_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_touchpoint_items_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_touchpoint_items_touchpoint_id"))
        batch_op.drop_index(batch_op.f("ix_touchpoint_items_journey_id"))

    op.drop_table("touchpoint_items")
