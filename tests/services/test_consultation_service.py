"""The quarterly consultation in a nameko container against the real broker and a database of its own.

Quarters are the service's global state (a quarter carries its open items to the next), so every
test starts from empty tables: the module's one container (stopping one takes seconds) keeps
running, and between tests, once the service has consumed its own events, its tables are emptied.
The other services' facts arrive as their events; the four services whose recorded events a
rebuild replays are stand-ins serving `outbox_page`. The day is 2026-11-20, inside 2026Q4, unless
a test moves it.
"""

import base64
import datetime as dt
import uuid
from dataclasses import dataclass

import pytest

from services.consultation.service import ConsultationService
from shared import clock, events
from shared.contracts import escalation as ee
from shared.contracts import finance as fe
from shared.contracts import projects as pe
from shared.contracts import registry
from shared.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from tests.services.test_escalation_service import (
    Facts,
    entrepreneur,
    key,
    module_fixtures,
    move_clock,
    official,
    on_day,
    registered_firm,
    registered_person,
)
from tests.support.waiting import eventually

DAY = dt.date(2026, 11, 20)
QUARTER, NEXT_QUARTER = "2026Q4", "2027Q1"
DONGXING, WEIYUAN = "511011101201", "511024100201"  # villages of 东兴区 and 威远县
CITY = official("511000000000", "city", "city")
OTHER_CITY = official("510700000000", "city", "mianyang_city")  # 绵阳: not the programme's city
COUNTY = official("511011000000", "county", "county")
OTHER_COUNTY = official("511024000000", "county", "weiyuan_county")
TOWNSHIP = official("511011101000", "township", "township")
ADMIN = {"user_id": "u-admin", "username": "admin", "role": "admin"}
MEETING = {"held_on": DAY.isoformat(), "chair": "市人民政府副市长", "departments": ["市人社局", "市财政局", "市自然资源和规划局"],
           "minutes": "会议听取各县（区）汇报，逐项研究返乡创业企业困难问题并明确牵头单位。"}


class RecordedEvents:
    """Another service's outbox as its `outbox_page` RPC serves it, for the rebuild."""

    def __init__(self):
        self.envelopes: list[dict] = []

    def outbox_page(self, after_id=0, limit=500):
        rows = [[number, envelope] for number, envelope in enumerate(self.envelopes, 1) if number > after_id]
        return rows[:limit]


RECORDED = {name: RecordedEvents() for name in ("registry", "finance", "escalation", "projects")}
db, consultation, rpc, facts = module_fixtures("consultation", ConsultationService, **RECORDED)


@pytest.fixture(autouse=True)
def clock_file(tmp_path, monkeypatch):
    move_clock(tmp_path, monkeypatch, DAY)


TABLES = ("facts", "quarter_totals", "difficulty_states", "quarters", "roster_entries", "agenda_items", "meetings",
          "resolutions", "progress_notes", "outbox", "inbox", "command_log")
UNCONSUMED = "SELECT count(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM inbox i WHERE i.event_id = o.event_id)"


@pytest.fixture(autouse=True)
def from_scratch(consultation, db):
    """No fact, quarter or recorded event left from an earlier test, nor any of its events in flight."""
    eventually(lambda: db.scalar(UNCONSUMED) == 0, timeout=15,
               message="consultation consumed every event it published")
    db.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    for stand_in in RECORDED.values():
        stand_in.envelopes.clear()


@dataclass
class Firm:
    account: dict
    owner_id: str
    enterprise_id: str
    name: str
    credit_code: str
    region: str


class World:
    """A few enterprises' facts, sent as their services' events and kept for a replay."""

    def __init__(self, facts: Facts, db, recorded=None):
        self.facts, self.db, self.recorded = facts, db, recorded or {}
        self.sent: list[str] = []

    def send(self, payload, *, record=True, deliver=True) -> dict:
        """The event, delivered to consultation and kept in its producer's recorded outbox (as told)."""
        envelope = events.make_event(payload).model_dump(mode="json")
        if deliver:
            self.facts.resend(envelope)
            self.sent.append(envelope["event_id"])
        if record and payload.source in self.recorded:
            self.recorded[payload.source].envelopes.append(envelope)
        return envelope

    def enterprise(self, region=DONGXING, **how) -> Firm:
        account = entrepreneur()
        person = registered_person(account["user_id"], region=region)
        firm = registered_firm(person.entrepreneur_id, region=region)
        self.send(person, **how)
        self.send(firm, **how)
        return Firm(account, person.entrepreneur_id, firm.enterprise_id, firm.name, firm.credit_code, region)

    def difficulty(self, firm: Firm, *levels: str, resolve_due: dt.date = DAY + dt.timedelta(days=10),
                   category="labour") -> dict:
        """Reported at township, escalated through `levels`; its facts' common fields."""
        fact = {"difficulty_id": str(uuid.uuid4()), "reference": f"KN2026-{uuid.uuid4().int % 10**6:06d}",
                "enterprise_id": firm.enterprise_id, "region_code": firm.region, "category": category}
        self.send(ee.DifficultyReported(**fact, level="township", urgency="normal", reported_on=DAY))
        before = "township"
        for level in ("township", *levels):
            if level != before:
                self.send(ee.DifficultyEscalated(**fact, level=level, from_level=before, automatic=False,
                                                 reason="需上级协调", escalated_on=DAY))
            self.send(ee.DifficultyAssigned(**fact, level=level, liaison_kind="government_affairs",
                                            liaison_name=None, official_username=None,
                                            contact_due=DAY, resolve_due=resolve_due))
            before = level
        return {**fact, "level": before}

    def close(self, difficulty: dict, **how) -> None:
        self.send(ee.DifficultyClosed(**difficulty, signed_off_by="township_head", closed_on=clock.today()), **how)

    def headcount_drop(self, firm: Firm, before=20, after=12, **how) -> None:
        self.send(registry.EnterpriseHeadcountReported(
            enterprise_id=firm.enterprise_id, region_code=firm.region, quarter="2026Q3", headcount=after,
            poverty_hires=1, new_hires=0, revision=1, previous_headcount=before), **how)

    def loan(self, firm: Firm, fact=fe.LoanOverdue, loan_id: str | None = None, **fields) -> str:
        loan_id = loan_id or str(uuid.uuid4())
        self.send(fact(loan_id=loan_id, borrower_kind="individual", entrepreneur_id=firm.owner_id,
                       enterprise_id=None, region_code=firm.region, bank_code="NJRCB", **fields))
        return loan_id

    def settle(self) -> None:
        """Every fact sent so far is kept."""
        eventually(lambda: self.db.scalar("SELECT count(*) FROM facts WHERE event_id = ANY(:ids)",
                                          ids=self.sent) == len(self.sent),
                   timeout=15, message="consultation kept every fact sent")


