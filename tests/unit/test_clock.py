"""One clock: programme days are Shanghai's, whatever the server's zone; stored instants are UTC."""

import datetime as dt
import os
from types import SimpleNamespace

import pytest

from services.finance.handlers import books
from services.registry import domain
from shared import clock
from shared.contracts.registry import EnterpriseCreate, HeadcountReport
from shared.errors import InvalidInput
from shared.identity import check_resident_id
from shared.validation import parse
from tests.factories import enterprise_data, resident_id

# A future year, so that the server's own day (whatever it is) is always before Shanghai's
LATE_EVENING_UTC = dt.datetime(2099, 3, 31, 17, 0, tzinfo=dt.timezone.utc)
SHANGHAI_DAY = dt.date(2099, 4, 1)


@pytest.fixture
def server_at_utc_evening(monkeypatch):
    """The server's instant is 17:00 UTC on 31 March: already 1 April, 01:00, in Shanghai."""
    monkeypatch.delenv(clock.CLOCK_FILE, raising=False)
    monkeypatch.setattr(clock, "utcnow", lambda: LATE_EVENING_UTC)


def test_the_programme_day_is_shanghais_while_utc_is_still_yesterday(server_at_utc_evening):
    assert clock.today() == SHANGHAI_DAY
    assert clock.now() == LATE_EVENING_UTC
    assert clock.now().date() == SHANGHAI_DAY


def test_an_enterprise_founded_today_in_shanghai_is_accepted(server_at_utc_evening):
    data = parse(EnterpriseCreate, enterprise_data(founded_on=SHANGHAI_DAY.isoformat()))
    domain.check_enterprise_figures(data)


def test_a_headcount_on_the_quarters_first_day_is_accepted(server_at_utc_evening):
    report = parse(HeadcountReport, {"quarter": "2099Q2", "headcount": 5, "poverty_hires": 1, "new_hires": 1})
    domain.check_headcount(report, domain.quarter_start(report.quarter))


def test_a_headcount_for_the_next_quarter_is_still_refused(server_at_utc_evening):
    report = parse(HeadcountReport, {"quarter": "2099Q3", "headcount": 5, "poverty_hires": 1, "new_hires": 1})
    with pytest.raises(InvalidInput) as caught:
        domain.check_headcount(report, domain.quarter_start(report.quarter))
    assert caught.value.code == "quarter_in_future"


def test_a_person_born_today_in_shanghai_has_a_valid_id(server_at_utc_evening):
    assert check_resident_id(resident_id(birth=SHANGHAI_DAY)).birth_date == SHANGHAI_DAY


def test_the_loan_policy_in_force_is_chosen_by_shanghais_day(server_at_utc_evening, monkeypatch):
    old, new = (SimpleNamespace(code=code, effective_from=start)
                for code, start in (("old", dt.date(2099, 1, 1)), ("new", SHANGHAI_DAY)))
    monkeypatch.setattr(books, "loan_policies", lambda session: [old, new])
    assert books.loan_policy(None).code == "new"


def test_stored_instants_are_utc_and_ignore_a_moved_day(tmp_path, monkeypatch):
    path = tmp_path / "today"
    monkeypatch.setenv(clock.CLOCK_FILE, str(path))
    clock.set_today(path, dt.date(2099, 4, 1))
    assert clock.utcnow().tzinfo == dt.timezone.utc
    assert clock.utcnow().year < 2099
    assert clock.today() == dt.date(2099, 4, 1)


def test_a_moved_day_is_seen_at_once_even_when_written_twice_in_one_file_time_tick(tmp_path, monkeypatch):
    path = tmp_path / "clock"
    monkeypatch.setenv(clock.CLOCK_FILE, str(path))
    for day in (dt.date(2031, 1, 1), dt.date(2031, 1, 2), None, dt.date(2031, 1, 3)):
        clock.set_today(path, day)  # back to back: the file's time may not change between them
        assert clock.today() == (day or clock.utcnow().astimezone(clock.SHANGHAI).date())
        assert clock.today() == (day or clock.utcnow().astimezone(clock.SHANGHAI).date())


def test_the_clock_file_is_read_again_only_when_it_changed(tmp_path, monkeypatch):
    path = tmp_path / "clock"
    monkeypatch.setenv(clock.CLOCK_FILE, str(path))
    clock.set_today(path, dt.date(2031, 5, 1))
    old = clock.utcnow().timestamp() - 1
    os.utime(path, (old, old))  # written a second ago: settled
    assert clock.today() == dt.date(2031, 5, 1)
    reads = []
    monkeypatch.setattr(clock.Path, "read_text", lambda self: reads.append(self) or "2031-05-02")
    assert clock.today() == dt.date(2031, 5, 1) and reads == []
    os.utime(path, (old + 0.5, old + 0.5))  # changed
    assert clock.today() == dt.date(2031, 5, 2) and len(reads) == 1
