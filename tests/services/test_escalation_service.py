"""Escalation in a nameko container against the real broker and a database of its own.

The module shares one container, one vhost and one fresh database (stopping a nameko container
takes about two seconds, so one per test would make this file slow); each test makes its own
enterprises, and tests whose counts could see another's records use a county of their own. The
registry's facts reach the service as events, as they do in production.

The first section is a small harness that the projects and consultation tests import as well.
"""

import base64
import datetime as dt
import json
import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from kombu import Connection, Queue
from nameko.containers import ServiceContainer
from nameko.extensions import DependencyProvider
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.testing.services import replace_dependencies

from services.escalation.service import EscalationService
from shared import clock, events, parking
from shared.contracts import registry
from shared.contracts.escalation import ResolutionAssigned
from shared.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from shared.messaging import Batch
from shared.migrate import drop_database, ensure_database, upgrade
from shared.outbox import event_exchange
from tests.support.waiting import eventually

# ---- harness: a service's own database, the programme's day, facts sent as events -----------


class Store:
    """SQL on a service's database from the test's side: its outbox, inbox and tables."""

    def __init__(self, url: str):
        self.url = url
        self.engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1),
                                       poolclass=sa.pool.NullPool)

    def scalar(self, sql: str, **params):
        with self.engine.connect() as connection:
            return connection.scalar(sa.text(sql), params)

    def execute(self, sql: str, **params) -> None:
        with self.engine.begin() as connection:
            connection.execute(sa.text(sql), params)

    def outbox(self, event_type: str, **payload) -> list[dict]:
        """Payloads of the recorded events of this type whose payload holds these fields."""
        with self.engine.connect() as connection:
            return list(connection.scalars(sa.text(
                "SELECT envelope->'payload' FROM outbox WHERE event_type = :t"
                " AND envelope->'payload' @> CAST(:p AS jsonb) ORDER BY id"),
                {"t": event_type, "p": json.dumps(payload, ensure_ascii=False)}))

    def inbox(self, event_id: str) -> int:
        return self.scalar("SELECT count(*) FROM inbox WHERE event_id = :e", e=event_id)


@contextmanager
def fresh_database(infra, service: str):
    """A migrated database for one service, dropped afterwards."""
    name = f"guiyan_{service[:5]}_{uuid.uuid4().hex[:8]}"
    ensure_database(infra.postgres_url, name)
    store = Store(f"{infra.postgres_url.rstrip('/')}/{name}")
    try:
        upgrade(service, store.url)
        yield store
    finally:
        store.engine.dispose()
        drop_database(infra.postgres_url, name)


class Deliveries(DependencyProvider):
    """An observer beside the service's own dependencies: every event a handler has finished with
    (nameko acknowledges it next), so a test knows that a redelivery has been handled too."""

    def setup(self) -> None:
        self.finished: list[str] = []

    def worker_result(self, worker_ctx, result=None, exc_info=None) -> None:
        body = worker_ctx.args[0] if worker_ctx.args else None
        if exc_info is None and isinstance(body, Batch):  # each delivery's failure, or None
            self.finished += [one["event_id"] for one, failed in zip(body, result, strict=True) if failed is None]
        elif exc_info is None and isinstance(body, dict) and "event_id" in body:
            self.finished.append(body["event_id"])


@dataclass
class Running:
    """A service container on a vhost of its own, and what the test needs to talk to it."""

    config: dict
    vhost: str
    container: ServiceContainer = field(repr=False)

    @property
    def amqp_uri(self) -> str:
        return self.config["AMQP_URI"]

    def handled(self, event_id: str) -> int:
        """How many deliveries of the event its handler has finished without an error."""
        deliveries = next(d for d in self.container.dependencies if isinstance(d, Deliveries))
        return deliveries.finished.count(event_id)


@contextmanager
def running(infra, service_class, database_url: str, **replacements):
    """`service_class` in a container on a fresh vhost, its other services replaced by stand-ins.

    The class runs as it is, with one more dependency that only observes (`Running.handled`).
    """
    vhost = infra.create_vhost()
    config = {"AMQP_URI": infra.vhost_uri(vhost), "max_workers": 10, "serializer": "json",
              "RETRY_DELAYS_MS": [100, 200, 400], "DATABASE_URL": database_url}
    observed = type(service_class.__name__, (service_class,), {"deliveries": Deliveries()})
    container = ServiceContainer(observed, config)
    if replacements:
        replace_dependencies(container, **replacements)
    container.start()
    try:
        yield Running(config, vhost, container)
    finally:
        container.stop()
        infra.delete_vhost(vhost)


