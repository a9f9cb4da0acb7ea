"""The region picker of the forms: county → township → village, folded back into the field's own name."""

from werkzeug.datastructures import MultiDict

from services.gateway.web import picker
from shared.actors import Actor

CITY_OFFICIAL = Actor(user_id="c", username="c", role="official", region_code="511000", level="city")
TOWNSHIP_OFFICIAL = Actor(user_id="t", username="t", role="official", region_code="511011101", level="township")
ENTREPRENEUR = Actor(user_id="e", username="e", role="entrepreneur")


def posted(**levels) -> MultiDict:
    """An entrepreneur's form as the picker posts it: the city chosen (the programme's), then the rest."""
    return MultiDict({f"region_code.{level}": code for level, code in {"city": "511000", **levels}.items()})


def test_an_entrepreneur_chooses_any_city_of_the_province_the_programmes_shown_first():
    shown = picker.build("region_code", picker.own_area(ENTREPRENEUR), None)
    assert [level.level for level in shown.levels] == ["city", "county", "township", "village"]
    assert shown.levels[0].chosen == "511000000000" and dict(shown.levels[0].options)["510700000000"] == "绵阳市"
    assert dict(shown.levels[1].options)["511011000000"] == "东兴区"
    assert shown.levels[2].options == [] and shown.levels[2].waiting == "请先选择县（市、区）"


def test_a_chosen_village_shows_its_county_and_township_chosen_with_their_neighbours():
    shown = picker.build("region_code", picker.own_area(CITY_OFFICIAL), "511011101201")
    assert [level.chosen for level in shown.levels] == ["511011000000", "511011101000", "511011101201"]
    assert ("511011107000", "双才镇") in shown.levels[1].options
    assert ("511011101203", "长坝村") in shown.levels[2].options and shown.levels[2].optional


def test_a_township_official_chooses_only_among_the_villages_of_the_township():
    shown = picker.build("region_code", picker.own_area(TOWNSHIP_OFFICIAL), "511024100206")  # not theirs
    assert [level.level for level in shown.levels] == ["village"] and shown.levels[0].chosen == ""
    assert {code[:9] for code, _ in shown.levels[0].options} == {"511011101"}


def test_a_household_is_chosen_from_the_city_down_with_the_programmes_city_shown_first():
    shown = picker.pickers(MultiDict(), picker.person_scopes(ENTREPRENEUR))["household_region_code"]
    assert [level.level for level in shown.levels] == ["city", "county", "township", "village"]
    assert shown.levels[0].chosen == "511000000000" and len(shown.levels[1].options) == 5


def test_a_record_with_a_retired_code_keeps_it_chosen():
    shown = picker.build("region_code", picker.own_area(CITY_OFFICIAL), "511024100201")
    assert ("511024100201", "凤翥村（原代码）") in shown.levels[2].options
    assert shown.levels[2].chosen == "511024100201"


def test_the_levels_fold_into_the_field_the_deepest_choice_that_hangs_together():
    scopes = picker.place_scopes(ENTREPRENEUR)
    form, choosing = picker.picked(posted(county="511011", township="511011101", village="511011101201"), scopes)
    assert form["region_code"] == "511011101201" and choosing is None
    form, choosing = picker.picked(posted(county="511011", township="511011107", village="511011101201"), scopes)
    assert form["region_code"] == "511011107000" and choosing is None  # the village of another township stops


def test_a_choice_that_stops_above_the_township_asks_for_the_next_level_instead_of_submitting():
    scopes = picker.place_scopes(ENTREPRENEUR)
    form, choosing = picker.picked(posted(county="511024", township="511011101"), scopes)  # county changed
    assert form["region_code"] == "511024000000" and choosing == {"region_code": "请继续选择乡镇（街道）"}
    form, choosing = picker.picked(posted(city="", county="", township=""), scopes)
    assert form["region_code"] == "" and choosing is None  # nothing chosen: the form says 此项必填


def test_the_next_level_button_shows_the_form_again_without_a_message():
    form, choosing = picker.picked(MultiDict({**posted(county="511011", township="511011101"), "_pick": "region_code"}),
                                   picker.place_scopes(ENTREPRENEUR))
    assert form["region_code"] == "511011101000" and choosing == {}
    form, choosing = picker.picked(MultiDict({**posted(county="511011"), "_pick": "region_code"}),
                                   picker.place_scopes(ENTREPRENEUR))
    assert form["region_code"] == "511011000000" and choosing == {}  # no message while still choosing


def test_a_field_posted_as_itself_is_kept_and_a_place_outside_the_scope_is_not_chosen():
    form, choosing = picker.picked(MultiDict({"region_code": "511024100206"}), picker.place_scopes(TOWNSHIP_OFFICIAL))
    assert form["region_code"] == "511024100206" and choosing is None  # the service refuses it, as the API's
    form, _ = picker.picked(posted(village=""), picker.place_scopes(TOWNSHIP_OFFICIAL))
    assert form["region_code"] == "511011101000"  # a township official's own township
    form, _ = picker.picked(posted(county="510802"), picker.place_scopes(ENTREPRENEUR))
    assert form["region_code"] == "511000000000"  # 利州区 is not in 内江: the choice stops at the city
    form, _ = picker.picked(posted(city="510800", county="510802"), picker.place_scopes(ENTREPRENEUR))
    assert form["region_code"] == "510802000000"  # 广元's, chosen under 广元


def test_a_filter_takes_any_level_or_none():
    form, choosing = picker.picked(posted(county="511025", township=""), {"region_code": picker.filter_scope()})
    assert form["region_code"] == "511025000000" and choosing is None
    form, _ = picker.picked(posted(county=""), {"region_code": picker.filter_scope()})
    assert form["region_code"] == ""
    assert picker.build("region_code", picker.filter_scope(), None).levels[0].prompt == "全部县（市、区）"
