"""The registry in a nameko container against the real broker and database."""

import pytest
import sqlalchemy as sa

from services.registry.service import RegistryService
from shared.errors import Conflict, InvalidInput, NotFound
from tests.factories import enterprise_data, entrepreneur_data, wrong_checksum
from tests.support import recorder
from tests.support.recorder import RecorderService
from tests.support.waiting import eventually

ENTREPRENEUR = {"user_id": "u-ent-1", "username": "13800000009", "role": "entrepreneur"}
TOWNSHIP = {"user_id": "u-off-1", "username": "township", "role": "official",
            "region_code": "511011101000", "level": "township"}


@pytest.fixture
def registry(run_services):
    run_services(RegistryService)


def entrepreneur_actor():
    import uuid

    return {**ENTREPRENEUR, "user_id": str(uuid.uuid4())}


def test_registration_is_saved_and_published_once_to_a_consumer(
        registry, run_services, rpc, databases, infra, vhost):
    recorder.create_table(databases["registry"])
    run_services(RecorderService)
    record = rpc.registry.create_entrepreneur(entrepreneur_actor(), entrepreneur_data())
    recorder.assert_handled_exactly_once(databases["registry"], infra, vhost, record["id"])


def test_a_bad_id_number_is_refused_by_the_service_itself(registry, rpc, databases):
    with pytest.raises(InvalidInput) as caught:
        rpc.registry.create_entrepreneur(entrepreneur_actor(),
                                         entrepreneur_data(id_number=wrong_checksum("11010519491231002X")))
    assert (caught.value.code, caught.value.field) == ("id_number_checksum", "id_number")


def test_the_event_waits_in_the_outbox_until_a_queue_is_bound(registry, run_services, rpc, databases):
    record = rpc.registry.create_entrepreneur(entrepreneur_actor(), entrepreneur_data())
    engine = sa.create_engine(databases["registry"].replace("postgresql://", "postgresql+psycopg2://"))

    def last_error():
        with engine.connect() as connection:
            return connection.scalar(sa.text(
                "SELECT last_error FROM outbox WHERE envelope->'payload'->>'entrepreneur_id' = :e"),
                {"e": record["id"]})

    eventually(lambda: (last_error() or "").startswith("unroutable"), timeout=10)
    engine.dispose()


def test_duplicate_and_visibility_rules_hold_inside_the_service(registry, rpc):
    data = entrepreneur_data()
    owner = entrepreneur_actor()
    record = rpc.registry.create_entrepreneur(owner, data)
    with pytest.raises(Conflict) as caught:
        rpc.registry.create_entrepreneur(TOWNSHIP, data)
    assert (caught.value.code, caught.value.details) == ("id_number_registered", {"existing_id": record["id"]})
    with pytest.raises(NotFound) as caught:
        rpc.registry.get_entrepreneur(entrepreneur_actor(), record["id"])
    assert caught.value.code == "entrepreneur_not_found"
    assert rpc.registry.get_entrepreneur(TOWNSHIP, record["id"])["id"] == record["id"]
    county_elsewhere = {**TOWNSHIP, "region_code": "511024000000", "level": "county"}
    with pytest.raises(NotFound) as caught:
        rpc.registry.get_entrepreneur(county_elsewhere, record["id"])
    assert caught.value.code == "entrepreneur_not_found"


def test_a_batch_of_texts_learns_every_record_phone_with_one_question(registry, rpc):
    owner = entrepreneur_actor()
    person = rpc.registry.create_entrepreneur(owner, entrepreneur_data())
    firm = rpc.registry.create_enterprise(owner, enterprise_data(owner_entrepreneur_id=person["id"]))
    phones = rpc.registry.text_message_phones(
        [f"person:{person['id']}", f"enterprise:{firm['id']}", "person:no-such-record", "user:u-1", "odd"])
    assert phones == {f"person:{person['id']}": person["phone"], f"enterprise:{firm['id']}": person["phone"]}
    with pytest.raises(InvalidInput) as caught:
        rpc.registry.text_message_phones([f"person:{n}" for n in range(201)])
    assert caught.value.field == "recipients"


def test_two_officials_verifying_at_once_verify_once(registry, rpc, service_config):
    import eventlet
    from nameko.standalone.rpc import ClusterRpcProxy

    record = rpc.registry.create_entrepreneur(entrepreneur_actor(), entrepreneur_data())

    def verify():
        with ClusterRpcProxy(service_config) as proxy:
            return proxy.registry.verify_entrepreneur(TOWNSHIP, record["id"])

    results = [thread.wait() for thread in [eventlet.spawn(verify) for _ in range(8)]]
    assert {result["status"] for result in results} == {"verified"}
    assert len({result["version"] for result in results}) == 1


def test_a_headcount_report_for_the_same_quarter_is_a_revision(registry, rpc):
    owner = entrepreneur_actor()
    rpc.registry.create_entrepreneur(owner, entrepreneur_data())
    enterprise = rpc.registry.create_enterprise(owner, enterprise_data())
    report = {"quarter": "2026Q2", "headcount": 10, "poverty_hires": 2, "new_hires": 1}
    first = rpc.registry.report_headcount(owner, enterprise["id"], report)
    same = rpc.registry.report_headcount(owner, enterprise["id"], report)
    assert first["headcount_reports"] == same["headcount_reports"]
    changed = rpc.registry.report_headcount(owner, enterprise["id"], {**report, "headcount": 11})
    assert changed["headcount_reports"][0]["revision"] == 2
    with pytest.raises(InvalidInput) as caught:
        rpc.registry.report_headcount(owner, enterprise["id"], {**report, "poverty_hires": 99})
    assert caught.value.code == "poverty_hires_exceed_headcount"