def module_fixtures(service: str, service_class, **stand_ins):
    """The fixtures of a module that tests one service, each set up once for the module: `db` (its
    fresh database), the running service (a fixture named after it), `rpc` and `facts`."""

    @pytest.fixture(scope="module", name="db")
    def database(infra):
        with fresh_database(infra, service) as store:
            yield store

    @pytest.fixture(scope="module", name=service)
    def started(infra, db):
        with running(infra, service_class, db.url, **stand_ins) as container:
            yield container

    @pytest.fixture(scope="module", name="rpc")
    def proxy(request):
        with ClusterRpcProxy(request.getfixturevalue(service).config) as cluster:
            yield cluster

    @pytest.fixture(scope="module", name="facts")
    def sender(request):
        return Facts(request.getfixturevalue(service).config)

    return database, started, proxy, sender


def move_clock(tmp_path, monkeypatch, day: dt.date | None = None):
    """Services in this process read the programme's day from a clock file: `day`, or the real one."""
    monkeypatch.setenv(clock.CLOCK_FILE, str(tmp_path / "clock"))
    clock.set_today(tmp_path / "clock", day)


@contextmanager
def on_day(day: dt.date):
    """The programme's day is `day` inside the block, then what it was before."""
    before = clock.today() if Path(os.environ[clock.CLOCK_FILE]).read_text().strip() else None
    clock.set_today(os.environ[clock.CLOCK_FILE], day)
    try:
        yield
    finally:
        clock.set_today(os.environ[clock.CLOCK_FILE], before)


class Facts:
    """Another service's events, sent to the broker as that service's relay would."""

    def __init__(self, service_config):
        self.dispatch = event_dispatcher(service_config)

    def send(self, payload) -> dict:
        envelope = events.make_event(payload).model_dump(mode="json")
        self.resend(envelope)
        return envelope

    def resend(self, envelope: dict) -> None:
        self.dispatch(envelope["producer"], envelope["event_type"], envelope)


def registered_person(account_id: str | None = None, *, region: str = "511011101201", name: str = "测试王",
                      skills: tuple[str, ...] = ()) -> registry.EntrepreneurRegistered:
    return registry.EntrepreneurRegistered(
        entrepreneur_id=str(uuid.uuid4()), name=name, region_code=region, household_region_code=region,
        categories=["returnee_migrant_worker"], education="senior_high", skills=list(skills),
        return_date=dt.date(2024, 2, 20), registered_at=clock.utcnow(), account_id=account_id)


def registered_firm(owner_id: str, *, region: str = "511011101201", name: str | None = None,
                    industry: str = "种植业", investment_fen: int = 35_000_000,
                    owner_account_id: str | None = None) -> registry.EnterpriseRegistered:
    return registry.EnterpriseRegistered(
        enterprise_id=str(uuid.uuid4()), owner_entrepreneur_id=owner_id, owner_account_id=owner_account_id,
        name=name or f"内江{uuid.uuid4().hex[:4]}柑橘专业合作社", kind="cooperative",
        credit_code="92511011MA" + uuid.uuid4().hex[:8].upper(), credit_code_overridden=False,
        industry=industry, region_code=region, founded_on=dt.date(2025, 6, 1), investment_fen=investment_fen,
        headcount=12, poverty_hires=3, registered_at=clock.utcnow())


def entrepreneur(account_id: str | None = None) -> dict:
    account_id = account_id or str(uuid.uuid4())
    return {"user_id": account_id, "username": f"e_{account_id[:8]}", "role": "entrepreneur"}


def official(region: str, level: str, name: str, head: bool = False) -> dict:
    return {"user_id": f"u-{name}", "username": name, "role": "official", "region_code": region, "level": level,
            "unit_head": head}


def key() -> str:
    return str(uuid.uuid4())


def bind_test_queue(amqp_uri: str, source: str, event_type: str) -> Queue:
    queue = Queue(f"test-{source}-{event_type}", exchange=event_exchange(source), routing_key=event_type,
                  durable=True)
    with Connection(amqp_uri) as connection:
        queue(connection.channel()).declare()
    return queue


def take(amqp_uri: str, queue: Queue) -> dict | None:
    """The next event waiting in a test queue, taken off it; None when there is none."""
    with Connection(amqp_uri) as connection:
        message = queue(connection.channel()).get(no_ack=True)
    return None if message is None else message.payload


# ---- escalation's fixtures and people --------------------------------------------------------

