"""An office's roll imported (issue 15): rows checked by the forms' rules where the file is read
(`shared.roll`), then here against the registry (already registered, in the official's jurisdiction),
which is the dry run's report; then imported in batches, each in one transaction with its events,
which wait in the outbox until the import is whole (`shared.outbox.release_held`).

A row stays in the table until the batch that registers it commits, so an import that stops (the
process died, the database went away) goes on where it was: the sweep takes up an import whose last
batch is older than `STALE`. A person or an enterprise already registered is not registered again:
importing the same file twice creates nothing twice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from services.registry import domain
from services.registry.models import (
    Enterprise,
    EnterpriseLiaison,
    Entrepreneur,
    RollImport,
    RollImportRow,
)
from shared import clock, events, outbox, regions
from shared.actors import Actor
from shared.bulk import insert_rows
from shared.contracts.registry import (
    EnterpriseLiaisonsAssigned,
    EnterpriseRegistered,
    EntrepreneurRegistered,
    ImportCreate,
    ImportRead,
    ImportRows,
    Liaison,
)
from shared.db import new_id
from shared.errors import Forbidden, InvalidState, NotFound
from shared.identity import check_resident_id, credit_code_checksum_ok

BATCH = 2000
STALE = dt.timedelta(seconds=30)  # an import whose last batch is older is taken up again
ERRORS_KEPT = 5000  # the report lists this many refused cells; the counts are of every row
CHECK_CHUNK = 5000
# batches of one import run side by side: while one waits for the database, the next is prepared
WORKERS = 2


def read(imported: RollImport, *, errors: bool = True) -> dict:
    return ImportRead(
        id=imported.id, file_name=imported.file_name, created_by=imported.created_by, status=imported.status,
        total_rows=imported.total_rows, invalid_rows=imported.invalid_rows,
        already_registered=imported.already_registered, processed_rows=imported.processed_rows,
        to_import=imported.total_rows - imported.invalid_rows,
        created_people=imported.created_people, created_firms=imported.created_firms,
        created_at=imported.created_at, finished_at=imported.finished_at,
        errors=imported.errors if errors else [], error_count=len(imported.errors),
    ).model_dump(mode="json")


def _mine(session: Session, actor: Actor, import_id: str, *, lock: bool = False) -> RollImport:
    imported = session.get(RollImport, import_id, with_for_update=lock)
    if imported is None or not actor.governs(imported.region_code):
        raise NotFound("import_not_found", None, domain.NOT_VISIBLE)
    return imported


def create(uow, actor: Actor, meta: ImportCreate) -> dict:
    if not actor.is_official:
        raise Forbidden("official_only", None, "只有工作人员可以导入台账")
    now = clock.utcnow()
    imported = RollImport(file_name=meta.file_name, created_by=actor.username, region_code=actor.region_code,
                          status="uploading", created_at=now, updated_at=now, errors=[], total_rows=0,
                          invalid_rows=0, already_registered=0, processed_rows=0, created_people=0, created_firms=0)
    uow.session.add(imported)
    uow.session.flush()
    return read(imported)


def add_rows(uow, actor: Actor, import_id: str, rows: ImportRows) -> dict:
    """Rows as the file's reader checked them; one outside the official's jurisdiction is refused."""
    session: Session = uow.session
    imported = _mine(session, actor, import_id, lock=True)
    if imported.status != "uploading":
        raise InvalidState("import_not_uploading", None, "该导入已提交核对，不能再添加行")
    kept, errors = [], list(imported.errors)
    for row in rows.rows:
        refusals = list(row.errors)
        places = ((row.entrepreneur, rows.columns.get("region", "现居住/创业所在地")),
                  (row.enterprise, rows.columns.get("enterprise_region") or rows.columns.get("region", "经营所在地")))
        for part, column in places:
            refusal = {"line": row.line, "column": column, "code": "region_outside_jurisdiction",
                       "message": "该地区不在您的管辖范围内"}
            # an enterprise placed by the person's own column is refused once, in that column
            if part and not actor.governs(part["region_code"]) and refusal not in refusals:
                refusals.append(refusal)
        invalid = bool(refusals) or row.entrepreneur is None
        kept.append({"import_id": imported.id, "line": row.line, "status": "invalid" if invalid else "pending",
                     "entrepreneur": None if invalid else row.entrepreneur,
                     "enterprise": None if invalid else row.enterprise,
                     "liaisons": None if invalid else row.liaisons, "note": ""})
        errors.extend(refusals[: max(0, ERRORS_KEPT - len(errors))])
        imported.invalid_rows += invalid
    # a chunk sent again (the upload retried) adds nothing twice
    insert_rows(session, RollImportRow.__table__, kept, skip_existing=True)
    imported.total_rows += len(kept)
    imported.errors, imported.updated_at = errors, clock.utcnow()
    return read(imported, errors=False)


def finish_upload(uow, actor: Actor, import_id: str) -> dict:
    """The dry run's report: every refused cell, and how many are registered already."""
    session: Session = uow.session
    imported = _mine(session, actor, import_id, lock=True)
    if imported.status != "uploading":
        return read(imported)
    pending = session.execute(sa.select(RollImportRow.line, RollImportRow.entrepreneur["id_number"].astext)
                              .where(RollImportRow.import_id == imported.id, RollImportRow.status == "pending")).all()
    registered = 0
    _by_unique_index(session)
    for start in range(0, len(pending), CHECK_CHUNK):
        numbers = [number for _, number in pending[start:start + CHECK_CHUNK]]
        registered += session.scalar(sa.select(sa.func.count()).select_from(
            _among(Entrepreneur.id_number, numbers, Entrepreneur.id).subquery())) or 0
    imported.already_registered, imported.status, imported.updated_at = registered, "checked", clock.utcnow()
    return read(imported)