@pytest.fixture
def world(facts, db):
    return World(facts, db, RECORDED)


def troubled(world: World) -> dict:
    """A: a difficulty at the city; B: one in time at township; C: fewer staff; D: an overdue loan;
    E: a difficulty past the township's limit. C is in 威远县, the others in 东兴区."""
    firms = {name: world.enterprise(WEIYUAN if name == "C" else DONGXING) for name in "ABCDE"}
    hard = {"A": world.difficulty(firms["A"], "county", "city"), "B": world.difficulty(firms["B"]),
            "E": world.difficulty(firms["E"], resolve_due=DAY - dt.timedelta(days=1))}
    world.headcount_drop(firms["C"])
    world.loan(firms["D"], days_overdue=45, as_of=DAY, outstanding_principal_fen=10_000_000)
    world.settle()
    return {"firms": firms, "difficulties": hard}


def items(rpc, actor=CITY, code=QUARTER, region=None) -> dict:
    """The agenda's items by difficulty id (of the caller's city's round, unless a region is named)."""
    agenda = rpc.consultation.get_agenda(actor, code, region=region)
    return {item["difficulty_id"] or item["subject_key"]: item for firm in agenda["enterprises"]
            for group in firm["categories"] for item in group["items"]}


def difficulties(rpc, actor=CITY, code=QUARTER, region=None) -> set[str]:
    """The agenda's difficulties (not the items of loans or staff)."""
    return {key for key, item in items(rpc, actor, code, region).items() if item["difficulty_id"]}


def refused(error, call, *args, **kwargs) -> str:
    with pytest.raises(error) as caught:
        call(*args, **kwargs)
    return caught.value.code


# ---- the facts -------------------------------------------------------------------------------


def test_every_fact_of_every_service_is_kept_once_however_often_it_arrives(consultation, world, rpc, db):
    firm = world.enterprise()
    world.difficulty(firm)
    world.loan(firm, fe.LoanDisbursed, principal_fen=10_000_000, disbursed_on=DAY, maturity_on=DAY.replace(year=2028),
               repayment_method="equal_instalments")
    listed = world.send(pe.ProjectListed(
        project_id=str(uuid.uuid4()), title="柑橘分拣包装线", sector="农产品加工", region_code=DONGXING,
        library_level="county", library_region="511011000000", investment_fen=80_000_000, expected_jobs=25,
        listed_by="county"))
    again = world.send(registry.EnterpriseVerified(enterprise_id=firm.enterprise_id, region_code=firm.region,
                                                 verified_by="township", verified_at=clock.utcnow()))
    world.facts.resend(again)
    world.facts.resend(again)
    world.settle()
    eventually(lambda: consultation.handled(again["event_id"]) == 3, timeout=10,
               message="all three deliveries handled")
    assert db.inbox(again["event_id"]) == 1
    kept = db.scalar("SELECT json_object_agg(producer, n) FROM (SELECT producer, count(*) n FROM facts"
                     " WHERE event_id = ANY(:ids) GROUP BY producer) t", ids=world.sent)
    assert kept == {"registry": 3, "escalation": 2, "finance": 1, "projects": 1}
    assert db.scalar("SELECT enterprise_id || ' ' || region_code FROM facts WHERE event_id = :e",
                     e=again["event_id"]) == f"{firm.enterprise_id} {firm.region}"
    assert db.scalar("SELECT enterprise_id FROM facts WHERE event_id = :e", e=listed["event_id"]) is None


# ---- opening the quarter: roster and agenda --------------------------------------------------


def test_the_quarter_opens_with_the_enterprises_the_rules_name_and_an_agenda_of_their_difficulties(world, rpc, db):
    case = troubled(world)
    firms, hard = case["firms"], case["difficulties"]
    for actor in (COUNTY, ADMIN):
        assert refused(Forbidden, rpc.consultation.open_quarter, actor, {"quarter": QUARTER}) == "city_level_required"
    with pytest.raises(InvalidInput) as malformed:
        rpc.consultation.open_quarter(CITY, {"quarter": "2026Q5"})
    assert (malformed.value.code, malformed.value.field) == ("bad_format", "quarter")
    with pytest.raises(InvalidState) as early:
        rpc.consultation.open_quarter(CITY, {"quarter": NEXT_QUARTER})
    assert (early.value.code, early.value.field) == ("quarter_not_started", "quarter")
    opened = rpc.consultation.open_quarter(CITY, {"quarter": QUARTER})
    assert (opened["status"], opened["cutoff"], opened["opened_by"]) == ("open", DAY.isoformat(), "city")
    reasons = {entry["enterprise_id"]: entry["reasons"] for entry in opened["roster"]}
    assert reasons == {
        firms["A"].enterprise_id: [f"困难问题{hard['A']['reference']}已上报至市级"],
        firms["C"].enterprise_id: ["用工人数由20人降至12人（2026Q3）"],
        firms["D"].enterprise_id: ["创业担保贷款逾期45天"],
        firms["E"].enterprise_id: [f"困难问题{hard['E']['reference']}超过办理时限（2026-11-19）"]}
    a_entry = next(e for e in opened["roster"] if e["enterprise_id"] == firms["A"].enterprise_id)
    assert (a_entry["enterprise_name"], a_entry["source"], a_entry["evidence"][0]["event_type"]) == (
        firms["A"].name, "rules", "difficulty_escalated")
    # an item for each difficulty, and one for C's fall in staff and D's late loan, for the meeting to assign
    agenda = items(rpc)
    assert {k for k in agenda if not k.startswith(("loan:", "staff:"))} == {hard["A"]["difficulty_id"],
                                                                            hard["E"]["difficulty_id"]}
    staff = agenda[f"staff:{firms['C'].enterprise_id}"]
    assert (staff["kind"], staff["category_name"], staff["reference"], staff["difficulty_id"]) == (
        "headcount", "用工人数减少", "用工人数由20人降至12人（2026Q3）", None)
    loan, = (item for key, item in agenda.items() if key.startswith("loan:"))
    assert (loan["kind"], loan["category_name"], loan["reference"], loan["link"]) == (
        "loan", "创业担保贷款逾期、违约", "创业担保贷款逾期45天", f"/loans/{loan['subject_key'][5:]}")
    again = rpc.consultation.open_quarter(CITY, {"quarter": QUARTER})  # opening again changes nothing
    def by_enterprise(view):
        return {entry["enterprise_id"]: entry for entry in view["roster"]}

    assert (again["opened_at"], by_enterprise(again)) == (opened["opened_at"], by_enterprise(opened))
    published, = db.outbox("quarter_opened", quarter=QUARTER)
    assert (published["enterprises"], published["agenda_items"], published["carried_over"]) == (4, 4, 0)
    weiyuan = rpc.consultation.get_quarter(OTHER_COUNTY, QUARTER)
    assert [entry["enterprise_id"] for entry in weiyuan["roster"]] == [firms["C"].enterprise_id]
    assert difficulties(rpc, OTHER_COUNTY) == set()
    assert set(items(rpc, OTHER_COUNTY)) == {f"staff:{firms['C'].enterprise_id}"}  # its own firm's fall in staff
    assert refused(Forbidden, rpc.consultation.get_quarter, firms["A"].account, QUARTER) == "official_required"
    assert refused(NotFound, rpc.consultation.get_quarter, CITY, "2026Q3") == "quarter_not_found"


