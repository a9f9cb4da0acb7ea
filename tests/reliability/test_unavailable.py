"""A dependency that is away answers 503 with Retry-After, on the API and the pages, never 500.

The gateway's database refusing connections ("too many clients"), a service's database that does
not answer (restarting), the broker that goes away: each is a moment, not a fault of the request.
"""

import re
import signal
import uuid
from urllib.parse import urlparse

import pytest
import requests
import sqlalchemy as sa

from tests.stack import Stack
from tests.support.proxy import CuttableProxy
from tests.support.waiting import eventually

pytestmark = pytest.mark.reliability
NOWHERE = "postgresql://postgres@127.0.0.1:9"  # nothing listens: a database that is restarting


def wait_until_up(system) -> None:
    """Until the gateway answers /health (while it starts, its port refuses connections)."""
    eventually(lambda: requests.get(system.base_url + "/health", timeout=5).ok, timeout=60, interval=0.2,
               ignoring=(requests.RequestException,))


@pytest.fixture
def system(infra, databases, tmp_path):
    vhost = infra.create_vhost("guiyan_503")
    stack = Stack(infra, databases, vhost, tmp_path)
    yield stack
    for service in list(stack.processes):  # nothing to keep: no need to wait for a graceful stop
        stack.stop(service, signal.SIGKILL)
    infra.delete_vhost(vhost)


@pytest.fixture
def crowded_postgres(infra):
    """A PostgreSQL role that may open no connection: every attempt is refused as too many."""
    role = f"guiyan_full_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(infra.postgres_url.replace("postgresql://", "postgresql+psycopg2://", 1),
                              poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0"))
    parsed = urlparse(infra.postgres_url)
    yield parsed._replace(netloc=f"{role}@{parsed.hostname}:{parsed.port or 5432}").geturl()
    with engine.connect() as connection:
        connection.execute(sa.text(f"DROP ROLE {role}"))
    engine.dispose()


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    if response.headers["Content-Type"].startswith("application/json"):
        assert response.json()["error"]["code"] == "service_unavailable"
    else:
        assert "服务暂时不可用" in response.text and "稍后" in response.text


def page_login(stack, username="nobody", password="wrong-password"):
    """The /login form submitted: the answer, and the browser's session for further pages."""
    session = requests.Session()
    form = session.get(stack.base_url + "/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = session.post(stack.base_url + "/login", timeout=30, allow_redirects=False,
                          data={"csrf_token": token, "username": username, "password": password})
    return answer, session


def no_traceback(stack, service="gateway") -> bool:
    """No request ended in a traceback or a 500 (kombu may log its own lost connection)."""
    log = (stack.log_dir / f"{service}.log").read_text("utf-8", "replace")
    return "error handling worker" not in log and '" 500 ' not in log and "unexpected_error" not in log


def test_the_gateways_database_refusing_connections_is_503_not_500(system, crowded_postgres):
    system.start("gateway", GUIYAN_POSTGRES_URL=crowded_postgres)
    wait_until_up(system)
    login = requests.post(system.base_url + "/api/v1/auth/login", timeout=30,
                          json={"username": "someone", "password": "wrong-password"})
    assert_unavailable(login)
    assert_unavailable(requests.get(system.base_url + "/api/v1/me", timeout=30,
                                    headers={"Authorization": "Bearer some-token"}))
    assert_unavailable(page_login(system)[0])
    assert no_traceback(system)


def test_a_services_database_that_does_not_answer_is_503_at_the_gateway(system):
    system.start("finance", GUIYAN_POSTGRES_URL=NOWHERE)
    system.start("gateway")
    wait_until_up(system)
    username = system.create_user("bank_liaison", bank_code="NJRCB")
    client = system.client(username)
    assert_unavailable(client.get("/api/v1/loans"))
    signed_in, browser = page_login(system, username, "test-password-2026")
    assert signed_in.status_code == 303
    assert_unavailable(browser.get(system.base_url + "/loans", timeout=30))
    assert no_traceback(system) and no_traceback(system, "finance")


def test_the_broker_going_away_is_503(system, infra):
    broker = urlparse(infra.amqp_uri)
    proxy = CuttableProxy(broker.hostname, broker.port or 5672)
    proxy.restore()
    through_proxy = urlparse(system.amqp_uri)._replace(netloc=f"guest:guest@127.0.0.1:{proxy.port}").geturl()
    system.start("finance")
    system.start("gateway", GUIYAN_AMQP_URI=through_proxy, GUIYAN_RPC_TIMEOUT_SECONDS="3")
    try:
        wait_until_up(system)
        client = system.client(system.create_user("bank_liaison", bank_code="NJRCB"))
        eventually(lambda: client.get("/api/v1/loans").status_code == 200, timeout=60)
        proxy.cut()
        assert_unavailable(client.get("/api/v1/loans"))
        assert no_traceback(system)
    finally:
        proxy.cut()
