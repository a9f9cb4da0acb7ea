"""docker-compose.yml describes the same system as this repository (no Docker engine runs here)."""

import json
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from shared.settings import SETTINGS_BY_SERVICE, required_variables

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/service.py"))


def environment(name: str) -> dict:
    env = COMPOSE["services"][name].get("environment", {})
    return env if isinstance(env, dict) else dict(item.split("=", 1) for item in env)


def test_every_service_directory_has_a_compose_service_that_runs_it():
    assert SERVICES, "no services found"
    for name in SERVICES:
        assert name in COMPOSE["services"], f"{name} is missing from docker-compose.yml"
        assert environment(name).get("SERVICE") == name


def test_every_settings_class_is_for_a_real_service():
    assert set(SETTINGS_BY_SERVICE) == set(SERVICES)


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_gets_every_setting_it_cannot_start_without(name):
    env = environment(name)
    for variable in required_variables(SETTINGS_BY_SERVICE[name]):
        assert env.get(variable), f"{name} lacks {variable}"
    assert urlparse(env["GUIYAN_AMQP_URI"]).hostname == "rabbitmq"
    assert urlparse(env["GUIYAN_POSTGRES_URL"]).hostname == "postgres"


@pytest.mark.parametrize("name", SERVICES)
def test_services_start_only_after_the_migrations_ran(name):
    depends = COMPOSE["services"][name]["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert "prepare" in " ".join(COMPOSE["services"]["migrate"]["command"])


def test_the_broker_has_the_management_plugin_and_quorum_queues_by_default():
    broker = COMPOSE["services"]["rabbitmq"]
    assert "management" in broker["image"]
    definitions = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
    vhost = urlparse(environment("registry")["GUIYAN_AMQP_URI"]).path.lstrip("/")
    declared = {v["name"]: v for v in definitions["vhosts"]}
    assert declared[vhost]["metadata"]["default_queue_type"] == "quorum"
    mounted = " ".join(broker["volumes"])
    assert "definitions.json" in mounted and "rabbitmq.conf" in mounted
    assert "load_definitions" in (ROOT / "deploy/rabbitmq/rabbitmq.conf").read_text()


def test_the_gateway_is_published_and_checked_for_readiness():
    gateway = COMPOSE["services"]["gateway"]
    assert environment("gateway")["GUIYAN_WEB_ADDRESS"].endswith(":8000")
    assert any(str(port).endswith("8000") for port in gateway["ports"])
    assert "/ready" in " ".join(gateway["healthcheck"]["test"])


def test_the_image_runs_the_service_named_by_its_environment():
    dockerfile = (ROOT / "deploy/Dockerfile").read_text()
    cmd = [line for line in dockerfile.splitlines() if line.startswith(("CMD", "ENTRYPOINT"))]
    assert cmd and "guiyan.runner" in cmd[-1] and "$SERVICE" in cmd[-1]
    assert "USER " in dockerfile


def test_the_image_holds_its_bytecode_compiled():
    # PYTHONDONTWRITEBYTECODE and a user who cannot write /app: without bytecode built into the
    # image, every process would compile every module it imports at every start
    dockerfile = (ROOT / "deploy/Dockerfile").read_text()
    assert "--no-compile" not in dockerfile
    assert "compileall -q shared services guiyan" in dockerfile and "WORKDIR /app" in dockerfile
