"""Who is told what (services/notifications/domain.py), in the programme's words."""

from __future__ import annotations

import datetime as dt

from services.notifications import domain
from services.notifications.domain import Bank, Person, Unit
from shared import clock
from shared.contracts import escalation, finance, registry
from tests.services.test_escalation_service import registered_firm, registered_person

VILLAGE = "511011101201"
TOWNSHIP = "511011101000"
COUNTY = "511011000000"
TODAY = dt.date(2026, 12, 3)


def loan_fact(**extra) -> dict:
    return {"loan_id": "L1", "borrower_kind": "individual", "entrepreneur_id": "P1", "enterprise_id": None,
            "region_code": VILLAGE, "bank_code": "NJRCB", **extra}


def difficulty_fact(level: str = "township", **extra) -> dict:
    return {"difficulty_id": "D1", "reference": "KN2026-000123", "enterprise_id": "E1", "region_code": VILLAGE,
            "category": "labour", "level": level, **extra}


def test_a_registration_by_the_person_is_new_work_for_the_township_that_holds_their_village():
    told = domain.entrepreneur_registered(registered_person("account-1", region=VILLAGE))
    assert [(m.audience, m.kind) for m in told] == [(Unit(TOWNSHIP, "township"), "new_work")]


def test_a_registration_entered_by_staff_tells_nobody():
    assert domain.entrepreneur_registered(registered_person(None)) == []
    assert domain.enterprise_registered(registered_firm("P1")) == []


def test_work_in_a_county_level_region_goes_to_that_county():
    assert domain.receiving_unit(COUNTY) == Unit(COUNTY, "county")
    assert domain.unit_at(VILLAGE, "county") == COUNTY


def test_entrepreneurs_are_told_of_each_decision_by_sms():
    verified = domain.entrepreneur_verified(registry.EntrepreneurVerified(
        entrepreneur_id="P1", region_code=VILLAGE, verified_by="t", verified_at=clock.utcnow()))
    refused = domain.loan_rejected(finance.LoanRejected(**loan_fact(reason="经营计划不完整", rejected_by="b")))
    paid = domain.subsidy_paid(finance.SubsidyPaid(claim_id="C1", kind="startup", entrepreneur_id="P1",
                                                   enterprise_id=None, region_code=VILLAGE, amount_fen=500_000,
                                                   batch_id="B1", paid_at=clock.utcnow()))
    for told in (verified, refused, paid):
        assert len(told) == 1 and told[0].audience == Person(entrepreneur_id="P1") and told[0].sms
    assert "经营计划不完整" in refused[0].text()
    assert "5,000.00元" in paid[0].text() and paid[0].kind == "payment"


def test_a_payee_whose_payment_the_bank_returned_is_told_why_and_to_check_the_account():
    [told] = domain.subsidy_payment_failed(finance.SubsidyPaymentFailed(
        claim_id="C1", kind="skill", entrepreneur_id="P1", enterprise_id=None, region_code=VILLAGE, amount_fen=100_000,
        batch_id="B1", reason="账户已销户", account_masked="6222 **** **** 7894", returned_at=clock.utcnow()))
    assert told.audience == Person(entrepreneur_id="P1") and told.sms and told.kind == "payment"
    assert "账户已销户" in told.text() and "6222 **** **** 7894" in told.text() and "收款账户" in told.text()


def test_an_eligible_application_is_new_work_for_its_bank_and_an_ineligible_one_a_decision_for_the_borrower():
    eligible = domain.loan_eligibility_assessed(finance.LoanEligibilityAssessed(
        **loan_fact(eligible=True, failures=[], policy_code="2025")))
    ineligible = domain.loan_eligibility_assessed(finance.LoanEligibilityAssessed(
        **loan_fact(eligible=False, failures=[{"rule": "verified"}], policy_code="2025")))
    assert [(m.audience, m.kind) for m in eligible] == [(Bank("NJRCB"), "new_work")]
    assert [(m.audience, m.kind, m.sms) for m in ineligible] == [(Person(entrepreneur_id="P1"), "decision", True)]


def test_a_loan_overdue_warns_the_borrower_and_the_bank():
    told = domain.loan_overdue(finance.LoanOverdue(**loan_fact(days_overdue=12, as_of=TODAY,
                                                                 outstanding_principal_fen=10_000_000)))
    assert {m.audience for m in told} == {Person(entrepreneur_id="P1"), Bank("NJRCB")}
    assert all(m.kind == "deadline_passed" and "12天" in m.body for m in told)


def test_a_new_difficulty_is_new_work_for_the_unit_at_its_level_with_its_contact_limit():
    assigned = escalation.DifficultyAssigned(**difficulty_fact(
        liaison_kind="government_affairs", liaison_name="周政务", official_username=None,
        contact_due=dt.date(2026, 12, 7), resolve_due=dt.date(2026, 12, 17)))
    (message,) = domain.difficulty_assigned(assigned)
    assert message.audience == Unit(TOWNSHIP, "township") and message.due_on == dt.date(2026, 12, 7)
    assert "2026年12月7日前首次联系" in message.body and message.sms
    escalated = escalation.DifficultyAssigned(**{**assigned.model_dump(), "level": "county"})
    assert domain.difficulty_assigned(escalated)[0].audience == Unit(COUNTY, "county")


def test_only_the_head_of_the_unit_is_told_an_answer_was_accepted_and_waits_for_sign_off():
    (message,) = domain.difficulty_accepted(escalation.DifficultyAccepted(
        **difficulty_fact(accepted_at=clock.utcnow())))
    assert message.audience == Unit(TOWNSHIP, "township", heads_only=True)


def test_the_enterprise_is_told_its_difficulty_was_answered_by_sms():
    (message,) = domain.difficulty_resolved(escalation.DifficultyResolved(
        **difficulty_fact(resolved_by="t", resolved_at=clock.utcnow())))
    assert message.audience == Person(enterprise_id="E1") and message.sms and "KN2026-000123" in message.title


def test_a_time_limit_is_reminded_of_on_its_day_and_warned_of_once_it_has_passed():
    unit, due = Unit(TOWNSHIP, "township"), dt.date(2026, 12, 7)
    assert domain.reminder("contact", "KN1", "D1", unit, due, due - dt.timedelta(days=1)) is None
    near = domain.reminder("contact", "KN1", "D1", unit, due, due)
    passed = domain.reminder("resolve", "KN1", "D1", unit, due, due + dt.timedelta(days=3))
    assert near is not None and near.kind == "deadline_near" and "今天到首次联系时限" in near.title
    assert passed is not None and passed.kind == "deadline_passed" and "已超过书面答复时限" in passed.title


def test_each_audience_has_its_own_key_and_a_text_fits_one_message():
    keys = {domain.Message(a, "new_work", "t").audience_key() for a in (
        Person(entrepreneur_id="P1"), Person(enterprise_id="P1"), Unit(TOWNSHIP, "township"),
        Unit(TOWNSHIP, "township", heads_only=True), Bank("NJRCB"))}
    assert len(keys) == 5
    assert len(domain.Message(Bank("B"), "new_work", "标题" * 50, "很长的内容" * 100).text()) <= 280
