"""Domain errors cross nameko RPC as themselves: code, field, message and details intact."""

import json

import pytest
from nameko.exceptions import RemoteError, deserialize, serialize

from shared import rpc_errors  # noqa: F401  (what every service and the gateway load)
from shared.errors import EXPECTED_ERRORS, DomainError, InvalidInput, unavailable


def over_the_wire(error: Exception) -> Exception:
    """What a caller receives: nameko's serialised form, through JSON as the broker carries it."""
    return deserialize(json.loads(json.dumps(serialize(error))))


@pytest.mark.parametrize("error_class", EXPECTED_ERRORS, ids=lambda cls: cls.__name__)
def test_each_domain_error_arrives_as_itself_with_its_fields(error_class):
    sent = error_class("some_rule", "some_field", "某字段不符合规则", details={"existing_id": "r-1"})

    received = over_the_wire(sent)

    assert type(received) is error_class
    assert received.as_dict() == {"code": "some_rule", "field": "some_field",
                                  "message": "某字段不符合规则", "details": {"existing_id": "r-1"}}


@pytest.mark.parametrize("error_class", EXPECTED_ERRORS, ids=lambda cls: cls.__name__)
def test_an_error_without_field_or_details_arrives_without_them(error_class):
    received = over_the_wire(error_class(message="不行"))

    assert received.as_dict() == {"code": error_class.default_code, "field": None, "message": "不行"}


def test_an_unavailable_service_is_named_on_the_other_side():
    received = over_the_wire(unavailable("finance"))

    assert received.code == "service_unavailable"
    assert received.details == {"service": "finance"}


def test_an_error_that_is_not_registered_arrives_as_a_remote_error():
    class Unregistered(DomainError):
        pass

    received = over_the_wire(Unregistered("x"))

    assert isinstance(received, RemoteError) and not isinstance(received, InvalidInput)
