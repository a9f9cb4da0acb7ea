"""An office's roll imported (issue 15): 100,000 rows (half of them with an enterprise) through the
API as an official uploads them, checked and imported; the target is ≤ 60 s from the upload to the
last row registered. The rows' people and codes are made unique by counting, not drawn at random."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time

from stdnum.cn import ric, uscc

from bench.table import Row, at_most, load_average, reference
from tests.support.waiting import eventually

VILLAGE = "511011101201"  # 东兴区郭北镇景坡楼村
CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
HEADERS = ["姓名", "身份证号码", "联系电话", "所在乡镇", "返乡时间", "文化程度", "人员类别", "经营主体名称", "统一社会信用代码",
           "经营主体类型", "所属行业", "成立日期", "投资额（万元）", "从业人数"]


def resident(n: int) -> str:
    body = f"511011{dt.date(1960, 1, 1) + dt.timedelta(days=n // 900):%Y%m%d}{n % 900 + 100:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit(n: int) -> str:
    digits = ""
    for _ in range(8):
        n, rest = divmod(n, len(CODE_ALPHABET))
        digits = CODE_ALPHABET[rest] + digits
    body = f"93511011{digits}0"[:17]
    return body + uscc.calc_check_digit(body)


def roll(rows: int, offset: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for i in range(offset, offset + rows):
        line = [f"测试{i}", resident(i), f"139{i % 100_000_000:08d}", "郭北镇景坡楼村", "2024-03-01", "高中", "返乡农民工"]
        if i % 2 == 0:
            line += [f"景坡楼村第{i}合作社", credit(i), "农民专业合作社", "种植业", "2024-06-18", "30", "8"]
        writer.writerow(line)
    return out.getvalue().encode("utf-8-sig")


REGISTERED = ("entrepreneur_registered", "enterprise_registered")


def consumers() -> dict[str, list[str]]:
    """The services consuming each kind of registration, as their entrypoints declare."""
    from tests.unit.test_docs import subscriptions

    found = subscriptions()
    return {kind: found.get(("registry", kind), []) for kind in REGISTERED}


def applied(stack) -> dict[str, int]:
    """Each consuming service's count of registrations it has applied (its inbox rows of them)."""
    import sqlalchemy as sa

    counts = {}
    for name in sorted({name for names in consumers().values() for name in names}):
        engine = sa.create_engine(stack.databases[name].replace("postgresql://", "postgresql+psycopg2://", 1))
        with engine.connect() as connection:
            counts[name] = connection.scalar(sa.text("SELECT count(*) FROM inbox WHERE event_type = ANY(:kinds)"),
                                             {"kinds": list(REGISTERED)})
        engine.dispose()
    return counts


def expected(people: int, firms: int) -> dict[str, int]:
    each = {"entrepreneur_registered": people, "enterprise_registered": firms}
    totals: dict[str, int] = {}
    for kind, names in consumers().items():
        for name in names:
            totals[name] = totals.get(name, 0) + each[kind]
    return totals


def measure(stack, rows: int) -> list[Row]:
    official = stack.client(stack.create_user("official", region_code="511011101000", level="township"))
    data = roll(rows, offset=3_000_000)  # far from the people the other parts register
    load = load_average()
    before = applied(stack)
    started = time.monotonic()
    answer = official.http.post(stack.base_url + "/api/v1/imports", files={"file": ("台账.csv", data, "text/csv")},
                                data={"dry_run": "false"}, timeout=600)
    assert answer.status_code == 201, answer.text
    checked = time.monotonic() - started
    report = answer.json()
    assert report["invalid_rows"] == 0, report["errors"][:3]

    def done() -> bool:
        return official.get(f"/api/v1/imports/{report['id']}").json()["status"] == "done"

    eventually(done, timeout=900, interval=0.5, message="the import to finish")
    seconds = time.monotonic() - started
    final = official.get(f"/api/v1/imports/{report['id']}").json()
    assert final["created_people"] == rows, final
    # the import's events are published once it is whole; then every service's copy follows
    wanted = {name: count + before.get(name, 0)
              for name, count in expected(final["created_people"], final["created_firms"]).items()}
    eventually(lambda: all(applied(stack)[name] >= count for name, count in wanted.items()), timeout=1800,
               interval=2, message="every service to apply the import's registrations")
    followed = time.monotonic() - started
    return [
        at_most(f"roll import, {rows:,} rows (upload → all registered) s", seconds, 60, load=load,
                note=f"{rows / seconds:.0f} rows/s; {final['created_firms']:,} enterprises"),
        reference("roll import: read and checked (the dry run) s", checked, load=load),
        reference("roll import: upload → every service's copy up to date s", followed, load=load,
                  note=f"{sum(wanted.values()) - sum(before.values()):,} events applied by {len(wanted)} services"),
    ]
