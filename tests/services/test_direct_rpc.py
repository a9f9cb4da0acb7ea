"""RPC calls answered on the caller's own channel (shared.direct_rpc), against real RabbitMQ: many
calls at once each get their own answer, errors cross as themselves, an unknown service and a broker
that went away are refused at once, and a reply that comes after its caller gave up harms nothing."""

from __future__ import annotations

import eventlet
import pytest
from kombu.exceptions import OperationalError
from nameko.containers import ServiceContainer
from nameko.exceptions import UnknownService
from nameko.extensions import DependencyProvider

from shared.direct_rpc import CallLine
from shared.errors import InvalidInput
from shared.nameko_base import SteadyRpc, SteadyRpcProxy
from shared.transient import is_transient
from tests.services.test_publishing import _close_every_connection
from tests.support.waiting import eventually


class CallStack(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return worker_ctx.call_id_stack


class Answering:
    name = "answering"
    calls = CallStack()

    @SteadyRpc.decorator
    def echo(self, value):
        return {"value": value, "calls": self.calls}

    @SteadyRpc.decorator
    def refuse(self):
        raise InvalidInput("amount_too_large", "amount_yuan", "贷款金额超过上限")

    @SteadyRpc.decorator
    def slow(self, seconds):
        eventlet.sleep(seconds)
        return "late"


class Asking:
    name = "asking"
    answering = SteadyRpcProxy("answering")
    nobody = SteadyRpcProxy("nobody")

    @SteadyRpc.decorator
    def ask(self, value):
        return self.answering.echo(value)


@pytest.fixture
def asking(run_services):
    answering, asking = run_services(Answering, Asking)
    return asking


def _proxy(container: ServiceContainer, name: str):
    """The dependency a worker of `container` would get for its proxy `name`."""
    provider = next(ext for ext in container.dependencies if ext.attr_name == name)
    worker_ctx = type("Worker", (), {"context_data": {}, "call_id_stack": []})()
    return provider.get_dependency(worker_ctx)


def _line(container: ServiceContainer) -> CallLine:
    return next(ext for ext in container.subextensions if isinstance(ext, CallLine))


def test_many_calls_at_once_each_get_their_own_answer_on_one_connection(asking):
    """Every answer comes to the one reader of the process's connection and goes to its own caller,
    none lost: py-amqp's publish read the socket itself, behind the reader's back, and lost about
    one reply in 250 this way."""
    answering = _proxy(asking, "answering")
    answers = eventlet.GreenPool(40).imap(lambda n: answering.echo(n)["value"], range(1000))
    with eventlet.Timeout(60):
        assert list(answers) == list(range(1000))
    line = _line(asking)._line
    assert line is not None and line.broken is None and line.waiting == {}


def test_the_callers_context_travels_with_the_call(asking, rpc):
    """The call goes with the worker's headers, as nameko's proxy sent them (its call id stack)."""
    with eventlet.Timeout(20):
        answer = rpc.asking.ask("hello")
    assert answer["value"] == "hello"
    assert [call.split(".")[:2] for call in answer["calls"]] == [["standalone_rpc_proxy", "call"],
                                                                 ["asking", "ask"], ["answering", "echo"]]


def test_a_services_error_arrives_as_itself(asking):
    with eventlet.Timeout(20), pytest.raises(InvalidInput) as refused:
        _proxy(asking, "answering").refuse()
    assert (refused.value.code, refused.value.field) == ("amount_too_large", "amount_yuan")


def test_a_service_that_never_started_is_refused_at_once(asking):
    """No queue takes the request: the broker returns it (`mandatory`), and the call raises nameko's
    UnknownService, not a wait for the caller's timeout."""
    with eventlet.Timeout(10), pytest.raises(UnknownService):
        _proxy(asking, "nobody").ping()
    assert _proxy(asking, "answering").echo("still")["value"] == "still"  # the line carries on


def test_a_reply_that_comes_after_its_caller_gave_up_is_dropped(asking):
    """Other calls were answered on the line while this one waited: the line is alive, and kept."""
    answering = _proxy(asking, "answering")
    with eventlet.Timeout(20):
        answering.echo("first")
    first = _line(asking)._line
    meanwhile = eventlet.spawn(lambda: [answering.echo(n) for n in range(5)])
    with pytest.raises(eventlet.Timeout):
        with eventlet.Timeout(0.5):
            answering.slow(1)
    meanwhile.wait()
    eventlet.sleep(0.6)  # the late reply has come and found no one
    with eventlet.Timeout(20):
        assert answering.echo("next")["value"] == "next"
    assert _line(asking)._line is first and first.waiting == {}


def test_a_line_that_carried_nothing_while_a_call_timed_out_is_given_up(asking):
    """It may have died without its socket knowing (a link cut without a reset, and no heartbeats):
    the next call opens a new one, and a late reply on the old one harms nothing."""
    answering = _proxy(asking, "answering")
    with eventlet.Timeout(20):
        answering.echo("first")
    first = _line(asking)._line
    with pytest.raises(eventlet.Timeout):
        with eventlet.Timeout(0.2):
            answering.slow(0.5)
    assert first.broken is not None
    with eventlet.Timeout(20):
        assert answering.echo("next")["value"] == "next"
    assert _line(asking)._line is not first


def test_a_broker_that_goes_away_fails_the_waiting_calls_at_once_and_the_next_opens_anew(
        asking, infra, vhost):
    answering = _proxy(asking, "answering")
    with eventlet.Timeout(20):
        answering.echo("first")
    first = _line(asking)._line
    waiting = eventlet.spawn(answering.slow, 5)
    eventually(lambda: first.waiting, timeout=10)
    _close_every_connection(infra, vhost)  # the services' own connections too: they come back
    with eventlet.Timeout(10), pytest.raises(OperationalError) as lost:
        waiting.wait()  # well before the 5 s the answer would have taken
    assert is_transient(lost.value)
    answered = eventually(lambda: _answered(answering), timeout=30)
    assert answered == "again"
    assert _line(asking)._line is not first


def _answered(answering):
    try:
        with eventlet.Timeout(2):
            return answering.echo("again")["value"]
    except (eventlet.Timeout, UnknownService, OperationalError):
        return None  # the answering service's own consumer is still coming back
