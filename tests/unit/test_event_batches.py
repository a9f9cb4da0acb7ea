"""A handler's batches go on whatever happens to one: an acknowledgement lost with the broker (seen in
a real broker restart, tests/reliability/test_outages.py) must not leave the handler busy for good."""

from unittest import mock

import eventlet

from shared.messaging import Batch, ReliableEventHandler


def handler(batch_wait: float = 0) -> ReliableEventHandler:
    entrypoint = ReliableEventHandler("registry", "entrepreneur_registered")
    entrypoint._batch_wait = batch_wait  # EVENT_BATCH_WAIT_MS, as setup reads it
    entrypoint.container = mock.Mock()
    entrypoint.queue_consumer = mock.Mock()
    entrypoint.queue = mock.Mock()
    entrypoint.queue.name = "evt-registry-entrepreneur_registered--test.handle"
    entrypoint.unpack_message_headers = mock.Mock(return_value={})
    return entrypoint


def test_deliveries_wait_while_a_batch_runs_and_go_next_together():
    entrypoint = handler()
    entrypoint.handle_message({"event_id": "e-1"}, "m-1")
    entrypoint.handle_message({"event_id": "e-2"}, "m-2")
    entrypoint.handle_message({"event_id": "e-3"}, "m-3")
    first = entrypoint.container.spawn_worker.call_args_list[0][0][1][0]
    assert first == Batch([{"event_id": "e-1"}]) and entrypoint.container.spawn_worker.call_count == 1
    entrypoint.handle_batch_result(["m-1"], mock.Mock(), [None])
    assert entrypoint.container.spawn_worker.call_count == 2
    second = entrypoint.container.spawn_worker.call_args_list[1][0][1][0]
    assert second == Batch([{"event_id": "e-2"}, {"event_id": "e-3"}])
    entrypoint.queue_consumer.ack_message.assert_called_once_with("m-1")


def test_an_acknowledgement_lost_with_the_broker_leaves_the_handler_free_for_the_next_batch():
    entrypoint = handler()
    entrypoint.queue_consumer.ack_message.side_effect = ConnectionResetError(104, "Connection reset by peer")
    entrypoint.handle_message({"event_id": "e-1"}, "m-1")
    entrypoint.handle_message({"event_id": "e-2"}, "m-2")
    entrypoint.handle_batch_result(["m-1"], mock.Mock(), [None])  # does not raise
    assert entrypoint.container.spawn_worker.call_count == 2  # the waiting one went on
    entrypoint.queue_consumer.ack_message.side_effect = None
    entrypoint.handle_batch_result(["m-2"], mock.Mock(), [None])
    assert not entrypoint._busy and entrypoint._waiting == []


def test_a_batch_that_cannot_start_gives_its_messages_back():
    entrypoint = handler()
    entrypoint.container.spawn_worker.side_effect = RuntimeError("container being killed")
    entrypoint.handle_message({"event_id": "e-1"}, "m-1")
    entrypoint.queue_consumer.requeue_message.assert_called_once_with("m-1")
    assert not entrypoint._busy


def test_a_delivery_that_finds_the_handler_idle_waits_a_moment_for_company():
    entrypoint = handler(batch_wait=0.05)
    entrypoint.queue_consumer.prefetch_count = 10
    for n in range(3):
        entrypoint.handle_message({"event_id": f"e-{n}"}, f"m-{n}")
    assert entrypoint.container.spawn_worker.call_count == 0
    eventlet.sleep(0.1)
    assert entrypoint.container.spawn_worker.call_count == 1
    assert entrypoint.container.spawn_worker.call_args[0][1][0] == Batch([{"event_id": f"e-{n}"} for n in range(3)])


def test_a_batch_as_large_as_the_prefetch_goes_at_once_and_a_stop_gives_the_waiting_back():
    entrypoint = handler(batch_wait=10)
    entrypoint.queue_consumer.prefetch_count = 2
    entrypoint.handle_message({"event_id": "e-1"}, "m-1")
    entrypoint.handle_message({"event_id": "e-2"}, "m-2")
    assert entrypoint.container.spawn_worker.call_count == 1
    entrypoint.handle_batch_result(["m-1", "m-2"], mock.Mock(), [None, None])
    entrypoint.handle_message({"event_id": "e-3"}, "m-3")
    entrypoint.queue_consumer.prefetch_count = 10
    entrypoint.stop()
    entrypoint.queue_consumer.requeue_message.assert_called_once_with("m-3")
    assert entrypoint._timer is None and entrypoint.container.spawn_worker.call_count == 1


class _Transport:
    """py-amqp's transport as far as a held write sees it: `write` goes through `_write`."""

    def __init__(self):
        self.sent: list[bytes] = []
        self._write = self.sent.append

    def write(self, data: bytes) -> None:
        self._write(data)


def _on(transport: _Transport, name: str):
    message = mock.Mock(name=name)
    message.channel.connection.transport = transport
    return message


def test_a_batch_applied_whole_is_acknowledged_in_one_write_and_one_with_a_failure_as_it_goes():
    transport = _Transport()
    entrypoint = handler()
    entrypoint.queue_consumer.ack_message.side_effect = lambda message: transport.write(b"ack;")
    entrypoint.retry_or_park = mock.Mock()
    together = [_on(transport, "m-1"), _on(transport, "m-2"), _on(transport, "m-3")]
    for message in together:
        message.channel.connection = together[0].channel.connection  # one connection, as in a process
    entrypoint.handle_batch_result(together, mock.Mock(), [None, None, None])
    assert transport.sent == [b"ack;ack;ack;"]
    assert "_write" in vars(transport) and transport._held_frames is None

    transport.sent.clear()
    entrypoint.handle_batch_result(together, mock.Mock(), [None, (ValueError, ValueError("x"), None), None])
    assert transport.sent == [b"ack;", b"ack;", b"ack;"]  # a retry waits for the broker: nothing held
    entrypoint.retry_or_park.assert_called_once()


def test_held_acknowledgements_that_cannot_be_written_leave_the_handler_free():
    transport = _Transport()
    transport._write = mock.Mock(side_effect=ConnectionResetError(104, "Connection reset by peer"))
    entrypoint = handler()
    entrypoint.queue_consumer.ack_message.side_effect = lambda message: transport.write(b"ack;")
    message = _on(transport, "m-1")
    entrypoint.handle_message({"event_id": "e-1"}, message)
    entrypoint.handle_message({"event_id": "e-2"}, "m-2")  # waits for the first batch's end
    entrypoint.handle_batch_result([message], mock.Mock(), [None])  # does not raise
    assert transport._write.call_count == 1  # the held write, tried once
    assert entrypoint.container.spawn_worker.call_count == 2  # the waiting one went on
