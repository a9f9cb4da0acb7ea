"""The guaranteed loan's service layer: load, apply the domain's rules, save, record the events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, aliased, lazyload, noload, object_session

from services.finance.domain import ledger
from services.finance.domain import loans as loan_rules
from services.finance.handlers import books
from services.finance.models import (
    Bank,
    GuaranteedLoan,
    Instalment,
    KnownEnterprise,
    KnownEntrepreneur,
    KnownHeadcountReport,
    LoanPartner,
    LoanStep,
    Repayment,
)
from shared import clock, events, regions
from shared.actors import Actor, require_role
from shared.contracts import TodoItem
from shared.contracts import finance as fe
from shared.contracts.finance import (
    LoanApprove,
    LoanCreate,
    LoanDisburse,
    LoanListQuery,
    RepaymentCreate,
)
from shared.db import (
    in_region,
    insert_at_commit,
    new_id,
    run_at_commit,
    tagged,
    text_contains,
    update_at_commit,
    visible_to,
    write_at_commit,
)
from shared.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from shared.money import fen_to_yuan, yuan_to_fen

# what waits for the bank: to review, to confirm, to lend, overdue to chase (loans being repaid on
# time wait for nothing and are under 本行全部贷款)
LIAISON_QUEUE = ("under_bank_review", "awaiting_confirmation", "approved", "overdue")
RESUBMITTABLE = ("ineligible", "rejected", "withdrawn")  # an application its applicant may correct and send again


def _percent(bp: int | None) -> str | None:
    return None if bp is None else f"{Decimal(bp) / 100:.2f}"


# ---- who may see what -----------------------------------------------------------------------


def can_view(actor: Actor, loan: GuaranteedLoan) -> bool:
    return actor.may_see(owner_account_id=loan.applicant_account_id, region_code=loan.region_code,
                         bank_code=loan.bank_code)


def _partner_of(actor: Actor) -> sa.ColumnElement[bool]:
    """The loan is a partnership's of which the caller is a member: it is theirs too (they read it,
    only its applicant acts on it)."""
    return sa.exists().where(LoanPartner.loan_id == GuaranteedLoan.id,
                             LoanPartner.entrepreneur_id == KnownEntrepreneur.id,
                             KnownEntrepreneur.account_id == actor.user_id)


def _member_sees(session: Session, actor: Actor, loan: GuaranteedLoan) -> bool:
    return (actor.role == "entrepreneur" and loan.borrower_kind == "partnership"
            and bool(session.scalar(sa.select(_partner_of(actor)).where(GuaranteedLoan.id == loan.id))))


def scope(statement, actor: Actor):
    seen = visible_to(actor, owner=GuaranteedLoan.applicant_account_id, region=GuaranteedLoan.region_code,
                      bank=GuaranteedLoan.bank_code)
    return statement.where(sa.or_(seen, _partner_of(actor)) if actor.role == "entrepreneur" else seen)


STEP_FIELDS = ("at", "actor", "action", "note")
REPAYMENT_FIELDS = ("id", "paid_on", "amount_fen", "interest_fen", "principal_fen", "recorded_by")
PLAN_FIELDS = ("number", "due_on", "principal_fen", "interest_fen", "principal_paid_fen", "interest_paid_fen")
STORED = "finance_stored"  # session.info: loan id -> (its timeline, its repayments) as `get` read them
PLANNED = "finance_planned"  # session.info: loan id -> its schedule as a bank's command holds it (`for_bank`)


class StoredRepayment(NamedTuple):
    """A repayment as `get` read it with its loan (what an answer shows of it)."""

    id: str
    paid_on: dt.date
    amount_fen: int
    interest_fen: int
    principal_fen: int
    recorded_by: str


def _rows_as_arrays(table: sa.Table, fields: tuple[str, ...], *order: str) -> sa.LateralFromClause:
    """The loan's rows of `table`, each of `fields` as one array in `order` (one row in all)."""
    ordering = [table.c[name] for name in order]
    return sa.select(*(sa.func.array_agg(aggregate_order_by(table.c[name], *ordering)).label(name) for name in fields)
                     ).where(table.c.loan_id == GuaranteedLoan.id).lateral(f"{table.name}_of_loan")


def _loan_statements() -> tuple[sa.Select, sa.Select, sa.Select]:
    """The loan with its timeline and its repayments beside it as arrays, one row in all (joined,
    each step repeated the loan's fifty columns and made an object for the ORM to track, and the
    repayments were a statement of their own); the same with its schedule too, for a bank's
    command (a repayment read it with a statement of its own); and those arrays alone."""
    steps = _rows_as_arrays(LoanStep.__table__, STEP_FIELDS, "id")
    repaid = _rows_as_arrays(Repayment.__table__, REPAYMENT_FIELDS, "paid_on", "recorded_at")
    planned = _rows_as_arrays(Instalment.__table__, PLAN_FIELDS, "number")
    loans = GuaranteedLoan.__table__
    joined = loans.join(steps, sa.true()).join(repaid, sa.true())
    key = GuaranteedLoan.id == sa.bindparam("loan_id")
    options = (lazyload(GuaranteedLoan.instalments), lazyload(GuaranteedLoan.repayments),
               lazyload(GuaranteedLoan.history))
    return (sa.select(GuaranteedLoan, *steps.c, *repaid.c).select_from(joined).options(*options).where(key),
            sa.select(GuaranteedLoan, *steps.c, *repaid.c, *planned.c)
            .select_from(joined.join(planned, sa.true())).options(*options).where(key),
            sa.select(*steps.c, *repaid.c, *planned.c).select_from(joined.join(planned, sa.true())).where(key))


def _rows(arrays) -> list[tuple]:
    """The rows that `_rows_as_arrays` gave as one array per field (None: the loan has none)."""
    return list(zip(*(array or () for array in arrays), strict=True))


