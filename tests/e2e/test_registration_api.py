"""Registration through the HTTP API: the happy path, bad input, conflicts and idempotency."""

import uuid

import pytest

from shared import regions
from tests.factories import (
    enterprise_data,
    entrepreneur_data,
    resident_id,
    wrong_checksum,
    wrong_credit_code,
)


@pytest.fixture
def entrepreneur(stack):
    username = stack.create_user("entrepreneur")
    return stack.client(username)


@pytest.fixture
def township(stack, places):
    return stack.client(stack.create_user("official", region_code=places.township, level="township"))


def error_of(response):
    return response.json()["error"]


def test_an_entrepreneur_registers_and_sees_their_record(entrepreneur):
    data = entrepreneur_data()
    response = entrepreneur.post("/api/v1/entrepreneurs", json=data)
    assert response.status_code == 201, response.text
    record = response.json()
    assert record["status"] == "registered"
    assert record["id_number"] == data["id_number"]
    assert response.headers["Location"] == f"/api/v1/entrepreneurs/{record['id']}"
    assert entrepreneur.get(f"/api/v1/entrepreneurs/{record['id']}").json()["name"] == data["name"]
    listed = entrepreneur.get("/api/v1/entrepreneurs").json()
    assert [item["id"] for item in listed["items"]] == [record["id"]]


def test_a_wrong_checksum_names_the_field_and_writes_nothing(entrepreneur, township):
    data = entrepreneur_data(id_number=wrong_checksum(resident_id()), name=f"校验{uuid.uuid4().hex[:6]}")
    response = entrepreneur.post("/api/v1/entrepreneurs", json=data)
    assert response.status_code == 422
    assert error_of(response)["code"] == "id_number_checksum"
    assert error_of(response)["field"] == "id_number"
    assert error_of(response)["message"] == "身份证号码校验位错误，请核对后重新填写"
    assert entrepreneur.get("/api/v1/entrepreneurs").json()["total"] == 0
    assert township.get("/api/v1/entrepreneurs", params={"q": data["name"]}).json()["total"] == 0


def test_missing_and_mistyped_fields_are_each_named(entrepreneur):
    data = entrepreneur_data(education="doctorate", skills="电工")
    del data["phone"]
    response = entrepreneur.post("/api/v1/entrepreneurs", json=data)
    assert response.status_code == 422
    details = {item["field"]: item["code"] for item in error_of(response)["details"]}
    assert details == {"phone": "required", "education": "not_allowed", "skills": "not_list"}


def test_a_body_that_is_not_json_or_too_large_is_refused(entrepreneur):
    response = entrepreneur.post("/api/v1/entrepreneurs", data="{not json",
                                 headers={"Content-Type": "application/json"})
    assert (response.status_code, error_of(response)["code"]) == (422, "body_not_json")
    response = entrepreneur.post("/api/v1/entrepreneurs", data="x" * (300 * 1024))
    assert (response.status_code, error_of(response)["code"]) == (413, "body_too_large")
    response = entrepreneur.post("/api/v1/entrepreneurs", json=["a list"])
    assert (response.status_code, error_of(response)["code"]) == (422, "body_not_object")


def test_a_second_registration_with_the_same_id_points_to_the_first(stack, entrepreneur, township):
    data = entrepreneur_data()
    first = entrepreneur.post("/api/v1/entrepreneurs", json=data).json()
    response = township.post("/api/v1/entrepreneurs", json={**data, "name": "另一个人"})
    assert response.status_code == 409
    error = error_of(response)
    assert (error["code"], error["field"]) == ("id_number_registered", "id_number")
    assert error["details"]["existing_id"] == first["id"]
    assert township.get("/api/v1/entrepreneurs", params={"q": data["id_number"]}).json()["total"] == 1


def test_an_account_registers_only_one_entrepreneur(entrepreneur):
    assert entrepreneur.post("/api/v1/entrepreneurs", json=entrepreneur_data()).status_code == 201
    response = entrepreneur.post("/api/v1/entrepreneurs", json=entrepreneur_data())
    assert (response.status_code, error_of(response)["code"]) == (409, "account_already_registered")


