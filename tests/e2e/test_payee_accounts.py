"""Payee accounts (收款账户) through the gateway: a person's bank card or social security card account
and an enterprise's basic account, set by the owner or an official of the record's region, shown
masked to whoever may see the record, kept in the record's history with the number masked, refused
by name when the number is wrong, and the same account again changes nothing.

Alice lives in the home village of tests/places, Bob in the other county, each with an enterprise
(the world of test_documents).
"""

import re

import pytest

from tests.e2e.test_documents import World
from tests.e2e.test_escalation_access import code
from tests.e2e.test_finance_pages import browser_for
from tests.e2e.test_pages import CSRF
from tests.factories import account_number, bank_card, wrong_checksum

ID, FIRM = "<string:entrepreneur_id>", "<string:enterprise_id>"
PAYEE_ACCESS_CASES = {
    ("PUT", f"/api/v1/entrepreneurs/{ID}/payee-account"): "test_a_person_sets_their_card_and_those_who_see_the_record_read_it_masked",
    ("PUT", f"/api/v1/enterprises/{FIRM}/payee-account"): "test_the_enterprise_is_paid_to_its_basic_account",
}
WHY = "本人到便民服务中心办理，出示银行卡"
LONG_DIGITS = re.compile(r"[0-9]{9}")  # more than the four and four a masked number shows


@pytest.fixture(scope="module")
def world(stack, places):
    return World(stack, places)


def masked(number: str) -> str:
    return f"{number[:4]} **** **** {number[-4:]}"


def card_body(number: str, **more) -> dict:
    return {"kind": "bank_card", "bank_code": "ICBC", "account_number": number, **more}


def test_a_person_sets_their_card_and_those_who_see_the_record_read_it_masked(world):
    person = world.alice.entrepreneur_id
    path = f"/api/v1/entrepreneurs/{person}/payee-account"
    before = world["alice"].get(f"/api/v1/entrepreneurs/{person}").json()
    assert before["payee_account"] is None
    card = bank_card()
    grouped = " ".join(card[i:i + 4] for i in range(0, len(card), 4))
    set_ = world["alice"].put(path, json=card_body(grouped, expected_version=before["version"]))
    assert set_.status_code == 200, set_.text
    assert set_.json()["payee_account"] == {"kind": "bank_card", "kind_name": "银行卡", "bank_code": "ICBC",
                                            "bank_name": "中国工商银行", "account_masked": masked(card),
                                            "holder_name": before["name"]}
    for who in ("alice", "township", "county"):
        read = world[who].get(f"/api/v1/entrepreneurs/{person}")
        assert read.json()["payee_account"]["account_masked"] == masked(card) and card not in read.text, who
    entry = set_.json()["history"][-1]
    assert (entry["change"], entry["before"]["payee_account"], entry["after"]["payee_account"],
            entry["after"]["payee_bank_code"]) == ("payee_account", None, masked(card), "ICBC")
    # the same account again (an old version seen, as a retry would send it): nothing changes, no second entry
    again = world["alice"].put(path, json=card_body(card, expected_version=before["version"]))
    assert again.status_code == 200 and again.json()["version"] == set_.json()["version"]
    assert len(again.json()["history"]) == len(set_.json()["history"])
    listed = world["township"].get("/api/v1/entrepreneurs", params={"q": before["name"], "per_page": 100}).text
    assert card not in listed
    unknown = path.replace(person, "00000000-0000-4000-8000-000000000000")
    for who in ("bob", "other_county", "bank", "admin"):  # as if the record did not exist
        assert code(world[who].put(path, json=card_body(bank_card()))) == (404, "entrepreneur_not_found"), who
        assert code(world[who].put(unknown, json=card_body(bank_card()))) == (404, "entrepreneur_not_found"), who
        assert code(world[who].get(f"/api/v1/entrepreneurs/{person}")) == (404, "entrepreneur_not_found"), who
    assert world["alice"].get(f"/api/v1/entrepreneurs/{person}").json()["payee_account"]["account_masked"] == masked(card)


