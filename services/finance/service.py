"""The finance service's entrypoints: loans, subsidies, the fund and ledger, registry facts."""

from __future__ import annotations

import eventlet
from nameko.exceptions import UnknownService

from services.finance import readmodel
from services.finance.handlers import (
    books,
    interest_payments,
    loan_documents,
    loans,
    payments,
    policies,
    subsidies,
)
from services.finance.handlers.fund import (
    contribute,
    read_books,
    require_treasurer,
    set_repayment_rate,
)
from shared import attachments, clock, regions
from shared.actors import as_actor, require_role
from shared.contracts.finance import (
    BankPartnershipUpdate,
    BankReturn,
    BankUpdate,
    BatchCreate,
    ClaimListQuery,
    ClaimReview,
    Contribution,
    InterestSubsidyCompute,
    LoanApprove,
    LoanCreate,
    LoanDisburse,
    LoanListQuery,
    LoanReject,
    PaymentCancel,
    PolicyListQuery,
    PolicyProposalCreate,
    ProposalListQuery,
    ProposalReject,
    RepaymentCreate,
    RepaymentRate,
    SubsidyClaimCreate,
    Versioned,
)
from shared.db import Database
from shared.errors import InvalidInput, unavailable
from shared.messaging import event_handler, idempotent, idempotent_batch
from shared.money import yuan_to_fen
from shared.nameko_base import GuiyanService, Outbox, SteadyRpcProxy, json_rpc, sweep, sweep_each
from shared.settings import FinanceSettings
from shared.validation import parse

command = json_rpc


SWEEP_INTERVAL = FinanceSettings().sweep_interval_seconds
REGISTRY_SECONDS = 10  # a registry that does not answer in this time is away: the caller gets a 503
PAYEES_PER_CALL = 500  # the registry's limit on one payee_accounts question
CSV = "text/csv; charset=utf-8"  # the payment lists' type


def money_key(key: str | None) -> str:
    """Commands that move money must carry an idempotency key, so a retry never pays twice."""
    if not key:
        raise InvalidInput("idempotency_key_required", "Idempotency-Key",
                           "涉及资金的操作须带幂等键（Idempotency-Key），以免重复入账")
    return key


def loan_reach(actor, loan_id: str):
    """A replayed loan command shows its stored answer only to someone who may still read the loan."""
    return lambda session, result: loans.get(session, actor, loan_id)


