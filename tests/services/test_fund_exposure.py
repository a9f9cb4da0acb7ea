"""Each city's fund exposure, kept by a trigger on loans (migration 0016), against a real database of
its own: whatever writes the loans (a command, an import, an operator's SQL), the kept figure is what
summing the city's loans gives, and an approval reads one row instead of that sum."""

import uuid

import pytest
import sqlalchemy as sa

from services.finance.domain import loans as loan_rules
from shared.migrate import drop_database, ensure_database, upgrade

CITY, OTHER = "990100000000", "990200000000"
# a loan's share, as the sum that the kept figure replaces gave it (books.fund_headroom before 0016)
SUM = """SELECT coalesce(sum(approved_amount_fen) FILTER (WHERE status = 'approved'), 0)
              + coalesce(sum(outstanding_principal_fen)
                         FILTER (WHERE status IN ('disbursed', 'repaying', 'overdue', 'defaulted')), 0)
         FROM loans WHERE region_code LIKE :prefix || '%'"""


@pytest.fixture
def finance(infra):
    name = f"guiyan_t{uuid.uuid4().hex[:8]}_exposure"
    ensure_database(infra.postgres_url, name)
    url = f"{infra.postgres_url.rstrip('/')}/{name}"
    upgrade("finance", url, "0015")
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1), poolclass=sa.pool.NullPool)
    yield url, engine
    engine.dispose()
    drop_database(infra.postgres_url, name)


def _loan(connection, region: str, status: str, approved: int | None = None, outstanding: int = 0) -> str:
    loan_id = str(uuid.uuid4())
    connection.execute(sa.text(
        "INSERT INTO loans (id, borrower_kind, cap_basis, priority, entrepreneur_id, applicant_account_id,"
        " borrower_name, region_code, bank_code, amount_fen, term_months, purpose, repayment_method, status,"
        " policy_code, failures, applied_at, applied_on, approved_amount_fen, outstanding_principal_fen,"
        " interest_paid_fen, days_overdue, version)"
        " VALUES (:id, 'individual', 'individual', false, :person, :person, '测试', :region, 'NJRCB', 20000000, 36,"
        " '购置设备', 'equal_instalments', :status, 'P', '[]', now(), current_date, :approved, :outstanding,"
        " 0, 0, 1)"), {"id": loan_id, "person": str(uuid.uuid4()), "region": region, "status": status,
                       "approved": approved, "outstanding": outstanding})
    return loan_id


def _kept(connection) -> dict[str, int]:
    return dict(connection.execute(sa.text("SELECT city_code, exposure_fen FROM fund_exposure")).all())


def _summed(connection, city: str) -> int:
    return connection.execute(sa.text(SUM), {"prefix": city[:4]}).scalar()


def _same(connection) -> None:
    kept = _kept(connection)
    for city in (CITY, OTHER):
        assert kept.get(city, 0) == _summed(connection, city), city


def test_the_migration_sums_the_loans_already_there_and_the_trigger_follows_every_change(finance):
    url, engine = finance
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO banks (code, name, confirmation_threshold_fen)"
                                   " VALUES ('NJRCB', '内江农商银行', 0) ON CONFLICT DO NOTHING"))
        _loan(connection, "990101101201", "approved", approved=100_00)
        _loan(connection, "990102000000", "repaying", approved=500_00, outstanding=300_00)
        _loan(connection, "990101101201", "settled", approved=200_00)
        _loan(connection, "990201000000", "defaulted", approved=90_00, outstanding=70_00)
    upgrade("finance", url)
    with engine.begin() as connection:
        assert _kept(connection) == {CITY: 400_00, OTHER: 70_00}
        _same(connection)

    with engine.begin() as connection:
        reviewed = _loan(connection, "990101101201", "under_bank_review")
        assert _kept(connection)[CITY] == 400_00  # a loan not yet approved stands behind nothing
        connection.execute(sa.text("UPDATE loans SET status = 'approved', approved_amount_fen = 15000"
                                   " WHERE id = :id"), {"id": reviewed})
        _same(connection)
        connection.execute(sa.text("UPDATE loans SET status = 'disbursed', outstanding_principal_fen ="
                                   " approved_amount_fen WHERE id = :id"), {"id": reviewed})
        assert _kept(connection)[CITY] == 550_00  # lent what was approved: no change
        connection.execute(sa.text("UPDATE loans SET status = 'repaying', outstanding_principal_fen = 12000"
                                   " WHERE id = :id"), {"id": reviewed})
        _same(connection)
        connection.execute(sa.text("UPDATE loans SET region_code = '990201000000' WHERE id = :id"), {"id": reviewed})
        _same(connection)  # moved to another city: taken from one and added to the other
        connection.execute(sa.text("UPDATE loans SET status = 'settled', outstanding_principal_fen = 0"
                                   " WHERE id = :id"), {"id": reviewed})
        connection.execute(sa.text("UPDATE loans SET days_overdue = 3"))  # not a figure of the fund's
        _same(connection)
        connection.execute(sa.text("DELETE FROM loans WHERE status = 'approved'"))
        _same(connection)
        assert _kept(connection) == {CITY: 300_00, OTHER: 70_00}

    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO fund_exposure VALUES ('990300000000', 1)"))
        connection.execute(sa.text("TRUNCATE loans CASCADE"))
        assert _kept(connection) == {}


def test_a_change_that_is_rolled_back_leaves_the_kept_figure_as_it_was(finance):
    url, engine = finance
    upgrade("finance", url)
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO banks (code, name, confirmation_threshold_fen)"
                                   " VALUES ('NJRCB', '内江农商银行', 0) ON CONFLICT DO NOTHING"))
        loan_id = _loan(connection, "990101101201", "approved", approved=100_00)
    with pytest.raises(RuntimeError), engine.begin() as connection:
        connection.execute(sa.text("UPDATE loans SET status = 'rejected' WHERE id = :id"), {"id": loan_id})
        assert _kept(connection) == {CITY: 0}
        raise RuntimeError("the command refuses")
    with engine.connect() as connection:
        assert _kept(connection) == {CITY: 100_00}


def test_every_status_of_a_loan_stands_behind_what_the_domain_says(finance):
    """The trigger's share of a loan, in SQL, against the domain's lists of statuses, in Python: a
    status added to one and not the other fails here."""
    url, engine = finance
    upgrade("finance", url)
    with engine.connect() as connection:
        for status in loan_rules.STATUS_NAMES:
            expected = 7 if status == "approved" else 5 if status in (*loan_rules.IN_REPAYMENT, "defaulted") else 0
            assert connection.execute(sa.text("SELECT loan_exposure_fen(:status, 7, 5)"),
                                      {"status": status}).scalar() == expected, status
    assert set(loan_rules.OUTSTANDING) == {"approved", *loan_rules.IN_REPAYMENT, "defaulted"}