# built once: Session.get with loader options built its statement, and its cache key, on every call
# (a third of the read's cost in the process)
_LOAN_BY_ID, _LOAN_WITH_PLAN, _LOAN_ARRAYS = _loan_statements()
# the loan's version as the statement's snapshot has it; the row it locks is the latest, re-read
# after a wait for another command's lock
_SEEN = aliased(GuaranteedLoan, name="seen")
_VERSION_SEEN = sa.select(_SEEN.version).where(_SEEN.id == GuaranteedLoan.id).scalar_subquery()
# a bank's command holds the loan's row until it commits (`for_bank`); the first statement of the
# command, it reads the count of the books' small tables too (`books.note_generation`)
_LOAN_TO_CHANGE = _LOAN_WITH_PLAN.add_columns(books.GENERATION_NOW, _VERSION_SEEN).with_for_update(of=GuaranteedLoan)


def get(session: Session, actor: Actor, loan_id: str, *, lock: bool = False) -> GuaranteedLoan:
    """The loan with its timeline and its stored repayments, in one statement; its schedule is read
    when first used (a loan not yet disbursed has none, and `read` does not ask). `lock`: its row
    held until the transaction ends, read as the command's first statement, with its schedule
    (`_plan`); if it waited for another command's hold, the timeline, repayments and schedule that
    one left are read after it (the statement's snapshot predates them)."""
    row = session.execute(_LOAN_TO_CHANGE if lock else _LOAN_BY_ID, {"loan_id": loan_id}).one_or_none()
    if row is None:
        raise NotFound("loan_not_found", None, "没有这笔贷款，或无权查看")
    loan, *arrays = row
    if lock:
        seen, generation = arrays.pop(), arrays.pop()
        if seen == loan.version:
            books.note_generation(session, generation)
        else:  # it waited for another command on the loan: what that one added is read now
            arrays = list(session.execute(_LOAN_ARRAYS, {"loan_id": loan_id}).one())
        planned = arrays[len(STEP_FIELDS) + len(REPAYMENT_FIELDS):]
        session.info.setdefault(PLANNED, {})[loan.id] = [loan_rules.Instalment(*row) for row in _rows(planned)]
    steps, repaid = arrays[:len(STEP_FIELDS)], arrays[len(STEP_FIELDS):len(STEP_FIELDS) + len(REPAYMENT_FIELDS)]
    session.info.setdefault(STORED, {})[loan.id] = (
        [dict(zip(STEP_FIELDS, step, strict=True)) for step in _rows(steps)],
        [StoredRepayment(*repayment) for repayment in _rows(repaid)])
    if not (can_view(actor, loan) or _member_sees(session, actor, loan)):
        raise NotFound("loan_not_found", None, "没有这笔贷款，或无权查看")
    return loan


def as_bank_liaison(actor: Actor, loan: GuaranteedLoan) -> None:
    require_role(actor, "bank_liaison")
    if loan.bank_code != actor.bank_code:  # get() already hides other banks' loans
        raise NotFound("loan_not_found", None, "没有这笔贷款，或无权查看")


def check_version(loan: GuaranteedLoan, expected: int | None) -> None:
    if expected is not None and expected != loan.version:
        raise Conflict("stale_version", "expected_version", "贷款已被他人修改，请刷新后重试")


def for_bank(session: Session, actor: Actor, loan_id: str, expected_version: int | None,
             *statuses: str) -> GuaranteedLoan:
    """The loan a liaison of its bank acts on, as they saw it, in a status that allows the act. Its
    row is held until the command commits, with what the command changes of it written then
    (`update_at_commit`): a second command on the loan waits for the first, then sees what it did."""
    loan = get(session, actor, loan_id, lock=True)
    as_bank_liaison(actor, loan)
    update_at_commit(session, loan)
    check_version(loan, expected_version)
    loan_rules.require_status(loan.status, *statuses)
    return loan


# ---- reads ----------------------------------------------------------------------------------


def read(session: Session, loan: GuaranteedLoan, *, schedule: list | None = None, lent_now: bool = False) -> dict:
    """The whole loan: its terms, schedule, repayments and timeline, as stored (pending changes are
    written first, so that the answer's version is the row's).

    `schedule`: the instalments as the command just computed and wrote them, not read back (the
    36 rows a disbursement wrote were a fifth of its cost); `lent_now`: lent by this command, so
    without repayments to read."""
    session.flush()
    disbursed = loan.disbursed_on is not None
    return {**summary(loan, books.bank(session, loan.bank_code)),
            "instalments": [_instalment(row) for row in (schedule if schedule is not None else loan.instalments)]
            if disbursed else [],
            "repayments": [_repayment(row) for row in _repayments(session, loan)] if disbursed and not lent_now else [],
            "history": _timeline(session, loan),
            "partners": [{"entrepreneur_id": p.entrepreneur_id, "name": p.name} for p in loan.partners]
            if loan.borrower_kind == "partnership" else [],
            # only a refused, ineligible or withdrawn application can have been corrected and sent again
            "resubmitted_as": session.scalar(sa.select(GuaranteedLoan.id).where(
                GuaranteedLoan.resubmission_of == loan.id)) if loan.status in RESUBMITTABLE else None}


def waiting_since(loan: GuaranteedLoan) -> dt.date | None:
    """Since when a loan in its bank's queue has waited: for review since it was applied for, for
    the second liaison or for lending since the contract's day (as the liaison's to-do list counts)."""
    if loan.status == "under_bank_review":
        return loan.applied_on
    if loan.status in ("awaiting_confirmation", "approved"):
        return loan.contract_date
    return None


