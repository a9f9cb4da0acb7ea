"""Alembic environment of the gateway's database."""

from services.gateway.models import Base
from shared.migration_env import run

run(Base.metadata)
