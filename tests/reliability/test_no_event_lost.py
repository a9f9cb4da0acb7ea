"""Nothing is lost when a process dies or the broker goes away (real processes, real broker)."""

import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa

from tests.factories import entrepreneur_data
from tests.stack import ROOT, Stack
from tests.support import recorder
from tests.support.proxy import CuttableProxy
from tests.support.waiting import eventually

pytestmark = pytest.mark.reliability


@pytest.fixture
def own_stack(infra, databases, tmp_path):
    """registry and gateway on their own vhost; the registry's relay reaches the broker via a proxy."""
    vhost = infra.create_vhost("guiyan_rel")
    stack = Stack(infra, databases, vhost, tmp_path)
    broker = urlparse(infra.amqp_uri)
    proxy = CuttableProxy(broker.hostname, broker.port or 5672)
    proxy.restore()
    relay_uri = urlparse(stack.amqp_uri)._replace(netloc=f"guest:guest@127.0.0.1:{proxy.port}").geturl()
    stack.start("registry", GUIYAN_OUTBOX_AMQP_URI=relay_uri)
    stack.start_services("registry")
    stack.start("gateway")
    stack.wait_ready()
    recorder.create_table(databases["registry"])
    yield stack, proxy
    stack.stop_all()
    proxy.cut()
    infra.delete_vhost(vhost)


def start_recorder(stack, tmp_path, behaviour="ok", **env):
    log = open(tmp_path / "recorder.log", "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.recorder"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**stack.env, "RECORDER_BEHAVIOUR": behaviour, **env})
    eventually(lambda: _queue_has_consumer(stack, recorder.QUEUE), timeout=30, message="recorder did not start")
    return process


def _queue_has_consumer(stack, queue):
    return stack.infra.queue(stack.vhost, queue).get("consumers", 0) > 0


def assert_handled_exactly_once(stack, databases, entrepreneur_id, timeout=30.0):
    recorder.assert_handled_exactly_once(databases["registry"], stack.infra, stack.vhost, entrepreneur_id,
                                         timeout)


def relay_has_failed(databases, entrepreneur_id) -> bool:
    """The registry's relay has tried to publish the registration and failed: it is not out yet."""
    engine = sa.create_engine(databases["registry"].replace("postgresql://", "postgresql+psycopg2://", 1),
                              poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        row = connection.execute(sa.text(
            "SELECT sent_at, attempts FROM outbox WHERE event_type = 'entrepreneur_registered'"
            " AND envelope->'payload'->>'entrepreneur_id' = :e"), {"e": entrepreneur_id}).first()
    engine.dispose()
    return row is not None and row.sent_at is None and row.attempts >= 1


def register(stack):
    client = stack.client(stack.create_user("entrepreneur"))
    response = client.post("/api/v1/entrepreneurs", json=entrepreneur_data())
    assert response.status_code == 201, response.text
    return response.json()


def test_a_consumer_killed_mid_handler_and_restarted_handles_the_event_exactly_once(
        own_stack, databases, tmp_path):
    stack, _ = own_stack
    marker = tmp_path / "in-handler"
    slow = start_recorder(stack, tmp_path, "slow", RECORDER_MARKER=str(marker))
    record = register(stack)
    eventually(marker.exists, timeout=30, message="the handler never started")
    slow.send_signal(signal.SIGKILL)  # dies with its effects written but not committed, unacked
    slow.wait()
    assert recorder.count(databases["registry"], record["id"]) == 0
    restarted = start_recorder(stack, tmp_path, "ok")
    try:
        assert_handled_exactly_once(stack, databases, record["id"])
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=20)


def test_with_the_broker_out_of_reach_the_record_is_saved_and_the_event_follows(
        own_stack, databases, tmp_path):
    stack, proxy = own_stack
    consumer = start_recorder(stack, tmp_path, "ok")
    try:
        proxy.cut()
        record = register(stack)
        client = stack.client(stack.create_user("official", region_code="511011101", level="township"))
        assert client.get(f"/api/v1/entrepreneurs/{record['id']}").status_code == 200
        eventually(lambda: relay_has_failed(databases, record["id"]), timeout=30)
        assert recorder.count(databases["registry"], record["id"]) == 0
        proxy.restore()
        assert_handled_exactly_once(stack, databases, record["id"])
    finally:
        consumer.send_signal(signal.SIGTERM)
        consumer.wait(timeout=20)


def _rabbitmqctl(*args):
    return subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not Path("/usr/sbin/rabbitmqctl").exists() and not os.environ.get("CI"),
                    reason="needs the local RabbitMQ's rabbitmqctl")
