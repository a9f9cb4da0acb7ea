"""The machine's own ceiling, measured in the same run as the system: what PostgreSQL and RabbitMQ
can do at all, so that every figure of the system can be read as a share of it."""

from __future__ import annotations

import threading
import time
import uuid

import psycopg2
from kombu import Connection, Exchange, Queue

from shared.migrate import drop_database, ensure_database

MESSAGE = {"event_id": str(uuid.uuid4()), "payload": "返乡创业" * 300}  # about an event's size


def postgres_commits(postgres_url: str, connections: int, seconds: float) -> float:
    """Single-row INSERT + COMMIT per transaction, `connections` at once: commits/s."""
    name = f"guiyan_ceiling_{uuid.uuid4().hex[:6]}"
    ensure_database(postgres_url, name)
    url = f"{postgres_url.rstrip('/')}/{name}"
    try:
        with psycopg2.connect(url) as setup:
            setup.cursor().execute("CREATE TABLE rows (id bigserial PRIMARY KEY, body text NOT NULL)")
        counts = [0] * connections
        stop = time.perf_counter() + seconds

        def writer(index: int) -> None:
            connection = psycopg2.connect(url)
            cursor = connection.cursor()
            while time.perf_counter() < stop:
                cursor.execute("INSERT INTO rows (body) VALUES (%s)", ("返乡创业登记",))
                connection.commit()
                counts[index] += 1
            connection.close()

        started = time.perf_counter()
        threads = [threading.Thread(target=writer, args=(n,)) for n in range(connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sum(counts) / (time.perf_counter() - started)
    finally:
        drop_database(postgres_url, name)


def broker_rates(amqp_uri: str, seconds: float) -> tuple[float, float]:
    """(confirmed publishes/s one at a time, consumes/s with an ack each) of an event-sized message."""
    queue = Queue(f"guiyan.ceiling.{uuid.uuid4().hex[:8]}", Exchange(""), durable=True, auto_delete=False)
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = connection.Producer(serializer="json")
        bound = queue(connection.default_channel)
        bound.declare()
        published = 0
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            producer.publish(MESSAGE, routing_key=queue.name, delivery_mode=2, retry=False)
            published += 1
        publishes = published / (time.perf_counter() - started)
        consumed = 0

        def take(body, message) -> None:
            nonlocal consumed
            message.ack()
            consumed += 1

        started = time.perf_counter()
        with connection.Consumer(bound, callbacks=[take], prefetch_count=100):
            while consumed < published:
                connection.drain_events(timeout=10)
        consumes = consumed / (time.perf_counter() - started)
        bound.delete()
    return publishes, consumes
