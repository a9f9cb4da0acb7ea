"""the dashboard's running figures: money per quarter and region, each difficulty's current state
(filled from the facts already stored)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 13:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quarter_totals",
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.Column("quarter", sa.String(length=6), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("facts", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("event_type", "quarter", "region_code"),
    )
    op.create_table(
        "difficulty_states",
        sa.Column("difficulty_id", sa.String(length=36), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_event_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_event_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("difficulty_id"),
    )
    op.execute("""
        INSERT INTO quarter_totals (event_type, quarter, region_code, facts, amount_fen)
        SELECT event_type, to_char(occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY"Q"Q'), coalesce(region_code, ''),
               count(*), coalesce(sum((CASE event_type WHEN 'loan_disbursed' THEN payload ->> 'principal_fen'
                                                       ELSE payload ->> 'amount_fen' END)::bigint), 0)
        FROM facts WHERE event_type IN ('loan_disbursed', 'subsidy_paid') GROUP BY 1, 2, 3
    """)
    op.execute("""
        INSERT INTO difficulty_states (difficulty_id, region_code, category, level, last_at, last_event_id, status,
                                       status_at, status_event_id)
        SELECT last.id, last.region_code, last.category, last.level, last.occurred_at, last.event_id,
               coalesce(changed.status, 'open'), changed.occurred_at, changed.event_id
        FROM (SELECT DISTINCT ON (payload ->> 'difficulty_id') payload ->> 'difficulty_id' AS id,
                     payload ->> 'region_code' AS region_code, payload ->> 'category' AS category,
                     payload ->> 'level' AS level, occurred_at, event_id
              FROM facts WHERE event_type LIKE 'difficulty\\_%'
              ORDER BY payload ->> 'difficulty_id', occurred_at DESC, event_id DESC) AS last
        LEFT JOIN (SELECT DISTINCT ON (payload ->> 'difficulty_id') payload ->> 'difficulty_id' AS id,
                          CASE event_type WHEN 'difficulty_closed' THEN 'closed' WHEN 'difficulty_reopened' THEN 'open'
                                          ELSE 'answered' END AS status, occurred_at, event_id
                   FROM facts WHERE event_type IN ('difficulty_resolved', 'difficulty_accepted',
                                                   'difficulty_reopened', 'difficulty_closed')
                   ORDER BY payload ->> 'difficulty_id', occurred_at DESC, event_id DESC) AS changed
            ON changed.id = last.id
    """)


def downgrade() -> None:
    op.drop_table("difficulty_states")
    op.drop_table("quarter_totals")