def start(uow, actor: Actor, import_id: str) -> dict:
    imported = _mine(uow.session, actor, import_id, lock=True)
    if imported.status == "uploading":
        raise InvalidState("import_not_checked", None, "文件尚未上传完毕")
    if imported.status == "checked":
        imported.status, imported.updated_at = "importing", clock.utcnow() - STALE  # due at the next look
    return read(imported)


def get(session: Session, actor: Actor, import_id: str) -> dict:
    return read(_mine(session, actor, import_id))


def list_imports(session: Session, actor: Actor) -> dict:
    if not actor.is_official:
        return {"items": []}
    rows = session.scalars(sa.select(RollImport).where(
        RollImport.region_code.startswith(regions.jurisdiction_prefix(actor.region_code or "")))
        .order_by(RollImport.created_at.desc()).limit(50)).all()
    return {"items": [read(row, errors=False) for row in rows]}


# ---- the import itself -----------------------------------------------------------------------------


def due(session: Session) -> list[str]:
    """Imports started and not being worked on (none worked for `STALE`)."""
    return list(session.scalars(sa.select(RollImport.id).where(
        RollImport.status == "importing", RollImport.updated_at < clock.utcnow() - STALE)))


def _importing() -> sa.Exists:
    return sa.exists().where(RollImport.status == "importing")


def held_while_idle(session: Session) -> bool:
    """Events held although no import is running (read only: the look for them is cheap)."""
    return outbox.any_held(session, unless=_importing())


def release_if_idle(session: Session) -> None:
    """Events that an import held are published once it is done; if none is importing (an import's
    last transaction released them, or it was never finished by this code), none stays held."""
    outbox.release_held(session, unless=_importing())


def take(session: Session, import_id: str) -> bool:
    """This process works on the import now: its mark is renewed with each batch."""
    done = session.execute(sa.update(RollImport).where(
        RollImport.id == import_id, RollImport.status == "importing",
        RollImport.updated_at < clock.utcnow() - STALE).values(updated_at=clock.utcnow()))
    return bool(done.rowcount)  # type: ignore[attr-defined]


def _by_unique_index(session: Session) -> None:
    """This transaction's lookups of values go through the columns' unique (btree) indexes. pg_trgm's
    GIN indexes of the searches answer `=` too, but only through bitmap scans, which checked every
    row holding the digits' few trigrams: with bitmap scans off the planner keeps to the btree. Set
    for the transaction only; its inserts are unaffected."""
    session.execute(sa.text("SET LOCAL enable_bitmapscan = off"))


def _among(column, values: list[str], *returned) -> sa.Select:
    """`returned` columns of the rows whose `column` holds one of the values, each looked up alone by
    the column's unique index (a LATERAL subquery per value; see `_by_unique_index`). As `column IN
    (...)` the planner took the searches' trigram index (5.9 s for 500 resident IDs at 10,000 rows
    whose statistics lagged behind an import); as a plain join to the values, a hash join over the
    whole table once an import had outgrown the statistics, each batch reading every row registered
    so far (100,000 rows: 285 rows/s, four fifths of the time in this lookup)."""
    wanted = sa.func.unnest(sa.cast(values, ARRAY(sa.String))).table_valued("value").render_derived(name="wanted")
    hit = sa.select(*returned).where(column == wanted.c.value).lateral("hit")
    return sa.select(*hit.c).select_from(wanted).join(hit, sa.true())


