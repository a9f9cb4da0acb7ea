"""The registry's lists at scale against the real PostgreSQL: cursor paging, the capped total, every kind
of search fragment, the access rules, and the plans that use the indexes of migration 0003.

The module has its own migrated registry database (the run's shared one holds other modules' records),
filled by `bench.reading.seed` and a few hand-made rows whose created_at are shared on purpose.
"""

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from bench.reading import seed
from services.registry import readmodel
from services.registry.models import Enterprise, Entrepreneur
from shared import clock
from shared.actors import as_actor
from shared.contracts.registry import ListQuery
from shared.migrate import drop_database, ensure_database, upgrade
from shared.paging import TOTAL_CAP
from tests.factories import credit_code, mobile, resident_id

CITY, COUNTY, TOWNSHIP = "511000", "511024", "511024102"  # the township: 新店镇
LEVELS = {CITY: "city", COUNTY: "county", TOWNSHIP: "township"}
TIED_AT = dt.datetime(2025, 5, 4, 9, 30, tzinfo=dt.UTC)
SEEDED = 3000


def official(region_code: str, level: str) -> dict:
    return {"user_id": str(uuid.uuid4()), "username": f"official_{level}", "role": "official",
            "region_code": region_code, "level": level}


@pytest.fixture(scope="module")
def engine(infra):
    name = f"guiyan_reading_{uuid.uuid4().hex[:8]}"
    ensure_database(infra.postgres_url, name)
    url = f"{infra.postgres_url.rstrip('/')}/{name}"
    try:
        upgrade("registry", url)
        seed(url, SEEDED, SEEDED // 3)
        made = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1), poolclass=sa.pool.NullPool)
        yield made
        made.dispose()
    finally:
        drop_database(infra.postgres_url, name)


def person(name: str, created_at: dt.datetime, region: str = TOWNSHIP + "000", **extra) -> Entrepreneur:
    return Entrepreneur(name=name, id_number=resident_id(), gender="female", birth_date=dt.date(1990, 1, 1),
                        phone=mobile(), household_region_code=COUNTY + "000000",
                        region_code=region, education="college", skills=[], certificates=[],
                        categories=["graduate"], created_by="test", created_at=created_at, **extra)


