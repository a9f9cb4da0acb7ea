"""Alembic environment of the projects database."""

import shared.idempotency  # noqa: F401  (registers the command_log table)
from services.projects.models import Base
from shared.migration_env import run

run(Base.metadata)
