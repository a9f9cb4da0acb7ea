"""Why a handler failed decides its road: transient ones retry until they pass, poison is parked."""

import sqlalchemy.exc as sa_exc
from kombu.exceptions import OperationalError as KombuOperationalError
from pydantic import ValidationError

from shared.contracts.registry import EntrepreneurVerified
from shared.messaging import MAX_DELAY_MS, NotYetKnown, delay_for, failure_kind


def test_a_dependency_that_is_away_is_transient():
    too_many = sa_exc.OperationalError("SELECT 1", {}, Exception("FATAL: sorry, too many clients already"))
    assert failure_kind(too_many) == "transient"
    assert failure_kind(sa_exc.TimeoutError("QueuePool limit reached")) == "transient"
    assert failure_kind(KombuOperationalError("connection refused")) == "transient"
    assert failure_kind(ConnectionResetError()) == "transient"


def test_a_fact_ahead_of_its_record_waits_and_a_bad_message_is_poison():
    assert failure_kind(NotYetKnown("known_enterprises e-1")) == "waiting"
    try:
        EntrepreneurVerified.model_validate({"entrepreneur_id": 1})
    except ValidationError as exc:
        assert failure_kind(exc) == "poison"
    assert failure_kind(RuntimeError("a handler's own bug")) == "poison"
    assert failure_kind(sa_exc.IntegrityError("INSERT", {}, Exception("duplicate key"))) == "poison"


def test_the_delays_are_the_configured_ones_then_double_up_to_the_cap():
    delays = [500, 2000, 10000]
    assert [delay_for(delays, attempt) for attempt in range(1, 7)] == [500, 2000, 10000, 20000, 30000, 30000]
    assert delay_for([100, 200, 400], 40) == MAX_DELAY_MS