def summary(loan: GuaranteedLoan, bank) -> dict:
    """The loan as a list shows it (no schedule, repayments or timeline)."""
    approved = loan.approved_amount_fen
    since = waiting_since(loan)
    return {
        "id": loan.id, "borrower_kind": loan.borrower_kind, "borrower_name": loan.borrower_name,
        "borrower_kind_name": fe.BORROWER_KIND_NAMES[loan.borrower_kind], "cap_basis": loan.cap_basis,
        "enterprise_kind": loan.enterprise_kind, "priority": loan.priority,
        "waiting_days": None if since is None else max(0, (clock.today() - since).days),
        "entrepreneur_id": loan.entrepreneur_id, "enterprise_id": loan.enterprise_id,
        "region_code": loan.region_code, "region_name": regions.full_name(loan.region_code),
        "bank_code": loan.bank_code, "bank_name": bank.name,
        "amount_yuan": fen_to_yuan(loan.amount_fen), "term_months": loan.term_months,
        "purpose": loan.purpose, "repayment_method": loan.repayment_method,
        "status": loan.status, "status_name": loan_rules.STATUS_NAMES[loan.status],
        "policy_code": loan.policy_code, "failures": loan.failures, "resubmission_of": loan.resubmission_of,
        "approved_amount_yuan": None if approved is None else fen_to_yuan(approved),
        "approved_term_months": loan.approved_term_months, "contract_date": loan.contract_date,
        "lpr_percent": _percent(loan.lpr_bp), "rate_percent": _percent(loan.rate_bp),
        "needs_confirmation": approved is not None and loan_rules.needs_confirmation(
            approved, bank.confirmation_threshold_fen),
        "maker": loan.maker, "checker": loan.checker, "rejection_reason": loan.rejection_reason,
        "disbursed_on": loan.disbursed_on,
        "outstanding_principal_yuan": fen_to_yuan(loan.outstanding_principal_fen),
        "interest_paid_yuan": fen_to_yuan(loan.interest_paid_fen), "days_overdue": loan.days_overdue,
        "compensation_yuan": None if loan.compensation_fen is None else fen_to_yuan(loan.compensation_fen),
        "closed_on": loan.closed_on, "applied_at": loan.applied_at, "version": loan.version,
    }


def _instalment(row: Instalment | loan_rules.Instalment) -> dict:
    return {"number": row.number, "due_on": row.due_on,
            "principal_yuan": fen_to_yuan(row.principal_fen), "interest_yuan": fen_to_yuan(row.interest_fen),
            "principal_paid_yuan": fen_to_yuan(row.principal_paid_fen),
            "interest_paid_yuan": fen_to_yuan(row.interest_paid_fen),
            "paid_yuan": fen_to_yuan(row.principal_paid_fen + row.interest_paid_fen),
            "paid": row.principal_paid_fen + row.interest_paid_fen == row.principal_fen + row.interest_fen}


def _repayment(row) -> dict:
    """A repayment, stored (a row) or recorded now (a Repayment)."""
    return {"id": row.id, "paid_on": row.paid_on, "amount_yuan": fen_to_yuan(row.amount_fen),
            "interest_yuan": fen_to_yuan(row.interest_fen), "principal_yuan": fen_to_yuan(row.principal_fen),
            "recorded_by": row.recorded_by}


def list_loans(session: Session, actor: Actor, query: LoanListQuery) -> dict:
    statement = scope(sa.select(GuaranteedLoan), actor)
    details = (noload(GuaranteedLoan.instalments), noload(GuaranteedLoan.repayments),
               noload(GuaranteedLoan.history), noload(GuaranteedLoan.partners))
    if query.status:
        statement = statement.where(GuaranteedLoan.status == query.status)
    if query.queue:
        statement = statement.where(GuaranteedLoan.status.in_(LIAISON_QUEUE))
    if query.entrepreneur_id:
        statement = statement.where(GuaranteedLoan.entrepreneur_id == query.entrepreneur_id)
    if query.enterprise_id:
        statement = statement.where(GuaranteedLoan.enterprise_id == query.enterprise_id)
    if query.priority:
        statement = statement.where(GuaranteedLoan.priority)
    if query.q:
        statement = statement.where(sa.or_(text_contains(query.q, GuaranteedLoan.borrower_name),
                                           GuaranteedLoan.id.startswith(query.q.lower(), autoescape=True)))
    if query.borrower_kind:
        statement = statement.where(GuaranteedLoan.borrower_kind == query.borrower_kind)
    if query.bank_code:
        statement = statement.where(GuaranteedLoan.bank_code == query.bank_code)
    if query.region_code:
        statement = statement.where(in_region(GuaranteedLoan.region_code, query.region_code))
    total = session.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))
    # a bank's queue: small and micro enterprises and co-operatives first (seed 001), then the oldest
    order = ((GuaranteedLoan.priority.desc(), GuaranteedLoan.applied_at) if query.queue
             else (GuaranteedLoan.applied_at.desc(),))
    rows = session.scalars(statement.options(*details).order_by(*order)
                           .limit(query.per_page).offset((query.page - 1) * query.per_page))
    banks = {bank.code: bank for bank in session.scalars(sa.select(Bank))}
    return {"items": [summary(loan, banks[loan.bank_code]) for loan in rows], "total": total,
            "page": query.page, "per_page": query.per_page}


def liaison_todo(session: Session, actor: Actor) -> list[dict]:
    """A liaison's loans of their bank waiting for them: to review (oldest first), to confirm as the
    second liaison (not those they approved themselves), to lend, and overdue."""
    mine = GuaranteedLoan.bank_code == actor.bank_code

    def gathered(kind: str, title: str, status: str, *where, since=None) -> dict:
        count, oldest = session.execute(
            sa.select(sa.func.count(), sa.func.min(since) if since is not None else sa.null())
            .where(mine, GuaranteedLoan.status == status, *where)).one()
        return TodoItem(kind=kind, title=title, count=count, waiting_since=oldest, link="/loans").as_json()

    return [gathered("loans_to_review", "待审批的贷款申请", "under_bank_review", since=GuaranteedLoan.applied_on),
            gathered("loans_to_confirm", "超过复核金额，待另一位联络员复核", "awaiting_confirmation",
                     GuaranteedLoan.maker != actor.username, since=GuaranteedLoan.contract_date),
            gathered("loans_to_disburse", "已审批，待放款", "approved", since=GuaranteedLoan.contract_date),
            gathered("loans_overdue", "逾期贷款，待催收", "overdue")]


# ---- application ----------------------------------------------------------------------------


def _fact(loan: GuaranteedLoan) -> dict:
    return {"loan_id": loan.id, "borrower_kind": loan.borrower_kind,
            "entrepreneur_id": loan.entrepreneur_id, "enterprise_id": loan.enterprise_id,
            "region_code": loan.region_code, "bank_code": loan.bank_code}


NEW_STEPS, NEW_REPAYMENTS = "finance_new_steps", "finance_new_repayments"


