"""Payee accounts (收款账户) in the registry service, against the real broker and database: set by the
owner or the region's official, kept masked in the history and the outbox, read whole by finance's
`payee_accounts` for a payment list."""

import uuid

import pytest
import sqlalchemy as sa

from services.registry.service import RegistryService
from shared.errors import Conflict, InvalidInput, NotFound
from tests.factories import account_number, bank_card, enterprise_data, entrepreneur_data

TOWNSHIP = {"user_id": "u-off-1", "username": "township", "role": "official",
            "region_code": "511011101000", "level": "township"}
COUNTY_ELSEWHERE = {**TOWNSHIP, "user_id": "u-off-2", "username": "county_x", "region_code": "511024000000",
                    "level": "county"}


@pytest.fixture
def registry(run_services):
    run_services(RegistryService)


def owner() -> dict:
    return {"user_id": str(uuid.uuid4()), "username": "13800000009", "role": "entrepreneur"}


def outbox_payloads(url: str, record_id: str) -> list[dict]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://"))
    with engine.connect() as connection:
        rows = connection.scalars(sa.text(
            "SELECT envelope->'payload' FROM outbox WHERE envelope->>'event_type' = 'payee_account_changed' "
            "AND (envelope->'payload'->>'entrepreneur_id' = :r OR envelope->'payload'->>'enterprise_id' = :r) "
            "ORDER BY id"), {"r": record_id}).all()
    engine.dispose()
    return list(rows)


def test_the_owner_sets_a_card_once_and_the_history_and_event_hold_it_masked(registry, rpc, databases):
    me = owner()
    person = rpc.registry.create_entrepreneur(me, entrepreneur_data())
    card = bank_card()
    body = {"kind": "bank_card", "bank_code": "ICBC", "account_number": card, "expected_version": person["version"]}
    detail = rpc.registry.set_entrepreneur_payee_account(me, person["id"], body)
    masked = f"{card[:4]} **** **** {card[-4:]}"
    assert detail["payee_account"] == {"kind": "bank_card", "kind_name": "银行卡", "bank_code": "ICBC",
                                       "bank_name": "中国工商银行", "account_masked": masked,
                                       "holder_name": person["name"]}
    assert detail["version"] == person["version"] + 1
    again = rpc.registry.set_entrepreneur_payee_account(me, person["id"], body)  # the version it saw is old now
    assert again["version"] == detail["version"] and len(again["history"]) == 1
    [entry] = again["history"]
    assert (entry["change"], entry["after"]["payee_account"], entry["before"]["payee_account"]) == (
        "payee_account", masked, None)
    [event] = outbox_payloads(databases["registry"], person["id"])
    assert (event["account_masked"], event["bank_code"], event["first"], event["record_kind"]) == (
        masked, "ICBC", True, "entrepreneur")
    assert card not in str(again) and card not in str(event)


def test_a_stale_version_is_refused_and_an_official_elsewhere_is_told_nothing(registry, rpc):
    me = owner()
    person = rpc.registry.create_entrepreneur(me, entrepreneur_data())
    first = rpc.registry.set_entrepreneur_payee_account(me, person["id"], {
        "kind": "social_security_card", "bank_code": "SCRCU", "account_number": account_number(19)})
    with pytest.raises(Conflict) as caught:
        rpc.registry.set_entrepreneur_payee_account(me, person["id"], {
            "kind": "bank_card", "bank_code": "NJRCB", "account_number": bank_card(),
            "expected_version": person["version"]})
    assert caught.value.code == "stale_version"
    with pytest.raises(NotFound):
        rpc.registry.set_entrepreneur_payee_account(COUNTY_ELSEWHERE, person["id"], {
            "kind": "bank_card", "bank_code": "NJRCB", "account_number": bank_card()})
    changed = rpc.registry.set_entrepreneur_payee_account(TOWNSHIP, person["id"], {
        "kind": "bank_card", "bank_code": "NJRCB", "account_number": bank_card(), "expected_version": first["version"]})
    assert changed["payee_account"]["bank_name"] == "内江农村商业银行" and len(changed["history"]) == 2


def test_finance_reads_the_whole_accounts_of_a_payment_list_in_order(registry, rpc, databases):
    me = owner()
    person = rpc.registry.create_entrepreneur(me, entrepreneur_data())
    firm = rpc.registry.create_enterprise(me, enterprise_data())
    without = rpc.registry.create_entrepreneur(owner(), entrepreneur_data())
    card, basic = bank_card(length=19), account_number(20)
    rpc.registry.set_entrepreneur_payee_account(me, person["id"], {
        "kind": "bank_card", "bank_code": "PSBC", "account_number": card, "holder_name": "张三"})
    set_firm = rpc.registry.set_enterprise_payee_account(me, firm["id"], {"bank_code": "ABC", "account_number": basic})
    assert set_firm["payee_account"]["holder_name"] == firm["name"]
    asked = [{"kind": "enterprise", "id": firm["id"]}, {"kind": "entrepreneur", "id": person["id"]},
             {"kind": "entrepreneur", "id": without["id"]}, {"kind": "enterprise", "id": "no-such-enterprise"}]
    lines = rpc.registry.payee_accounts(asked)
    assert [(line["kind"], line["id"], line["status"]) for line in lines] == [
        ("enterprise", firm["id"], "ok"), ("entrepreneur", person["id"], "ok"),
        ("entrepreneur", without["id"], "missing"), ("enterprise", "no-such-enterprise", "unknown")]
    firm_line, person_line = lines[0], lines[1]
    assert (firm_line["payee_name"], firm_line["credit_code"], firm_line["account_kind"], firm_line["bank_name"],
            firm_line["account_number"]) == (firm["name"], firm["credit_code"], "basic_account", "中国农业银行", basic)
    assert (person_line["payee_name"], person_line["id_number"], person_line["account_number"],
            person_line["account_masked"]) == ("张三", person["id_number"], card,
                                               f"{card[:4]} **** **** {card[-4:]}")
    assert lines[2]["account_number"] is None and lines[2]["id_number"] == without["id_number"]
    [event] = outbox_payloads(databases["registry"], firm["id"])
    assert (event["record_kind"], event["enterprise_id"], event["entrepreneur_id"]) == (
        "enterprise", firm["id"], person["id"])


def test_a_payment_list_of_more_than_five_hundred_is_refused(registry, rpc):
    with pytest.raises(InvalidInput) as caught:
        rpc.registry.payee_accounts([{"kind": "entrepreneur", "id": str(n)} for n in range(501)])
    assert caught.value.field == "records"
    with pytest.raises(InvalidInput) as caught:
        rpc.registry.payee_accounts([{"kind": "loan", "id": "x"}])
    assert caught.value.field == "records.0.kind"
