"""Finance in a nameko container against the real broker and its own fresh database.

The fund's figures matter here, so this module has a database of its own: every test starts from
the balances it sets up, and the books must balance after each.
"""

import base64
import csv
import datetime as dt
import io
import json
import os
import uuid
from contextlib import contextmanager
from decimal import Decimal

import eventlet
import pytest
import sqlalchemy as sa
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy.orm import Session

from services.finance.service import FinanceService
from shared import clock, events
from shared.contracts.registry import EntrepreneurRegistered, EntrepreneurVerified
from shared.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from shared.migrate import drop_database, ensure_database, upgrade
from shared.nameko_base import SteadyRpc
from tests.support.waiting import eventually

CITY = {"user_id": "u-city", "username": "city", "role": "official", "region_code": "511000000000",
        "level": "city"}
TOWNSHIP = {"user_id": "u-town", "username": "township", "role": "official",
            "region_code": "511011101000", "level": "township"}
COUNTY = {"user_id": "u-county", "username": "county", "role": "official",
          "region_code": "511011000000", "level": "county"}
MAKER = {"user_id": "u-maker", "username": "maker", "role": "bank_liaison", "bank_code": "NJRCB"}
CHECKER = {"user_id": "u-checker", "username": "checker", "role": "bank_liaison", "bank_code": "NJRCB"}
# three officials of the county: a batch is made, checked and paid by different people
COUNTY_CHECKER = {**COUNTY, "user_id": "u-county-2", "username": "county-checker"}
COUNTY_PAYER = {**COUNTY, "user_id": "u-county-3", "username": "county-payer"}
TODAY = clock.today()
# on every test borrower's record: what skill_claim claims by default, and a welder's certificate
SKILL_CERTIFICATES = [{"name": occupation, "level": "intermediate",
                       "issued_on": (TODAY - dt.timedelta(days=30)).isoformat()} for occupation in ("电工", "焊工")]


@pytest.fixture(autouse=True)
def clock_file(tmp_path, monkeypatch):
    """The service runs in this process: the clock file moves its day."""
    path = tmp_path / "clock"
    path.write_text("")
    monkeypatch.setenv(clock.CLOCK_FILE, str(path))
    return path


@contextmanager
def on_day(day: dt.date):
    clock.set_today(os.environ[clock.CLOCK_FILE], day)
    try:
        yield
    finally:
        clock.set_today(os.environ[clock.CLOCK_FILE], None)


@pytest.fixture
def finance_url(infra):
    name = f"guiyan_fin_{uuid.uuid4().hex[:8]}"
    ensure_database(infra.postgres_url, name)
    url = f"{infra.postgres_url.rstrip('/')}/{name}"
    upgrade("finance", url)
    yield url
    drop_database(infra.postgres_url, name)


@pytest.fixture
def db(finance_url):
    engine = sa.create_engine(finance_url.replace("postgresql://", "postgresql+psycopg2://"))
    yield engine
    engine.dispose()


ACCOUNTS: dict[tuple[str, str], dict] = {}  # the payee accounts the stand-in registry knows


class StandInRegistry:
    """The one question finance asks the registry when it issues a payment list: each payee's account."""

    name = "registry"

    @SteadyRpc.decorator  # as every service answers: a direct caller's reply goes on the default exchange
    def payee_accounts(self, records):
        return [ACCOUNTS.get((r["kind"], r["id"]), {"kind": r["kind"], "id": r["id"], "status": "missing"})
                for r in records]


def account_of(who: dict, number: str = "6222021234567894", bank: str = "NJRCB") -> None:
    ACCOUNTS["entrepreneur", who["entrepreneur_id"]] = {
        "kind": "entrepreneur", "id": who["entrepreneur_id"], "status": "ok", "payee_name": "测试",
        "id_number": "11010519491231002X", "account_kind": "bank_card", "account_kind_name": "银行卡",
        "bank_code": bank, "bank_name": "内江农村商业银行", "account_number": number,
        "account_masked": f"{number[:4]} **** **** {number[-4:]}"}


@pytest.fixture
def finance(finance_url, run_services):  # the database outlives the container
    run_services(FinanceService, StandInRegistry, DATABASE_URL=finance_url)


def borrower(db, *, verified=True, village="511011101201",
             categories=("returnee_migrant_worker", "lifted_out_of_poverty")) -> dict:
    """An entrepreneur known to finance's read model, and their account as an actor; the certificates
    of SKILL_CERTIFICATES are on their record."""
    person, account = str(uuid.uuid4()), str(uuid.uuid4())
    with db.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO known_entrepreneurs (id, account_id, name, region_code, household_region_code,"
            " verified, certificates, categories, updated_at) VALUES (:id, :account, '测试', :village, :village,"
            " :verified, CAST(:certificates AS jsonb), CAST(:categories AS jsonb), now())"),
            {"id": person, "account": account, "verified": verified, "village": village,
             "categories": json.dumps(list(categories)),
             "certificates": json.dumps(SKILL_CERTIFICATES, ensure_ascii=False)})
    return {"user_id": account, "username": f"e-{account[:6]}", "role": "entrepreneur", "entrepreneur_id": person}


def key() -> str:
    return str(uuid.uuid4())


def fund(rpc, amount="1000000.00", account="fund:guarantee"):
    return rpc.finance.contribute(CITY, {"account": account, "amount_yuan": amount}, key())


def apply(rpc, who, amount="200000.00", term=24, bank="NJRCB"):
    return rpc.finance.apply_for_loan(who, {"bank_code": bank, "amount_yuan": amount, "term_months": term,
                                            "purpose": "购置设备"})


def lend(rpc, db, who, amount="120000.00", term=12, days_ago=0, method="equal_instalments"):
    """A loan applied for, approved and disbursed `days_ago` days ago."""
    with on_day(TODAY - dt.timedelta(days=days_ago)):
        loan = rpc.finance.apply_for_loan(who, {"bank_code": "NJRCB", "amount_yuan": amount,
                                                "term_months": term, "purpose": "购置设备",
                                                "repayment_method": method})
        rpc.finance.approve_loan(MAKER, loan["id"], {"amount_yuan": amount, "term_months": term,
                                                     "spread_bp": 50})
        return rpc.finance.disburse_loan(MAKER, loan["id"], {}, key())


def outbox_count(db, event_type, loan_id) -> int:
    with db.connect() as connection:
        return connection.scalar(sa.text(
            "SELECT count(*) FROM outbox WHERE event_type = :t AND envelope->'payload'->>'loan_id' = :id"),
            {"t": event_type, "id": loan_id})


def postings(db) -> int:
    with db.connect() as connection:
        return connection.scalar(sa.text("SELECT count(*) FROM ledger_postings"))


def books_balance(rpc):
    report = rpc.finance.trial_balance(CITY)
    assert report["balanced"], report
    return report


# ---- the guarantee fund ---------------------------------------------------------------------


def test_an_approval_beyond_five_times_the_fund_is_refused_with_the_reason(finance, rpc, db):
    fund(rpc, "100000.00")  # ceiling 500,000
    first = apply(rpc, borrower(db), "300000.00")
    assert rpc.finance.approve_loan(MAKER, first["id"], {"amount_yuan": "300000", "term_months": 24,
                                                         "spread_bp": 0})["status"] == "approved"
    second = apply(rpc, borrower(db), "250000.00")
    with pytest.raises(InvalidState) as refused:
        rpc.finance.approve_loan(MAKER, second["id"], {"amount_yuan": "250000", "term_months": 24,
                                                       "spread_bp": 0})
    assert refused.value.code == "fund_ceiling"
    assert "500,000.00元" in refused.value.message
    assert rpc.finance.get_loan(MAKER, second["id"])["status"] == "under_bank_review"
    position = rpc.finance.set_repayment_rate(CITY, {"year": TODAY.year - 1, "repayment_rate_percent": "90",
                                                     "reason": "上年度一笔贷款在账外收回"})
    assert (position["leverage"], position["ceiling_fen"]) == (10, 100_000_000)
    assert rpc.finance.approve_loan(MAKER, second["id"], {"amount_yuan": "250000", "term_months": 24,
                                                          "spread_bp": 0})["status"] == "approved"