TOWNSHIP = official("511011101000", "township", "township")  # 双才镇, which holds 大佛村 511011101201
TOWNSHIP_HEAD = official("511011101000", "township", "township_head", head=True)
OTHER_TOWNSHIP = official("511011102000", "township", "other_township")
COUNTY = official("511011000000", "county", "county")
COUNTY_HEAD = official("511011000000", "county", "county_head", head=True)
CITY = official("511000000000", "city", "city")
ADMIN = {"user_id": "u-admin", "username": "admin", "role": "admin"}
LIAISONS = [  # landline numbers: no mobile number in any log
    registry.Liaison(kind="government_affairs", name="周政务", phone="0832-2201011", organisation="双才镇便民服务中心",
                   level="township", region_code="511011101000", official_username="township"),
    registry.Liaison(kind="finance", name="钱金融", phone="0832-2201012", organisation="东兴区农商银行",
                   level="county", region_code="511011000000"),
]
LABOUR = {"category": "labour", "urgency": "normal", "description": "春节后招工困难，缺少熟练分拣工人二十名，影响订单交付"}


db, escalation, rpc, facts = module_fixtures("escalation", EscalationService)


@pytest.fixture(autouse=True)
def clock_file(tmp_path, monkeypatch):
    move_clock(tmp_path, monkeypatch)


def known_enterprise(facts: Facts, db: Store, liaisons=LIAISONS, region="511011101201") -> tuple[dict, str]:
    """An entrepreneur's account and their enterprise, as the registry's events made them known."""
    owner = entrepreneur()
    person = registered_person(owner["user_id"], region=region)
    firm = registered_firm(person.entrepreneur_id, region=region, owner_account_id=owner["user_id"])
    facts.send(firm)
    eventually(lambda: db.scalar("SELECT count(*) FROM known_enterprises WHERE id = :e AND owner_account_id = :a",
                                 e=firm.enterprise_id, a=owner["user_id"]),
               timeout=10, message="escalation knows the enterprise and its owner's account")
    if liaisons:
        facts.send(registry.EnterpriseLiaisonsAssigned(enterprise_id=firm.enterprise_id, region_code=firm.region_code,
                                                     liaisons=liaisons, assigned_by="county"))
        eventually(lambda: db.scalar("SELECT liaisons::text <> '[]' FROM known_enterprises WHERE id = :e",
                                     e=firm.enterprise_id), timeout=10, message="the liaisons are known")
    return owner, firm.enterprise_id


def report(rpc, owner, enterprise_id, idempotency_key=None, **changes):
    return rpc.escalation.report_difficulty(owner, {"enterprise_id": enterprise_id, **LABOUR, **changes},
                                            idempotency_key)


def act(rpc, actor, record, action, **body):
    return rpc.escalation.act_on_difficulty(actor, record["id"], action, body)


# ---- reporting -------------------------------------------------------------------------------


def test_a_reported_difficulty_goes_to_the_township_liaison_of_its_kind_and_is_published(
        escalation, facts, rpc, db):
    queue = bind_test_queue(escalation.amqp_uri, "escalation", "difficulty_reported")
    owner, firm = known_enterprise(facts, db)
    record = report(rpc, owner, firm)
    today = clock.today()
    assert (record["status"], record["level"], record["liaison"]["name"]) == ("assigned", "township", "周政务")
    assert record["reported_on"] == today.isoformat()
    assert today.isoformat() < record["contact_due"] < record["resolve_due"]
    assert record["reference"].startswith(f"KN{today.year}-")
    assert [step["action"] for step in record["timeline"]] == ["reported", "assigned"]
    reported, = db.outbox("difficulty_reported", difficulty_id=record["id"])
    assert (reported["enterprise_id"], reported["level"], reported["category"]) == (firm, "township", "labour")
    assigned, = db.outbox("difficulty_assigned", difficulty_id=record["id"])
    assert (assigned["liaison_name"], assigned["official_username"], assigned["resolve_due"]) == (
        "周政务", "township", record["resolve_due"])
    sent = eventually(lambda: take(escalation.amqp_uri, queue), timeout=10, message="the relay published the report")
    assert (sent["producer"], sent["payload"]["difficulty_id"]) == ("escalation", record["id"])
    assert take(escalation.amqp_uri, queue) is None  # and only once
    money = report(rpc, owner, firm, category="financing")  # its finance liaison sits at the county
    assert (money["level"], money["liaison"]) == ("township", None)


