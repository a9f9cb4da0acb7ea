"""Request bodies read as a bank's system reads them: each loose input refused with its field and code."""

import datetime as dt
from decimal import Decimal

import pytest

from services.gateway.handlers.auth import SignUp, UserCreate
from shared import clock
from shared.contracts.consultation import MeetingRecord, ResolutionAssign
from shared.contracts.escalation import CalendarYear, DifficultyListQuery, NoteBody, ReasonBody
from shared.contracts.finance import (
    BankUpdate,
    Hire,
    LoanApprove,
    LoanCreate,
    LoanDisburse,
    LoanListQuery,
    RepaymentCreate,
    RepaymentRate,
    SubsidyClaimCreate,
)
from shared.contracts.projects import ProjectCreate, ProjectQuery, RecommendationDecision
from shared.contracts.registry import EnterpriseCreate, EntrepreneurCreate, LiaisonsAssign
from shared.errors import InvalidInput
from shared.validation import parse
from tests.factories import enterprise_data, entrepreneur_data, resident_id

TODAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def programme_day(tmp_path, monkeypatch):
    """Every date rule measured from one fixed programme day."""
    path = tmp_path / "today"
    monkeypatch.setenv(clock.CLOCK_FILE, str(path))
    clock.set_today(path, TODAY)


def refused(model, data) -> tuple[str, str | None]:
    with pytest.raises(InvalidInput) as caught:
        parse(model, data)
    error = caught.value
    assert error.message, error
    return error.code, error.field


def loan(**overrides) -> dict:
    return {"bank_code": "NJRCB", "amount_yuan": "200000.00", "term_months": 24, "purpose": "购置设备",
            **overrides}


def staff(**overrides) -> dict:
    return {"username": "li_ke", "password": "long-enough-1", "role": "official", "display_name": "东兴区 李科长",
            "region_code": "511011", "level": "county", **overrides}


def hire(**overrides) -> dict:
    return {"name": "王芳", "id_number": resident_id(), "category": "graduate", "contract_months": 12,
            "social_insurance": True, "hired_on": "2026-03-01", **overrides}


# ---- money ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [
    pytest.param("１００", id="full-width-digits"),
    pytest.param(" 100", id="leading-space"),
    pytest.param("100 ", id="trailing-space"),
    pytest.param("1e2", id="exponent"),
    pytest.param(1e20, id="float-with-exponent"),
    pytest.param("100.001", id="three-decimals"),
    pytest.param(100.001, id="number-with-three-decimals"),
    pytest.param("NaN", id="nan-text"),
    pytest.param(float("nan"), id="nan"),
    pytest.param("Infinity", id="infinity"),
    pytest.param("+100", id="plus-sign"),
    pytest.param("-100", id="minus-sign"),
    pytest.param("1,000", id="thousands-separator"),
    pytest.param("", id="empty"),
    pytest.param(True, id="boolean"),
    pytest.param([100], id="list"),
])
def test_an_amount_is_plain_ascii_digits_with_at_most_two_decimals(amount):
    assert refused(LoanCreate, loan(amount_yuan=amount)) == ("money_format", "amount_yuan")


@pytest.mark.parametrize("amount, expected", [
    ("200000", Decimal("200000")), ("1234.5", Decimal("1234.5")), ("1234.50", Decimal("1234.50")),
    (1234, Decimal("1234")), (1234.5, Decimal("1234.5")), (Decimal("99.99"), Decimal("99.99")),
])
def test_an_amount_as_a_number_or_plain_text_is_taken(amount, expected):
    assert parse(LoanCreate, loan(amount_yuan=amount)).amount_yuan == expected


def test_every_money_field_follows_the_same_rule():
    assert refused(RepaymentCreate, {"amount_yuan": "1e2"}) == ("money_format", "amount_yuan")
    assert refused(LoanApprove, {"amount_yuan": "１０００", "term_months": 12, "spread_bp": 0}) == (
        "money_format", "amount_yuan")
    assert refused(BankUpdate, {"confirmation_threshold_yuan": " 300000"}) == (
        "money_format", "confirmation_threshold_yuan")
    assert refused(SubsidyClaimCreate, {"kind": "startup", "enterprise_id": "e1", "amount_yuan": "NaN"}) == (
        "money_format", "amount_yuan")
    assert refused(EnterpriseCreate, enterprise_data(investment_yuan="３５００００")) == (
        "money_format", "investment_yuan")
    assert refused(ProjectQuery, {"min_investment_yuan": "1e5"}) == ("money_format", "min_investment_yuan")
    assert refused(RepaymentRate, {"year": 2025, "repayment_rate_percent": "9e1"}) == (
        "percent_format", "repayment_rate_percent")


