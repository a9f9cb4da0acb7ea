"""Payee accounts (收款账户) as plain unit tests: numbers as people type them, the card's check digit,
which kinds a person and an enterprise may use, masking, and who may set an account."""

from types import SimpleNamespace

import pytest

from services.registry import domain
from shared.actors import Actor
from shared.contracts.registry import (
    PAYEE_BANK_NAMES,
    EnterprisePayeeAccountUpdate,
    EntrepreneurPayeeAccountUpdate,
)
from shared.errors import Forbidden, InvalidInput, NotFound
from shared.payee_accounts import check_account_number, mask_account, plain_number
from shared.validation import parse
from tests.factories import account_number, bank_card, luhn_digit, wrong_checksum

OWNER = Actor(user_id="owner", username="13800000001", role="entrepreneur")
STRANGER = Actor(user_id="stranger", username="13800000002", role="entrepreneur")
TOWNSHIP = Actor(user_id="t", username="township", role="official", region_code="511011101000", level="township")
COUNTY_ELSEWHERE = Actor(user_id="c", username="county", role="official", region_code="511024000000", level="county")
BANK = Actor(user_id="b", username="bank", role="bank_liaison", bank_code="NJRCB")


def refusal(kind: str, number: str) -> tuple[str, str | None]:
    with pytest.raises(InvalidInput) as caught:
        check_account_number(kind, number)
    return caught.value.code, caught.value.field


def test_the_helper_computes_the_check_digit_of_a_known_card():
    assert luhn_digit("411111111111111") == "1"  # 4111 1111 1111 1111, the well-known test card
    assert check_account_number("bank_card", "4111111111111111") == "4111111111111111"


def test_a_bank_card_with_a_right_check_digit_is_kept_as_digits():
    for length in (16, 17, 18, 19):
        card = bank_card(length=length)
        assert check_account_number("bank_card", card) == card


def test_a_card_number_typed_in_groups_or_with_full_width_digits_is_made_plain():
    card = bank_card()
    grouped = " ".join(card[i:i + 4] for i in range(0, len(card), 4))
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in card[:8]) + "\u3000" + card[8:]
    assert check_account_number("bank_card", grouped) == card
    assert check_account_number("bank_card", full_width) == card
    assert check_account_number("bank_card", card[:4] + "-" + card[4:]) == card
    assert plain_number(" ６２２２ 0212 ") == "62220212"


def test_a_card_number_with_a_wrong_check_digit_is_refused_by_name():
    card = bank_card()
    assert refusal("bank_card", wrong_checksum(card, "0123456789")) == ("account_number_checksum", "account_number")
    assert refusal("bank_card", "6222021234567890") == ("account_number_checksum", "account_number")


def test_a_card_number_must_be_sixteen_to_nineteen_digits():
    assert refusal("bank_card", bank_card(length=15)) == ("account_number_length", "account_number")
    assert refusal("bank_card", bank_card(length=20)) == ("account_number_length", "account_number")


def test_letters_and_other_signs_are_refused_whatever_the_kind():
    for kind in ("bank_card", "social_security_card", "basic_account"):
        assert refusal(kind, "6222O21234567890")[0] == "account_number_format"  # a letter O
        assert refusal(kind, "6222.0212.3456.7890")[0] == "account_number_format"
        assert refusal(kind, "٦٢٢٢٠٢١٢٣٤٥٦٧٨٩٠")[0] == "account_number_format"  # digits, but not ours


def test_social_security_and_basic_accounts_are_kept_as_given_without_a_check_digit():
    for kind in ("social_security_card", "basic_account"):
        for length in (12, 21, 30):
            number = account_number(length)
            assert check_account_number(kind, number) == number
        assert refusal(kind, account_number(11)) == ("account_number_length", "account_number")
        assert refusal(kind, account_number(31)) == ("account_number_length", "account_number")
    wrong_card = wrong_checksum(bank_card(), "0123456789")
    assert check_account_number("social_security_card", wrong_card) == wrong_card


def test_a_number_is_masked_to_its_first_and_last_four_digits_whatever_its_length():
    assert mask_account("6222021234567894") == "6222 **** **** 7894"
    assert mask_account("510012345678901234567") == "5100 **** **** 4567"
    assert mask_account(None) is None


