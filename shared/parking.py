"""The parking queue, for operators: list parked messages and replay them to their queue."""

from __future__ import annotations

from kombu import Connection, Queue

from shared.messaging import (
    ATTEMPTS_HEADER,
    ERROR_HEADER,
    ORIGIN_HEADER,
    PARKED_AT_HEADER,
    PARKING_QUEUE,
    parking_queue,
    republish,
)


def _describe(message) -> dict:
    headers = message.headers or {}
    body = message.payload if isinstance(message.payload, dict) else {}
    return {
        "event_id": body.get("event_id"),
        "event_type": body.get("event_type"),
        "origin_queue": headers.get(ORIGIN_HEADER),
        "attempts": headers.get(ATTEMPTS_HEADER),
        "error": headers.get(ERROR_HEADER),
        "parked_at": headers.get(PARKED_AT_HEADER),
    }


def list_parked(amqp_uri: str) -> list[dict]:
    """Every parked message, left in place (unacked reads are returned when the channel closes)."""
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        queue = parking_queue()(channel)
        queue.declare()
        found = []
        while (message := queue.get(no_ack=False)) is not None:
            found.append(_describe(message))
        channel.close()
    return found


def replay(amqp_uri: str, event_id: str | None = None) -> list[dict]:
    """Send parked messages (all, or one event) back to their origin queue with a fresh count."""
    replayed = []
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        queue = parking_queue()(channel)
        queue.declare()
        while (message := queue.get(no_ack=False)) is not None:
            info = _describe(message)
            if event_id is not None and info["event_id"] != event_id:
                continue
            headers = {k: v for k, v in (message.headers or {}).items()
                       if k not in (ATTEMPTS_HEADER, PARKED_AT_HEADER, ERROR_HEADER)}
            republish(amqp_uri, message.payload, headers, Queue(info["origin_queue"], no_declare=True))
            message.ack()
            replayed.append(info)
        channel.close()
    return replayed


__all__ = ["PARKING_QUEUE", "list_parked", "replay"]
