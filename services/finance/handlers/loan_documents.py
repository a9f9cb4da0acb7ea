"""Documents on a loan: kept and handed back to whoever may see the loan (its applicant, its bank's
liaisons, the officials of its region and above); who adds which is services/finance/domain/documents.py."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.finance.domain import documents
from services.finance.handlers import loans
from services.finance.models import GuaranteedLoan, LoanDocument
from shared import attachment_table, attachments
from shared.actors import Actor
from shared.contracts.finance import DOCUMENTS_PER_LOAN, LOAN_DOCUMENT_NAMES


def listed(session: Session, loan_id: str) -> list[dict]:
    """The loan's documents, oldest first, without their content."""
    return attachment_table.files_of(session, LoanDocument.loan_id, loan_id, LOAN_DOCUMENT_NAMES)


def add(uow, actor: Actor, loan_id: str, kind: str, filename: str, data: bytes) -> dict:
    """Keep the document; the loan after it, with its documents."""
    session: Session = uow.session
    loan = loans.get(session, actor, loan_id)
    kind = attachments.kind_of(kind, LOAN_DOCUMENT_NAMES)
    documents.check_may_attach(kind, loan.status, **_who(actor, loan))
    stored = attachments.accepted(filename, data, actor.username,
                                  count_before=attachment_table.count_of(session, LoanDocument.loan_id, loan.id),
                                  most=DOCUMENTS_PER_LOAN, what="每笔贷款")
    session.add(LoanDocument(loan_id=loan.id, kind=kind, **stored))
    session.flush()
    return with_documents(session, actor, loan)


def _who(actor: Actor, loan: GuaranteedLoan) -> dict:
    return {"by_bank": actor.role == "bank_liaison", "by_applicant": actor.user_id == loan.applicant_account_id}


def with_documents(session: Session, actor: Actor, loan: GuaranteedLoan) -> dict:
    """The loan as `loans.read` gives it, with its documents and the kinds the caller may add now."""
    kinds = documents.attachable(loan.status, **_who(actor, loan))
    return {**loans.read(session, loan), "is_applicant": actor.user_id == loan.applicant_account_id,
            "attachments": listed(session, loan.id),
            "attachable_kinds": [[kind, LOAN_DOCUMENT_NAMES[kind]] for kind in kinds]}


def get(session: Session, actor: Actor, loan_id: str, attachment_id: str) -> dict:
    loan = loans.get(session, actor, loan_id)
    return attachments.download(attachment_table.file_of(session, LoanDocument.loan_id, loan.id, attachment_id))