def test_a_real_broker_restart_loses_no_event(infra, databases, tmp_path):
    """Stop RabbitMQ itself; commit a registration meanwhile; start it; the event arrives once."""
    from sqlalchemy.orm import sessionmaker

    from services.registry.handlers import entrepreneurs
    from shared.actors import Actor
    from shared.contracts.registry import EntrepreneurCreate
    from shared.db import DatabaseAccess, make_engine
    from shared.idempotency import run_once

    vhost = infra.create_vhost("guiyan_restart")
    stack = Stack(infra, databases, vhost, tmp_path)
    stack.start("registry")
    consumer = None
    try:
        consumer = start_recorder(stack, tmp_path, "ok")
        assert _rabbitmqctl("stop_app").returncode == 0
        engine = make_engine(databases["registry"], pool_size=1)
        actor = Actor(user_id="restart-test", username="restart", role="official",
                      region_code="511011101000", level="township")
        data = EntrepreneurCreate.model_validate(entrepreneur_data())
        record = run_once(DatabaseAccess(sessionmaker(engine), "registry", engine), "test", "test", None, None,
                          lambda uow: entrepreneurs.create_entrepreneur(uow, actor, data))
        engine.dispose()
        eventually(lambda: relay_has_failed(databases, record["id"]), timeout=30)
        assert recorder.count(databases["registry"], record["id"]) == 0
    finally:
        assert _rabbitmqctl("start_app").returncode == 0
        _rabbitmqctl("await_startup")
    try:
        assert_handled_exactly_once(stack, databases, record["id"], timeout=60)
    finally:
        if consumer is not None:
            consumer.send_signal(signal.SIGTERM)
            consumer.wait(timeout=20)
        stack.stop_all()
        infra.delete_vhost(vhost)


@contextmanager
def whole_system(infra, databases, tmp_path, name: str, **env):
    """Every service and the gateway on a vhost of their own, ready; all stopped afterwards."""
    vhost = infra.create_vhost(name)
    stack = Stack(infra, databases, vhost, tmp_path)
    stack.env.update(env)
    stack.start_services()
    stack.start("gateway")
    try:
        stack.wait_ready()  # every consumer has declared its durable queues
        yield stack
    finally:
        stack.stop_all()
        infra.delete_vhost(vhost)


def test_with_the_registry_stopped_the_api_answers_503_and_recovers(infra, databases, tmp_path):
    with whole_system(infra, databases, tmp_path, "guiyan_down", GUIYAN_RPC_TIMEOUT_SECONDS="2") as stack:
        client = stack.client(stack.create_user("official", region_code="511011101", level="township"))
        stack.stop("registry")
        response = client.get("/api/v1/entrepreneurs")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "service_unavailable"
        assert stack.client().get("/ready").status_code == 503
        stack.start("registry")
        eventually(lambda: client.get("/api/v1/entrepreneurs").status_code == 200, timeout=30)


def _guiyan(stack, *args) -> str:
    result = subprocess.run([sys.executable, "-m", "guiyan.cli", *args], cwd=ROOT, env=stack.env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_handler_that_keeps_failing_is_parked_then_listed_and_replayed_by_the_operator(
        own_stack, databases, tmp_path):
    import json

    stack, _ = own_stack
    failing = start_recorder(stack, tmp_path, "fail")
    record = register(stack)

    def parked():
        return [item for item in json.loads(_guiyan(stack, "parking", "list"))
                if item["event_type"] == "entrepreneur_registered"]

    try:
        eventually(lambda: len(parked()) == 1, timeout=30, interval=0.5)
    finally:
        failing.send_signal(signal.SIGTERM)
        failing.wait(timeout=20)
    item, = parked()
    assert item["attempts"] == 4 and "recorder was told to fail" in item["error"]
    assert recorder.count(databases["registry"], record["id"]) == 0
    healthy = start_recorder(stack, tmp_path, "ok")
    try:
        replayed = json.loads(_guiyan(stack, "parking", "replay", "--event-id", item["event_id"]))
        assert [entry["event_id"] for entry in replayed] == [item["event_id"]]
        assert_handled_exactly_once(stack, databases, record["id"])
        assert parked() == []
    finally:
        healthy.send_signal(signal.SIGTERM)
        healthy.wait(timeout=20)


def test_facts_published_while_finance_is_down_reach_its_read_model_when_it_returns(
        infra, databases, tmp_path):
    from tests.borrowers import finance_knows
    from tests.factories import entrepreneur_data

    with whole_system(infra, databases, tmp_path, "guiyan_findown") as stack:
        stack.stop("finance")
        official = stack.client(stack.create_user("official", region_code="511011101", level="township"))
        person = stack.client(stack.create_user("entrepreneur")).post(
            "/api/v1/entrepreneurs", json=entrepreneur_data()).json()
        assert official.post(f"/api/v1/entrepreneurs/{person['id']}/verify").status_code == 200
        stack.start("finance")
        finance_knows(stack, "known_entrepreneurs", person["id"], "verified")


def test_facts_published_while_consultation_is_down_reach_its_timeline_when_it_returns(
        infra, databases, tmp_path):
    from tests.factories import credit_code, enterprise_data, entrepreneur_data

    with whole_system(infra, databases, tmp_path, "guiyan_consultdown", GUIYAN_RPC_TIMEOUT_SECONDS="2") as stack:
        stack.stop("consultation")
        official = stack.client(stack.create_user("official", region_code="511011", level="county"))
        owner = stack.client(stack.create_user("entrepreneur"))
        assert owner.post("/api/v1/entrepreneurs", json=entrepreneur_data()).status_code == 201
        firm = owner.post("/api/v1/enterprises", json=enterprise_data(credit_code=credit_code("511011"))).json()
        path = f"/api/v1/enterprises/{firm['id']}/timeline"
        assert official.get(path).status_code == 503  # said plainly while it is away
        stack.start("consultation")

        def both_known():
            response = official.get(path)
            return response.status_code == 200 and {"entrepreneur_registered", "enterprise_registered"} <= {
                step["event_type"] for step in response.json()["events"]}
        eventually(both_known, timeout=40)