def test_a_wrong_card_number_is_refused_naming_the_field_and_the_rule(world):
    path = f"/api/v1/entrepreneurs/{world.alice.entrepreneur_id}/payee-account"
    cases = [(card_body(wrong_checksum(bank_card(), "0123456789")), "account_number_checksum", "account_number"),
             (card_body("6222021234567890"), "account_number_checksum", "account_number"),
             (card_body(bank_card(length=15)), "account_number_length", "account_number"),
             (card_body("6222 0212 3456 789O"), "account_number_format", "account_number"),
             (card_body(bank_card(), bank_code="HSBC"), "bank_not_listed", "bank_code"),
             ({**card_body(account_number(20)), "kind": "basic_account"}, "payee_kind_not_allowed", "kind")]
    for body, rule, field in cases:
        refused = world["alice"].put(path, json=body)
        error = refused.json()["error"]
        assert (refused.status_code, error["code"], error["field"]) == (422, rule, field), body
        assert error["message"] and body["account_number"] not in refused.text
    # a social security card's financial account has no one national rule: kept as given
    number = account_number(19)
    kept = world["alice"].put(path, json={"kind": "social_security_card", "bank_code": "SCRCU",
                                          "account_number": number})
    assert kept.status_code == 200 and kept.json()["payee_account"]["account_masked"] == masked(number)


def test_an_official_changes_a_verified_persons_account_saying_why(world):
    person = world.alice.entrepreneur_id
    path = f"/api/v1/entrepreneurs/{person}/payee-account"
    seen = world["township"].get(f"/api/v1/entrepreneurs/{person}").json()
    card = bank_card(length=19)
    no_reason = world["township"].put(path, json=card_body(card, bank_code="NJRCB"))
    assert code(no_reason) == (422, "payee_reason_required") and no_reason.json()["error"]["field"] == "reason"
    changed = world["township"].put(path, json=card_body(card, bank_code="NJRCB", reason=WHY,
                                                         expected_version=seen["version"]))
    assert changed.status_code == 200, changed.text
    entry = changed.json()["history"][-1]
    assert (entry["reason"], entry["after"]["payee_account"], entry["after"]["payee_bank_code"]) == (
        WHY, masked(card), "NJRCB")
    assert not LONG_DIGITS.search(str(entry)), "the history holds a whole account number"
    stale = world["county"].put(path, json=card_body(bank_card(), reason=WHY, expected_version=seen["version"]))
    assert code(stale) == (409, "stale_version")


def test_the_enterprise_is_paid_to_its_basic_account(world):
    firm = world.alice.enterprise_id
    path = f"/api/v1/enterprises/{firm}/payee-account"
    number = account_number(21)
    set_ = world["alice"].put(path, json={"bank_code": "NJRCB", "account_number": number})
    assert set_.status_code == 200, set_.text
    account = set_.json()["payee_account"]
    assert (account["kind"], account["kind_name"], account["holder_name"], account["account_masked"]) == (
        "basic_account", "基本存款账户", set_.json()["name"], masked(number))
    read = world["county"].get(f"/api/v1/enterprises/{firm}")
    assert read.json()["payee_account"]["bank_name"] == "内江农村商业银行" and number not in read.text
    assert set_.json()["history"][-1]["change"] == "payee_account"
    card = code(world["alice"].put(path, json={"kind": "bank_card", "bank_code": "ICBC", "account_number": bank_card()}))
    assert card == (422, "payee_kind_not_allowed")
    for who in ("bob", "other_county", "bank", "admin"):
        assert code(world[who].put(path, json={"bank_code": "ABC", "account_number": account_number()})) == (
            404, "enterprise_not_found"), who
    by_county = world["county"].put(path, json={"bank_code": "ABC", "account_number": number, "reason": WHY,
                                               "holder_name": "内江市东兴区某某种植专业合作社"})
    assert by_county.status_code == 200 and by_county.json()["payee_account"]["holder_name"].endswith("合作社")
    assert by_county.json()["history"][-1]["after"] == {"payee_bank_code": "ABC", "payee_holder_name":
                                                        "内江市东兴区某某种植专业合作社", "payee_account": masked(number)}


