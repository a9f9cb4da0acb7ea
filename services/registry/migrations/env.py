"""Alembic environment of the registry's database."""

import shared.idempotency  # noqa: F401  (registers the command_log table)
from services.registry.models import Base
from shared.migration_env import run

run(Base.metadata)
