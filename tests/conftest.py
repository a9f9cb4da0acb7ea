"""Fixtures: real PostgreSQL and RabbitMQ, fresh databases per run, a vhost per test, services.

eventlet is monkey-patched here, first, as `nameko test` would (nameko's pytest plugin no longer
does it); the browser tests run in a separate pytest process without it (GUIYAN_NO_EVENTLET=1).
"""

import os

if not os.environ.get("GUIYAN_NO_EVENTLET"):
    import eventlet

    eventlet.monkey_patch()
    from shared.db import patch_psycopg_for_eventlet

    patch_psycopg_for_eventlet()  # so that concurrent tests are really concurrent

import uuid  # noqa: E402
import warnings  # noqa: E402

import pytest  # noqa: E402

warnings.filterwarnings("ignore", category=DeprecationWarning)
os.environ.setdefault("GUIYAN_SECRET_KEY", "test-secret-key-" + uuid.uuid4().hex)
os.environ.setdefault("GUIYAN_OUTBOX_INTERVAL_SECONDS", "0.1")
os.environ.setdefault("GUIYAN_RETRY_DELAYS_MS", "100,200,400")
os.environ.setdefault("GUIYAN_LOG_LEVEL", "WARNING")

from shared.publishing import buffer_broker_reads  # noqa: E402
from tests import infra as infra_module  # noqa: E402
from tests.support import log_scan  # noqa: E402

buffer_broker_reads()  # as every service process reads its broker connections (guiyan.runner)

_discovered = None
_captured_output: list[tuple[str, str]] = []  # (test and section, text) pytest captured, for the scan
log_scan.watch_requests()


@pytest.fixture(scope="session")
def infra():
    global _discovered
    found, containers = infra_module.discover()
    _discovered = infra_module.require(found)
    yield _discovered
    for container in containers:
        container.stop()


@pytest.fixture(scope="session")
def databases(infra):
    """Fresh, migrated databases for every service, for this run only."""
    from shared.migrate import SERVICES_WITH_DATABASE, drop_database, ensure_database, upgrade

    prefix = f"guiyan_t{uuid.uuid4().hex[:8]}"
    os.environ["GUIYAN_POSTGRES_URL"] = infra.postgres_url
    os.environ["GUIYAN_DATABASE_PREFIX"] = prefix
    os.environ["GUIYAN_AMQP_URI"] = infra.amqp_uri
    urls = {}
    for service in SERVICES_WITH_DATABASE:
        name = f"{prefix}_{service}"
        ensure_database(infra.postgres_url, name)
        urls[service] = f"{infra.postgres_url.rstrip('/')}/{name}"
        upgrade(service, urls[service])
    yield urls
    for service in SERVICES_WITH_DATABASE:
        drop_database(infra.postgres_url, f"{prefix}_{service}")


@pytest.fixture
def vhost(infra):
    name = infra.create_vhost()
    yield name
    infra.delete_vhost(name)


@pytest.fixture
def amqp_uri(infra, vhost):
    return infra.vhost_uri(vhost)


@pytest.fixture(scope="session")
def stack(infra, databases, tmp_path_factory):
    """registry, finance and gateway as separate processes on their own vhost, for the whole run."""
    from tests.stack import Stack

    vhost = infra.create_vhost("guiyan_stack")
    running = Stack(infra, databases, vhost, tmp_path_factory.mktemp("logs"))
    running.start_services()
    running.start("gateway")
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop_all()
        infra.delete_vhost(vhost)


# ---- no personal data or credential in any log this run produced ---------------------------------

def pytest_runtest_logreport(report):
    if report.when == "teardown":  # its report carries every phase's captured output, once
        _captured_output.extend((f"{report.nodeid} [{title}]", text) for title, text in report.sections)


@pytest.hookimpl(tryfirst=True)  # before anything may tidy the temporary folders away
def pytest_sessionfinish(session):
    """Scan every stack's logs and what pytest captured; a finding fails the run."""
    from services.gateway.demo import DEMO_PASSWORD
    from tests.stack import LOG_DIRS, PASSWORD

    folders = [*LOG_DIRS, session.config._tmp_path_factory.getbasetemp()]
    report = log_scan.scan_run(folders, _captured_output, [PASSWORD, DEMO_PASSWORD])
    terminal = session.config.pluginmanager.get_plugin("terminalreporter")
    write = terminal.write_line if terminal else print
    write("")
    for finding in report.findings[:50]:
        write(f"LEAK {finding}")
    write(report.summary())
    if report.findings:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
