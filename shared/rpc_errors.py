"""Registers the domain errors with nameko, so that they cross RPC as themselves.

`shared.errors` stays plain Python (every `domain.py` raises them); this is the one place that
teaches nameko's deserialisation about them. `shared.nameko_base` (every service) and the gateway's
RPC client import it; without it a caller would receive a `RemoteError` instead of, say, an
`InvalidInput` with its code, field, message and details.
"""

from __future__ import annotations

from nameko.exceptions import deserialize_to_instance

from shared.errors import EXPECTED_ERRORS

for error_class in EXPECTED_ERRORS:
    deserialize_to_instance(error_class)
