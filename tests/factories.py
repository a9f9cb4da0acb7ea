"""Small factories for test data: valid, unique resident IDs, credit codes and registrations."""

from __future__ import annotations

import datetime as dt
import random
import uuid

from stdnum.cn import ric, uscc

AREA_CODES = ["511011", "511024", "511025", "511002", "511083", "511028", "110105", "510802"]
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


def credit_code(region: str = "511011") -> str:
    body = "92" + region + "".join(_rng.choice(CREDIT_ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def wrong_credit_code(region: str = "511011") -> str:
    return wrong_checksum(credit_code(region), CREDIT_ALPHABET)


def mobile() -> str:
    return "13" + "".join(_rng.choice("0123456789") for _ in range(9))


def entrepreneur_data(**overrides) -> dict:
    data = {
        "name": "测试" + _rng.choice("张王李赵陈刘杨黄") + _rng.choice("伟芳娜敏静丽强磊"),
        "id_number": resident_id(),
        "phone": mobile(),
        "household_region_code": "511011101",
        "region_code": "511011101201",
        "return_date": "2024-02-20",  # earlier than the days the tests move the clock to
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
        "name": f"内江{uuid.uuid4().hex[:4]}柑橘专业合作社",
        "kind": "cooperative",
        "credit_code": credit_code(),
        "industry": "种植业",
        "region_code": "511011101201",
        "founded_on": "2025-06-01",
        "investment_yuan": "350000.00",
        "headcount": 12,
        "poverty_hires": 3,
    }
    data.update(overrides)
    return data