def test_officials_add_and_remove_enterprises_of_their_region_only_with_a_reason(world, rpc, db):
    case = troubled(world)
    firms, hard = case["firms"], case["difficulties"]
    plain = world.enterprise()
    world.settle()
    rpc.consultation.open_quarter(CITY, {"quarter": QUARTER})
    change = rpc.consultation.change_roster
    b = firms["B"].enterprise_id
    assert refused(Forbidden, change, TOWNSHIP, QUARTER, {"enterprise_id": b, "reason": "企业申请"}) == \
        "county_level_required"
    with pytest.raises(InvalidInput) as reasonless:
        change(COUNTY, QUARTER, {"enterprise_id": b, "reason": " 无 "})
    assert (reasonless.value.code, reasonless.value.field) == ("too_short", "reason")
    for actor, enterprise_id in ((OTHER_COUNTY, b), (COUNTY, str(uuid.uuid4()))):
        with pytest.raises(NotFound) as unknown:
            change(actor, QUARTER, {"enterprise_id": enterprise_id, "reason": "企业申请参加"})
        assert (unknown.value.code, unknown.value.field) == ("enterprise_not_found", "enterprise_id")
    added = change(COUNTY, QUARTER, {"enterprise_id": b, "reason": "企业申请参加会商"})
    entry = next(e for e in added["roster"] if e["enterprise_id"] == b)
    assert (entry["source"], entry["reasons"], entry["changed_by"]) == ("official", ["工作人员增列：企业申请参加会商"], "county")
    assert hard["B"]["difficulty_id"] in items(rpc)
    by_code = change(COUNTY, QUARTER, {"enterprise_id": plain.credit_code.lower(), "reason": "用地手续待协调"})
    assert plain.enterprise_id in {e["enterprise_id"] for e in by_code["roster"]}
    removed = change(CITY, QUARTER, {"enterprise_id": firms["A"].enterprise_id, "reason": "已由市级专班单独协调"},
                     add=False)
    entry = next(e for e in removed["roster"] if e["enterprise_id"] == firms["A"].enterprise_id)
    assert (entry["removed"], entry["note"]) == (True, "已由市级专班单独协调")
    assert difficulties(rpc) == {hard["B"]["difficulty_id"], hard["E"]["difficulty_id"]}


# ---- the meeting, its resolutions and their follow-up ------------------------------------------


def test_the_city_records_the_meeting_once_and_may_correct_it(world, rpc, db):
    hard = troubled(world)["difficulties"]
    rpc.consultation.open_quarter(CITY, {"quarter": QUARTER})
    item = items(rpc)[hard["A"]["difficulty_id"]]
    decision = {"item_id": item["id"], "lead_department": "市人社局", "measure": "组织专场招聘会",
                "deadline": (DAY + dt.timedelta(days=30)).isoformat()}
    assert refused(InvalidState, rpc.consultation.assign_resolution, CITY, QUARTER, decision, key()) == \
        "meeting_required"
    record = rpc.consultation.record_meeting
    assert refused(Forbidden, record, COUNTY, QUARTER, MEETING) == "city_level_required"
    for held_on, code in ((DAY + dt.timedelta(days=1), "held_on_future"), (dt.date(2026, 9, 30), "held_on_before_quarter")):
        with pytest.raises(InvalidInput) as wrong_day:
            record(CITY, QUARTER, {**MEETING, "held_on": held_on.isoformat()})
        assert (wrong_day.value.code, wrong_day.value.field) == (code, "held_on")
    assert record(CITY, QUARTER, MEETING)["chair"] == "市人民政府副市长"
    corrected = {**MEETING, "minutes": MEETING["minutes"] + "会后印发纪要。"}
    record(CITY, QUARTER, corrected)
    assert rpc.consultation.get_quarter(COUNTY, QUARTER)["meeting"]["minutes"] == corrected["minutes"]
    convened, = db.outbox("consultation_convened", quarter=QUARTER)
    assert (convened["enterprises"], convened["agenda_items"], convened["departments"]) == (
        4, 4, ["内江市人力资源和社会保障局", "内江市财政局", "内江市自然资源和规划局"])  # as the list names them
    assert rpc.consultation.get_quarter(COUNTY, QUARTER)["meeting"]["department_codes"] == [
        "511000-hrss", "511000-finance", "511000-land"]


def convene(rpc) -> None:
    rpc.consultation.open_quarter(CITY, {"quarter": QUARTER})
    rpc.consultation.record_meeting(CITY, QUARTER, MEETING)


def test_each_item_gets_one_resolution_once_per_key_and_it_goes_back_to_escalation(world, rpc, db):
    hard = troubled(world)["difficulties"]
    convene(rpc)
    agenda = items(rpc)
    decision = {"item_id": agenda[hard["A"]["difficulty_id"]]["id"], "lead_department": "市自然资源和规划局",
                "co_departments": ["东兴区人民政府"], "measure": "协调落实设施农用地指标",
                "deadline": (DAY + dt.timedelta(days=30)).isoformat()}
    assign = rpc.consultation.assign_resolution
    assert refused(Forbidden, assign, COUNTY, QUARTER, decision, key()) == "city_level_required"
    sending = key()
    resolution = assign(CITY, QUARTER, decision, sending)
    assert (resolution["difficulty_id"], resolution["progress"], resolution["overdue"]) == (
        hard["A"]["difficulty_id"], 0, False)
    assert assign(CITY, QUARTER, decision, sending) == resolution
    with pytest.raises(Conflict) as reused:
        assign(CITY, QUARTER, {**decision, "measure": "另行研究用地方案"}, sending)
    assert (reused.value.code, reused.value.field) == ("idempotency_key_reused", "Idempotency-Key")
    with pytest.raises(InvalidState) as twice:
        assign(CITY, QUARTER, decision, key())
    assert (twice.value.code, twice.value.field) == ("resolution_exists", "item_id")
    with pytest.raises(InvalidInput) as past:
        assign(CITY, QUARTER, {**decision, "item_id": agenda[hard["E"]["difficulty_id"]]["id"],
                               "deadline": DAY.isoformat()}, key())
    assert (past.value.code, past.value.field) == ("deadline_past", "deadline")
    assert refused(NotFound, assign, CITY, QUARTER, {**decision, "item_id": str(uuid.uuid4())}, key()) == \
        "item_not_found"
    sent, = db.outbox("resolution_assigned", resolution_id=resolution["id"])
    assert (sent["difficulty_id"], sent["lead_department"], sent["deadline"]) == (
        hard["A"]["difficulty_id"], "内江市自然资源和规划局", decision["deadline"])
    assert (sent["lead_department_code"], sent["co_departments"], sent["co_department_codes"]) == (
        "511000-land", ["内江市东兴区人民政府"], ["511011-gov"])
    assert [r["id"] for r in rpc.consultation.list_resolutions(COUNTY, QUARTER)] == [resolution["id"]]
    assert rpc.consultation.list_resolutions(OTHER_COUNTY, QUARTER) == []
    eventually(lambda: db.scalar("SELECT count(*) FROM facts WHERE event_type = 'resolution_assigned'") == 1,
               timeout=10, message="its own decision came back through the broker as a fact")


