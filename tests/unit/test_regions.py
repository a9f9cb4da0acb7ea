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


def test_names_come_from_the_local_list_and_the_national_list():
    assert regions.full_name("511011101201") == "四川省内江市东兴区双才镇大佛村"
    assert regions.name_of("510802") == "利州区"


@pytest.mark.parametrize("code", ["5110", "51101110120", "abcdef", ""])
def test_malformed_codes_are_refused(code):
    with pytest.raises(InvalidInput) as caught:
        regions.normalize(code)
    assert caught.value.code == "region_code_format"


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