def _add_with_events(session: Session, kind: str, table: sa.Table, row: dict, shown) -> None:
    """A row of the loan's (`row["loan_id"]`) written with the command's events as it commits (a
    statement of its own was a round trip of every step and repayment); `shown` in the answer."""
    write_at_commit(session, table, row)
    session.info.setdefault(kind, {}).setdefault(row["loan_id"], []).append(shown)


def _added(session: Session, kind: str, loan: GuaranteedLoan) -> list:
    """What this transaction added of `kind` to the loan, to show (`_add_with_events`)."""
    return session.info.get(kind, {}).get(loan.id, [])


def _step(loan: GuaranteedLoan, actor: str, action: str, note: str = "") -> None:
    """A step on the loan's timeline; the answer shows it."""
    session = object_session(loan)
    assert session is not None and loan.id is not None, "a loan of this transaction, stored or flushed"
    row = {"loan_id": loan.id, "at": clock.stamp(), "actor": actor, "action": action, "note": note[:500]}
    _add_with_events(session, NEW_STEPS, LoanStep.__table__, row, row)


def _repayments(session: Session, loan: GuaranteedLoan) -> list:
    """The loan's repayments as stored (as `get` read them, in plain rows: the ORM's objects for
    them were a sixth of a repayment's answer), with those this transaction records, in the order a
    read gives them (by the day paid)."""
    kept = session.info.get(STORED, {}).get(loan.id)
    stored = kept[1] if kept is not None else [StoredRepayment(*(getattr(row, name) for name in REPAYMENT_FIELDS))
                                               for row in loan.repayments]
    new = _added(session, NEW_REPAYMENTS, loan)
    return sorted([*stored, *new], key=lambda row: row.paid_on) if new else stored


def _timeline(session: Session, loan: GuaranteedLoan) -> list[dict]:
    """The loan's steps as stored (as `get` read them, or the ORM's), then those this transaction has added."""
    kept = session.info.get(STORED, {}).get(loan.id)
    stored = kept[0] if kept is not None else [{name: getattr(step, name) for name in STEP_FIELDS}
                                               for step in loan.history]
    return stored + [{name: row[name] for name in STEP_FIELDS} for row in _added(session, NEW_STEPS, loan)]


# an application's first statement: it reads the count of the books' small tables too (`books.note_generation`)
_PERSON_OF_ACCOUNT = sa.select(KnownEntrepreneur, books.GENERATION_NOW).where(
    KnownEntrepreneur.account_id == sa.bindparam("account_id"))


def _borrower(session: Session, actor: Actor, data: LoanCreate) -> tuple[KnownEntrepreneur, KnownEnterprise | None]:
    """The applicant as finance knows them, and the enterprise they apply for; the first statement
    of an application or of its assessment."""
    found = session.execute(_PERSON_OF_ACCOUNT, {"account_id": actor.user_id}).one_or_none()
    if found is None:
        raise InvalidState("entrepreneur_not_registered", "borrower",
                           "请先登记创业者信息（登记后稍候片刻即可申请）")
    person, generation = found
    books.note_generation(session, generation)
    if data.borrower_kind != "enterprise":
        return person, None
    firm = session.get(KnownEnterprise, data.enterprise_id)
    if firm is None or firm.owner_entrepreneur_id != person.id:
        raise InvalidInput("enterprise_not_owned", "enterprise_id", "只能以本人创办的经营主体名义申请")
    return person, firm


@dataclass(frozen=True)
class Member:
    """A partnership's member as the application names them and the registry knows them."""

    name: str
    record: KnownEntrepreneur | None  # finance's copy of their record
    known: dict | None  # the registry's answer: entrepreneur_id, name, verified


def _partners(session: Session, person: KnownEntrepreneur, data: LoanCreate,
              known: dict[str, dict]) -> list[Member] | None:
    """The other members of a partnership, each checked against the registry: the number must be a
    registered person's and the name theirs; none for any other kind of borrower."""
    if data.borrower_kind != "partnership":
        return None
    members = []
    for partner in data.partners:
        found = known.get(partner.id_number)
        if found is not None and found["name"] != partner.name:
            raise InvalidInput("partner_name_mismatch", "partners",
                               f"合伙人{partner.name}的姓名与身份证号码登记的不一致")
        if found is not None and found["entrepreneur_id"] == person.id:
            raise InvalidInput("partner_is_applicant", "partners", "其他合伙人中不要填写申请人本人")
        record = session.get(KnownEntrepreneur, found["entrepreneur_id"]) if found else None
        members.append(Member(partner.name, record, found))
    return members


def _loans_touching_statement() -> sa.Select:
    people = sa.bindparam("people", expanding=True)
    owned = sa.select(KnownEnterprise.id).where(KnownEnterprise.owner_entrepreneur_id.in_(people))
    partnered = sa.select(LoanPartner.loan_id).where(LoanPartner.entrepreneur_id.in_(people))
    return (sa.select(GuaranteedLoan.id, GuaranteedLoan.status, GuaranteedLoan.enterprise_id,
                      GuaranteedLoan.entrepreneur_id, GuaranteedLoan.borrower_kind,
                      KnownEnterprise.owner_entrepreneur_id, LoanPartner.entrepreneur_id)
            .outerjoin(KnownEnterprise, KnownEnterprise.id == GuaranteedLoan.enterprise_id)
            .outerjoin(LoanPartner, LoanPartner.loan_id == GuaranteedLoan.id)
            # the three ways a loan is a person's, each by its own index: one OR of them read every
            # loan (an application's check took longer with every loan ever made)
            .where(GuaranteedLoan.id.in_(sa.union(
                sa.select(GuaranteedLoan.id).where(GuaranteedLoan.entrepreneur_id.in_(people)),
                sa.select(GuaranteedLoan.id).where(GuaranteedLoan.enterprise_id.in_(owned)),
                partnered))))


_LOANS_TOUCHING = _loans_touching_statement()


def _loans_touching(session: Session, person_ids: list[str]) -> dict[str, list[tuple[str, str, str | None]]]:
    """Per person, the (id, status, enterprise) of every loan that is theirs: in their own name, of
    an enterprise they lead, or of a partnership they are in; one statement for all of them."""
    rows = session.execute(_LOANS_TOUCHING, {"people": person_ids}).all()
    touching: dict[str, dict[str, tuple[str, str, str | None]]] = {pid: {} for pid in person_ids}
    for loan_id, status, enterprise_id, applicant, kind, owner, partner in rows:
        for pid in {applicant, owner, partner} & set(person_ids):
            touching[pid][loan_id] = (status, kind, enterprise_id)
    return {pid: [(loan_id, *row) for loan_id, row in loans.items()] for pid, loans in touching.items()}


