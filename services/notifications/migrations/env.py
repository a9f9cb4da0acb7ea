"""Alembic environment of the notifications database."""

import shared.idempotency  # noqa: F401  (registers the command_log table)
from services.notifications.models import Base
from shared.migration_env import run

run(Base.metadata)