def test_only_the_owner_of_an_enterprise_reports_its_difficulties(facts, rpc, db):
    owner, firm = known_enterprise(facts, db, liaisons=None)
    for who, enterprise_id in ((entrepreneur(), firm), (owner, str(uuid.uuid4()))):
        with pytest.raises(InvalidInput) as refused:
            report(rpc, who, enterprise_id)
        assert (refused.value.code, refused.value.field) == ("enterprise_not_owned", "enterprise_id")
    with pytest.raises(Forbidden) as official_refused:
        report(rpc, TOWNSHIP, firm)
    assert official_refused.value.code == "role_not_allowed"
    with pytest.raises(InvalidInput) as short:
        report(rpc, owner, firm, description="太短")
    assert (short.value.code, short.value.field) == ("too_short", "description")
    assert db.scalar("SELECT count(*) FROM difficulties WHERE enterprise_id = :e", e=firm) == 0
    assert db.outbox("difficulty_reported", enterprise_id=firm) == []


def test_a_report_sent_twice_with_one_key_is_recorded_and_published_once(facts, rpc, db):
    owner, firm = known_enterprise(facts, db)
    sending = key()
    first = report(rpc, owner, firm, sending)
    assert report(rpc, owner, firm, sending) == first
    assert db.scalar("SELECT count(*) FROM difficulties WHERE enterprise_id = :e", e=firm) == 1
    assert len(db.outbox("difficulty_reported", enterprise_id=firm)) == 1
    with pytest.raises(Conflict) as reused:
        report(rpc, owner, firm, sending, urgency="urgent")
    assert (reused.value.code, reused.value.field) == ("idempotency_key_reused", "Idempotency-Key")
    with pytest.raises(InvalidInput) as borrowed:  # a key is its caller's: another account runs afresh
        report(rpc, entrepreneur(), firm, sending)
    assert borrowed.value.code == "enterprise_not_owned"
    assert db.scalar("SELECT count(*) FROM difficulties WHERE enterprise_id = :e", e=firm) == 1


# ---- handling, the reporter's answer and sign-off -------------------------------------------


def test_only_the_current_levels_officials_of_the_region_act_on_it(facts, rpc, db):
    owner, firm = known_enterprise(facts, db)
    record = report(rpc, owner, firm)
    for actor, error, code in ((COUNTY, Forbidden, "not_handling_level"),
                               (owner, Forbidden, "not_handling_level"),
                               (OTHER_TOWNSHIP, NotFound, "difficulty_not_found"),
                               (entrepreneur(), NotFound, "difficulty_not_found")):
        with pytest.raises(error) as refused:
            act(rpc, actor, record, "contact", note="电话联系")
        assert refused.value.code == code, actor
    with pytest.raises(Conflict) as stale:
        act(rpc, TOWNSHIP, record, "contact", expected_version=record["version"] + 1)
    assert (stale.value.code, stale.value.field) == ("stale_version", "expected_version")
    with pytest.raises(Forbidden) as unknown:
        act(rpc, TOWNSHIP, record, "delete")
    assert unknown.value.code == "unknown_action"
    contacted = act(rpc, TOWNSHIP, record, "contact", note="电话联系了负责人", expected_version=record["version"])
    assert (contacted["status"], contacted["late_contact"]) == ("contacted", False)
    with pytest.raises(InvalidState) as again:
        act(rpc, TOWNSHIP, record, "contact")
    assert (again.value.code, again.value.field) == ("difficulty_status", "status")
    published, = db.outbox("difficulty_contacted", difficulty_id=record["id"])
    assert (published["contacted_by"], published["late"]) == ("township", False)


def test_resolved_rejected_reopened_resolved_accepted_and_signed_off_by_the_unit_head(facts, rpc, db):
    owner, firm = known_enterprise(facts, db)
    record = report(rpc, owner, firm)
    act(rpc, TOWNSHIP, record, "contact")
    assert act(rpc, TOWNSHIP, record, "resolve", resolution="已联系镇劳务站推荐熟练工")["status"] == "resolved"
    with pytest.raises(Forbidden) as not_reporter:
        act(rpc, TOWNSHIP, record, "accept")
    assert not_reporter.value.code == "not_reporter"
    reopened = act(rpc, owner, record, "reject", reason="推荐的工人不会分拣")
    assert (reopened["status"], reopened["level"], reopened["resolution"]) == ("contacted", "township", None)
    with pytest.raises(InvalidState) as not_answered:
        act(rpc, owner, record, "accept")
    assert not_answered.value.code == "difficulty_status"
    act(rpc, TOWNSHIP_HEAD, record, "resolve", resolution="联系县就业局组织定向培训二十人")
    head = {**TOWNSHIP_HEAD, "user_id": "u-township-head-2", "username": "township_head_2"}
    with pytest.raises(InvalidState) as not_accepted:
        act(rpc, head, record, "sign_off")
    assert not_accepted.value.code == "difficulty_status"
    assert act(rpc, owner, record, "accept", note="满意")["status"] == "accepted"
    for actor, code in ((TOWNSHIP, "unit_head_required"), (TOWNSHIP_HEAD, "sign_off_by_resolver"),
                        (COUNTY_HEAD, "not_handling_level")):
        with pytest.raises(Forbidden) as refused:
            act(rpc, actor, record, "sign_off")
        assert refused.value.code == code, actor["username"]
    closed = act(rpc, head, record, "sign_off")
    assert (closed["status"], closed["signed_off_by"], closed["closed_on"]) == (
        "closed", "township_head_2", clock.today().isoformat())
    assert [step["action"] for step in closed["timeline"]] == [
        "reported", "assigned", "contacted", "resolved", "reopened", "resolved", "accepted", "closed"]
    published = {kind: len(db.outbox(f"difficulty_{kind}", difficulty_id=record["id"]))
                 for kind in ("resolved", "reopened", "accepted", "closed")}
    assert published == {"resolved": 2, "reopened": 1, "accepted": 1, "closed": 1}


