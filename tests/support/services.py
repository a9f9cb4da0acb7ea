"""The services a process can run, as guiyan.runner names them, for tests that check every one."""

from __future__ import annotations

import ast
import functools
import importlib
from pathlib import Path

RUNNER = Path(__file__).resolve().parents[2] / "guiyan" / "runner.py"


@functools.cache
def runner_services() -> dict[str, str]:
    """guiyan.runner's SERVICE_CLASSES ("module:Class" by name), read without importing it (it
    monkey-patches eventlet)."""
    for node in ast.parse(RUNNER.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "SERVICE_CLASSES":
            return ast.literal_eval(node.value)
    raise AssertionError("guiyan/runner.py has no SERVICE_CLASSES")


def service_class(name: str) -> type:
    """One service's class, imported."""
    module, _, attribute = runner_services()[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


def service_classes() -> dict[str, type]:
    """Each service's class, imported, by name."""
    return {name: service_class(name) for name in runner_services()}