def _counts(loans, enterprise_id: str | None = None) -> tuple[int, int]:
    """(lifetime, outstanding) of a borrower: lifetime counts the borrower's own loans (the person's
    in their name or partnerships, or the enterprise's), outstanding every loan of the person's."""
    own = [status for _, status, kind, firm in loans
           if (firm == enterprise_id if enterprise_id else kind in ("individual", "partnership"))]
    return (sum(s in loan_rules.COUNTS_TOWARDS_LIFETIME for s in own),
            sum(s in loan_rules.OUTSTANDING + loan_rules.OPEN_BEFORE_APPROVAL for _, s, _, _ in loans))


def _year_hiring(session: Session, firm: KnownEnterprise, year: int) -> tuple[int | None, int | None]:
    """(staff, new hires) of the enterprise's reports of `year`: the latest quarter's staff and the
    sum of every quarter's new hires (当年新招用)."""
    reports = session.execute(sa.select(KnownHeadcountReport.quarter, KnownHeadcountReport.headcount,
                                        KnownHeadcountReport.new_hires)
                              .where(KnownHeadcountReport.enterprise_id == firm.id,
                                     KnownHeadcountReport.quarter.startswith(f"{year}Q"))).all()
    if not reports:
        return None, None
    return max(reports)[1], sum(row.new_hires for row in reports)


def _facts(session: Session, person: KnownEntrepreneur, firm: KnownEnterprise | None, today: dt.date,
           partners: list[Member] | None = None) -> loan_rules.BorrowerFacts:
    ids = [person.id, *(m.known["entrepreneur_id"] for m in partners or [] if m.known)]
    loans = _loans_touching(session, ids)
    lifetime, outstanding = _counts(loans[person.id], firm.id if firm else None)
    staff, hires = _year_hiring(session, firm, today.year) if firm else (None, None)
    kind = "enterprise" if firm else ("partnership" if partners is not None else "individual")
    return loan_rules.BorrowerFacts(
        kind=kind, registered=True,
        verified=(firm.verified and person.verified) if firm else person.verified,
        lifetime_loans=lifetime, outstanding_loans=outstanding,
        enterprise_kind=firm.kind if firm else None,
        headcount=staff, new_hires=hires, hiring_year=today.year if firm else None,
        partners=(loan_rules.Partner(person.name, True, person.verified, lifetime, outstanding),
                  *(_partner(member, loans) for member in partners)) if partners is not None else ())


def _partner(member: Member, loans: dict) -> loan_rules.Partner:
    if member.known is None:
        return loan_rules.Partner(member.name, False, False, 0, 0)
    verified = member.record.verified if member.record is not None else member.known["verified"]
    return loan_rules.Partner(member.name, True, verified, *_counts(loans[member.known["entrepreneur_id"]]))


def limits(session: Session, actor: Actor, today: dt.date) -> dict:
    """What the form can say before anything is typed: the policy in force, each kind's caps, and
    what already stands in the way of the caller borrowing in their own name."""
    require_role(actor, "entrepreneur")
    policy = books.loan_policy(session, on=today)
    person = session.scalar(sa.select(KnownEntrepreneur).where(KnownEntrepreneur.account_id == actor.user_id))
    blocking = [] if person is None else [f.as_dict() for f in loan_rules.assess(
        policy, _facts(session, person, None, today), 0, 1)]
    return {"policy_code": policy.code, "registered": person is not None, "blocking": blocking,
            "hiring_year": today.year, "enterprise_kinds": list(policy.enterprise_kinds),
            "partnership_cap_percent": _percent(policy.partnership_cap_bp),
            **{kind: {"amount_cap_yuan": fen_to_yuan(loan_rules.amount_cap(policy, kind)),
                      "term_cap_months": loan_rules.term_cap(policy, kind)} for kind in ("individual", "enterprise")}}


def check(session: Session, actor: Actor, data: LoanCreate, today: dt.date, members: dict[str, dict]) -> dict:
    """The assessment an application would get today, without applying: every rule it would break."""
    require_role(actor, "entrepreneur")
    person, firm = _borrower(session, actor, data)
    books.partner_bank(session, data.bank_code, (firm or person).region_code, today)
    policy = books.loan_policy(session, on=today)
    facts = _facts(session, person, firm, today, _partners(session, person, data, members))
    failures = loan_rules.assess(policy, facts, yuan_to_fen(data.amount_yuan), data.term_months)
    if data.resubmits:
        _resubmitted(session, actor, data.resubmits)
    return {"eligible": not failures, "failures": [f.as_dict() for f in failures], "policy_code": policy.code}


def _resubmitted(session: Session, actor: Actor, loan_id: str) -> GuaranteedLoan:
    """The caller's own refused, ineligible or withdrawn application that a new one corrects, once."""
    earlier = session.get(GuaranteedLoan, loan_id)
    if earlier is None or earlier.applicant_account_id != actor.user_id:
        raise NotFound("loan_not_found", "resubmits", "没有这笔贷款申请")
    if earlier.status not in RESUBMITTABLE:
        raise InvalidState("loan_not_resubmittable", "resubmits", "只有未通过、被拒绝或已撤回的申请可以修改后重新申请")
    if session.scalar(sa.select(GuaranteedLoan.id).where(GuaranteedLoan.resubmission_of == loan_id)):
        raise Conflict("loan_already_resubmitted", "resubmits", "这笔申请已经修改后重新申请过")
    return earlier


