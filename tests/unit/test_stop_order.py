"""`guiyan run` stops each service before the services it calls (guiyan.cli.STOP_WAVES), and so does
docker compose (which stops a service before those it depends on): both read here against the
services' own RPC proxies, so that a new call between services cannot be forgotten."""

from pathlib import Path

import yaml

from guiyan.cli import STOP_WAVES
from shared.direct_rpc import SteadyRpcProxy
from tests.support.services import service_classes

ROOT = Path(__file__).resolve().parents[2]


def callees(service: type) -> set[str]:
    return {value.target_service for name in dir(service)
            if isinstance(value := getattr(service, name), SteadyRpcProxy)}


def wave_of(name: str) -> int:
    """Where a service stops: its wave, or after every wave."""
    return next((index for index, wave in enumerate(STOP_WAVES) if name in wave), len(STOP_WAVES))


def test_every_service_stops_before_the_services_it_calls():
    classes = service_classes()
    calls = {name: callees(service) for name, service in classes.items()}
    assert calls["gateway"] == set(classes) - {"gateway"}  # the proxies are found at all
    assert calls["consultation"] and calls["notifications"] == {"registry"}
    for caller, called in calls.items():
        for callee in called:
            assert wave_of(caller) < wave_of(callee), f"{caller} calls {callee} but stops after it"


def test_the_waves_name_only_real_services_once_each():
    named = [name for wave in STOP_WAVES for name in wave]
    assert len(named) == len(set(named))
    assert set(named) <= set(service_classes())


def test_docker_compose_stops_each_service_before_those_it_calls():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    for caller, service in service_classes().items():
        depends = compose[caller]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", caller
        for callee in callees(service):
            assert depends.get(callee, {}).get("condition") == "service_started", (caller, callee)
