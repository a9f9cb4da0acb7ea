"""deploy/kubernetes/ describes the same system as the code, checked without a cluster or network.

Every object is valid against Kubernetes' own JSON schemas (kubernetes-validate bundles them, in
strict mode: an unknown field fails). The two operators' resources, RabbitmqCluster and
CloudNativePG's Cluster, have no bundled schema: they are checked against a small schema of the
fields used here, written from the operators' CRDs, and the Kubernetes types inside them
(resources, affinity) against Kubernetes' schema. Then the consistency with the code: each
container gets exactly settings its service reads and every one it cannot start without, secrets
come from Secrets, the runner and probe names are real services, the probes reach real endpoints,
and the image, command, user and port are those of deploy/Dockerfile.
"""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import kubernetes_validate
import pytest
import yaml
from nameko.rpc import Rpc
from pydantic import ValidationError

from guiyan import probe
from shared.settings import (
    SETTINGS_BY_SERVICE,
    GatewaySettings,
    ServiceSettings,
    required_variables,
)
from tests.support.services import runner_services, service_class

ROOT = Path(__file__).resolve().parents[2]
KUBE = ROOT / "deploy" / "kubernetes"
DOCKERFILE = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
KUSTOMIZATION = yaml.safe_load((KUBE / "kustomization.yaml").read_text(encoding="utf-8"))
SECRET_TEMPLATE = "secrets.example.yaml"  # applied by hand once filled in, never by kustomize
OBJECTS = [(path.name, doc) for path in sorted(KUBE.glob("*.yaml")) if path.name != "kustomization.yaml"
           for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
KUBERNETES_VERSIONS = ("1.29", kubernetes_validate.latest_version())  # the oldest we support, the newest
# settings that carry a credential: they come from a Secret, never a ConfigMap or the manifest
SECRET_SETTINGS = {"GUIYAN_SECRET_KEY", "GUIYAN_POSTGRES_URL", "GUIYAN_AMQP_URI", "GUIYAN_OUTBOX_AMQP_URI"}
PROCESS_TARGET = 120 * 2**20  # the target for one service process, at most 120 MB
PROBE_PROCESS = 25 * 2**20  # guiyan.probe's ping, measured at 22 MB, runs beside the service


def objects(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for _, doc in OBJECTS if doc["kind"] == kind}


def one(kind: str) -> dict:
    (found,) = objects(kind).values()
    return found


SERVICES = runner_services()
DEPLOYMENTS = objects("Deployment")
JOB = one("Job")


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def main_container(name: str) -> dict:
    (container,) = [c for c in pod_spec(DEPLOYMENTS[name])["containers"] if c["name"] == name]
    return container


def every_container():
    """(where, container, the settings class that reads its environment)."""
    for name, deployment in DEPLOYMENTS.items():
        yield f"{name}", main_container(name), SETTINGS_BY_SERVICE[name]
        for init in pod_spec(deployment).get("initContainers", []):
            yield f"{name}/{init['name']}", init, ServiceSettings  # guiyan.probe --migrated
    for container in pod_spec(JOB)["containers"]:
        yield f"job/{container['name']}", container, ServiceSettings  # guiyan prepare


def variables_read_by(settings_class) -> set[str]:
    prefix = settings_class.env_prefix
    return {f"{prefix}{name}".upper() for name in settings_class.model_fields}


def environment(container: dict) -> dict[str, object]:
    """Each variable a container gets: a ConfigMap's value, or ("secret", name, key)."""
    found: dict[str, object] = {}
    for source in container.get("envFrom", []):
        assert set(source) == {"configMapRef"}, "secrets are named one by one, with secretKeyRef"
        found.update(objects("ConfigMap")[source["configMapRef"]["name"]]["data"])
    for variable in container.get("env", []):
        ref = variable.get("valueFrom", {}).get("secretKeyRef")
        found[variable["name"]] = ("secret", ref["name"], ref["key"]) if ref else variable.get("value")
    return found


def quantity(value: str | int) -> float:
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9}
    number, unit = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(value)).groups()
    return float(number) * units.get(unit, 1)


