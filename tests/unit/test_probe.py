"""guiyan.probe, the Kubernetes probe of the nameko services: its reading of the broker's URI and
what each outcome means to a readiness, a liveness and a migration check (no broker here; the
ping itself is tested against a running service in tests/services/test_probe.py)."""

import pytest

from guiyan import probe
from shared.settings import ServiceSettings


def test_the_probe_reads_the_broker_from_the_variable_the_services_read():
    prefix = ServiceSettings.env_prefix
    assert probe.AMQP_URI_VARIABLE == f"{prefix}amqp_uri".upper()


def test_without_the_variable_the_probe_takes_the_services_default(monkeypatch):
    monkeypatch.delenv(probe.AMQP_URI_VARIABLE, raising=False)
    assert probe.amqp_uri() == ServiceSettings().amqp_uri


@pytest.mark.parametrize("uri, host, vhost", [
    ("amqp://guest:guest@127.0.0.1:5672/", "127.0.0.1:5672", "/"),  # the operator's connection_string
    ("amqp://guest:guest@rabbitmq:5672/guiyan", "rabbitmq:5672", "guiyan"),  # docker-compose.yml
    ("amqp://guest:guest@rabbitmq/%2F", "rabbitmq:5672", "/"),
    ("amqp://guest:guest@rabbitmq", "rabbitmq:5672", "/"),
])
def test_the_uri_is_read_as_kombu_reads_it(uri, host, vhost):
    parameters = probe.broker_parameters(uri)
    assert (parameters["host"], parameters["virtual_host"], parameters["ssl"]) == (host, vhost, False)


def test_credentials_are_unquoted_and_amqps_means_tls_on_its_own_port():
    parameters = probe.broker_parameters("amqps://default_user_x:p%40ss%2Fw@broker.svc/")
    assert parameters == {"host": "broker.svc:5671", "ssl": True, "userid": "default_user_x",
                          "password": "p@ss/w", "virtual_host": "/"}


@pytest.mark.parametrize("outcome, readiness, liveness", [
    (probe.ANSWERS, 0, 0),
    (probe.SILENT, 1, 1),      # the broker answers but the service does not: restart it
    (probe.NO_BROKER, 1, 0),   # restarting the service would not bring the broker back
])
def test_each_outcome_means_ready_alive_or_neither(monkeypatch, outcome, readiness, liveness):
    asked = []
    monkeypatch.setattr(probe, "ping", lambda uri, service, timeout: asked.append(service) or outcome)
    assert probe.main(["finance"]) == readiness
    assert probe.main(["finance", "--liveness"]) == liveness
    assert asked == ["finance", "finance"]


def test_the_migration_wait_ends_as_soon_as_the_database_is_migrated(monkeypatch):
    answers = iter([False, True])
    monkeypatch.setattr(probe, "migrated", lambda service: next(answers))
    monkeypatch.setattr(probe.time, "sleep", lambda seconds: None)
    assert probe.main(["registry", "--migrated", "--wait", "60"]) == 0


def test_the_migration_wait_gives_up_after_its_time(monkeypatch):
    monkeypatch.setattr(probe, "migrated", lambda service: False)
    assert probe.main(["registry", "--migrated"]) == 1
