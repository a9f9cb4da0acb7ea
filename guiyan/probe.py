"""Kubernetes probes for the nameko services, which have no HTTP port.

`python -m guiyan.probe SERVICE` exits 0 when the service answers its `ping` RPC over the broker
(readiness); with `--liveness` a broker that cannot be reached counts as alive too, since
restarting the service would not bring the broker back and nameko reconnects by itself;
`--migrated` exits 0 when the service's database has every migration this image knows (an init
container's wait, as compose waits for its `migrate` container).

The ping runs inside the service's container and counts against its memory limit, so it speaks
nameko's RPC wire format with py-amqp (about 20 MB) instead of importing nameko (about 45 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from urllib.parse import unquote, urlparse

import amqp

RPC_EXCHANGE = "nameko-rpc"  # nameko's default `rpc_exchange`, which the services keep
AMQP_URI_VARIABLE = "GUIYAN_AMQP_URI"  # ServiceSettings.amqp_uri; a unit test keeps them in step
ANSWERS, SILENT, NO_BROKER = "answers", "silent", "no broker"


def broker_parameters(amqp_uri: str) -> dict:
    """py-amqp's connection arguments for a URI as kombu reads it (no path: the vhost `/`)."""
    parsed = urlparse(amqp_uri)
    port = parsed.port or (5671 if parsed.scheme == "amqps" else 5672)
    return {"host": f"{parsed.hostname or 'localhost'}:{port}", "ssl": parsed.scheme == "amqps",
            "userid": unquote(parsed.username or "guest"), "password": unquote(parsed.password or "guest"),
            "virtual_host": unquote(parsed.path[1:]) or "/"}


def ping(amqp_uri: str, service: str, timeout: float = 3.0) -> str:
    """ANSWERS when `service` replies "pong" within `timeout` seconds, else SILENT or NO_BROKER."""
    connection = amqp.Connection(**broker_parameters(amqp_uri), connect_timeout=timeout)
    try:
        connection.connect()
    except (OSError, amqp.exceptions.AMQPError):  # refused, unknown host, credentials refused
        return NO_BROKER
    try:
        return ANSWERS if _call_ping(connection, service, timeout) == "pong" else SILENT
    except (OSError, amqp.exceptions.AMQPError):  # socket.timeout is an OSError
        return SILENT
    finally:
        try:
            connection.close()
        except (OSError, amqp.exceptions.AMQPError):
            pass


def _call_ping(connection: amqp.Connection, service: str, timeout: float):
    """What nameko's RPC proxy does: publish to `<service>.ping`, wait for the correlated reply."""
    deadline = time.monotonic() + timeout
    channel = connection.channel()
    channel.exchange_declare(RPC_EXCHANGE, "topic", durable=True, auto_delete=False)
    reply_queue, _, _ = channel.queue_declare(exclusive=True)  # exclusive: classic on any vhost
    reply_to, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
    channel.queue_bind(reply_queue, RPC_EXCHANGE, routing_key=reply_to)
    replies: list[amqp.Message] = []
    channel.basic_consume(reply_queue, no_ack=True, callback=lambda message: replies.append(message)
                          if message.properties.get("correlation_id") == correlation_id else None)
    request = amqp.Message(json.dumps({"args": [], "kwargs": {}}), content_type="application/json",
                           content_encoding="utf-8", reply_to=reply_to, correlation_id=correlation_id,
                           expiration=str(int(timeout * 1000)))  # a stopped service finds no old pings
    channel.basic_publish(request, exchange=RPC_EXCHANGE, routing_key=f"{service}.ping")
    while not replies:
        connection.drain_events(timeout=max(deadline - time.monotonic(), 0.01))
    return json.loads(replies[0].body).get("result")


def migrated(service: str) -> bool:
    """Whether the service's database has every migration this code knows (or a newer one)."""
    import sqlalchemy as sa
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from shared.migrate import alembic_config
    from shared.settings import ServiceSettings

    url = ServiceSettings().database_url(service)
    script = ScriptDirectory.from_config(alembic_config(service, url))
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except sa.exc.OperationalError:  # the server or the database is not there yet
        return False
    finally:
        engine.dispose()
    known = {revision.revision for revision in script.walk_revisions()}
    return bool(current - known) or current == set(script.get_heads())


def amqp_uri() -> str:
    if os.environ.get(AMQP_URI_VARIABLE):
        return os.environ[AMQP_URI_VARIABLE]
    from shared.settings import ServiceSettings  # pydantic only when the variable is unset

    return ServiceSettings().amqp_uri


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m guiyan.probe", description=__doc__.splitlines()[0])
    parser.add_argument("service")
    parser.add_argument("--liveness", action="store_true", help="a broker out of reach counts as alive")
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for the answer")
    parser.add_argument("--migrated", action="store_true", help="check the database, not the broker")
    parser.add_argument("--wait", type=float, default=0.0, help="with --migrated: keep trying this long")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if args.migrated:
        return _wait_until_migrated(args.service, args.wait)
    outcome = ping(amqp_uri(), args.service, args.timeout)
    print(f"{args.service}: {outcome}", file=sys.stderr)
    return 0 if outcome == ANSWERS or (args.liveness and outcome == NO_BROKER) else 1


def _wait_until_migrated(service: str, wait: float) -> int:
    deadline = time.monotonic() + wait
    while not migrated(service):
        if time.monotonic() >= deadline:
            print(f"{service}: database not migrated yet (run the guiyan-migrate Job)", file=sys.stderr)
            return 1
        time.sleep(2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
