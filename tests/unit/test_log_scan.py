"""The log scanner finds personal data and credentials, and leaves ids, masked values and noise alone."""

import requests

from shared.logging import mask_text
from tests.factories import bank_card, mobile, resident_id, wrong_checksum
from tests.support import log_scan
from tests.support.log_scan import ScanReport, Secrets, findings_in_line


def kinds(line: str, secrets: Secrets | None = None) -> list[str]:
    return [kind for kind, _ in findings_in_line(line, secrets or Secrets())]


def test_a_resident_id_is_found_only_when_its_checksum_is_right():
    number = resident_id()
    assert kinds(f'"GET /api/v1/entrepreneurs?q={number} HTTP/1.1" 200') == ["resident ID"]
    assert kinds(f'"GET /api/v1/entrepreneurs?q={wrong_checksum(number)} HTTP/1.1" 200') == []
    assert kinds(f"order 9{number}") == []  # part of a longer number


def test_a_mobile_number_is_found_unless_it_is_part_of_a_longer_number_or_an_id():
    phone = mobile()
    assert kinds(f"phone={phone}&name=x") == ["mobile number"]
    assert kinds(f"amount {phone}5 fen") == []
    correlation_id = f"ab{phone}cdef0123456789abcde"
    assert len(correlation_id) == 32 and kinds(f'"correlation_id": "{correlation_id}"') == []
    assert kinds(f"<WorkerContext at 0x7f{phone}>") == []


def test_what_the_logging_processor_masked_is_not_a_finding():
    line = f"registered {resident_id()} phone {mobile()} ok"
    assert sorted(kinds(line)) == ["mobile number", "resident ID"]
    assert kinds(mask_text(line)) == []


def test_tokens_cookies_and_passwords_of_the_run_are_found_anywhere_in_a_line():
    secrets = Secrets()
    secrets.add("tok-0123456789abcdef", "bearer token")
    secrets.add("short", "password")  # too short to look for
    assert kinds('{"auth": "xtok-0123456789abcdefx"} short', secrets) == ["bearer token"]
    assert kinds("Authorization: Bearer Zm9vYmFyYmF6cXV4cXV1eA") == ["bearer token"]
    assert kinds("Cookie: guiyan_session=eyJ0b2tlbiI6ImFiYyJ9.ZmFrZQ") == ["page cookie"]
    assert kinds("缺少 Authorization: Bearer 令牌") == []


def test_a_finding_names_file_and_line_and_shows_only_a_masked_value(tmp_path):
    number = resident_id()
    log = tmp_path / "gateway.txt"  # not `.log`: the run's own scan would rightly find it
    log.write_text(f"started\nGET /entrepreneurs?q={number}\n", encoding="utf-8")
    report = ScanReport()
    report.scan_file(log, Secrets())
    [finding] = report.findings
    assert str(finding) == f"{log}:2: resident ID {number[:3]}{'*' * 13}{number[-2:]}"
    assert number not in str(finding)
    assert report.summary() == (
        "personal data in logs: 1 log files and 0 captured outputs, 2 log lines scanned "
        "(ID and mobile numbers, 0 passwords, tokens and cookies of the run), 1 findings")


def test_a_login_response_leaves_its_password_token_and_cookies_with_the_scan():
    response = requests.Response()
    response.request = requests.Request("POST", "http://gateway/api/v1/auth/login",
                                        json={"username": "u", "password": "pw-from-a-test"}).prepare()
    response.headers["Content-Type"] = "application/json"
    response._content = b'{"token": "issued-token-123456"}'
    response.cookies.set("guiyan_csrf", "signed-csrf-cookie-value")
    log_scan.remember_response(response)
    assert {value: log_scan.ISSUED.kinds[value]
            for value in ("pw-from-a-test", "issued-token-123456", "signed-csrf-cookie-value")} == {
        "pw-from-a-test": "password", "issued-token-123456": "bearer token",
        "signed-csrf-cookie-value": "cookie guiyan_csrf"}


def test_a_payee_account_number_sent_by_a_test_is_looked_for_in_the_logs():
    card = bank_card()
    response = requests.Response()
    response.request = requests.Request("POST", "http://gateway/entrepreneurs/x/payee-account",
                                        data={"kind": "bank_card", "account_number": card}).prepare()
    log_scan.remember_response(response)
    assert log_scan.ISSUED.kinds[card] == "account number"
    assert kinds(f"set account {card} for x", log_scan.ISSUED) == ["account number"]
