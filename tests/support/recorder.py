"""A consumer of registry events for tests: records each event it handles, or misbehaves on cue.

`RECORDER_BEHAVIOUR` (nameko config or environment): "ok" records; "fail" raises after writing;
"slow" writes, touches `RECORDER_MARKER`, then sleeps before committing (to be killed mid-handler).
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

recorded = sa.table("recorded_events", sa.column("event_id"), sa.column("entrepreneur_id"))
CREATE = """CREATE TABLE IF NOT EXISTS recorded_events (
    event_id varchar(36) NOT NULL, entrepreneur_id varchar(36) NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now())"""


def create_table(database_url: str) -> None:
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg2://", 1))
    with engine.begin() as connection:
        connection.execute(sa.text(CREATE))
    engine.dispose()


def count(database_url: str, entrepreneur_id: str) -> int:
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg2://", 1))
    with engine.connect() as connection:
        total = connection.scalar(sa.text(
            "SELECT count(*) FROM recorded_events WHERE entrepreneur_id = :e"), {"e": entrepreneur_id})
    engine.dispose()
    return total


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
        if behaviour == "fail":
            raise RuntimeError("recorder was told to fail")
        if behaviour == "slow":
            uow.session.flush()
            Path(os.environ["RECORDER_MARKER"]).write_text(envelope.event_id)
            eventlet.sleep(float(os.environ.get("RECORDER_SLOW_SECONDS", "60")))


def main() -> None:
    from nameko.runners import ServiceRunner

    from shared.runner import nameko_config

    runner = ServiceRunner(nameko_config("registry"))
    runner.add_service(RecorderService)
    signal.signal(signal.SIGTERM, lambda *_: eventlet.spawn_n(runner.stop))
    runner.start()
    runner.wait()


if __name__ == "__main__":
    main()
