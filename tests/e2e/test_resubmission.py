"""Applications bound to fail are no dead ends (issue 15, item 2): what can be checked is checked before
anything is filed, beside the field it concerns, and a refused application or claim is corrected and
made again, once, with both kept and linked."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from shared import clock
from tests.borrowers import certify, key, loan_request, make_borrower, skill_claim
from tests.e2e.test_finance_pages import browser_for
from tests.e2e.test_pages import CSRF, KEY


def code(response):
    return response.status_code, response.json()["error"]["code"] if response.status_code >= 400 else None


@pytest.fixture(scope="module")
def township(stack, places):
    return stack.client(stack.create_user("official", region_code=places.township, level="township"))


def form_post(page, path: str, fields: dict):
    form = page.get(path)
    return page.post(path.split("?")[0], {"csrf_token": CSRF.search(form.text).group(1),
                                          "idempotency_key": KEY.search(form.text).group(1), **fields})


def test_a_person_not_yet_verified_is_told_before_applying_and_nothing_is_filed(stack, township):
    borrower = make_borrower(stack, township, verify=False)
    page = browser_for(stack, borrower.username).get("/loans/new")
    assert "尚未经工作人员核实" in page.text and 'action="/loans/new"' not in page.text
    limits = borrower.client.get("/api/v1/loans/limits").json()
    assert [f["code"] for f in limits["blocking"]] == ["borrower_not_verified"]
    checked = borrower.client.post("/api/v1/loans/check", json=loan_request())
    assert checked.status_code == 200 and checked.json()["eligible"] is False
    assert borrower.client.get("/api/v1/loans").json()["total"] == 0


def test_a_term_over_the_cap_is_named_beside_its_field_and_nothing_is_filed(stack, township):
    borrower = make_borrower(stack, township)
    page = browser_for(stack, borrower.username)
    form = page.get("/loans/new")
    cap = borrower.client.get("/api/v1/loans/limits").json()["individual"]["term_cap_months"]
    assert f"最长{cap}个月" in form.text
    refused = form_post(page, "/loans/new", {**loan_request(term_months=cap + 12), "term_months": str(cap + 12)})
    assert refused.status_code == 422
    assert re.search(rf'id="f-term_months-error">贷款期限超过上限{cap}个月', refused.text)
    assert f'value="{cap + 12}"' in refused.text  # what was typed stays
    assert borrower.client.get("/api/v1/loans").json()["total"] == 0
    # the same through the API: asked to be filed only if eligible, it is refused with each rule
    strict = borrower.client.post("/api/v1/loans", json=loan_request(term_months=cap + 12, only_if_eligible=True),
                                  headers=key())
    assert code(strict) == (422, "not_eligible")
    assert [d["field"] for d in strict.json()["error"]["details"]] == ["term_months"]
    assert borrower.client.get("/api/v1/loans").json()["total"] == 0
    made = form_post(page, "/loans/new", loan_request(term_months=cap))
    assert made.status_code == 303, made.text


def test_a_refused_application_is_corrected_and_made_again_once(stack, township):
    borrower = make_borrower(stack, township)
    cap = borrower.client.get("/api/v1/loans/limits").json()["individual"]["term_cap_months"]
    refused = borrower.client.post("/api/v1/loans", json=loan_request(term_months=cap + 12), headers=key()).json()
    assert refused["status"] == "ineligible"
    page = browser_for(stack, borrower.username)
    shown = page.get(f"/loans/{refused['id']}").text
    assert f'href="/loans/new?from={refused["id"]}"' in shown and "修改后重新申请" in shown
    again = page.get(f"/loans/new?from={refused['id']}").text
    assert f'name="resubmits" value="{refused["id"]}"' in again and f'value="{cap + 12}"' in again

    made = form_post(page, f"/loans/new?from={refused['id']}",
                     {**loan_request(term_months=cap), "resubmits": refused["id"]})
    assert made.status_code == 303, made.text
    new_id = made.headers["Location"].split("?")[0].rsplit("/", 1)[1]
    corrected = borrower.client.get(f"/api/v1/loans/{new_id}").json()
    assert corrected["resubmission_of"] == refused["id"] and corrected["status"] == "under_bank_review"
    earlier = borrower.client.get(f"/api/v1/loans/{refused['id']}").json()
    assert earlier["resubmitted_as"] == new_id and earlier["history"][-1]["action"] == "resubmitted"
    assert f'href="/loans/{new_id}"' in page.get(f"/loans/{refused['id']}").text

    twice = borrower.client.post("/api/v1/loans", json=loan_request(resubmits=refused["id"]), headers=key())
    assert code(twice) == (409, "loan_already_resubmitted")
    still_open = borrower.client.post("/api/v1/loans/check", json=loan_request(resubmits=new_id))
    assert code(still_open) == (409, "loan_not_resubmittable")
    other = make_borrower(stack, township)
    assert code(other.client.post("/api/v1/loans", json=loan_request(resubmits=new_id), headers=key())) == (
        404, "loan_not_found")


def test_a_refused_subsidy_claim_is_checked_first_and_corrected(stack, township):
    borrower = make_borrower(stack, township)
    late = {"name": "电工", "level": "junior", "issued_on": (clock.today() - dt.timedelta(days=500)).isoformat()}
    recent = (clock.today() - dt.timedelta(days=10)).isoformat()  # the date the correction gives
    certify(stack, township, borrower.entrepreneur_id, late, {**late, "issued_on": recent})
    claim = skill_claim(late, certificate_no="B7")
    checked = borrower.client.post("/api/v1/subsidy-claims/check", json=claim).json()
    assert checked["eligible"] is False and [f["field"] for f in checked["failures"]] == ["issued_on"]
    page = browser_for(stack, borrower.username)
    refused_on_page = form_post(page, "/subsidies/new?kind=skill", claim)
    assert refused_on_page.status_code == 422 and 'id="f-issued_on-error">须在取得证书之日起' in refused_on_page.text
    assert borrower.client.get("/api/v1/subsidy-claims").json()["total"] == 0

    refused = borrower.client.post("/api/v1/subsidy-claims", json=claim, headers=key()).json()
    assert refused["status"] == "rejected"
    shown = page.get(f"/subsidies/{refused['id']}").text
    assert f'href="/subsidies/new?from={refused["id"]}"' in shown
    again = page.get(f"/subsidies/new?from={refused['id']}").text
    assert f'name="resubmits" value="{refused["id"]}"' in again
    assert re.search(rf'value="电工\|junior\|{late["issued_on"]}"\s+checked', again)
    made = form_post(page, f"/subsidies/new?from={refused['id']}",
                     {**claim, "issued_on": recent, "resubmits": refused["id"]})
    assert made.status_code == 303, made.text
    new_id = made.headers["Location"].split("?")[0].rsplit("/", 1)[1]
    assert borrower.client.get(f"/api/v1/subsidy-claims/{new_id}").json()["resubmission_of"] == refused["id"]
    assert borrower.client.get(f"/api/v1/subsidy-claims/{refused['id']}").json()["resubmitted_as"] == new_id


RESUBMISSION_ACCESS_CASES = {
    ("POST", "/api/v1/loans/check"): "test_a_person_not_yet_verified_is_told_before_applying_and_nothing_is_filed",
    ("GET", "/api/v1/loans/limits"): "test_a_term_over_the_cap_is_named_beside_its_field_and_nothing_is_filed",
    ("POST", "/api/v1/subsidy-claims/check"): "test_a_refused_subsidy_claim_is_checked_first_and_corrected",
}
