"""the subsidies as the policies write them (issue 17): the travel subsidy for 脱贫劳动力 only, a
yearly limit per person, each county's amount with its source under the current county codes; the
skill subsidy's conditions (unemployment insurance, a local household, the certificate on the
person's record); finance's copy keeps each person's certificates

The versions' codes are unchanged: these are the same documents, now applied as written. Decisions
already made keep their amounts and the assessment they recorded.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 03:10:00
"""

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SOURCE = "内江市跨省务工交通补助（系统初始数据，以县（市、区）人社部门公布的标准为准）"
# 内江's counties under their current codes: 隆昌县 (511028) became 隆昌市 (511083) in 2017
TRAVEL = {
    "categories": ["lifted_out_of_poverty"],
    "trips_per_year": 1,
    "per_trip_by_county": {code: {"amount_fen": amount, "source": SOURCE} for code, amount in (
        ("511002", 30000), ("511011", 30000), ("511024", 40000), ("511025", 40000), ("511083", 40000))},
}
SKILL = {"insured_months_min": 12, "local_household": True}


def _merge(domain: str, extra: dict, drop: tuple[str, ...] = ()) -> None:
    removed = "".join(f" - '{key}'" for key in drop)
    op.execute(sa.text(f"UPDATE policy_versions SET params = (params{removed}) || CAST(:extra AS jsonb)"
                       " WHERE domain = :domain").bindparams(extra=json.dumps(extra), domain=domain))


def upgrade() -> None:
    _merge("subsidy:travel", TRAVEL, ("per_trip_fen_by_county", "default_per_trip_fen"))
    _merge("subsidy:skill", SKILL)
    # each person's live travel claims take their year's places (the yearly limit), oldest first
    op.execute("INSERT INTO subsidy_claim_keys (key, claim_id, entrepreneur_id)"
               " SELECT 'travel:' || entrepreneur_id || ':' || substr(details->>'trip_date', 1, 4) || ':' ||"
               "  row_number() OVER (PARTITION BY entrepreneur_id, substr(details->>'trip_date', 1, 4)"
               "                     ORDER BY claimed_at), id, entrepreneur_id"
               " FROM subsidy_claims WHERE kind = 'travel'"
               "  AND status IN ('eligibility_checked', 'approved', 'in_batch', 'paid')"
               " ON CONFLICT DO NOTHING")
    op.add_column("known_entrepreneurs", sa.Column("certificates", JSONB(), server_default="[]", nullable=False))


def downgrade() -> None:
    op.drop_column("known_entrepreneurs", "certificates")
    op.execute("DELETE FROM subsidy_claim_keys WHERE key ~ '^travel:[^:]+:[0-9]{4}:[0-9]+$'")
    op.execute(sa.text("UPDATE policy_versions SET params = params - 'insured_months_min' - 'local_household'"
                       " WHERE domain = 'subsidy:skill'"))
    old = {"default_per_trip_fen": 30000, "per_trip_fen_by_county": {
        "511011": 30000, "511024": 40000, "511025": 40000, "511028": 40000, "511083": 40000, "511002": 30000}}
    _merge("subsidy:travel", old, ("categories", "trips_per_year", "per_trip_by_county"))
