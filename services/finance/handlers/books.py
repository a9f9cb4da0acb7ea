"""Finance's stored books: policy versions, ledger postings and balances, the fund's position."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import NamedTuple, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from services.finance.domain import ledger
from services.finance.domain import loans as loan_rules
from services.finance.domain.policy import FundPolicy, LoanPolicy, LprRate, SubsidyPolicy, in_force
from services.finance.models import (
    Bank,
    BankPartnership,
    FundYear,
    GuaranteedLoan,
    LedgerLine,
    LedgerPosting,
    PolicyVersion,
    SubsidyBatch,
    books_generation,
    fund_exposure,
)
from shared import clock, regions
from shared.actors import Actor, programme_city
from shared.contracts.finance import KIND_NAMES
from shared.db import run_at_commit, tagged
from shared.dbapi import WITH_NEXT
from shared.errors import Forbidden, InvalidInput, InvalidState, NotFound
from shared.money import fen_to_yuan
from shared.payee_accounts import check_account_number, mask_account

FUND_LOCK, BUDGET_LOCK = 4201, 4202  # advisory locks: one decision against a city's balance at a time
BANK_CODE = re.compile(r"[A-Z][A-Z0-9]{1,19}")  # a bank added by name: NJRCB, MYCCB


# ---- policy versions, banks and partnerships: kept in memory --------------------------------


class VersionRow(NamedTuple):
    domain: str
    code: str
    effective_from: dt.date
    params: dict


@dataclass(frozen=True)
class BankRow:
    """A bank as `banks` holds it (read-only: a change goes through the mapped `Bank`)."""

    code: str
    name: str
    confirmation_threshold_fen: int
    subsidy_account_name: str | None
    subsidy_account_number: str | None


@dataclass(frozen=True)
class PartnershipRow:
    since: dt.date
    ended_on: dt.date | None


@dataclass
class BooksSnapshot:
    """The policy versions, banks and partnerships as they stood at one count of `books_generation`,
    with the policies built from them (`built`, by domain: built once, shared by every command, never
    changed)."""

    generation: int
    versions: dict[str, list[VersionRow]]
    banks: dict[str, BankRow]
    partnerships: dict[tuple[str, str], PartnershipRow]
    built: dict[str, list] = field(default_factory=dict)


_KEPT: dict[str, BooksSnapshot] = {}  # this process's, the latest read, by database
# the count, and whether this transaction moved it itself (then what it reads is not yet everyone's)
_GENERATION = sa.text("SELECT n, xmin::text = (pg_current_xact_id_if_assigned()::text::bigint % 4294967296)::text"
                      " FROM books_generation")


# the count as a column of a command's first statement (`note_generation`)
GENERATION_NOW = sa.select(books_generation.c.n).scalar_subquery().label("books_generation")


def note_generation(session: Session, generation: int) -> None:
    """The count of `books_generation` that a command's first statement read beside its record
    (`GENERATION_NOW`): the books do not ask it again. Nothing of the transaction can have moved it
    before its first statement."""
    _kept(session)["generation"] = generation


def _kept(session: Session) -> dict:
    """What one transaction has already read of the books' small tables, so that a command asks once."""
    return session.info.setdefault("finance_books", {})


def _books(session: Session) -> BooksSnapshot:
    """The policy versions, banks and partnerships, read once per process while nothing changes them:
    a command asks one number (`books_generation`, moved by triggers on the three tables whatever
    changes them) where an application read all three tables, a policy table of JSON every step.
    A transaction that changed them itself reads them afresh and keeps what it read to itself."""
    kept = _kept(session)
    if "books" not in kept:
        # nothing a command changes is in these tables: its pending changes need not be written first
        with session.no_autoflush:
            noted = kept.pop("generation", None)
            generation, own = (noted, False) if noted is not None else session.execute(_GENERATION).one()
            database = str(session.get_bind().engine.url)
            latest = _KEPT.get(database)
            if latest is None or latest.generation != generation or own:
                latest = _read_books(session, generation)
                if not own:
                    _KEPT[database] = latest
        kept["books"] = latest
    return kept["books"]