def test_progress_is_noted_once_per_key_and_a_resolution_past_its_deadline_is_flagged_once(world, rpc, db):
    hard = troubled(world)["difficulties"]
    convene(rpc)
    agenda = items(rpc)
    deadline = DAY + dt.timedelta(days=10)
    assigned = {name: rpc.consultation.assign_resolution(CITY, QUARTER, {
        "item_id": agenda[hard[name]["difficulty_id"]]["id"], "lead_department": "市人社局",
        "measure": "组织专场招聘会", "deadline": deadline.isoformat()}, key()) for name in "AE"}
    a, e = assigned["A"]["id"], assigned["E"]["id"]
    note, sending = {"progress": 50, "note": "已完成用地预审"}, key()
    first = rpc.consultation.record_progress(COUNTY, a, note, sending)
    assert rpc.consultation.record_progress(COUNTY, a, note, sending) == first
    assert (first["progress"], [n["note"] for n in first["notes"]]) == (50, ["已完成用地预审"])
    progressed, = db.outbox("resolution_progressed", resolution_id=a)
    assert (progressed["progress"], progressed["noted_on"]) == (50, DAY.isoformat())
    assert refused(Forbidden, rpc.consultation.record_progress, TOWNSHIP, a, note, key()) == "county_level_required"
    with pytest.raises(NotFound) as elsewhere:
        rpc.consultation.record_progress(OTHER_COUNTY, a, note, key())
    assert (elsewhere.value.code, elsewhere.value.field) == ("resolution_not_found", "resolution_id")
    world.close(hard["E"])
    world.settle()
    assert items(rpc)[hard["E"]["difficulty_id"]]["status"] == "closed"
    with pytest.raises(InvalidState) as finished:
        rpc.consultation.record_progress(COUNTY, e, note, key())
    assert (finished.value.code, finished.value.field) == ("item_closed", "progress")
    with on_day(deadline + dt.timedelta(days=1)):
        assert refused(Forbidden, rpc.consultation.overdue_sweep, COUNTY) == "city_level_required"
        assert rpc.consultation.overdue_sweep(CITY) == {"flagged": 1}
        assert rpc.consultation.overdue_sweep(CITY) == {}
        late = {r["id"]: r["overdue"] for r in rpc.consultation.list_resolutions(CITY, QUARTER)}
    assert late == {a: True, e: False}
    overdue, = db.outbox("resolution_overdue", quarter=QUARTER)
    assert (overdue["resolution_id"], overdue["progress"], overdue["deadline"]) == (a, 50, deadline.isoformat())


# ---- closing, the bulletin and the next quarter ----------------------------------------------


def test_closing_freezes_the_bulletin_once_and_open_items_carry_over_to_the_next_quarter(world, rpc, db):
    hard = troubled(world)["difficulties"]
    rpc.consultation.open_quarter(CITY, {"quarter": QUARTER})
    assert refused(InvalidState, rpc.consultation.close_quarter, CITY, QUARTER) == "meeting_required"
    rpc.consultation.record_meeting(CITY, QUARTER, MEETING)
    rpc.consultation.assign_resolution(CITY, QUARTER, {
        "item_id": items(rpc)[hard["A"]["difficulty_id"]]["id"], "lead_department": "市自然资源和规划局",
        "measure": "协调落实设施农用地指标", "deadline": (DAY + dt.timedelta(days=30)).isoformat()}, key())
    world.close(hard["E"])
    world.settle()
    assert refused(Forbidden, rpc.consultation.close_quarter, COUNTY, QUARTER) == "city_level_required"
    closed = rpc.consultation.close_quarter(CITY, QUARTER)
    assert (closed["status"], closed["closed_on"], closed["closed_by"]) == ("closed", DAY.isoformat(), "city")
    assert rpc.consultation.close_quarter(CITY, QUARTER)["closed_on"] == DAY.isoformat()
    published, = db.outbox("quarter_closed", quarter=QUARTER)
    assert (published["resolutions"], published["resolved"], published["carried_over"]) == (1, 0, 1)
    assert refused(InvalidState, rpc.consultation.change_roster, COUNTY, QUARTER,
                   {"enterprise_id": hard["B"]["enterprise_id"], "reason": "企业申请参加"}) == "quarter_closed"
    assert refused(InvalidState, rpc.consultation.record_meeting, CITY, QUARTER, MEETING) == "quarter_closed"
    bulletin = rpc.consultation.get_bulletin(CITY, QUARTER)
    assert (bulletin["status"], bulletin["issue_no"], bulletin["issued_on"]) == ("final", 1, DAY.isoformat())
    assert bulletin["difficulties"] == {"raised": 3, "resolved": 1, "on_agenda": 2, "carried_over": 1}
    assert bulletin["enterprises"]["new"] == 5
    assert bulletin["head"]["draft"] == "" and bulletin["head"]["masthead"].endswith("返乡创业工作专报")
    workbook = rpc.consultation.bulletin_workbook(CITY, QUARTER)
    assert workbook["filename"].startswith(f"{QUARTER}_") and workbook["filename"].endswith(".xlsx")
    assert base64.b64decode(workbook["content"])[:2] == b"PK"
    assert rpc.consultation.get_bulletin(OTHER_COUNTY, QUARTER)["difficulties"]["raised"] == 0
    with on_day(dt.date(2027, 1, 5)):
        following = rpc.consultation.open_quarter(CITY, {"quarter": NEXT_QUARTER})
        carried = items(rpc, code=NEXT_QUARTER)
    assert {d: i["carried_over_from"] for d, i in carried.items() if i["difficulty_id"]} == {
        hard["A"]["difficulty_id"]: QUARTER, hard["B"]["difficulty_id"]: None}  # B's limit has passed since
    # the loan still late and the staff not back: their items carry over too, once each
    assert sorted(i["kind"] for i in carried.values() if not i["difficulty_id"]) == ["headcount", "loan"]
    assert {i["carried_over_from"] for i in carried.values() if not i["difficulty_id"]} == {QUARTER}
    a_entry = next(e for e in following["roster"] if e["enterprise_id"] == hard["A"]["enterprise_id"])
    assert a_entry["reasons"][-1] == f"{QUARTER}会商事项（困难问题{hard['A']['reference']}）未办结，结转本季度"
    opened = {p["quarter"]: p["carried_over"] for p in db.outbox("quarter_opened")}
    assert opened == {QUARTER: 0, NEXT_QUARTER: 3}  # A's difficulty, D's late loan and C's fall in staff


