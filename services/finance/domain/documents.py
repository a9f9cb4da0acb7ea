"""Who adds which document to a loan, and when: the lending bank its contracts and vouchers once it
has approved the loan, the applicant further material while the loan waits for the bank."""

from __future__ import annotations

from services.finance.domain.loans import (
    COUNTS_TOWARDS_LIFETIME,
    OPEN_BEFORE_APPROVAL,
    require_status,
)
from shared.contracts.finance import BANK_DOCUMENTS, LOAN_DOCUMENT_NAMES
from shared.errors import DomainError, Forbidden


def check_may_attach(kind: str, status: str, *, by_bank: bool, by_applicant: bool) -> None:
    """`by_bank`: a liaison of the loan's own bank (others never see the loan)."""
    if kind in BANK_DOCUMENTS:
        if not by_bank:
            raise Forbidden("bank_document", "kind", f"{LOAN_DOCUMENT_NAMES[kind]}由贷款银行的联络员上传")
        require_status(status, *COUNTS_TOWARDS_LIFETIME)
        return
    if not by_applicant:
        raise Forbidden("applicant_document", "kind", f"{LOAN_DOCUMENT_NAMES[kind]}由申请人上传")
    require_status(status, *OPEN_BEFORE_APPROVAL)


def attachable(status: str, *, by_bank: bool, by_applicant: bool) -> list[str]:
    """The kinds this caller may add to the loan now (what its page offers)."""
    found = []
    for kind in LOAN_DOCUMENT_NAMES:
        try:
            check_may_attach(kind, status, by_bank=by_bank, by_applicant=by_applicant)
        except DomainError:
            continue
        found.append(kind)
    return found
