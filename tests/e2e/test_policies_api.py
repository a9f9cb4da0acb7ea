"""Policy data without a migration (issue 17): an administrator proposes a new version with its
document number and effective date, another approves it, and it applies from its day on; the past
is never edited, and every loan keeps the version it was decided under.

Each proposal here takes a day of its own far ahead (`policy_day`), so that no other story, even
one that moves the programme's day, meets a rate these tests add.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import uuid

from shared import clock
from tests.borrowers import key, loan_request, make_borrower
from tests.places import PLACES

A = "/api/v1/policies"
SOURCE = "内江市人力资源和社会保障局跨省务工交通补助标准的通知"
_days = itertools.count(1100 + random.randrange(300))  # days ahead: one session's proposals never share a day


def policy_day() -> dt.date:
    return clock.today() + dt.timedelta(days=next(_days))


def lpr_proposal(day: dt.date | None = None, rate_bp: int = 285, **changes) -> dict:
    day = day or policy_day()
    return {"domain": "lpr", "effective_from": day.isoformat(), "params": {"rate_bp": rate_bp},
            "reason": f"全国银行间同业拆借中心{day.isoformat()}公布的一年期LPR", **changes}


def code(response):
    return response.status_code, response.json()["error"]["code"] if response.status_code >= 400 else None


def field(response):
    return response.json()["error"]["field"]


def admins(stack):
    return stack.client(stack.create_user("admin")), stack.client(stack.create_user("admin"))


def versions(client, domain: str = "lpr") -> dict[str, dict]:
    return {v["code"]: v for v in client.get(A, params={"domain": domain}).json()["items"]}


def test_a_new_lpr_proposed_by_one_administrator_and_approved_by_another_prices_loans_from_its_day(stack):
    first, second = admins(stack)
    day = policy_day()
    proposed = first.post(f"{A}/proposals", json=lpr_proposal(day, 285), headers=key())
    assert proposed.status_code == 201, proposed.text
    proposal = proposed.json()
    assert (proposal["status"], proposal["code"], proposal["effective_from"]) == ("proposed", day.isoformat(),
                                                                               day.isoformat())
    # four eyes: the proposer may not approve it, and until approved it applies to nothing
    assert code(first.post(f"{A}/proposals/{proposal['id']}/approve")) == (403, "four_eyes")
    assert day.isoformat() not in versions(first)
    approved = second.post(f"{A}/proposals/{proposal['id']}/approve", headers=key())
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["decided_by"]) == ("approved", second.username)
    assert code(second.post(f"{A}/proposals/{proposal['id']}/approve")) == (409, "proposal_decided")

    listed = versions(first)
    added = listed[day.isoformat()]
    assert (added["standing"], added["params"], added["proposal"]["proposed_by"]) == (
        "upcoming", {"rate_bp": 285}, first.username)
    today_rate = next(v for v in listed.values() if v["standing"] == "in_force")
    assert dt.date.fromisoformat(today_rate["effective_from"]) <= clock.today()

    # on its day it is the rate in force, and a loan contracted that day is priced on it
    city = stack.client(stack.create_user("official", region_code=PLACES.city, level="city"))
    township = stack.client(stack.create_user("official", region_code=PLACES.township, level="township"))
    liaison = stack.client(stack.create_user("bank_liaison", bank_code="NJRCB"))
    city.post("/api/v1/fund/contributions", headers=key(), json={"account": "fund:guarantee",
                                                                 "amount_yuan": "1000000"})
    with stack.today(day):
        assert versions(first)[day.isoformat()]["standing"] == "in_force"
        borrower = make_borrower(stack, township)
        loan = borrower.client.post("/api/v1/loans", json=loan_request(amount_yuan="100000.00")).json()
        decided = liaison.post(f"/api/v1/loans/{loan['id']}/approve", headers=key(), json={
            "amount_yuan": "100000.00", "term_months": 24, "spread_bp": 50})
        assert decided.status_code == 200, decided.text
        assert (decided.json()["contract_date"], decided.json()["lpr_percent"]) == (day.isoformat(), "2.85")


def test_the_past_is_never_edited_nor_a_day_or_document_number_taken_twice(stack):
    first, _ = admins(stack)
    yesterday = clock.today() - dt.timedelta(days=1)
    past = first.post(f"{A}/proposals", json=lpr_proposal(yesterday))
    assert (code(past), field(past)) == ((422, "effective_date_past"), "effective_from")
    seeded = first.post(f"{A}/proposals", json=lpr_proposal(code="2025-05-20"))
    assert (code(seeded), field(seeded)) == ((422, "policy_code_taken"), "code")
    day = policy_day()
    assert first.post(f"{A}/proposals", json=lpr_proposal(day)).status_code == 201
    same_day = first.post(f"{A}/proposals", json=lpr_proposal(day, code=f"{day.isoformat()}公告"))
    assert (code(same_day), field(same_day)) == ((422, "policy_date_taken"), "effective_from")
    assert "待审批" in same_day.json()["error"]["message"]
    bad = first.post(f"{A}/proposals", json=lpr_proposal(rate_bp=0))
    assert (code(bad), field(bad)) == ((422, "param_out_of_range"), "params.rate_bp")


def test_a_proposal_whose_day_passed_before_approval_is_refused_and_may_be_returned(stack):
    first, second = admins(stack)
    day = policy_day()
    proposal = first.post(f"{A}/proposals", json=lpr_proposal(day)).json()
    with stack.today(day + dt.timedelta(days=1)):
        late = second.post(f"{A}/proposals/{proposal['id']}/approve")
    assert (code(late), field(late)) == ((409, "effective_date_passed"), "effective_from")
    assert day.isoformat() not in versions(first)
    assert code(second.post(f"{A}/proposals/{proposal['id']}/reject", json={})) == (422, "required")
    returned = second.post(f"{A}/proposals/{proposal['id']}/reject", json={"reason": "生效日期已过，请重新提出"})
    assert (returned.json()["status"], returned.json()["rejection_reason"]) == ("rejected", "生效日期已过，请重新提出")
    listed = {p["id"]: p for p in first.get(f"{A}/proposals", params={"status": "rejected"}).json()["items"]}
    assert listed[proposal["id"]]["decided_by"] == second.username


def test_a_citys_travel_subsidy_names_an_amount_and_its_source_for_current_counties(stack):
    first, second = admins(stack)
    counties = {"511011": {"amount_fen": 35000, "source": SOURCE}, "511028": {"amount_fen": 45000, "source": SOURCE}}
    body = {"domain": "subsidy:travel", "code": f"内江市人社〔{uuid.uuid4().hex[:6]}〕号",
            "effective_from": policy_day().isoformat(), "reason": "各县（市、区）调整跨省务工交通补助标准",
            "params": {"city_code": "511000", "categories": ["lifted_out_of_poverty"], "trips_per_year": 1,
                       "home_province": "51", "per_trip_by_county": counties}}
    retired = first.post(f"{A}/proposals", json=body)  # 隆昌县 (511028) is 隆昌市 (511083) since 2017
    assert (code(retired), field(retired)) == ((422, "county_code_not_current"), "params.per_trip_by_county.511028")
    counties["511083"] = counties.pop("511028")
    proposal = first.post(f"{A}/proposals", json=body)
    assert proposal.status_code == 201, proposal.text
    assert second.post(f"{A}/proposals/{proposal.json()['id']}/approve").status_code == 200
    added = versions(first, "subsidy:travel")[body["code"]]
    assert (added["city_code"], added["standing"]) == ("511000000000", "upcoming")
    assert added["params"]["per_trip_by_county"]["511083"] == {"amount_fen": 45000, "source": SOURCE}


def test_a_proposal_sent_twice_with_one_key_is_proposed_once(stack):
    first, _ = admins(stack)
    body, sent = lpr_proposal(), key()
    once = first.post(f"{A}/proposals", json=body, headers=sent).json()
    again = first.post(f"{A}/proposals", json=body, headers=sent).json()
    assert once["id"] == again["id"]
    assert [p["id"] for p in first.get(f"{A}/proposals").json()["items"]].count(once["id"]) == 1