def apply(uow, actor: Actor, data: LoanCreate, today: dt.date, members: dict[str, dict]) -> dict:
    require_role(actor, "entrepreneur")
    session = uow.session
    person, firm = _borrower(session, actor, data)
    earlier = _resubmitted(session, actor, data.resubmits) if data.resubmits else None
    bank = books.partner_bank(session, data.bank_code, (firm or person).region_code, today)
    policy = books.loan_policy(session, on=today)
    amount = yuan_to_fen(data.amount_yuan)
    partners = _partners(session, person, data, members)
    facts = _facts(session, person, firm, today, partners)
    failures = loan_rules.assess(policy, facts, amount, data.term_months)
    if failures and data.only_if_eligible:
        raise loan_rules.not_eligible(failures)
    basis = loan_rules.cap_basis(policy, facts.kind, facts.enterprise_kind)
    loan = GuaranteedLoan(resubmission_of=earlier.id if earlier else None,
        borrower_kind=data.borrower_kind, cap_basis=basis, enterprise_kind=facts.enterprise_kind,
        priority=facts.enterprise_kind in policy.enterprise_kinds, entrepreneur_id=person.id,
        enterprise_id=firm.id if firm else None, applicant_account_id=actor.user_id,
        borrower_name=firm.name if firm else (
            f"{person.name}等{len(facts.partners)}人（合伙创业）" if partners is not None else person.name),
        region_code=firm.region_code if firm else person.region_code, bank_code=bank.code,
        amount_fen=amount, term_months=data.term_months, purpose=data.purpose,
        repayment_method=data.repayment_method, policy_code=policy.code,
        status="ineligible" if failures else "under_bank_review",
        failures=[f.as_dict() for f in failures], applied_on=today, history=[], instalments=[], repayments=[])
    loan.id = new_id()
    if partners is not None:
        loan.partners = [LoanPartner(loan_id=loan.id, entrepreneur_id=person.id, position=0, name=person.name)] + [
            LoanPartner(loan_id=loan.id, entrepreneur_id=m.known["entrepreneur_id"], position=n, name=m.name)
            for n, m in enumerate(partners, start=1) if m.known is not None]
        for partner in loan.partners:
            insert_at_commit(session, partner)
    # written as the command commits: nothing in it reads the new loan's row back
    insert_at_commit(session, loan)
    _step(loan, actor.username, "applied", f"申请{fen_to_yuan(amount)}元，{data.term_months}个月"
          + ("（修改原申请后重新申请）" if earlier else ""))
    if earlier is not None:
        _step(earlier, actor.username, "resubmitted", f"已修改后重新申请，{fen_to_yuan(amount)}元，{data.term_months}个月")
    _step(loan, "系统", "assessed", "；".join(f.message for f in failures) or f"符合条件（{policy.code}）")
    uow.publish(events.make_event(fe.LoanApplied(
        **_fact(loan), amount_fen=amount, term_months=data.term_months, applied_on=today)))
    uow.publish(events.make_event(fe.LoanEligibilityAssessed(
        **_fact(loan), eligible=not failures, failures=loan.failures, policy_code=policy.code)))
    return read(session, loan)


def withdraw(uow, actor: Actor, loan_id: str) -> dict:
    loan = get(uow.session, actor, loan_id)
    if loan.applicant_account_id != actor.user_id:
        raise Forbidden("not_applicant", None, "只有申请人本人可以撤回申请")
    loan_rules.require_status(loan.status, *loan_rules.OPEN_BEFORE_APPROVAL)
    loan.status = "withdrawn"
    _step(loan, actor.username, "withdrawn")
    uow.publish(events.make_event(fe.LoanWithdrawn(**_fact(loan), withdrawn_by=actor.username)))
    return read(uow.session, loan)


# ---- the bank's decision --------------------------------------------------------------------


def approve(uow, actor: Actor, loan_id: str, data: LoanApprove, today: dt.date) -> dict:
    session = uow.session
    loan = for_bank(session, actor, loan_id, data.expected_version, "under_bank_review")
    contract_date = data.contract_date or today
    if contract_date < loan.applied_on:
        raise InvalidInput("contract_before_application", "contract_date", "合同日期不能早于申请日期")
    policy = books.loan_policy(session, on=contract_date)
    amount = yuan_to_fen(data.amount_yuan)
    loan_rules.check_approval(loan.amount_fen, loan.term_months, amount, data.term_months, policy,
                              loan.cap_basis, len(loan.partners) if loan.borrower_kind == "partnership" else 1)
    lpr = loan_rules.lpr_on(books.lpr_rates(session), contract_date)
    pending = loan_rules.needs_confirmation(amount, books.bank(session, loan.bank_code).confirmation_threshold_fen)
    # the fund is checked before the loan changes, so that the loan's row is written once, at the end
    _check_fund(session, loan, amount, contract_date)
    loan.approved_amount_fen, loan.approved_term_months = amount, data.term_months
    loan.contract_date, loan.contract_policy_code = contract_date, policy.code
    loan.lpr_bp, loan.spread_bp = lpr, data.spread_bp
    loan.rate_bp = loan_rules.contract_rate_bp(lpr, data.spread_bp)
    loan.maker = actor.username
    terms = f"{fen_to_yuan(amount)}元，{data.term_months}个月，年利率{_percent(loan.rate_bp)}%"
    if pending:
        loan.status = "awaiting_confirmation"
        _step(loan, actor.username, "approved_pending", f"{terms}；超过复核金额，待另一位联络员复核")
        return read(session, loan)
    _approved(uow, loan, contract_date)
    _step(loan, actor.username, "approved", terms)
    return read(session, loan)


def confirm(uow, actor: Actor, loan_id: str, expected_version: int | None) -> dict:
    session = uow.session
    loan = for_bank(session, actor, loan_id, expected_version, "awaiting_confirmation")
    loan_rules.check_checker(loan.maker, actor.username)
    _check_fund(session, loan, loan.approved_amount_fen, loan.contract_date)
    loan.checker = actor.username
    _approved(uow, loan, loan.contract_date)
    _step(loan, actor.username, "confirmed", "复核通过")
    return read(session, loan)


def _check_fund(session: Session, loan: GuaranteedLoan, amount_fen: int, on: dt.date) -> None:
    """The loan's city's fund can stand behind `amount_fen` more; its lock is held until the
    transaction ends, so two approvals never both take the last of the headroom."""
    city = books.city_of(loan.region_code)
    books.lock(session, books.FUND_LOCK, city)
    _, ceiling, outstanding, _ = books.fund_headroom(session, city, on)  # not the whole position
    loan_rules.check_fund(ceiling, outstanding, amount_fen)


