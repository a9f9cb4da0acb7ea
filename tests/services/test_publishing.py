"""RPC replies on held broker connections (shared.publishing), against real RabbitMQ: sent as nameko
sent them, a connection the broker closed or wrote on replaced before anything is written on it, and
every broker connection reading ahead."""

import uuid
from unittest import mock
from urllib.parse import quote

import amqp.transport
import pytest
import requests
from kombu import Connection, Exchange, Queue

from shared.publishing import (
    HeldPublisher,
    _still_open,
    buffer_broker_reads,
    close_held_connections,
    held_connections,
)
from tests.support.waiting import eventually


@pytest.fixture
def exchange(amqp_uri):
    exchange = Exchange(f"held-{uuid.uuid4().hex[:8]}", type="topic", durable=False, auto_delete=True)
    with Connection(amqp_uri) as connection:
        exchange.declare(channel=connection.default_channel)
    yield exchange
    close_held_connections()


def _bound(amqp_uri, exchange, routing_key) -> Queue:
    queue = Queue(f"held-{uuid.uuid4().hex[:8]}", exchange=exchange, routing_key=routing_key, auto_delete=False)
    with Connection(amqp_uri) as connection:
        queue(connection.default_channel).declare()
    return queue


def _take(amqp_uri, queue):
    with Connection(amqp_uri) as connection:
        return eventually(lambda: queue(connection.default_channel).get(no_ack=True), timeout=5)


def test_a_message_goes_with_its_headers_and_properties_and_the_connection_is_kept(amqp_uri, exchange):
    queue = _bound(amqp_uri, exchange, "finance.approve_loan")
    publisher = HeldPublisher(amqp_uri, delivery_mode=1)
    assert publisher.use_confirms is False
    for n in range(2):
        publisher.publish({"args": [n], "kwargs": {"amount": "1.00"}}, exchange=exchange,
                          routing_key="finance.approve_loan", mandatory=True, reply_to="rpc.reply-gateway",
                          correlation_id=f"c-{n}", extra_headers={"nameko.call_id_stack": ["gateway.x.1"]})
        message = _take(amqp_uri, queue)
        assert message.payload == {"args": [n], "kwargs": {"amount": "1.00"}}
        assert message.headers == {"nameko.call_id_stack": ["gateway.x.1"]}
        assert message.properties["correlation_id"] == f"c-{n}"
        assert message.properties["reply_to"] == "rpc.reply-gateway"
        assert message.content_type == "application/json" and message.properties["delivery_mode"] == 1
    pool = held_connections(amqp_uri)
    assert len(pool._idle) == 1  # both went on one connection, held open between them


def test_a_message_the_broker_returned_gets_its_connection_replaced(amqp_uri, exchange):
    """A reply with `mandatory` to a caller gone is returned on the held connection, which nobody
    reads: the connection is not lent again with that return unread in it."""
    queue = _bound(amqp_uri, exchange, "registry.ping")
    publisher = HeldPublisher(amqp_uri)
    publisher.publish({"result": 1}, exchange=exchange, routing_key="nobody.ping", mandatory=True)
    held, = held_connections(amqp_uri)._idle
    eventually(lambda: not _still_open(held[0]), timeout=5)  # the return has arrived
    publisher.publish({"result": 2}, exchange=exchange, routing_key="registry.ping", mandatory=True)
    assert _take(amqp_uri, queue).payload == {"result": 2}
    assert held_connections(amqp_uri)._idle[0] is not held


def test_a_reply_after_the_broker_closed_the_held_connection_goes_on_a_new_one(infra, vhost, amqp_uri, exchange):
    queue = _bound(amqp_uri, exchange, "reply-1")
    publisher = HeldPublisher(amqp_uri)
    publisher.publish({"result": 1, "error": None}, exchange=exchange, routing_key="reply-1")
    assert _take(amqp_uri, queue).payload == {"result": 1, "error": None}
    held, = held_connections(amqp_uri)._idle
    _close_every_connection(infra, vhost)
    eventually(lambda: not _still_open(held[0]), timeout=15)  # the broker's close has reached it
    publisher.publish({"result": 2, "error": None}, exchange=exchange, routing_key="reply-1")
    assert _take(amqp_uri, queue).payload == {"result": 2, "error": None}
    assert held_connections(amqp_uri)._idle[0] is not held