def _read_books(session: Session, generation: int) -> BooksSnapshot:
    versions: dict[str, list[VersionRow]] = {}
    for row in session.execute(sa.select(PolicyVersion.domain, PolicyVersion.code, PolicyVersion.effective_from,
                                         PolicyVersion.params)):
        versions.setdefault(row.domain, []).append(VersionRow(*row))
    banks = {row.code: BankRow(*row) for row in session.execute(sa.select(
        Bank.code, Bank.name, Bank.confirmation_threshold_fen, Bank.subsidy_account_name, Bank.subsidy_account_number))}
    partnerships = {(row.bank_code, row.city_code): PartnershipRow(row.since, row.ended_on)
                    for row in session.execute(sa.select(BankPartnership.bank_code, BankPartnership.city_code,
                                                         BankPartnership.since, BankPartnership.ended_on))}
    return BooksSnapshot(generation, versions, banks, partnerships)


def _policies(session: Session, domain_name: str, build) -> list:
    """`build(version)` of each of the domain's versions, once per count of `books_generation`."""
    books = _books(session)
    if domain_name not in books.built:
        books.built[domain_name] = [build(v) for v in books.versions.get(domain_name, [])]
    return books.built[domain_name]


def loan_policies(session: Session) -> list[LoanPolicy]:
    return _policies(session, "loan", lambda v: LoanPolicy(
        code=v.code, effective_from=v.effective_from,
        **{**v.params, **({"enterprise_kinds": tuple(v.params["enterprise_kinds"])}
                          if "enterprise_kinds" in v.params else {})}))


def loan_policy(session: Session, *, on: dt.date | None = None, code: str | None = None) -> LoanPolicy:
    policies = loan_policies(session)
    if code is not None:
        return next(p for p in policies if p.code == code)
    return in_force(policies, on or clock.today(), "创业担保贷款政策")


def lpr_rates(session: Session) -> list[LprRate]:
    return _policies(session, "lpr", lambda v: LprRate(v.effective_from, v.params["rate_bp"]))


def fund_policy(session: Session, on: dt.date) -> FundPolicy:
    versions = _policies(session, "fund", lambda v: FundPolicy(code=v.code, effective_from=v.effective_from, **v.params))
    return in_force(versions, on, "担保基金政策")


def subsidy_policy(session: Session, kind: str, on: dt.date, region_code: str | None = None) -> SubsidyPolicy:
    """The version in force for a claim made in a region: its city's own (a version whose figures
    name the city, as a city's travel-subsidy amounts do) when one is in force, else the province's."""
    versions = _policies(session, f"subsidy:{kind}", lambda v: SubsidyPolicy(kind, v.code, v.effective_from, v.params))
    city = regions.city_of(region_code) if region_code else None
    own = [v for v in versions if city is not None and v.params.get("city_code") == city]
    general = [v for v in versions if not v.params.get("city_code")]
    for pool in (own, general):
        if any(v.effective_from <= on for v in pool):
            return in_force(pool, on, "补贴政策")
    where = regions.name_of(city) if city else ""
    raise InvalidState("no_policy_in_force", "kind", f"{where}尚未发布{KIND_NAMES[kind]}的标准，暂不能申领")


def bank(session: Session, code: str) -> Bank | BankRow:
    """The bank: the one read with its loan (`loans.get` joins it), else as this process keeps them."""
    found = session.identity_map.get(identity_key(Bank, code)) or _books(session).banks.get(code)
    if found is None:
        raise InvalidInput("bank_unknown", "bank_code", "不是合作银行")
    return found


def partner_bank(session: Session, code: str, region_code: str, on: dt.date) -> Bank | BankRow:
    """The bank, which must be a partner of the city the borrower is in on that day."""
    found, city = bank(session, code), city_of(region_code)
    partnership = _books(session).partnerships.get((code, city))
    if partnership is None or not partnership_holds(partnership, on):
        raise InvalidInput("bank_not_partner", "bank_code",
                           f"{found.name}不是{regions.name_of(city)}的合作银行，请选择本市的合作银行")
    return found


def partnership_holds(partnership: BankPartnership | PartnershipRow, on: dt.date) -> bool:
    return partnership.since <= on and (partnership.ended_on is None or on < partnership.ended_on)


