"""Reading at scale (issue 14): officials' lists and searches over a seeded registry, through the gateway.

`seed` fills a migrated registry database in SQL (INSERT … SELECT over generate_series: realistic
names, resident IDs and credit codes with valid check characters, the programme's townships and
villages, two years of registrations); `measure` times the lists and searches through the real API.
Full size: `GUIYAN_NO_EVENTLET=1 .venv/bin/python -m bench.reading 1000000 300000` (PostgreSQL and
RabbitMQ up); with no arguments it runs at a tiny size in seconds.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import psycopg2

from bench.table import Row, at_least, at_most, reference
from shared import regions
from shared.actors import programme_city

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
COMMON_SURNAMES = "王李张刘陈杨黄赵吴周"  # about four in ten people carry one of these
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文红志云玉春林海燕成龙飞鹏辉宇浩"
         "婷雪梅琴玲晶德荣凤波斌鑫晓光亮宏新兵欣俊峰莉清家佳嘉颖倩萍永健东兴福贵顺富祥瑞安康宁")
SHOP_NAMES = "鑫源盛丰和顺兴旺金福永祥宏达恒通佳华富民康乐绿野田园山泉甜城沱江银山凤鸣龙腾"
INDUSTRIES = (("种植业", "柑橘专业合作社"), ("养殖业", "生态养殖场"), ("餐饮业", "农家乐"),
              ("乡村旅游", "休闲农庄"), ("电子商务", "电商服务部"), ("农产品加工", "食品加工厂"),
              ("建筑装修", "装饰工程部"), ("物流运输", "物流配送站"), ("零售业", "便民超市"),
              ("手工艺品", "竹编工艺坊"), ("家庭农场", "家庭农场"), ("汽车维修", "汽修服务部"))
KINDS = ("individual_business", "cooperative", "family_farm", "small_micro")
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def living_places() -> list[str]:
    """Where the programme's returnees live and register: its city's townships and villages."""
    return sorted(code for code in regions.local_regions() if regions.within(programme_city(), code)
                  and regions.level_of(code) in ("township", "village"))


def counties() -> list[str]:
    return sorted(code[:6] for code in regions.local_regions() if regions.within(programme_city(), code)
                  and regions.level_of(code) == "county")


def _array(values) -> str:
    return "ARRAY[" + ",".join(f"'{value}'" for value in values) + "]::text[]"


HELPERS = """
CREATE FUNCTION pg_temp.h(n bigint, salt int) RETURNS bigint LANGUAGE sql IMMUTABLE AS
  $$ SELECT (hashint8(n * 1009 + salt)::bigint & 2147483647) $$;
CREATE FUNCTION pg_temp.pick(items text[], n bigint) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT items[1 + n % array_length(items, 1)] $$;
CREATE FUNCTION pg_temp.ch(letters text, n bigint) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT substr(letters, 1 + (n % char_length(letters))::int, 1) $$;
CREATE FUNCTION pg_temp.id_check(body text) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT substr('10X98765432', 1 + (sum(substr(body, i, 1)::int * ((2 ^ (18 - i))::bigint % 11)) % 11)::int, 1)
     FROM generate_series(1, 17) i $$;
CREATE FUNCTION pg_temp.credit_check(body text) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT substr(:'alphabet', 1 + ((31 - sum((strpos(:'alphabet', substr(body, i, 1)) - 1)
                                              * ((3 ^ (i - 1))::bigint % 31)) % 31) % 31)::int, 1)
     FROM generate_series(1, 17) i $$;
"""

ENTREPRENEURS = """
INSERT INTO entrepreneurs (id, id_number, name, gender, birth_date, phone, household_region_code,
    region_code, return_date, previous_work_place, previous_occupation, education, skills, certificates,
    categories, status, created_by, created_at, version)
SELECT md5(:salt || 'p' || n)::uuid::text, id_number || pg_temp.id_check(id_number), name,
       CASE WHEN substr(id_number, 17, 1)::int % 2 = 1 THEN 'male' ELSE 'female' END, birth,
       pg_temp.pick(ARRAY['13','15','17','18','19'], pg_temp.h(n, 3)) || lpad((pg_temp.h(n, 4) % 1000000000)::text, 9, '0'),
       rpad(substr(id_number, 1, 6), 12, '0'), region, birth + 365 * 25, '广东省东莞市', '电子厂装配工',
       pg_temp.pick(ARRAY['junior_high','senior_high','vocational','college'], pg_temp.h(n, 5)),
       '[]', '[]', '["returnee_migrant_worker"]',
       CASE WHEN pg_temp.h(n, 6) % 10 < 7 THEN 'verified' ELSE 'registered' END, 'bench', created_at, 1
