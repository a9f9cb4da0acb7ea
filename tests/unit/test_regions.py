"""Region codes and jurisdiction by prefix."""


import pytest

from shared import regions
from shared.actors import Actor
from shared.errors import InvalidInput


@pytest.mark.parametrize("code, level, prefix", [
    ("510000", "province", "51"),
    ("511000", "city", "5110"),
    ("511011", "county", "511011"),
    ("511011101", "township", "511011101"),
    ("511011101201", "village", "511011101201"),
])
def test_levels_and_prefixes(code, level, prefix):
    assert regions.level_of(code) == level
    assert regions.jurisdiction_prefix(code) == prefix


def test_a_city_governs_its_counties_townships_and_villages_but_not_another_city():
    assert regions.within("511000", "511011101201")
    assert regions.within("511011", "511011101")
    assert not regions.within("511011", "511024100")
    assert not regions.within("511000", "510802")
    assert not regions.within("511011101", "511011")  # a township does not govern its county


def test_an_officials_jurisdiction_is_their_region_and_below():
    township = Actor(user_id="u", username="t", role="official", region_code="511011101000", level="township")
    assert township.governs("511011101201")
    assert not township.governs("511011102000")
    entrepreneur = Actor(user_id="e", username="e", role="entrepreneur")
    assert not entrepreneur.governs("511011101201")


def test_names_come_from_the_statistics_bureaus_list_and_the_national_list():
    assert regions.full_name("511011101201") == "四川省内江市东兴区郭北镇景坡楼村"
    assert regions.full_name("511011107") == "四川省内江市东兴区双才镇"
    assert regions.name_of("511083002") == "金鹅街道"
    assert regions.name_of("510802") == "利州区" and regions.name_of("511825") == "天全县"
    assert regions.name_of("110105") == "朝阳区"  # outside the programme's list: python-stdnum's
    assert regions.name_of("440300") == "深圳市" and regions.name_of("110100") == "北京市"
    with pytest.raises(InvalidInput):  # a city code that names no city (it once passed as 四川省)
        regions.check_known("517700")


def test_every_division_of_the_list_hangs_under_one_that_is_listed():
    listed = regions.local_regions()
    orphans = [code for code in listed if regions.parent_of(code) is not None and regions.parent_of(code) not in listed]
    assert not orphans and len(listed) > 37_000


def test_the_whole_province_is_listed_every_city_down_to_its_villages():
    cities = dict(regions.children_of("510000"))
    assert len(cities) == 21 and {"成都市", "绵阳市", "内江市", "凉山彝族自治州", "甘孜藏族自治州"} <= set(cities.values())
    assert regions.full_name("513401") == "四川省凉山彝族自治州西昌市"
    for city in cities:
        counties = regions.children_of(city)
        assert counties and all(regions.children_of(county) for county, _ in counties), city
    assert regions.roots() == [("510000000000", "四川省")]


def test_neijiang_is_listed_down_to_its_villages():
    counties = dict(regions.children_of("511000"))
    assert set(counties.values()) == {"市中区", "东兴区", "威远县", "资中县", "隆昌市"}
    for county in counties:
        townships = regions.children_of(county)
        assert townships and all(regions.children_of(township) for township, _ in townships)
    assert len([c for c in regions.local_regions() if c.startswith("5110") and regions.level_of(c) == "village"]) > 1000


def test_the_other_cities_of_the_list_reach_their_townships():
    for city, county in (("510700", "510703"), ("510800", "510802"), ("511800", "511825")):
        assert county.ljust(12, "0") in dict(regions.children_of(city))
        assert regions.children_of(county)


def test_villages_are_named_as_places_not_as_their_committees():
    names = [name for code, name in regions.local_regions().items() if regions.level_of(code) == "village"]
    assert not [name for name in names if name.endswith(("委员会", "村委会"))]
    assert regions.name_of("511011101203") == "长坝村" and regions.name_of("511011101001") == "南岸社区"


def test_a_retired_code_still_names_its_records_but_is_offered_nowhere():
    assert regions.full_name("511024100201") == "四川省内江市威远县严陵镇凤翥村"
    assert regions.check_known("511024100201") == "511024100201"
    assert not regions.is_current("511024100201") and regions.is_current("511024100206")
    assert "511024100201" not in dict(regions.children_of("511024100"))
    assert "511024100201" not in regions.local_regions()


def test_children_are_one_level_down_in_code_order():
    townships = regions.children_of("511011")
    assert [code for code, _ in townships] == sorted(code for code, _ in townships)
    assert {regions.level_of(code) for code, _ in townships} == {"township"}
    assert ("511011107000", "双才镇") in townships and regions.children_of("511011101201") == []


def test_the_list_is_small_enough_for_every_service_process():
    # the province's 38,000 divisions as two arrays and one string: as a dict of strings they took ten MB
    assert regions.local_regions().size_in_bytes() < 1_500_000


def test_the_list_is_read_as_a_mapping_in_code_order():
    listed = regions.local_regions()
    codes = list(listed)
    assert codes == sorted(codes) and len(codes) == len(listed) and all(len(code) == 12 for code in codes)
    assert listed["511011101201"] == "景坡楼村" and listed.get("511011101299") is None and "5110" not in listed
    with pytest.raises(KeyError):
        listed["511011101299"]
    inside = list(listed.under("511011101"))
    assert inside[0] == ("511011101000", "郭北镇") and all(code.startswith("511011101") for code, _ in inside)
    assert len(inside) == 1 + len(regions.children_of("511011101"))


def test_divisions_taken_one_at_a_time_out_of_order_are_put_in_code_order():
    given = iter([("511011101000", "郭北镇"), ("510100000000", "成都市"), ("511011101201", "景坡楼村")])
    listed = regions.Divisions(given)
    assert list(listed.items()) == [("510100000000", "成都市"), ("511011101000", "郭北镇"),
                                    ("511011101201", "景坡楼村")]
    assert listed["511011101000"] == "郭北镇" and "511011101201" in listed and len(listed) == 3


@pytest.mark.parametrize("code", ["5110", "51101110120", "abcdef", ""])
def test_malformed_codes_are_refused(code):
    with pytest.raises(InvalidInput) as caught:
        regions.normalize(code)
    assert caught.value.code == "region_code_format"


def test_what_is_a_citys_own_is_asked_for_by_a_citys_code():
    assert regions.check_city("510700") == "510700000000"
    for code, rule in (("510703", "city_level"), ("510000", "city_level"), ("517700", "region_code_unknown")):
        with pytest.raises(InvalidInput) as caught:
            regions.check_city(code)
        assert (caught.value.code, caught.value.field) == (rule, "city")


def test_unknown_townships_are_refused():
    with pytest.raises(InvalidInput) as caught:
        regions.check_known("511011999")
    assert caught.value.code == "region_code_unknown"


def test_only_the_programme_citys_own_city_officials_lead_it():
    from shared.actors import Actor

    def official(region: str, level: str) -> Actor:
        return Actor(user_id="u", username="u", role="official", region_code=region, level=level)

    assert official("511000", "city").leads_the_city and official("511000000000", "city").leads_the_city
    assert not official("510800", "city").leads_the_city  # 广元's city officials run 广元's, not 内江's
    assert not official("511011", "county").leads_the_city