def test_an_official_escalates_earlier_with_a_reason_up_to_the_city_and_no_further(facts, rpc, db):
    owner, firm = known_enterprise(facts, db)
    record = report(rpc, owner, firm, category="permits")
    with pytest.raises(InvalidInput) as no_reason:
        act(rpc, TOWNSHIP, record, "escalate", reason="")
    assert (no_reason.value.code, no_reason.value.field) == ("too_short", "reason")
    with pytest.raises(Forbidden) as county_first:
        act(rpc, COUNTY, record, "escalate", reason="县级来办")
    assert county_first.value.code == "not_handling_level"
    county = act(rpc, TOWNSHIP, record, "escalate", reason="涉及县级审批权限")
    assert (county["level"], county["status"]) == ("county", "assigned")
    assert county["timeline"][-2]["note"].endswith("涉及县级审批权限")
    assert county["resolve_due"] > record["resolve_due"]  # the county's limit is the longer one
    city = act(rpc, COUNTY, record, "escalate", reason="需市级协调用地指标")
    assert city["level"] == "city"
    with pytest.raises(InvalidState) as top:
        act(rpc, CITY, record, "escalate", reason="再往上")
    assert (top.value.code, top.value.field) == ("top_level", "level")
    moves = [(e["from_level"], e["level"], e["automatic"]) for e in db.outbox("difficulty_escalated",
                                                                          difficulty_id=record["id"])]
    assert moves == [("township", "county", False), ("county", "city", False)]


# ---- the time-limit sweep --------------------------------------------------------------------


def test_the_sweep_flags_a_late_first_contact_then_escalates_once_past_the_limit(facts, rpc, db):
    owner, firm = known_enterprise(facts, db)
    with on_day(dt.date(2026, 6, 1)):
        record = report(rpc, owner, firm, category="land")
    for actor in (COUNTY, TOWNSHIP, owner):
        with pytest.raises(Forbidden) as refused:
            rpc.escalation.run_sweep(actor)
        assert refused.value.code == "city_level_required"
    late_day = dt.date.fromisoformat(record["contact_due"]) + dt.timedelta(days=1)
    with on_day(late_day):
        assert rpc.escalation.run_sweep(CITY)["done"] == {"flag_late_contact": 1}
        assert rpc.escalation.run_sweep(ADMIN)["done"] == {}
        flagged = rpc.escalation.get_difficulty(TOWNSHIP, record["id"])
    assert (flagged["late_contact"], flagged["level"], flagged["timeline"][-1]["action"]) == (
        True, "township", "late_contact")
    past_limit = dt.date.fromisoformat(record["resolve_due"]) + dt.timedelta(days=1)
    with on_day(past_limit):
        assert rpc.escalation.run_sweep(CITY)["done"] == {"escalate": 1}
        assert rpc.escalation.run_sweep(CITY)["done"] == {}
        up = rpc.escalation.get_difficulty(COUNTY, record["id"])
    assert (up["level"], up["status"], up["late_contact"]) == ("county", "assigned", False)
    assert up["timeline"][-2]["actor"] == "系统（时限检查）"
    escalated, = db.outbox("difficulty_escalated", difficulty_id=record["id"])
    assert (escalated["automatic"], escalated["from_level"], escalated["escalated_on"]) == (
        True, "township", past_limit.isoformat())


def test_a_late_first_contact_is_flagged_at_the_city_too(facts, rpc, db):
    owner, firm = known_enterprise(facts, db)
    with on_day(dt.date(2026, 6, 1)):
        record = report(rpc, owner, firm)
        act(rpc, TOWNSHIP, record, "escalate", reason="需县级协调")
        city = act(rpc, COUNTY, record, "escalate", reason="需市级协调用地")
    with on_day(dt.date.fromisoformat(city["contact_due"]) + dt.timedelta(days=1)):
        rpc.escalation.run_sweep(CITY)
        assert rpc.escalation.get_difficulty(CITY, record["id"])["late_contact"] is True


