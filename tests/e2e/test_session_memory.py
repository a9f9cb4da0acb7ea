"""The gateway answers who holds a token from memory; every way a session or an account changes
still reaches it: a sign-out at once, an operator's change in the database as PostgreSQL announces it."""

import sqlalchemy as sa

from services.gateway.handlers.auth import token_hash
from tests.support.waiting import eventually


def _gateway_db(stack, statement: str, **params) -> None:
    engine = sa.create_engine(stack.databases["gateway"].replace("postgresql://", "postgresql+psycopg2://", 1),
                              poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.execute(sa.text(statement), params)
    engine.dispose()


def _token(client) -> str:
    return client.http.headers["Authorization"].removeprefix("Bearer ")


def test_a_signed_out_token_is_refused_at_once_though_the_gateway_knew_it(stack):
    client = stack.client(stack.create_user("entrepreneur"))
    for _ in range(3):  # known to the gateway's memory now
        assert client.get("/api/v1/me").status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 204
    answer = client.get("/api/v1/me")
    assert (answer.status_code, answer.json()["error"]["code"]) == (401, "token_invalid")


def test_a_session_ended_in_the_database_is_refused(stack):
    client = stack.client(stack.create_user("entrepreneur"))
    assert client.get("/api/v1/me").status_code == 200
    _gateway_db(stack, "DELETE FROM login_sessions WHERE token_hash = :h", h=token_hash(_token(client)))
    eventually(lambda: client.get("/api/v1/me").status_code == 401, timeout=2, interval=0.01,
               message="the ended session refused")


def test_an_account_deactivated_or_changed_in_the_database_is_seen(stack):
    liaison = stack.client(stack.create_user("bank_liaison", bank_code="NJRCB"))
    assert liaison.get("/api/v1/me").json()["bank_code"] == "NJRCB"
    _gateway_db(stack, "UPDATE users SET bank_code = 'PSBC' WHERE username = :u", u=liaison.username)
    eventually(lambda: liaison.get("/api/v1/me").json()["bank_code"] == "PSBC", timeout=2, interval=0.01,
               message="the liaison's new bank seen")
    _gateway_db(stack, "UPDATE users SET active = false WHERE username = :u", u=liaison.username)
    eventually(lambda: liaison.get("/api/v1/me").status_code == 401, timeout=2, interval=0.01,
               message="the deactivated account refused")
