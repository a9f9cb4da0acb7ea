"""What crosses a service boundary: request and answer models, enums with their Chinese labels.

One module per service. The gateway and the other services import these, never a service's own
modules, so a service can be deployed without the others' code.
"""