def test_last_years_repayment_rate_is_worked_out_from_the_ledger_and_may_be_set_otherwise_with_a_reason(
        finance, rpc, db):
    last_year = dt.date(TODAY.year - 1, 6, 1)
    with on_day(last_year):
        fund(rpc, "100000.00")
    assert rpc.finance.fund_position(CITY)["leverage"] == 5  # nothing repaid or defaulted last year
    loan = lend(rpc, db, borrower(db), "120000.00", term=12, days_ago=(TODAY - last_year).days)
    with on_day(last_year + dt.timedelta(days=40)):
        rpc.finance.record_repayment(MAKER, loan["id"], {"amount_yuan": "60000.00"}, key())
    # everything that fell due last year was repaid, nothing defaulted: the rate is 100 %
    position = rpc.finance.fund_position(CITY)
    rate = position["repayment_rate"]
    assert (rate["year"], rate["source"], rate["rate_bp"], rate["ledger_rate_bp"]) == (
        TODAY.year - 1, "ledger", 10000, 10000)
    assert rate["repaid_fen"] > 0 and rate["defaulted_fen"] == 0
    assert position["leverage"] == 10

    # an approval keeps the ledger's figure for the year (once), and it leads to the tenfold ceiling
    second = apply(rpc, borrower(db), "300000.00")
    assert approve(rpc, second, "300000")["status"] == "approved"
    with db.connect() as connection:
        assert connection.execute(sa.text("SELECT source, repayment_rate_bp FROM fund_years WHERE year = :y"),
                                  {"y": TODAY.year - 1}).all() == [("ledger", 10000)]

    # a city official sets it otherwise, with the reason; the ledger's figure stays beside it
    changed = rpc.finance.set_repayment_rate(CITY, {"year": TODAY.year - 1, "repayment_rate_percent": "85",
                                                    "reason": "一笔贷款已判决核销，账簿未记"})
    assert (changed["repayment_rate"]["source"], changed["repayment_rate"]["rate_bp"],
            changed["repayment_rate"]["ledger_rate_bp"], changed["leverage"]) == ("override", 8500, 10000, 5)
    assert changed["repayment_rate"]["reason"] == "一笔贷款已判决核销，账簿未记"
    with pytest.raises(InvalidInput) as no_reason:
        rpc.finance.set_repayment_rate(CITY, {"year": TODAY.year - 1, "repayment_rate_percent": "95"})
    assert no_reason.value.field == "reason"
    with pytest.raises(InvalidInput) as running_year:
        rpc.finance.set_repayment_rate(CITY, {"year": TODAY.year, "repayment_rate_percent": "95", "reason": "预计"})
    assert running_year.value.code == "year_not_ended"
    # and back to the ledger's
    back = rpc.finance.set_repayment_rate(CITY, {"year": TODAY.year - 1, "reason": "核销已入账"})
    assert (back["repayment_rate"]["source"], back["repayment_rate"]["rate_bp"], back["leverage"]) == (
        "ledger", 10000, 10)


def test_only_city_officials_move_the_citys_money(finance, rpc, db):
    for actor in (COUNTY, MAKER, borrower(db)):
        with pytest.raises(Forbidden) as refused:
            rpc.finance.contribute(actor, {"account": "fund:guarantee", "amount_yuan": "1"}, key())
        assert refused.value.code == "city_level_required"
    with pytest.raises(InvalidInput) as missing:
        rpc.finance.contribute(CITY, {"account": "fund:guarantee", "amount_yuan": "1"})
    assert missing.value.code == "idempotency_key_required"


# ---- every city's own books ------------------------------------------------------------------

MIANYANG = {"user_id": "u-my-city", "username": "my-city", "role": "official", "region_code": "510700000000",
            "level": "city"}
MIANYANG_VILLAGE = "510703001003"
PROVINCE = {"user_id": "u-province", "username": "province", "role": "official",
            "region_code": "510000000000", "level": "province"}
ADMIN = {"user_id": "u-admin", "username": "admin", "role": "admin"}


def approve(rpc, loan, amount):
    return rpc.finance.approve_loan(MAKER, loan["id"], {"amount_yuan": amount, "term_months": 24, "spread_bp": 0})


def test_each_city_keeps_its_own_fund_budget_books_and_partner_banks(finance, rpc, db):
    fund(rpc, "100000.00")  # 内江's fund: a ceiling of 500,000
    rpc.finance.contribute(MIANYANG, {"account": "fund:guarantee", "amount_yuan": "1000000.00"}, key())
    rpc.finance.contribute(MIANYANG, {"account": "budget:subsidy", "amount_yuan": "5000.00"}, key())

    # a bank lends only in the cities it is a partner of
    mianyang_person = borrower(db, village=MIANYANG_VILLAGE)
    with pytest.raises(InvalidInput) as stranger_bank:
        apply(rpc, mianyang_person, "300000.00")
    assert (stranger_bank.value.code, stranger_bank.value.field) == ("bank_not_partner", "bank_code")
    assert "绵阳市" in stranger_bank.value.message
    with pytest.raises(Forbidden):
        rpc.finance.set_bank_partnership(MIANYANG, "NJRCB", "510700", {"partner": True})
    banks = rpc.finance.set_bank_partnership(ADMIN, "NJRCB", "510700", {"partner": True})
    assert {c["city_name"] for c in next(b for b in banks if b["code"] == "NJRCB")["cities"]} == {"内江市", "绵阳市"}
    assert [b["code"] for b in rpc.finance.list_banks("510700")] == ["NJRCB"]

    # each approval is counted against its own city's fund
    assert approve(rpc, apply(rpc, borrower(db), "300000.00"), "300000")["status"] == "approved"
    neijiang_second = apply(rpc, borrower(db), "250000.00")
    with pytest.raises(InvalidState) as full:
        approve(rpc, neijiang_second, "250000")
    assert full.value.code == "fund_ceiling"  # 绵阳's million stands behind none of 内江's loans
    assert approve(rpc, apply(rpc, mianyang_person, "300000.00"), "300000")["status"] == "approved"

    neijiang, mianyang = rpc.finance.fund_position(CITY), rpc.finance.fund_position(MIANYANG)
    assert (neijiang["city_name"], neijiang["fund_balance_fen"], neijiang["outstanding_fen"]) == (
        "内江市", 10_000_000, 30_000_000)
    assert (mianyang["city_name"], mianyang["fund_balance_fen"], mianyang["outstanding_fen"],
            mianyang["subsidy_budget_fen"]) == ("绵阳市", 100_000_000, 30_000_000, 500_000)
    assert neijiang["subsidy_budget_fen"] == 0

    # last year's repayment rate is the city's own
    assert rpc.finance.set_repayment_rate(MIANYANG, {"year": TODAY.year - 1, "repayment_rate_percent": "95",
                                                     "reason": "按市财政局核定"})["leverage"] == 10
    assert rpc.finance.fund_position(CITY)["leverage"] == 5

    # a province's officials read any city's books and change none; a city's read only their own
    assert rpc.finance.fund_position(PROVINCE, "510700") == rpc.finance.fund_position(MIANYANG)
    with pytest.raises(InvalidInput) as unnamed:
        rpc.finance.fund_position(PROVINCE)
    assert unnamed.value.code == "city_required"
    with pytest.raises(Forbidden) as province_pays:
        rpc.finance.contribute(PROVINCE, {"account": "fund:guarantee", "amount_yuan": "1"}, key())
    assert province_pays.value.code == "city_level_required"
    for reading in (lambda: rpc.finance.fund_position(CITY, "510700"),
                    lambda: rpc.finance.trial_balance(CITY, "510700"),
                    lambda: rpc.finance.fund_position(COUNTY, "510700")):
        with pytest.raises(Forbidden) as elsewhere:
            reading()
        assert elsewhere.value.code == "region_outside_jurisdiction"
    assert rpc.finance.fund_position(COUNTY)["city_name"] == "内江市"

    books = rpc.finance.trial_balance(PROVINCE, "510700")
    assert books["balanced"] and books["city_name"] == "绵阳市"
    assert {row["account"]: row["balance_yuan"] for row in books["accounts"]} == {
        "budget:subsidy": "5000.00", "capital:government": "1005000.00", "fund:guarantee": "1000000.00"}
    books_balance(rpc)

    # a partnership ended takes no new applications; loans made go on
    rpc.finance.set_bank_partnership(ADMIN, "NJRCB", "510700", {"partner": False})
    with pytest.raises(InvalidInput) as ended:
        apply(rpc, borrower(db, village=MIANYANG_VILLAGE))
    assert ended.value.code == "bank_not_partner"
    assert rpc.finance.list_banks("510700") == []


