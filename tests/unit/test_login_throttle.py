"""The login throttle's arithmetic and its choice of address: plain functions, no server."""

import datetime as dt

import pytest
from pydantic import ValidationError

from services.gateway.handlers import throttle
from services.gateway.http import TooManyAttempts, status_for
from shared.settings import GatewaySettings

NOW = dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.timezone.utc)
PAIR = throttle.Policy(free_failures=3, first_wait=1.0, max_wait=900.0)
PROXIES = throttle.trusted_networks("10.0.0.0/8, 192.0.2.7")


def settings(**values) -> GatewaySettings:
    return GatewaySettings(secret_key="unit-test-secret-key", **values)


def test_the_first_failures_are_free_then_each_one_doubles_the_wait_up_to_fifteen_minutes():
    waits = [throttle.wait_after(n, PAIR) for n in range(1, 16)]
    assert waits[:3] == [0, 0, 0]
    assert waits[3:13] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
    assert waits[13:] == [900, 900]


def test_a_wait_never_overflows_however_many_failures():
    assert throttle.wait_after(10_000, PAIR) == 900


def test_an_address_gets_a_larger_allowance_from_the_same_settings():
    rules = throttle.policies(settings(login_free_failures=2, login_address_free_failures=20,
                                       login_first_wait_seconds=0.5, login_max_wait_seconds=60))
    assert rules.pair == throttle.Policy(2, 0.5, 60)
    assert rules.address == throttle.Policy(20, 0.5, 60)


def test_a_failure_after_the_free_ones_starts_a_wait_from_now():
    assert throttle.after_failure(2, NOW - dt.timedelta(minutes=1), NOW, PAIR) == (3, None)
    assert throttle.after_failure(3, NOW - dt.timedelta(minutes=1), NOW, PAIR) == (4, NOW + dt.timedelta(seconds=1))
    assert throttle.after_failure(5, NOW, NOW, PAIR) == (6, NOW + dt.timedelta(seconds=4))


def test_failures_a_quiet_day_ago_are_forgotten():
    assert throttle.after_failure(12, NOW - dt.timedelta(days=1, seconds=1), NOW, PAIR) == (1, None)
    assert throttle.in_a_row(12, NOW - dt.timedelta(hours=23), NOW) == 12
    assert throttle.in_a_row(0, None, NOW) == 0


def test_the_wait_left_is_rounded_up_to_whole_seconds():
    assert throttle.seconds_left(None, NOW) == 0
    assert throttle.seconds_left(NOW, NOW) == 0
    assert throttle.seconds_left(NOW - dt.timedelta(seconds=3), NOW) == 0
    assert throttle.seconds_left(NOW + dt.timedelta(seconds=1.2), NOW) == 2
    assert throttle.seconds_left(NOW + dt.timedelta(minutes=15), NOW) == 900


def test_the_refusal_says_how_long_to_wait_in_chinese_and_is_a_429():
    error = throttle.refusal(8, whole_address=False)
    assert isinstance(error, TooManyAttempts) and status_for(error) == 429
    assert (error.code, error.field, error.retry_after) == ("login_throttled", "username", 8)
    assert error.message == "密码错误次数过多，请8秒后再试"
    assert throttle.refusal(61, whole_address=True).message == "此网络地址登录失败次数过多，请2分钟后再试"
    assert throttle.refusal(900, whole_address=False).message == "密码错误次数过多，请15分钟后再试"


def test_without_trusted_proxies_the_peer_is_the_client_whatever_it_forwards():
    assert throttle.choose_address("198.51.100.4", "203.0.113.9", ()) == "198.51.100.4"


def test_behind_a_trusted_proxy_the_nearest_untrusted_hop_is_the_client():
    assert throttle.choose_address("10.0.0.2", "203.0.113.9", PROXIES) == "203.0.113.9"
    assert throttle.choose_address("10.0.0.2", "203.0.113.9, 192.0.2.7", PROXIES) == "203.0.113.9"


def test_a_client_cannot_choose_its_address_by_forwarding_one_itself():
    # the spoofed hop sits left of the one our proxy appended: we stop at the proxy's
    assert throttle.choose_address("10.0.0.2", "1.2.3.4, 203.0.113.9", PROXIES) == "203.0.113.9"


def test_a_proxy_forwarding_nothing_is_itself_the_client():
    assert throttle.choose_address("10.0.0.2", "", PROXIES) == "10.0.0.2"
    assert throttle.choose_address("10.0.0.2", "10.1.1.1", PROXIES) == "10.1.1.1"


def test_ipv6_clients_are_counted_by_their_64_block_and_mapped_ipv4_as_ipv4():
    assert throttle.address_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert throttle.address_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert throttle.address_key("::ffff:203.0.113.9") == "203.0.113.9"


def test_an_address_that_is_not_one_is_kept_as_sent_but_short():
    assert throttle.address_key("unknown") == "unknown"
    assert len(throttle.address_key("x" * 500)) == 64


def test_a_mistyped_trusted_proxy_stops_the_gateway_from_starting():
    assert settings(trusted_proxies="10.0.0.0/8,127.0.0.1").trusted_proxies
    with pytest.raises(ValidationError):
        settings(trusted_proxies="10.0.0.0/8,localhost")
