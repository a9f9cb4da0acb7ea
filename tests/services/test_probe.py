"""guiyan.probe against the real broker and database: it speaks nameko's RPC well enough for a
running service to answer, and reads a database's migrations as Alembic wrote them."""

import uuid

import pytest

from guiyan import probe
from services.projects.service import ProjectsService
from shared.migrate import drop_database, ensure_database, upgrade


def test_a_running_service_answers_the_probe(run_services, amqp_uri):
    run_services(ProjectsService)
    assert probe.ping(amqp_uri, "projects") == probe.ANSWERS


def test_a_service_that_is_not_running_leaves_the_probe_without_answer(run_services, amqp_uri):
    run_services(ProjectsService)  # the broker and the RPC exchange are there; finance is not
    assert probe.ping(amqp_uri, "finance", timeout=0.5) == probe.SILENT


def test_a_broker_out_of_reach_is_told_apart_from_a_silent_service():
    assert probe.ping("amqp://guest:guest@127.0.0.1:1/", "projects", timeout=1) == probe.NO_BROKER


def test_the_run_databases_are_migrated(databases):
    assert all(probe.migrated(service) for service in databases)


@pytest.fixture
def bare_prefix(infra, databases, monkeypatch):
    """A database prefix of its own whose registry database the test migrates step by step."""
    prefix = f"guiyan_p{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("GUIYAN_DATABASE_PREFIX", prefix)
    yield f"{infra.postgres_url.rstrip('/')}/{prefix}_registry"
    drop_database(infra.postgres_url, f"{prefix}_registry")


def test_a_database_is_migrated_only_once_it_has_every_migration(infra, bare_prefix):
    assert not probe.migrated("registry")  # no database yet
    ensure_database(infra.postgres_url, bare_prefix.rsplit("/", 1)[1])
    assert not probe.migrated("registry")  # a database without tables
    upgrade("registry", bare_prefix, "0001")
    assert not probe.migrated("registry")  # one migration behind
    upgrade("registry", bare_prefix)
    assert probe.migrated("registry")
