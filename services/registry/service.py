"""The registry service's entrypoints: entrepreneurs, enterprises, liaisons, headcount."""

from __future__ import annotations

import time

import eventlet

from services.registry import readmodel
from services.registry.handlers import (
    claims,
    corrections,
    documents,
    enterprises,
    entrepreneurs,
    imports,
    parties,
    payees,
)
from shared import attachments, wakes
from shared.actors import as_actor
from shared.contracts.registry import (
    ClaimCodeRequest,
    ClaimDecision,
    ClaimQuery,
    ClaimSubmit,
    EnterpriseCreate,
    EnterprisePayeeAccountUpdate,
    EnterpriseUpdate,
    EntrepreneurCreate,
    EntrepreneurPayeeAccountUpdate,
    EntrepreneurUpdate,
    HeadcountReport,
    ImportCreate,
    ImportRows,
    LiaisonsAssign,
    ListQuery,
    PayeeAccountsQuery,
    ResidentIds,
    ReturnCommand,
    TextRecipients,
    VerifyCommand,
)
from shared.db import Database
from shared.idempotency import in_transaction
from shared.logging import get_logger
from shared.messaging import event_handler, idempotent, idempotent_batch
from shared.nameko_base import GuiyanService, Outbox, json_rpc, sweep
from shared.sms import SmtpSms
from shared.transient import is_transient
from shared.validation import parse

command = json_rpc
log = get_logger(__name__)
# an import begins at once in the process whose command started it (`shared.wakes.wake`); this look is for
# one started through another instance or left off by a process that stopped (an indexed look a tick)
IMPORT_LOOK_SECONDS = 30.0
IMPORT_SLICE_SECONDS = 20.0  # a tick's share of a long import, so that stopping never waits long
# events held with no import running to release them: a safety net (an import's last transaction
# releases its own), so looked for once a minute, not at every tick
STRANDED_LOOK_SECONDS = 60.0
_stranded_looked_at = -STRANDED_LOOK_SECONDS


