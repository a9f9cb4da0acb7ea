"""Services in nameko containers, in this process, on a fresh vhost per test."""

import pytest
from nameko.containers import ServiceContainer
from nameko.standalone.rpc import ClusterRpcProxy


@pytest.fixture
def service_config(amqp_uri, databases):
    return {"AMQP_URI": amqp_uri, "max_workers": 10, "serializer": "json",
            "RETRY_DELAYS_MS": [100, 200, 400]}


@pytest.fixture
def run_services(service_config):
    containers = []

    def start(*classes, **extra):
        for cls in classes:
            container = ServiceContainer(cls, {**service_config, **extra})
            container.start()
            containers.append(container)
        return containers[-len(classes):]

    yield start
    for container in reversed(containers):
        container.stop()


@pytest.fixture
def rpc(service_config):
    with ClusterRpcProxy(service_config) as proxy:
        yield proxy
