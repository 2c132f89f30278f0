"""staffing teams and their schedules

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staffing_teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("aht_seconds", sa.Float(), nullable=False),
        sa.Column("target_level", sa.Float(), nullable=False),
        sa.Column("target_seconds", sa.Float(), nullable=False),
        sa.Column("shrinkage", sa.Float(), nullable=False),
        sa.Column("patience_seconds", sa.Float(), nullable=True),
        sa.Column("concurrency", sa.Integer(), nullable=False),
        sa.Column("max_occupancy", sa.Float(), nullable=True),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("quantile", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_staffing_teams_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staffing_teams")),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_staffing_teams_workspace_id_name")),
    )
    with op.batch_alter_table("staffing_teams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staffing_teams_workspace_id"), ["workspace_id"], unique=False)
    op.create_table(
        "staffing_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["staffing_teams.id"],
            name=op.f("fk_staffing_shifts_team_id_staffing_teams"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_staffing_shifts_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staffing_shifts")),
        sa.UniqueConstraint("team_id", "starts_at", name=op.f("uq_staffing_shifts_team_id_starts_at")),
    )
    with op.batch_alter_table("staffing_shifts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staffing_shifts_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staffing_shifts_workspace_id"), ["workspace_id"], unique=False)


def downgrade() -> None:
    op.drop_table("staffing_shifts")
    op.drop_table("staffing_teams")
