"""A record registered on someone's behalf, claimed by the person (issue 15): with the code texted to
the phone on the record, or confirmed by an official in person. The record, its enterprises and their
history become the person's, in the registry and in the other services' copies."""

from __future__ import annotations

import pytest

from tests.borrowers import finance_knows
from tests.factories import credit_code, enterprise_data, entrepreneur_data


def code(response):
    return response.status_code, response.json()["error"]["code"] if response.status_code >= 400 else None


@pytest.fixture(scope="module")
def desk(stack, places):
    return {"township": stack.client(stack.create_user("official", region_code=places.township, level="township")),
            "other_county": stack.client(stack.create_user("official", region_code=places.other_county,
                                                           level="county")),
            "bank": stack.client(stack.create_user("bank_liaison", bank_code="NJRCB")),
            "admin": stack.client(stack.create_user("admin"))}


def registered_for(stack, desk, places, *, enterprise=False):
    """A person the township registered at the counter (with an enterprise), and the account the person
    opens later, which has no record yet."""
    data = entrepreneur_data(region_code=places.village)
    person = desk["township"].post("/api/v1/entrepreneurs", json=data)
    assert person.status_code == 201, person.text
    firm = None
    if enterprise:
        firm = desk["township"].post("/api/v1/enterprises", json=enterprise_data(
            owner_entrepreneur_id=person.json()["id"], region_code=places.village,
            credit_code=credit_code(places.village))).json()
    account = stack.create_user("entrepreneur")
    return person.json(), firm, account, stack.client(account)


def test_the_person_claims_the_record_with_the_code_texted_to_its_phone(stack, desk, places):
    person, firm, account, me = registered_for(stack, desk, places, enterprise=True)
    # signing up and registering again is refused as a duplicate: claiming is the way in
    again = me.post("/api/v1/entrepreneurs", json=entrepreneur_data(id_number=person["id_number"],
                                                                    region_code=places.village))
    assert code(again) == (409, "id_number_registered")

    sent = me.post("/api/v1/entrepreneurs/claim/code", json={"id_number": person["id_number"]})
    assert sent.status_code == 200, sent.text
    assert sent.json()["phone"] == f"{person['phone'][:3]}****{person['phone'][-4:]}"
    texted = stack.sms.code_for(person["phone"])
    assert "认领" in stack.sms.texts_to(person["phone"])[0]
    assert code(me.post("/api/v1/entrepreneurs/claim/code", json={"id_number": person["id_number"]})) == (
        409, "code_sent_recently")

    wrong = "000000" if texted != "000000" else "111111"
    refused = me.post("/api/v1/entrepreneurs/claim", json={"id_number": person["id_number"], "code": wrong})
    assert code(refused) == (422, "code_wrong") and "还可以再试4次" in refused.json()["error"]["message"]
    claimed = me.post("/api/v1/entrepreneurs/claim", json={"id_number": person["id_number"], "code": texted})
    assert claimed.status_code == 200, claimed.text
    record = claimed.json()
    assert record["id"] == person["id"] and record["claimed"] is True
    assert record["history"][-1]["change"] == "claimed" and record["history"][-1]["reason"] == "短信验证码"

    # the record and its enterprise are the person's now, here and in the other services
    assert [item["id"] for item in me.get("/api/v1/enterprises").json()["items"]] == [firm["id"]]
    assert me.get(f"/api/v1/entrepreneurs/{person['id']}").status_code == 200
    user_id = me.get("/api/v1/me").json()["user_id"]
    finance_knows(stack, "known_entrepreneurs", person["id"], f"account_id = '{user_id}'")
    finance_knows(stack, "known_enterprises", firm["id"], f"owner_account_id = '{user_id}'", service="escalation")
    # a code is used once, and the record cannot be claimed twice
    other = stack.client(stack.create_user("entrepreneur"))
    assert code(other.post("/api/v1/entrepreneurs/claim/code", json={"id_number": person["id_number"]})) == (
        409, "record_already_claimed")
    assert code(me.post("/api/v1/entrepreneurs/claim", json={"id_number": person["id_number"], "code": texted})) == (
        409, "account_already_registered")


def test_wrong_codes_run_out_and_a_claim_needs_a_code_sent_first(stack, desk, places):
    person, _, _, me = registered_for(stack, desk, places)
    body = {"id_number": person["id_number"], "code": "123456"}
    assert code(me.post("/api/v1/entrepreneurs/claim", json=body)) == (409, "code_not_sent")
    assert me.post("/api/v1/entrepreneurs/claim/code", json={"id_number": person["id_number"]}).status_code == 200
    texted = stack.sms.code_for(person["phone"])
    wrong = {**body, "code": "000000" if texted != "000000" else "111111"}
    answers = [code(me.post("/api/v1/entrepreneurs/claim", json=wrong)) for _ in range(5)]
    assert answers == [(422, "code_wrong")] * 5
    # even the right code no longer opens it: a new one must be asked for
    assert code(me.post("/api/v1/entrepreneurs/claim", json={**body, "code": texted})) == (
        409, "code_attempts_exceeded")
    assert code(me.post("/api/v1/entrepreneurs/claim/code", json={"id_number": "110101199003074514"}))[0] in (404, 422)