def test_each_city_computes_and_pays_its_own_quarters_interest_subsidy(finance, rpc, db):
    rpc.finance.set_bank_partnership(ADMIN, "NJRCB", "510700", {"partner": True, "on": "2021-01-01"})
    quarter, last_day = last_quarter()
    loans = {}
    for who, village in ((CITY, "511011101201"), (MIANYANG, MIANYANG_VILLAGE)):
        rpc.finance.contribute(who, {"account": "fund:guarantee", "amount_yuan": "1000000"}, key())
        rpc.finance.contribute(who, {"account": "budget:subsidy", "amount_yuan": "100000"}, key())
        loan = lend(rpc, db, borrower(db, village=village), "120000.00", days_ago=(TODAY - last_day).days + 40)
        rpc.finance.record_repayment(MAKER, loan["id"], {
            "amount_yuan": loan["instalments"][0]["interest_yuan"],
            "paid_on": (last_day - dt.timedelta(days=5)).isoformat()}, key())
        loans[who["username"]] = loan["id"]
    neijiang = rpc.finance.compute_interest_subsidy(CITY, {"quarter": quarter})
    with pytest.raises(NotFound) as not_yet:
        rpc.finance.get_interest_subsidy(MIANYANG, quarter)
    assert not_yet.value.code == "interest_batch_not_found"  # 内江's batch is not 绵阳's
    mianyang = rpc.finance.compute_interest_subsidy(MIANYANG, {"quarter": quarter})
    assert [line["loan_id"] for line in neijiang["lines"]] == [loans["city"]]
    assert [line["loan_id"] for line in mianyang["lines"]] == [loans["my-city"]]
    with pytest.raises(Forbidden) as elsewhere:
        rpc.finance.get_interest_subsidy(CITY, quarter, "510700")
    assert elsewhere.value.code == "region_outside_jurisdiction"
    assert rpc.finance.get_interest_subsidy(PROVINCE, quarter, "510700")["lines"] == mianyang["lines"]
    paying = key()
    paid = rpc.finance.pay_interest_subsidy(MIANYANG, quarter, paying)
    assert paid["status"] == "paid" and paid["city_name"] == "绵阳市"
    with pytest.raises(Forbidden):  # a replay of 绵阳's key by another city's official shows nothing
        rpc.finance.pay_interest_subsidy({**CITY, "user_id": MIANYANG["user_id"]}, quarter, paying)
    assert rpc.finance.get_interest_subsidy(CITY, quarter)["status"] == "computed"
    spent = {row["account"]: row["balance_yuan"] for row in rpc.finance.trial_balance(MIANYANG)["accounts"]}
    assert spent["expense:interest_subsidy"] == paid["total_yuan"]
    assert "expense:interest_subsidy" not in {row["account"] for row in rpc.finance.trial_balance(CITY)["accounts"]}
    books_balance(rpc)


def test_a_citys_own_travel_subsidy_amounts_apply_to_its_claimants_only(finance, rpc, db):
    trip = {"kind": "travel", "trip_date": (TODAY - dt.timedelta(days=10)).isoformat(),
            "origin_province": "51", "destination_province": "44"}
    neijiang = rpc.finance.check_claim(borrower(db), trip)
    assert neijiang["eligible"] and neijiang["amount_yuan"] == "300.00"  # 东兴区's amount
    assert neijiang["policy_code"] == "内江市跨省务工交通补助"
    not_poor = rpc.finance.check_claim(borrower(db, categories=("returnee_migrant_worker",)), trip)
    assert [f["code"] for f in not_poor["failures"]] == ["not_poverty_alleviated"]
    # once a year: the year's place is taken by the first trip's claim
    person = borrower(db)
    assert rpc.finance.claim_subsidy(person, trip, key())["status"] == "eligibility_checked"
    second_trip = {**trip, "trip_date": (TODAY - dt.timedelta(days=3)).isoformat()}
    if second_trip["trip_date"][:4] == trip["trip_date"][:4]:
        assert [f["code"] for f in rpc.finance.check_claim(person, second_trip)["failures"]] == ["yearly_limit"]
    with pytest.raises(InvalidState) as unpublished:
        rpc.finance.check_claim(borrower(db, village=MIANYANG_VILLAGE), trip)
    assert (unpublished.value.code, unpublished.value.field) == ("no_policy_in_force", "kind")
    assert "绵阳市尚未发布跨省务工交通补助的标准" in unpublished.value.message


# ---- races ----------------------------------------------------------------------------------


def concurrently(service_config, *calls):
    """Run each `call(proxy)` in its own green thread with its own connection; results or errors."""

    def run(call):
        with ClusterRpcProxy(service_config) as proxy:
            try:
                return call(proxy)
            except Exception as exc:  # the loser's error is the point
                return exc

    threads = [eventlet.spawn(run, call) for call in calls]
    return [thread.wait() for thread in threads]


def stored_version(db, loan_id) -> int:
    with db.connect() as connection:
        return connection.scalar(sa.text("SELECT version FROM loans WHERE id = :id"), {"id": loan_id})


def test_every_answer_carries_the_version_stored_with_it(finance, rpc, db):
    """Each command's answer is built after its changes are written: the version a liaison sends
    back as expected_version is the row's, on either path of an approval."""
    fund(rpc)
    admin = {"user_id": "u-admin", "username": "admin", "role": "admin"}
    rpc.finance.set_bank_threshold(admin, "NJRCB", {"confirmation_threshold_yuan": "150000"})
    terms = {"amount_yuan": "200000", "term_months": 24, "spread_bp": 50}
    try:
        large = apply(rpc, borrower(db))
        pending = rpc.finance.approve_loan(MAKER, large["id"], {**terms, "expected_version": large["version"]})
        assert pending["status"] == "awaiting_confirmation"
        assert pending["version"] == stored_version(db, large["id"])
        confirmed = rpc.finance.confirm_loan(CHECKER, large["id"], {"expected_version": pending["version"]})
        assert (confirmed["status"], confirmed["version"]) == ("approved", stored_version(db, large["id"]))
    finally:
        rpc.finance.set_bank_threshold(admin, "NJRCB", {"confirmation_threshold_yuan": "300000"})
    loan = apply(rpc, borrower(db), "100000.00")
    approved = rpc.finance.approve_loan(MAKER, loan["id"], {**terms, "amount_yuan": "100000"})
    assert approved["version"] == stored_version(db, loan["id"])
    lent = rpc.finance.disburse_loan(MAKER, loan["id"], {"expected_version": approved["version"]}, key())
    assert (lent["status"], lent["version"]) == ("disbursed", stored_version(db, loan["id"]))
    repaid = rpc.finance.record_repayment(MAKER, loan["id"], {"amount_yuan": "1000"}, key())
    assert (repaid["status"], repaid["version"]) == ("repaying", stored_version(db, loan["id"]))


def test_two_liaisons_approving_at_once_give_one_approval(finance, rpc, db, service_config):
    fund(rpc)
    terms = {"amount_yuan": "100000", "term_months": 24, "spread_bp": 0}
    for _ in range(3):
        loan = apply(rpc, borrower(db), "100000.00")
        results = concurrently(service_config,
                               lambda p, i=loan["id"]: p.finance.approve_loan(MAKER, i, terms),
                               lambda p, i=loan["id"]: p.finance.approve_loan(CHECKER, i, terms))
        won = [r for r in results if isinstance(r, dict)]
        lost = [r for r in results if isinstance(r, Exception)]
        assert len(won) == 1 and len(lost) == 1, results
        assert isinstance(lost[0], (Conflict, InvalidState)), lost
        assert lost[0].code in ("loan_status", "stale_version")
        assert outbox_count(db, "loan_approved", loan["id"]) == 1


