"""Attached files (shared/attachments.py) and who adds which document to a loan
(services/finance/domain/documents.py): plain rules, no server."""

import base64
import datetime as dt
from types import SimpleNamespace

import pytest

from services.finance.domain import documents
from shared import attachments
from shared.contracts.registry import ENTREPRENEUR_DOCUMENT_NAMES
from shared.errors import Forbidden, InvalidInput, InvalidState

PDF, PNG, JPEG = b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0"


def accepted(filename: str, data: bytes, count_before: int = 0) -> dict:
    return attachments.accepted(filename, data, "twp_official", count_before=count_before, most=3, what="每份档案")


def refusal(error) -> tuple[str, str | None]:
    return error.value.code, error.value.field


def test_the_first_bytes_decide_the_type_and_the_name_gets_its_real_extension():
    assert accepted("合同.pdf", PDF + b"x")["content_type"] == "application/pdf"
    stored = accepted("../../证书.exe", PNG + b"x")
    assert (stored["content_type"], stored["filename"]) == ("image/png", "证书.png")
    assert accepted("C:\\照片\\IMG_1.JPG", JPEG + b"x")["filename"] == "IMG_1.jpg"
    assert accepted('<坏>"名字"?.pdf', PDF)["filename"] == "坏名字.pdf"
    assert accepted("", PDF)["filename"] == "附件.pdf"
    with pytest.raises(InvalidInput) as error:
        accepted("合同.pdf", b"PK\x03\x04 a word file")
    assert refusal(error) == ("file_type", "file")


def test_what_is_kept_is_its_size_digest_and_who_uploaded_it():
    stored = accepted("a.pdf", PDF + b"abc")
    assert stored["size"] == len(PDF) + 3 and len(stored["sha256"]) == 64 and stored["uploaded_by"] == "twp_official"
    row = SimpleNamespace(id="f1", kind="id_card_front", uploaded_at=dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc),
                          **stored)
    item = attachments.listed(row, ENTREPRENEUR_DOCUMENT_NAMES)
    assert item["kind_name"] == "身份证（人像面）" and "data" not in item and "sha256" not in item
    assert "kind" not in attachments.listed(row)  # a difficulty's files have no kind
    assert base64.b64decode(attachments.download(row)["content"]) == stored["data"]


def test_empty_too_large_and_one_too_many_are_refused_with_the_field():
    with pytest.raises(InvalidInput) as error:
        accepted("a.pdf", b"")
    assert refusal(error) == ("file_empty", "file")
    with pytest.raises(InvalidInput) as error:
        accepted("a.pdf", PDF + b"0" * attachments.MAX_BYTES)
    assert refusal(error) == ("file_too_large", "file") and "2MB" in error.value.message
    with pytest.raises(InvalidState) as error:
        accepted("a.pdf", PDF, count_before=3)
    assert refusal(error) == ("too_many_attachments", "file") and error.value.message == "每份档案最多上传3个附件"


def test_a_kind_outside_the_list_and_content_that_is_not_base64_are_refused():
    assert attachments.kind_of("id_card_back", ENTREPRENEUR_DOCUMENT_NAMES) == "id_card_back"
    for wrong in ("", None, "passport"):
        with pytest.raises(InvalidInput) as error:
            attachments.kind_of(wrong, ENTREPRENEUR_DOCUMENT_NAMES)
        assert refusal(error) == ("attachment_kind", "kind")
    assert attachments.decode(base64.b64encode(PDF).decode()) == PDF
    with pytest.raises(InvalidInput) as error:
        attachments.decode("not base64!")
    assert refusal(error) == ("file_encoding", "file")


def test_the_bank_attaches_its_contract_once_it_has_approved_and_the_applicant_while_it_reviews():
    bank, applicant = {"by_bank": True, "by_applicant": False}, {"by_bank": False, "by_applicant": True}
    documents.check_may_attach("loan_contract", "repaying", **bank)
    documents.check_may_attach("application_material", "under_bank_review", **applicant)
    with pytest.raises(InvalidState):
        documents.check_may_attach("loan_contract", "under_bank_review", **bank)
    with pytest.raises(Forbidden) as error:
        documents.check_may_attach("loan_contract", "approved", **applicant)
    assert refusal(error) == ("bank_document", "kind")
    with pytest.raises(Forbidden):
        documents.check_may_attach("application_material", "under_bank_review", **bank)
    assert documents.attachable("approved", **bank) == ["loan_contract", "guarantee_contract", "disbursement_voucher"]
    assert documents.attachable("approved", **applicant) == []
    assert documents.attachable("submitted", **applicant) == ["application_material"]
    assert documents.attachable("approved", by_bank=False, by_applicant=False) == []  # an official reads only
