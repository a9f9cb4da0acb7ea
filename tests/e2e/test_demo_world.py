"""`make run`'s example data, made through the API on a system of its own (fresh databases and vhost),
so that the demo accounts' fixed names and region never meet the other tests' data."""


import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.finance.handlers.fund import ensure_demo_funds
from services.gateway import demo_world
from services.gateway.demo import DEMO_PASSWORD, ensure_demo_accounts
from shared.actors import programme_city
from tests.stack import Stack, fresh_databases


@pytest.fixture(scope="module")
def demo(infra, tmp_path_factory):
    with fresh_databases(infra.postgres_url, "demo") as (prefix, urls):
        yield from _demo_system(infra, tmp_path_factory, prefix, urls)


def _demo_system(infra, tmp_path_factory, prefix: str, urls: dict):
    vhost = infra.create_vhost("guiyan_demo")
    stack = Stack(infra, urls, vhost, tmp_path_factory.mktemp("demo_logs"))
    stack.env["GUIYAN_DATABASE_PREFIX"] = prefix
    for service, ensure in (("gateway", ensure_demo_accounts),
                            ("finance", lambda session: ensure_demo_funds(session, programme_city()))):
        engine = sa.create_engine(urls[service].replace("postgresql://", "postgresql+psycopg2://", 1),
                                  poolclass=sa.pool.NullPool)
        with Session(engine) as session, session.begin():
            ensure(session)
        engine.dispose()
    try:
        stack.start_services()
        stack.start("gateway")
        stack.wait_ready()
        yield stack
    finally:
        stack.stop_all()
        infra.delete_vhost(vhost)


def test_the_demo_world_is_made_once_and_every_demo_account_sees_its_part(demo):
    assert demo_world.seed(demo.base_url) is True
    assert demo_world.seed(demo.base_url) is False  # a second `make run` changes nothing

    def client(username):
        made = demo.client()
        made.login(username, DEMO_PASSWORD)
        return made

    chen = client("13800000001")
    firm = chen.get("/api/v1/enterprises").json()["items"][0]
    assert firm["name"] == "内江市东兴区秀英柑橘种植专业合作社" and firm["status"] == "verified"
    loans = chen.get("/api/v1/loans").json()["items"]
    assert [loan["status"] for loan in loans] == ["disbursed"]
    assert client("bank_liaison").get(f"/api/v1/loans/{loans[0]['id']}").status_code == 200
    city = client("city_official")
    difficulties = city.get("/api/v1/difficulties", params={"per_page": 10}).json()["items"]
    assert [(d["level"], d["category"]) for d in difficulties] == [("city", "labour")]
    assert {"loan_disbursed", "difficulty_escalated"} <= {
        step["event_type"] for step in city.get(f"/api/v1/enterprises/{firm['id']}/timeline").json()["events"]}