# ---- views across the facts: the timeline and the dashboard ------------------------------------


def test_an_enterprises_timeline_and_the_dashboard_show_only_what_the_caller_may_see(world, rpc, db):
    firm = world.enterprise()
    world.difficulty(firm, "county", "city")
    world.loan(firm, fe.LoanDisbursed, principal_fen=10_000_000, disbursed_on=DAY, maturity_on=DAY.replace(year=2028),
               repayment_method="equal_instalments")
    world.settle()
    rpc.consultation.open_quarter(CITY, {"quarter": QUARTER})
    story = rpc.consultation.timeline(firm.account, firm.enterprise_id)
    assert story["enterprise"]["name"] == firm.name
    steps = [(step["kind"], step["title"]) for step in story["events"]]
    assert steps[:3] == [("registry", "返乡创业人员登记"), ("registry", "经营主体登记"), ("escalation", "反映困难问题")]
    assert ("finance", "贷款发放") in steps  # the owner's own loan belongs to the enterprise's story
    assert ("consultation", f"{QUARTER}列入内江市季度困难会商名单") in steps
    assert rpc.consultation.timeline(COUNTY, firm.enterprise_id)["events"] == story["events"]
    for stranger in (entrepreneur(), OTHER_COUNTY, ADMIN):
        with pytest.raises(NotFound) as hidden:
            rpc.consultation.timeline(stranger, firm.enterprise_id)
        assert (hidden.value.code, hidden.value.field) == ("enterprise_not_found", "enterprise_id")
    board = rpc.consultation.dashboard(COUNTY)
    assert {"quarter": QUARTER, "count": 1, "amount_fen": 10_000_000} in board["loans"]
    assert [(d["category"], d["level"], d["count"]) for d in board["difficulties"]] == [("labour", "city", 1)]
    elsewhere = rpc.consultation.dashboard(OTHER_COUNTY)
    assert elsewhere["difficulties"] == [] and all(q["count"] == 0 for q in elsewhere["loans"])
    assert refused(Forbidden, rpc.consultation.dashboard, firm.account) == "official_required"


def test_the_dashboard_counts_each_fact_once_and_each_difficulty_as_its_latest_fact_left_it(world, rpc):
    firm = world.enterprise(region=WEIYUAN)
    difficulty = world.difficulty(firm)
    late = world.send(ee.DifficultyResolved(**difficulty, resolved_by="township", resolved_at=clock.now()),
                      deliver=False)
    paid = world.send(fe.LoanDisbursed(loan_id=str(uuid.uuid4()), borrower_kind="enterprise",
                                       entrepreneur_id=firm.owner_id, enterprise_id=firm.enterprise_id,
                                       region_code=firm.region, bank_code="NJRCB", principal_fen=5_000_000,
                                       disbursed_on=DAY, maturity_on=DAY.replace(year=2028),
                                       repayment_method="equal_instalments"))
    world.facts.resend(paid)  # delivered twice
    with on_day(DAY + dt.timedelta(days=1)):
        world.close(difficulty)
    world.settle()
    world.facts.resend(late)  # the answer, older than the closing, arrives after it
    world.sent.append(late["event_id"])
    world.settle()
    board = rpc.consultation.dashboard(OTHER_COUNTY)
    assert board["difficulties"] == []  # still closed: the older answer does not make it open again
    assert {"quarter": QUARTER, "count": 1, "amount_fen": 5_000_000} in board["loans"]
    rpc.consultation.rebuild(CITY)  # the same figures rebuilt from the recorded events in one pass
    assert rpc.consultation.dashboard(OTHER_COUNTY) == board


# ---- the rebuild from every service's recorded events ------------------------------------------


def test_a_rebuild_replaces_the_facts_by_every_services_recorded_events(world, rpc, db):
    firm = world.enterprise()
    difficulty = world.difficulty(firm, "county", "city")
    stray = world.enterprise(record=False)  # facts no service has recorded: a rebuild drops them
    world.headcount_drop(stray, record=False)
    world.settle()
    with on_day(DAY + dt.timedelta(days=1)):  # after the cut-off: the roster stays as it was
        world.close(difficulty, deliver=False)  # recorded by escalation but never delivered
    opened = rpc.consultation.open_quarter(CITY, {"quarter": QUARTER})
    assert {e["enterprise_id"] for e in opened["roster"]} == {firm.enterprise_id, stray.enterprise_id}
    assert items(rpc)[difficulty["difficulty_id"]]["status"] == "open"
    assert refused(Forbidden, rpc.consultation.rebuild, COUNTY) == "city_level_required"
    rebuilt = rpc.consultation.rebuild(CITY)
    assert rebuilt["by_producer"] == {"registry": 2, "escalation": 7, "consultation": 1}
    assert rebuilt["facts"] == 10 == db.scalar("SELECT count(*) FROM facts")
    assert db.scalar("SELECT count(*) FROM facts WHERE enterprise_id = :e", e=stray.enterprise_id) == 0
    assert rebuilt["rosters"] == {QUARTER: {"same": False, "missing": [stray.enterprise_id], "extra": []}}
    replayed = items(rpc)[difficulty["difficulty_id"]]  # the replay's closing reached the agenda
    assert (replayed["status"], replayed["closed_on"]) == ("closed", (DAY + dt.timedelta(days=1)).isoformat())
    assert rpc.consultation.rebuild(ADMIN)["facts"] == 10  # a second rebuild gives the same facts


# ---- the department list (部门名录) -------------------------------------------------------------