# ---- attachments, lists and the public view -------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def encoded(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_only_the_reporter_attaches_real_files_and_the_regions_officials_read_them(facts, rpc, db):
    owner, firm = known_enterprise(facts, db)
    record = report(rpc, owner, firm)
    added = rpc.escalation.add_attachment(owner, record["id"], "../../租赁合同.exe", encoded(PDF))
    attachment, = added["attachments"]
    assert (attachment["filename"], attachment["content_type"], attachment["size"]) == (
        "租赁合同.pdf", "application/pdf", len(PDF))
    with pytest.raises(Forbidden) as official_adds:
        rpc.escalation.add_attachment(TOWNSHIP, record["id"], "a.pdf", encoded(PDF))
    assert official_adds.value.code == "not_reporter"
    for content, code in ((encoded(b"MZ\x90\x00 not a document"), "file_type"), ("%%%not base64", "file_encoding"),
                          ("", "file_empty")):
        with pytest.raises(InvalidInput) as refused:
            rpc.escalation.add_attachment(owner, record["id"], "x.pdf", content)
        assert (refused.value.code, refused.value.field) == (code, "file")
    read = rpc.escalation.get_attachment(TOWNSHIP, record["id"], attachment["id"])
    assert base64.b64decode(read["content"]) == PDF
    for stranger in (OTHER_TOWNSHIP, entrepreneur()):
        with pytest.raises(NotFound) as hidden:
            rpc.escalation.get_attachment(stranger, record["id"], attachment["id"])
        assert hidden.value.code == "difficulty_not_found"
    with pytest.raises(NotFound) as missing:
        rpc.escalation.get_attachment(owner, record["id"], str(uuid.uuid4()))
    assert missing.value.code == "attachment_not_found"


ZIZHONG_TOWNSHIP = official("511025100000", "township", "zizhong_township")  # 重龙镇 of 资中县: this test's own
ZIZHONG_COUNTY = official("511025000000", "county", "zizhong_county")


def test_lists_counts_and_the_public_view_show_only_what_the_caller_may_see(facts, rpc, db):
    owner, firm = known_enterprise(facts, db, liaisons=None, region="511025100201")
    record = report(rpc, owner, firm)

    def listed(actor, **query):
        return [item["id"] for item in rpc.escalation.list_difficulties(actor, query)["items"]]

    assert listed(owner) == listed(ZIZHONG_TOWNSHIP) == listed(ZIZHONG_COUNTY, status="assigned") == [record["id"]]
    assert listed(ZIZHONG_TOWNSHIP, queue="true") == [record["id"]]
    assert listed(ZIZHONG_COUNTY, queue="true") == []  # not at the county's level
    assert listed(ZIZHONG_COUNTY, status="closed") == []
    for stranger in (entrepreneur(), TOWNSHIP, COUNTY, ADMIN):
        assert record["id"] not in listed(stranger, per_page=100)
    rows = rpc.escalation.difficulty_stats(ZIZHONG_COUNTY)["rows"]
    assert [(r["category"], r["level"], r["status"], r["count"]) for r in rows] == [
        ("labour", "township", "assigned", 1)]
    with pytest.raises(Forbidden) as refused:
        rpc.escalation.difficulty_stats(owner)
    assert refused.value.code == "official_required"
    public = rpc.escalation.public_difficulty(record["reference"])
    assert (public["service_request_id"], public["status"], public["service_code"]) == (
        record["reference"], "open", "labour")
    assert public["agency_responsible"] == "四川省内江市资中县重龙镇（乡镇级）"
    assert not {"enterprise_name", "description", "liaison", "timeline"} & set(public)
    with pytest.raises(NotFound) as unknown:
        rpc.escalation.public_difficulty("KN2026-999999")
    assert (unknown.value.code, unknown.value.field) == ("difficulty_not_found", "reference")


# ---- the calendar ----------------------------------------------------------------------------

HOLIDAYS_2027 = {"holidays": ["2027-01-01"], "workdays": []}