# ---- valid Kubernetes --------------------------------------------------------------------------


def test_the_kustomization_applies_every_manifest_but_the_secret_template():
    files = {path.name for path in KUBE.glob("*.yaml")} - {"kustomization.yaml", SECRET_TEMPLATE}
    assert sorted(KUSTOMIZATION["resources"]) == sorted(files)
    assert {doc["metadata"].get("namespace", KUSTOMIZATION["namespace"]) for _, doc in OBJECTS
            if doc["kind"] != "Namespace"} == {KUSTOMIZATION["namespace"]} == set(objects("Namespace"))


CORE = [(f"{path}:{doc['kind']}/{doc['metadata']['name']}", doc) for path, doc in OBJECTS
        if "." not in doc["apiVersion"].split("/")[0] or doc["apiVersion"].endswith(".k8s.io/v1")]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("where, doc", CORE, ids=[where for where, _ in CORE])
def test_each_kubernetes_object_is_valid_against_the_kubernetes_schema(where, doc, version):
    kubernetes_validate.validate(doc, version, strict=True)


def test_the_schema_check_refuses_a_misspelt_field():
    broken = copy.deepcopy(DEPLOYMENTS["registry"])
    pod_spec(broken)["containers"][0]["readinesProbe"] = pod_spec(broken)["containers"][0].pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[-1], strict=True)


def test_only_the_operators_resources_lack_a_bundled_schema():
    custom = {(doc["apiVersion"], doc["kind"]) for _, doc in OBJECTS} - {
        (doc["apiVersion"], doc["kind"]) for _, doc in CORE}
    assert custom == set(OPERATOR_SCHEMAS)


def strict(properties: dict, required=()) -> dict:
    return {"type": "object", "additionalProperties": False, "required": list(required),
            "properties": properties}


QUANTITY = {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$"}
METADATA = strict({"name": {"type": "string"}, "namespace": {"type": "string"},
                   "labels": {"type": "object", "additionalProperties": {"type": "string"}}}, ["name"])
KUBERNETES_TYPE = {"type": "object"}  # checked against Kubernetes' own schema, inside a Pod


def custom_resource(api_version: str, kind: str, spec: dict) -> dict:
    return strict({"apiVersion": {"const": api_version}, "kind": {"const": kind},
                   "metadata": METADATA, "spec": spec}, ["apiVersion", "kind", "metadata", "spec"])


# the fields used here, with their types, from the RabbitmqCluster CRD (cluster-operator v2.x)
RABBITMQ_CLUSTER = custom_resource("rabbitmq.com/v1beta1", "RabbitmqCluster", strict({
    "replicas": {"type": "integer", "minimum": 0},
    "image": {"type": "string"},
    "resources": KUBERNETES_TYPE,
    "affinity": KUBERNETES_TYPE,
    "persistence": strict({"storage": QUANTITY, "storageClassName": {"type": "string"}}),
    "rabbitmq": strict({"additionalConfig": {"type": "string", "maxLength": 100000},
                        "additionalPlugins": {"type": "array", "items": {"type": "string"}}}),
}))
# the fields used here from CloudNativePG's Cluster CRD (postgresql.cnpg.io/v1)
ROLE = strict({"name": {"type": "string"}, "ensure": {"enum": ["present", "absent"]},
               "login": {"type": "boolean"}, "createdb": {"type": "boolean"},
               "passwordSecret": strict({"name": {"type": "string"}}, ["name"])}, ["name"])
CNPG_CLUSTER = custom_resource("postgresql.cnpg.io/v1", "Cluster", strict({
    "instances": {"type": "integer", "minimum": 1},
    "imageName": {"type": "string"},
    "primaryUpdateStrategy": {"enum": ["unsupervised", "supervised"]},
    "storage": strict({"size": QUANTITY, "storageClass": {"type": "string"}}, ["size"]),
    "resources": KUBERNETES_TYPE,
    "postgresql": strict({"parameters": {"type": "object", "additionalProperties": {"type": "string"}}}),
    "managed": strict({"roles": {"type": "array", "items": ROLE}}),
}, ["instances"]))
OPERATOR_SCHEMAS = {("rabbitmq.com/v1beta1", "RabbitmqCluster"): RABBITMQ_CLUSTER,
                    ("postgresql.cnpg.io/v1", "Cluster"): CNPG_CLUSTER}


@pytest.mark.parametrize("key", OPERATOR_SCHEMAS, ids=[kind for _, kind in OPERATOR_SCHEMAS])
def test_each_operator_resource_is_valid_against_the_fields_it_uses(key):
    (resource,) = [doc for _, doc in OBJECTS if (doc["apiVersion"], doc["kind"]) == key]
    jsonschema.validate(resource, OPERATOR_SCHEMAS[key])
    spec = resource["spec"]
    container = {"name": "check", "image": "check", "resources": spec.get("resources", {})}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "check"},
           "spec": {"containers": [container], **({"affinity": spec["affinity"]} if "affinity" in spec else {})}}
    kubernetes_validate.validate(pod, KUBERNETES_VERSIONS[-1], strict=True)