def test_officials_read_the_department_list_and_only_the_administrator_keeps_it(rpc):
    listed = {d["code"]: d for d in rpc.consultation.list_departments(COUNTY)}
    assert listed["511000-hrss"]["short_name"] == "市人社局" and listed["511011-gov"]["level"] == "county"
    assert [d["code"] for d in rpc.consultation.list_departments(ADMIN)] == list(listed)
    assert refused(Forbidden, rpc.consultation.list_departments, entrepreneur("someone")) == "official_required"
    suffix = uuid.uuid4().hex[:6]
    fresh = {"name": f"内江市返乡创业服务站{suffix}", "short_name": f"市创业站{suffix}", "level": "city",
             "region_code": "511000"}
    assert refused(Forbidden, rpc.consultation.create_department, CITY, fresh) == "role_not_allowed"
    made = rpc.consultation.create_department(ADMIN, fresh)
    assert made["code"].startswith("511000-") and made["active"] is True
    assert refused(Conflict, rpc.consultation.create_department, ADMIN, fresh) == "department_name_taken"
    for wrong, field in (({"level": "county"}, "region_code"), ({"region_code": "510703999"}, "region_code")):
        with pytest.raises(InvalidInput) as misplaced:
            rpc.consultation.create_department(ADMIN, {**fresh, "name": f"另一个{suffix}", "short_name": f"另{suffix}",
                                                       **wrong})
        assert misplaced.value.field == field
    change = rpc.consultation.update_department
    assert refused(Forbidden, change, CITY, made["code"], {"active": False}) == "role_not_allowed"
    assert refused(NotFound, change, ADMIN, "511000-none", {"active": False}) == "department_not_found"
    renamed = change(ADMIN, made["code"], {"name": f"内江市返乡入乡创业服务中心{suffix}"})
    assert fresh["name"] in renamed["aliases"] and renamed["code"] == made["code"]
    assert change(ADMIN, made["code"], {"active": False})["active"] is False
    kept = {d["code"]: d for d in rpc.consultation.list_departments(CITY)}[made["code"]]
    assert (kept["active"], kept["name"]) == (False, renamed["name"])  # retired, never deleted
    # each city keeps its own list: 绵阳's may use the names 内江's uses, and neither city's officials see the other's
    theirs = rpc.consultation.create_department(ADMIN, {**fresh, "region_code": "510700"})
    assert theirs["code"].startswith("510700-")
    assert theirs["code"] in {d["code"] for d in rpc.consultation.list_departments(OTHER_CITY)}
    assert made["code"] not in {d["code"] for d in rpc.consultation.list_departments(OTHER_CITY)}
    assert theirs["code"] not in {d["code"] for d in rpc.consultation.list_departments(CITY)}
    assert {made["code"], theirs["code"]} <= {d["code"] for d in rpc.consultation.list_departments(ADMIN)}
    assert refused(InvalidInput, change, ADMIN, theirs["code"], {"region_code": "511000"}) == "department_city_changed"


def test_a_decision_names_departments_from_the_list_by_code_or_name_and_nothing_else(world, rpc):
    hard = troubled(world)["difficulties"]
    rpc.consultation.open_quarter(CITY, {"quarter": QUARTER})
    with pytest.raises(InvalidInput) as unknown:
        rpc.consultation.record_meeting(CITY, QUARTER, {**MEETING, "departments": ["市人社局", "市某某局"]})
    assert (unknown.value.code, unknown.value.field) == ("department_unknown", "departments")
    rpc.consultation.record_meeting(CITY, QUARTER, {**MEETING, "departments": ["511000-hrss", "市财政局"]})
    decision = {"item_id": items(rpc)[hard["A"]["difficulty_id"]]["id"], "lead_department": "市人社局",
                "co_departments": ["511000-finance"], "measure": "组织专场招聘会",
                "deadline": (DAY + dt.timedelta(days=30)).isoformat()}
    for wrong, field in (({"lead_department": "人社"}, "lead_department"),
                         ({"co_departments": ["市财政局", "某协会"]}, "co_departments")):
        with pytest.raises(InvalidInput) as refusal:
            rpc.consultation.assign_resolution(CITY, QUARTER, {**decision, **wrong}, key())
        assert (refusal.value.code, refusal.value.field) == ("department_unknown", field)
    made = rpc.consultation.assign_resolution(CITY, QUARTER, decision, key())
    assert (made["lead_department"], made["lead_department_code"]) == ("内江市人力资源和社会保障局", "511000-hrss")
    assert (made["co_departments"], made["co_department_codes"]) == (["内江市财政局"], ["511000-finance"])


def test_old_free_text_resolutions_count_with_their_department_in_the_bulletin(world, rpc, db):
    hard = troubled(world)["difficulties"]
    convene(rpc)
    agenda = items(rpc)
    for name in "AE":
        rpc.consultation.assign_resolution(CITY, QUARTER, {
            "item_id": agenda[hard[name]["difficulty_id"]]["id"], "lead_department": "市人社局",
            "measure": "组织专场招聘会", "deadline": (DAY + dt.timedelta(days=30)).isoformat()}, key())
    # as a resolution recorded before the list was: its department as typed, no code
    db.execute("UPDATE resolutions SET lead_department = '内江市人力资源和社会保障局', lead_department_code = NULL "
               "WHERE item_id = :item", item=agenda[hard["E"]["difficulty_id"]]["id"])
    by_department = rpc.consultation.get_bulletin(CITY, QUARTER)["resolutions"]["by_department"]
    assert [(d["department"], d["department_code"], d["total"]) for d in by_department] == [
        ("内江市人力资源和社会保障局", "511000-hrss", 2)]



# ---- rounds: each city its own, each county's before the city's -------------------------------

FUCHENG = "510703001003"  # a community of 绵阳's 涪城区
DONGXING_COUNTY, CITY_CODE = "511011000000", "511000000000"
DONGXING_HEAD = official(DONGXING_COUNTY, "county", "dongxing_head")  # another official of 东兴区
PROVINCE = official("510000000000", "province", "province")


