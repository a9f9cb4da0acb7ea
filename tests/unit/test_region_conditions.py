"""A list's region condition (shared.db.visible_to, in_region): by the level's own index where the
table keeps one per level, by a code prefix everywhere else; the same rows either way."""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from shared.actors import as_actor
from shared.db import REGION_LEVELS, in_region, visible_to

metadata = sa.MetaData()
LEVELLED = sa.Table("levelled", metadata, sa.Column("region_code", sa.String(12)), sa.Column("owner", sa.String(36)),
                    info={REGION_LEVELS: (6, 9)})
PLAIN = sa.Table("plain", metadata, sa.Column("region_code", sa.String(12)), sa.Column("owner", sa.String(36)))


def sql(condition) -> str:
    return str(condition.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def official(region_code: str, level: str):
    return as_actor({"user_id": "u-1", "username": "o", "role": "official", "region_code": region_code,
                     "level": level})


def test_a_county_or_township_is_asked_by_its_levels_index_on_a_table_that_keeps_one():
    for code, level, prefix in (("511024000000", "county", "511024"), ("511024102000", "township", "511024102")):
        seen = visible_to(official(code, level), owner=LEVELLED.c.owner, region=LEVELLED.c.region_code)
        assert sql(seen) == f"left(levelled.region_code, {len(prefix)}) = '{prefix}'"
        assert sql(in_region(LEVELLED.c.region_code, code)) == sql(seen)


def test_a_city_a_village_and_any_table_without_level_indexes_are_asked_by_prefix():
    city = visible_to(official("511000000000", "city"), owner=LEVELLED.c.owner, region=LEVELLED.c.region_code)
    assert sql(city) == "levelled.region_code LIKE '5110' || '%%'"
    assert sql(in_region(LEVELLED.c.region_code, "511024102201")) == (
        "levelled.region_code LIKE '511024102201' || '%%' ESCAPE '/'")
    county = visible_to(official("511024000000", "county"), owner=PLAIN.c.owner, region=PLAIN.c.region_code)
    assert "LIKE" in sql(county) and "left" not in sql(county)


def test_an_entrepreneur_sees_their_own_whatever_the_table():
    me = as_actor({"user_id": "u-2", "username": "e", "role": "entrepreneur"})
    assert sql(visible_to(me, owner=LEVELLED.c.owner, region=LEVELLED.c.region_code)) == "levelled.owner = 'u-2'"