def test_the_operator_schemas_refuse_a_misspelt_field():
    broken = copy.deepcopy(one("Cluster"))
    broken["spec"]["managed"]["roles"][0]["createDB"] = broken["spec"]["managed"]["roles"][0].pop("createdb")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, CNPG_CLUSTER)


def test_selectors_pick_their_own_pods():
    for name, deployment in DEPLOYMENTS.items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items(), name
        assert labels["app.kubernetes.io/component"] == name
    gateway_labels = DEPLOYMENTS["gateway"]["spec"]["template"]["metadata"]["labels"]
    assert one("Service")["spec"]["selector"].items() <= gateway_labels.items()
    assert one("PodDisruptionBudget")["spec"]["selector"]["matchLabels"].items() <= gateway_labels.items()


# ---- the services and their settings -----------------------------------------------------------


def test_there_is_one_deployment_per_service_each_running_it():
    assert set(DEPLOYMENTS) == set(SERVICES) == set(SETTINGS_BY_SERVICE)
    for name in SERVICES:
        assert main_container(name)["command"] == ["python", "-m", "guiyan.runner", name]


@pytest.mark.parametrize("where, container, settings_class",
                         list(every_container()), ids=[where for where, _, _ in every_container()])
def test_each_container_gets_only_settings_its_service_reads_and_all_it_needs(where, container,
                                                                              settings_class):
    given = set(environment(container))
    assert given <= variables_read_by(settings_class), f"{where} sets {given - variables_read_by(settings_class)}"
    assert set(required_variables(settings_class)) <= given
    assert {"GUIYAN_POSTGRES_URL", "GUIYAN_DATABASE_PREFIX"} <= given  # the defaults are one's own machine
    if container.get("command", [])[:3] != ["python", "-m", "guiyan.probe"]:
        assert "GUIYAN_AMQP_URI" in given


@pytest.mark.parametrize("where, container, settings_class",
                         list(every_container()), ids=[where for where, _, _ in every_container()])
def test_credentials_come_from_secrets_only(where, container, settings_class):
    for variable, value in environment(container).items():
        assert (variable in SECRET_SETTINGS) == isinstance(value, tuple), f"{where}: {variable}"
    for key in ("env", "envFrom"):
        for entry in container.get(key, []):
            assert "secretRef" not in entry


def test_every_secret_reference_is_to_the_template_or_the_brokers_own_secret():
    template = objects("Secret")
    broker = f"{one('RabbitmqCluster')['metadata']['name']}-default-user"  # made by the operator
    used = set()
    for where, container, _ in every_container():
        for value in environment(container).values():
            if isinstance(value, tuple):
                _, secret, key = value
                assert (secret, key) == (broker, "connection_string") or key in template[secret]["stringData"], where
                used.add((secret, key))
    assert {(broker, "connection_string")} | {("guiyan-secrets", key)
                                              for key in template["guiyan-secrets"]["stringData"]} == used