def test_a_replayed_registration_returns_the_first_result(entrepreneur):
    data, key = entrepreneur_data(), str(uuid.uuid4())
    first = entrepreneur.post("/api/v1/entrepreneurs", json=data, headers={"Idempotency-Key": key})
    again = entrepreneur.post("/api/v1/entrepreneurs", json=data, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    other = entrepreneur.post("/api/v1/entrepreneurs", json={**data, "name": "改了名字"},
                              headers={"Idempotency-Key": key})
    assert (other.status_code, error_of(other)["code"]) == (409, "idempotency_key_reused")


def test_an_official_verifies_and_verifying_again_changes_nothing(entrepreneur, township):
    record = entrepreneur.post("/api/v1/entrepreneurs", json=entrepreneur_data()).json()
    verified = township.post(f"/api/v1/entrepreneurs/{record['id']}/verify").json()
    assert verified["status"] == "verified" and verified["verified_by"]
    again = township.post(f"/api/v1/entrepreneurs/{record['id']}/verify")
    assert again.status_code == 200 and again.json()["version"] == verified["version"]


def test_a_stale_version_is_a_conflict(entrepreneur, township):
    record = entrepreneur.post("/api/v1/entrepreneurs", json=entrepreneur_data()).json()
    response = township.post(f"/api/v1/entrepreneurs/{record['id']}/verify",
                             json={"expected_version": record["version"] + 1})
    assert (response.status_code, error_of(response)["code"]) == (409, "stale_version")


def test_the_enterprise_journey_registration_headcount_liaisons_verification(entrepreneur, township, places,
                                                                              quarters):
    entrepreneur.post("/api/v1/entrepreneurs", json=entrepreneur_data())
    response = entrepreneur.post("/api/v1/enterprises", json=enterprise_data())
    assert response.status_code == 201, response.text
    enterprise = response.json()
    assert enterprise["investment_yuan"] == "350000.00"
    report = {"quarter": quarters.last.code, "headcount": 15, "poverty_hires": 4, "new_hires": 3}
    updated = entrepreneur.post(f"/api/v1/enterprises/{enterprise['id']}/headcount", json=report).json()
    assert updated["headcount"] == 15 and updated["headcount_reports"][0]["revision"] == 1
    liaisons = {"liaisons": [
        {"kind": "finance", "name": "周金融", "phone": "13900000001", "organisation": "内江农商银行双才支行", "level": "township"},
        {"kind": "legal", "name": "吴律师", "phone": "13900000002", "organisation": "东兴区司法局", "level": "county"},
        {"kind": "government_affairs", "name": "郑干事", "phone": "13900000003", "organisation": "双才镇人民政府", "level": "township"}]}
    refused = entrepreneur.put(f"/api/v1/enterprises/{enterprise['id']}/liaisons", json=liaisons)
    assert (refused.status_code, error_of(refused)["code"]) == (403, "official_only")
    assigned = township.put(f"/api/v1/enterprises/{enterprise['id']}/liaisons", json=liaisons).json()
    township_code, county_code = regions.normalize(places.township), regions.normalize(places.county)
    assert {item["kind"]: item["region_code"] for item in assigned["liaisons"]} == {
        "finance": township_code, "legal": county_code, "government_affairs": township_code}
    assert township.post(f"/api/v1/enterprises/{enterprise['id']}/verify").json()["status"] == "verified"


def test_a_failed_credit_code_check_needs_an_officials_reason(stack, entrepreneur, township):
    owner = entrepreneur.post("/api/v1/entrepreneurs", json=entrepreneur_data()).json()
    data = enterprise_data(credit_code=wrong_credit_code())
    response = entrepreneur.post("/api/v1/enterprises", json=data)
    assert (response.status_code, error_of(response)["code"]) == (422, "credit_code_checksum")
    response = entrepreneur.post("/api/v1/enterprises", json={**data, "credit_code_override_reason": "我确定"})
    assert (response.status_code, error_of(response)["code"]) == (403, "override_needs_official")
    response = township.post("/api/v1/enterprises", json={
        **data, "owner_entrepreneur_id": owner["id"], "credit_code_override_reason": "与营业执照原件核对一致"})
    assert response.status_code == 201, response.text
    assert response.json()["credit_code_override_reason"] == "与营业执照原件核对一致"
    again = township.post("/api/v1/enterprises", json={
        **data, "owner_entrepreneur_id": owner["id"], "credit_code_override_reason": "与营业执照原件核对一致"})
    assert (again.status_code, error_of(again)["details"]["existing_id"]) == (409, response.json()["id"])


def test_the_callers_correlation_id_follows_the_request_into_the_event(stack, entrepreneur, databases):
    import sqlalchemy as sa

    correlation_id = uuid.uuid4().hex
    response = entrepreneur.post("/api/v1/entrepreneurs", json=entrepreneur_data(),
                                 headers={"X-Correlation-ID": correlation_id})
    assert response.headers["X-Correlation-ID"] == correlation_id
    engine = sa.create_engine(databases["registry"].replace("postgresql://", "postgresql+psycopg2://"))
    with engine.connect() as connection:
        envelope = connection.scalar(sa.text(
            "SELECT envelope FROM outbox WHERE envelope->'payload'->>'entrepreneur_id' = :e"),
            {"e": response.json()["id"]})
    engine.dispose()
    assert envelope["correlation_id"] == correlation_id
    assert envelope["event_type"] == "entrepreneur_registered"
    assert "id_number" not in envelope["payload"] and "phone" not in envelope["payload"]
