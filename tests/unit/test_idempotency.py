"""Idempotent commands: a lost optimistic-locking race is retried once, then reported."""

import pytest
from sqlalchemy.orm.exc import StaleDataError

from shared.errors import Conflict, InvalidInput
from shared.idempotency import check_key, request_hash, run_once


class FakeUnitOfWork:
    session = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def commit(self):
        pass


class FakeDatabase:
    def unit_of_work(self):
        return FakeUnitOfWork()


def test_a_command_that_lost_a_race_runs_again_on_fresh_data():
    calls = []

    def work(uow):
        calls.append(1)
        if len(calls) == 1:
            raise StaleDataError("someone else changed it")
        return {"status": "verified"}

    assert run_once(FakeDatabase(), "user-1", "verify", None, None, work) == {"status": "verified"}
    assert len(calls) == 2


def test_a_command_that_keeps_losing_is_a_clear_conflict():
    def work(uow):
        raise StaleDataError("always")

    with pytest.raises(Conflict) as caught:
        run_once(FakeDatabase(), "user-1", "verify", None, None, work)
    assert caught.value.code == "stale_version"


def test_the_request_hash_ignores_key_order_but_not_values():
    assert request_hash({"a": 1, "b": [1, 2]}) == request_hash({"b": [1, 2], "a": 1})
    assert request_hash({"a": 1}) != request_hash({"a": 2})


def test_an_idempotency_key_longer_than_200_characters_is_refused():
    with pytest.raises(InvalidInput) as caught:
        check_key("k" * 201)
    assert (caught.value.code, caught.value.field) == ("idempotency_key_length", "Idempotency-Key")


def test_a_command_that_keeps_results_must_say_how_a_replay_checks_access():
    with pytest.raises(TypeError):
        run_once(FakeDatabase(), "user-1", "disburse_loan:L1", "disburse-L1", {}, lambda uow: {})


def test_an_idempotency_key_with_control_characters_is_refused():
    with pytest.raises(InvalidInput) as caught:
        check_key("key\x00")
    assert caught.value.code == "idempotency_key_format"
