"""Resident IDs and unified social credit codes, as the programme checks them."""

import pytest

from shared.errors import InvalidInput
from shared.identity import check_credit_code, check_resident_id, credit_code_checksum_ok
from tests.factories import resident_id, wrong_checksum


def test_the_standards_example_resident_id_is_valid():
    person = check_resident_id("11010519491231002X")
    assert person.birth_date.isoformat() == "1949-12-31"
    assert person.gender == "female"
    assert person.area_code == "110105"


def test_lower_case_x_and_spaces_are_normalised():
    assert check_resident_id(" 11010519491231002x ").number == "11010519491231002X"


@pytest.mark.parametrize("value, code", [
    ("11010519491231002", "id_number_format"),
    ("1101051949123100AX", "id_number_format"),
    ("110105194912310021", "id_number_checksum"),
])
def test_malformed_resident_ids_name_the_rule(value, code):
    with pytest.raises(InvalidInput) as caught:
        check_resident_id(value)
    assert caught.value.code == code
    assert caught.value.field == "id_number"


def test_a_resident_id_with_an_impossible_birth_date_is_refused():
    body = "51101119990231001"
    from stdnum.cn import ric

    with pytest.raises(InvalidInput) as caught:
        check_resident_id(body + ric.calc_check_digit(body + "0"))
    assert caught.value.code == "id_number_birth_date"


def test_an_area_code_recoded_after_birth_is_still_accepted():
    # 511028 was 隆昌县 until it became 隆昌市 (511083) in 2017; people keep their numbers
    assert check_resident_id(resident_id(area="511028")).area_code == "511028"
    # and a code created later than the birth date is real too (python-stdnum would refuse it)
    import datetime as dt

    assert check_resident_id(resident_id(area="511083", birth=dt.date(1980, 5, 5))).area_code == "511083"


def test_an_area_code_that_never_existed_is_refused():
    from stdnum.cn import ric

    body = "99999919800101001"
    with pytest.raises(InvalidInput) as caught:
        check_resident_id(body + ric.calc_check_digit(body + "0"))
    assert caught.value.code == "id_number_area"


def test_every_generated_wrong_check_digit_is_caught():
    for _ in range(50):
        with pytest.raises(InvalidInput) as caught:
            check_resident_id(wrong_checksum(resident_id()))
        assert caught.value.code == "id_number_checksum"


@pytest.mark.parametrize("code", ["91350100M000100Y43", "913502000728319549"])
def test_the_standards_example_credit_codes_are_valid(code):
    assert check_credit_code(code) == code


def test_a_credit_code_with_a_wrong_check_character_needs_a_reason():
    with pytest.raises(InvalidInput) as caught:
        check_credit_code("913502000728319548")
    assert caught.value.code == "credit_code_checksum"
    assert check_credit_code("913502000728319548", override_reason="营业执照原件核对无误") == "913502000728319548"
    assert not credit_code_checksum_ok("913502000728319548")


@pytest.mark.parametrize("code", ["91350100M000100Y4", "91350100M000100YI3", "9135010OM000100Y43"])
def test_credit_codes_outside_the_alphabet_or_length_are_refused(code):
    with pytest.raises(InvalidInput) as caught:
        check_credit_code(code, override_reason="即使有原因也不行")
    assert caught.value.code == "credit_code_format"
