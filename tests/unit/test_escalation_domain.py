"""Difficulty rules: routing by category, the first level, the sweep's decision, who may sign off."""

import datetime as dt

import pytest

from services.escalation.domain import rules
from services.escalation.domain.policy_data import ESCALATION_POLICIES
from services.escalation.domain.workdays import WorkCalendar
from shared.actors import Actor
from shared.errors import Forbidden, InvalidState

D = dt.date
POLICY = ESCALATION_POLICIES[0]


@pytest.mark.parametrize("category, kind", [("financing", "finance"), ("legal", "legal"),
                                            ("labour", "government_affairs"), ("land", "government_affairs"),
                                            ("other", "government_affairs")])
def test_each_category_goes_to_the_liaison_of_its_kind(category, kind):
    assert rules.liaison_kind(category) == kind


@pytest.mark.parametrize("region, level", [("511011101201", "township"), ("511011101000", "township"),
                                           ("511011000000", "county")])
def test_the_first_level_is_the_lowest_that_holds_the_enterprise(region, level):
    assert rules.first_level(region) == level


def test_the_unit_at_each_level_is_found_from_the_enterprises_region():
    assert rules.level_region("511011101201", "township") == "511011101000"
    assert rules.level_region("511011101201", "county") == "511011000000"
    assert rules.level_region("511011101201", "city") == "511000000000"


def test_the_limits_are_ten_twenty_and_forty_working_days_with_first_contact_in_two():
    due = rules.deadlines(POLICY, WorkCalendar(), "county", D(2026, 11, 2))
    assert (due.contact_due, due.resolve_due) == (D(2026, 11, 4), D(2026, 11, 30))
    assert POLICY.limits == {"township": 10, "county": 20, "city": 40}


@pytest.mark.parametrize("status, level, today, contacted, flagged, action", [
    ("assigned", "township", D(2026, 11, 17), False, False, "escalate"),
    ("contacted", "county", D(2026, 11, 17), True, False, "escalate"),
    ("contacted", "city", D(2026, 11, 17), True, False, None),         # the top: it stays, marked late
    ("resolved", "township", D(2026, 11, 17), True, False, None),      # answered: the clock stops
    ("assigned", "township", D(2026, 11, 5), False, False, "flag_late_contact"),
    ("assigned", "township", D(2026, 11, 5), False, True, None),       # flagged once
    ("contacted", "township", D(2026, 11, 16), True, False, None),     # on the last day: not yet late
])
def test_the_sweeps_decision(status, level, today, contacted, flagged, action):
    assert rules.due_action(status, level, resolve_due_on=D(2026, 11, 16), contact_due_on=D(2026, 11, 4),
                             contacted=contacted, late_contact_flagged=flagged, today=today) == action


def official(level="township", head=False, region="511011101", name="o1"):
    return Actor(user_id=name, username=name, role="official", region_code=region.ljust(12, "0"), level=level,
                 unit_head=head)


def test_only_the_head_of_the_unit_signs_off_and_not_their_own_answer():
    rules.check_sign_off(official(head=True), "township", "511011101201", "someone_else")
    with pytest.raises(Forbidden) as no_head:
        rules.check_sign_off(official(), "township", "511011101201", "someone_else")
    assert no_head.value.code == "unit_head_required"
    with pytest.raises(Forbidden) as own:
        rules.check_sign_off(official(head=True), "township", "511011101201", "o1")
    assert own.value.code == "sign_off_by_resolver"
    with pytest.raises(Forbidden) as other_level:
        rules.check_sign_off(official("county", True, "511011"), "township", "511011101201", "x")
    assert other_level.value.code == "not_handling_level"


def test_the_city_is_the_top():
    assert rules.escalation_target("township") == "county"
    with pytest.raises(InvalidState) as top:
        rules.escalation_target("city")
    assert (top.value.code, top.value.field) == ("top_level", "level")


def test_references_are_short_and_readable():
    assert rules.reference_for(2026, 123) == "KN2026-000123"


@pytest.mark.parametrize("typed", ["KN2026-000123", "kn2026-000123", "KN2026000123", "kn2026123", " KN 2026 - 000123 ",
                                   "ＫＮ２０２６－０００１２３", "KN2026—123"])
def test_a_reference_is_read_however_a_person_types_it(typed):
    assert rules.typed_reference(typed) == "KN2026-000123"


def test_something_else_is_kept_to_be_not_found():
    assert rules.typed_reference("2026-123") == "2026-123"


def test_the_public_status_says_where_an_escalated_case_is():
    assert rules.public_status("assigned", "township", escalated=False) == "乡镇级办理中，待联系企业"
    assert rules.public_status("assigned", "city", escalated=True) == "已上报至市级办理中，待联系企业"
    assert rules.public_status("contacted", "county", escalated=True) == "已上报至县（区）级办理中，已联系企业"
    assert rules.public_status("closed", "city", escalated=True) == "已办结销号"