def test_each_city_holds_its_own_round_and_another_citys_officials_find_none_of_it(world, rpc, db):
    case = troubled(world)
    mianyang = world.enterprise(FUCHENG)
    far = world.difficulty(mianyang, "county", "city")
    world.settle()
    neijiang = rpc.consultation.open_quarter(CITY, {"quarter": QUARTER})
    theirs = rpc.consultation.open_quarter(OTHER_CITY, {"quarter": QUARTER})
    assert (neijiang["region_code"], neijiang["region_name"], theirs["region_code"], theirs["region_name"]) == (
        CITY_CODE, "内江市", "510700000000", "绵阳市")
    assert mianyang.enterprise_id not in {e["enterprise_id"] for e in neijiang["roster"]}
    assert [e["enterprise_id"] for e in theirs["roster"]] == [mianyang.enterprise_id]
    assert set(items(rpc, OTHER_CITY)) == {far["difficulty_id"]}
    assert far["difficulty_id"] not in items(rpc)
    # 内江's round named by 绵阳's official: the answer of a round never opened, for every operation
    c = rpc.consultation
    item = next(iter(items(rpc).values()))
    for call, args in ((c.get_quarter, ()), (c.get_agenda, ()), (c.list_resolutions, ()), (c.get_bulletin, ()),
                       (c.bulletin_workbook, ()), (c.close_quarter, ()), (c.record_meeting, (MEETING,)),
                       (c.change_roster, ({"enterprise_id": case["firms"]["B"].enterprise_id, "reason": "企业申请"},)),
                       (c.assign_resolution, ({"item_id": item["id"], "lead_department": "市人社局", "measure": "协调用工",
                                               "deadline": "2027-03-31"},)),
                       (c.refer_item, (item["id"], {"note": "请市级协调"}))):
        if call is c.refer_item:
            assert refused(NotFound, call, OTHER_CITY, QUARTER, *args, region=CITY_CODE) == "quarter_not_found"
        else:
            assert refused(NotFound, call, OTHER_CITY, QUARTER, *args, region="511000") == "quarter_not_found", call
    # the province reads every city's round and changes none of them
    assert rpc.consultation.get_quarter(PROVINCE, QUARTER, region="510700")["roster"] == theirs["roster"]
    assert refused(InvalidInput, rpc.consultation.get_quarter, PROVINCE, QUARTER) == "region_required"
    assert refused(Forbidden, rpc.consultation.record_meeting, PROVINCE, QUARTER, MEETING,
                   region="511000") == "city_level_required"
    assert refused(InvalidInput, rpc.consultation.get_quarter, CITY, QUARTER, region="511011101") == \
        "round_region_level"
    assert {(r["quarter"], r["region_code"]) for r in db.outbox("quarter_opened", quarter=QUARTER)} == {
        (QUARTER, CITY_CODE), (QUARTER, "510700000000")}
    # each city's bulletin counts its own, numbered in its own series
    assert rpc.consultation.get_bulletin(OTHER_CITY, QUARTER)["region_code"] == "510700000000"
    # and its meeting names its own departments: 内江's 市人社局 is not on 绵阳's list
    with pytest.raises(InvalidInput) as not_theirs:
        rpc.consultation.record_meeting(OTHER_CITY, QUARTER, MEETING)
    assert (not_theirs.value.code, not_theirs.value.field) == ("department_unknown", "departments")


def test_a_county_holds_its_round_first_and_sends_up_what_it_cannot_settle(world, rpc, db):
    case = troubled(world)
    firms, hard = case["firms"], case["difficulties"]
    c = rpc.consultation
    assert refused(Forbidden, c.open_quarter, CITY, {"quarter": QUARTER, "region": "511011"}) == \
        "county_level_required"
    assert refused(NotFound, c.open_quarter, OTHER_COUNTY, {"quarter": QUARTER, "region": "511011"}) == \
        "quarter_not_found"
    county = c.open_quarter(COUNTY, {"quarter": QUARTER, "region": "511011"})
    assert (county["region_code"], county["level"], county["region_name"]) == (DONGXING_COUNTY, "county", "东兴区")
    # its own enterprises by the same rules: 威远县's firm C is not on it
    assert {e["enterprise_id"] for e in county["roster"]} == {firms[n].enterprise_id for n in "ADE"}
    county_items = items(rpc, COUNTY, region=DONGXING_COUNTY)
    assert difficulties(rpc, COUNTY, region=DONGXING_COUNTY) == {hard["A"]["difficulty_id"], hard["E"]["difficulty_id"]}
    assert any(key.startswith("loan:") for key in county_items)  # D's late loan; C's staff are 威远县's
    e_item = county_items[hard["E"]["difficulty_id"]]
    # the county's meeting and resolutions are the county's own, not the city's
    assert refused(Forbidden, c.record_meeting, CITY, QUARTER, MEETING, region=DONGXING_COUNTY) == \
        "county_level_required"
    c.record_meeting(DONGXING_HEAD, QUARTER, MEETING, region=DONGXING_COUNTY)
    # the city's round is not open yet: E waits for it, sent once however often it is sent
    note = "涉及跨县用地指标，本级无法协调，请市级会商研究"
    sent = c.refer_item(COUNTY, QUARTER, e_item["id"], {"note": note}, region=DONGXING_COUNTY)
    again = c.refer_item(COUNTY, QUARTER, e_item["id"], {"note": "又写了一遍"}, region=DONGXING_COUNTY)
    assert (sent["referred_on"], sent["referral_note"]) == (DAY.isoformat(), note) == (
        again["referred_on"], again["referral_note"])
    assert len(db.outbox("item_referred", quarter=QUARTER)) == 1
    assert refused(NotFound, c.refer_item, COUNTY, QUARTER, str(uuid.uuid4()), {"note": note},
                   region=DONGXING_COUNTY) == "item_not_found"
    city = c.open_quarter(CITY, {"quarter": QUARTER})
    e_entry = next(e for e in city["roster"] if e["enterprise_id"] == firms["E"].enterprise_id)
    assert f"东兴区季度会商提交市级：{note}" in e_entry["reasons"]
    city_items = items(rpc)
    sent_up = city_items[hard["E"]["difficulty_id"]]
    assert (sent_up["referred_from"], sent_up["referred_from_name"], sent_up["referral_note"]) == (
        DONGXING_COUNTY, "东兴区", note)
    assert city_items[hard["A"]["difficulty_id"]]["referred_from"] is None
    # once the city's round is open, what the county sends up joins it at once
    a_item = county_items[hard["A"]["difficulty_id"]]
    c.refer_item(COUNTY, QUARTER, a_item["id"], {"note": "需市级部门牵头"}, region=DONGXING_COUNTY)
    assert items(rpc)[hard["A"]["difficulty_id"]]["referred_from"] == DONGXING_COUNTY
    assert refused(InvalidState, c.refer_item, CITY, QUARTER, sent_up["id"], {"note": note}) == "not_a_county_round"
    # the city's round says which counties held theirs and what each sent up; a county sees its own
    held = {r["region_name"]: (r["status"], r["sent_up"]) for r in c.get_quarter(CITY, QUARTER)["county_rounds"]}
    assert held["东兴区"] == ("open", 2) and held["威远县"] == ("none", 0)
    assert [r["region_name"] for r in c.get_quarter(COUNTY, QUARTER)["county_rounds"]] == ["东兴区"]
    # the county official sees the city's round as before, from their own county's part
    assert {e["enterprise_id"] for e in c.get_quarter(COUNTY, QUARTER)["roster"]} >= {firms["E"].enterprise_id}
    assert c.get_bulletin(COUNTY, QUARTER, region=DONGXING_COUNTY)["region_code"] == DONGXING_COUNTY
    # the county's own resolutions count on the dashboard beside the city's; what it sent up counts once
    def resolutions() -> int:
        return next(r["total"] for r in c.dashboard(COUNTY)["resolution_rate"] if r["quarter"] == QUARTER)

    before = resolutions()
    decision = {"lead_department": "东兴区人社局", "measure": "协调银行展期并落实还款计划",
                "deadline": (DAY + dt.timedelta(days=30)).isoformat()}
    loan_item = next(item for key, item in county_items.items() if key.startswith("loan:"))
    c.assign_resolution(COUNTY, QUARTER, {**decision, "item_id": loan_item["id"]}, key(), region=DONGXING_COUNTY)
    c.record_meeting(CITY, QUARTER, MEETING)
    c.assign_resolution(CITY, QUARTER, {**decision, "lead_department": "市人社局", "item_id": sent_up["id"]}, key())
    assert resolutions() == before + 2