def release(session: Session, import_id: str) -> None:
    """Left for the next look to take up at once (this process's slice is over)."""
    session.execute(sa.update(RollImport).where(RollImport.id == import_id, RollImport.status == "importing")
                    .values(updated_at=clock.utcnow() - STALE))


def run_batch(uow, import_id: str, size: int = BATCH, taken: list[int] | None = None) -> bool:
    """One batch of pending rows registered; False when none is left for this caller (and the import
    is done once no other batch holds rows either).

    Batches of one import may run side by side (`WORKERS`): each takes its rows with SKIP LOCKED and
    adds its counts to the import's at the end. Plain statements, not the ORM's objects: a batch of
    500 took 1.2 s of the process as objects, and the rows only go into tables. `taken` receives the
    lines of the rows it took, for `refuse_row` when the batch fails."""
    session: Session = uow.session
    imported = session.get(RollImport, import_id)
    table = RollImportRow.__table__
    pending = (table.c.import_id == import_id, table.c.status == "pending")
    rows = session.execute(sa.select(table.c.line, table.c.entrepreneur, table.c.enterprise, table.c.liaisons)
                           .where(*pending).order_by(table.c.line).limit(size)
                           .with_for_update(skip_locked=True)).all()
    if taken is not None:
        taken[:] = [row.line for row in rows]
    now = clock.utcnow()
    if not rows:
        if not session.scalar(sa.select(sa.exists().where(*pending))):  # none left, not even another's
            session.execute(sa.update(RollImport).where(RollImport.id == import_id, RollImport.status == "importing")
                            .values(status="done", finished_at=now, updated_at=now))
            outbox.release_held(session)
        return False
    numbers = [row.entrepreneur["id_number"] for row in rows]
    codes = [row.enterprise["credit_code"] for row in rows if row.enterprise]
    _by_unique_index(session)
    people = dict(session.execute(_among(Entrepreneur.id_number, numbers, Entrepreneur.id_number,
                                         Entrepreneur.id)).all())
    taken = set(session.scalars(_among(Enterprise.credit_code, codes, Enterprise.credit_code)))
    new_people, new_firms, new_liaisons, recorded = [], [], [], []
    for row in rows:
        owner_id = people.get(row.entrepreneur["id_number"])
        if owner_id is None:
            person = _person(row.entrepreneur, imported.created_by, now)
            new_people.append(person)
            owner_id = people[person["id_number"]] = person["id"]
            recorded.append(_person_registered(person))
        if row.enterprise and row.enterprise["credit_code"] not in taken:
            firm = _firm(row.enterprise, owner_id, imported.created_by, now)
            new_firms.append(firm)
            taken.add(firm["credit_code"])
            recorded.append(_firm_registered(firm))
            if row.liaisons:
                liaisons = _liaisons(firm, row.liaisons, imported.created_by, now)
                new_liaisons += liaisons
                recorded.append(_liaisons_assigned(firm, liaisons, imported.created_by))
    for model, values in ((Entrepreneur, new_people), (Enterprise, new_firms), (EnterpriseLiaison, new_liaisons)):
        insert_rows(session, model.__table__, values)
    # a row taken is done with: the import's counts keep what became of it (deleting costs less than
    # updating its state, which wrote every row a second time)
    session.execute(sa.delete(table).where(table.c.import_id == import_id,
                                           table.c.line == sa.func.any(sa.cast([row.line for row in rows],
                                                                               ARRAY(sa.Integer)))))
    uow.publish_all(recorded, held=True)  # published when the import is whole (see `release_held`)
    session.execute(sa.update(RollImport).where(RollImport.id == import_id).values(
        created_people=RollImport.created_people + len(new_people),
        created_firms=RollImport.created_firms + len(new_firms),
        processed_rows=RollImport.processed_rows + len(rows), updated_at=clock.utcnow()))
    return True


