"""Loose inputs refused through the running system: each rule once over HTTP, and liaisons of real banks only."""

import uuid

import pytest

from tests.borrowers import key, loan_request
from tests.e2e.test_finance_pages import browser_for
from tests.e2e.test_pages import registration_form
from tests.factories import enterprise_data, entrepreneur_data, mobile


@pytest.fixture(scope="module")
def people(stack):
    return {"admin": stack.client(stack.create_user("admin")),
            "entrepreneur": stack.client(stack.create_user("entrepreneur")),
            "admin_name": stack.create_user("admin")}


def refusal(response) -> tuple[int, str, str]:
    error = response.json()["error"]
    assert error["message"], error
    return response.status_code, error["code"], error["field"]


def liaison(**overrides) -> dict:
    return {"username": f"liaison_{uuid.uuid4().hex[:8]}", "password": "long-enough-1", "role": "bank_liaison",
            "display_name": "内江农商银行 赵经理", "bank_code": "NJRCB", **overrides}


def test_an_administrator_creates_liaisons_only_for_partner_banks(people, places):
    admin = people["admin"]
    unknown = admin.post("/api/v1/users", json=liaison(bank_code="NOSUCHBANK"))
    assert refusal(unknown) == (422, "bank_unknown", "bank_code")
    assert "NJRCB" in unknown.json()["error"]["message"]  # the message lists the partner banks
    made = admin.post("/api/v1/users", json=liaison())
    assert made.status_code == 201 and made.json()["bank_code"] == "NJRCB"
    official = liaison(role="official", region_code=places.county, level="county")
    assert refusal(admin.post("/api/v1/users", json=official)) == (422, "bank_for_liaisons_only", "bank_code")
    assert refusal(admin.post("/api/v1/users", json=liaison(region_code=places.county))) == (
        422, "official_fields_only", "region_code")


def test_the_admin_page_refuses_a_bank_that_is_not_a_partner(stack, people):
    page = browser_for(stack, people["admin_name"])
    form = {"role": "bank_liaison", "username": f"liaison_{uuid.uuid4().hex[:6]}", "display_name": "某银行 钱经理",
            "password": "long-enough-1", "bank_code": "NOSUCHBANK"}
    refused = page.submit("/admin/users", form)
    assert refused.status_code == 422 and "不是合作银行" in refused.text
    assert page.submit("/admin/users", {**form, "bank_code": "NJRCB"}).status_code == 303


def test_a_yes_or_no_is_a_json_boolean(people, places):
    body = liaison(role="official", bank_code=None, region_code=places.county, level="county", unit_head=0)
    assert refusal(people["admin"].post("/api/v1/users", json=body)) == (422, "not_boolean", "unit_head")
    assert refusal(people["entrepreneur"].get("/api/v1/loans", params={"queue": "1"})) == (
        422, "not_boolean", "queue")


@pytest.mark.parametrize("amount", ["１００", " 100", "1e2", "100.001", "NaN"])
def test_a_loan_amount_is_plain_digits(people, amount):
    response = people["entrepreneur"].post("/api/v1/loans", json=loan_request(amount_yuan=amount), headers=key())
    assert refusal(response) == (422, "money_format", "amount_yuan")


@pytest.mark.parametrize("founded_on, code", [
    ("0001-01-01", "date_too_early"), ("2025-06-01T00:00:00", "date_format"), ("2999-01-01", "date_in_future")])
def test_an_enterprise_is_founded_on_a_plain_date_between_1949_and_today(people, founded_on, code):
    response = people["entrepreneur"].post("/api/v1/enterprises", json=enterprise_data(founded_on=founded_on),
                                           headers=key())
    assert refusal(response) == (422, code, "founded_on")


def test_a_display_name_holds_no_hidden_characters(stack):
    signup = {"phone": mobile(), "password": "long-enough-1", "display_name": "陈\u202e大姐"}
    assert refusal(stack.client().post("/api/v1/auth/signup", json=signup)) == (
        422, "text_control_character", "display_name")
    assert stack.client().post("/api/v1/auth/signup", json={**signup, "display_name": " 陈大姐 "}).json()[
        "display_name"] == "陈大姐"


def test_a_registration_form_with_a_zero_width_name_is_explained_beside_the_field(stack):
    page = browser_for(stack, stack.create_user("entrepreneur"))
    refused = page.submit("/register", registration_form(entrepreneur_data(name="张\u200b三")))
    assert refused.status_code == 422 and "不可见的控制字符" in refused.text
