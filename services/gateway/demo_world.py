"""A small demo world for `make run`, made through the HTTP API as the demo accounts would make it.

陈大姐 (the demo entrepreneur) registers herself and her orange co-operative in 郭北镇; the township
verifies both; the county names the co-operative's liaisons; she borrows 200,000 yuan from 内江农商银行,
which approves and pays it out; her difficulty (pickers short after the Spring Festival) climbs to
the city. Every demo account then has something to look at, and the city official can open the
quarter's consultation with her co-operative on its roster.

绵阳 runs its own programme on the same system: 李建国 registers his mushroom farm in 石马镇, borrows
150,000 yuan from 绵阳市商业银行 against 绵阳's own fund, and reports that his buyers pay late. 内江's
officials see nothing of it, 绵阳's nothing of 内江's, and the province's official reads both.

Run once: a second run sees each city's demo entrepreneur's record and changes nothing.
"""

from __future__ import annotations

import time
import uuid

import requests
from stdnum.cn import ric, uscc

from services.gateway.demo import DEMO_PASSWORD
from shared import clock
from shared.quarters import quarter_of

DEMO_CITIES = ["511000000000", "510700000000"]  # 内江 (the programme city) and 绵阳 beside it
REGION = "511011101201"  # 景坡楼村, 郭北镇 of 东兴区
PERSON = {"name": "陈秀英", "household_region_code": "511011101", "region_code": REGION, "return_date": "2024-02-20",
          "previous_work_place": "广东省东莞市", "previous_occupation": "电子厂质检员", "education": "junior_high",
          "skills": ["果树修剪", "电商直播"], "categories": ["returnee_migrant_worker"],
          "certificates": [{"name": "农产品电商", "level": "junior", "issued_on": "2024-05-10"}]}
FIRM = {"name": "内江市东兴区秀英柑橘种植专业合作社", "kind": "cooperative", "industry": "种植业", "region_code": REGION,
        "founded_on": "2024-04-01", "investment_yuan": "680000.00", "headcount": 18, "poverty_hires": 4}
LIAISONS = [
    {"kind": "government_affairs", "name": "张干事", "phone": "13900000021", "organisation": "郭北镇便民服务中心",
     "level": "township", "official_username": "township_official"},
    {"kind": "finance", "name": "赵经理", "phone": "13900000022", "organisation": "内江农商银行东兴支行",
     "level": "county"},
    {"kind": "legal", "name": "孙律师", "phone": "13900000023", "organisation": "东兴区公共法律服务中心",
     "level": "county"},
]


MIANYANG_REGION = "510704101201"  # 石锣村, 石马镇 of 游仙区
MIANYANG_PERSON = {"name": "李建国", "household_region_code": "510704101", "region_code": MIANYANG_REGION,
                   "return_date": "2025-03-01", "previous_work_place": "浙江省宁波市",
                   "previous_occupation": "食用菌种植技术员", "education": "senior_high",
                   "skills": ["食用菌栽培"], "categories": ["returnee_migrant_worker"], "certificates": []}
MIANYANG_FIRM = {"name": "绵阳市游仙区建国食用菌种植家庭农场", "kind": "family_farm", "industry": "种植业",
                 "region_code": MIANYANG_REGION, "founded_on": "2025-04-15", "investment_yuan": "320000.00",
                 "headcount": 9, "poverty_hires": 2}


def _with_check_digit(body: str, module) -> str:
    return body + module.calc_check_digit(body if module is uscc else body + "0")


ID_NUMBER = _with_check_digit("51101119800312042", ric)
CREDIT_CODE = _with_check_digit("93511011MA6CHEN01", uscc)
MIANYANG_ID_NUMBER = _with_check_digit("51070419850617031", ric)
MIANYANG_CREDIT_CODE = _with_check_digit("92510704MA6LJGX01", uscc)