def test_repayments_at_once_on_one_loan_both_count_one_after_the_other(finance, rpc, db, service_config):
    """A bank's command holds the loan's row until it commits (its changes written then): the second
    waits for the first and applies to what the first left, neither is refused or counted twice, and
    the version moves on once for each."""
    fund(rpc)
    loan = lend(rpc, db, borrower(db))
    results = concurrently(service_config,
                           lambda p, i=loan["id"]: p.finance.record_repayment(MAKER, i, {"amount_yuan": "1000"}, key()),
                           lambda p, i=loan["id"]: p.finance.record_repayment(CHECKER, i, {"amount_yuan": "2000"}, key()))
    assert not any(isinstance(r, Exception) for r in results), results
    after = rpc.finance.get_loan(MAKER, loan["id"])
    assert sorted(r["amount_yuan"] for r in after["repayments"]) == ["1000.00", "2000.00"]
    assert sorted(r["version"] for r in results) == [loan["version"] + 1, loan["version"] + 2]
    assert after["version"] == stored_version(db, loan["id"]) == loan["version"] + 2
    paid = sum(Decimal(r["principal_yuan"]) for r in after["repayments"])
    assert Decimal(after["outstanding_principal_yuan"]) == Decimal(loan["approved_amount_yuan"]) - paid
    assert outbox_count(db, "loan_repayment_recorded", loan["id"]) == 2
    books_balance(rpc)


def test_a_repayment_racing_the_overdue_sweep_counts_once(finance, rpc, db, service_config):
    fund(rpc)
    for _ in range(4):
        loan = lend(rpc, db, borrower(db), days_ago=40)
        due = loan["instalments"][0]
        amount = f"{float(due['principal_yuan']) + float(due['interest_yuan']):.2f}"
        results = concurrently(
            service_config,
            lambda p: p.finance.run_overdue_sweep(CITY),
            lambda p, i=loan["id"], a=amount: p.finance.record_repayment(MAKER, i, {"amount_yuan": a}, key()))
        assert not any(isinstance(r, Exception) for r in results), results
        after = rpc.finance.get_loan(MAKER, loan["id"])
        assert len(after["repayments"]) == 1
        assert after["instalments"][0]["paid"] is True
        assert after["status"] == "repaying" and after["days_overdue"] == 0
        assert outbox_count(db, "loan_repayment_recorded", loan["id"]) == 1
        assert outbox_count(db, "loan_overdue", loan["id"]) <= 1
    books_balance(rpc)


# ---- overdue, default and compensation ------------------------------------------------------


def test_the_sweep_marks_overdue_then_defaults_with_eighty_percent_compensation(finance, rpc, db):
    fund(rpc)
    late = lend(rpc, db, borrower(db), days_ago=45)
    lost = lend(rpc, db, borrower(db), "100000.00", days_ago=150)
    before = rpc.finance.fund_position(CITY)["fund_balance_fen"]
    result = rpc.finance.run_overdue_sweep(CITY)
    assert result["changed"] == {"overdue": 1, "compensated": 1}
    late_now = rpc.finance.get_loan(MAKER, late["id"])
    first_due = dt.date.fromisoformat(late["instalments"][0]["due_on"])
    assert (late_now["status"], late_now["days_overdue"]) == ("overdue", (TODAY - first_due).days)
    lost_now = rpc.finance.get_loan(MAKER, lost["id"])
    assert lost_now["status"] == "compensated"
    assert lost_now["compensation_yuan"] == "80000.00" and lost_now["outstanding_principal_yuan"] == "0.00"
    assert rpc.finance.fund_position(CITY)["fund_balance_fen"] == before - 8_000_000
    assert rpc.finance.run_overdue_sweep(CITY)["changed"] == {}
    for event in ("loan_defaulted", "loan_compensated"):
        assert outbox_count(db, event, lost["id"]) == 1
    assert outbox_count(db, "loan_overdue", late["id"]) == 1
    books_balance(rpc)


def test_paying_the_arrears_brings_an_overdue_loan_back_and_paying_all_settles_it(finance, rpc, db):
    fund(rpc)
    loan = lend(rpc, db, borrower(db), "12000.00", term=3, days_ago=45, method="interest_only")
    rpc.finance.run_overdue_sweep(CITY)
    due = loan["instalments"][0]["interest_yuan"]
    back = rpc.finance.record_repayment(MAKER, loan["id"], {"amount_yuan": due}, key())
    assert back["status"] == "repaying"
    rest = sum(float(i["interest_yuan"]) + float(i["principal_yuan"]) for i in loan["instalments"][1:])
    settled = rpc.finance.record_repayment(MAKER, loan["id"], {"amount_yuan": f"{rest:.2f}"}, key())
    assert (settled["status"], settled["outstanding_principal_yuan"]) == ("settled", "0.00")
    assert outbox_count(db, "loan_settled", loan["id"]) == 1
    books_balance(rpc)


def test_banks_partnerships_and_policies_changed_by_anyone_are_what_the_next_command_uses(finance, rpc, db):
    """Each process keeps the policy versions, banks and partnerships in memory while their count in
    `books_generation` stands still; triggers move it whatever writes them, an operator's SQL too."""
    fund(rpc)
    who = borrower(db)
    assert apply(rpc, who, "50000.00")["bank_name"] == "内江农村商业银行"  # read and kept
    with db.begin() as connection:
        connection.execute(sa.text("UPDATE bank_partnerships SET ended_on = :today WHERE bank_code = 'NJRCB'"),
                           {"today": TODAY})
    with pytest.raises(InvalidInput) as refused:
        apply(rpc, borrower(db), "50000.00")
    assert refused.value.code == "bank_not_partner"
    with db.begin() as connection:
        connection.execute(sa.text("UPDATE bank_partnerships SET ended_on = NULL WHERE bank_code = 'NJRCB'"))
        connection.execute(sa.text("UPDATE banks SET name = '内江农商银行' WHERE code = 'NJRCB'"))
    assert apply(rpc, borrower(db), "50000.00")["bank_name"] == "内江农商银行"
    with db.begin() as connection:  # a loan policy that lends less, in force from today
        params = connection.execute(sa.text("SELECT params FROM policy_versions WHERE domain = 'loan'"
                                            " ORDER BY effective_from DESC LIMIT 1")).scalar_one()
        connection.execute(sa.text("INSERT INTO policy_versions (domain, code, effective_from, params)"
                                   " VALUES ('loan', '测试〔2026〕1号', :today, CAST(:params AS jsonb))"),
                           {"today": TODAY, "params": json.dumps({**params, "individual_cap_fen": 1_000_000})})
    smaller = apply(rpc, borrower(db), "50000.00")
    assert smaller["status"] == "ineligible" and smaller["policy_code"] == "测试〔2026〕1号"


def test_a_bank_command_reads_the_count_with_the_loan_it_holds_and_sees_a_change_made_before(
        finance, rpc, db, finance_url):
    """The count of the books' tables comes with the loan's row, in the command's first statement
    (no statement of its own), and a bank renamed since the last command is what the next one shows."""
    from services.finance.handlers import books, loans
    from shared.actors import as_actor

    fund(rpc)
    loan = apply(rpc, borrower(db), "50000.00")
    approved = rpc.finance.approve_loan(MAKER, loan["id"], {"amount_yuan": "50000", "term_months": 24,
                                                            "spread_bp": 0})
    with db.begin() as connection:
        connection.execute(sa.text("UPDATE banks SET name = '内江农商行' WHERE code = 'NJRCB'"))
    try:
        lent = rpc.finance.disburse_loan(MAKER, loan["id"], {"expected_version": approved["version"]}, key())
        assert lent["bank_name"] == "内江农商行"
        engine = sa.create_engine(finance_url.replace("postgresql://", "postgresql+psycopg2://", 1))
        statements = []
        sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        with Session(engine) as session:
            held = loans.get(session, as_actor(MAKER), loan["id"], lock=True)
            assert books.bank(session, held.bank_code).name == "内江农商行"
        engine.dispose()
        assert sum("books_generation" in statement for statement in statements) == 1
        assert "FOR UPDATE" in statements[0] and "books_generation" in statements[0]
    finally:
        with db.begin() as connection:
            connection.execute(sa.text("UPDATE banks SET name = '内江农村商业银行' WHERE code = 'NJRCB'"))