def test_an_issued_bulletin_stays_as_issued_and_late_facts_add_a_dated_correction(world, rpc, db):
    case = troubled(world)
    c = rpc.consultation
    c.open_quarter(CITY, {"quarter": QUARTER})
    c.record_meeting(CITY, QUARTER, MEETING)
    c.close_quarter(CITY, QUARTER)
    issued = c.get_bulletin(CITY, QUARTER)
    assert (issued["revision"], issued["revisions"]) == (1, [{"revision": 1, "issued_on": DAY.isoformat(), "note": ""}])
    raised = issued["difficulties"]["raised"]
    county = c.get_bulletin(COUNTY, QUARTER)  # the copy issued for the county, not a count made now
    assert (county["scope"]["region_code"], county["revision"]) == ("511011", 1)
    assert db.scalar("SELECT count(*) FROM issued_bulletins WHERE quarter = :q", q=QUARTER) > 2  # city + counties
    # a difficulty of the quarter that reaches consultation only now: the issued copy does not move...
    world.difficulty(case["firms"]["B"])
    world.settle()
    assert c.get_bulletin(CITY, QUARTER)["difficulties"]["raised"] == raised
    # ...until the bulletins are checked: then a new revision says what changed and when
    assert c.check_bulletins()["revisions"] >= 2  # the city's and 东兴区's
    corrected = c.get_bulletin(CITY, QUARTER)
    assert corrected["difficulties"]["raised"] == raised + 1 and corrected["revision"] == 2
    assert [r["revision"] for r in corrected["revisions"]] == [1, 2]
    assert corrected["revisions"][1]["issued_on"] == DAY.isoformat() and "重新统计" in corrected["revisions"][1]["note"]
    assert c.get_bulletin(OTHER_COUNTY, QUARTER)["revision"] == 1  # 威远县's figures did not change
    assert c.check_bulletins()["revisions"] == 0  # nothing new: nothing issued again
    assert refused(Forbidden, c.check_bulletins, COUNTY) == "city_level_required"


def test_a_late_loan_or_fewer_staff_gets_an_item_the_meeting_assigns_and_its_recovery_settles(world, rpc, db):
    firms = {name: world.enterprise() for name in "LS"}
    loan_id = world.loan(firms["L"], days_overdue=40, as_of=DAY, outstanding_principal_fen=5_000_000)
    world.headcount_drop(firms["S"])
    world.settle()
    c = rpc.consultation
    c.open_quarter(CITY, {"quarter": QUARTER})
    c.record_meeting(CITY, QUARTER, MEETING)
    agenda = items(rpc)
    loan_item, staff_item = agenda[f"loan:{loan_id}"], agenda[f"staff:{firms['S'].enterprise_id}"]
    decision = {"lead_department": "市财政局", "measure": "协调银行展期并落实还款计划",
                "deadline": (DAY + dt.timedelta(days=30)).isoformat()}
    made = c.assign_resolution(CITY, QUARTER, {**decision, "item_id": loan_item["id"]}, key())
    c.assign_resolution(CITY, QUARTER, {**decision, "item_id": staff_item["id"], "measure": "组织专场招聘会补充用工"},
                        key())
    assert made["difficulty_id"] is None and made["link"] == f"/loans/{loan_id}"
    assert db.outbox("resolution_assigned", quarter=QUARTER) == []  # escalation has no difficulty to attach it to
    # the loan repaid again settles its item; the staff's item is settled by its lead department at 100 %
    world.loan(firms["L"], fe.LoanBackToRepaying, loan_id=loan_id, as_of=DAY)
    world.settle()
    assert items(rpc)[f"loan:{loan_id}"]["status"] == "closed"
    noted = c.record_progress(COUNTY, items(rpc)[f"staff:{firms['S'].enterprise_id}"]["resolution"]["id"],
                              {"progress": 100, "note": "已招聘补充12名分拣工人"}, key())
    assert noted["closed"] is True and noted["closed_on"] == DAY.isoformat()
    assert refused(InvalidState, c.record_progress, COUNTY, noted["id"], {"progress": 100, "note": "再记一次"},
                   key()) == "item_closed"
    progressed, = db.outbox("resolution_progressed", quarter=QUARTER)
    assert progressed["difficulty_id"] == ""


def test_at_the_cut_off_every_region_that_holds_rounds_has_its_round_opened(world, rpc, db):
    troubled(world)
    c = rpc.consultation
    c.open_quarter(COUNTY, {"quarter": QUARTER, "region": "511011"})  # 东兴区 holds rounds; 绵阳 never has
    assert c.open_due_rounds() == {"quarter": None, "rounds": []}  # 2026-11-20: no round is due
    assert refused(Forbidden, c.open_due_rounds, COUNTY) == "city_level_required"
    with on_day(dt.date(2027, 3, 31)):  # 2027Q1's last day: its cut-off
        due = c.open_due_rounds(CITY)
        again = c.open_due_rounds()  # the next tick (or a twin instance) changes nothing
    assert due == again == {"quarter": NEXT_QUARTER, "rounds": [DONGXING_COUNTY, CITY_CODE]}
    opened = db.scalar("SELECT json_agg(region_code || ' ' || opened_by ORDER BY region_code) FROM quarters"
                       " WHERE code = :q", q=NEXT_QUARTER)
    assert opened == [f"{CITY_CODE} 系统（季度截止）", f"{DONGXING_COUNTY} 系统（季度截止）"]
    assert len(db.outbox("quarter_opened", quarter=NEXT_QUARTER)) == 2
