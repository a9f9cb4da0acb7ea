"""A process at rest wakes rarely: its consumers read for IDLE_READ_SECONDS at a time, its relay and
sweeps look at long intervals, and what needs doing sooner wakes them (issue 14's idle CPU)."""

import eventlet
import pytest
import sqlalchemy as sa
from nameko.containers import ServiceContainer
from sqlalchemy.orm import sessionmaker

from shared import clock, wakes
from shared.contracts.registry import EntrepreneurRegistered
from shared.db import UnitOfWork, after_commit
from shared.events import make_event
from shared.messaging import IDLE_READ_SECONDS
from shared.nameko_base import SteadyRpc, sweep
from shared.outbox import add_all_to_outbox, release_held
from shared.outbox import outbox as outbox_table
from tests.support import recorder
from tests.support.recorder import RecorderService
from tests.support.waiting import eventually

RUNS: list[str] = []
NEXT: list[float | None] = []


class SweepingService:
    name = "sweeping"

    @sweep(interval=60)
    def look(self):
        RUNS.append("look")
        return NEXT.pop(0) if NEXT else None

    @SteadyRpc.decorator
    def ping(self):
        return "pong"


@pytest.fixture
def sweeping(service_config):
    RUNS.clear()
    NEXT.clear()
    container = ServiceContainer(SweepingService, service_config)
    container.start()
    yield container
    container.stop()


def test_a_sweep_runs_when_woken_and_again_when_it_says_its_work_is_due(sweeping):
    eventlet.sleep(0.3)
    assert RUNS == []  # its interval is a minute
    NEXT.extend([0.2, None])  # the first run has more to do in 0.2 s; the second has nothing
    wakes.wake("look")
    eventually(lambda: RUNS == ["look", "look"], timeout=5, message="woken, then run again when due")
    eventlet.sleep(0.5)
    assert RUNS == ["look", "look"]  # then it rests for its interval
    wakes.wake("no_such_sweep")  # nothing of this process's: nothing happens


def test_wakes_that_may_wait_a_little_are_gathered_into_one_run(sweeping):
    """Texts queued by many handlers within a second go out in one sweep, not one sweep each."""
    for _ in range(20):
        wakes.wake("look", within=0.5)
        eventlet.sleep(0.01)
    assert RUNS == []  # not yet: within half a second of the first wake
    eventually(lambda: RUNS == ["look"], timeout=3, message="the gathered wakes run the sweep")
    eventlet.sleep(0.7)
    assert RUNS == ["look"]  # once for all twenty
    wakes.wake("look", within=30)
    wakes.wake("look")  # a wake that cannot wait brings the run forward
    eventually(lambda: RUNS == ["look", "look"], timeout=2, message="run at once")
    eventlet.sleep(0.3)
    assert RUNS == ["look", "look"]  # the later wake is the same run


def test_a_stopping_service_does_not_wait_out_its_consumers_idle_read(service_config, databases):
    """Its consumers read for IDLE_READ_SECONDS at a time; a stop cancels them at once."""
    recorder.create_table(databases["registry"])
    container = ServiceContainer(RecorderService, {**service_config, "DATABASE_URL": databases["registry"]})
    container.start()
    eventlet.sleep(1.0)  # every consumer is in its idle read by now
    with eventlet.Timeout(IDLE_READ_SECONDS / 3, exception=AssertionError("the stop waited out the idle read")):
        container.stop()


def test_after_commit_runs_once_the_unit_of_work_has_committed_and_never_after_a_rollback(databases):
    engine = sa.create_engine(databases["registry"].replace("postgresql://", "postgresql+psycopg2://", 1))
    done: list[str] = []
    factory = sessionmaker(engine)
    with UnitOfWork(factory, "registry") as uow:
        after_commit(uow.session, lambda: done.append("committed"))
        uow.session.execute(sa.text("SELECT 1"))
        assert done == []
        uow.commit()
    assert done == ["committed"]
    with pytest.raises(RuntimeError), UnitOfWork(factory, "registry") as uow:
        after_commit(uow.session, lambda: done.append("rolled back"))
        raise RuntimeError("the command failed")
    assert done == ["committed"]
    engine.dispose()


def test_released_events_make_this_processs_relays_look_at_once(databases, monkeypatch):
    """An import's held events become due by an UPDATE that hands nothing over: the relays of the
    process that released them look as soon as it commits, not at their next periodic look."""
    looks: list[str] = []
    monkeypatch.setattr(wakes, "_listening", {wakes.RELAYS: [lambda within: looks.append("look")]})
    engine = sa.create_engine(databases["registry"].replace("postgresql://", "postgresql+psycopg2://", 1))
    factory = sessionmaker(engine)
    event = make_event(EntrepreneurRegistered(
        entrepreneur_id="e-held", name="测试", region_code="511011101201", household_region_code="511011101201",
        categories=[], education="college", skills=[], return_date=None,
        registered_at=clock.utcnow()))
    with factory() as session:
        add_all_to_outbox(session, [event], held=True)
        session.commit()
    with UnitOfWork(factory, "registry") as uow:
        assert release_held(uow.session) >= 1
        assert looks == []  # not before the commit
        uow.commit()
    assert looks == ["look"]
    with UnitOfWork(factory, "registry") as uow:  # nothing held now: nothing to look for
        assert release_held(uow.session) == 0
        uow.commit()
    assert looks == ["look"]
    with engine.begin() as connection:  # not left for the next test's relay to publish
        connection.execute(outbox_table.delete().where(outbox_table.c.event_id == event.event_id))
    engine.dispose()


def test_an_rpc_entrypoint_still_answers_after_its_consumer_has_rested(sweeping, service_config):
    from nameko.standalone.rpc import ClusterRpcProxy

    eventlet.sleep(1.0)
    with ClusterRpcProxy(service_config) as proxy:
        assert proxy.sweeping.ping() == "pong"
