"""The world the access matrix walks: known people in known regions and banks, their records, and
fresh records on demand for the rows that change something.

Alice (entrepreneur) lives in the home village of tests/places (景坡楼村, 郭北镇, 东兴区), borrows from
NJRCB; Bob in the other village (新义村, 严陵镇, 威远县), borrows from PSBC. Officials sit at every level
over Alice ("own") and over Bob ("other"); the other city is the list's first other one (成都). The
quarterly consultation and the interest subsidies use spare quarters of the quarter book, which no
other module touches.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import threading
import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa

from services.gateway.handlers import auth
from services.gateway.models import login_sessions, users
from shared import clock, regions
from tests.borrowers import (
    certificate,
    certify,
    finance_knows,
    key,
    loan_request,
    make_borrower,
    skill_claim,
)
from tests.factories import bank_card, credit_code, enterprise_data, entrepreneur_data, roll_csv
from tests.places import PLACES
from tests.quarters import Quarter, QuarterBook
from tests.stack import PASSWORD
from tests.support.waiting import eventually

VILLAGE, TOWNSHIP, COUNTY = PLACES.village, PLACES.township, PLACES.county
# persona -> (role, scope): the columns of the matrix
PERSONAS = {
    "anon": ("anonymous", "-"), "alice": ("entrepreneur", "own"), "bob": ("entrepreneur", "other_person"),
    "vil": ("village_official", "own_region"), "vil_x": ("village_official", "other_region"),
    "twp": ("township_official", "own_region"), "twp_x": ("township_official", "other_region"),
    "head": ("unit_head", "own_region"), "head_x": ("unit_head", "other_region"),
    "cty": ("county_official", "own_region"), "cty_x": ("county_official", "other_region"),
    "city": ("city_official", "own_region"), "city_x": ("city_official", "other_city"),
    "bank": ("bank_liaison", "own_bank"), "bank_x": ("bank_liaison", "other_bank"),
    "chk": ("bank_checker", "own_bank"), "admin": ("administrator", "-"),
    "prov": ("province_official", "whole_province"),
}
OFFICIALS = {  # persona -> (region, level, unit head)
    "vil": (VILLAGE, "village", False), "vil_x": (PLACES.other_village, "village", False),
    "twp": (TOWNSHIP, "township", False), "twp_x": (PLACES.other_township, "township", False),
    "head": (TOWNSHIP, "township", True), "head_x": (PLACES.other_township, "township", True),
    "cty": (COUNTY, "county", False), "cty_x": (PLACES.other_county, "county", False),
    "city": (PLACES.city, "city", False), "city_x": (PLACES.other_city, "city", False),
    "prov": (PLACES.province, "province", False),  # reads across its cities, changes nothing of theirs
}
BANKS = {"bank": "NJRCB", "bank_x": "PSBC", "chk": "NJRCB"}
PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
APPROVAL = {"amount_yuan": "100000.00", "term_months": 24, "spread_bp": 0}
MINUTES = "会议逐户听取了困难企业的诉求，研究确定了各事项的牵头单位、配合单位和完成时限。"


@dataclass
class Target:
    """A record the rows act on: its id, the entrepreneur who owns it, and what else the calls need."""

    id: str
    owner: object | None = None  # ApiClient of the owning entrepreneur (persona "alice")
    extra: dict = field(default_factory=dict)
    unknown: str | None = None  # what stands for a record that does not exist (default: a new uuid)

    def __getitem__(self, name):
        return self.extra[name]


def ok(response, status: int = 200) -> dict:
    """The answer's JSON; on another status, only the status and the error (never personal data)."""
    assert response.status_code == status, (response.status_code, response.text[:300] if response.status_code >= 400
                                            else "")
    return response.json()


