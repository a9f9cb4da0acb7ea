"""each city's fund exposure (approved and not yet lent, plus lent and unpaid), kept by a trigger on
loans, so that an approval reads one row under the fund's lock instead of summing every loan of the
city (issue 14)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 04:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# a loan's share of its city's exposure: as `books._outstanding` summed it (services.finance.domain.loans:
# approved, then IN_REPAYMENT and defaulted)
SHARE = """
    CREATE FUNCTION loan_exposure_fen(status text, approved bigint, outstanding bigint) RETURNS bigint
    IMMUTABLE LANGUAGE sql AS $$
        SELECT CASE WHEN status = 'approved' THEN coalesce(approved, 0)
                    WHEN status IN ('disbursed', 'repaying', 'overdue', 'defaulted') THEN coalesce(outstanding, 0)
                    ELSE 0 END $$"""
# the city a region lies in (shared.regions.city_of): its first four digits
CITY = """
    CREATE FUNCTION loan_city(region_code text) RETURNS text IMMUTABLE LANGUAGE sql AS $$
        SELECT rpad(left(region_code, 4), 12, '0') $$"""
MOVES = """
    CREATE FUNCTION fund_exposure_moves() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        old_city text;
        new_city text;
        old_share bigint := 0;
        new_share bigint := 0;
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            old_city := loan_city(OLD.region_code);
            old_share := loan_exposure_fen(OLD.status, OLD.approved_amount_fen, OLD.outstanding_principal_fen);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            new_city := loan_city(NEW.region_code);
            new_share := loan_exposure_fen(NEW.status, NEW.approved_amount_fen, NEW.outstanding_principal_fen);
        END IF;
        IF old_city IS NOT DISTINCT FROM new_city THEN  -- the change, in one city
            new_share := new_share - old_share;
            old_share := 0;
        END IF;
        IF old_share <> 0 THEN
            INSERT INTO fund_exposure AS kept (city_code, exposure_fen) VALUES (old_city, -old_share)
            ON CONFLICT (city_code) DO UPDATE SET exposure_fen = kept.exposure_fen + excluded.exposure_fen;
        END IF;
        IF new_share <> 0 THEN
            INSERT INTO fund_exposure AS kept (city_code, exposure_fen) VALUES (new_city, new_share)
            ON CONFLICT (city_code) DO UPDATE SET exposure_fen = kept.exposure_fen + excluded.exposure_fen;
        END IF;
        RETURN NULL;
    END $$"""
EMPTIED = """
    CREATE FUNCTION fund_exposure_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM fund_exposure;
        RETURN NULL;
    END $$"""


def upgrade() -> None:
    op.create_table(
        "fund_exposure",
        sa.Column("city_code", sa.String(12), nullable=False),
        sa.Column("exposure_fen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("city_code"),
    )
    for function in (SHARE, CITY, MOVES, EMPTIED):
        op.execute(function)
    # no loan changes between the sum and the trigger that keeps it
    op.execute("LOCK TABLE loans IN SHARE MODE")
    op.execute("INSERT INTO fund_exposure (city_code, exposure_fen)"
               " SELECT loan_city(region_code), sum(loan_exposure_fen(status, approved_amount_fen,"
               " outstanding_principal_fen)) FROM loans GROUP BY 1")
    op.execute("CREATE TRIGGER loans_fund_exposure AFTER INSERT OR DELETE OR UPDATE OF status, approved_amount_fen,"
               " outstanding_principal_fen, region_code ON loans FOR EACH ROW EXECUTE FUNCTION fund_exposure_moves()")
    op.execute("CREATE TRIGGER loans_fund_exposure_emptied AFTER TRUNCATE ON loans"
               " FOR EACH STATEMENT EXECUTE FUNCTION fund_exposure_emptied()")


def downgrade() -> None:
    op.execute("DROP TRIGGER loans_fund_exposure_emptied ON loans")
    op.execute("DROP TRIGGER loans_fund_exposure ON loans")
    for function in ("fund_exposure_emptied()", "fund_exposure_moves()", "loan_city(text)",
                     "loan_exposure_fen(text, bigint, bigint)"):
        op.execute(f"DROP FUNCTION {function}")
    op.drop_table("fund_exposure")