def save_bank(session: Session, code: str, threshold_fen: int, name: str | None,
              account: tuple[str, str] | None = None) -> list[dict]:
    """Set a bank's confirmation amount (and its name, and the account its interest subsidy is paid
    to); a bank not yet known is added when named."""
    found = session.get(Bank, code, with_for_update=True)
    if found is None:
        if name is None:
            raise InvalidInput("bank_unknown", "bank_code", "不是合作银行；新增银行请同时填写银行名称")
        if not BANK_CODE.fullmatch(code):
            raise InvalidInput("bank_code_format", "bank_code", "银行代码为2至20位大写字母或数字，以字母开头")
        found = Bank(code=code, name=name, confirmation_threshold_fen=threshold_fen)
        session.add(found)
    else:
        found.confirmation_threshold_fen = threshold_fen
        found.name = name or found.name
    if account is not None:
        found.subsidy_account_name = account[0]
        found.subsidy_account_number = check_account_number("basic_account", account[1], "subsidy_account_number")
    session.flush()
    return banks(session)


def set_partnership(session: Session, code: str, city: str, partner: bool, on: dt.date, by: str) -> list[dict]:
    """A city takes a bank as its partner from `on`, or ends the partnership on `on` (loans already
    made go on; new applications are refused). The row is kept, with who changed it last."""
    bank(session, code)
    partnership = session.get(BankPartnership, (code, city), with_for_update=True)
    if partner:
        if partnership is None:
            session.add(BankPartnership(bank_code=code, city_code=city, since=on, changed_by=by))
        elif partnership.ended_on is not None:
            partnership.since, partnership.ended_on, partnership.changed_by = on, None, by
            partnership.changed_at = clock.stamp()
    elif partnership is not None and partnership.ended_on is None:
        if on < partnership.since:
            raise InvalidInput("partnership_ends_before_start", "on", "合作结束日期不能早于合作开始日期")
        partnership.ended_on, partnership.changed_by, partnership.changed_at = on, by, clock.stamp()
    session.flush()
    return banks(session)


def banks(session: Session, city: str | None = None, on: dt.date | None = None) -> list[dict]:
    """The banks with the cities they are partners of; with a city, only that city's partners on a day."""
    partnerships: dict[str, list[BankPartnership]] = {}
    for row in session.scalars(sa.select(BankPartnership).order_by(BankPartnership.city_code)):
        partnerships.setdefault(row.bank_code, []).append(row)
    day = on or clock.today()
    return [{"code": b.code, "name": b.name,
             "confirmation_threshold_yuan": fen_to_yuan(b.confirmation_threshold_fen),
             "subsidy_account": None if not b.subsidy_account_number else {
                 "name": b.subsidy_account_name, "masked": mask_account(b.subsidy_account_number)},
             "cities": [{"city_code": p.city_code, "city_name": regions.name_of(p.city_code),
                         "since": p.since.isoformat(), "ended_on": p.ended_on and p.ended_on.isoformat(),
                         "current": partnership_holds(p, day)} for p in partnerships.get(b.code, [])]}
            for b in session.scalars(sa.select(Bank).order_by(Bank.code))
            if city is None or any(p.city_code == city and partnership_holds(p, day)
                                   for p in partnerships.get(b.code, []))]


# ---- whose books -----------------------------------------------------------------------------
# Every city keeps its own books: its guarantee fund, its subsidy budget, its ledger, its quarter's
# interest subsidy. Its city-level officials keep them; a province's officials read any city's
# and change none; the officials below a city read their own city's.


def kept_city(actor: Actor, message: str = "只有本市市级工作人员可以办理此项") -> str:
    """The city whose books the caller changes: their own, as one of its city-level officials."""
    if not actor.is_city_official:
        raise Forbidden("city_level_required", None, message)
    return city_of(actor.region_code or "")


def keeps(actor: Actor, city: str) -> None:
    """A replayed command on a city's books answers only one who still keeps them."""
    if kept_city(actor) != city:
        raise Forbidden("city_level_required", None, "只有本市市级工作人员可以办理此项")


def city_to_read(actor: Actor, city: str | None) -> str:
    """The city whose books the caller reads: the one named, else their own (an administrator's is
    the programme city; a province official names one)."""
    named = regions.check_city(city) if city else None
    if actor.role == "admin":
        return named or programme_city()
    if not actor.is_official:
        raise Forbidden("official_required", None, "只有工作人员可以查看资金情况")
    own = regions.city_of(actor.region_code or "")
    if named is None:
        if own is None:
            raise InvalidInput("city_required", "city", "请指明查看哪个市（州）的资金情况")
        return own
    if named != own and not actor.governs(named):
        raise Forbidden("region_outside_jurisdiction", "city", "只能查看本市的资金情况")
    return named


# ---- ledger ---------------------------------------------------------------------------------


