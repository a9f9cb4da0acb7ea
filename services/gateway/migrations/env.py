"""Alembic environment of the gateway's database."""

from services.gateway.models import metadata
from shared.migration_env import run

run(metadata)
