"""Alembic environment of the consultation database."""

import shared.idempotency  # noqa: F401  (registers the command_log table)
from services.consultation.models import Base
from shared.migration_env import run

run(Base.metadata)