def city_of(region_code: str) -> str:
    """The city whose books a record's money goes through: the city its region lies in."""
    city = regions.city_of(region_code)
    if city is None:  # pragma: no cover - loans, claims and batches are made below a province
        raise ValueError(f"{region_code} lies in no city")
    return city


def post(session: Session, city: str, posting: ledger.Posting, by: str, *, at_commit: bool = False) -> None:
    """Post a movement to one city's books: the posting and its lines with one statement, written
    at once (nothing the command has pending is in them, so it is not written first). `at_commit`:
    written by the unit of work's last statement instead (`shared.db.run_at_commit`), a round trip
    less, for a command that reads nothing of the books after it."""
    values = {"city": city, "kind": posting.kind, "reference": posting.reference, "by": by, "at": clock.stamp(),
              "accounts": [line.account for line in posting.lines],
              "debits": [line.debit_fen for line in posting.lines],
              "credits": [line.credit_fen for line in posting.lines]}
    if at_commit:
        run_at_commit(session, lambda tag: (_posting_clauses(tag), tagged(tag, values)))
        return
    with session.no_autoflush:
        session.execute(_POSTING, tagged(_NOW, values))


def _posting_clauses(tag: str) -> list[tuple[str, str]]:
    """A posting and its lines (given as three arrays) as two WITH clauses, their names and
    parameters (`shared.db.tagged`) after `tag`; one shape whatever the number of lines, so that it is
    compiled once."""
    postings, lines = LedgerPosting.__tablename__, LedgerLine.__tablename__
    head = (f"INSERT INTO {postings} (city_code, kind, reference, posted_by, posted_at) "  # noqa: S608
            f"VALUES (:{tag}_city, :{tag}_kind, :{tag}_reference, :{tag}_by, :{tag}_at) RETURNING id")
    body = (f"INSERT INTO {lines} (posting_id, city_code, account, debit_fen, credit_fen) "  # noqa: S608
            f"SELECT posting_{tag}.id, :{tag}_city, line.account, line.debit_fen, line.credit_fen "
            f"FROM posting_{tag}, unnest(CAST(:{tag}_accounts AS varchar[]), CAST(:{tag}_debits AS bigint[]), "
            f"CAST(:{tag}_credits AS bigint[])) AS line(account, debit_fen, credit_fen)")
    return [(f"posting_{tag}", head), (f"lines_{tag}", body)]


def _posting_statement(tag: str) -> sa.TextClause:
    """The posting and its lines written at once: the two clauses as one statement."""
    (head_name, head), (_, body) = _posting_clauses(tag)
    return sa.text(f"WITH {head_name} AS ({head}) {body}")


_NOW = "now"
_POSTING = _posting_statement(_NOW)


def balance(session: Session, city: str, account: str) -> int:
    return _signed(account, session.scalar(sa.select(_net(city, account))))


def _net(city: str, account: str) -> sa.ScalarSelect:
    """An account's debits less its credits, as a value to select."""
    return (sa.select(sa.func.coalesce(sa.func.sum(LedgerLine.debit_fen - LedgerLine.credit_fen), 0))
            .where(LedgerLine.city_code == city, LedgerLine.account == account).scalar_subquery())


def _signed(account: str, net) -> int:
    return (-1 if account.startswith(ledger.CREDIT_NORMAL_PREFIXES) else 1) * int(net)


def trial_balance(session: Session, city: str) -> dict:
    rows = session.execute(
        sa.select(LedgerLine.account, sa.func.sum(LedgerLine.debit_fen), sa.func.sum(LedgerLine.credit_fen))
        .where(LedgerLine.city_code == city).group_by(LedgerLine.account)).all()
    lines = [ledger.Line(account, int(debit), int(credit)) for account, debit, credit in rows]
    report = ledger.trial_balance(lines)
    report["city_code"], report["city_name"] = city, regions.name_of(city)
    report["reconciliation"] = reconcile(session, city)
    report["balanced"] = report["balanced"] and all(r["matches"] for r in report["reconciliation"])
    for row in report["accounts"]:
        for key in ("debit", "credit", "balance"):
            row[f"{key}_yuan"] = fen_to_yuan(row.pop(f"{key}_fen"))
    for key in ("debit", "credit"):
        report[f"{key}_yuan"] = fen_to_yuan(report.pop(f"{key}_fen"))
    return report


