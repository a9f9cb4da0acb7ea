"""every city keeps its own books: ledger postings, the fund's repayment rates and the quarter's
interest subsidy belong to a city; banks lend in the cities they are partners of; 内江's travel-subsidy
amounts apply to 内江's claimants only (issue 16, tenancy)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 18:40:00
"""

import sqlalchemy as sa
from alembic import op

from shared.actors import programme_city

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CITY_OF_REGION = "rpad(substr({0}, 1, 4), 12, '0')"  # a 12-digit code's city (shared.regions.city_of)


def _city_column(table: str, fill: str) -> None:
    op.add_column(table, sa.Column("city_code", sa.String(length=12), nullable=True))
    update = sa.text(f"UPDATE {table} SET city_code = {fill}")
    op.execute(update.bindparams(city=programme_city()) if ":city" in fill else update)
    op.alter_column(table, "city_code", nullable=False)


def upgrade() -> None:
    # postings take the city of what they moved money for; contributions and the rest were the one city's
    _city_column("ledger_postings", "coalesce(("
                 " SELECT " + CITY_OF_REGION.format("l.region_code") + " FROM loans l WHERE l.id ="
                 "  CASE WHEN reference LIKE 'loan:%' THEN substr(reference, 6)"
                 "       WHEN reference LIKE 'interest:%' THEN split_part(reference, ':', 3)"
                 "       WHEN reference LIKE 'repayment:%' THEN (SELECT r.loan_id FROM repayments r"
                 "                                              WHERE r.id = substr(reference, 11)) END),"
                 " (SELECT " + CITY_OF_REGION.format("c.region_code") + " FROM subsidy_claims c"
                 "  WHERE reference LIKE 'claim:%' AND c.id = substr(reference, 7)), :city)")
    op.create_index(op.f("ix_ledger_postings_city_code"), "ledger_postings", ["city_code"])
    _city_column("ledger_lines", "(SELECT p.city_code FROM ledger_postings p WHERE p.id = posting_id)")
    op.drop_index("ix_ledger_lines_account", table_name="ledger_lines")
    op.create_index("ix_ledger_lines_city_account", "ledger_lines", ["city_code", "account"])

    _city_column("fund_years", ":city")
    op.drop_constraint("fund_years_pkey", "fund_years", type_="primary")
    op.create_primary_key("fund_years_pkey", "fund_years", ["city_code", "year"])

    op.drop_constraint("interest_subsidy_lines_quarter_fkey", "interest_subsidy_lines", type_="foreignkey")
    _city_column("interest_subsidy_batches", ":city")
    _city_column("interest_subsidy_lines", ":city")
    op.drop_constraint("interest_subsidy_lines_pkey", "interest_subsidy_lines", type_="primary")
    op.drop_constraint("interest_subsidy_batches_pkey", "interest_subsidy_batches", type_="primary")
    op.create_primary_key("interest_subsidy_batches_pkey", "interest_subsidy_batches", ["city_code", "quarter"])
    op.create_primary_key("interest_subsidy_lines_pkey", "interest_subsidy_lines",
                          ["city_code", "quarter", "loan_id"])
    op.create_foreign_key("interest_subsidy_lines_city_code_quarter_fkey", "interest_subsidy_lines",
                          "interest_subsidy_batches", ["city_code", "quarter"], ["city_code", "quarter"])

    op.create_table(
        "bank_partnerships",
        sa.Column("bank_code", sa.String(length=20), sa.ForeignKey("banks.code"), nullable=False),
        sa.Column("city_code", sa.String(length=12), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("changed_by", sa.String(length=80), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bank_code", "city_code"),
    )
    # the partner banks so far were the one city's; a city that has loans at a bank is its partner too
    op.execute(sa.text(
        "INSERT INTO bank_partnerships (bank_code, city_code, since, changed_by, changed_at)"
        " SELECT code, :city, DATE '2021-01-01', 'migration', now() FROM banks"
        " UNION SELECT DISTINCT bank_code, " + CITY_OF_REGION.format("region_code") + ","
        "  DATE '2021-01-01', 'migration', now() FROM loans"
        " ON CONFLICT DO NOTHING").bindparams(city=programme_city()))


    # 内江's travel-subsidy amounts are 内江's: another city's claimants wait for their own city's
    op.execute(sa.text("UPDATE policy_versions SET params = params || jsonb_build_object('city_code', :city)"
                       " WHERE domain = 'subsidy:travel' AND code = '内江市跨省务工交通补助'").bindparams(city="511000000000"))


def downgrade() -> None:
    cities = op.get_bind().scalar(sa.text("SELECT count(DISTINCT city_code) FROM ledger_postings"))
    if cities > 1:  # one set of books cannot hold several cities' money
        raise RuntimeError("several cities keep books: they cannot be folded into one")
    op.execute(sa.text("UPDATE policy_versions SET params = params - 'city_code' WHERE domain = 'subsidy:travel'"))
    op.drop_table("bank_partnerships")
    op.drop_constraint("interest_subsidy_lines_city_code_quarter_fkey", "interest_subsidy_lines",
                       type_="foreignkey")
    op.drop_constraint("interest_subsidy_lines_pkey", "interest_subsidy_lines", type_="primary")
    op.drop_constraint("interest_subsidy_batches_pkey", "interest_subsidy_batches", type_="primary")
    op.drop_column("interest_subsidy_lines", "city_code")
    op.drop_column("interest_subsidy_batches", "city_code")
    op.create_primary_key("interest_subsidy_batches_pkey", "interest_subsidy_batches", ["quarter"])
    op.create_primary_key("interest_subsidy_lines_pkey", "interest_subsidy_lines", ["quarter", "loan_id"])
    op.create_foreign_key("interest_subsidy_lines_quarter_fkey", "interest_subsidy_lines",
                          "interest_subsidy_batches", ["quarter"], ["quarter"])
    op.drop_constraint("fund_years_pkey", "fund_years", type_="primary")
    op.drop_column("fund_years", "city_code")
    op.create_primary_key("fund_years_pkey", "fund_years", ["year"])
    op.drop_index("ix_ledger_lines_city_account", table_name="ledger_lines")
    op.create_index("ix_ledger_lines_account", "ledger_lines", ["account"])
    op.drop_column("ledger_lines", "city_code")
    op.drop_index(op.f("ix_ledger_postings_city_code"), table_name="ledger_postings")
    op.drop_column("ledger_postings", "city_code")
