"""Paying a subsidy batch through the bank (惠民惠农财政补贴资金"一卡通", domain.md): four eyes, the
payment list (代发清单) the paying bank takes, and its return (回盘) reconciled line by line."""

import csv
import io
import re

import pytest

from services.finance.domain import payments
from shared.errors import Conflict, Forbidden, InvalidInput
from shared.logging import mask_text

LINE = payments.FileLine("GY0001", "张三", "11010519491231002X", "中国工商银行", "银行卡", "6222021234567894",
                         "6222 **** **** 7894", 150_000, "技能提升补贴")


def test_a_batch_is_made_checked_and_paid_by_three_different_officials():
    with pytest.raises(Forbidden) as own:
        payments.check_checker("maker", "maker")
    assert own.value.code == "four_eyes"
    payments.check_checker("maker", "checker")
    for hands in ("maker", "checker"):
        with pytest.raises(Forbidden):
            payments.check_payer("maker", "checker", hands)
    payments.check_payer("maker", "checker", "payer")


def test_the_payment_list_has_one_line_per_payee_with_the_masked_and_full_account_and_the_amount_in_fen():
    content = payments.payment_file([LINE, LINE])
    assert content.startswith("\ufeff".encode())  # for the banks' systems and Excel
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == list(payments.FILE_COLUMNS)
    assert rows[1] == ["1", "GY0001", "张三", "11010519491231002X\t", "中国工商银行", "银行卡", "6222021234567894\t",
                       "6222 **** **** 7894", "150000", "1500.00", "技能提升补贴"]
    assert rows[2][0] == "2" and len(rows) == 3


def test_the_banks_return_is_read_in_its_words_and_a_failure_needs_its_reason():
    found = payments.returned([{"reference": "A", "result": "成功"}, {"reference": "B", "result": "失败", "reason": "账户已销户"},
                               {"reference": "C", "result": "paid"}])
    assert [(r.reference, r.paid, r.reason) for r in found] == [("A", True, ""), ("B", False, "账户已销户"), ("C", True, "")]
    with pytest.raises(InvalidInput) as reasonless:
        payments.returned([{"reference": "A", "result": "paid"}, {"reference": "B", "result": "failed"}])
    assert (reasonless.value.code, reasonless.value.field) == ("return_reason_required", "lines.1.reason")
    with pytest.raises(InvalidInput) as unreadable:
        payments.returned([{"reference": "A", "result": "处理中"}])
    assert unreadable.value.code == "return_result"
    with pytest.raises(InvalidInput) as twice:
        payments.returned([{"reference": "A", "result": "paid"}, {"reference": "A", "result": "paid"}])
    assert twice.value.code == "return_reference_repeated"


def test_a_return_changes_only_the_lines_waiting_and_a_repeat_changes_nothing():
    statuses = {"A": "issued", "B": "paid", "C": "failed"}
    results = payments.returned([{"reference": "A", "result": "paid"}, {"reference": "B", "result": "paid"},
                                 {"reference": "C", "result": "failed", "reason": "户名不符"}])
    assert [r.reference for r in payments.reconcile(statuses, results)] == ["A"]


@pytest.mark.parametrize("returned, code", [
    ({"reference": "B", "result": "failed", "reason": "户名不符"}, "return_conflicts"),
    ({"reference": "Z", "result": "paid"}, "return_reference_unknown"),
], ids=["a-paid-line-said-to-have-failed", "a-reference-not-in-the-batch"])
def test_a_return_that_contradicts_the_books_or_names_another_batchs_line_is_refused_whole(returned, code):
    statuses = {"A": "issued", "B": "paid"}
    with pytest.raises((Conflict, InvalidInput)) as refused:
        payments.reconcile(statuses, payments.returned([{"reference": "A", "result": "paid"}, returned]))
    assert refused.value.code == code


def test_a_line_reference_is_never_taken_for_a_mobile_number_or_a_resident_id():
    references = {payments.new_reference() for _ in range(5000)}
    assert len(references) == 5000
    for reference in references:
        assert re.fullmatch(r"GY[0-9A-HJ-NP-Z]{14}", reference)
        assert not re.search(r"\d{8}", reference)  # a mobile number has 11 digits, a resident ID 17 or 18
        assert mask_text(reference) == reference
