"""The parking queue, for operators: list parked messages, replay them to their queue, or discard
one that can never be applied (an undecodable body). The CLI (`guiyan parking …`) and the
administrator's page both use these."""

from __future__ import annotations

from kombu import Connection, Queue

from shared.messaging import (
    ATTEMPTS_HEADER,
    ERROR_HEADER,
    FIRST_FAILED_HEADER,
    ORIGIN_HEADER,
    PARKED_AT_HEADER,
    PARKING_ID_HEADER,
    PARKING_QUEUE,
    parking_queue,
    republish,
)

BODY_SHOWN = 500  # characters of an undecodable body shown to the operator


def _payload(message):
    try:
        return message.decode()
    except Exception:  # parked because it cannot be decoded
        return None


def _describe(message) -> dict:
    headers = message.headers or {}
    payload = _payload(message)
    body = payload if isinstance(payload, dict) else {}
    raw = None
    if not isinstance(payload, dict):  # not an event: show what it holds
        raw = message.body.decode("utf-8", "replace") if isinstance(message.body, bytes) else str(message.body)
    return {
        "parking_id": headers.get(PARKING_ID_HEADER) or body.get("event_id"),
        "event_id": body.get("event_id"),
        "event_type": body.get("event_type"),
        "origin_queue": headers.get(ORIGIN_HEADER),
        "attempts": headers.get(ATTEMPTS_HEADER),
        "error": headers.get(ERROR_HEADER),
        "parked_at": headers.get(PARKED_AT_HEADER),
        "content_type": message.content_type,
        "body": raw[:BODY_SHOWN] if raw is not None else None,
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


def _take(amqp_uri: str, wanted: str | None, act) -> list[dict]:
    """`act(message, info)` then ack, for every parked message (or the one whose parking id or
    event id is `wanted`); the others stay parked."""
    done = []
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        queue = parking_queue()(channel)
        queue.declare()
        while (message := queue.get(no_ack=False)) is not None:
            info = _describe(message)
            if wanted is not None and wanted not in (info["parking_id"], info["event_id"]):
                continue
            act(message, info)
            message.ack()
            done.append(info)
        channel.close()
    return done


def replay(amqp_uri: str, wanted: str | None = None) -> list[dict]:
    """Send parked messages (all, or one by parking id or event id) back to their origin queue
    with a fresh count."""
    def send_back(message, info):
        headers = {k: v for k, v in (message.headers or {}).items()
                   if k not in (ATTEMPTS_HEADER, PARKED_AT_HEADER, ERROR_HEADER, PARKING_ID_HEADER,
                                FIRST_FAILED_HEADER)}
        republish(amqp_uri, message.body, headers, Queue(info["origin_queue"], no_declare=True),
                  content_type=message.content_type, content_encoding=message.content_encoding)

    return _take(amqp_uri, wanted, send_back)


def discard(amqp_uri: str, parking_id: str) -> list[dict]:
    """Throw away one parked message (one that can never be applied); what was discarded."""
    return _take(amqp_uri, parking_id, lambda message, info: None)


__all__ = ["PARKING_QUEUE", "discard", "list_parked", "replay"]
