"""Corrections both ways (issue 15): an official returns a record with a reason, its owner corrects and
resubmits it, officials correct what they entered; every change is kept on the record and followed by
the other services' copies."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.borrowers import finance_knows, make_borrower
from tests.factories import credit_code, enterprise_data, entrepreneur_data, resident_id
from tests.places import PLACES


def code(response):
    return response.status_code, response.json()["error"]["code"] if response.status_code >= 400 else None


@pytest.fixture(scope="module")
def staff(stack, places):
    def official(region, level):
        return stack.client(stack.create_user("official", region_code=region, level=level))

    return {"township": official(places.township, "township"), "county": official(places.county, "county"),
            "other_county": official(places.other_county, "county"),
            "bank": stack.client(stack.create_user("bank_liaison", bank_code="NJRCB")),
            "admin": stack.client(stack.create_user("admin"))}


def own_record(stack, region=PLACES.village):
    """An entrepreneur who registered themselves and an enterprise, neither verified yet."""
    client = stack.client(stack.create_user("entrepreneur"))
    person = client.post("/api/v1/entrepreneurs", json=entrepreneur_data(region_code=region))
    assert person.status_code == 201, person.text
    firm = client.post("/api/v1/enterprises", json=enterprise_data(region_code=region, credit_code=credit_code(region)))
    assert firm.status_code == 201, firm.text
    return client, person.json(), firm.json()


def test_a_returned_record_is_corrected_and_resubmitted_by_its_owner_and_then_verified(stack, staff):
    client, person, _ = own_record(stack)
    path = f"/api/v1/entrepreneurs/{person['id']}"

    returned = staff["township"].post(f"{path}/return", json={"reason": "外出务工地点填写不完整，请写明省市", "expected_version": person["version"]})
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "returned"
    mine = client.get(path).json()
    assert mine["return_reason"] == "外出务工地点填写不完整，请写明省市"
    assert code(staff["township"].post(f"{path}/verify")) == (409, "record_returned")
    # asking again changes nothing
    again = staff["township"].post(f"{path}/return", json={"reason": "外出务工地点填写不完整，请写明省市"})
    assert again.json()["version"] == returned.json()["version"]

    # the owner corrects it; the registration's own rules check the corrected record
    assert code(client.patch(path, json={"phone": "12345"})) == (422, "phone_format")
    fixed = client.patch(path, json={"previous_work_place": "广东省东莞市长安镇", "expected_version": returned.json()["version"]})
    assert fixed.status_code == 200, fixed.text
    record = fixed.json()
    assert record["status"] == "registered" and record["return_reason"] is None
    assert record["previous_work_place"] == "广东省东莞市长安镇"
    changes = [(c["change"], c["reason"]) for c in record["history"]]
    assert changes == [("returned", "外出务工地点填写不完整，请写明省市"), ("resubmitted", "")]
    assert record["history"][1]["before"]["previous_work_place"] == person["previous_work_place"]
    assert record["history"][1]["after"] == {"previous_work_place": "广东省东莞市长安镇", "status": "registered"}

    verified = staff["township"].post(f"{path}/verify")
    assert verified.json()["status"] == "verified"
    # once verified, the owner no longer edits it; an official corrects it and says why
    assert code(client.patch(path, json={"education": "college"})) == (409, "record_verified")
    assert code(staff["township"].patch(path, json={"education": "college"})) == (422, "correction_reason_required")
    corrected = staff["township"].patch(path, json={"education": "college", "reason": "毕业证书核对后更正学历"})
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["status"] == "verified"
    assert corrected.json()["history"][-1]["change"] == "corrected"
    assert corrected.json()["history"][-1]["changed_by"] == staff["township"].username
    # the same values again record nothing
    same = staff["township"].patch(path, json={"education": "college", "reason": "毕业证书核对后更正学历"})
    assert len(same.json()["history"]) == len(corrected.json()["history"])


def test_a_change_of_name_and_region_reaches_the_other_services(stack, staff, places):
    client, person, firm = own_record(stack)
    renamed = client.patch(f"/api/v1/entrepreneurs/{person['id']}", json={"name": "王更正"})
    assert renamed.status_code == 200, renamed.text
    finance_knows(stack, "known_entrepreneurs", person["id"], "name = '王更正' AND record_version = 2")
    finance_knows(stack, "known_entrepreneurs", person["id"], "name = '王更正'", service="projects")

    moved = client.patch(f"/api/v1/enterprises/{firm['id']}", json={"name": "更正后的合作社", "headcount": 12})
    assert moved.status_code == 200, moved.text
    assert moved.json()["headcount"] == 12
    for service in ("finance", "escalation", "projects"):
        finance_knows(stack, "known_enterprises", firm["id"], "name = '更正后的合作社'", service=service)


def test_an_enterprise_is_returned_and_corrected_by_its_rules(stack, staff, places):
    client, person, firm = own_record(stack)
    path = f"/api/v1/enterprises/{firm['id']}"
    assert staff["township"].post(f"{path}/return", json={"reason": "从业人数与营业执照不符"}).json()["status"] == "returned"
    assert code(client.patch(path, json={"poverty_hires": firm["headcount"] + 1})) == (
        422, "poverty_hires_exceed_headcount")
    assert code(client.patch(path, json={"credit_code": "91510000MA00000000", "credit_code_override_reason": "执照如此"})) == (
        403, "override_needs_official")
    other = own_record(stack)[2]
    assert code(client.patch(path, json={"credit_code": other["credit_code"]})) == (409, "credit_code_registered")
    resubmitted = client.patch(path, json={"headcount": firm["headcount"] + 2})
    assert resubmitted.json()["status"] == "registered"
    assert [c["change"] for c in resubmitted.json()["history"]] == ["returned", "resubmitted"]


def test_a_corrected_resident_id_is_checked_and_gives_the_new_birth_date(stack, staff):
    client, person, _ = own_record(stack)
    path = f"/api/v1/entrepreneurs/{person['id']}"
    taken = own_record(stack)[1]
    assert code(client.patch(path, json={"id_number": taken["id_number"]})) == (409, "id_number_registered")
    assert code(client.patch(path, json={"id_number": "510000199001011234"}))[0] == 422
    number = resident_id(birth=dt.date(1988, 8, 8))
    fixed = client.patch(path, json={"id_number": number}).json()
    assert fixed["id_number"] == number and fixed["birth_date"] == "1988-08-08"


def test_officials_move_records_only_within_their_jurisdiction(stack, staff, places):
    _, person, _ = own_record(stack)
    path = f"/api/v1/entrepreneurs/{person['id']}"
    assert code(staff["township"].patch(path, json={"region_code": places.other_village})) == (
        403, "region_outside_jurisdiction")
    assert staff["county"].patch(path, json={"region_code": places.township}).status_code == 200


# ---- who may -----------------------------------------------------------------------------------

def test_returning_an_entrepreneur(stack, staff):
    client, person, _ = own_record(stack)
    path = f"/api/v1/entrepreneurs/{person['id']}/return"
    body = {"reason": "请补充回乡时间"}
    for who in ("other_county", "bank", "admin"):
        assert code(staff[who].post(path, json=body)) == (404, "entrepreneur_not_found"), who
    assert code(client.post(path, json=body)) == (403, "official_only")
    assert code(staff["county"].post(path, json={"reason": ""})) == (422, "too_short")
    assert staff["county"].post(path, json=body).status_code == 200


def test_returning_an_enterprise(stack, staff):
    client, _, firm = own_record(stack)
    path = f"/api/v1/enterprises/{firm['id']}/return"
    body = {"reason": "请上传营业执照"}
    for who in ("other_county", "bank", "admin"):
        assert code(staff[who].post(path, json=body)) == (404, "enterprise_not_found"), who
    assert code(client.post(path, json=body)) == (403, "official_only")
    assert staff["township"].post(path, json=body).status_code == 200
    verified = own_record(stack)[2]
    assert staff["township"].post(f"/api/v1/enterprises/{verified['id']}/verify").status_code == 200
    assert code(staff["township"].post(f"/api/v1/enterprises/{verified['id']}/return", json=body)) == (
        409, "record_verified")


def test_correcting_an_entrepreneur(stack, staff):
    client, person, _ = own_record(stack)
    stranger = make_borrower(stack, staff["township"], verify=False)
    path = f"/api/v1/entrepreneurs/{person['id']}"
    body = {"previous_occupation": "电子厂班组长"}
    for who in ("other_county", "bank", "admin"):
        assert code(staff[who].patch(path, json=body)) == (404, "entrepreneur_not_found"), who
    assert code(stranger.client.patch(path, json=body)) == (404, "entrepreneur_not_found")
    assert client.patch(path, json=body).status_code == 200
    assert staff["county"].patch(path, json={"previous_occupation": "电子厂车间主任"}).status_code == 200


def test_correcting_an_enterprise(stack, staff):
    client, _, firm = own_record(stack)
    stranger = make_borrower(stack, staff["township"], verify=False)
    path = f"/api/v1/enterprises/{firm['id']}"
    body = {"industry": "农产品初加工"}
    for who in ("other_county", "bank", "admin"):
        assert code(staff[who].patch(path, json=body)) == (404, "enterprise_not_found"), who
    assert code(stranger.client.patch(path, json=body)) == (404, "enterprise_not_found")
    assert code(client.patch(path, json={"owner_entrepreneur_id": "x"})) == (422, "unknown_field")
    assert client.patch(path, json=body).status_code == 200
    assert staff["township"].patch(path, json={"industry": "农产品加工"}).status_code == 200


CORRECTIONS_ACCESS_CASES = {
    ("POST", "/api/v1/entrepreneurs/<string:entrepreneur_id>/return"): "test_returning_an_entrepreneur",
    ("PATCH", "/api/v1/entrepreneurs/<string:entrepreneur_id>"): "test_correcting_an_entrepreneur",
    ("POST", "/api/v1/enterprises/<string:enterprise_id>/return"): "test_returning_an_enterprise",
    ("PATCH", "/api/v1/enterprises/<string:enterprise_id>"): "test_correcting_an_enterprise",
}