def test_only_an_administrator_enters_a_years_holidays_and_deadlines_then_follow_them(facts, rpc, db):
    owner, firm = known_enterprise(facts, db)
    with on_day(dt.date(2026, 12, 21)):  # ten working days reach into 2027, a year with no schedule yet
        before = report(rpc, owner, firm)
        assert len(before["warnings"]) == 1 and "2027年" in before["warnings"][0]
        # the queue says so too, on the row and above the list, not only on the difficulty's own page
        queue = rpc.escalation.list_difficulties(TOWNSHIP, {"queue": True, "per_page": 100})
        row = next(item for item in queue["items"] if item["id"] == before["id"])
        assert row["warnings"] == before["warnings"] and before["warnings"][0] in queue["warnings"]
        for actor in (CITY, owner):
            with pytest.raises(Forbidden) as refused:
                rpc.escalation.publish_calendar_year(actor, 2027, HOLIDAYS_2027)
            assert refused.value.code == "role_not_allowed"
        with pytest.raises(InvalidInput) as outside:
            rpc.escalation.publish_calendar_year(ADMIN, 2027, {"holidays": ["2028-01-01"]})
        assert (outside.value.code, outside.value.field) == ("day_outside_year", "holidays")
        entered = rpc.escalation.publish_calendar_year(ADMIN, 2027, HOLIDAYS_2027)
        assert (entered["year"], entered["holidays"], entered["workdays"]) == (2027, 1, 0)
        assert entered["recalculated"] >= 1
        again = rpc.escalation.get_difficulty(TOWNSHIP, before["id"])
        assert again["warnings"] == []
        after = report(rpc, owner, firm)
    assert after["warnings"] == []
    assert dt.date.fromisoformat(after["resolve_due"]) > dt.date.fromisoformat(before["resolve_due"])
    # the open difficulty's limits were counted again with New Year's Day off, written down and published
    assert again["resolve_due"] == after["resolve_due"] and again["contact_due"] == after["contact_due"]
    step = again["timeline"][-1]
    assert (step["action"], step["action_name"], step["actor"]) == ("deadlines_recalculated", "期限重新计算",
                                                                   "系统（节假日安排）")
    # every stamp a user reads is on the programme's clock, as the events are: the day moved to
    assert {dt.datetime.fromisoformat(s["at"]).astimezone(clock.SHANGHAI).date() for s in again["timeline"]} == {
        dt.date(2026, 12, 21)}
    assert f"答复 {before['resolve_due']}→{after['resolve_due']}" in step["note"]
    moved, = db.outbox("difficulty_deadlines_changed", difficulty_id=before["id"])
    assert (moved["resolve_due"], moved["level"]) == (after["resolve_due"], "township")
    with on_day(dt.date(2026, 12, 21)):  # entered again: nothing left to count again for this one
        rpc.escalation.publish_calendar_year(ADMIN, 2027, HOLIDAYS_2027)
    assert len(db.outbox("difficulty_deadlines_changed", difficulty_id=before["id"])) == 1


MIANYANG_CITY = official("510700000000", "city", "mianyang_city")
PROVINCE = official("510000000000", "province", "province")
YI_NEW_YEAR = {"name": "彝族年", "holidays": ["2026-11-03", "2026-11-04"], "workdays": []}


def test_a_citys_own_holidays_move_only_its_own_difficulties_limits(facts, rpc, db):
    neijiang_owner, neijiang_firm = known_enterprise(facts, db)
    mianyang_owner, mianyang_firm = known_enterprise(facts, db, liaisons=[], region="510703001003")
    with on_day(dt.date(2026, 11, 2)):  # a Monday of a year the State Council's schedule is known for
        neijiang = report(rpc, neijiang_owner, neijiang_firm)
        mianyang = report(rpc, mianyang_owner, mianyang_firm)
        assert (neijiang["contact_due"], mianyang["contact_due"]) == ("2026-11-04", "2026-11-04")
        for actor in (CITY, PROVINCE, TOWNSHIP, mianyang_owner):
            with pytest.raises(Forbidden) as refused:
                rpc.escalation.publish_local_days(actor, 2026, "510700", YI_NEW_YEAR)
            assert refused.value.code == "city_level_required"
        with pytest.raises(InvalidInput) as county:
            rpc.escalation.publish_local_days(ADMIN, 2026, "510703", YI_NEW_YEAR)
        assert county.value.code == "city_level"
        entered = rpc.escalation.publish_local_days(MIANYANG_CITY, 2026, "510700", YI_NEW_YEAR)
    assert (entered["city_name"], entered["holidays"], entered["recalculated"]) == ("绵阳市", 2, 1)
    moved = rpc.escalation.get_difficulty(MIANYANG_CITY, mianyang["id"])
    assert moved["contact_due"] == "2026-11-06"  # two working days after the two days off
    assert dt.date.fromisoformat(moved["resolve_due"]) > dt.date.fromisoformat(mianyang["resolve_due"])
    assert "绵阳市2026年地方假日（彝族年）已录入" in moved["timeline"][-1]["note"]
    untouched = rpc.escalation.get_difficulty(CITY, neijiang["id"])
    assert (untouched["contact_due"], untouched["resolve_due"]) == (neijiang["contact_due"], neijiang["resolve_due"])
    with on_day(dt.date(2026, 11, 2)):  # a difficulty reported afterwards counts the city's days too
        later = report(rpc, mianyang_owner, mianyang_firm)
        assert later["contact_due"] == "2026-11-06"
        # entering the year again with nothing clears the city's days and counts its limits again
        cleared = rpc.escalation.publish_local_days(ADMIN, 2026, "510700", {"name": "彝族年"})
    assert cleared["recalculated"] == 2
    assert rpc.escalation.get_difficulty(MIANYANG_CITY, mianyang["id"])["contact_due"] == "2026-11-04"
    assert db.outbox("difficulty_deadlines_changed", difficulty_id=neijiang["id"]) == []


