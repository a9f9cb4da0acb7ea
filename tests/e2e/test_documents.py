"""Documents on the records and loans: a person's ID card and certificates, an enterprise's licence
and contracts, a loan's 借款合同; attached by those the rules name, downloaded by exactly those who
may see the record, checked by their content and size like a difficulty's attachments.

Alice lives in the home village of tests/places and borrows from NJRCB; Bob in the other county.
"""

import pytest

from tests.access_world import APPROVAL
from tests.borrowers import key, loan_request, make_borrower
from tests.e2e.test_escalation_access import code
from tests.e2e.test_finance_pages import browser_for
from tests.e2e.test_pages import CSRF
from tests.unit.test_photos import photo

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.7\n" + b"0" * 300
ID, FIRM, LOAN, FILE = "<string:entrepreneur_id>", "<string:enterprise_id>", "<string:loan_id>", "<string:attachment_id>"
DOCUMENTS_ACCESS_CASES = {
    ("POST", f"/api/v1/entrepreneurs/{ID}/attachments"): "test_a_person_and_their_officials_keep_the_id_card_and_certificates",
    ("GET", f"/api/v1/entrepreneurs/{ID}/attachments/{FILE}"):
        "test_a_person_and_their_officials_keep_the_id_card_and_certificates",
    ("POST", f"/api/v1/enterprises/{FIRM}/attachments"): "test_the_licence_and_contracts_are_kept_on_the_enterprise",
    ("GET", f"/api/v1/enterprises/{FIRM}/attachments/{FILE}"): "test_the_licence_and_contracts_are_kept_on_the_enterprise",
    ("POST", f"/api/v1/loans/{LOAN}/attachments"): "test_the_bank_attaches_the_loan_contract_and_the_applicant_material",
    ("GET", f"/api/v1/loans/{LOAN}/attachments/{FILE}"):
        "test_the_bank_attaches_the_loan_contract_and_the_applicant_material",
}


class World:
    def __init__(self, stack, places):
        def official(region, level):
            return stack.client(stack.create_user("official", region_code=region, level=level))

        self.c = {"township": official(places.township, "township"), "county": official(places.county, "county"),
                  "other_county": official(places.other_county, "county"), "city": official(places.city, "city"),
                  "other_township": official(places.other_township, "township"),
                  "bank": stack.client(stack.create_user("bank_liaison", bank_code="NJRCB")),
                  "other_bank": stack.client(stack.create_user("bank_liaison", bank_code="PSBC")),
                  "admin": stack.client(stack.create_user("admin"))}
        self.alice = make_borrower(stack, self.c["township"], enterprise=True)
        self.bob = make_borrower(stack, self.c["other_township"], region=places.other_village, enterprise=True)
        self.c["alice"], self.c["bob"] = self.alice.client, self.bob.client
        self.places = places

    def __getitem__(self, who):
        return self.c[who]


@pytest.fixture(scope="module")
def world(stack, places):
    return World(stack, places)


def attach(client, path, kind, filename="scan.png", data=PNG, content_type="image/png"):
    return client.post(path, data={"kind": kind}, files={"file": (filename, data, content_type)})


def assert_only_those_who_see_download(world, path, readers, others, missing):
    for who in readers:
        found = world[who].get(path)
        assert found.status_code == 200 and found.headers["Content-Disposition"].startswith("attachment;"), who
    for who in others:
        assert code(world[who].get(path)) == (404, missing), who


def test_a_person_and_their_officials_keep_the_id_card_and_certificates(world):
    path = f"/api/v1/entrepreneurs/{world.alice.entrepreneur_id}/attachments"
    added = attach(world["alice"], path, "id_card_front", "身份证正面.png")
    assert added.status_code == 201, added.text
    front = added.json()["attachments"][-1]
    assert (front["kind"], front["kind_name"], front["filename"]) == ("id_card_front", "身份证（人像面）", "身份证正面.png")
    by_official = attach(world["township"], path, "skill_level_certificate", "证书.pdf", PDF, "application/pdf")
    assert by_official.status_code == 201, by_official.text
    certificate = by_official.json()["attachments"][-1]
    assert certificate["content_type"] == "application/pdf" and certificate["uploaded_by"] != front["uploaded_by"]
    shown = world["county"].get(f"/api/v1/entrepreneurs/{world.alice.entrepreneur_id}").json()["attachments"]
    assert [a["kind"] for a in shown] == ["id_card_front", "skill_level_certificate"]
    unknown = path.replace(world.alice.entrepreneur_id, "00000000-0000-4000-8000-000000000000")
    for who in ("bob", "other_county", "other_township", "bank", "admin"):  # as if the record did not exist
        assert code(attach(world[who], path, "id_card_back")) == (404, "entrepreneur_not_found"), who
        assert code(attach(world[who], unknown, "id_card_back")) == (404, "entrepreneur_not_found"), who
    download = world["township"].get(f"{path}/{front['id']}")
    assert download.content == PNG and download.headers["Content-Type"] == "image/png"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert_only_those_who_see_download(world, f"{path}/{certificate['id']}", ("alice", "township", "county"),
                                       ("bob", "other_county", "bank", "other_bank", "admin"), "entrepreneur_not_found")
    bobs = f"/api/v1/entrepreneurs/{world.bob.entrepreneur_id}/attachments/{front['id']}"
    assert code(world["bob"].get(bobs)) == (404, "attachment_not_found")  # not a file of Bob's record
    assert code(world["alice"].get(f"{path}/no-such-file")) == (404, "attachment_not_found")