@pytest.fixture
def tied(engine):
    """Twelve people of one township under a name part of their own, registered in three batches of one instant each."""
    marker = "曦" + uuid.uuid4().hex[:3]
    people = [person(f"{marker}{n:02d}", TIED_AT - dt.timedelta(hours=n // 4)) for n in range(12)]
    with Session(engine) as session:
        session.add_all(people)
        session.commit()
        return marker, [p.id for p in sorted(people, key=lambda p: (-p.created_at.timestamp(), p.id))]


def listing(engine, actor: dict, which=readmodel.list_entrepreneurs, **query) -> dict:
    with Session(engine) as session:
        return which(session, as_actor(actor), ListQuery(**query))


def walk(engine, actor: dict, **query) -> list[str]:
    """Every page by its cursor, from the first to the one without `next`."""
    seen, page = [], listing(engine, actor, **query)
    while True:
        seen += [item["id"] for item in page["items"]]
        if page["next"] is None:
            return seen
        page = listing(engine, actor, after=page["next"], **query)


# ---- cursor and count ------------------------------------------------------------------------------

def test_walking_by_cursor_shows_every_row_once_even_where_rows_share_their_instant(engine, tied):
    marker, expected = tied
    for size in (1, 4, 5, 12, 20):
        assert walk(engine, official(TOWNSHIP, "township"), q=marker, per_page=size) == expected


def test_a_whole_region_walked_by_cursor_equals_the_numbered_pages(engine):
    county = official(COUNTY, "county")
    by_cursor = walk(engine, county, per_page=100, status="registered")
    by_number = [item["id"] for number in range(1, len(by_cursor) // 100 + 2)
                 for item in listing(engine, county, per_page=100, status="registered", page=number)["items"]]
    assert by_cursor == by_number and len(set(by_cursor)) == len(by_cursor) > 100


def test_a_row_registered_while_an_official_pages_does_not_shift_the_next_page(engine, tied):
    marker, expected = tied
    township = official(TOWNSHIP, "township")
    first = listing(engine, township, q=marker, per_page=5)
    with Session(engine) as session:
        session.add(person(f"{marker}新", clock.utcnow()))
        session.commit()
    second = listing(engine, township, q=marker, per_page=5, after=first["next"])
    assert [item["id"] for item in second["items"]] == expected[5:10]
    assert second["total"] == 13


def test_the_total_is_exact_up_to_the_cap_and_says_when_there_are_more(engine, tied):
    marker, expected = tied
    city = listing(engine, official(CITY, "city"), per_page=1)
    assert (city["total"], city["total_capped"]) == (TOTAL_CAP, True)
    few = listing(engine, official(TOWNSHIP, "township"), q=marker, per_page=5)
    assert (few["total"], few["total_capped"]) == (len(expected), False)
    past_the_end = listing(engine, official(TOWNSHIP, "township"), q=marker, per_page=5, page=9)
    assert (past_the_end["items"], past_the_end["total"], past_the_end["next"]) == ([], len(expected), None)


# ---- searches ------------------------------------------------------------------------------------

def first_of(engine, sql: str) -> tuple:
    with engine.connect() as connection:
        return connection.execute(sa.text(sql)).first()


def found(engine, q: str, which=readmodel.list_entrepreneurs, actor=None) -> list[dict]:
    return listing(engine, actor or official(CITY, "city"), which, q=q, per_page=100)["items"]


def test_a_name_is_found_by_one_two_or_three_of_its_characters(engine):
    record_id, name = first_of(engine, "SELECT id, name FROM entrepreneurs WHERE char_length(name) = 3 LIMIT 1")
    for fragment in (name[:1], name[1:], name):
        items = found(engine, fragment)
        assert all(fragment in item["name"] for item in items)
    assert record_id in {item["id"] for item in found(engine, name)}


def test_a_resident_id_is_found_by_a_fragment_and_by_its_final_x_in_either_case(engine):
    record_id, number = first_of(engine, "SELECT id, id_number FROM entrepreneurs WHERE id_number LIKE '%X' LIMIT 1")
    for fragment in (number[6:14], number[-6:], number[-6:].lower()):
        assert record_id in {item["id"] for item in found(engine, fragment)}


def test_a_fragment_that_repeats_itself_finds_exactly_the_records_that_hold_it(engine):
    """"880808" makes three trigrams that nearly every row holds; its four-digit pieces find the few."""
    record_id, number, created_at = first_of(
        engine, "SELECT id, id_number, created_at FROM entrepreneurs WHERE id_number LIKE '%X' LIMIT 1")
    twin = number[:6] + "19880808" + number[14:17]
    with engine.begin() as connection:  # the newest record: on the first page however many others hold it
        connection.execute(sa.text("UPDATE entrepreneurs SET id_number = :n, created_at = now() + interval '1 day'"
                                   " WHERE id = :i"), {"n": twin, "i": record_id})
    try:
        for fragment in ("880808", "19880808", "8808", "0808"):
            items = found(engine, fragment)
            assert record_id in {item["id"] for item in items}, fragment
            with engine.connect() as connection:
                holders = connection.scalar(sa.text(
                    "SELECT count(*) FROM entrepreneurs WHERE region_code LIKE '5110%' AND"
                    " (strpos(id_number, :f) > 0 OR strpos(phone, :f) > 0 OR strpos(name, :f) > 0)"), {"f": fragment})
            assert len(items) == min(holders, 100), fragment
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE entrepreneurs SET id_number = :n, created_at = :c WHERE id = :i"),
                               {"n": number, "c": created_at, "i": record_id})


def test_a_phone_is_found_by_a_fragment_but_only_an_unmasked_fragment_matches(engine):
    record_id, phone = first_of(engine, "SELECT id, phone FROM entrepreneurs LIMIT 1")
    items = found(engine, phone[-6:])
    assert record_id in {item["id"] for item in items}
    assert all("*" in item["phone"] for item in items)  # lists still mask what they show


def test_an_enterprise_is_found_by_its_credit_code_a_fragment_of_it_its_name_or_industry(engine):
    record_id, code, name = first_of(engine, "SELECT id, credit_code, name FROM enterprises LIMIT 1")
    for fragment in (code, code[8:14].lower(), name[2:4], "养殖"):
        items = found(engine, fragment, readmodel.list_enterprises)
        assert items and all(fragment.upper() in item["credit_code"] or fragment in item["name"] + item["industry"]
                             for item in items)
    assert record_id in {item["id"] for item in found(engine, code, readmodel.list_enterprises)}


def test_percent_is_a_character_to_find_not_a_wildcard(engine):
    assert found(engine, "%") == [] and found(engine, "_") == []


# ---- access stays as it was ----------------------------------------------------------------------

def test_an_official_finds_nothing_outside_their_region_and_an_entrepreneur_only_their_own(engine, tied):
    marker, _ = tied
    assert found(engine, marker, actor=official("511025", "county")) == []
    account = str(uuid.uuid4())
    with Session(engine) as session:
        mine = person(f"{marker}本人", TIED_AT, account_id=account)
        session.add(mine)
        session.flush()
        session.add(Enterprise(owner_entrepreneur_id=mine.id, name=f"{marker}合作社", kind="cooperative",
                               credit_code=credit_code(), industry="种植业", region_code=TOWNSHIP + "000",
                               founded_on=dt.date(2025, 1, 1), investment_fen=0, headcount=1, poverty_hires=0,
                               created_by="test"))
        session.commit()
    me = {"user_id": account, "username": "13800000000", "role": "entrepreneur"}
    assert [item["name"] for item in listing(engine, me, q=marker)["items"]] == [f"{marker}本人"]
    assert [item["name"] for item in listing(engine, me, readmodel.list_enterprises)["items"]] == [f"{marker}合作社"]
    assert listing(engine, me, readmodel.list_enterprises)["total"] == 1


# ---- the plans use the indexes -------------------------------------------------------------------

PLANS = [  # (who, which list, query, an index the plan must name)
    (CITY, "entrepreneurs", {}, "entrepreneurs_newest"),
    (COUNTY, "entrepreneurs", {}, "entrepreneurs_county_newest"),
    (TOWNSHIP, "entrepreneurs", {}, "entrepreneurs_township_newest"),
    (COUNTY, "enterprises", {}, "enterprises_county_newest"),
    (TOWNSHIP, "enterprises", {}, "enterprises_township_newest"),
    (TOWNSHIP, "entrepreneurs", {"status": "registered"}, "entrepreneurs_"),
    (CITY, "entrepreneurs", {"q": "{name}"}, "entrepreneurs_name_grams"),
    (TOWNSHIP, "entrepreneurs", {"q": "{name}"}, "entrepreneurs_name_grams"),
    (CITY, "entrepreneurs", {"q": "{id_fragment}"}, "entrepreneurs_id_number_grams"),
    (CITY, "entrepreneurs", {"q": "{phone_fragment}"}, "entrepreneurs_phone_grams"),
    (CITY, "entrepreneurs", {"q": "{short_fragment}"}, "entrepreneurs_id_number_trgm"),
    (CITY, "entrepreneurs", {"q": "{short_fragment}"}, "entrepreneurs_phone_trgm"),
    (CITY, "entrepreneurs", {"q": "{id_number}"}, "entrepreneurs_id_number_key"),
    (CITY, "enterprises", {"q": "{credit_code}"}, "enterprises_credit_code_key"),
    (CITY, "enterprises", {"q": "{code_fragment}"}, "enterprises_credit_code_trgm"),
    (CITY, "enterprises", {"status": "registered"}, "enterprises_status_region"),
    (CITY, "enterprises", {"q": "{firm_name}"}, "enterprises_name_grams"),
]


@pytest.mark.parametrize(("region", "which", "query", "index"), PLANS)
def test_the_list_and_search_plans_use_the_indexes_under_the_region_scope(engine, region, which, query, index):
    name, number, phone = first_of(engine, "SELECT name, id_number, phone FROM entrepreneurs LIMIT 1")
    code, firm = first_of(engine, "SELECT credit_code, name FROM enterprises LIMIT 1")
    values = {"name": name, "id_number": number, "id_fragment": number[8:14], "phone_fragment": phone[-6:],
              "short_fragment": phone[-3:],
              "credit_code": code, "code_fragment": code[9:15], "firm_name": firm[2:5]}
    query = ListQuery(**{key: value.format(**values) for key, value in query.items()})
    level = LEVELS[region]
    build = readmodel.entrepreneurs_query if which == "entrepreneurs" else readmodel.enterprises_query
    model = Entrepreneur if which == "entrepreneurs" else Enterprise
    statement = readmodel.page_statement(build(as_actor(official(region, level)), query), model, query)
    sql = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        # the database's own planner settings (migration 0005), as every connection of the service has them
        assert connection.scalar(sa.text("SHOW random_page_cost")) == "1.1"
        assert connection.scalar(sa.text("SHOW max_parallel_workers_per_gather")) == "0"
        connection.execute(sa.text("SET enable_seqscan = off"))
        plan = "\n".join(connection.execute(sa.text("EXPLAIN " + sql.replace("%%", "%"))).scalars())
    assert index in plan, plan
    assert f"Seq Scan on {which}" not in plan, plan


def scans_of(node: dict):
    """The scans of a JSON plan, depth first (an InitPlan before the outer plan it feeds)."""
    if "Scan" in node["Node Type"]:
        yield node
    for part in node.get("Plans", ()):
        yield from scans_of(part)


def test_a_countys_first_page_reads_only_its_own_rows_however_many_newer_ones_another_township_has(engine):
    """An office's import makes one township's people the newest rows by the thousand: a county's
    list walked the newest rows and skipped every one of them (300 ms at 1,000,000 people after an
    import of 100,000). Read by its own index, its page and its capped count touch its own rows only."""
    elsewhere = "511011101"  # 东兴区郭北镇, another county
    newest = clock.utcnow() + dt.timedelta(days=1)
    with Session(engine) as session:
        session.add_all(person(f"导入{n}", newest, region=elsewhere + "201") for n in range(2000))
        session.commit()
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("ANALYZE entrepreneurs"))
        for region in (COUNTY, TOWNSHIP):
            query = ListQuery()
            statement = readmodel.page_statement(
                readmodel.entrepreneurs_query(as_actor(official(region, LEVELS[region])), query), Entrepreneur, query)
            sql = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
            with engine.connect() as connection:
                plan = connection.execute(sa.text("EXPLAIN (ANALYZE, FORMAT JSON) " + sql.replace("%%", "%"))).scalar()
            scans = list(scans_of(plan[0]["Plan"]))  # the page's, and the capped count's beside it
            assert len(scans) == 2, scans
            for scan in scans:
                assert scan.get("Index Name") == f"entrepreneurs_{LEVELS[region]}_newest", scan
                assert scan.get("Rows Removed by Filter", 0) == 0, scan
            assert scans[0]["Node Type"] == "Index Only Scan"  # the count: the region code is in the index
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM entrepreneurs WHERE created_at = :at"), {"at": newest})