class _Client:
    def __init__(self, base: str, username: str):
        self.base, self.http = base.rstrip("/"), requests.Session()
        token = self.call("POST", "/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
        self.http.headers["Authorization"] = f"Bearer {token['token']}"

    def call(self, method: str, path: str, expect=(200, 201), **kwargs) -> dict:
        response = self.http.request(method, self.base + path, timeout=30, **kwargs)
        if response.status_code not in expect:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json()


def _until(attempt, seconds: float = 30):
    """Events take a moment to reach the other services: try again until it works."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return attempt()
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _ready(base_url: str) -> bool:
    try:
        if requests.get(base_url.rstrip("/") + "/ready", timeout=10).status_code == 200:
            return True
    except requests.RequestException:
        pass
    raise RuntimeError("not ready yet")


def _key() -> dict:
    return {"Idempotency-Key": f"demo-{uuid.uuid4()}"}


def _known(official: _Client, enterprise_id: str) -> bool:
    """Registration, verification and headcount have reached the services that listen for them."""
    seen = {step["event_type"] for step in official.call("GET", f"/api/v1/enterprises/{enterprise_id}/timeline",
                                                         expect=(200, 404)).get("events", [])}
    if not {"entrepreneur_verified", "enterprise_verified", "enterprise_headcount_reported"} <= seen:
        raise RuntimeError("not yet")
    time.sleep(1)  # finance and escalation hear the same events alongside consultation
    return True


def seed(base_url: str) -> bool:
    """Make the demo world unless it is there; True when any of it was made now."""
    _until(lambda: _ready(base_url), seconds=60)
    made = [_neijiang(base_url), _mianyang(base_url)]
    return any(made)


def _neijiang(base_url: str) -> bool:
    chen = _Client(base_url, "13800000001")
    if chen.call("GET", "/api/v1/entrepreneurs")["items"]:
        return False
    township, county = _Client(base_url, "township_official"), _Client(base_url, "county_official")
    bank = _Client(base_url, "bank_liaison")
    person = chen.call("POST", "/api/v1/entrepreneurs", json={**PERSON, "id_number": ID_NUMBER, "phone": "13800000001"})
    firm = chen.call("POST", "/api/v1/enterprises", json={**FIRM, "credit_code": CREDIT_CODE})
    chen.call("POST", f"/api/v1/enterprises/{firm['id']}/headcount", json={
        "quarter": quarter_of(clock.today()), "headcount": 18, "poverty_hires": 4, "new_hires": 5})
    township.call("POST", f"/api/v1/entrepreneurs/{person['id']}/verify")
    township.call("POST", f"/api/v1/enterprises/{firm['id']}/verify")
    county.call("PUT", f"/api/v1/enterprises/{firm['id']}/liaisons", json={"liaisons": LIAISONS})
    _until(lambda: _known(county, firm["id"]))  # the other services have heard of her by now
    _borrow(chen, bank, firm["id"], "NJRCB", "200000", "扩建柑橘冷库，购置分拣设备")
    trouble = _until(lambda: chen.call("POST", "/api/v1/difficulties", headers=_key(), json={
        "enterprise_id": firm["id"], "category": "labour", "urgency": "normal",
        "description": "春节后采摘季缺少熟练采摘和分拣工人约二十名，订单交付面临延误"}))
    township.call("POST", f"/api/v1/difficulties/{trouble['id']}/escalate", json={"reason": "本镇劳务站无法补足，需县级协调"})
    county.call("POST", f"/api/v1/difficulties/{trouble['id']}/escalate", json={"reason": "涉及跨县招工，需市级协调"})
    return True


def _mianyang(base_url: str) -> bool:
    li = _Client(base_url, "13800000002")
    if li.call("GET", "/api/v1/entrepreneurs")["items"]:
        return False
    township = _Client(base_url, "mianyang_township_official")
    person = li.call("POST", "/api/v1/entrepreneurs", json={
        **MIANYANG_PERSON, "id_number": MIANYANG_ID_NUMBER, "phone": "13800000002"})
    firm = li.call("POST", "/api/v1/enterprises", json={**MIANYANG_FIRM, "credit_code": MIANYANG_CREDIT_CODE})
    li.call("POST", f"/api/v1/enterprises/{firm['id']}/headcount", json={
        "quarter": quarter_of(clock.today()), "headcount": 9, "poverty_hires": 2, "new_hires": 3})
    township.call("POST", f"/api/v1/entrepreneurs/{person['id']}/verify")
    township.call("POST", f"/api/v1/enterprises/{firm['id']}/verify")
    _until(lambda: _known(township, firm["id"]))
    _borrow(li, _Client(base_url, "mianyang_bank_liaison"), firm["id"], "MYCCB", "150000", "新建食用菌菌棚两座")
    _until(lambda: li.call("POST", "/api/v1/difficulties", headers=_key(), json={
        "enterprise_id": firm["id"], "category": "market", "urgency": "normal",
        "description": "商超回款周期延长到九十天，菌棚扩建后流动资金紧张"}))
    return True


def _borrow(owner: _Client, bank: _Client, enterprise_id: str, bank_code: str, amount: str, purpose: str) -> None:
    """A loan in the enterprise's name, approved and paid out by the bank's liaison."""
    loan = _until(lambda: owner.call("POST", "/api/v1/loans", headers=_key(), json={
        "borrower_kind": "enterprise", "enterprise_id": enterprise_id, "bank_code": bank_code, "amount_yuan": amount,
        "term_months": 24, "purpose": purpose, "repayment_method": "equal_instalments"}))
    if loan["status"] == "under_bank_review":
        bank.call("POST", f"/api/v1/loans/{loan['id']}/approve", headers=_key(),
                  json={"amount_yuan": amount, "term_months": 24, "spread_bp": 50})
        bank.call("POST", f"/api/v1/loans/{loan['id']}/disburse", headers=_key(), json={})