def _approved(uow, loan: GuaranteedLoan, contract_date: dt.date) -> None:
    """The loan approved (the fund already checked), with its event."""
    loan.status = "approved"
    loan.approved_at = clock.stamp()
    uow.publish(events.make_event(fe.LoanApproved(
        **_fact(loan), amount_fen=loan.approved_amount_fen, term_months=loan.approved_term_months,
        contract_date=contract_date, lpr_bp=loan.lpr_bp, rate_bp=loan.rate_bp,
        policy_code=loan.contract_policy_code, maker=loan.maker, checker=loan.checker)))


def reject(uow, actor: Actor, loan_id: str, reason: str, expected_version: int | None) -> dict:
    loan = for_bank(uow.session, actor, loan_id, expected_version, "under_bank_review", "awaiting_confirmation")
    loan.status, loan.rejection_reason = "rejected", reason
    _step(loan, actor.username, "rejected", reason)
    uow.publish(events.make_event(fe.LoanRejected(**_fact(loan), reason=reason, rejected_by=actor.username)))
    return read(uow.session, loan)


# ---- lending and repayment ------------------------------------------------------------------


_INSTALMENTS = Instalment.__table__
# the schedule's statement, built once (building it cost more than running it)
_PLAN = sa.select(*(_INSTALMENTS.c[name] for name in PLAN_FIELDS)).where(
    _INSTALMENTS.c.loan_id == sa.bindparam("loan_id")).order_by(_INSTALMENTS.c.number)


def _plan(session: Session, loan: GuaranteedLoan) -> list[loan_rules.Instalment]:
    """The loan's schedule as stored, as plain rows (36 objects for the ORM to track were a sixth of
    a repayment's cost): as the bank's command that holds the loan read it with the loan (`get`),
    or read now."""
    held = session.info.get(PLANNED, {}).get(loan.id)
    if held is not None:
        return held
    with session.no_autoflush:  # the schedule is never among a command's pending changes
        rows = session.execute(_PLAN, {"loan_id": loan.id}).all()
    return [loan_rules.Instalment(*row) for row in rows]


def _paid_clause(loan_id: str, changed: list[loan_rules.Instalment]):
    """The instalments' paid amounts as a WITH clause of the committing statement (`run_at_commit`)."""
    def build(tag: str) -> tuple[list[tuple[str, str]], dict]:
        sql = (f"UPDATE {Instalment.__tablename__} AS existing SET principal_paid_fen = paid.principal, "  # noqa: S608
               f"interest_paid_fen = paid.interest FROM unnest(CAST(:{tag}_numbers AS integer[]), "
               f"CAST(:{tag}_principal AS bigint[]), CAST(:{tag}_interest AS bigint[])) "
               f"AS paid(number, principal, interest) "
               f"WHERE existing.loan_id = :{tag}_loan AND existing.number = paid.number")
        return [(f"paid_{tag}", sql)], tagged(tag, {
            "loan": loan_id, "numbers": [i.number for i in changed],
            "principal": [i.principal_paid_fen for i in changed],
            "interest": [i.interest_paid_fen for i in changed]})
    return build


def _store_plan(session: Session, loan: GuaranteedLoan, before: list[loan_rules.Instalment],
                plan: list[loan_rules.Instalment]) -> None:
    """The instalments a payment changed, and the loan's outstanding principal. The bank's command
    holds the loan (`for_bank`) and nothing of it reads the schedule back, so the instalments are
    written as it commits, with its last statement (a round trip less)."""
    changed = [new for old, new in zip(before, plan, strict=True) if old != new]
    if changed:
        run_at_commit(session, _paid_clause(loan.id, changed))
    session.info.setdefault(PLANNED, {})[loan.id] = plan
    loan.outstanding_principal_fen = loan_rules.outstanding_principal(plan)


def disburse(uow, actor: Actor, loan_id: str, data: LoanDisburse, today: dt.date) -> dict:
    session = uow.session
    loan = for_bank(session, actor, loan_id, data.expected_version, "approved")
    on = data.disbursed_on or today
    if loan.contract_date and on < loan.contract_date:
        raise InvalidInput("disbursed_before_contract", "disbursed_on", "放款日期不能早于合同日期")
    plan = loan_rules.schedule(loan.approved_amount_fen, loan.rate_bp, loan.approved_term_months,
                           loan.repayment_method, on)
    # the schedule written with the command's events as it commits, one parameter for its 36 rows
    # (not 36 objects for the ORM to flush: half of a disbursement's cost); nothing in this
    # transaction reads them back: the answer and the event show `plan`
    for i in plan:
        write_at_commit(session, Instalment.__table__, {
            "loan_id": loan.id, "number": i.number, "due_on": i.due_on, "principal_fen": i.principal_fen,
            "interest_fen": i.interest_fen, "principal_paid_fen": 0, "interest_paid_fen": 0})
    session.info.setdefault(PLANNED, {})[loan.id] = plan  # the schedule as this transaction has it
    loan.status, loan.disbursed_on = "disbursed", on
    loan.outstanding_principal_fen = loan.approved_amount_fen
    books.post(session, books.city_of(loan.region_code), ledger.loan_disbursed(
        f"loan:{loan.id}", loan.bank_code, loan.approved_amount_fen), actor.username, at_commit=True)
    _step(loan, actor.username, "disbursed", f"{on.isoformat()}放款{fen_to_yuan(loan.approved_amount_fen)}元")
    uow.publish(events.make_event(fe.LoanDisbursed(
        **_fact(loan), principal_fen=loan.approved_amount_fen, disbursed_on=on,
        maturity_on=plan[-1].due_on, repayment_method=loan.repayment_method)))
    return read(session, loan, schedule=plan, lent_now=True)