def test_a_loan_comes_with_its_whole_timeline_and_repayments_in_one_statement(finance, rpc, db, finance_url):
    from services.finance.handlers import loans
    from shared.actors import as_actor

    fund(rpc)
    loan = lend(rpc, db, borrower(db))
    repaid = rpc.finance.record_repayment(MAKER, loan["id"], {"amount_yuan": "1000"}, key())
    actions = ["applied", "assessed", "approved", "disbursed", "repayment"]
    assert [step["action"] for step in repaid["history"]] == actions
    engine = sa.create_engine(finance_url.replace("postgresql://", "postgresql+psycopg2://", 1))
    statements = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with Session(engine) as session:
        held = loans.get(session, as_actor(MAKER), loan["id"])
        timeline = loans._timeline(session, held)
        repayments = loans._repayments(session, held)
    engine.dispose()
    assert len(statements) == 1
    assert [(r.id, r.amount_fen, r.recorded_by) for r in repayments] == [
        (r["id"], 100_000, r["recorded_by"]) for r in repaid["repayments"]]
    assert [step["action"] for step in timeline] == actions
    assert [step["at"] for step in timeline] == [dt.datetime.fromisoformat(step["at"]) for step in repaid["history"]]


def test_a_command_that_waited_for_another_on_the_loan_sees_what_that_one_added(finance, rpc, db, finance_url):
    """Its statement's snapshot predates the other's commit: the locked row is re-read after the
    wait, and the timeline, repayments and schedule the other changed are read after it too."""
    from services.finance.handlers import loans
    from shared.actors import as_actor

    fund(rpc)
    loan = lend(rpc, db, borrower(db))
    engine = sa.create_engine(finance_url.replace("postgresql://", "postgresql+psycopg2://", 1))
    seen = {}

    def second_command():
        with Session(engine) as session:
            held = loans.get(session, as_actor(MAKER), loan["id"], lock=True)
            seen.update(version=held.version, steps=[step["actor"] for step in loans._timeline(session, held)],
                        repaid=[row.recorded_by for row in loans._repayments(session, held)],
                        paid=loans._plan(session, held)[0].interest_paid_fen)
            session.rollback()

    try:
        with engine.connect() as other:  # another command holding the loan, adding to it
            other.execute(sa.text("SELECT id FROM loans WHERE id = :id FOR UPDATE"), {"id": loan["id"]})
            other.execute(sa.text("INSERT INTO loan_steps (loan_id, at, actor, action, note)"
                                  " VALUES (:id, now(), 'other-liaison', 'repayment', '')"), {"id": loan["id"]})
            other.execute(sa.text("INSERT INTO repayments (id, loan_id, paid_on, amount_fen, interest_fen,"
                                  " principal_fen, recorded_by, recorded_at) VALUES (:rid, :id, :on, 100, 100, 0,"
                                  " 'other-liaison', now())"), {"rid": str(uuid.uuid4()), "id": loan["id"], "on": TODAY})
            other.execute(sa.text("UPDATE instalments SET interest_paid_fen = 100 WHERE loan_id = :id AND number = 1"),
                          {"id": loan["id"]})
            other.execute(sa.text("UPDATE loans SET version = version + 1 WHERE id = :id"), {"id": loan["id"]})
            waiting = eventlet.spawn(second_command)
            eventlet.sleep(0.5)
            assert not seen  # held back by the other's lock
            other.commit()
        waiting.wait()
    finally:
        engine.dispose()
    assert seen["version"] == loan["version"] + 1
    assert seen["steps"][-1] == "other-liaison" and seen["repaid"] == ["other-liaison"]
    assert seen["paid"] == 100  # and the schedule as that one left it


def sent_by(caplog, action) -> tuple[object, list[str]]:
    """What `action` gave, and the statements the service sent while it ran (the relay's marks left out), as the
    engine's log shows them: each statement is followed by a line of its parameters."""
    caplog.set_level("INFO", logger="sqlalchemy.engine.Engine")
    caplog.clear()
    result = action()
    caplog.set_level("WARNING", logger="sqlalchemy.engine.Engine")
    messages = [record.getMessage() for record in caplog.records]
    return result, [messages[n - 1] for n, stats in enumerate(messages)
                    if stats.startswith("[") and not messages[n - 1].startswith("UPDATE outbox SET")]


def test_an_application_is_three_statements_and_answers_what_it_stored(finance, rpc, db, caplog):
    """The applicant with the count of the books' tables, the borrower's loans (its rules), and the
    one that commits with the new loan and its partners: no statement for the count, no INSERT of
    its own. What is stored is what it answered."""
    fund(rpc)
    apply(rpc, borrower(db), "50000.00")  # compiles its statements
    who = borrower(db)
    loan, sent = sent_by(caplog, lambda: apply(rpc, who, "60000.00"))
    assert len(sent) == 3, sent
    assert "known_entrepreneurs" in sent[0] and "books_generation" in sent[0]
    assert "INSERT INTO loans" in sent[-1] and "INSERT INTO outbox" in sent[-1]
    stored = rpc.finance.get_loan(who, loan["id"])
    assert {key: stored[key] for key in ("id", "status", "amount_yuan", "version", "applied_at", "borrower_name")} == {
        key: loan[key] for key in ("id", "status", "amount_yuan", "version", "applied_at", "borrower_name")}
    assert [step["action"] for step in stored["history"]] == ["applied", "assessed"]


def test_a_repayment_reads_its_loan_and_schedule_at_once_and_writes_them_as_it_commits(finance, rpc, db, caplog):
    """Two statements: the one that holds the loan, with its timeline, repayments and schedule, and
    the one that commits, with the instalments the payment moved. What is stored is what it answered."""
    fund(rpc)
    loan = lend(rpc, db, borrower(db), "12000.00", term=3)
    rpc.finance.record_repayment(MAKER, loan["id"], {"amount_yuan": "100"}, key())  # compiles its statements
    due = float(loan["instalments"][0]["principal_yuan"]) + float(loan["instalments"][0]["interest_yuan"])
    repaid, sent = sent_by(caplog, lambda: rpc.finance.record_repayment(
        MAKER, loan["id"], {"amount_yuan": f"{due:.2f}"}, key()))
    assert len(sent) == 2, sent
    assert "FOR UPDATE" in sent[0] and "instalments" in sent[0]
    assert "UPDATE instalments" in sent[1] and "INSERT INTO outbox" in sent[1]
    with db.connect() as connection:
        stored = connection.execute(sa.text(
            "SELECT number, principal_paid_fen, interest_paid_fen FROM instalments WHERE loan_id = :id"
            " ORDER BY number"), {"id": loan["id"]}).all()
    assert [(i["number"], i["principal_paid_yuan"], i["interest_paid_yuan"]) for i in repaid["instalments"]] == [
        (number, f"{principal / 100:.2f}", f"{interest / 100:.2f}") for number, principal, interest in stored]
    assert repaid["instalments"][1]["paid_yuan"] == "100.00"  # the rest of the sum went on to the second
    books_balance(rpc)


def test_a_transaction_that_changes_the_banks_keeps_what_it_reads_to_itself(finance_url):
    """Read inside a transaction that moved the count, the tables are not kept for the process: if it
    rolls back, what it read never was."""
    from services.finance.handlers import books

    engine = sa.create_engine(finance_url.replace("postgresql://", "postgresql+psycopg2://", 1))
    try:
        with Session(engine) as session:
            name = books.bank(session, "NJRCB").name
        with Session(engine) as session:
            session.execute(sa.text("UPDATE banks SET name = '改名未提交' WHERE code = 'NJRCB'"))
            assert books.bank(session, "NJRCB").name == "改名未提交"
            session.rollback()
        with Session(engine) as session:
            assert books.bank(session, "NJRCB").name == name
    finally:
        engine.dispose()


def test_a_loans_four_steps_use_only_statements_compiled_once(finance, rpc, db, caplog):
    """A statement SQLAlchemy cannot cache (a VALUES list, a literal it must render) is compiled
    again on every call, and a loan step's whole budget is a few milliseconds. The second flow
    takes every statement from the cache."""
    def flow():
        loan = lend(rpc, db, borrower(db))
        rpc.finance.record_repayment(MAKER, loan["id"], {"amount_yuan": "1000"}, key())

    fund(rpc)
    flow()  # compiles each statement once
    caplog.set_level("INFO", logger="sqlalchemy.engine.Engine")
    caplog.clear()
    flow()
    caplog.set_level("WARNING", logger="sqlalchemy.engine.Engine")
    messages = [record.getMessage() for record in caplog.records]
    compiled = [(messages[n - 1][:200], stats) for n, stats in enumerate(messages) if stats.startswith("[")]
    assert len(compiled) > 12, "the engine's log shows too few statements"
    assert [(sql, stats) for sql, stats in compiled if not stats.startswith("[cached since")] == []