def cities_keeping_books(session: Session) -> list[str]:
    """Every city with postings or partner banks, and the programme's own."""
    posted = session.scalars(sa.select(LedgerPosting.city_code).distinct())
    partnered = session.scalars(sa.select(BankPartnership.city_code).distinct())
    return sorted({programme_city(), *posted, *partnered})


def in_city(column, city: str):
    """A record's region column lies in the city."""
    return column.startswith(regions.jurisdiction_prefix(city), autoescape=True)


def reconcile(session: Session, city: str) -> list[dict]:
    """Per bank the city works with, the ledger's guaranteed principal against the loans' own
    outstanding principal."""
    per_loan = dict(session.execute(
        sa.select(GuaranteedLoan.bank_code, sa.func.sum(GuaranteedLoan.outstanding_principal_fen))
        .where(GuaranteedLoan.status.in_(loan_rules.IN_REPAYMENT + ("defaulted",)),
               in_city(GuaranteedLoan.region_code, city))
        .group_by(GuaranteedLoan.bank_code)).all())
    partners = session.scalars(sa.select(BankPartnership.bank_code).where(BankPartnership.city_code == city))
    codes = sorted(set(per_loan) | set(partners))
    result = []
    for code in codes:
        booked, loans = balance(session, city, ledger.guaranteed(code)), int(per_loan.get(code) or 0)
        result.append({"bank_code": code, "ledger_yuan": fen_to_yuan(booked),
                       "loans_yuan": fen_to_yuan(loans), "matches": booked == loans})
    return result


# ---- the guarantee fund ---------------------------------------------------------------------


def _outstanding(city: str) -> sa.ColumnElement[int]:
    """Principal the city's fund stands behind: approved but not yet lent, plus what is lent and
    unpaid, as the trigger on loans keeps it (`fund_exposure`): one row, where summing the city's
    loans took longer with every loan, under the fund's lock."""
    return sa.func.coalesce(sa.select(fund_exposure.c.exposure_fen)
                            .where(fund_exposure.c.city_code == city).scalar_subquery(), 0)


def _year_row(city: str, year: int):
    return sa.and_(FundYear.city_code == city, FundYear.year == year)


@functools.lru_cache(maxsize=64)
def _headroom_figures(city: str, last_year: int) -> sa.Select:
    """The statement of `fund_headroom`'s figures, built once per city and year: building it (and its
    cache key) cost the process more than twice what running it did."""
    year = _year_row(city, last_year)
    return sa.select(sa.select(FundYear.repayment_rate_bp).where(year).scalar_subquery(),
                     sa.exists().where(year), _net(city, ledger.FUND), _outstanding(city))


def fund_headroom(session: Session, city: str, on: dt.date, *,
                  keep: bool = True) -> tuple[FundPolicy, int, int, int | None]:
    """What a city's fund may stand behind on a day: (policy, ceiling, outstanding, last year's
    repayment rate), its figures read with one statement; last year's rate is worked out from the
    ledger the first time a decision asks for it (`keep`: once a year per city)."""
    policy = fund_policy(session, on)
    rate, known, fund, outstanding = session.execute(_headroom_figures(city, on.year - 1)).one()
    if not known:
        rate = year_rate(session, city, on.year - 1, keep=keep).repayment_rate_bp
    ceiling = loan_rules.fund_ceiling(policy, _signed(ledger.FUND, fund), rate)
    return policy, ceiling, int(outstanding), rate


def ledger_repayment(session: Session, city: str, year: int) -> tuple[int, int, int | None]:
    """A city's year from its ledger: (principal repaid, principal outstanding when loans defaulted,
    the repayment rate in basis points: repaid over both, none when neither happened)."""
    start, end = (dt.datetime(y, 1, 1, tzinfo=clock.SHANGHAI) for y in (year, year + 1))
    of_kind = lambda kind: sa.func.coalesce(sa.func.sum(LedgerLine.debit_fen).filter(  # noqa: E731
        LedgerPosting.kind == kind), 0)
    repaid, defaulted = session.execute(
        sa.select(of_kind("principal_repaid"), of_kind("loan_compensated")).select_from(LedgerLine)
        .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
        .where(LedgerLine.city_code == city, LedgerLine.account == ledger.EXPOSURE,
               LedgerPosting.posted_at >= start, LedgerPosting.posted_at < end)).one()
    repaid, defaulted = int(repaid), int(defaulted)
    return repaid, defaulted, loan_rules.repayment_rate_bp(repaid, defaulted)


