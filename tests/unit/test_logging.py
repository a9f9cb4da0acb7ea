"""Personal data never reaches a log line."""

from shared.logging import mask_personal_data, mask_text


def test_resident_ids_and_mobiles_are_masked_in_text():
    line = "registered 11010519491231002X phone 13812345678 ok"
    assert mask_text(line) == "registered 110105********002X phone 138****5678 ok"


def test_nested_values_are_masked_and_other_numbers_left_alone():
    event = mask_personal_data(None, "info", {"event": "x", "data": {"ids": ["51101119800101001X"]},
                                              "count": 13812345678, "code": "511011101201"})
    assert event["data"]["ids"] == ["511011********001X"]
    assert event["code"] == "511011101201"


def test_a_correlation_id_is_not_taken_for_a_mobile_number():
    correlation = "793c99d19479443682f9ef554b809d51"
    assert mask_text(correlation) == correlation
    assert mask_text("电话13800001234") == "电话138****1234"