# ---- idempotent money commands --------------------------------------------------------------


def test_every_money_command_replays_its_first_result_and_moves_nothing_twice(finance, rpc, db):
    contribution_key = key()
    first = rpc.finance.contribute(CITY, {"account": "budget:subsidy", "amount_yuan": "50000"}, contribution_key)
    assert rpc.finance.contribute(CITY, {"account": "budget:subsidy", "amount_yuan": "50000"},
                                  contribution_key) == first
    fund(rpc)
    who = borrower(db)
    with on_day(TODAY - dt.timedelta(days=100)):
        loan = apply(rpc, who, "60000.00", term=6)
        rpc.finance.approve_loan(MAKER, loan["id"], {"amount_yuan": "60000", "term_months": 6, "spread_bp": 0})
    disbursing, repaying = key(), key()
    on = (TODAY - dt.timedelta(days=95)).isoformat()
    lent = rpc.finance.disburse_loan(MAKER, loan["id"], {"disbursed_on": on}, disbursing)
    count = postings(db)
    assert rpc.finance.disburse_loan(MAKER, loan["id"], {"disbursed_on": on}, disbursing) == lent
    paid = rpc.finance.record_repayment(MAKER, loan["id"], {"amount_yuan": "5000"}, repaying)
    assert rpc.finance.record_repayment(MAKER, loan["id"], {"amount_yuan": "5000"}, repaying) == paid
    with pytest.raises(Conflict) as reused:
        rpc.finance.record_repayment(MAKER, loan["id"], {"amount_yuan": "6000"}, repaying)
    assert reused.value.code == "idempotency_key_reused"
    assert postings(db) == count + 1  # the one repayment's principal
    assert len(rpc.finance.get_loan(MAKER, loan["id"])["repayments"]) == 1
    books_balance(rpc)


# ---- interest subsidy -----------------------------------------------------------------------


