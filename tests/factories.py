"""Small factories for test data: valid, unique resident IDs, credit codes and registrations."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import uuid

from stdnum.cn import ric, uscc

from tests.places import PLACES, listed

# an ID's area is where it was issued: the list's counties, and two outside it (a retired code, 隆昌县
# before it became 隆昌市, and 北京市朝阳区)
AREA_CODES = [*listed("county"), "511028", "110105"]
RETURNED_ON = dt.date(2024, 2, 20)  # when the factories' returnees came home: no test moves the day earlier
_rng = random.Random()


def resident_id(area: str | None = None, birth: dt.date | None = None, male: bool | None = None) -> str:
    area = area or _rng.choice(AREA_CODES)
    birth = birth or dt.date(1970, 1, 1) + dt.timedelta(days=_rng.randrange(0, 365 * 35))
    sequence = _rng.randrange(0, 1000)
    if male is not None and (sequence % 2 == 1) != male:
        sequence = (sequence + 1) % 1000
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def wrong_checksum(number: str, digits: str = "0123456789X") -> str:
    """`number` with its check character replaced by the next one of `digits`: always wrong."""
    return number[:-1] + digits[(digits.index(number[-1]) + 1) % len(digits)]


def credit_code(region: str = PLACES.county) -> str:
    """A valid code registered in `region`'s county."""
    body = "92" + region[:6] + "".join(_rng.choice(CREDIT_ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def wrong_credit_code(region: str = PLACES.county) -> str:
    return wrong_checksum(credit_code(region), CREDIT_ALPHABET)


def mobile() -> str:
    return "13" + "".join(_rng.choice("0123456789") for _ in range(9))


def luhn_digit(body: str) -> str:
    """The check digit a bank card number ends with (ISO/IEC 7812): from the right, every second
    digit of the body doubled (less 9 above 9), the sum made up to a multiple of ten."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str(-total % 10)


def bank_card(prefix: str = "622202", length: int = 16) -> str:
    """A card number (by default of 中国工商银行's 622202 range) with a right check digit."""
    body = prefix + "".join(_rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return body + luhn_digit(body)


def account_number(length: int = 15) -> str:
    """A social security card's or a basic account's number: digits, no check digit to respect."""
    return "".join(_rng.choice("0123456789") for _ in range(length))


def entrepreneur_data(**overrides) -> dict:
    data = {
        "name": "测试" + _rng.choice("张王李赵陈刘杨黄") + _rng.choice("伟芳娜敏静丽强磊"),
        "id_number": resident_id(),
        "phone": mobile(),
        "household_region_code": PLACES.township,
        "region_code": PLACES.village,
        "return_date": RETURNED_ON.isoformat(),
        "previous_work_place": "广东省东莞市",
        "previous_occupation": "电子厂装配工",
        "education": "senior_high",
        "skills": ["电工"],
        "certificates": [{"name": "电工", "level": "intermediate", "issued_on": "2024-06-01"}],
        "categories": ["returnee_migrant_worker"],
    }
    data.update(overrides)
    return data


def enterprise_data(**overrides) -> dict:
    data = {
        # 8 hex digits: with 4 (65,536 names), a test's enterprise now and then shared its name with
        # another the run had registered in the same village, and a look-up by name found two (in CI)
        "name": f"内江{uuid.uuid4().hex[:8]}柑橘专业合作社",
        "kind": "cooperative",
        "credit_code": credit_code(),
        "industry": "种植业",
        "region_code": PLACES.village,
        "founded_on": "2025-06-01",
        "investment_yuan": "350000.00",
        "headcount": 12,
        "poverty_hires": 3,
    }
    data.update(overrides)
    return data


def roll_csv(people: list[tuple[dict, dict | None]], *, title: str = "内江市返乡创业人员台账") -> bytes:
    """An office's roll as it keeps it: a title row above Chinese headers, one line per person and
    their enterprise; regions by name (as offices write them), figures as text."""
    from shared import regions

    headers = ["序号", "姓名", "身份证号码", "联系电话", "户籍所在地", "所在乡镇", "返乡时间", "外出务工地", "原从事工种",
               "文化程度", "人员类别", "经营主体名称", "统一社会信用代码", "经营主体类型", "所属行业", "成立日期",
               "投资额（元）", "从业人数", "其中脱贫人口"]
    lines = [[title], headers]
    for n, (person, firm) in enumerate(people, start=1):
        place = regions.full_name(person["region_code"]).removeprefix("四川省")
        line = [n, person["name"], person["id_number"], person["phone"],
                regions.full_name(person["household_region_code"]).removeprefix("四川省"), place,
                person.get("return_date") or "", person["previous_work_place"], person["previous_occupation"],
                "高中", "返乡农民工"]
        if firm:
            line += [firm["name"], firm["credit_code"], "农民专业合作社", firm["industry"], firm["founded_on"],
                     firm["investment_yuan"], firm["headcount"], firm["poverty_hires"]]
        lines.append(line)
    out = io.StringIO()
    csv.writer(out).writerows(lines)
    return out.getvalue().encode("utf-8-sig")
