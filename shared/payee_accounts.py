"""Payee accounts (收款账户): an account number made plain as people type it, checked by its kind, masked.

A bank card carries a Luhn check digit (python-stdnum's `luhn`); a social security card's financial
account and an enterprise's basic account (基本存款账户) follow no one national rule, so they are kept
as given and the bank's return is the proof (domain.md, "How money reaches people"). Only the masked
form (`6222 **** **** 1234`) leaves the registry's records, except the payment list finance asks for.
"""

from __future__ import annotations

import re
import unicodedata

from stdnum import luhn

from shared.errors import InvalidInput

# kind -> (shortest, longest) number of digits
LENGTHS = {"bank_card": (16, 19), "social_security_card": (12, 30), "basic_account": (12, 30)}
LUHN_KINDS = frozenset({"bank_card"})
SEPARATORS = re.compile(r"[\s\-]+")  # spaces between groups of four, as printed on cards; hyphens
ASCII_DIGITS = re.compile(r"[0-9]+")


def plain_number(value: str) -> str:
    """The number as typed, with full-width digits made plain (NFKC, as the roll import does) and
    the spaces and hyphens between its groups taken out."""
    return SEPARATORS.sub("", unicodedata.normalize("NFKC", value or ""))


def check_account_number(kind: str, value: str, field: str = "account_number") -> str:
    """The plain number, or InvalidInput naming the field and the rule it breaks."""
    number = plain_number(value)
    if not ASCII_DIGITS.fullmatch(number):
        raise InvalidInput("account_number_format", field, "账号只能填写数字（数字之间可以有空格）")
    shortest, longest = LENGTHS.get(kind, LENGTHS["basic_account"])
    if not shortest <= len(number) <= longest:
        what = "银行卡号" if kind == "bank_card" else "账号"
        raise InvalidInput("account_number_length", field, f"{what}应为{shortest}至{longest}位数字，请核对后重新填写")
    if kind in LUHN_KINDS and not luhn.is_valid(number):
        raise InvalidInput("account_number_checksum", field, "银行卡号校验位错误，请核对卡号后重新填写")
    return number


def mask_account(number: str | None) -> str | None:
    """The first four and last four digits, the middle hidden whatever its length."""
    if not number:
        return None
    return f"{number[:4]} **** **** {number[-4:]}"