def _close_every_connection(infra, vhost) -> None:
    """The broker closes the vhost's connections (as in a restart), through its management API."""
    auth = infra._auth()
    url = f"{infra.management_url}/api/vhosts/{quote(vhost, safe='')}/connections"
    names = eventually(lambda: [c["name"] for c in requests.get(url, auth=auth, timeout=10).json()], timeout=15)
    for name in names:
        requests.delete(f"{infra.management_url}/api/connections/{quote(name, safe='')}", auth=auth, timeout=10)


@pytest.mark.parametrize("error", [OSError("Server unexpectedly closed connection"),
                                   ConnectionRefusedError(111, "ECONNREFUSED")])
def test_a_broker_away_or_a_connection_lost_is_a_transient_failure(amqp_uri, error):
    """The caller answers it with 503 and Retry-After, never 500 (py-amqp raises a bare OSError for a
    connection the broker closed, seen when the broker was cut under load)."""
    from shared.transient import is_transient

    pool = held_connections(amqp_uri)
    with mock.patch.object(pool, "_open", side_effect=error), pytest.raises(Exception) as caught:
        HeldPublisher(amqp_uri).publish({"args": []}, exchange="nameko-rpc", routing_key="finance.ping",
                                        mandatory=True)
    assert is_transient(caught.value), caught.value
    close_held_connections()


def test_a_broker_connection_reads_ahead_and_delivers_every_frame_whole_and_in_order(amqp_uri, exchange):
    """Reads ask for at least `READ_AHEAD_BYTES` (conftest has the process read as services do): a
    burst of small messages arrives in fewer reads than frames, a body larger than the read-ahead
    across several reads, and each message is delivered whole, in order, with nothing waited for
    that was already read."""
    buffer_broker_reads()  # once more: nothing changes
    assert amqp.transport.TCPTransport._setup_transport.reads_ahead
    queue = _bound(amqp_uri, exchange, "reads.ahead")
    bodies = [{"n": n, "text": "归雁" * (n % 7) * 50} for n in range(40)] + [{"n": 40, "text": "大" * 30_000}]
    with Connection(amqp_uri) as connection:
        producer = connection.Producer(exchange=exchange)
        for body in bodies:
            producer.publish(body, routing_key="reads.ahead", serializer="json")
    with Connection(amqp_uri) as connection:
        connection.connect()
        transport = connection.connection.transport
        asked: list[int] = []
        recv = transport._quick_recv

        def counting(wanted: int) -> bytes:
            asked.append(wanted)
            return recv(wanted)

        transport._quick_recv = counting
        got = []
        with connection.Consumer(queue, callbacks=[lambda body, message: (got.append(body), message.ack())],
                                 prefetch_count=len(bodies)):
            eventually(lambda: connection.drain_events(timeout=1) or len(got) == len(bodies), timeout=10,
                       interval=0, ignoring=(TimeoutError,))
    assert got == bodies
    frames = 3 * len(bodies)  # a method, a header and a body frame each (the last body in several)
    assert len(asked) < frames
    assert transport._read_buffer == b""


def test_acknowledgements_written_together_go_in_one_write_and_all_count(amqp_uri, exchange):
    """A batch's acknowledgements are held and written as one (shared.messaging's batches): the
    broker takes every one of them, and a delivery left unacknowledged comes again."""
    from shared.publishing import written_together

    queue = _bound(amqp_uri, exchange, "acks.together")
    with Connection(amqp_uri) as connection:
        producer = connection.Producer(serializer="json")
        for n in range(12):
            producer.publish({"n": n}, exchange=exchange, routing_key="acks.together")
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        bound = queue(channel)
        messages = [eventually(lambda: bound.get(no_ack=False), timeout=5) for _ in range(12)]
        transport = channel.connection.transport
        with mock.patch.object(transport, "_write", wraps=transport._write) as written:
            with written_together(channel.connection):
                for message in messages[:11]:
                    message.ack()
                assert written.call_count == 0  # held
            assert written.call_count == 1
        assert "_write" in vars(transport) and transport._held_frames is None
    with Connection(amqp_uri) as connection:  # the twelfth, never acknowledged, comes again alone
        bound = queue(connection.channel())
        again = eventually(lambda: bound.get(no_ack=True), timeout=5)
        assert again.payload == {"n": 11}
        assert bound.get(no_ack=True) is None

