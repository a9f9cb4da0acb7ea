"""The project library's rules: levels and regions of libraries, the lifecycle, matching with reasons."""

import pytest

from services.projects import domain
from shared.actors import Actor
from shared.errors import Forbidden, InvalidState

PLACE = "511011101201"  # 东兴区双才镇大佛村


def person(**overrides) -> domain.Candidate:
    values = {"entrepreneur_id": "e1", "name": "陈", "region_code": "511011101201", "skills": (),
              "trades": (), "capital_fen": 0, "verified": True}
    return domain.Candidate(**{**values, **overrides})


@pytest.mark.parametrize("level, region", [("county", "511011000000"), ("city", "511000000000"),
                                           ("province", "510000000000")])
def test_a_place_belongs_to_one_library_per_level(level, region):
    assert domain.library_region(PLACE, level) == region


def test_the_lifecycle_goes_step_by_step_and_can_be_withdrawn_until_signed():
    status = "collected"
    for action, expected in (("review", "reviewed"), ("list", "listed"), ("promote", "promoted"),
                             ("sign", "signed"), ("launch", "launched")):
        status = domain.step(status, action)
        assert status == expected
    for status, action in (("collected", "list"), ("signed", "withdraw")):
        with pytest.raises(InvalidState) as refused:
            domain.step(status, action)
        assert (refused.value.code, refused.value.field) == ("project_status", "status")
    assert domain.step("listed", "sign") == "signed"  # signed without a promotion event first


def test_recommendation_goes_one_library_up_and_only_for_listed_projects():
    assert domain.recommendation_target("county", "listed") == "city"
    assert domain.recommendation_target("city", "promoted") == "province"
    with pytest.raises(InvalidState) as top:
        domain.recommendation_target("province", "listed")
    assert (top.value.code, top.value.field) == ("top_library", "library_level")
    with pytest.raises(InvalidState) as unlisted:
        domain.recommendation_target("county", "collected")
    assert (unlisted.value.code, unlisted.value.field) == ("project_status", "status")


def test_only_officials_of_the_librarys_level_and_region_curate_it():
    county = Actor(user_id="c", username="c", role="official", region_code="511011000000", level="county")
    other = Actor(user_id="o", username="o", role="official", region_code="511024000000", level="county")
    domain.require_curator(county, "county", "511011000000")
    for actor, level in ((other, "county"), (county, "city")):
        with pytest.raises(Forbidden) as refused:
            domain.require_curator(actor, level, "511011000000")
        assert refused.value.code == "not_library_curator"


def test_a_neighbour_with_the_right_skills_and_capital_ranks_first_with_every_reason():
    best = domain.match(PLACE, "制造业", 1_000_000_00, person(skills=("电工", "厨师"), capital_fen=40_000_000))
    assert best.reasons == ("与项目在同一乡镇", "技能对口：电工", "已投入资金达到项目所需的30%以上")
    county_trade = domain.match(PLACE, "制造业", 1_000_000_00, person(region_code="511011102201",
                                                                 trades=("电子元件制造",)))
    assert county_trade.reasons == ("与项目在同一县（区）", "已在同行业经营：电子元件制造")
    assert [m.entrepreneur_id for m in domain.rank([county_trade, best])] == ["e1", "e1"]
    assert domain.rank([county_trade, best])[0] is best


def test_someone_elsewhere_with_nothing_in_common_is_not_a_match():
    assert domain.match(PLACE, "养殖业", 100, person(region_code="511024100201", skills=("电工",))) is None
    assert domain.match(PLACE, "养殖业", 100, person(region_code="511011102201")) is None  # county alone