# ---- the registry's and the consultation's facts ---------------------------------------------


def test_registry_facts_build_the_read_model_once_each_even_when_liaisons_come_first(
        escalation, facts, rpc, db, infra):
    owner = entrepreneur()
    person = registered_person(owner["user_id"])
    firm = registered_firm(person.entrepreneur_id, owner_account_id=owner["user_id"])
    liaisons = facts.send(registry.EnterpriseLiaisonsAssigned(
        enterprise_id=firm.enterprise_id, region_code=firm.region_code, liaisons=LIAISONS, assigned_by="county"))
    retries = "evt-registry-enterprise_liaisons_assigned--escalation.handle_enterprise_liaisons_assigned.retry.100"
    eventually(lambda: infra.queue(escalation.vhost, retries), timeout=10,
               message="the liaisons failed (enterprise not yet known) and wait for a retry")
    registered = facts.send(firm)
    facts.resend(registered)  # a redelivery changes nothing
    eventually(lambda: db.inbox(liaisons["event_id"]), timeout=10, message="the liaisons applied on a retry")
    eventually(lambda: escalation.handled(registered["event_id"]) == 2, timeout=10,
               message="both deliveries of the registration handled")
    assert db.inbox(registered["event_id"]) == 1
    assert db.scalar("SELECT count(*) FROM known_enterprises WHERE owner_account_id = :a", a=owner["user_id"]) == 1
    facts.send(person)  # an entrepreneur's own registration is no business of escalation's any more
    assert db.scalar("SELECT count(*) FROM inbox WHERE event_type = 'entrepreneur_registered'") == 0
    record = report(rpc, owner, firm.enterprise_id)
    assert (record["enterprise_name"], record["region_code"], record["liaison"]["name"]) == (
        firm.name, "511011101201", "周政务")


def test_a_consultation_decision_is_attached_to_its_difficulty_once(escalation, facts, rpc, db):
    owner, firm = known_enterprise(facts, db)
    record = report(rpc, owner, firm)

    def decision(difficulty_id, measure="县人社局组织定向招聘会"):
        return ResolutionAssigned(resolution_id=str(uuid.uuid4()), quarter="2026Q4", difficulty_id=difficulty_id,
                                  enterprise_id=firm, lead_department="东兴区人力资源和社会保障局",
                                  co_departments=["双才镇人民政府"], measure=measure,
                                  deadline=clock.today() + dt.timedelta(days=30))

    first = facts.send(decision(record["id"]))
    facts.resend(first)
    second = facts.send(decision(record["id"], "镇劳务站建立用工对接台账"))
    eventually(lambda: escalation.handled(first["event_id"]) == 2 and escalation.handled(second["event_id"]),
               timeout=10, message="both decisions handled, the first one twice")
    assert db.inbox(first["event_id"]) == 1
    seen = rpc.escalation.get_difficulty(owner, record["id"])
    assert sorted(d["measure"] for d in seen["decisions"]) == ["县人社局组织定向招聘会", "镇劳务站建立用工对接台账"]
    steps = [step for step in seen["timeline"] if step["action"] == "decision"]
    assert len(steps) == 2 and steps[0]["actor"] == "季度困难会商会"
    assert "配合单位：双才镇人民政府" in steps[0]["note"]
    stray = facts.send(decision(str(uuid.uuid4())))  # a difficulty this service never had

    def parked():
        return [item for item in parking.list_parked(escalation.amqp_uri)
                if item["event_id"] == stray["event_id"]]

    lost, = eventually(parked, timeout=15, message="the stray decision was retried, then parked")
    assert lost["attempts"] == 4 and "not known" in lost["error"]
    assert db.inbox(stray["event_id"]) == 0