def last_quarter() -> tuple[str, dt.date]:
    first_of_this = dt.date(TODAY.year, 3 * ((TODAY.month - 1) // 3) + 1, 1)
    last_day = first_of_this - dt.timedelta(days=1)
    return f"{last_day.year}Q{(last_day.month - 1) // 3 + 1}", last_day


def test_the_quarters_interest_subsidy_is_half_the_interest_paid_and_paid_once(finance, rpc, db):
    fund(rpc)
    fund(rpc, "100000", "budget:subsidy")
    quarter, last_day = last_quarter()
    loan = lend(rpc, db, borrower(db), "120000.00", days_ago=(TODAY - last_day).days + 40)
    interest = loan["instalments"][0]["interest_yuan"]
    rpc.finance.record_repayment(MAKER, loan["id"], {"amount_yuan": interest,
                                                     "paid_on": (last_day - dt.timedelta(days=5)).isoformat()},
                                 key())
    with pytest.raises(Forbidden) as county:
        rpc.finance.compute_interest_subsidy(COUNTY, {"quarter": quarter})
    assert county.value.code == "city_level_required"
    batch = rpc.finance.compute_interest_subsidy(CITY, {"quarter": quarter})
    line = next(item for item in batch["lines"] if item["loan_id"] == loan["id"])
    expected = f"{float(interest) / 2:.2f}"
    assert (line["interest_paid_yuan"], line["subsidy_yuan"], line["policy_code"]) == (
        interest, expected, "川办规〔2025〕6号")
    assert rpc.finance.compute_interest_subsidy(CITY, {"quarter": quarter}) == batch
    # the treasury's payment list: one line per lending bank, to the account it named for the subsidy
    assert batch["awaiting_bank_account"] == ["内江农村商业银行"] and batch["bank_lines"] == []
    with pytest.raises(InvalidState) as no_account:
        rpc.finance.interest_payment_file(CITY, quarter)
    assert no_account.value.code == "nothing_to_pay"
    with pytest.raises(InvalidInput) as half:
        rpc.finance.set_bank_threshold(ADMIN, "NJRCB", {"confirmation_threshold_yuan": "300000",
                                                        "subsidy_account_number": "310000000000001"})
    assert half.value.code == "subsidy_account_incomplete"
    banks = rpc.finance.set_bank_threshold(ADMIN, "NJRCB", {
        "confirmation_threshold_yuan": "300000", "subsidy_account_name": "内江农商银行贴息资金专户",
        "subsidy_account_number": "3100 0000 0000 001"})
    assert next(b for b in banks if b["code"] == "NJRCB")["subsidy_account"] == {
        "name": "内江农商银行贴息资金专户", "masked": "3100 **** **** 0001"}
    reissued = rpc.finance.reissue_interest_lines(CITY, quarter, key())
    assert [(b["bank_code"], b["status"]) for b in reissued["bank_lines"]] == [("NJRCB", "issued")]
    found = rpc.finance.interest_payment_file(CITY, quarter)
    [row] = list(csv.reader(io.StringIO(base64.b64decode(found["content"]).decode("utf-8-sig"))))[1:]
    assert (row[2], row[6].strip(), row[8]) == ("内江农商银行贴息资金专户", "310000000000001",
                                                str(round(float(line["subsidy_yuan"]) * 100)))
    paying = key()
    paid = rpc.finance.pay_interest_subsidy(CITY, quarter, paying)
    assert paid["status"] == "paid"
    assert rpc.finance.pay_interest_subsidy(CITY, quarter, paying) == paid
    with pytest.raises(InvalidState) as again:
        rpc.finance.pay_interest_subsidy(CITY, quarter, key())
    assert (again.value.code, again.value.field) == ("batch_status", "status")
    with pytest.raises(InvalidState) as unfinished:
        rpc.finance.compute_interest_subsidy(CITY, {"quarter": f"{TODAY.year}Q{(TODAY.month - 1) // 3 + 1}"})
    assert unfinished.value.code == "quarter_not_ended"
    books_balance(rpc)


def test_interest_on_principal_above_the_2025_cap_is_paid_from_the_local_budget_and_booked_apart(
        finance, rpc, db):
    fund(rpc, "1000000")
    fund(rpc, "100000", "budget:subsidy")
    quarter, last_day = last_quarter()
    with on_day(last_day - dt.timedelta(days=40)):  # above the bank's amount: a second liaison confirms
        applied = apply(rpc, borrower(db), "500000.00", term=36)
        rpc.finance.approve_loan(MAKER, applied["id"], {"amount_yuan": "500000", "term_months": 36, "spread_bp": 0})
        rpc.finance.confirm_loan(CHECKER, applied["id"], {}, key())
        loan = rpc.finance.disburse_loan(MAKER, applied["id"], {}, key())
    interest = loan["instalments"][0]["interest_yuan"]
    rpc.finance.record_repayment(MAKER, loan["id"], {"amount_yuan": interest,
                                                     "paid_on": (last_day - dt.timedelta(days=5)).isoformat()},
                                 key())
    batch = rpc.finance.compute_interest_subsidy(CITY, {"quarter": quarter})
    line = next(item for item in batch["lines"] if item["loan_id"] == loan["id"])
    interest_fen = int(round(float(interest) * 100))
    half = interest_fen / 2  # half the interest paid, 3/5 of it on the 300,000 the policy caps
    programme, local = round(half * 3 / 5), round(half) - round(half * 3 / 5)
    assert (round(float(line["subsidy_yuan"]) * 100), round(float(line["local_subsidy_yuan"]) * 100)) == (
        programme, local)
    assert round(float(line["total_yuan"]) * 100) == programme + local
    assert round(float(batch["local_total_yuan"]) * 100) == local
    rpc.finance.pay_interest_subsidy(CITY, quarter, key())
    accounts = {row["account"]: round(float(row["balance_yuan"]) * 100) for row in books_balance(rpc)["accounts"]}
    assert (accounts["expense:interest_subsidy"], accounts["expense:interest_subsidy_local"]) == (programme, local)
    with db.connect() as connection:
        total = connection.scalar(sa.text(
            "SELECT envelope->'payload'->>'subsidy_fen' FROM outbox WHERE event_type = 'interest_subsidy_paid'"))
    assert int(total) == programme + local  # the event tells the whole of it, the local part beside


def test_the_quarters_interest_subsidy_reaches_each_lending_bank_through_the_treasurys_list(finance, rpc, db):
    fund(rpc)
    fund(rpc, "100000", "budget:subsidy")
    quarter, last_day = last_quarter()
    psbc = {**MAKER, "user_id": "u-psbc", "username": "psbc", "bank_code": "PSBC"}
    loans = {}
    for bank, liaison in (("NJRCB", MAKER), ("PSBC", psbc)):
        with on_day(last_day - dt.timedelta(days=40)):
            applied = apply(rpc, borrower(db), "100000.00", bank=bank)
            rpc.finance.approve_loan(liaison, applied["id"], {"amount_yuan": "100000", "term_months": 12,
                                                              "spread_bp": 0})
            loans[bank] = rpc.finance.disburse_loan(liaison, applied["id"], {}, key())
        rpc.finance.record_repayment(liaison, loans[bank]["id"], {
            "amount_yuan": loans[bank]["instalments"][0]["interest_yuan"],
            "paid_on": (last_day - dt.timedelta(days=5)).isoformat()}, key())
    for bank, number in (("NJRCB", "310000000000001"), ("PSBC", "520000000000002")):
        rpc.finance.set_bank_threshold(ADMIN, bank, {"confirmation_threshold_yuan": "500000",
                                                     "subsidy_account_name": f"{bank}贴息资金专户",
                                                     "subsidy_account_number": number})
    batch = rpc.finance.compute_interest_subsidy(CITY, {"quarter": quarter})
    lines = {line["bank_code"]: line for line in batch["bank_lines"]}
    assert set(lines) == {"NJRCB", "PSBC"} and all(line["loan_count"] == 1 for line in lines.values())
    returned = rpc.finance.record_interest_bank_return(CITY, quarter, {"lines": [
        {"reference": lines["NJRCB"]["reference"], "result": "paid"},
        {"reference": lines["PSBC"]["reference"], "result": "failed", "reason": "账户名称与账号不符"}]}, key())
    assert returned["status"] == "computed" and returned["banks_to_reissue"] == ["PSBC"]
    with db.connect() as connection:
        told = connection.execute(sa.text("SELECT envelope->'payload'->>'bank_code' FROM outbox"
                                          " WHERE event_type = 'interest_subsidy_paid'")).scalars().all()
    assert told == ["NJRCB"]  # only the loan whose bank was paid
    rpc.finance.set_bank_threshold(ADMIN, "PSBC", {"confirmation_threshold_yuan": "500000",
                                                   "subsidy_account_name": "邮储银行内江分行贴息资金专户",
                                                   "subsidy_account_number": "520000000000099"})
    again = rpc.finance.reissue_interest_lines(CITY, quarter, key())
    [new] = [line for line in again["bank_lines"] if line["status"] == "issued"]
    assert (new["bank_code"], new["attempt"], new["account_masked"]) == ("PSBC", 2, "5200 **** **** 0099")
    paid = rpc.finance.pay_interest_subsidy(CITY, quarter, key())  # the rest paid whole: PSBC's loan, once
    assert paid["status"] == "paid"
    with db.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM outbox WHERE event_type = 'interest_subsidy_paid'")) == 2
    books_balance(rpc)


# ---- subsidies ------------------------------------------------------------------------------


def skill_claim(occupation="电工", level="intermediate", issued=None) -> dict:
    issued = issued or (TODAY - dt.timedelta(days=30)).isoformat()
    return {"kind": "skill", "occupation": occupation, "level": level, "issued_on": issued,
            "certificate_no": "S" + uuid.uuid4().hex[:8], "unemployment_insurance_months": 24}


def test_a_claim_is_reviewed_batched_approved_against_the_budget_and_paid(finance, rpc, db):
    who = borrower(db)
    claim = rpc.finance.claim_subsidy(who, skill_claim())
    assert (claim["status"], claim["amount_yuan"]) == ("eligibility_checked", "1500.00")
    double = rpc.finance.claim_subsidy(who, skill_claim())
    assert double["status"] == "rejected"
    assert [f["code"] for f in double["failures"]] == ["already_claimed"]
    reviewed = rpc.finance.review_claim(TOWNSHIP, claim["id"], {"decision": "approve"})
    assert reviewed["status"] == "approved"
    with pytest.raises(Forbidden) as township:
        rpc.finance.create_batch(TOWNSHIP, {})
    assert township.value.code == "paying_level_required"
    batch = rpc.finance.create_batch(COUNTY, {"claim_ids": [claim["id"]]})
    assert (batch["status"], batch["total_yuan"], batch["available_yuan"]) == ("draft", "1500.00", "0.00")
    with pytest.raises(InvalidState) as short:
        rpc.finance.approve_batch(COUNTY_CHECKER, batch["id"])
    assert short.value.code == "budget_insufficient"
    fund(rpc, "2000", "budget:subsidy")
    with pytest.raises(Forbidden) as own:
        rpc.finance.approve_batch(COUNTY, batch["id"])
    assert own.value.code == "four_eyes"
    approved = rpc.finance.approve_batch(COUNTY_CHECKER, batch["id"])
    assert (approved["status"], approved["available_at_approval_yuan"]) == ("approved", "2000.00")
    assert approved["available_yuan"] == "500.00"  # what the approved batch has not yet taken
    assert approved["awaiting_account"] == [{"claim_id": claim["id"], "claimant_name": "测试"}]
    for hands in (COUNTY, COUNTY_CHECKER):
        with pytest.raises(Forbidden) as again:
            rpc.finance.pay_batch(hands, batch["id"], key())
        assert again.value.code == "four_eyes"
    paying = key()
    paid = rpc.finance.pay_batch(COUNTY_PAYER, batch["id"], paying)
    assert rpc.finance.pay_batch(COUNTY_PAYER, batch["id"], paying) == paid
    assert [c["status"] for c in paid["claims"]] == ["paid"]
    with db.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM outbox WHERE event_type = 'subsidy_paid'"
                                         " AND envelope->'payload'->>'claim_id' = :id"), {"id": claim["id"]}) == 1
    books_balance(rpc)


def approved_batch_of(rpc, *people) -> dict:
    """A batch of one approved skill claim of each person, made and approved by two county officials."""
    claims = []
    for who in people:
        claim = rpc.finance.claim_subsidy(who, skill_claim())
        claims.append(rpc.finance.review_claim(TOWNSHIP, claim["id"], {"decision": "approve"})["id"])
    batch = rpc.finance.create_batch(COUNTY, {"claim_ids": claims})
    return rpc.finance.approve_batch(COUNTY_CHECKER, batch["id"])