def test_each_money_field_keeps_its_own_range():
    assert refused(RepaymentCreate, {"amount_yuan": "0"}) == ("too_small", "amount_yuan")
    assert refused(LoanCreate, loan(amount_yuan="100000000.01")) == ("too_large", "amount_yuan")
    assert parse(BankUpdate, {"confirmation_threshold_yuan": "0"}).confirmation_threshold_yuan == 0
    assert parse(EnterpriseCreate, enterprise_data(investment_yuan="0")).investment_yuan == 0


def test_a_form_posted_amount_still_reads():
    project = {"title": "柑橘冷链分拣", "sector": "农产品加工", "description": "收购本地柑橘，分拣包装后冷链外销",
               "region_code": "511011101", "investment_yuan": "800000", "expected_jobs": "6",
               "contact_name": "王师傅", "contact_phone": "0832-1234567"}
    assert parse(ProjectCreate, project).investment_yuan == Decimal("800000")


# ---- dates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("paid_on", [
    pytest.param("2026-11-01T00:00:00", id="date-time"),
    pytest.param("2026-11-01 00:00", id="date-and-time"),
    pytest.param(1761955200, id="timestamp"),
    pytest.param("2026/11/01", id="slashes"),
    pytest.param("20261101", id="compact"),
    pytest.param("２０２６-11-01", id="full-width"),
    pytest.param(" 2026-11-01", id="padded"),
    pytest.param(dt.datetime(2026, 11, 1, 8, 0), id="datetime-object"),
])
def test_a_date_is_written_year_month_day_and_nothing_else(paid_on):
    assert refused(RepaymentCreate, {"amount_yuan": "100", "paid_on": paid_on}) == ("date_format", "paid_on")


def test_a_day_that_does_not_exist_is_refused():
    assert refused(RepaymentCreate, {"amount_yuan": "100", "paid_on": "2026-02-30"}) == ("date_invalid", "paid_on")


def test_an_enterprise_is_founded_between_1949_10_01_and_today():
    assert refused(EnterpriseCreate, enterprise_data(founded_on="0001-01-01")) == ("date_too_early", "founded_on")
    assert refused(EnterpriseCreate, enterprise_data(founded_on="1949-09-30")) == ("date_too_early", "founded_on")
    assert parse(EnterpriseCreate, enterprise_data(founded_on="1949-10-01")).founded_on == dt.date(1949, 10, 1)
    assert parse(EnterpriseCreate, enterprise_data(founded_on=TODAY.isoformat())).founded_on == TODAY
    assert refused(EnterpriseCreate, enterprise_data(founded_on="2026-11-21")) == ("date_in_future", "founded_on")


def test_what_is_recorded_after_the_fact_lies_between_2000_and_today():
    assert refused(RepaymentCreate, {"amount_yuan": "100", "paid_on": "1999-12-31"}) == ("date_too_early", "paid_on")
    assert refused(RepaymentCreate, {"amount_yuan": "100", "paid_on": "2026-11-21"}) == ("date_in_future", "paid_on")
    assert refused(LoanDisburse, {"disbursed_on": "2026-11-21"}) == ("date_in_future", "disbursed_on")
    assert refused(LoanApprove, {"amount_yuan": "1000", "term_months": 12, "spread_bp": 0,
                                 "contract_date": "1900-01-01"}) == ("date_too_early", "contract_date")
    assert refused(Hire, hire(hired_on="2026-12-01")) == ("date_in_future", "hired_on")
    assert parse(RepaymentCreate, {"amount_yuan": "100", "paid_on": "2026-11-20"}).paid_on == TODAY


def test_a_persons_past_dates_follow_the_same_rule():
    person = entrepreneur_data(return_date="2026-11-21")
    assert refused(EntrepreneurCreate, person) == ("date_in_future", "return_date")
    person = entrepreneur_data(certificates=[{"name": "电工", "level": "junior", "issued_on": "1900-01-01"}])
    assert refused(EntrepreneurCreate, person) == ("date_too_early", "certificates.0.issued_on")


def test_dates_ahead_of_today_are_bounded_by_their_own_rule():
    claim = {"kind": "travel", "trip_date": "2026-12-01", "origin_province": "51", "destination_province": "44"}
    assert parse(SubsidyClaimCreate, claim).trip_date == dt.date(2026, 12, 1)  # the subsidy rules judge it
    assert refused(SubsidyClaimCreate, {**claim, "trip_date": "2099-01-01"}) == ("date_too_late", "trip_date")
    deadline = {"item_id": "i1", "lead_department": "市财政局", "measure": "协调资金", "deadline": "2030-01-01"}
    assert parse(ResolutionAssign, deadline).deadline == dt.date(2030, 1, 1)
    assert refused(ResolutionAssign, {**deadline, "deadline": "2099-01-01"}) == ("date_too_late", "deadline")
    assert refused(CalendarYear, {"holidays": ["2027-01-01", "2027-01-01T00:00:00"]}) == ("date_format", "holidays.1")
    meeting = {"held_on": "2026-11-01T09:00:00", "chair": "市长", "departments": ["市财政局"], "minutes": "会议纪要内容不少于十个字"}
    assert refused(MeetingRecord, meeting) == ("date_format", "held_on")