class QuickAccounts:
    """The stack, with accounts and their API sessions written straight into the gateway's database.

    One argon2 hash or check takes most of a second on a busy machine; the world needs dozens of
    accounts. The matrix's own rows for login, logout and sign-up still go through the API.
    """

    def __init__(self, stack):
        self.stack = stack
        self.engine = sa.create_engine(stack.databases["gateway"].replace("postgresql://", "postgresql+psycopg2://", 1),
                                       pool_size=4)
        self.password_hash = auth.hasher.hash(PASSWORD)  # once: the login rows check it for real

    def __getattr__(self, name):
        return getattr(self.stack, name)

    def close(self) -> None:
        self.engine.dispose()

    def create_user(self, role: str, *, region_code: str | None = None, level: str | None = None,
                    bank_code: str | None = None, username: str | None = None, unit_head: bool = False) -> str:
        username = username or f"{role}_{uuid.uuid4().hex[:8]}"
        with self.engine.begin() as connection:
            connection.execute(sa.insert(users).values(
                username=username, password_hash=self.password_hash, role=role, display_name=f"测试{role}",
                region_code=regions.check_known(region_code) if region_code else None, level=level,
                bank_code=bank_code, unit_head=unit_head))
        return username

    def client(self, username: str | None = None):
        client = self.stack.client()
        if username:
            token = secrets.token_urlsafe(32)
            now = clock.utcnow()
            with self.engine.begin() as connection:
                user_id = connection.scalar(sa.select(users.c.id).where(users.c.username == username))
                connection.execute(sa.insert(login_sessions).values(
                    token_hash=auth.token_hash(token), user_id=user_id, kind="api", created_at=now,
                    expires_at=now + dt.timedelta(hours=4)))
            client.http.headers["Authorization"] = f"Bearer {token}"
            client.username = username
        return client