FROM (SELECT n, pg_temp.pick(:places, pg_temp.h(n, 1)) AS region,
             date '1965-01-01' + (n % 12000)::int AS birth,
             now() - make_interval(secs => pg_temp.h(n, 7) % (730 * 86400)) AS created_at,
             CASE WHEN pg_temp.h(n, 8) % 10 < 4 THEN pg_temp.ch(:'common', pg_temp.h(n, 9))
                  ELSE pg_temp.ch(:'surnames', pg_temp.h(n, 9)) END
             || pg_temp.ch(:'given', pg_temp.h(n, 10))
             || CASE WHEN pg_temp.h(n, 11) % 10 < 7 THEN pg_temp.ch(:'given', pg_temp.h(n, 12)) ELSE '' END AS name,
             pg_temp.pick(:counties, pg_temp.h(n, 2)) || to_char(date '1965-01-01' + (n % 12000)::int, 'YYYYMMDD')
             || lpad(((n / 12000 + :offset) % 1000)::text, 3, '0') AS id_number
      FROM generate_series(1, :count) n) people
ON CONFLICT DO NOTHING
"""

ENTERPRISES = """
INSERT INTO enterprises (id, owner_entrepreneur_id, name, kind, credit_code, industry, region_code,
    founded_on, investment_fen, headcount, poverty_hires, status, created_by, created_at, version)
SELECT md5(:salt || 'e' || m)::uuid::text, owner.id,
       '内江' || pg_temp.ch(:'shops', pg_temp.h(m, 21)) || pg_temp.ch(:'shops', pg_temp.h(m, 22)) || suffix,
       pg_temp.pick(:kinds, pg_temp.h(m, 23)), body || pg_temp.credit_check(body), industry, owner.region_code,
       (owner.created_at - interval '30 days')::date, (pg_temp.h(m, 24) % 100000) * 10000,
       pg_temp.h(m, 25) % 50, pg_temp.h(m, 26) % 5,
       CASE WHEN pg_temp.h(m, 27) % 10 < 6 THEN 'verified' ELSE 'registered' END, 'bench',
       owner.created_at + make_interval(secs => pg_temp.h(m, 28) % (30 * 86400)), 1
FROM (SELECT m, md5(:salt || 'p' || (1 + (m * 7) % :people))::uuid::text AS owner_id,
             (pg_temp.h(m, 29) % 12)::int AS trade,
             '92' || pg_temp.pick(:counties, pg_temp.h(m, 30))
             || (SELECT string_agg(pg_temp.ch(:'alphabet', (m + :offset) * 7777777777 % 26439622160671
                                                           / (31 ^ k)::bigint), '' ORDER BY k DESC)
                 FROM generate_series(0, 8) k) AS body  -- m's own digits in base 31, shuffled: unique
      FROM generate_series(1, :count) m) firms
JOIN entrepreneurs owner ON owner.id = firms.owner_id
CROSS JOIN LATERAL (SELECT (:industries)[trade + 1][1] AS industry, (:industries)[trade + 1][2] AS suffix) trade
ON CONFLICT DO NOTHING
"""


def _literal_sql(sql: str, values: dict) -> str:
    """psql-style :'name' (quoted) and :name (verbatim) substituted: the statements carry no user input."""
    for name, value in sorted(values.items(), key=lambda item: -len(item[0])):
        sql = sql.replace(f":'{name}'", f"'{value}'").replace(f":{name}", str(value))
    return sql


def seed(registry_url: str, entrepreneurs: int, enterprises: int) -> None:
    """Add `entrepreneurs` people and `enterprises` firms (owned by them) to a migrated registry, then ANALYZE."""
    offset = uuid.uuid4().int % 1000  # another seeding of the same database gets other ID numbers
    values = {"salt": f"'{uuid.uuid4().hex}'", "offset": offset, "alphabet": CREDIT_ALPHABET,
              "surnames": SURNAMES, "common": COMMON_SURNAMES, "given": GIVEN, "shops": SHOP_NAMES,
              "places": _array(living_places()), "counties": _array(counties()), "kinds": _array(KINDS),
              "industries": "ARRAY[" + ",".join(f"ARRAY['{a}','{b}']" for a, b in INDUSTRIES) + "]",
              "people": entrepreneurs}
    connection = psycopg2.connect(registry_url)  # statements without parameters: '%' stays as is
    try:
        with connection.cursor() as cursor:
            cursor.execute(_literal_sql(HELPERS, values))
            cursor.execute(_literal_sql(ENTREPRENEURS, {**values, "count": entrepreneurs}))
            cursor.execute(_literal_sql(ENTERPRISES, {**values, "count": enterprises}))
        connection.commit()
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE entrepreneurs")
            cursor.execute("VACUUM ANALYZE enterprises")
    finally:
        connection.close()


# ---- measuring through the gateway ----------------------------------------------------------------

LIST_P95_MS, LIST_PER_SECOND, SEARCH_P95_MS = 100, 100, 150  # issue 14, with 8 concurrent clients
SAMPLES = 20  # distinct search fragments, taken from the seeded rows


def samples(registry_url: str) -> dict[str, list[str]]:
    """Fragments people type, from rows that exist: two characters of a name, six digits of an ID…"""
    connection = psycopg2.connect(registry_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, id_number, phone FROM entrepreneurs TABLESAMPLE SYSTEM (50) LIMIT %s",
                           (SAMPLES,))
            people = cursor.fetchall()
            cursor.execute("SELECT credit_code FROM enterprises TABLESAMPLE SYSTEM (50) LIMIT %s", (SAMPLES,))
            codes = [row[0] for row in cursor.fetchall()]
    finally:
        connection.close()
    return {"name": [name[:2] for name, _, _ in people], "id_number": [number[8:14] for _, number, _ in people],
            "phone": [phone[-6:] for _, _, phone in people], "credit_code": codes}


def load(clients: list, call: Callable, requests: int) -> tuple[list[float], float]:
    """`requests` calls spread over the clients at once: each one's latency (ms), and calls per second."""
    def run(index: int) -> list[float]:
        client, spent = clients[index], []
        for number in range(index, requests, len(clients)):
            start = time.perf_counter()
            response = call(client, number)
            spent.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.text
        return spent

    start = time.perf_counter()
    with ThreadPoolExecutor(len(clients)) as pool:
        latencies = [ms for spent in pool.map(run, range(len(clients))) for ms in spent]
    return latencies, requests / (time.perf_counter() - start)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def official_clients(stack, region_code: str, level: str, count: int) -> list:
    """`count` HTTP sessions of one official (one login: argon2 is not what is measured here)."""
    first = stack.client(stack.create_user("official", region_code=region_code, level=level))
    clients = [first]
    for _ in range(count - 1):
        twin = stack.client()
        twin.http.headers.update(first.http.headers)
        clients.append(twin)
    return clients