class FinanceService(GuiyanService):
    name = "finance"
    db = Database("finance")
    outbox = Outbox("finance")
    registry = SteadyRpcProxy("registry")  # a partnership's members, by resident ID

    # ---- loans ------------------------------------------------------------------------------

    @command
    def todo(self, actor):
        """A liaison's loans, an official's subsidy work; nothing waits here for anyone else."""
        actor = as_actor(actor)
        with self.db.read() as session:
            if actor.role == "bank_liaison":
                return loans.liaison_todo(session, actor)
            return subsidies.official_todo(session, actor) if actor.is_official else []

    @command
    def list_banks(self, city=None):
        with self.db.read() as session:
            return books.banks(session, regions.check_city(city) if city else None)

    @command
    def set_bank_partnership(self, actor, bank_code, city, data):
        """A city's partnership with a bank begins or ends, at the administrator's hand."""
        actor = as_actor(actor)
        require_role(actor, "admin")
        data, city = parse(BankPartnershipUpdate, data), regions.check_city(city)
        return self._transaction(lambda uow: books.set_partnership(
            uow.session, bank_code, city, data.partner, data.on or clock.today(), actor.username))

    @command
    def set_bank_threshold(self, actor, bank_code, data):
        """The amount above which a second liaison confirms, set at the bank's written request; with a
        name, a new partner bank is added."""
        require_role(as_actor(actor), "admin")
        data = parse(BankUpdate, data)
        account = None if data.subsidy_account_number is None else (
            data.subsidy_account_name, data.subsidy_account_number)
        return self._transaction(lambda uow: books.save_bank(
            uow.session, bank_code, yuan_to_fen(data.confirmation_threshold_yuan), data.name, account))

    @command
    def apply_for_loan(self, actor, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(LoanCreate, data)
        members = self._members(data)
        return self._once(actor, "apply_for_loan", idempotency_key, data.model_dump(mode="json"),
                          lambda uow: loans.apply(uow, actor, data, clock.today(), members),
                          lambda session, result: loans.get(session, actor, result["id"]))

    @command
    def check_loan(self, actor, data):
        """The assessment an application would get today, without applying."""
        actor, data = as_actor(actor), parse(LoanCreate, data)
        members = self._members(data)
        with self.db.read() as session:
            return loans.check(session, actor, data, clock.today(), members)

    def _members(self, data: LoanCreate) -> dict[str, dict]:
        """A partnership's other members as the registry knows them, by resident ID (asked before
        the transaction begins); a registry that does not answer is a 503, not a refusal."""
        if not data.partners:
            return {}
        return self._ask_registry("entrepreneurs_by_id_number", [p.id_number for p in data.partners])

    @command
    def loan_limits(self, actor):
        """Today's caps by kind of borrower, and what stands in the caller's way already."""
        with self.db.read() as session:
            return loans.limits(session, as_actor(actor), clock.today())

    @command
    def get_loan(self, actor, loan_id):
        with self.db.read() as session:
            actor = as_actor(actor)
            return loan_documents.with_documents(session, actor, loans.get(session, actor, loan_id))

    @command
    def add_loan_attachment(self, actor, loan_id, kind, filename, content_base64):
        actor, data = as_actor(actor), attachments.decode(content_base64)
        return self._transaction(lambda uow: loan_documents.add(
            uow, actor, loan_id, kind, str(filename or "")[:200], data))

    @command
    def get_loan_attachment(self, actor, loan_id, attachment_id):
        with self.db.read() as session:
            return loan_documents.get(session, as_actor(actor), loan_id, attachment_id)

    @command
    def list_loans(self, actor, query=None):
        with self.db.read() as session:
            return loans.list_loans(session, as_actor(actor), parse(LoanListQuery, query or {}))

    @command
    def approve_loan(self, actor, loan_id, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(LoanApprove, data)
        return self._once(actor, f"approve_loan:{loan_id}", idempotency_key, data.model_dump(mode="json"),
                          lambda uow: loans.approve(uow, actor, loan_id, data, clock.today()),
                          loan_reach(actor, loan_id))

    @command
    def confirm_loan(self, actor, loan_id, data=None, idempotency_key=None):
        actor, data = as_actor(actor), parse(Versioned, data or {})
        return self._once(actor, f"confirm_loan:{loan_id}", idempotency_key, data.model_dump(mode="json"),
                          lambda uow: loans.confirm(uow, actor, loan_id, data.expected_version),
                          loan_reach(actor, loan_id))

    @command
    def reject_loan(self, actor, loan_id, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(LoanReject, data)
        return self._once(actor, f"reject_loan:{loan_id}", idempotency_key, data.model_dump(mode="json"),
                          lambda uow: loans.reject(uow, actor, loan_id, data.reason, data.expected_version),
                          loan_reach(actor, loan_id))

    @command
    def withdraw_loan(self, actor, loan_id):
        actor = as_actor(actor)
        return self._transaction(lambda uow: loans.withdraw(uow, actor, loan_id))

    @command
    def disburse_loan(self, actor, loan_id, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(LoanDisburse, data or {})
        return self._once(actor, f"disburse_loan:{loan_id}", money_key(idempotency_key), data.model_dump(mode="json"),
                          lambda uow: loans.disburse(uow, actor, loan_id, data, clock.today()),
                          loan_reach(actor, loan_id))

    @command
    def record_repayment(self, actor, loan_id, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(RepaymentCreate, data)
        return self._once(actor, f"repayment:{loan_id}", money_key(idempotency_key), data.model_dump(mode="json"),
                          lambda uow: loans.record_repayment(uow, actor, loan_id, data, clock.today()),
                          loan_reach(actor, loan_id))

    @command
    def run_overdue_sweep(self, actor):
        require_treasurer(as_actor(actor), allow_admin=True)
        return self._sweep()

    @sweep(interval=SWEEP_INTERVAL)
    def overdue_sweep(self):
        self._sweep()

    def _sweep(self) -> dict:
        today = clock.today()
        with self.db.read() as session:
            loan_ids = loans.loans_to_sweep(session, today)
        changed = sweep_each(self.db, loan_ids, lambda uow, loan_id: loans.sweep_one(uow, loan_id, today))
        return {"as_of": today.isoformat(), "checked": len(loan_ids), "changed": changed}

    # ---- the fund and the ledger ------------------------------------------------------------

    @command
    def fund_position(self, actor, city=None):
        city = books.city_to_read(as_actor(actor), city)
        with self.db.read() as session:
            return books.fund_position(session, city, clock.today())

    @command
    def trial_balance(self, actor, city=None):
        city = read_books(as_actor(actor), city)
        with self.db.read() as session:
            return books.trial_balance(session, city)

    @command
    def contribute(self, actor, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(Contribution, data)
        return self._once(actor, "contribute", money_key(idempotency_key), data.model_dump(mode="json"),
                          lambda uow: contribute(uow, actor, data, clock.today()),
                          lambda session, result: books.keeps(actor, result["city_code"]))

    @command
    def set_repayment_rate(self, actor, data):
        actor, data = as_actor(actor), parse(RepaymentRate, data)
        return self._transaction(lambda uow: set_repayment_rate(uow, actor, data, clock.today()))

    # ---- subsidies --------------------------------------------------------------------------

    @command
    def claim_subsidy(self, actor, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(SubsidyClaimCreate, data)
        return self._once(actor, "claim_subsidy", idempotency_key, data.model_dump(mode="json"),
                          lambda uow: subsidies.claim(uow, actor, data, clock.today()),
                          lambda session, result: subsidies.get(session, actor, result["id"]))

    @command
    def check_claim(self, actor, data):
        """The assessment a subsidy claim would get today, without claiming."""
        actor, data = as_actor(actor), parse(SubsidyClaimCreate, data)
        with self.db.read() as session:
            return subsidies.check(session, actor, data, clock.today())

    @command
    def get_claim(self, actor, claim_id):
        with self.db.read() as session:
            actor = as_actor(actor)
            return subsidies.detail(session, actor, subsidies.get(session, actor, claim_id))

    @command
    def list_claims(self, actor, query=None):
        with self.db.read() as session:
            return subsidies.list_claims(session, as_actor(actor), parse(ClaimListQuery, query or {}))

    @command
    def review_claim(self, actor, claim_id, data):
        actor, data = as_actor(actor), parse(ClaimReview, data)
        return self._transaction(lambda uow: subsidies.review(uow, actor, claim_id, data))

    @command
    def create_batch(self, actor, data=None, idempotency_key=None):
        actor, data = as_actor(actor), parse(BatchCreate, data or {})
        return self._once(actor, "create_batch", idempotency_key, data.model_dump(mode="json"),
                          lambda uow: subsidies.create_batch(uow, actor, data),
                          lambda session, result: subsidies.get_batch(session, actor, result["id"]))

    @command
    def get_batch(self, actor, batch_id):
        with self.db.read() as session:
            return subsidies.batch_read(session, subsidies.get_batch(session, as_actor(actor), batch_id))

    @command
    def list_batches(self, actor):
        with self.db.read() as session:
            return subsidies.list_batches(session, as_actor(actor))

    @command
    def approve_batch(self, actor, batch_id, idempotency_key=None):
        """Another official than its maker approves; the payment list is issued for the payees
        whose accounts the registry holds (asked before the transaction)."""
        actor = as_actor(actor)
        accounts = self._accounts_to_issue(actor, batch_id)
        return self._once(actor, f"approve_batch:{batch_id}", idempotency_key, None,
                          lambda uow: subsidies.approve_batch(uow, actor, batch_id, accounts),
                          lambda session, result: subsidies.get_batch(session, actor, batch_id))

    @command
    def batch_payment_file(self, actor, batch_id):
        """The payment list (代发清单) of the lines waiting for the bank, as a file."""
        with self.db.read() as session:
            batch = subsidies.approved_batch(session, as_actor(actor), batch_id)
            return attachments.file_answer(*payments.file_of(session, batch), CSV)

    @command
    def record_bank_return(self, actor, batch_id, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(BankReturn, data)
        return self._once(actor, f"bank_return:{batch_id}", money_key(idempotency_key), data.model_dump(mode="json"),
                          lambda uow: subsidies.record_bank_return(
                              uow, actor, batch_id, [line.model_dump() for line in data.lines]),
                          lambda session, result: subsidies.get_batch(session, actor, batch_id))

    @command
    def reissue_payment_lines(self, actor, batch_id, idempotency_key=None):
        actor = as_actor(actor)
        accounts = self._accounts_to_issue(actor, batch_id)
        return self._once(actor, f"reissue:{batch_id}", idempotency_key, None,
                          lambda uow: subsidies.reissue(uow, actor, batch_id, accounts),
                          lambda session, result: subsidies.get_batch(session, actor, batch_id))

    @command
    def cancel_batch_payment(self, actor, batch_id, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(PaymentCancel, data)
        return self._once(actor, f"cancel_payment:{batch_id}", idempotency_key, data.model_dump(mode="json"),
                          lambda uow: subsidies.cancel_payment(uow, actor, batch_id, data.claim_id, data.reason),
                          lambda session, result: subsidies.get_batch(session, actor, batch_id))

    def _accounts_to_issue(self, actor, batch_id: str) -> list[dict]:
        """The registry's accounts of the batch's payees still waiting for a line."""
        with self.db.read() as session:
            batch = subsidies.approved_batch(session, actor, batch_id)
            payees = payments.payees_to_issue(session, batch)
        accounts: list[dict] = []
        for start in range(0, len(payees), PAYEES_PER_CALL):
            accounts += self._ask_registry("payee_accounts", payees[start:start + PAYEES_PER_CALL])
        return accounts

    def _ask_registry(self, method: str, *args):
        """The registry's answer to an internal question; one that does not answer in time, or has
        never started, is away: the caller gets a 503."""
        try:
            with eventlet.Timeout(REGISTRY_SECONDS):
                return getattr(self.registry, method)(*args)
        except (eventlet.Timeout, UnknownService):
            raise unavailable("registry") from None

    @command
    def pay_batch(self, actor, batch_id, idempotency_key=None):
        actor = as_actor(actor)
        return self._once(actor, f"pay_batch:{batch_id}", money_key(idempotency_key), None,
                          lambda uow: subsidies.pay_batch(uow, actor, batch_id),
                          lambda session, result: subsidies.get_batch(session, actor, batch_id))

    @command
    def compute_interest_subsidy(self, actor, data):
        actor, data = as_actor(actor), parse(InterestSubsidyCompute, data)
        return self._transaction(lambda uow: subsidies.compute_interest(uow, actor, data.quarter, clock.today()))

    @command
    def get_interest_subsidy(self, actor, quarter, city=None):
        with self.db.read() as session:
            return subsidies.get_interest(session, as_actor(actor), quarter, city)

    @command
    def interest_payment_file(self, actor, quarter):
        """The quarter's interest subsidy as the treasury's payment list, one line per lending bank."""
        quarter = parse(InterestSubsidyCompute, {"quarter": quarter}).quarter
        with self.db.read() as session:
            return attachments.file_answer(*interest_payments.file_of(session, subsidies.interest_batch(
                session, as_actor(actor), quarter)), CSV)

    @command
    def record_interest_bank_return(self, actor, quarter, data, idempotency_key=None):
        """The treasury's return on the quarter's bank lines (`BankReturn`)."""
        actor, data = as_actor(actor), parse(BankReturn, data)
        quarter = parse(InterestSubsidyCompute, {"quarter": quarter}).quarter
        return self._once(actor, f"interest_return:{quarter}", money_key(idempotency_key), data.model_dump(mode="json"),
                          lambda uow: subsidies.record_interest_return(
                              uow, actor, quarter, [line.model_dump() for line in data.lines]),
                          lambda session, result: books.keeps(actor, result["city_code"]))

    @command
    def reissue_interest_lines(self, actor, quarter, idempotency_key=None):
        """Lines issued for the banks waiting for one (their subsidy account registered or corrected since)."""
        actor = as_actor(actor)
        quarter = parse(InterestSubsidyCompute, {"quarter": quarter}).quarter
        return self._once(actor, f"interest_reissue:{quarter}", idempotency_key, None,
                          lambda uow: subsidies.reissue_interest(uow, actor, quarter),
                          lambda session, result: books.keeps(actor, result["city_code"]))

    @command
    def pay_interest_subsidy(self, actor, quarter, idempotency_key=None):
        actor = as_actor(actor)
        quarter = parse(InterestSubsidyCompute, {"quarter": quarter}).quarter
        return self._once(actor, f"pay_interest:{quarter}", money_key(idempotency_key), None,
                          lambda uow: subsidies.pay_interest(uow, actor, quarter),
                          lambda session, result: books.keeps(actor, result["city_code"]))

    # ---- policy data: new versions, four eyes (issue 17) -------------------------------------

    @command
    def list_policy_versions(self, actor, query=None):
        with self.db.read() as session:
            return policies.list_versions(session, as_actor(actor), parse(PolicyListQuery, query or {}),
                                          clock.today())

    @command
    def list_policy_proposals(self, actor, query=None):
        with self.db.read() as session:
            return policies.list_proposals(session, as_actor(actor), parse(ProposalListQuery, query or {}))

    @command
    def propose_policy(self, actor, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(PolicyProposalCreate, data)
        return self._once(actor, "propose_policy", idempotency_key, data.model_dump(mode="json"),
                          lambda uow: policies.propose(uow, actor, data, clock.today()),
                          lambda session, result: policies.get(session, actor, result["id"]))

    @command
    def approve_policy_proposal(self, actor, proposal_id, idempotency_key=None):
        actor = as_actor(actor)
        return self._once(actor, f"approve_policy:{proposal_id}", idempotency_key, None,
                          lambda uow: policies.approve(uow, actor, proposal_id, clock.today()),
                          lambda session, result: policies.get(session, actor, proposal_id))

    @command
    def reject_policy_proposal(self, actor, proposal_id, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(ProposalReject, data)
        return self._once(actor, f"reject_policy:{proposal_id}", idempotency_key, data.model_dump(mode="json"),
                          lambda uow: policies.reject(uow, actor, proposal_id, data.reason),
                          lambda session, result: policies.get(session, actor, proposal_id))

    # ---- the registry's facts ---------------------------------------------------------------

    @event_handler("registry", "entrepreneur_registered")
    @idempotent_batch
    def handle_entrepreneur_registered(self, uow, items):
        readmodel.entrepreneurs_registered(uow.session, [payload for payload, _ in items])

    @event_handler("registry", "entrepreneur_verified")
    @idempotent
    def handle_entrepreneur_verified(self, uow, payload, envelope):
        readmodel.entrepreneur_verified(uow.session, payload)

    @event_handler("registry", "entrepreneur_changed")
    @idempotent
    def handle_entrepreneur_changed(self, uow, payload, envelope):
        readmodel.entrepreneur_changed(uow.session, payload)

    @event_handler("registry", "enterprise_changed")
    @idempotent
    def handle_enterprise_changed(self, uow, payload, envelope):
        readmodel.enterprise_changed(uow.session, payload)

    @event_handler("registry", "enterprise_registered")
    @idempotent_batch
    def handle_enterprise_registered(self, uow, items):
        readmodel.enterprises_registered(uow.session, [payload for payload, _ in items])

    @event_handler("registry", "enterprise_verified")
    @idempotent
    def handle_enterprise_verified(self, uow, payload, envelope):
        readmodel.enterprise_verified(uow.session, payload)

    @event_handler("registry", "enterprise_headcount_reported")
    @idempotent
    def handle_enterprise_headcount_reported(self, uow, payload, envelope):
        readmodel.headcount_reported(uow.session, payload)
