"""A service process does not load what it never uses (issue 14's memory at rest): eventlet's green
DNS (dnspython), rich and pygments, and PyYAML, which kombu would load to offer a YAML serializer."""

import subprocess
import sys

CHECK = """
import sys
import guiyan.runner
import services.gateway.service
import kombu.serialization
loaded = sorted(name for name in ("dns", "rich", "pygments", "yaml") if sys.modules.get(name) is not None)
print(",".join(loaded) or "none")
print(kombu.serialization.loads(kombu.serialization.dumps({"a": 1}, "json")[2], "application/json", "utf-8"))
"""


def test_a_service_process_loads_neither_green_dns_nor_rich_nor_yaml():
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "GUIYAN_SECRET_KEY": "x" * 32})
    assert done.returncode == 0, done.stderr[-2000:]
    loaded, decoded = done.stdout.split("\n")[:2]
    assert loaded == "none"
    assert decoded == "{'a': 1}"  # JSON, the only serializer in use, is there


GATEWAY = """
import sys
import guiyan.runner
gateway = guiyan.runner.service_class("gateway")
print("orm" if "sqlalchemy.orm" in sys.modules else "core", gateway.db.mapped)
import services.finance.service
print("orm" if "sqlalchemy.orm" in sys.modules else "core")
"""


def test_the_gateway_does_without_the_orm_which_the_services_that_map_classes_load():
    """The gateway's three tables are Core tables and its sessions `CoreSession`s: the ORM costs a
    process 6 MB that the gateway, the largest process, does not carry."""
    done = subprocess.run([sys.executable, "-c", GATEWAY], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "GUIYAN_SECRET_KEY": "x" * 32})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[:2] == ["core False", "orm"]
