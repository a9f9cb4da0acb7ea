"""Personal data never reaches a log line."""

import logging

from shared.logging import MaskingFormatter, mask_personal_data, mask_text


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


def test_passwords_tokens_and_cookies_are_hidden_by_their_names():
    event = mask_personal_data(None, "info", {
        "event": "login", "password": "test-password-2026", "token_count": 2, "code": "token_invalid",
        "headers": {"Authorization": "Bearer abc", "Cookie": "x=1"}})
    assert event == {"event": "login", "password": "[hidden]",
                     "headers": {"Authorization": "[hidden]", "Cookie": "[hidden]"},
                     "token_count": 2, "code": "token_invalid"}


def test_tokens_in_text_are_hidden_whole():
    assert mask_text("Authorization: Bearer Zm9vYmFy.YmF6 sent") == "Authorization: Bearer [hidden] sent"
    assert (mask_text("GET /reset?token=s3cr3t&next=/ cookie guiyan_session=eyJ.abc; guiyan_csrf=q")
            == "GET /reset?token=[hidden]&next=/ cookie guiyan_session=[hidden]; guiyan_csrf=[hidden]")


def test_a_resident_id_run_into_letters_is_masked_when_its_checksum_is_right():
    assert mask_text("id11010519491231002Xz") == "id110105********002Xz"
    assert mask_text("ab110105194912310021") == "ab110105194912310021"  # wrong checksum: an opaque id


def test_standard_library_records_are_masked_too():
    record = logging.LogRecord("nameko.web.server", logging.INFO, __file__, 1, '"GET /?q=%s HTTP/1.1" 200',
                               ("11010519491231002X",), None)
    line = MaskingFormatter("%(levelname)s %(name)s %(message)s").format(record)
    assert line == 'INFO nameko.web.server "GET /?q=110105********002X HTTP/1.1" 200'


def test_correlation_ids_and_uuids_stay_whole_though_their_digits_look_like_a_phone():
    line = "correlation_id=ab13812345678cdef0123456789abcde loan 6635725d-d204-4db9-a5b4-a13812345678"
    assert mask_text(line) == line
    assert mask_text(f"{line} phone 13812345678") == f"{line} phone 138****5678"