def test_an_official_confirms_a_claim_in_person(stack, desk, places):
    person, _, account, me = registered_for(stack, desk, places)
    asked = me.post("/api/v1/entrepreneurs/claim", json={"id_number": person["id_number"], "in_person": True,
                                                         "note": "本周五到镇便民服务中心"})
    assert asked.status_code == 202, asked.text
    claim = asked.json()
    assert claim["status"] == "pending" and claim["method"] == "in_person"
    # asking again is the same request
    assert me.post("/api/v1/entrepreneurs/claim", json={"id_number": person["id_number"],
                                                        "in_person": True}).json()["id"] == claim["id"]
    waiting = {item["kind"]: item for item in desk["township"].get("/api/v1/todo").json()["items"]}
    assert waiting["claims_to_confirm"]["count"] >= 1
    pending = desk["township"].get("/api/v1/entrepreneur-claims", params={"status": "pending"}).json()["items"]
    assert claim["id"] in {item["id"] for item in pending}
    assert me.get("/api/v1/entrepreneur-claims").json()["items"][0]["id"] == claim["id"]

    approved = desk["township"].post(f"/api/v1/entrepreneur-claims/{claim['id']}/approve",
                                     json={"note": "已核对身份证原件"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert me.get("/api/v1/entrepreneurs").json()["items"][0]["id"] == person["id"]
    history = me.get(f"/api/v1/entrepreneurs/{person['id']}").json()["history"]
    assert history[-1]["change"] == "claimed" and history[-1]["changed_by"] == desk["township"].username
    # confirming again changes nothing
    assert desk["township"].post(f"/api/v1/entrepreneur-claims/{claim['id']}/approve").json()["status"] == "approved"


def test_approving_a_claim(stack, desk, places):
    person, _, _, me = registered_for(stack, desk, places)
    claim = me.post("/api/v1/entrepreneurs/claim", json={"id_number": person["id_number"], "in_person": True}).json()
    path = f"/api/v1/entrepreneur-claims/{claim['id']}/approve"
    for who in ("other_county", "bank", "admin"):
        assert code(desk[who].post(path, json={})) == (404, "claim_not_found"), who
    assert code(me.post(path, json={})) == (404, "claim_not_found")
    assert desk["township"].post(path, json={}).status_code == 200


def test_rejecting_a_claim(stack, desk, places):
    person, _, _, me = registered_for(stack, desk, places)
    claim = me.post("/api/v1/entrepreneurs/claim", json={"id_number": person["id_number"], "in_person": True}).json()
    path = f"/api/v1/entrepreneur-claims/{claim['id']}/reject"
    for who in ("other_county", "bank", "admin"):
        assert code(desk[who].post(path, json={"note": "x"})) == (404, "claim_not_found"), who
    assert code(desk["township"].post(path, json={})) == (422, "reason_required")
    rejected = desk["township"].post(path, json={"note": "本人未携带身份证件"})
    assert rejected.json()["status"] == "rejected"
    assert me.get("/api/v1/entrepreneur-claims").json()["items"][0]["decision_note"] == "本人未携带身份证件"


def test_only_a_person_without_a_record_claims(stack, desk, places):
    person, _, _, _ = registered_for(stack, desk, places)
    body = {"id_number": person["id_number"]}
    for who in ("township", "bank", "admin"):
        assert code(desk[who].post("/api/v1/entrepreneurs/claim/code", json=body)) == (403, "role_not_allowed"), who
        assert code(desk[who].post("/api/v1/entrepreneurs/claim", json={**body, "in_person": True})) == (
            403, "role_not_allowed"), who
    registered = stack.client(stack.create_user("entrepreneur"))
    registered.post("/api/v1/entrepreneurs", json=entrepreneur_data(region_code=places.village))
    assert code(registered.post("/api/v1/entrepreneurs/claim/code", json=body)) == (409, "account_already_registered")


def test_claims_are_listed_to_their_people_and_region(stack, desk, places):
    person, _, _, me = registered_for(stack, desk, places)
    claim = me.post("/api/v1/entrepreneurs/claim", json={"id_number": person["id_number"], "in_person": True}).json()
    for who in ("other_county", "bank", "admin"):
        listed = desk[who].get("/api/v1/entrepreneur-claims", params={"per_page": 100}).json()["items"]
        assert claim["id"] not in {item["id"] for item in listed}, who
    stranger = stack.client(stack.create_user("entrepreneur"))
    assert stranger.get("/api/v1/entrepreneur-claims").json()["items"] == []


CLAIMS_ACCESS_CASES = {
    ("POST", "/api/v1/entrepreneurs/claim/code"): "test_only_a_person_without_a_record_claims",
    ("POST", "/api/v1/entrepreneurs/claim"): "test_only_a_person_without_a_record_claims",
    ("GET", "/api/v1/entrepreneur-claims"): "test_claims_are_listed_to_their_people_and_region",
    ("POST", "/api/v1/entrepreneur-claims/<string:claim_id>/approve"): "test_approving_a_claim",
    ("POST", "/api/v1/entrepreneur-claims/<string:claim_id>/reject"): "test_rejecting_a_claim",
}
