"""Databases and Alembic migrations: one database and one migration history per service."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent
SERVICES_WITH_DATABASE = ("registry", "finance", "escalation", "projects", "consultation", "notifications", "gateway")


def alembic_config(service: str, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "services" / service / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("postgresql://", "postgresql+psycopg2://", 1))
    config.attributes["service"] = service
    return config


def ensure_database(server_url: str, name: str) -> bool:
    """Create the database if it is missing; True when it was created."""
    engine = sa.create_engine(f"{server_url.rstrip('/')}/postgres".replace(
        "postgresql://", "postgresql+psycopg2://", 1), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            return not exists
    finally:
        engine.dispose()


def drop_database(server_url: str, name: str) -> None:
    engine = sa.create_engine(f"{server_url.rstrip('/')}/postgres".replace(
        "postgresql://", "postgresql+psycopg2://", 1), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def upgrade(service: str, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, url), revision)


def prepare_all(settings) -> list[str]:
    """Create each service's database and bring it to the newest migration."""
    done = []
    for service in SERVICES_WITH_DATABASE:
        ensure_database(settings.postgres_url, f"{settings.database_prefix}_{service}")
        upgrade(service, settings.database_url(service))
        done.append(service)
    return done