def test_files_are_checked_by_their_content_and_size_and_the_field_is_named(world):
    path = f"/api/v1/entrepreneurs/{world.alice.entrepreneur_id}/attachments"
    alice = world["alice"]
    disguised = attach(alice, path, "id_card_back", "身份证.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    assert code(disguised) == (422, "file_type") and disguised.json()["error"]["field"] == "file"
    no_kind = attach(alice, path, "")
    assert code(no_kind) == (422, "attachment_kind") and no_kind.json()["error"]["field"] == "kind"
    assert code(attach(alice, path, "passport")) == (422, "attachment_kind")
    big_pdf = attach(alice, path, "other_certificate", "扫描件.pdf", PDF + b"0" * (2 * 1024 * 1024), "application/pdf")
    assert code(big_pdf) == (422, "file_too_large") and big_pdf.json()["error"]["field"] == "file"
    huge = attach(alice, path, "other_certificate", "扫描件.pdf", PDF + b"0" * (17 * 1024 * 1024), "application/pdf")
    assert huge.status_code == 413 and "16MB" in huge.json()["error"]["message"]
    assert code(alice.post(path, data={"kind": "id_card_back"})) == (422, "file_missing")
    taken = attach(alice, path, "id_card_back", "IMG_2041.JPG", photo(2000, 1500), "image/jpeg")
    assert taken.status_code == 201, taken.text  # a phone's photo over 2 MB, scaled down
    shrunk = taken.json()["attachments"][-1]
    assert shrunk["filename"] == "IMG_2041.jpg" and shrunk["size"] <= 2 * 1024 * 1024


def test_the_licence_and_contracts_are_kept_on_the_enterprise(world):
    path = f"/api/v1/enterprises/{world.alice.enterprise_id}/attachments"
    licence = attach(world["alice"], path, "business_licence", "营业执照.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100,
                     "image/jpeg")
    assert licence.status_code == 201, licence.text
    lease = attach(world["county"], path, "land_transfer_contract", "土地流转合同.pdf", PDF, "application/pdf")
    assert lease.status_code == 201, lease.text
    names = [a["kind_name"] for a in world["township"].get(f"/api/v1/enterprises/{world.alice.enterprise_id}")
             .json()["attachments"]]
    assert names == ["营业执照", "土地流转合同"]
    assert code(attach(world["alice"], path, "id_card_front")) == (422, "attachment_kind")  # a person's kind
    for who in ("bob", "other_county", "bank", "admin"):
        assert code(attach(world[who], path, "lease_contract")) == (404, "enterprise_not_found"), who
    contract = lease.json()["attachments"][-1]
    assert_only_those_who_see_download(world, f"{path}/{contract['id']}", ("alice", "township", "county"),
                                       ("bob", "other_township", "bank", "admin"), "enterprise_not_found")


def test_the_bank_attaches_the_loan_contract_and_the_applicant_material(world):
    loan = world["alice"].post("/api/v1/loans", json=loan_request(amount_yuan="100000.00")).json()
    assert loan["status"] == "under_bank_review", loan["failures"]
    path = f"/api/v1/loans/{loan['id']}/attachments"
    assert world["alice"].get(f"/api/v1/loans/{loan['id']}").json()["attachable_kinds"] == [
        ["application_material", "申请补充材料"]]
    material = attach(world["alice"], path, "application_material", "经营流水.pdf", PDF, "application/pdf")
    assert material.status_code == 201, material.text
    early = attach(world["bank"], path, "loan_contract", "借款合同.pdf", PDF, "application/pdf")
    assert code(early) == (409, "loan_status")  # signed once the bank has approved
    approve(world, loan["id"])
    assert [k for k, _ in world["bank"].get(f"/api/v1/loans/{loan['id']}").json()["attachable_kinds"]] == [
        "loan_contract", "guarantee_contract", "disbursement_voucher"]
    signed = attach(world["bank"], path, "loan_contract", "借款合同.pdf", PDF, "application/pdf")
    assert signed.status_code == 201, signed.text
    assert code(attach(world["alice"], path, "loan_contract")) == (403, "bank_document")
    assert code(attach(world["alice"], path, "application_material")) == (409, "loan_status")
    assert code(attach(world["township"], path, "loan_contract")) == (403, "bank_document")
    assert world["township"].get(f"/api/v1/loans/{loan['id']}").json()["attachable_kinds"] == []
    for who in ("bob", "other_bank", "other_county", "admin"):
        assert code(attach(world[who], path, "loan_contract")) == (404, "loan_not_found"), who
    contract = signed.json()["attachments"][-1]
    assert (contract["kind_name"], contract["filename"]) == ("借款合同", "借款合同.pdf")
    assert_only_those_who_see_download(world, f"{path}/{contract['id']}", ("alice", "bank", "township", "county"),
                                       ("bob", "other_bank", "other_county", "admin"), "loan_not_found")


def approve(world, loan_id: str) -> None:
    assert world["city"].post("/api/v1/fund/contributions", headers=key(), json={
        "account": "fund:guarantee", "amount_yuan": "1000000.00"}).status_code == 201
    approved = world["bank"].post(f"/api/v1/loans/{loan_id}/approve", json=APPROVAL)
    assert approved.status_code == 200, approved.text


def upload_on_page(page, form_page, action, kind, file):
    token = CSRF.search(page.get(form_page).text).group(1)
    return page.http.post(page.base_url + action, data={"csrf_token": token, "kind": kind}, files={"file": file},
                          timeout=30, allow_redirects=False)


def test_the_pages_take_documents_and_say_beside_the_field_what_is_wrong(stack, world):
    person, firm = world.alice.entrepreneur_id, world.alice.enterprise_id
    mine = browser_for(stack, world.alice.username)
    refused = upload_on_page(mine, "/me", f"/entrepreneurs/{person}/attachments", "veteran_certificate",
                             ("退役证.docx", b"PK\x03\x04 a word file", "application/msword"))
    assert refused.status_code == 422 and "只能上传PDF、PNG或JPEG文件" in refused.text
    assert 'value="veteran_certificate" selected' in refused.text and "提交未成功" in refused.text
    kept = upload_on_page(mine, "/me", f"/enterprises/{firm}/attachments", "lease_contract",
                          ("租赁合同.pdf", PDF, "application/pdf"))
    assert kept.status_code == 303 and kept.headers["Location"] == f"/me?notice=document_added#documents-{firm}"
    page = mine.get("/me").text
    assert "租赁合同.pdf" in page and f'href="/enterprises/{firm}/attachments/' in page and "身份证与证书" in page
    township = browser_for(stack, stack.create_user("official", region_code=world.places.township, level="township"))
    record_page = f"/records/entrepreneurs/{person}"
    no_kind = upload_on_page(township, record_page, f"/entrepreneurs/{person}/attachments", "",
                             ("脱贫证明.png", PNG, "image/png"))
    assert no_kind.status_code == 422 and "请选择材料类型" in no_kind.text and "身份证与证书" in no_kind.text
    done = upload_on_page(township, record_page, f"/entrepreneurs/{person}/attachments", "poverty_certificate",
                          ("脱贫证明.png", PNG, "image/png"))
    assert done.status_code == 303 and done.headers["Location"].startswith(record_page)
    shown = township.get(record_page).text
    assert "脱贫户证明" in shown and "脱贫证明.png" in shown
    link = shown.split(f'href="/entrepreneurs/{person}/attachments/')[1].split('"')[0]
    assert township.get(f"/entrepreneurs/{person}/attachments/{link}").content == PNG
    other = browser_for(stack, stack.create_user("official", region_code=world.places.other_county, level="county"))
    assert other.get(f"/entrepreneurs/{person}/attachments/{link}").status_code == 404


def test_the_bank_liaison_attaches_the_contract_on_the_loans_page(stack, world):
    borrower = make_borrower(stack, world["township"])
    loan = borrower.client.post("/api/v1/loans", json=loan_request(amount_yuan="100000.00")).json()
    approve(world, loan["id"])
    bank = browser_for(stack, world["bank"].username)
    here = f"/loans/{loan['id']}"
    assert "合同与材料" in bank.get(here).text and 'value="loan_contract"' in bank.get(here).text
    missing = bank.http.post(bank.base_url + f"{here}/attachments", timeout=30, allow_redirects=False, data={
        "csrf_token": CSRF.search(bank.get(here).text).group(1), "kind": "guarantee_contract"})
    assert missing.status_code == 422 and "请选择要上传的文件" in missing.text
    assert 'value="guarantee_contract" selected' in missing.text
    done = upload_on_page(bank, here, f"{here}/attachments", "loan_contract", ("借款合同.pdf", PDF, "application/pdf"))
    assert done.status_code == 303 and done.headers["Location"] == f"{here}?notice=document_added#documents-loan"
    assert "借款合同.pdf" in browser_for(stack, borrower.username).get(here).text
