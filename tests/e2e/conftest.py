"""Where and when the e2e modules' stories happen: `places` and `quarters`, shared by the whole run."""

import pytest

from tests.factories import RETURNED_ON
from tests.places import PLACES
from tests.quarters import QuarterBook, programme_day


@pytest.fixture(scope="session")
def places():
    return PLACES


@pytest.fixture(scope="session")
def quarters(stack):
    return QuarterBook(lambda: programme_day(stack), earliest=RETURNED_ON)