# ---- the pages ---------------------------------------------------------------------------------------


def submit(browser, form_page, action, data):
    token = CSRF.search(browser.get(form_page).text).group(1)
    return browser.post(action, {"csrf_token": token, **data})


def test_the_pages_set_the_account_and_say_beside_the_field_what_is_wrong(stack, world):
    person = world.bob.entrepreneur_id
    mine = browser_for(stack, world.bob.username)
    page = mine.get("/me").text
    assert "收款账户" in page and "尚未设置收款账户" in page and 'value="social_security_card"' in page
    card = bank_card()
    wrong = wrong_checksum(card, "0123456789")
    refused = submit(mine, "/me", f"/entrepreneurs/{person}/payee-account",
                     {"kind": "bank_card", "bank_code": "PSBC", "account_number": wrong})
    assert refused.status_code == 422 and "银行卡号校验位错误" in refused.text and "提交未成功" in refused.text
    assert 'value="PSBC" selected' in refused.text and 'id="f-payee-person-account_number-error"' in refused.text
    blank = submit(mine, "/me", f"/entrepreneurs/{person}/payee-account", {"kind": "bank_card", "bank_code": "PSBC"})
    assert blank.status_code == 422 and "此项必填" in blank.text
    done = submit(mine, "/me", f"/entrepreneurs/{person}/payee-account",
                  {"kind": "bank_card", "bank_code": "PSBC", "account_number": card, "holder_name": ""})
    assert done.status_code == 303 and done.headers["Location"] == "/me?notice=payee_account#payee-person"
    shown = mine.get("/me?notice=payee_account").text
    assert masked(card) in shown and "中国邮政储蓄银行" in shown and card not in shown and "收款账户已保存" in shown
    assert f'action="/enterprises/{world.bob.enterprise_id}/payee-account"' in shown  # his enterprise's own form
    township = browser_for(stack, stack.create_user("official", region_code=world.places.township, level="township"))
    here = f"/records/enterprises/{world.alice.enterprise_id}"
    record_page = township.get(here).text
    assert "基本存款账户" in record_page and "原因" in record_page
    number = account_number(18)
    why_missing = submit(township, here, f"/enterprises/{world.alice.enterprise_id}/payee-account",
                         {"kind": "basic_account", "bank_code": "BOC", "account_number": number})
    assert why_missing.status_code == 422 and "请填写原因" in why_missing.text
    assert f'value="{number}"' in why_missing.text  # what was typed is kept for correcting
    saved = submit(township, here, f"/enterprises/{world.alice.enterprise_id}/payee-account",
                   {"kind": "basic_account", "bank_code": "BOC", "account_number": number, "reason": WHY})
    assert saved.status_code == 303 and saved.headers["Location"].startswith(here)
    after = township.get(here).text
    assert masked(number) in after and "中国银行" in after and "收款账户变更" in after and number not in after
    person_page = f"/records/entrepreneurs/{world.alice.entrepreneur_id}"
    assert "更改收款账户" in township.get(person_page).text
    too_short = submit(township, person_page, f"/entrepreneurs/{world.alice.entrepreneur_id}/payee-account",
                       {"kind": "social_security_card", "bank_code": "SCRCU", "account_number": "12345", "reason": WHY})
    assert too_short.status_code == 422 and "账号应为12至30位数字" in too_short.text
    assert "身份证与证书" in too_short.text and 'value="social_security_card" selected' in too_short.text
    other = browser_for(stack, stack.create_user("official", region_code=world.places.other_county, level="county"))
    assert submit(other, "/", f"/enterprises/{world.alice.enterprise_id}/payee-account", {
        "kind": "basic_account", "bank_code": "BOC", "account_number": account_number()}).status_code == 404
