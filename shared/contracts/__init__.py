"""What crosses a service boundary: request and answer models, enums with their Chinese labels.

One module per service. The gateway and the other services import these, never a service's own
modules, so a service can be deployed without the others' code.
"""

from typing import Any

Caller = dict[str, Any]  # who calls, as `Actor.model_dump()`: every command and query takes it first
Body = dict[str, Any]  # a request's JSON, validated by the service into its contract model