def test_the_config_maps_hold_values_the_settings_accept(monkeypatch):
    sample_secrets = {"GUIYAN_SECRET_KEY": "k" * 32, "GUIYAN_POSTGRES_URL": "postgresql://u:p@db:5432",
                      "GUIYAN_AMQP_URI": "amqp://u:p@guiyan-rabbitmq.guiyan.svc:5672/"}
    for name in SERVICES:
        for variable in variables_read_by(SETTINGS_BY_SERVICE[name]):
            monkeypatch.delenv(variable, raising=False)
        for variable, value in environment(main_container(name)).items():
            monkeypatch.setenv(variable, sample_secrets[variable] if isinstance(value, tuple) else value)
        SETTINGS_BY_SERVICE[name]()  # a wrong value (a network, a number) would raise here


def test_a_placeholder_left_in_the_secret_template_stops_the_gateway(monkeypatch):
    placeholder = objects("Secret")["guiyan-secrets"]["stringData"]["GUIYAN_SECRET_KEY"]
    monkeypatch.setenv("GUIYAN_SECRET_KEY", placeholder)
    with pytest.raises(ValidationError):
        GatewaySettings()


def test_the_database_url_and_the_role_cloudnativepg_creates_agree():
    cluster = one("Cluster")
    url = urlparse(objects("Secret")["guiyan-secrets"]["stringData"]["GUIYAN_POSTGRES_URL"])
    (role,) = cluster["spec"]["managed"]["roles"]
    credentials = objects("Secret")[role["passwordSecret"]["name"]]
    assert credentials["type"] == "kubernetes.io/basic-auth"  # what CloudNativePG requires
    assert (url.username, url.password) == (role["name"], credentials["stringData"]["password"])
    assert role["name"] == credentials["stringData"]["username"]
    assert role["login"] and role["createdb"]  # guiyan prepare creates the databases
    assert url.hostname == f"{cluster['metadata']['name']}-rw" and url.path in ("", "/")


def test_postgres_takes_every_connection_the_pools_may_open():
    def connections(name: str) -> int:  # docs/architecture.md, the connection budget
        pool = int(environment(main_container(name)).get("GUIYAN_DB_POOL_SIZE", ServiceSettings().db_pool_size))
        service = service_class(name)
        relay = hasattr(service, "outbox") or hasattr(service, "sessions")  # a connection of its own
        return DEPLOYMENTS[name]["spec"]["replicas"] * (pool + relay)

    maximum = int(one("Cluster")["spec"]["postgresql"]["parameters"]["max_connections"])
    assert maximum >= sum(connections(name) for name in DEPLOYMENTS) + 10  # the Job, init containers


def test_the_broker_is_an_odd_cluster_with_quorum_queues_by_default():
    broker = one("RabbitmqCluster")["spec"]
    assert broker["replicas"] >= 3 and broker["replicas"] % 2 == 1
    assert re.search(r"^default_queue_type\s*=\s*quorum$", broker["rabbitmq"]["additionalConfig"], re.M)


# ---- probes ------------------------------------------------------------------------------------


def gateway_routes() -> set[str]:
    gateway = service_class("gateway")
    return {entrypoint.url for name in dir(gateway)
            for entrypoint in getattr(getattr(gateway, name), "nameko_entrypoints", ())
            if getattr(entrypoint, "method", None) == "GET"}


def test_the_gateway_is_probed_on_its_health_and_readiness_routes_on_its_port():
    container = main_container("gateway")
    (port,) = container["ports"]
    assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": port["name"]}
    assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": port["name"]}
    assert {"/ready", "/health"} <= gateway_routes()
    address = environment(container)["GUIYAN_WEB_ADDRESS"]
    assert address == f"0.0.0.0:{port['containerPort']}"
    assert f"EXPOSE {port['containerPort']}" in DOCKERFILE


