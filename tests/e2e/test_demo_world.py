"""`make run`'s example data, made through the API on a system of its own (fresh databases and vhost),
so that the demo accounts' fixed names and region never meet the other tests' data."""


import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.finance.handlers.fund import ensure_demo_world
from services.gateway import demo_world
from services.gateway.demo import DEMO_PASSWORD, ensure_demo_accounts
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
                            ("finance", lambda session: ensure_demo_world(session, demo_world.DEMO_CITIES))):
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
    # 绵阳 runs its own programme beside 内江's: its own borrower, bank, fund and difficulty
    li = client("13800000002")
    li_firm = li.get("/api/v1/enterprises").json()["items"][0]
    li_loans = li.get("/api/v1/loans").json()["items"]
    assert [(loan["status"], loan["bank_code"]) for loan in li_loans] == [("disbursed", "MYCCB")]
    mianyang = client("mianyang_city_official")
    assert {loan["id"] for loan in mianyang.get("/api/v1/loans").json()["items"]} == {li_loans[0]["id"]}
    assert li_loans[0]["id"] not in {loan["id"] for loan in city.get("/api/v1/loans").json()["items"]}
    assert city.get(f"/api/v1/enterprises/{li_firm['id']}").status_code == 404
    assert mianyang.get(f"/api/v1/enterprises/{firm['id']}").status_code == 404
    funds = {who: client(who).get("/api/v1/fund").json() for who in ("city_official", "mianyang_city_official")}
    assert {f["city_name"]: f["outstanding_fen"] for f in funds.values()} == {"内江市": 20_000_000,
                                                                              "绵阳市": 15_000_000}
    province = client("province_official")
    assert province.get("/api/v1/fund", params={"city": "510700"}).json() == funds["mianyang_city_official"]
    assert [d["category"] for d in mianyang.get("/api/v1/difficulties").json()["items"]] == ["market"]