class RegistryService(GuiyanService):
    name = "registry"
    db = Database("registry")
    outbox = Outbox("registry")
    sms = SmtpSms()  # the claim codes' way to phones (GUIYAN_SMS_*)

    @command
    def create_entrepreneur(self, actor, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(EntrepreneurCreate, data)
        return self._once(actor, "create_entrepreneur", idempotency_key,
                        data.model_dump(mode="json"),
                        lambda uow: entrepreneurs.create_entrepreneur(uow, actor, data),
                        lambda session, result: readmodel.get_entrepreneur(session, actor, result["id"]))

    @command
    def get_entrepreneur(self, actor, entrepreneur_id):
        with self.db.read() as session:
            return readmodel.entrepreneur_detail(
                session, readmodel.get_entrepreneur(session, as_actor(actor), entrepreneur_id))

    @command
    def get_my_entrepreneur(self, actor):
        """The caller's own record, or None before they have registered."""
        with self.db.read() as session:
            return readmodel.get_my_entrepreneur(session, as_actor(actor))

    @command
    def list_entrepreneurs(self, actor, query=None):
        with self.db.read() as session:
            return readmodel.list_entrepreneurs(session, as_actor(actor), parse(ListQuery, query or {}))

    @command
    def todo(self, actor):
        with self.db.read() as session:
            return readmodel.todo(session, as_actor(actor))

    @command
    def text_message_phones(self, recipients):
        """Where text messages for records go (the notifications service asks, once for each batch
        it sends): {"person:<id>" or "enterprise:<id>": phone}, the phone on the person's record or
        the enterprise's owner's. Inside the system only (no gateway route calls it); no other
        service keeps anyone's phone."""
        recipients = parse(TextRecipients, {"recipients": recipients}).recipients
        with self.db.read() as session:
            return readmodel.text_message_phones(session, recipients)

    @command
    def entrepreneurs_by_id_number(self, id_numbers):
        """The records with these resident IDs (finance asks, for a partnership's members): inside
        the system only, no gateway route calls it."""
        id_numbers = parse(ResidentIds, {"id_numbers": id_numbers}).id_numbers
        with self.db.read() as session:
            return readmodel.entrepreneurs_by_id_number(session, id_numbers)

    @command
    def verify_entrepreneur(self, actor, entrepreneur_id, command=None):
        actor, command = as_actor(actor), parse(VerifyCommand, command or {})
        return self._transaction(lambda uow: entrepreneurs.verify_entrepreneur(
            uow, actor, entrepreneur_id, command.expected_version))

    @command
    def create_enterprise(self, actor, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(EnterpriseCreate, data)
        return self._once(actor, "create_enterprise", idempotency_key,
                        data.model_dump(mode="json"),
                        lambda uow: enterprises.create_enterprise(uow, actor, data),
                        lambda session, result: readmodel.get_enterprise(session, actor, result["id"]))

    @command
    def get_enterprise(self, actor, enterprise_id):
        with self.db.read() as session:
            return readmodel.enterprise_detail(
                session, readmodel.get_enterprise(session, as_actor(actor), enterprise_id))

    @command
    def get_enterprise_contact(self, actor, enterprise_id):
        """The owner's name and phone, for the enterprise's officials and its owner."""
        with self.db.read() as session:
            return parties.enterprise_contact(session, as_actor(actor), enterprise_id)

    @command
    def get_borrower(self, actor, loan_id):
        """A loan's borrower, for the loan's bank, its region's officials and the borrower: decided
        here, from this service's copy of the loan's routing (`handle_loan_applied`)."""
        with self.db.read() as session:
            return parties.borrower(session, as_actor(actor), loan_id)

    @event_handler("finance", "loan_applied")
    @idempotent_batch
    def handle_loan_applied(self, uow, items):
        parties.loans_applied(uow.session, [payload for payload, _ in items])

    @command
    def list_enterprises(self, actor, query=None):
        with self.db.read() as session:
            return readmodel.list_enterprises(session, as_actor(actor), parse(ListQuery, query or {}))

    @command
    def verify_enterprise(self, actor, enterprise_id, command=None):
        actor, command = as_actor(actor), parse(VerifyCommand, command or {})
        return self._transaction(lambda uow: enterprises.verify_enterprise(
            uow, actor, enterprise_id, command.expected_version))

    @command
    def report_headcount(self, actor, enterprise_id, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(HeadcountReport, data)
        return self._once(actor, f"report_headcount:{enterprise_id}", idempotency_key,
                        data.model_dump(mode="json"),
                        lambda uow: enterprises.report_headcount(uow, actor, enterprise_id, data),
                        lambda session, result: readmodel.get_enterprise(session, actor, enterprise_id))

    # ---- documents on the records ----------------------------------------------------------------

    @command
    def add_entrepreneur_attachment(self, actor, entrepreneur_id, kind, filename, content_base64):
        return self._attach(actor, "entrepreneur", entrepreneur_id, kind, filename, content_base64)

    @command
    def get_entrepreneur_attachment(self, actor, entrepreneur_id, attachment_id):
        return self._attachment(actor, "entrepreneur", entrepreneur_id, attachment_id)

    @command
    def add_enterprise_attachment(self, actor, enterprise_id, kind, filename, content_base64):
        return self._attach(actor, "enterprise", enterprise_id, kind, filename, content_base64)

    @command
    def get_enterprise_attachment(self, actor, enterprise_id, attachment_id):
        return self._attachment(actor, "enterprise", enterprise_id, attachment_id)

    def _attach(self, actor, record_kind: str, record_id: str, kind, filename, content_base64):
        actor, data = as_actor(actor), attachments.decode(content_base64)
        return self._transaction(lambda uow: documents.add(
            uow, actor, record_kind, record_id, kind, str(filename or "")[:200], data))

    def _attachment(self, actor, record_kind: str, record_id: str, attachment_id):
        with self.db.read() as session:
            return documents.get(session, as_actor(actor), record_kind, record_id, attachment_id)

    # ---- corrections both ways -----------------------------------------------------------------

    @command
    def return_entrepreneur(self, actor, entrepreneur_id, command):
        actor, command = as_actor(actor), parse(ReturnCommand, command)
        return self._transaction(lambda uow: corrections.return_entrepreneur(uow, actor, entrepreneur_id, command))

    @command
    def return_enterprise(self, actor, enterprise_id, command):
        actor, command = as_actor(actor), parse(ReturnCommand, command)
        return self._transaction(lambda uow: corrections.return_enterprise(uow, actor, enterprise_id, command))

    @command
    def update_entrepreneur(self, actor, entrepreneur_id, data):
        actor, data = as_actor(actor), parse(EntrepreneurUpdate, data)
        return self._transaction(lambda uow: corrections.update_entrepreneur(uow, actor, entrepreneur_id, data))

    @command
    def update_enterprise(self, actor, enterprise_id, data):
        actor, data = as_actor(actor), parse(EnterpriseUpdate, data)
        return self._transaction(lambda uow: corrections.update_enterprise(uow, actor, enterprise_id, data))

    # ---- payee accounts (收款账户) -----------------------------------------------------------------

    @command
    def set_entrepreneur_payee_account(self, actor, entrepreneur_id, data):
        actor, data = as_actor(actor), parse(EntrepreneurPayeeAccountUpdate, data)
        return self._transaction(lambda uow: payees.set_entrepreneur_account(uow, actor, entrepreneur_id, data))

    @command
    def set_enterprise_payee_account(self, actor, enterprise_id, data):
        actor, data = as_actor(actor), parse(EnterprisePayeeAccountUpdate, data)
        return self._transaction(lambda uow: payees.set_enterprise_account(uow, actor, enterprise_id, data))

    @command
    def payee_accounts(self, records):
        """The full payee accounts of a payment list's payees (finance asks, when it makes the list the
        bank takes): one `PayeeAccountLine` per record asked for, in order. Inside the system only
        (no gateway route calls it); the pages and events show the number masked."""
        records = parse(PayeeAccountsQuery, {"records": records}).records
        with self.db.read() as session:
            return payees.payee_accounts(session, records)

    # ---- claiming a record registered on one's behalf ------------------------------------------

    @command
    def send_claim_code(self, actor, data):
        actor, data = as_actor(actor), parse(ClaimCodeRequest, data)
        return self._transaction(lambda uow: claims.send_code(uow, actor, data))

    @command
    def claim_entrepreneur(self, actor, data):
        """[answer, status]: the claimed record (200), or the request waiting for an official (202)."""
        actor, data = as_actor(actor), parse(ClaimSubmit, data)
        try:
            return self._transaction(lambda uow: claims.claim(uow, actor, data))
        except claims.WrongCode:
            # the attempt is counted in a transaction of its own, then refused
            raise in_transaction(self.db, lambda uow: claims.count_wrong_code(uow, actor, data)) from None

    @command
    def list_claims(self, actor, query=None):
        with self.db.read() as session:
            return claims.list_claims(session, as_actor(actor), parse(ClaimQuery, query or {}))

    @command
    def approve_claim(self, actor, claim_id, command=None):
        actor, command = as_actor(actor), parse(ClaimDecision, command or {})
        return self._transaction(lambda uow: claims.approve(uow, actor, claim_id, command))

    @command
    def reject_claim(self, actor, claim_id, command):
        actor, command = as_actor(actor), parse(ClaimDecision, command)
        return self._transaction(lambda uow: claims.reject(uow, actor, claim_id, command))

    @event_handler("registry", "claim_code_requested")
    @idempotent
    def handle_claim_code_requested(self, uow, payload, envelope):
        claims.deliver_code(uow.session, payload, self.sms)

    # ---- an office's roll imported ---------------------------------------------------------------

    @command
    def create_import(self, actor, data):
        actor, data = as_actor(actor), parse(ImportCreate, data)
        return self._transaction(lambda uow: imports.create(uow, actor, data))

    @command
    def add_import_rows(self, actor, import_id, rows):
        actor, rows = as_actor(actor), ImportRows.model_validate(rows)
        return self._transaction(lambda uow: imports.add_rows(uow, actor, import_id, rows))

    @command
    def finish_import_upload(self, actor, import_id):
        return self._transaction(lambda uow: imports.finish_upload(uow, as_actor(actor), import_id))

    @command
    def start_import(self, actor, import_id):
        started = self._transaction(lambda uow: imports.start(uow, as_actor(actor), import_id))
        wakes.wake("import_rolls")
        return started

    @command
    def get_import(self, actor, import_id):
        with self.db.read() as session:
            return imports.get(session, as_actor(actor), import_id)

    @command
    def list_imports(self, actor):
        with self.db.read() as session:
            return imports.list_imports(session, as_actor(actor))

    @sweep(interval=IMPORT_LOOK_SECONDS)
    def import_rolls(self):
        """Imports started (or left off by a process that stopped): batch after batch until done, for
        up to `IMPORT_SLICE_SECONDS` a tick; a second instance takes another import, or waits."""
        global _stranded_looked_at
        with self.db.read() as session:
            waiting = imports.due(session)
            look = not waiting and time.monotonic() - _stranded_looked_at >= STRANDED_LOOK_SECONDS
            stranded = look and imports.held_while_idle(session)
        if look:
            _stranded_looked_at = time.monotonic()
        if stranded:
            with self.db.unit_of_work() as uow:
                imports.release_if_idle(uow.session)
                uow.commit()
        left = False
        for import_id in waiting:
            with self.db.unit_of_work() as uow:
                taken = imports.take(uow.session, import_id)
                uow.commit()
            if not taken:
                continue
            deadline = time.monotonic() + IMPORT_SLICE_SECONDS
            workers = [eventlet.spawn(self._import_batches, import_id, deadline) for _ in range(imports.WORKERS)]
            outcomes = []
            for worker in workers:  # every one ends before the tick does, even when one failed
                try:
                    outcomes.append(worker.wait())
                except Exception as exc:  # noqa: BLE001 (raised once the others have ended)
                    outcomes.append(exc)
            for outcome in outcomes:
                if isinstance(outcome, Exception):
                    raise outcome
            if any(outcomes):  # the next tick goes on at once
                left = True
                with self.db.unit_of_work() as uow:
                    imports.release(uow.session, import_id)
                    uow.commit()
        return 0 if left else None

    def _import_batches(self, import_id: str, deadline: float) -> bool:
        """Batch after batch until none is left or the slice is over; True if some are left.

        A batch the database refuses for a reason that would not pass (not `is_transient`) is taken
        again one row at a time: the row that still fails is set aside (`imports.refuse_row`), the
        others are registered, and then whole batches go on."""
        size, alone = imports.BATCH, 0
        while time.monotonic() < deadline:
            taken: list[int] = []
            try:
                with self.db.unit_of_work() as uow:
                    more = imports.run_batch(uow, import_id, size, taken)
                    uow.commit()
            except Exception as exc:
                if is_transient(exc) or not taken:
                    raise
                if size > 1:
                    size, alone = 1, len(taken)
                    continue
                log.warning("import_row_refused", import_id=import_id, line=taken[0], error=type(exc).__name__)
                with self.db.unit_of_work() as uow:
                    imports.refuse_row(uow.session, import_id, taken[0], exc)
                    uow.commit()
                more = True
            if alone:
                alone -= 1
                size = 1 if alone else imports.BATCH
            if not more:
                return False
        return True

    @command
    def assign_liaisons(self, actor, enterprise_id, data):
        actor, data = as_actor(actor), parse(LiaisonsAssign, data)
        return self._transaction(lambda uow: enterprises.assign_liaisons(uow, actor, enterprise_id, data))