class World:
    def __init__(self, stack, quarters: QuarterBook):
        stack = QuickAccounts(stack)
        self.stack = stack
        self.quarters = quarters
        self.quarter = quarters.spare(__name__)  # the consultation's, opened by `consultation()`
        self.unknown_quarter = quarters.spare(__name__)  # never opened nor computed: stands for no quarter
        self.reported = quarters.last  # the quarter make_borrower reports the headcount of
        self.usernames: dict[str, str] = {}
        self.c: dict = {"anon": stack.client()}
        for persona, (region, level, head) in OFFICIALS.items():
            self._account(persona, "official", region_code=region, level=level, unit_head=head)
        for persona, bank in BANKS.items():
            self._account(persona, "bank_liaison", bank_code=bank)
        self._account("admin", "admin")
        # the county's other officials: a batch is made, checked and paid by three different people
        for persona in ("cty_maker", "cty_checker", "cty_payer"):
            self._account(persona, "official", region_code=COUNTY, level="county")
        self.login_user = stack.create_user("official", region_code=COUNTY, level="county")
        for account in ("fund:guarantee", "budget:subsidy"):
            ok(self.c["city"].post("/api/v1/fund/contributions", headers=key(),
                                   json={"account": account, "amount_yuan": "50000000.00"}), 201)
        self.counter = itertools.count(1)
        alice = make_borrower(stack, self.c["twp"], enterprise=True)
        bob = make_borrower(stack, self.c["twp_x"], region=PLACES.other_village, enterprise=True)
        self.c["alice"], self.c["bob"] = alice.client, bob.client
        self.usernames.update(alice=alice.username, bob=bob.username)
        self.alice = Target(alice.entrepreneur_id, alice.client)
        self.alice_firm = Target(alice.enterprise_id, alice.client)
        self._wait_for_enterprises(alice.enterprise_id, bob.enterprise_id)
        self.alice_loan = Target(ok(alice.client.post("/api/v1/loans", json=loan_request()), 201)["id"],
                                 alice.client)
        self.shared: dict = {}
        self.lock = threading.RLock()  # rows run side by side: a shared record is made once
        self.shared["paid interest"] = self.paid_interest_quarter()
        self.certificates: list[dict] = []  # on Alice's record, the newest few

    def close(self) -> None:
        self.stack.close()

    def _account(self, persona: str, role: str, **details) -> None:
        self.usernames[persona] = self.stack.create_user(role, **details)
        self.c[persona] = self.stack.client(self.usernames[persona])

    def _wait_for_enterprises(self, *enterprise_ids: str) -> None:
        for firm in enterprise_ids:
            finance_knows(self.stack, "known_enterprises", firm, "true", "escalation")
            finance_knows(self.stack, "known_enterprises", firm, "true", "projects")
        wait_for_fact(self.stack, "enterprise_registered", enterprise_ids)

    def caller(self, persona: str, target: Target | None = None):
        """The client of a persona; "alice" is whoever owns the target (Alice by default)."""
        if persona == "alice" and target is not None and target.owner is not None:
            return target.owner
        return self.c[persona]

    def new_session(self, persona: str):
        return self.stack.client(self.usernames[persona]) if persona != "anon" else self.stack.client()

    def once(self, name: str, make):
        """A shared record, made the first time a test asks for it."""
        with self.lock:
            if name not in self.shared:
                self.shared[name] = make()
            return self.shared[name]

    def n(self) -> int:
        return next(self.counter)

    def spare_quarter(self) -> Quarter:
        with self.lock:
            return self.quarters.spare(__name__)

    @staticmethod
    def days_ago(days: int) -> str:
        return (clock.today() - dt.timedelta(days=days)).isoformat()

    # ---- registry ----------------------------------------------------------------------------

    def entrepreneur(self) -> Target:
        """A person the township registered in Alice's village, not yet verified."""
        person = ok(self.c["twp"].post("/api/v1/entrepreneurs", json=entrepreneur_data(region_code=VILLAGE)), 201)
        return Target(person["id"])

    def claimable(self) -> Target:
        """A person the township registered in Alice's village, and that person's new account, which
        has no record yet (the owner who claims it)."""
        data = entrepreneur_data(region_code=VILLAGE)
        person = ok(self.c["twp"].post("/api/v1/entrepreneurs", json=data), 201)
        claimant = self.stack.client(self.stack.create_user("entrepreneur"))
        return Target(person["id"], claimant, {"id_number": data["id_number"]})

    def claim_request(self) -> Target:
        """That person's request to claim the record, waiting for an official to confirm in person."""
        record = self.claimable()
        claim = ok(record.owner.post("/api/v1/entrepreneurs/claim", json={
            "id_number": record["id_number"], "in_person": True}), 202)
        return Target(claim["id"], record.owner)

    def roll_import(self) -> Target:
        """A roll of one person in Alice's village, checked for the township (not yet imported)."""
        data = roll_csv([(entrepreneur_data(region_code=VILLAGE), None)])
        made = ok(self.c["twp"].http.post(self.stack.base_url + "/api/v1/imports", timeout=30,
                                          files={"file": ("台账.csv", data, "text/csv")}), 201)
        return Target(made["id"])

    def enterprise(self) -> Target:
        """Another enterprise of Alice's, not yet verified."""
        firm = ok(self.c["alice"].post("/api/v1/enterprises", json=enterprise_data(
            region_code=VILLAGE, credit_code=credit_code(COUNTY))), 201)
        return Target(firm["id"], self.c["alice"])

    def calm_enterprise(self) -> Target:
        """An enterprise of Alice's that no rule puts on a roster, known to consultation."""
        firm = self.enterprise()
        wait_for_fact(self.stack, "enterprise_registered", [firm.id])
        return firm

    # ---- loans -------------------------------------------------------------------------------

    def loan(self, status: str = "under_bank_review") -> Target:
        """A new borrower's loan from NJRCB in Alice's village, taken as far as `status`."""
        borrower = make_borrower(self.stack, self.c["twp"])
        amount = "400000.00" if status == "awaiting_confirmation" else "100000.00"
        loan = ok(borrower.client.post("/api/v1/loans", json=loan_request(amount_yuan=amount)), 201)
        assert loan["status"] == "under_bank_review", loan["failures"]
        path = f"/api/v1/loans/{loan['id']}"
        if status != "under_bank_review":
            ok(self.c["bank"].post(f"{path}/approve", json={**APPROVAL, "amount_yuan": amount}))
        if status == "disbursed":
            ok(self.c["bank"].post(f"{path}/disburse", json={}, headers=key()))
        return Target(loan["id"], borrower.client)

    # ---- subsidies ---------------------------------------------------------------------------

    def skill_claim(self) -> dict:
        """A skill claim of Alice's for a new certificate, put on her record first (her ten newest stay
        there, so that rows running side by side each find theirs)."""
        with self.lock:
            self.certificates = [*self.certificates, certificate(self.stack, f"焊工{self.n()}")][-10:]
            certify(self.stack, self.c["twp"], self.alice.id, *self.certificates)
            return skill_claim(self.certificates[-1])

    def claim(self, status: str = "eligibility_checked") -> Target:
        claim = ok(self.c["alice"].post("/api/v1/subsidy-claims", json=self.skill_claim()), 201)
        assert claim["status"] == "eligibility_checked", claim["failures"]
        if status == "approved":
            ok(self.c["twp"].post(f"/api/v1/subsidy-claims/{claim['id']}/review", json={"decision": "approve"}))
        return Target(claim["id"], self.c["alice"])

    def batch(self, status: str = "draft") -> Target:
        """The county's batch of one approved claim of Alice's, made by one of its officials and, when
        `approved`, checked by another (its payment list then has Alice's line); `failed`: the bank
        returned her line failed."""
        claim = self.claim("approved")
        batch = ok(self.c["cty_maker"].post("/api/v1/subsidy-batches", json={"claim_ids": [claim.id]}), 201)
        extra = {"claim_id": claim.id}
        if status in ("approved", "failed"):
            self.payee_account()
            approved = ok(self.c["cty_checker"].post(f"/api/v1/subsidy-batches/{batch['id']}/approve"))
            [line] = approved["payment_lines"]
            extra["reference"] = line["reference"]
        if status == "failed":
            ok(self.c["cty_payer"].post(f"/api/v1/subsidy-batches/{batch['id']}/bank-return", headers=key(), json={
                "lines": [{"reference": extra["reference"], "result": "failed", "reason": "账户已销户"}]}))
        return Target(batch["id"], extra=extra)

    def payee_account(self) -> None:
        """Alice's bank card on her record (once): her claims' payment lines go to it."""
        def register():
            ok(self.c["alice"].put(f"/api/v1/entrepreneurs/{self.alice.id}/payee-account", json={
                "kind": "bank_card", "bank_code": "ICBC", "account_number": bank_card()}))
            return True
        self.once("alice's payee account", register)

    def paid_interest_quarter(self) -> Target:
        """A past quarter in which a loan at NJRCB paid interest, computed by the city: its payment list
        has NJRCB's line, to the subsidy account the administrator registered. The days move before
        any row runs (`World.__init__`), never while they run side by side."""
        quarter = self.spare_quarter()
        borrower = make_borrower(self.stack, self.c["twp"])
        with self.stack.today(quarter.day(1, 10)):
            loan = ok(borrower.client.post("/api/v1/loans", json=loan_request(amount_yuan="50000")), 201)
            ok(self.c["bank"].post(f"/api/v1/loans/{loan['id']}/approve", json={
                "amount_yuan": "50000", "term_months": 12, "spread_bp": 0}))
            lent = ok(self.c["bank"].post(f"/api/v1/loans/{loan['id']}/disburse", headers=key(), json={}))
        with self.stack.today(quarter.day(2, 15)):
            ok(self.c["bank"].post(f"/api/v1/loans/{loan['id']}/repayments", headers=key(), json={
                "amount_yuan": lent["instalments"][0]["interest_yuan"]}), 201)
        ok(self.c["admin"].put("/api/v1/banks/NJRCB", json={
            "confirmation_threshold_yuan": "300000", "subsidy_account_name": "内江农商银行贴息资金专户",
            "subsidy_account_number": "310000000000001"}))
        computed = ok(self.c["city"].post("/api/v1/interest-subsidies", json={"quarter": quarter.code}), 201)
        [line] = computed["bank_lines"]
        return Target(quarter.code, unknown=self.unknown_quarter.code, extra={"reference": line["reference"]})

    def interest_quarter(self) -> Target:
        """A past quarter whose interest subsidy the city has computed and not paid."""
        code = self.spare_quarter().code
        ok(self.c["city"].post("/api/v1/interest-subsidies", json={"quarter": code}), 201)
        return Target(code, unknown=self.unknown_quarter.code)

    # ---- difficulties ------------------------------------------------------------------------

    def difficulty(self, status: str = "assigned") -> Target:
        """Alice's difficulty at township level, taken as far as `status`."""
        record = ok(self.c["alice"].post("/api/v1/difficulties", json={
            "enterprise_id": self.alice_firm.id, "category": "labour", "urgency": "normal",
            "description": "春节后招工困难，缺少熟练分拣工人二十名，影响订单交付"}), 201)
        path = f"/api/v1/difficulties/{record['id']}"
        if status in ("resolved", "accepted"):
            ok(self.c["twp"].post(f"{path}/resolve", json={"resolution": "镇劳务站已推荐熟练工二十名"}))
        if status == "accepted":
            ok(self.c["alice"].post(f"{path}/accept", json={"note": "工人已到岗"}))
        return Target(record["id"], self.c["alice"], {"reference": record["reference"]})

    def attachment(self) -> Target:
        record = self.difficulty()
        added = ok(self.c["alice"].post(f"/api/v1/difficulties/{record.id}/attachments",
                                        files={"file": ("photo.png", PHOTO, "image/png")}), 201)
        return Target(record.id, self.c["alice"], {"attachment_id": added["attachments"][-1]["id"]})

    # ---- documents on the records and loans ----------------------------------------------------

    def document(self, records: str) -> Target:
        """A file attached to Alice's record ("entrepreneurs") or enterprise ("enterprises") by Alice,
        or to a loan NJRCB approved ("loans") by NJRCB's liaison."""
        target, client, kind = {"entrepreneurs": (self.alice, self.c["alice"], "id_card_front"),
                                "enterprises": (self.alice_firm, self.c["alice"], "business_licence")}.get(
            records) or (self.loan("approved"), self.c["bank"], "loan_contract")
        added = ok(client.post(f"/api/v1/{records}/{target.id}/attachments", files=document_form(kind)), 201)
        return Target(target.id, target.owner, {"attachment_id": added["attachments"][-1]["id"]})

    # ---- projects ----------------------------------------------------------------------------

    def project(self, status: str = "collected") -> Target:
        """A project of 东兴区's county library, taken as far as `status`."""
        county = self.c["cty"]
        project = ok(county.post("/api/v1/projects", json=project_data(self.n())), 201)
        path = f"/api/v1/projects/{project['id']}"
        steps = {"collected": [], "reviewed": ["review"], "listed": ["review", "list"],
                 "recommended": ["review", "list", "recommend"], "signed": ["review", "list"]}[status]
        for step in steps:
            ok(county.post(f"{path}/{step}"))
        if status == "signed":
            event = self.promotion_event(project["id"])
            ok(county.post(f"/api/v1/promotion-events/{event.id}/signings", json={
                "project_id": project["id"], "entrepreneur_id": self.alice.id}), 201)
        return Target(project["id"])

    def promotion_event(self, project_id: str | None = None) -> Target:
        """The county's promotion event showing one listed project (not yet signed)."""
        project_id = project_id or self.project("listed").id
        event = ok(self.c["cty"].post("/api/v1/promotion-events", json=promotion_data([project_id])), 201)
        return Target(event["id"], extra={"project_id": project_id})

    # ---- the quarterly consultation ----------------------------------------------------------

    def consultation(self) -> dict:
        """The world's quarter opened with Alice's enterprise on its roster (six difficulties on the
        agenda, one of them escalated to the city), its meeting recorded and one item resolved."""
        return self.once("consultation", self._consultation)

    def _consultation(self) -> dict:
        stack, twp, county, city, quarter = self.stack, self.c["twp"], self.c["cty"], self.c["city"], self.quarter
        with stack.today(quarter.day(2, 10)):
            records = [self.difficulty() for _ in range(6)]
            ok(twp.post(f"/api/v1/difficulties/{records[0].id}/escalate", json={"reason": "需县级协调"}))
            ok(county.post(f"/api/v1/difficulties/{records[0].id}/escalate", json={"reason": "需市级协调"}))
        wait_for_fact(stack, "difficulty_reported", [r.id for r in records], "difficulty_id")
        wait_for_fact(stack, "difficulty_escalated", [records[0].id], "difficulty_id", count=2)
        calm = self.calm_enterprise()
        ok(city.post("/api/v1/quarters", json={"quarter": quarter.code}), 201)
        ok(city.put(f"/api/v1/quarters/{quarter}/meeting", json=meeting_data(quarter)))
        agenda = ok(city.get(f"/api/v1/quarters/{quarter}/agenda"))
        items = [item["id"] for group in agenda["enterprises"] if group["enterprise_id"] == self.alice_firm.id
                 for category in group["categories"] for item in category["items"]]
        assert len(items) == len(records), agenda
        resolution = ok(city.post(f"/api/v1/quarters/{quarter}/resolutions",
                                  json=resolution_data(items.pop())), 201)
        return {"quarter": Target(quarter.code, unknown=self.unknown_quarter.code), "calm": calm,
                "resolution": Target(resolution["id"]), "items": items}

    def agenda_item(self) -> Target:
        """An item of the world quarter's agenda that has no resolution yet."""
        return Target(self.consultation()["items"].pop())

    def county_item(self) -> Target:
        """An item of Alice's county's own round of the world quarter (opened by its county official)."""
        self.consultation()
        county = ok(self.c["cty"].post("/api/v1/quarters", json={"quarter": self.quarter.code, "region": COUNTY}),
                    201)
        agenda = ok(self.c["cty"].get(f"/api/v1/quarters/{self.quarter}/agenda", params={"region": COUNTY}))
        assert agenda["region_code"] == county["region_code"], agenda
        return Target(next(item["id"] for group in agenda["enterprises"] if group["enterprise_id"] == self.alice_firm.id
                           for category in group["categories"] for item in category["items"]))

    def closable_quarter(self) -> Target:
        """A past quarter, opened, with its meeting recorded: ready to close."""
        quarter = self.spare_quarter()
        ok(self.c["city"].post("/api/v1/quarters", json={"quarter": quarter.code}), 201)
        ok(self.c["city"].put(f"/api/v1/quarters/{quarter}/meeting", json=meeting_data(quarter)))
        return Target(quarter.code, unknown=self.unknown_quarter.code)

    # ---- the department list -----------------------------------------------------------------

    def department(self) -> Target:
        """A department the administrator added to the list, retired (so no picker offers it)."""
        made = ok(self.c["admin"].post("/api/v1/departments", json=department_data()), 201)
        return Target(made["code"], unknown="511000-no-such-department")