def test_the_gateway_is_reached_through_its_service_and_ingress_and_kept_up_in_a_drain():
    service_port = one("Service")["spec"]["ports"][0]
    assert service_port["targetPort"] == main_container("gateway")["ports"][0]["name"]
    backend = one("Ingress")["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": one("Service")["metadata"]["name"], "port": {"name": service_port["name"]}}
    assert DEPLOYMENTS["gateway"]["spec"]["replicas"] > one("PodDisruptionBudget")["spec"]["minAvailable"]


@pytest.mark.parametrize("name", sorted(set(SERVICES) - {"gateway"}))
def test_each_nameko_service_is_probed_by_its_ping(name):
    container = main_container(name)
    ping = service_class(name).ping
    assert any(isinstance(entrypoint, Rpc) for entrypoint in ping.nameko_entrypoints)
    for kind, liveness in (("startupProbe", False), ("readinessProbe", False), ("livenessProbe", True)):
        command = container[kind]["exec"]["command"]
        assert command[:3] == ["python", "-m", "guiyan.probe"]
        args = probe.arguments(command[3:])
        assert (args.service, args.liveness, args.migrated) == (name, liveness, False)
        assert container[kind]["timeoutSeconds"] > args.timeout + 2  # the interpreter starts, too


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_waits_for_its_own_database_to_be_migrated(name):
    (init,) = pod_spec(DEPLOYMENTS[name])["initContainers"]
    args = probe.arguments(init["command"][3:])
    assert init["command"][:3] == ["python", "-m", "guiyan.probe"]
    assert (args.service, args.migrated) == (name, True) and args.wait > 0


def test_the_migration_job_runs_guiyan_prepare():
    (container,) = pod_spec(JOB)["containers"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert container["command"] == ["guiyan", "prepare"] and scripts["guiyan"] == "guiyan.cli:main"
    assert 'add_parser("prepare"' in (ROOT / "guiyan" / "cli.py").read_text(encoding="utf-8")
    assert pod_spec(JOB)["restartPolicy"] == "Never" and JOB["spec"]["backoffLimit"] > 0


# ---- the image and the resources -----------------------------------------------------------------


def test_every_container_runs_the_image_deploy_dockerfile_builds_as_its_user():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    (image,) = KUSTOMIZATION["images"]
    uid = re.search(r"useradd .*--uid (\d+)", DOCKERFILE).group(1)
    assert re.search(r'^CMD .*python -m guiyan\.runner', DOCKERFILE, re.M)  # the command each one runs
    for where, container, _ in every_container():
        assert container["image"] == f"{image['name']}:{image['newTag']}" == f"guiyan:{version}", where
    for workload in [*DEPLOYMENTS.values(), JOB]:
        assert pod_spec(workload)["securityContext"]["runAsUser"] == int(uid)


@pytest.mark.parametrize("where, container, settings_class",
                         list(every_container()), ids=[where for where, _, _ in every_container()])
def test_every_container_has_requests_within_its_limits(where, container, settings_class):
    requests, limits = container["resources"]["requests"], container["resources"]["limits"]
    for resource in ("cpu", "memory"):
        assert quantity(requests[resource]) <= quantity(limits[resource]), f"{where} {resource}"


@pytest.mark.parametrize("name", sorted(set(SERVICES) - {"gateway"}))
def test_memory_is_sized_for_one_service_process_and_its_probe(name):
    resources = main_container(name)["resources"]
    assert 80 * 2**20 <= quantity(resources["requests"]["memory"]) <= PROCESS_TARGET + PROBE_PROCESS
    assert PROCESS_TARGET + PROBE_PROCESS <= quantity(resources["limits"]["memory"]) <= 256 * 2**20


def test_the_gateway_gets_a_little_more_memory_than_the_others():
    gateway = main_container("gateway")["resources"]
    others = max(quantity(main_container(name)["resources"]["requests"]["memory"])
                 for name in SERVICES if name != "gateway")
    assert others < quantity(gateway["requests"]["memory"]) <= 1.5 * PROCESS_TARGET
    assert quantity(gateway["limits"]["memory"]) <= 256 * 2**20