def file_rows(rpc, actor, batch_id) -> list[list[str]]:
    found = rpc.finance.batch_payment_file(actor, batch_id)
    text = base64.b64decode(found["content"]).decode("utf-8")
    assert text.startswith("\ufeff") and found["filename"].startswith("代发清单_")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_a_batch_is_paid_through_the_banks_payment_list_and_its_return(finance, rpc, db):
    fund(rpc, "10000", "budget:subsidy")
    paid_to, fails, unregistered = borrower(db), borrower(db), borrower(db)
    account_of(paid_to, "6222021234567894")
    account_of(fails, "6217001234567897")
    batch = approved_batch_of(rpc, paid_to, fails, unregistered)
    # one line per payee with an account; the one without waits, named
    assert [w["claimant_name"] for w in batch["awaiting_account"]] == ["测试"]
    lines = {line["account_masked"]: line for line in batch["payment_lines"]}
    assert set(lines) == {"6222 **** **** 7894", "6217 **** **** 7897"}
    assert all(line["status"] == "issued" for line in lines.values())
    rows = file_rows(rpc, COUNTY_PAYER, batch["id"])
    assert rows[0][:4] == ["序号", "参考号", "收款人", "证件号码"]
    assert sorted(row[6].strip() for row in rows[1:]) == ["6217001234567897", "6222021234567894"]
    assert {row[8] for row in rows[1:]} == {"150000"}  # fen
    assert "6222021234567894" not in str(rpc.finance.get_batch(COUNTY, batch["id"]))  # the list only

    # the bank's return: one paid, one failed with the bank's reason; only the paid one is booked
    good, bad = lines["6222 **** **** 7894"]["reference"], lines["6217 **** **** 7897"]["reference"]
    result = {"lines": [{"reference": good, "result": "成功"},
                        {"reference": bad, "result": "失败", "reason": "账户已销户"}]}
    with pytest.raises(Forbidden) as checker_pays:
        rpc.finance.record_bank_return(COUNTY_CHECKER, batch["id"], result, key())
    assert checker_pays.value.code == "four_eyes"
    with pytest.raises(InvalidInput) as no_reason:
        rpc.finance.record_bank_return(COUNTY_PAYER, batch["id"], {"lines": [
            {"reference": bad, "result": "failed"}]}, key())
    assert (no_reason.value.code, no_reason.value.field) == ("return_reason_required", "lines.0.reason")
    returned = rpc.finance.record_bank_return(COUNTY_PAYER, batch["id"], result, key())
    assert returned["status"] == "approved"  # two claims are not paid yet
    by_claim = {c["id"]: c["status"] for c in returned["claims"]}
    assert sorted(by_claim.values()) == ["in_batch", "in_batch", "paid"]
    assert rpc.finance.record_bank_return(COUNTY_PAYER, batch["id"], result, key())["status"] == "approved"  # a repeat
    with pytest.raises(Conflict) as contradicts:
        rpc.finance.record_bank_return(COUNTY_PAYER, batch["id"], {"lines": [
            {"reference": good, "result": "failed", "reason": "户名不符"}]}, key())
    assert contradicts.value.code == "return_conflicts"
    with pytest.raises(InvalidInput) as stranger:
        rpc.finance.record_bank_return(COUNTY_PAYER, batch["id"], {"lines": [{"reference": "GY0", "result": "paid"}]},
                                       key())
    assert stranger.value.code == "return_reference_unknown"
    failed_claim = next(line["claim_id"] for line in returned["payment_lines"] if line["status"] == "failed")
    shown = rpc.finance.get_claim(fails, failed_claim)["payments"]
    assert [(p["status"], p["failure_reason"], p["account_masked"]) for p in shown] == [
        ("failed", "账户已销户", "6217 **** **** 7897")]

    # the account corrected and the third one registered: both issued on new lines, then paid
    account_of(fails, "6222021234567001")
    account_of(unregistered, "6228481234567893")
    reissued = rpc.finance.reissue_payment_lines(COUNTY_PAYER, batch["id"], key())
    waiting = [line for line in reissued["payment_lines"] if line["status"] == "issued"]
    assert len(waiting) == 2 and {line["attempt"] for line in waiting} == {1, 2}
    assert len(file_rows(rpc, COUNTY_PAYER, batch["id"])) == 3  # the header and the two waiting
    paid = rpc.finance.record_bank_return(COUNTY_PAYER, batch["id"], {"lines": [
        {"reference": line["reference"], "result": "paid"} for line in waiting]}, key())
    assert paid["status"] == "paid" and all(c["status"] == "paid" for c in paid["claims"])
    with pytest.raises(InvalidState) as nothing:
        rpc.finance.batch_payment_file(COUNTY_PAYER, batch["id"])
    assert nothing.value.code in ("nothing_to_pay", "batch_status")
    accounts = {row["account"]: row["balance_yuan"] for row in books_balance(rpc)["accounts"]}
    assert accounts["expense:subsidy:skill"] == "4500.00"  # three claims, each booked once


def test_a_failed_payment_may_be_cancelled_from_its_batch_with_a_reason(finance, rpc, db):
    fund(rpc, "10000", "budget:subsidy")
    person = borrower(db)
    account_of(person, "6222021234567894")
    batch = approved_batch_of(rpc, person)
    [line] = batch["payment_lines"]
    with pytest.raises(InvalidState) as not_failed:
        rpc.finance.cancel_batch_payment(COUNTY_PAYER, batch["id"], {"claim_id": line["claim_id"], "reason": "无法联系"},
                                         key())
    assert not_failed.value.code == "claim_not_failed"
    rpc.finance.record_bank_return(COUNTY_PAYER, batch["id"], {"lines": [
        {"reference": line["reference"], "result": "failed", "reason": "户名不符"}]}, key())
    cancelled = rpc.finance.cancel_batch_payment(COUNTY_PAYER, batch["id"], {
        "claim_id": line["claim_id"], "reason": "申领人已迁出本市"}, key())
    assert (cancelled["claim_count"], cancelled["total_yuan"], cancelled["claims"]) == (0, "0.00", [])
    claim = rpc.finance.get_claim(person, line["claim_id"])
    assert (claim["status"], claim["batch_id"]) == ("approved", None)
    assert claim["notes"][-1] == "发放失败，已从批次取消：申领人已迁出本市"
    assert "expense:subsidy:skill" not in {row["account"] for row in books_balance(rpc)["accounts"]}


# ---- the read model of the registry's facts -------------------------------------------------

VERIFICATIONS = "evt-registry-entrepreneur_verified--finance.handle_entrepreneur_verified"


def registry_fact(payload) -> dict:
    return events.make_event(payload).model_dump(mode="json")


def test_registry_facts_build_the_read_model_even_when_a_verification_arrives_first(
        finance, rpc, db, service_config, infra, vhost):
    dispatch = event_dispatcher(service_config)
    person, account = str(uuid.uuid4()), str(uuid.uuid4())
    now = clock.utcnow()
    dispatch("registry", "entrepreneur_verified", registry_fact(EntrepreneurVerified(
        entrepreneur_id=person, region_code="511011101201", verified_by="township", verified_at=now)))
    eventually(lambda: infra.queue(vhost, f"{VERIFICATIONS}.retry.100"), timeout=10,
               message="the verification failed (not yet known) and waits for its first retry")
    registered = registry_fact(EntrepreneurRegistered(
        entrepreneur_id=person, name="王五", region_code="511011101201",
        household_region_code="511011101201", categories=["returnee_migrant_worker"],
        education="senior_high", skills=[], return_date=None, registered_at=now, account_id=account))
    dispatch("registry", "entrepreneur_registered", registered)
    dispatch("registry", "entrepreneur_registered", registered)  # a redelivery changes nothing

    def verified():
        with db.connect() as connection:
            return connection.scalar(sa.text(
                "SELECT verified FROM known_entrepreneurs WHERE id = :id AND account_id = :a"),
                {"id": person, "a": account})

    assert eventually(verified, timeout=10)
    who = {"user_id": account, "username": "wangwu", "role": "entrepreneur"}
    fund(rpc)
    assert apply(rpc, who)["status"] == "under_bank_review"


def test_a_contract_cannot_predate_its_application(finance, rpc, db):
    fund(rpc)
    loan = apply(rpc, borrower(db))
    with pytest.raises(InvalidInput) as early:
        rpc.finance.approve_loan(MAKER, loan["id"], {
            "amount_yuan": "200000", "term_months": 24, "spread_bp": 0,
            "contract_date": (TODAY - dt.timedelta(days=1)).isoformat()})
    assert (early.value.code, early.value.field) == ("contract_before_application", "contract_date")


def test_the_policy_in_force_on_the_application_day_decides_eligibility(finance, rpc, db):
    fund(rpc)
    with on_day(dt.date(2024, 3, 1)):  # 财金〔2023〕75号: individual cap 300,000
        old = apply(rpc, borrower(db), "400000.00")
    assert (old["status"], old["policy_code"]) == ("ineligible", "财金〔2023〕75号")
    assert [f["code"] for f in old["failures"]] == ["amount_over_cap"]
    new = apply(rpc, borrower(db), "400000.00")
    assert (new["status"], new["policy_code"]) == ("under_bank_review", "川办规〔2025〕6号")


def test_a_claim_is_refused_only_with_a_reason_named_beside_its_field(finance, rpc, db):
    claim = rpc.finance.claim_subsidy(borrower(db), skill_claim(occupation="焊工"))
    with pytest.raises(InvalidInput) as missing:
        rpc.finance.review_claim(TOWNSHIP, claim["id"], {"decision": "reject"})
    assert (missing.value.code, missing.value.field) == ("reason_required", "reason")
    assert rpc.finance.review_claim(TOWNSHIP, claim["id"], {"decision": "reject", "reason": "证书与工种不符"})[
        "status"] == "rejected"