def test_an_import_of_many_batches_registers_each_row_once_and_publishes_when_whole(
        registry, rpc, databases, monkeypatch):
    """Thirty people (every other with an enterprise) in batches of four, taken by two workers side by
    side: each registered once, the counts added up, and their events held until the import is done,
    then every one made due."""
    from services.gateway.imports import row_json
    from services.registry.handlers import imports
    from shared import outbox, roll
    from tests.factories import PLACES, credit_code, roll_csv

    monkeypatch.setattr(imports, "BATCH", 4)
    released = []
    release_held = outbox.release_held
    monkeypatch.setattr(outbox, "release_held", lambda session, **kw: released.append(release_held(session, **kw)))
    people = [(entrepreneur_data(region_code=PLACES.village),
               enterprise_data(region_code=PLACES.village, credit_code=credit_code(PLACES.village)) if n % 2 else None)
              for n in range(30)]
    columns, rows = roll.read("台账.csv", roll_csv(people))
    created = rpc.registry.create_import(TOWNSHIP, {"file_name": "台账.csv"})
    rpc.registry.add_import_rows(TOWNSHIP, created["id"], {"rows": [row_json(row) for row in rows], "columns": columns})
    assert rpc.registry.finish_import_upload(TOWNSHIP, created["id"])["to_import"] == 30
    rpc.registry.start_import(TOWNSHIP, created["id"])
    eventually(lambda: rpc.registry.get_import(TOWNSHIP, created["id"])["status"] == "done", timeout=30)
    final = rpc.registry.get_import(TOWNSHIP, created["id"])
    assert (final["created_people"], final["created_firms"], final["processed_rows"]) == (30, 15, 30)

    engine = sa.create_engine(databases["registry"].replace("postgresql://", "postgresql+psycopg2://"))
    numbers = [person["id_number"] for person, _ in people]
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM entrepreneurs WHERE id_number = ANY(:n)"),
                                 {"n": numbers}) == 30
        published = connection.execute(sa.text(
            "SELECT event_type, next_attempt_at = 'infinity' AS held FROM outbox"
            " WHERE envelope->'payload'->>'region_code' = :village AND event_type LIKE '%_registered'"
            " AND created_at >= :since"), {"village": PLACES.village, "since": final["created_at"]}).all()
        assert connection.scalar(sa.text("SELECT count(*) FROM import_rows WHERE import_id = :i"),
                                 {"i": created["id"]}) == 0  # every row taken
    engine.dispose()
    assert sorted(kind for kind, _ in published) == ["enterprise_registered"] * 15 + ["entrepreneur_registered"] * 30
    assert not any(held for _, held in published)
    assert max(released) == sum(released) == 45  # every event waited for the import's last transaction


def test_events_held_with_no_import_running_are_released_by_the_sweep(registry, databases, monkeypatch):
    """A held event that no running import will release (none is running) is made due at a look."""
    from sqlalchemy.orm import sessionmaker

    from services.registry import service

    monkeypatch.setattr(service, "STRANDED_LOOK_SECONDS", 0.0)

    from shared import clock
    from shared.contracts.registry import EntrepreneurRegistered
    from shared.events import make_event
    from shared.outbox import add_all_to_outbox, outbox

    engine = sa.create_engine(databases["registry"].replace("postgresql://", "postgresql+psycopg2://"))
    event = make_event(EntrepreneurRegistered(
        entrepreneur_id="e-stranded", name="测试", region_code="511011101201", household_region_code="511011101201",
        categories=[], education="college", skills=[], return_date=None, registered_at=clock.utcnow()))
    with sessionmaker(engine)() as session:
        add_all_to_outbox(session, [event], held=True)
        session.commit()

    def due():
        with engine.connect() as connection:
            return connection.scalar(sa.select(outbox.c.next_attempt_at != sa.text("'infinity'::timestamptz"))
                                     .where(outbox.c.event_id == event.event_id))

    from shared import wakes

    wakes.wake("import_rolls")  # its look, now rather than at the end of its interval
    eventually(due, timeout=10, message="the held event released")
    engine.dispose()


def test_a_row_the_database_refuses_is_set_aside_and_the_rest_is_imported(registry, rpc, monkeypatch):
    """A row that passed the file's checks but that the database refuses (here a name longer than its
    column, sent to the registry as the reader would never send it) fails its batch; the batch is
    taken again one row at a time, that row is set aside in the report, and every other row is
    registered, once."""
    from services.gateway.imports import row_json
    from services.registry.handlers import imports
    from shared import roll
    from tests.factories import PLACES, roll_csv

    monkeypatch.setattr(imports, "BATCH", 5)
    people = [(entrepreneur_data(region_code=PLACES.village), None) for _ in range(12)]
    columns, rows = roll.read("台账.csv", roll_csv(people))
    sent = [row_json(row) for row in rows]
    sent[6]["entrepreneur"]["name"] = "张" * 300
    created = rpc.registry.create_import(TOWNSHIP, {"file_name": "台账.csv"})
    rpc.registry.add_import_rows(TOWNSHIP, created["id"], {"rows": sent, "columns": columns})
    rpc.registry.finish_import_upload(TOWNSHIP, created["id"])
    rpc.registry.start_import(TOWNSHIP, created["id"])
    eventually(lambda: rpc.registry.get_import(TOWNSHIP, created["id"])["status"] == "done", timeout=30)
    final = rpc.registry.get_import(TOWNSHIP, created["id"])
    assert (final["created_people"], final["invalid_rows"], final["processed_rows"]) == (11, 1, 12)
    refused, = final["errors"]
    assert (refused["line"], refused["code"]) == (sent[6]["line"], "row_not_registered")
    assert "未能登记" in refused["message"]