def record_repayment(uow, actor: Actor, loan_id: str, data: RepaymentCreate, today: dt.date) -> dict:
    session = uow.session
    loan = for_bank(session, actor, loan_id, None, *loan_rules.IN_REPAYMENT)
    paid_on = data.paid_on or today
    if paid_on < loan.disbursed_on:
        raise InvalidInput("paid_before_disbursement", "paid_on", "还款日期不能早于放款日期")
    amount = yuan_to_fen(data.amount_yuan)
    before = _plan(session, loan)
    plan, interest, principal = loan_rules.allocate(before, amount)
    _store_plan(session, loan, before, plan)
    loan.interest_paid_fen += interest
    row = {"id": new_id(), "loan_id": loan.id, "paid_on": paid_on, "amount_fen": amount, "interest_fen": interest,
           "principal_fen": principal, "recorded_by": actor.username, "recorded_at": clock.stamp()}
    repayment = Repayment(**row)
    _add_with_events(session, NEW_REPAYMENTS, Repayment.__table__, row, repayment)
    if principal:
        books.post(session, books.city_of(loan.region_code), ledger.principal_repaid(
            f"repayment:{repayment.id}", loan.bank_code, principal), actor.username, at_commit=True)
    _step(loan, actor.username, "repayment", f"{paid_on.isoformat()}还款{fen_to_yuan(amount)}元"
          f"（利息{fen_to_yuan(interest)}元，本金{fen_to_yuan(principal)}元）")
    repaid = events.make_event(fe.LoanRepaymentRecorded(
        **_fact(loan), repayment_id=repayment.id, paid_on=paid_on, amount_fen=amount,
        interest_fen=interest, principal_fen=principal,
        outstanding_principal_fen=loan.outstanding_principal_fen))
    _move(uow, loan, plan, today, actor.username, announced=[repaid])
    return read(session, loan, schedule=plan)


def _move(uow, loan: GuaranteedLoan, plan: list[loan_rules.Instalment], today: dt.date, by: str, *,
          announced: list | None = None) -> None:
    """Bring the loan's status in line with its instalments today, with the events that follow;
    `announced`, the events of the change that led here, go first. The loan is changed whole before
    any event is published, so that its row is written once."""
    happened = list(announced or [])
    policy = books.fund_policy(uow.session, today)
    new = loan_rules.status_after(loan.status if loan.status != "disbursed" else "repaying", plan, today, policy)
    loan.days_overdue = loan_rules.days_overdue(plan, today)
    moved = new != loan.status and not (new == "repaying" and loan.status == "disbursed")
    loan.status = new
    if moved:
        happened += _moved(uow, loan, new, today, policy, by)
    for event in happened:
        uow.publish(event)


def _moved(uow, loan: GuaranteedLoan, new: str, today: dt.date, policy, by: str) -> list:
    """The loan's timeline for a new status, and the events of it, to publish."""
    fact = _fact(loan)
    if new == "settled":
        loan.closed_on = today
        _step(loan, by, "settled", "贷款已结清")
        return [events.make_event(fe.LoanSettled(**fact, settled_on=today))]
    if new == "repaying":
        _step(loan, by, "back_to_repaying", "逾期款项已还清，恢复正常还款")
        return [events.make_event(fe.LoanBackToRepaying(**fact, as_of=today))]
    if new == "overdue":
        _step(loan, by, "overdue", f"逾期{loan.days_overdue}天")
        return [events.make_event(fe.LoanOverdue(
            **fact, days_overdue=loan.days_overdue, as_of=today,
            outstanding_principal_fen=loan.outstanding_principal_fen))]
    if new == "defaulted":
        return _default_and_compensate(uow, loan, today, policy, by)
    return []


def _default_and_compensate(uow, loan: GuaranteedLoan, today: dt.date, policy, by: str) -> list:
    """The defaulted loan compensated by the fund; its two events, to publish."""
    outstanding = loan.outstanding_principal_fen
    fact = _fact(loan)
    _step(loan, by, "defaulted", f"逾期超过{policy.default_after_days}天，转为违约")
    defaulted = events.make_event(fe.LoanDefaulted(
        **fact, days_overdue=loan.days_overdue, as_of=today, outstanding_principal_fen=outstanding))
    fund_pays, bank_bears = loan_rules.compensation(policy, outstanding)
    books.post(uow.session, books.city_of(loan.region_code),
               ledger.loan_compensated(f"loan:{loan.id}", loan.bank_code, outstanding, fund_pays), by)
    loan.status, loan.compensation_fen, loan.closed_on = "compensated", fund_pays, today
    loan.outstanding_principal_fen = 0
    _step(loan, by, "compensated", f"担保基金代偿{fen_to_yuan(fund_pays)}元，银行承担{fen_to_yuan(bank_bears)}元")
    return [defaulted, events.make_event(fe.LoanCompensated(
        **fact, outstanding_principal_fen=outstanding, fund_paid_fen=fund_pays,
        bank_borne_fen=bank_bears, as_of=today))]


# ---- the daily sweep ------------------------------------------------------------------------


def loans_to_sweep(session: Session, today: dt.date) -> list[str]:
    """Loans in repayment with an instalment past due and unpaid, not yet checked today.

    A loan paid up to date has nothing for the sweep (a repayment itself moves an overdue loan
    back), so the daily cost follows the late loans, not the whole book.
    """
    late = sa.exists().where(
        Instalment.loan_id == GuaranteedLoan.id, Instalment.due_on < today,
        Instalment.principal_paid_fen + Instalment.interest_paid_fen
        < Instalment.principal_fen + Instalment.interest_fen)
    return list(session.scalars(sa.select(GuaranteedLoan.id).where(
        GuaranteedLoan.status.in_(loan_rules.IN_REPAYMENT), late,
        sa.or_(GuaranteedLoan.checked_on.is_(None), GuaranteedLoan.checked_on < today))))


def sweep_one(uow, loan_id: str, today: dt.date) -> str | None:
    """One loan's overdue check; a loan another instance is holding is left to it."""
    # its schedule is read as plain rows by _plan, its repayments not at all
    loan = uow.session.get(GuaranteedLoan, loan_id, with_for_update={"skip_locked": True}, options=[
        lazyload(GuaranteedLoan.instalments), lazyload(GuaranteedLoan.repayments)])
    if loan is None or loan.status not in loan_rules.IN_REPAYMENT:
        return None
    before, days = loan.status, loan.days_overdue
    loan.checked_on = today
    _move(uow, loan, _plan(uow.session, loan), today, "系统（每日逾期检查）")
    if loan.status == before and loan.days_overdue == days:
        return None
    return loan.status
