"""Resident ID (GB 11643-1999) and unified social credit code (GB 32100-2015) checks.

python-stdnum supplies the checksums, the birth-date part and the division-code list; its own
`cn.ric.validate` is not used because it rejects real numbers whose area code was created or
renamed after the birth date (see docs/policies.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from shared import clock, regions
from shared.errors import InvalidInput


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    gender: str  # "male" | "female"
    area_code: str


def check_resident_id(value: str, field: str = "id_number") -> ResidentId:
    number = ric.compact(value or "").upper()
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidInput("id_number_format", field, "身份证号码应为18位，前17位为数字，末位为数字或X")
    if ric.calc_check_digit(number) != number[17]:
        raise InvalidInput("id_number_checksum", field, "身份证号码校验位错误，请核对后重新填写")
    try:
        birth_date = ric.get_birth_date(number)
    except ValidationError:
        raise InvalidInput("id_number_birth_date", field, "身份证号码中的出生日期无效") from None
    if birth_date > clock.today():
        raise InvalidInput("id_number_birth_date", field, "身份证号码中的出生日期晚于今天")
    if not regions.county_code_exists(number[:6]):
        raise InvalidInput("id_number_area", field, "身份证号码前6位不是有效的行政区划代码")
    gender = "male" if int(number[16]) % 2 == 1 else "female"
    return ResidentId(number, birth_date, gender, number[:6])


def credit_code_checksum_ok(code: str) -> bool:
    try:
        return uscc.calc_check_digit(code[:17]) == code[17]
    except (ValidationError, KeyError, ValueError, IndexError):
        return False


CREDIT_ALPHABET = set("0123456789ABCDEFGHJKLMNPQRTUWXY")


def check_credit_code(value: str, field: str = "credit_code", override_reason: str | None = None) -> str:
    """The normalised code; a failed checksum passes only with an official's recorded reason."""
    code = uscc.compact(value or "").upper()
    if len(code) != 18 or not set(code) <= CREDIT_ALPHABET:
        raise InvalidInput("credit_code_format", field,
                           "统一社会信用代码应为18位，由数字和大写字母组成（不含I、O、Z、S、V）")
    if not credit_code_checksum_ok(code) and not (override_reason or "").strip():
        raise InvalidInput("credit_code_checksum", field,
                           "统一社会信用代码校验位错误；如确认无误，请由工作人员填写原因后登记")
    return code
