"""The registry's rules as plain unit tests: who may see and do what, verification, liaisons, money."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from services.registry import domain
from shared import clock
from shared.actors import Actor
from shared.contracts.registry import EnterpriseCreate, EntrepreneurCreate, HeadcountReport
from shared.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from shared.validation import parse
from tests.factories import enterprise_data, entrepreneur_data, wrong_checksum

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
OWNER = Actor(user_id="owner", username="13800000001", role="entrepreneur")
STRANGER = Actor(user_id="stranger", username="13800000002", role="entrepreneur")
TOWNSHIP = Actor(user_id="t", username="township", role="official", region_code="511011101000", level="township")
COUNTY_ELSEWHERE = Actor(user_id="c", username="county", role="official", region_code="511024000000", level="county")
BANK = Actor(user_id="b", username="bank", role="bank_liaison", bank_code="NJRCB")


def record(**fields):
    base = {"account_id": "owner", "region_code": "511011101201", "status": "registered", "version": 1,
            "verified_by": None, "verified_at": None}
    return SimpleNamespace(**{**base, **fields})


def test_an_entrepreneur_sees_only_their_own_record():
    assert domain.can_view_entrepreneur(OWNER, record())
    assert not domain.can_view_entrepreneur(STRANGER, record())


def test_an_official_sees_their_region_and_below_and_a_bank_liaison_sees_no_registry_record():
    assert domain.can_view_entrepreneur(TOWNSHIP, record())
    assert not domain.can_view_entrepreneur(COUNTY_ELSEWHERE, record())
    assert not domain.can_view_entrepreneur(BANK, record())


def test_records_out_of_reach_are_reported_as_not_found():
    with pytest.raises(NotFound) as caught:
        domain.ensure_visible(False, "entrepreneur")
    assert caught.value.code == "entrepreneur_not_found"


def test_verification_by_an_official_of_the_region_and_a_replay_changes_nothing():
    item = record()
    assert domain.verify(item, TOWNSHIP, None, NOW) is True
    assert (item.status, item.verified_by, item.verified_at) == ("verified", "township", NOW)
    assert domain.verify(item, TOWNSHIP, None, NOW + dt.timedelta(hours=1)) is False
    assert item.verified_at == NOW


def test_verification_outside_the_region_or_of_a_stale_version_is_refused():
    with pytest.raises(Forbidden) as caught:
        domain.verify(record(), COUNTY_ELSEWHERE, None, NOW)
    assert caught.value.code == "region_outside_jurisdiction"
    with pytest.raises(Conflict) as caught:
        domain.verify(record(version=3), TOWNSHIP, 2, NOW)
    assert caught.value.code == "stale_version"


def test_an_account_registers_one_entrepreneur_and_an_official_only_in_their_region():
    with pytest.raises(Conflict) as caught:
        domain.check_may_register_entrepreneur(OWNER, "511011101201", already_linked=True)
    assert caught.value.code == "account_already_registered"
    domain.check_may_register_entrepreneur(TOWNSHIP, "511011101201", already_linked=False)
    with pytest.raises(Forbidden) as caught:
        domain.check_may_register_entrepreneur(COUNTY_ELSEWHERE, "511011101201", already_linked=False)
    assert (caught.value.code, caught.value.field) == ("region_outside_jurisdiction", "region_code")
    with pytest.raises(Forbidden) as caught:
        domain.check_may_register_entrepreneur(BANK, "511011101201", already_linked=False)
    assert caught.value.code == "role_not_allowed"


def test_an_enterprise_needs_its_owner_registered_first():
    with pytest.raises(InvalidState) as caught:
        domain.check_may_register_enterprise(OWNER, None, "511011101201", None)
    assert caught.value.code == "entrepreneur_not_registered"


def test_only_an_official_may_override_a_failed_credit_code_check():
    with pytest.raises(Forbidden) as caught:
        domain.check_may_register_enterprise(OWNER, record(), "511011101201", "我确定")
    assert caught.value.code == "override_needs_official"
    domain.check_may_register_enterprise(TOWNSHIP, record(), "511011101201", "原件核对无误")


def test_a_second_registration_points_to_the_existing_record():
    error = domain.duplicate_entrepreneur("e-1")
    assert (error.code, error.field, error.details) == ("id_number_registered", "id_number", {"existing_id": "e-1"})


@pytest.mark.parametrize("level, expected", [("township", "511011101000"), ("county", "511011000000"),
                                             ("city", "511000000000")])
def test_a_liaisons_unit_is_the_enterprises_region_cut_at_their_level(level, expected):
    assert domain.liaison_region("511011101201", level) == expected


def test_a_liaison_cannot_sit_below_the_enterprise():
    with pytest.raises(InvalidInput) as caught:
        domain.liaison_region("511011000000", "township")
    assert (caught.value.code, caught.value.field) == ("liaison_level_below_enterprise", "level")


def test_money_is_kept_in_fen_exactly():
    assert domain.yuan_to_fen(Decimal("350000.01")) == 35000001
    assert domain.fen_to_yuan(35000001) == "350000.01"


def test_headcount_rules():
    report = parse(HeadcountReport, {"quarter": "2026Q3", "headcount": 5, "poverty_hires": 6, "new_hires": 0})
    with pytest.raises(InvalidInput) as caught:
        domain.check_headcount(report, domain.quarter_start(report.quarter))
    assert (caught.value.code, caught.value.field) == ("poverty_hires_exceed_headcount", "poverty_hires")
    with pytest.raises(InvalidInput) as caught:
        domain.check_headcount(SimpleNamespace(headcount=5, poverty_hires=0, new_hires=0),
                               clock.today() + dt.timedelta(days=100))
    assert caught.value.code == "quarter_in_future"
    assert domain.quarter_start("2026Q4") == dt.date(2026, 10, 1)


def test_the_registration_schema_reports_every_failed_field_with_its_rule():
    data = entrepreneur_data(id_number=wrong_checksum("11010519491231002X"), phone="12345",
                             region_code="511011999", categories=[])
    with pytest.raises(InvalidInput) as caught:
        parse(EntrepreneurCreate, data)
    assert {item["field"]: item["code"] for item in caught.value.details} == {
        "id_number": "id_number_checksum", "phone": "phone_format",
        "region_code": "region_code_unknown", "categories": "too_few"}


def test_the_enterprise_schema_refuses_fractions_of_a_fen_and_negative_figures():
    with pytest.raises(InvalidInput) as caught:
        parse(EnterpriseCreate, enterprise_data(investment_yuan="1.001", headcount=-1))
    assert {item["field"]: item["code"] for item in caught.value.details} == {
        "investment_yuan": "money_format", "headcount": "too_small"}


def test_a_quarter_must_be_written_like_2026Q4():
    with pytest.raises(InvalidInput) as caught:
        parse(HeadcountReport, {"quarter": "2026-4", "headcount": 1, "poverty_hires": 0, "new_hires": 0})
    assert caught.value.code == "quarter_format"