def year_rate(session: Session, city: str, year: int, *, keep: bool = True) -> FundYear:
    """The city's repayment rate of an ended year: as recorded, or worked out from the ledger now and
    kept (a year's postings no longer change once it has ended); a read (`keep` false) only works it out."""
    if (record := session.get(FundYear, (city, year))) is not None:
        return record
    read_only = _kept(session).setdefault("years", {})  # worked out once for a read, not kept
    if not keep and (city, year) in read_only:
        return read_only[city, year]
    repaid, defaulted, rate = ledger_repayment(session, city, year)
    worked_out = dict(city_code=city, year=year, repayment_rate_bp=rate, source="ledger", repaid_fen=repaid,
                      defaulted_fen=defaulted, ledger_rate_bp=rate, recorded_by="系统（按账簿计算）")
    if not keep:
        read_only[city, year] = FundYear(**worked_out, reason=None)
        return read_only[city, year]
    session.execute(insert(FundYear).values(**worked_out, recorded_at=clock.stamp()).on_conflict_do_nothing())
    return cast(FundYear, session.get(FundYear, (city, year), populate_existing=True))


def fund_position(session: Session, city: str, on: dt.date) -> dict:
    """The fund as its page shows it (a read: last year's rate worked out, not kept)."""
    policy, ceiling, outstanding, rate = fund_headroom(session, city, on, keep=False)
    fund = balance(session, city, ledger.FUND)
    year = year_rate(session, city, on.year - 1, keep=False)
    return {
        "city_code": city, "city_name": regions.name_of(city),
        "as_of": on.isoformat(), "policy_code": policy.code,
        "fund_balance_fen": fund, "last_year_repayment_rate_bp": rate,
        "repayment_rate": {"year": year.year, "rate_bp": year.repayment_rate_bp, "source": year.source,
                           "reason": year.reason, "recorded_by": year.recorded_by,
                           "ledger_rate_bp": year.ledger_rate_bp, "repaid_fen": year.repaid_fen,
                           "defaulted_fen": year.defaulted_fen,
                           "high_leverage_from_bp": policy.high_leverage_repayment_rate_bp},
        "leverage": ceiling // fund if fund else policy.leverage,
        "ceiling_fen": ceiling, "outstanding_fen": outstanding,
        "headroom_fen": max(0, ceiling - outstanding),
        "subsidy_budget_fen": balance(session, city, ledger.BUDGET),
        "subsidy_available_fen": subsidy_available(session, city),
    }


def subsidy_available(session: Session, city: str) -> int:
    """The city's subsidy budget less what its approved, unpaid batches have already promised."""
    promised = session.scalar(sa.select(sa.func.coalesce(sa.func.sum(SubsidyBatch.total_fen), 0))
                              .where(SubsidyBatch.status == "approved", in_city(SubsidyBatch.region_code, city)))
    return balance(session, city, ledger.BUDGET) - int(promised or 0)


def require_budget(session: Session, city: str, total_fen: int, what: str) -> int:
    """The city's budget's available balance, which must cover `total_fen` (one decision at a time)."""
    lock(session, BUDGET_LOCK, city)
    available = subsidy_available(session, city)
    if total_fen > available:
        raise InvalidState("budget_insufficient", None,
                           f"补贴资金可用余额{fen_to_yuan(available)}元，不足以发放{what}{fen_to_yuan(total_fen)}元")
    return available


_LOCK = sa.select(sa.func.pg_advisory_xact_lock(sa.bindparam("key", type_=sa.Integer),
                                                 sa.bindparam("city", type_=sa.Integer)))


def lock(session: Session, key: int, city: str) -> None:
    """One decision against one city's balance at a time (other cities' go on). The lock goes with
    the transaction's next statement, in its round trip (`shared.dbapi`); that one reads the
    balance as it stands once the lock is granted."""
    session.execute(_LOCK, {"key": key, "city": int(regions.jurisdiction_prefix(city))},
                    execution_options={WITH_NEXT: True})


def require_loan(session: Session, loan_id: str, *, for_update: bool = False) -> GuaranteedLoan:
    loan = session.get(GuaranteedLoan, loan_id, with_for_update=for_update or None)
    if loan is None:
        raise NotFound("loan_not_found", None, "没有这笔贷款，或无权查看")
    return loan
