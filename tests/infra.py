"""Where the tests find RabbitMQ and PostgreSQL: the environment, else testcontainers, else a clear failure.

Order: GUIYAN_POSTGRES_URL / GUIYAN_AMQP_URI when set (make test sets them to the local servers);
otherwise containers started with testcontainers when a Docker engine answers; otherwise the run
fails under CI=true with what to start, and is skipped outside CI.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from urllib.parse import quote, urlparse

import pytest
import requests

HOW_TO_START = (
    "Tests need real PostgreSQL and RabbitMQ (with the rabbitmq_management plugin). Either set "
    "GUIYAN_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432) and GUIYAN_AMQP_URI "
    "(e.g. amqp://guest:guest@127.0.0.1:5672/), as `make test` does after starting the local servers "
    "(pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start; rabbitmq-server -detached; "
    "rabbitmq-plugins enable rabbitmq_management), or run a Docker engine for testcontainers."
)


@dataclass
class Infra:
    postgres_url: str
    amqp_uri: str
    management_url: str

    def vhost_uri(self, vhost: str) -> str:
        parsed = urlparse(self.amqp_uri)
        return parsed._replace(path="/" + quote(vhost, safe="")).geturl()

    def create_vhost(self, prefix: str = "guiyan_test") -> str:
        vhost = f"{prefix}_{uuid.uuid4().hex[:10]}"
        auth = self._auth()
        response = requests.put(f"{self.management_url}/api/vhosts/{vhost}", auth=auth, timeout=10)
        response.raise_for_status()
        response = requests.put(
            f"{self.management_url}/api/permissions/{vhost}/{auth[0]}", auth=auth, timeout=10,
            json={"configure": ".*", "write": ".*", "read": ".*"})
        response.raise_for_status()
        return vhost

    def delete_vhost(self, vhost: str) -> None:
        requests.delete(f"{self.management_url}/api/vhosts/{vhost}", auth=self._auth(), timeout=10)

    def queue(self, vhost: str, queue: str) -> dict:
        """The management API's figures for a queue; empty if it does not exist (yet)."""
        response = requests.get(f"{self.management_url}/api/queues/{quote(vhost, safe='')}/{queue}",
                                auth=self._auth(), timeout=10)
        return response.json() if response.ok else {}

    def queue_depth(self, vhost: str, queue: str) -> int:
        return self.queue(vhost, queue).get("messages", 0)

    def _auth(self) -> tuple[str, str]:
        parsed = urlparse(self.amqp_uri)
        return parsed.username or "guest", parsed.password or "guest"


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


def _management_up(url: str) -> bool:
    try:
        return requests.get(f"{url}/api/overview", auth=("guest", "guest"), timeout=3).ok
    except requests.RequestException:
        return False


def _from_containers() -> tuple[Infra, list]:
    from testcontainers.postgres import PostgresContainer
    from testcontainers.rabbitmq import RabbitMqContainer

    postgres = PostgresContainer("postgres:15", username="postgres", password="postgres").start()
    rabbit = RabbitMqContainer("rabbitmq:3.13-management").with_exposed_ports(5672, 15672).start()
    host = rabbit.get_container_host_ip()
    pg_url = f"postgresql://postgres:postgres@{postgres.get_container_host_ip()}:{postgres.get_exposed_port(5432)}"
    infra = Infra(pg_url, f"amqp://guest:guest@{host}:{rabbit.get_exposed_port(5672)}/",
                  f"http://{host}:{rabbit.get_exposed_port(15672)}")
    return infra, [postgres, rabbit]


def discover() -> tuple[Infra | None, list]:
    postgres_url, amqp_uri = os.environ.get("GUIYAN_POSTGRES_URL"), os.environ.get("GUIYAN_AMQP_URI")
    if postgres_url and amqp_uri:
        management = os.environ.get("GUIYAN_RABBIT_MANAGEMENT_URL") or \
            f"http://{urlparse(amqp_uri).hostname}:15672"
        return Infra(postgres_url, amqp_uri, management), []
    if _docker_answers():
        return _from_containers()
    return None, []


def require(infra: Infra | None) -> Infra:
    if infra is None:
        if os.environ.get("CI"):
            pytest.fail(HOW_TO_START, pytrace=False)
        pytest.skip(HOW_TO_START)
    parsed = urlparse(infra.postgres_url)
    for name, host, port in (("PostgreSQL", parsed.hostname, parsed.port or 5432),
                             ("RabbitMQ", urlparse(infra.amqp_uri).hostname,
                              urlparse(infra.amqp_uri).port or 5672)):
        try:
            socket.create_connection((host, port), timeout=3).close()
        except OSError:
            pytest.fail(f"{name} does not answer on {host}:{port}. {HOW_TO_START}", pytrace=False)
    if not _management_up(infra.management_url):
        pytest.fail(f"RabbitMQ management API does not answer at {infra.management_url}. {HOW_TO_START}",
                    pytrace=False)
    return infra
