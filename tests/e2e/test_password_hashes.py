"""Passwords are kept as Argon2id hashes at today's parameters; an older hash is upgraded at login."""

import sqlalchemy as sa
from argon2 import PasswordHasher

from services.gateway.handlers import auth
from tests.stack import PASSWORD


def _stored_hash(stack, username: str, new: str | None = None) -> str:
    engine = sa.create_engine(stack.databases["gateway"].replace("postgresql://", "postgresql+psycopg2://", 1),
                              poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        if new is not None:
            connection.execute(sa.text("UPDATE users SET password_hash = :hash WHERE username = :name"),
                               {"hash": new, "name": username})
        stored = connection.scalar(sa.text("SELECT password_hash FROM users WHERE username = :name"),
                                   {"name": username})
    engine.dispose()
    return stored


def test_an_account_hashed_with_older_parameters_logs_in_and_is_upgraded(stack):
    username = stack.create_user("entrepreneur")
    assert _stored_hash(stack, username).startswith("$argon2id$v=19$m=12288,t=3,p=1$")
    old = PasswordHasher().hash(PASSWORD)  # argon2-cffi's default: 64 MiB, 3 passes, 4 lanes
    assert _stored_hash(stack, username, new=old).startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    stack.client(username)  # logs in (asserts 200)
    upgraded = _stored_hash(stack, username)
    assert upgraded.startswith("$argon2id$v=19$m=12288,t=3,p=1$") and not auth.hasher.check_needs_rehash(upgraded)
    # and one of the 19 MiB hashes kept before them
    stale = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1).hash(PASSWORD)
    _stored_hash(stack, username, new=stale)
    stack.client(username)
    assert _stored_hash(stack, username).startswith("$argon2id$v=19$m=12288,t=3,p=1$")
    assert auth.hasher.verify(upgraded, PASSWORD)
    wrong = stack.client().post("/api/v1/auth/login", json={"username": username, "password": "not-the-password"})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (422, "login_failed")
