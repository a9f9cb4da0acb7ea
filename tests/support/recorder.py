"""A consumer of registry events for tests: records each event it handles, or misbehaves on cue.

`RECORDER_BEHAVIOUR` (nameko config or environment): "ok" records; "fail" raises after writing;
"slow" writes, touches `RECORDER_MARKER`, then sleeps before committing (to be killed mid-handler);
"outage:N" fails the first N deliveries of each event as a database that is away would (too many
clients), then records; "poison:<entrepreneur id>" fails every delivery about that entrepreneur and
records the others. Each row keeps the transaction that wrote it (several events share one when
they arrive together).
Run as a process with `python -m tests.support.recorder` (AMQP URI and database from GUIYAN_*).
"""

import eventlet

if __name__ == "__main__":
    eventlet.monkey_patch()  # only as a process of its own; importing it must not patch pytest

import os  # noqa: E402
import signal  # noqa: E402
from pathlib import Path  # noqa: E402

import sqlalchemy as sa  # noqa: E402
from nameko.dependency_providers import Config  # noqa: E402

from shared.db import Database  # noqa: E402
from shared.messaging import event_handler, idempotent  # noqa: E402

CALLS: list[str] = []  # in-process tests count deliveries here
CONSUMER = "recorder.handle_entrepreneur_registered"
QUEUE = f"evt-registry-entrepreneur_registered--{CONSUMER}"

recorded = sa.table("recorded_events", sa.column("event_id"), sa.column("entrepreneur_id"))
CREATE = """CREATE TABLE IF NOT EXISTS recorded_events (
    event_id varchar(36) NOT NULL, entrepreneur_id varchar(36) NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(), tx bigint NOT NULL DEFAULT txid_current())"""


def create_table(database_url: str) -> None:
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg2://", 1))
    with engine.begin() as connection:
        connection.execute(sa.text(CREATE))
    engine.dispose()


def _scalar(database_url: str, query: str, entrepreneur_id: str):
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg2://", 1))
    with engine.connect() as connection:
        value = connection.scalar(sa.text(query), {"e": entrepreneur_id, "consumer": CONSUMER})
    engine.dispose()
    return value


def count(database_url: str, entrepreneur_id: str) -> int:
    return _scalar(database_url, "SELECT count(*) FROM recorded_events WHERE entrepreneur_id = :e",
                   entrepreneur_id)


def registration_event_id(database_url: str, entrepreneur_id: str) -> str | None:
    """The id of the registration's event, from the registry's outbox."""
    return _scalar(database_url, "SELECT event_id FROM outbox WHERE event_type = 'entrepreneur_registered'"
                   " AND envelope->'payload'->>'entrepreneur_id' = :e", entrepreneur_id)


# recorded, in the recorder's inbox, and marked sent in the registry's outbox (same database)
SETTLED = """SELECT count(*) FROM recorded_events r
    JOIN inbox i ON i.event_id = r.event_id AND i.consumer = :consumer
    JOIN outbox o ON o.event_id = r.event_id AND o.sent_at IS NOT NULL
    WHERE r.entrepreneur_id = :e"""


def assert_handled_exactly_once(database_url: str, infra, vhost: str, entrepreneur_id: str,
                                timeout: float = 30.0) -> None:
    """Recorded once, and nothing more can come: the relay is done and the recorder's queue is settled."""
    from tests.support.waiting import eventually, queue_settled

    eventually(lambda: _scalar(database_url, SETTLED, entrepreneur_id), timeout=timeout,
               message=f"the registration of {entrepreneur_id} recorded, in the inbox and sent")
    eventually(lambda: queue_settled(infra, vhost, QUEUE), timeout=timeout,
               message=f"{QUEUE} empty with every message acknowledged")
    assert count(database_url, entrepreneur_id) == 1


class RecorderService:
    name = "recorder"
    db = Database("registry")  # reuses the registry's test database for its inbox and table
    config = Config()

    def behaviour(self) -> str:
        return self.config.get("RECORDER_BEHAVIOUR") or os.environ.get("RECORDER_BEHAVIOUR", "ok")

    @event_handler("registry", "entrepreneur_registered")
    @idempotent
    def handle_entrepreneur_registered(self, uow, payload, envelope):
        CALLS.append(envelope.event_id)
        uow.session.execute(recorded.insert().values(
            event_id=envelope.event_id, entrepreneur_id=payload.entrepreneur_id))
        behaviour = self.behaviour()
        if behaviour.startswith("outage:") and CALLS.count(envelope.event_id) <= int(behaviour[7:]):
            raise sa.exc.OperationalError("INSERT INTO recorded_events", {},
                                          Exception("FATAL: sorry, too many clients already"))
        if behaviour == "fail":
            raise RuntimeError("recorder was told to fail")
        if behaviour == f"poison:{payload.entrepreneur_id}":
            raise RuntimeError("recorder was told this event is poison")
        if behaviour == "slow":
            uow.session.flush()
            Path(os.environ["RECORDER_MARKER"]).write_text(envelope.event_id)
            eventlet.sleep(float(os.environ.get("RECORDER_SLOW_SECONDS", "60")))


def main() -> None:
    from nameko.runners import ServiceRunner

    from guiyan.runner import nameko_config

    runner = ServiceRunner(nameko_config("registry"))
    runner.add_service(RecorderService)
    signal.signal(signal.SIGTERM, lambda *_: eventlet.spawn_n(runner.stop))
    runner.start()
    runner.wait()


if __name__ == "__main__":
    main()