def listing(path: str, params: Callable[[int], dict]) -> Callable:
    return lambda client, number: client.get(path, params={"per_page": 20, **params(number)})


def measure(stack, registry_url: str, clients: int = 8, requests: int = 200) -> list[Row]:
    """The officials' lists and searches through the gateway's API, `clients` at a time, beside the
    ceiling: an authenticated API call that reaches no service."""
    found = samples(registry_url)
    city, county, township = (official_clients(stack, code, level, clients) for code, level in
                              (("511000", "city"), ("511024", "county"), ("511011101", "township")))
    people = "/api/v1/entrepreneurs"
    second = city[0].get(people, params={"per_page": 20}).json()["next"]
    load(city, listing(people, lambda n: {}), clients * 2)  # warm-up: connections, caches
    ceiling = load(city, lambda client, n: client.get("/api/v1/me"), requests)[1]
    city_list, rate = load(city, listing(people, lambda n: {}), requests)
    rows = [reference(f"ceiling: /api/v1/me req/s, {clients} clients", ceiling),
            at_most(f"city list p95, {clients} clients (ms)", p95(city_list), LIST_P95_MS),
            at_least(f"city list req/s, {clients} clients", rate, LIST_PER_SECOND,
                     share=f"{rate / ceiling:.0%}")]
    timed = {"county list p95 (ms)": (county, listing(people, lambda n: {})),
             "township list p95 (ms)": (township, listing(people, lambda n: {})),
             "city list 2nd page by cursor p95 (ms)": (city, listing(people, lambda n: {"after": second})),
             "enterprises city list p95 (ms)": (city, listing("/api/v1/enterprises", lambda n: {}))}
    for measure_name, (who, call) in timed.items():
        rows.append(at_most(measure_name, p95(load(who, call, requests)[0]), LIST_P95_MS))
    for kind, path in (("name", people), ("id_number", people), ("phone", people),
                       ("credit_code", "/api/v1/enterprises")):
        values = found[kind] or ["张"]
        call = listing(path, lambda n, values=values: {"q": values[n % len(values)]})
        rows.append(at_most(f"search by {kind.replace('_', ' ')} p95 (ms)",
                            p95(load(city, call, requests)[0]), SEARCH_P95_MS))
    return rows


def main() -> None:
    from bench.support import running_system

    entrepreneurs, enterprises = (int(value) for value in (sys.argv[1:3] if len(sys.argv) > 2 else (2000, 600)))
    with running_system("reading") as (stack, urls):
        start = time.perf_counter()
        seed(urls["registry"], entrepreneurs, enterprises)
        print(f"seeded {entrepreneurs:,} entrepreneurs and {enterprises:,} enterprises"
              f" in {time.perf_counter() - start:.0f} s")
        rows = measure(stack, urls["registry"])
    print(f"\n{'measure':<44}{'value':>10}  {'target':<8} met")
    for row in rows:
        met = "—" if row.met is None else "yes" if row.met else "NO"
        print(f"{row.measure:<44}{row.value:>10.1f}  {row.target:<8} {met} {row.share}")


if __name__ == "__main__":
    main()
