"""A reply that cannot be sent because the broker went away must not stop the whole service.

nameko lets the error of a reply's publish end the worker's thread, and a thread that ends with an
error kills the container: under load, a broker restart stopped the registry for good (seen in a
real broker restart, tests/reliability/test_outages.py). SteadyRpc logs the lost reply instead.
"""

from unittest import mock

import pytest
from kombu.exceptions import OperationalError

from shared.nameko_base import SteadyRpc


def entrypoint(error: Exception) -> SteadyRpc:
    rpc = SteadyRpc()
    rpc.method_name = "create_entrepreneur"
    rpc.rpc_consumer = mock.Mock(**{"handle_result.side_effect": error})
    return rpc


def test_a_reply_lost_with_the_broker_is_logged_not_raised():
    rpc = entrypoint(OperationalError("[Errno 111] ECONNREFUSED"))
    assert rpc.handle_result(mock.Mock(), mock.Mock(), {"id": "e-1"}, None) == ({"id": "e-1"}, None)


def test_any_other_failure_still_raises():
    rpc = entrypoint(RuntimeError("a bug"))
    with pytest.raises(RuntimeError, match="a bug"):
        rpc.handle_result(mock.Mock(), mock.Mock(), {"id": "e-1"}, None)


def test_replies_go_without_publisher_confirms_and_straight_to_a_direct_caller():
    """A confirm of a reply tells the service, which can do nothing with it. A caller of
    shared.direct_rpc is answered on the default exchange (the only way to its channel); any other
    caller, nameko's standalone proxies, through the RPC exchange to its reply queue."""
    from shared.nameko_base import QuickReplyRpcConsumer, ReplyPublisher, ReplyResponder

    assert isinstance(SteadyRpc.rpc_consumer, QuickReplyRpcConsumer)
    assert ReplyResponder.publisher_cls is ReplyPublisher and ReplyPublisher.use_confirms is False
    sent = []

    class Recording:
        def __init__(self, *args, **kwargs):
            pass

        def publish(self, payload, **kwargs):
            sent.append((kwargs["exchange"], kwargs["routing_key"]))

    rpc_exchange = mock.Mock(name="nameko-rpc")
    for reply_to in ("amq.rabbitmq.reply-to.g1h2AA5yZXBseQ==", "rpc.reply-standalone_rpc_proxy-1"):
        message = mock.Mock(properties={"content_type": "application/json", "reply_to": reply_to,
                                        "correlation_id": "c"})
        responder = ReplyResponder("amqp://x", rpc_exchange, "json", message)
        responder.publisher_cls = Recording
        responder.send_response({"id": "e-1"}, None)
    assert sent == [("", "amq.rabbitmq.reply-to.g1h2AA5yZXBseQ=="), (rpc_exchange, "rpc.reply-standalone_rpc_proxy-1")]


def test_a_result_is_serialized_once_and_one_that_cannot_be_is_answered_as_an_error():
    from shared.nameko_base import ReplyResponder

    message = mock.Mock(properties={"content_type": "application/json", "reply_to": "r", "correlation_id": "c"})
    responder = ReplyResponder("amqp://x", mock.Mock(), "json", message)
    sent = []

    class Recording:
        def __init__(self, *args, **kwargs):
            pass

        def publish(self, payload, serializer, **kwargs):
            import kombu.serialization

            kombu.serialization.dumps(payload, serializer)  # raises EncodeError as kombu's publish would
            sent.append(payload)

    responder.publisher_cls = Recording
    assert responder.send_response({"id": "e-1"}, None) == ({"id": "e-1"}, None)
    result, exc_info = responder.send_response({"when": object()}, None)
    assert result is None and exc_info is not None
    assert sent[0] == {"result": {"id": "e-1"}, "error": None}
    assert sent[1]["result"] is None and sent[1]["error"]["exc_type"] == "UnserializableValueError"


@pytest.mark.parametrize("error", [ConnectionResetError(104, "Connection reset by peer"),
                                   BrokenPipeError(32, "Broken pipe")])
def test_an_acknowledgement_lost_with_the_broker_is_logged_and_the_consumer_lives_on(error):
    """nameko passes over only amqp's ConnectionError: the socket's own, while the broker restarts,
    ended the gateway's reply listener about one broker restart in seven, and the gateway with it."""
    from shared.messaging import SteadyQueueConsumer

    consumer = SteadyQueueConsumer()
    message = mock.Mock(**{"ack.side_effect": error, "requeue.side_effect": error}, delivery_info={})
    consumer.ack_message(message)
    consumer.requeue_message(message)
    assert message.ack.called and message.requeue.called

    message = mock.Mock(**{"ack.side_effect": RuntimeError("a bug")}, delivery_info={})
    with pytest.raises(RuntimeError, match="a bug"):
        consumer.ack_message(message)


def test_every_consumer_of_every_service_is_steady():
    """Event handlers and RPC entrypoints. The gateway has none: its calls are answered on their own
    channel (shared.direct_rpc), with no reply queue or listener of nameko's."""
    from nameko.containers import ServiceContainer
    from nameko.messaging import QueueConsumer

    from shared.messaging import SteadyQueueConsumer
    from tests.support.services import service_classes

    for name, service in service_classes().items():
        container = ServiceContainer(service, {"AMQP_URI": "memory://"})
        consumers = [ext for ext in container.subextensions if isinstance(ext, QueueConsumer)]
        assert bool(consumers) == (name != "gateway"), (name, consumers)
        assert all(isinstance(ext, SteadyQueueConsumer) for ext in consumers), (name, consumers)


def test_each_call_is_checked_against_the_methods_signature_as_nameko_checks_it():
    """The signature is worked out once, not per call; what passes and what fails is nameko's own
    check's (`Entrypoint.check_signature`), its error the same."""
    import functools

    from nameko.exceptions import IncorrectSignature
    from nameko.extensions import Entrypoint

    def wrapped(method):
        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            return method(*args, **kwargs)
        return wrapper

    class Service:
        def approve(self, actor, loan_id, data, idempotency_key=None):
            pass

        @wrapped
        def read(self, actor, loan_id):
            pass

    calls = [((1, 2, 3), {}), ((1, 2, 3, 4), {}), ((1, 2), {"data": 3}), ((1, 2), {}), ((1, 2, 3, 4, 5), {}),
             ((1,), {"loan": 2}), ((), {})]
    for name in ("approve", "read"):
        ours, theirs = SteadyRpc(), Entrypoint()
        for made in (ours, theirs):
            made.container, made.method_name = mock.Mock(service_cls=Service), name
        for args, kwargs in calls:
            outcomes = []
            for made in (ours, theirs):
                try:
                    made.check_signature(args, kwargs)
                    outcomes.append("ok")
                except IncorrectSignature as exc:
                    outcomes.append(str(exc))
            assert outcomes[0] == outcomes[1], (name, args, kwargs)
    assert ours._signature is not None  # worked out once, kept