# ---- yes/no -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 1, "true", "false", "yes", "on", None, 1.0])
def test_a_yes_or_no_in_a_body_is_a_json_boolean(value):
    assert refused(UserCreate, staff(unit_head=value)) == ("not_boolean", "unit_head")
    assert refused(Hire, hire(social_insurance=value)) == ("not_boolean", "social_insurance")
    assert refused(RecommendationDecision, {"accept": value}) == ("not_boolean", "accept")


def test_a_json_boolean_is_taken():
    assert parse(UserCreate, staff(unit_head=True)).unit_head is True
    assert parse(UserCreate, staff(unit_head=False)).unit_head is False


def test_a_yes_or_no_in_a_query_string_is_true_or_false():
    assert parse(LoanListQuery, {"queue": "true"}).queue is True
    assert parse(DifficultyListQuery, {"queue": "false"}).queue is False
    for loose in ("1", "yes", "on", "True", ""):
        assert refused(LoanListQuery, {"queue": loose}) == ("not_boolean", "queue")


# ---- text -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("hidden", [
    pytest.param("\u202e", id="right-to-left-override"),
    pytest.param("\u200b", id="zero-width-space"),
    pytest.param("\u200d", id="zero-width-joiner"),
    pytest.param("\u200f", id="right-to-left-mark"),
    pytest.param("\u2066", id="left-to-right-isolate"),
    pytest.param("\ufeff", id="byte-order-mark"),
    pytest.param("\x00", id="nul"),
    pytest.param("\x1b", id="escape"),
    pytest.param("\n", id="line-break-in-a-name"),
    pytest.param("\u2028", id="line-separator"),
])
def test_a_display_name_holds_no_hidden_characters(hidden):
    assert refused(UserCreate, staff(display_name=f"李{hidden}科长")) == ("text_control_character", "display_name")
    assert refused(SignUp, {"phone": "13800000000", "password": "long-enough-1", "display_name": f"陈{hidden}大姐"}) == (
        "text_control_character", "display_name")


def test_the_text_rule_reaches_every_request_model_and_nested_rows():
    assert refused(EntrepreneurCreate, entrepreneur_data(name="张\u202e三")) == ("text_control_character", "name")
    assert refused(EntrepreneurCreate, entrepreneur_data(skills=["电工", "焊\u200b工"])) == (
        "text_control_character", "skills")
    liaison = {"kind": "finance", "name": "赵经理", "phone": "13900000000", "organisation": "内江\u200e农商银行",
               "level": "county"}
    assert refused(LiaisonsAssign, {"liaisons": [liaison]}) == ("text_control_character", "liaisons.0.organisation")
    assert refused(LoanCreate, loan(purpose="购置\x07设备")) == ("text_control_character", "purpose")
    assert refused(ReasonBody, {"reason": "逾期\u202a未办"}) == ("text_control_character", "reason")


def test_free_text_keeps_its_line_breaks_but_nothing_else_hidden():
    assert parse(NoteBody, {"note": "已电话联系。\r\n下周上门。\t"}).note == "已电话联系。\r\n下周上门。"
    assert refused(NoteBody, {"note": "已电话联系\u200b"}) == ("text_control_character", "note")
    assert type(parse(NoteBody, {"note": "两行\n文字"}).note) is str


def test_surrounding_whitespace_is_trimmed_from_text():
    assert parse(UserCreate, staff(display_name="  东兴区 李科长\u3000")).display_name == "东兴区 李科长"


def test_a_rare_character_in_a_private_use_area_is_still_a_name():
    assert parse(UserCreate, staff(display_name="王\ue000明")).display_name == "王\ue000明"


# ---- accounts ---------------------------------------------------------------------------------------


def test_only_a_bank_liaison_names_a_bank_and_only_an_official_a_region():
    assert refused(UserCreate, staff(bank_code="NJRCB")) == ("bank_for_liaisons_only", "bank_code")
    liaison = {"username": "zhao", "password": "long-enough-1", "role": "bank_liaison", "display_name": "赵经理",
               "bank_code": "NJRCB"}
    assert parse(UserCreate, liaison).bank_code == "NJRCB"
    assert refused(UserCreate, {**liaison, "region_code": "511011"}) == ("official_fields_only", "region_code")
    assert refused(UserCreate, {**liaison, "level": "county"}) == ("official_fields_only", "level")
    assert refused(UserCreate, {**liaison, "unit_head": True}) == ("official_fields_only", "unit_head")


# ---- codes written with digits ----------------------------------------------------------------------


def test_a_phone_number_takes_ascii_digits_only():
    assert refused(EntrepreneurCreate, entrepreneur_data(phone="13８00000000")) == ("phone_format", "phone")
    assert refused(SignUp, {"phone": "13８00000000", "password": "long-enough-1", "display_name": "陈大姐"}) == (
        "phone_format", "phone")