def test_the_request_names_the_field_and_the_rule_in_chinese():
    card = bank_card()
    good = parse(EntrepreneurPayeeAccountUpdate, {"kind": "bank_card", "bank_code": "NJRCB", "account_number": card})
    assert (good.account_number, good.holder_name) == (card, None)
    cases = [({"account_number": wrong_checksum(card, "0123456789")}, "account_number_checksum", "account_number",
              "校验位"),
             ({"bank_code": "NOBANK"}, "bank_not_listed", "bank_code", "开户银行"),
             ({"kind": "basic_account"}, "payee_kind_not_allowed", "kind", "银行卡或社会保障卡"),
             ({"bank_code": {}}, "bank_not_listed", "bank_code", "开户银行"),  # not even text
             ({"account_number": 6222021234567894}, "not_text", "account_number", "文字")]
    for change, code, field, words in cases:
        with pytest.raises(InvalidInput) as caught:
            parse(EntrepreneurPayeeAccountUpdate, {"kind": "bank_card", "bank_code": "NJRCB", "account_number": card,
                                                   **change})
        assert (caught.value.code, caught.value.field) == (code, field) and words in caught.value.message


def test_an_enterprise_account_is_its_basic_account_with_no_check_digit():
    number = account_number(20)
    taken = parse(EnterprisePayeeAccountUpdate, {"bank_code": "ABC", "account_number": number})
    assert (taken.kind, taken.account_number) == ("basic_account", number)
    with pytest.raises(InvalidInput) as caught:
        parse(EnterprisePayeeAccountUpdate, {"kind": "bank_card", "bank_code": "ABC", "account_number": bank_card()})
    assert (caught.value.code, caught.value.field) == ("payee_kind_not_allowed", "kind")


def test_the_list_of_banks_holds_the_common_account_banks_of_sichuan():
    for code, name in (("ICBC", "中国工商银行"), ("ABC", "中国农业银行"), ("BOC", "中国银行"), ("CCB", "中国建设银行"),
                       ("BOCOM", "交通银行"), ("PSBC", "中国邮政储蓄银行"), ("NJRCB", "内江农村商业银行"),
                       ("MYCCB", "绵阳市商业银行")):
        assert PAYEE_BANK_NAMES[code] == name
    assert "农村信用社" in PAYEE_BANK_NAMES["SCRCU"]


# ---- who may set an account ---------------------------------------------------------------------------


def record(**fields):
    return SimpleNamespace(**{"region_code": "511011101201", "status": "verified", "version": 3, **fields})


def test_the_owner_sets_their_account_even_once_the_record_is_verified():
    domain.check_may_set_payee_account(OWNER, record(), "owner")
    domain.check_payee_reason(OWNER, record(), None)


def test_an_official_of_the_region_sets_it_saying_why_once_the_record_is_verified():
    domain.check_may_set_payee_account(TOWNSHIP, record(), "owner")
    domain.check_payee_reason(TOWNSHIP, record(status="registered"), None)
    with pytest.raises(InvalidInput) as caught:
        domain.check_payee_reason(TOWNSHIP, record(), None)
    assert (caught.value.code, caught.value.field) == ("payee_reason_required", "reason")
    domain.check_payee_reason(TOWNSHIP, record(), "本人到窗口办理，出示银行卡")


def test_anyone_else_is_told_the_record_does_not_exist_or_is_refused_for_their_role():
    for actor in (STRANGER, COUNTY_ELSEWHERE):
        with pytest.raises(NotFound):
            domain.check_may_set_payee_account(actor, record(), "owner")
    with pytest.raises(Forbidden):
        domain.check_may_set_payee_account(BANK, record(), "owner")


def test_the_history_keeps_the_account_masked_and_what_changed():
    card, other = bank_card(), bank_card()
    nothing = dict.fromkeys(domain.PAYEE_COLUMNS)
    first = {"payee_kind": "bank_card", "payee_bank_code": "NJRCB", "payee_account_number": card,
             "payee_holder_name": "张伟"}
    before, after = domain.payee_change(nothing, first)
    assert before == {"payee_kind": None, "payee_bank_code": None, "payee_account": None, "payee_holder_name": None}
    assert after["payee_account"] == f"{card[:4]} **** **** {card[-4:]}"
    before, after = domain.payee_change(first, {**first, "payee_account_number": other})
    assert set(after) == {"payee_account"} and card not in str(before) and other not in str(after)
    _, renamed = domain.payee_change(first, {**first, "payee_holder_name": "张 伟"})
    assert renamed == {"payee_holder_name": "张 伟", "payee_account": mask_account(card)}