def refuse_row(session: Session, import_id: str, line: int, exc: Exception) -> None:
    """A row that the database refused although it passed the checks (a poison row: tried alone, it
    still failed, and not for a passing reason) is set aside as invalid and named in the report, so
    that the rest of the import goes on."""
    table = RollImportRow.__table__
    code = getattr(getattr(exc, "orig", None), "pgcode", None) or type(exc).__name__
    imported = session.get(RollImport, import_id, with_for_update=True)  # one refusal at a time
    marked = session.execute(sa.update(table).where(table.c.import_id == import_id, table.c.line == line,
                                                    table.c.status == "pending")
                             .values(status="invalid", note=f"登记失败（{code}）"[:200]))
    if not marked.rowcount:  # type: ignore[attr-defined]
        return  # the other batch worker set it aside first
    if len(imported.errors) < ERRORS_KEPT:
        imported.errors = [*imported.errors, {"line": line, "column": "", "code": "row_not_registered",
                                              "message": f"该行未能登记（数据库拒绝，代码 {code}），请核对后单独登记"}]
    imported.invalid_rows += 1
    imported.processed_rows += 1
    imported.updated_at = clock.utcnow()


def _person(data: dict, created_by: str, now) -> dict:
    resident = check_resident_id(data["id_number"])
    return {"id": new_id(), "id_number": resident.number, "name": data["name"], "gender": resident.gender,
            "birth_date": resident.birth_date, "phone": data["phone"],
            "household_region_code": data["household_region_code"], "region_code": data["region_code"],
            "return_date": dt.date.fromisoformat(data["return_date"]) if data.get("return_date") else None,
            "previous_work_place": data.get("previous_work_place", ""),
            "previous_occupation": data.get("previous_occupation", ""), "education": data["education"],
            "skills": list(data.get("skills", [])), "certificates": [],
            "categories": list(dict.fromkeys(data["categories"])), "status": "registered", "return_reason": None,
            "account_id": None, "created_by": created_by, "verified_by": None, "verified_at": None,
            "created_at": now, "version": 1}


def _firm(data: dict, owner_id: str, created_by: str, now) -> dict:
    return {"id": new_id(), "owner_entrepreneur_id": owner_id, "name": data["name"], "kind": data["kind"],
            "credit_code": data["credit_code"], "credit_code_override_reason": None, "credit_code_override_by": None,
            "industry": data["industry"], "region_code": data["region_code"],
            "founded_on": dt.date.fromisoformat(data["founded_on"]),
            "investment_fen": domain.yuan_to_fen(Decimal(data["investment_yuan"])), "headcount": data["headcount"],
            "poverty_hires": data["poverty_hires"], "status": "registered", "return_reason": None,
            "created_by": created_by, "verified_by": None, "verified_at": None, "created_at": now, "version": 1}


def _liaisons(firm: dict, data: dict, created_by: str, now) -> list[dict]:
    return [{"enterprise_id": firm["id"], "kind": item["kind"], "name": item["name"], "phone": item["phone"],
             "organisation": item["organisation"], "level": item["level"],
             "region_code": domain.liaison_region(firm["region_code"], item["level"]),
             "official_username": item.get("official_username"), "assigned_by": created_by, "assigned_at": now}
            for item in data["liaisons"]]


def _person_registered(person: dict):
    return events.make_event(EntrepreneurRegistered(
        entrepreneur_id=person["id"], name=person["name"], region_code=person["region_code"],
        household_region_code=person["household_region_code"], categories=person["categories"],
        education=person["education"], skills=person["skills"], certificates=person.get("certificates") or [],
        return_date=person["return_date"], registered_at=person["created_at"], account_id=None))


def _firm_registered(firm: dict):
    return events.make_event(EnterpriseRegistered(
        enterprise_id=firm["id"], owner_entrepreneur_id=firm["owner_entrepreneur_id"], owner_account_id=None,
        name=firm["name"], kind=firm["kind"], credit_code=firm["credit_code"],
        credit_code_overridden=not credit_code_checksum_ok(firm["credit_code"]), industry=firm["industry"],
        region_code=firm["region_code"], founded_on=firm["founded_on"], investment_fen=firm["investment_fen"],
        headcount=firm["headcount"], poverty_hires=firm["poverty_hires"], registered_at=firm["created_at"]))


def _liaisons_assigned(firm: dict, liaisons: list[dict], created_by: str):
    keys = ("kind", "name", "phone", "organisation", "level", "region_code", "official_username")
    return events.make_event(EnterpriseLiaisonsAssigned(
        enterprise_id=firm["id"], region_code=firm["region_code"],
        liaisons=[Liaison(**{key: item[key] for key in keys}) for item in liaisons], assigned_by=created_by))