def department_data() -> dict:
    """A retired department of the city with names nobody else has."""
    mark = uuid.uuid4().hex[:8]
    return {"name": f"内江市返乡创业测试服务站{mark}", "short_name": f"测试站{mark}", "level": "city",
            "region_code": "511000", "active": False}


def document_form(kind: str) -> dict:
    """A multipart upload of a document: its kind (a plain field) and a small PNG."""
    return {"kind": (None, kind, None), "file": ("scan.png", PHOTO, "image/png")}


def project_data(n: int) -> dict:
    return {"title": f"大佛村柑橘深加工{n}号{uuid.uuid4().hex[:4]}", "sector": "农产品加工",
            "description": "建设柑橘分选、冷藏和果汁加工生产线，带动周边农户增收。", "region_code": VILLAGE,
            "investment_yuan": "3000000.00", "expected_jobs": 40, "policies": ["创业担保贷款"],
            "contact_name": "王主任", "contact_phone": "0832-2222222", "library_level": "county"}


def promotion_data(project_ids: list[str]) -> dict:
    return {"title": "东兴区返乡创业项目推介会", "held_on": clock.today().isoformat(), "place": "东兴区",
            "project_ids": project_ids}


def meeting_data(quarter: Quarter) -> dict:
    held_on = quarter.day(3, 28)
    return {"held_on": held_on.isoformat(), "chair": "市政府分管副市长", "departments": ["市人力资源和社会保障局"],
            "minutes": MINUTES}


def resolution_data(item_id: str) -> dict:
    return {"item_id": item_id, "lead_department": "市人力资源和社会保障局", "co_departments": ["东兴区人社局"],
            "measure": "组织定向招聘会，一个月内补齐分拣工人", "deadline": (clock.today() + dt.timedelta(days=200)).isoformat()}


def wait_for_fact(stack, event_type: str, ids, column: str = "enterprise_id", count: int = 1) -> None:
    """Until consultation holds `count` facts of this type for each id."""
    engine = sa.create_engine(stack.databases["consultation"].replace("postgresql://", "postgresql+psycopg2://"),
                              poolclass=sa.pool.NullPool)
    where = "enterprise_id = :id" if column == "enterprise_id" else f"payload->>'{column}' = :id"
    query = sa.text(f"SELECT count(*) FROM facts WHERE event_type = :t AND {where}")  # noqa: S608 (test code)

    def arrived():
        with engine.connect() as connection:
            return all(connection.scalar(query, {"t": event_type, "id": i}) >= count for i in ids)

    try:
        eventually(arrived, timeout=30)
    finally:
        engine.dispose()
