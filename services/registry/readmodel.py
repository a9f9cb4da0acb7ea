"""The registry's reads: records as the caller may see them, lists scoped to their region."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import util as sql_util

from services.registry import domain
from services.registry.models import (
    ClaimRequest,
    Enterprise,
    EnterpriseDocument,
    EnterpriseLiaison,
    Entrepreneur,
    EntrepreneurDocument,
    RecordChange,
)
from shared import attachment_table, keyset, paging, regions
from shared.actors import Actor
from shared.contracts import TodoItem
from shared.contracts.registry import (
    ENTERPRISE_DOCUMENT_NAMES,
    ENTREPRENEUR_DOCUMENT_NAMES,
    PAYEE_BANK_NAMES,
    PAYEE_KIND_NAMES,
    EnterpriseRead,
    EntrepreneurRead,
    ListQuery,
    PayeeAccountRead,
    RecordChangeRead,
)
from shared.db import in_region, visible_to
from shared.paging import TOTAL_CAP
from shared.payee_accounts import mask_account


def entrepreneur_read(record: Entrepreneur, *, masked: bool = False) -> dict:
    return EntrepreneurRead(
        id=record.id, name=record.name,
        id_number=domain.mask_id_number(record.id_number) if masked else record.id_number,
        gender=record.gender, birth_date=record.birth_date,
        phone=domain.mask_phone(record.phone) if masked else record.phone,
        household_region_code=record.household_region_code,
        household_region_name=regions.full_name(record.household_region_code),
        region_code=record.region_code, region_name=regions.full_name(record.region_code),
        return_date=record.return_date, previous_work_place=record.previous_work_place,
        previous_occupation=record.previous_occupation, education=record.education,
        skills=record.skills, certificates=record.certificates, categories=record.categories,
        status=record.status, return_reason=record.return_reason, claimed=record.account_id is not None,
        verified_by=record.verified_by, verified_at=record.verified_at,
        created_at=record.created_at, version=record.version, payee_account=payee_read(record),
    ).model_dump(mode="json")


def enterprise_read(enterprise: Enterprise) -> dict:
    return EnterpriseRead(
        id=enterprise.id, owner_entrepreneur_id=enterprise.owner_entrepreneur_id,
        owner_name=enterprise.owner.name, name=enterprise.name, kind=enterprise.kind,
        credit_code=enterprise.credit_code,
        credit_code_override_reason=enterprise.credit_code_override_reason,
        industry=enterprise.industry, region_code=enterprise.region_code,
        region_name=regions.full_name(enterprise.region_code), founded_on=enterprise.founded_on,
        investment_yuan=domain.fen_to_yuan(enterprise.investment_fen),
        headcount=enterprise.headcount, poverty_hires=enterprise.poverty_hires,
        status=enterprise.status, return_reason=enterprise.return_reason, verified_by=enterprise.verified_by,
        verified_at=enterprise.verified_at, created_at=enterprise.created_at,
        version=enterprise.version, payee_account=payee_read(enterprise),
        liaisons=[liaison_dict(item) for item in enterprise.liaisons],
        headcount_reports=[
            {"quarter": r.quarter, "headcount": r.headcount, "poverty_hires": r.poverty_hires,
             "new_hires": r.new_hires, "revision": r.revision, "reported_by": r.reported_by,
             "reported_at": r.reported_at.isoformat()}
            for r in enterprise.headcount_reports
        ],
    ).model_dump(mode="json")


def payee_read(record: Entrepreneur | Enterprise) -> PayeeAccountRead | None:
    """The record's payee account with its number masked (whoever may see the record sees this)."""
    if not record.payee_account_number:
        return None
    return PayeeAccountRead(kind=record.payee_kind, kind_name=PAYEE_KIND_NAMES.get(record.payee_kind, record.payee_kind),
                            bank_code=record.payee_bank_code,
                            bank_name=PAYEE_BANK_NAMES.get(record.payee_bank_code, record.payee_bank_code),
                            account_masked=mask_account(record.payee_account_number),
                            holder_name=record.payee_holder_name)


def history(session: Session, kind: str, record_id: str) -> list[dict]:
    """The record's changes after registration, oldest first."""
    rows = session.scalars(sa.select(RecordChange).where(RecordChange.record_kind == kind,
                                                         RecordChange.record_id == record_id)
                           .order_by(RecordChange.id)).all()
    return [RecordChangeRead(change=row.change, changed_by=row.changed_by, changed_at=row.changed_at,
                             reason=row.reason, before=row.before, after=row.after).model_dump(mode="json")
            for row in rows]


def entrepreneur_detail(session: Session, record: Entrepreneur) -> dict:
    """The record as its page shows it: with its changes and documents."""
    return {**entrepreneur_read(record), "history": history(session, "entrepreneur", record.id),
            "attachments": documents(session, "entrepreneur", record.id)}


def enterprise_detail(session: Session, enterprise: Enterprise) -> dict:
    return {**enterprise_read(enterprise), "history": history(session, "enterprise", enterprise.id),
            "attachments": documents(session, "enterprise", enterprise.id)}


# record kind -> (its documents' table, the column naming the record, the kinds' names)
DOCUMENTS = {"entrepreneur": (EntrepreneurDocument, EntrepreneurDocument.entrepreneur_id, ENTREPRENEUR_DOCUMENT_NAMES),
             "enterprise": (EnterpriseDocument, EnterpriseDocument.enterprise_id, ENTERPRISE_DOCUMENT_NAMES)}


def documents(session: Session, record_kind: str, record_id: str) -> list[dict]:
    """The record's documents, oldest first, without their content."""
    _, column, names = DOCUMENTS[record_kind]
    return attachment_table.files_of(session, column, record_id, names)


def liaison_dict(item: EnterpriseLiaison) -> dict:
    return {"kind": item.kind, "name": item.name, "phone": item.phone,
            "organisation": item.organisation, "level": item.level,
            "region_code": item.region_code, "official_username": item.official_username}


def get_entrepreneur(session: Session, actor: Actor, entrepreneur_id: str) -> Entrepreneur:
    record = session.get(Entrepreneur, entrepreneur_id)
    domain.ensure_visible(record is not None and domain.can_view_entrepreneur(actor, record),
                          "entrepreneur")
    return record


def entrepreneurs_by_id_number(session: Session, id_numbers: list[str]) -> dict[str, dict]:
    """{id_number: {"entrepreneur_id", "name", "verified"}} of the records with these resident IDs."""
    rows = session.execute(sa.select(Entrepreneur.id_number, Entrepreneur.id, Entrepreneur.name, Entrepreneur.status)
                           .where(Entrepreneur.id_number.in_(id_numbers)))
    return {number: {"entrepreneur_id": record_id, "name": name, "verified": status == "verified"}
            for number, record_id, name, status in rows}


def text_message_phones(session: Session, recipients: list[str]) -> dict[str, str]:
    """The phone each text message goes to: a person's own ("person:<id>"), an enterprise's owner's
    ("enterprise:<id>"; an enterprise keeps none). Two statements for a whole sweep's texts; a
    recipient with no record, or no phone, is left out."""
    wanted: dict[str, set[str]] = {"person": set(), "enterprise": set()}
    for recipient in recipients:
        kind, _, record_id = recipient.partition(":")
        if kind in wanted and record_id:
            wanted[kind].add(record_id)
    phones = {}
    if wanted["person"]:
        phones.update((f"person:{record_id}", phone) for record_id, phone in session.execute(
            sa.select(Entrepreneur.id, Entrepreneur.phone).where(Entrepreneur.id.in_(wanted["person"]))))
    if wanted["enterprise"]:
        phones.update((f"enterprise:{record_id}", phone) for record_id, phone in session.execute(
            sa.select(Enterprise.id, Entrepreneur.phone)
            .join(Entrepreneur, Enterprise.owner_entrepreneur_id == Entrepreneur.id)
            .where(Enterprise.id.in_(wanted["enterprise"]))))
    return {recipient: phone for recipient, phone in phones.items() if phone}


def get_my_entrepreneur(session: Session, actor: Actor) -> dict | None:
    record = session.scalar(sa.select(Entrepreneur).where(Entrepreneur.account_id == actor.user_id))
    return entrepreneur_read(record) if record else None


def get_enterprise(session: Session, actor: Actor, enterprise_id: str) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id, options=[selectinload(Enterprise.owner)])
    domain.ensure_visible(
        enterprise is not None and domain.can_view_enterprise(actor, enterprise), "enterprise")
    return enterprise


def _scope(statement, actor: Actor, model, owner_column) -> sa.Select:
    """Only what the caller may see: their own records, or their region and below."""
    return statement.where(visible_to(actor, owner=owner_column, region=model.region_code))


# The planner's settings for these many small reads are the database's own (migration 0005).


def page_statement(statement: sa.Select, model, query: ListQuery) -> sa.Select:
    """One page newest first, from the cursor (or, for older callers, the page number), one row
    more than asked to tell whether another page follows, with the capped total in every row."""
    paged = statement.add_columns(keyset.capped_count_column(statement))
    paged = paged.order_by(*keyset.newest_first(model.created_at, model.id))
    if query.after:
        paged = paged.where(keyset.after(model.created_at, model.id, query.after))
    elif query.page > 1:
        paged = paged.offset((query.page - 1) * query.per_page)
    return paged.limit(query.per_page + 1)


def _page(session: Session, statement: sa.Select, model, query: ListQuery, read) -> dict:
    rows = session.execute(page_statement(statement, model, query)).all()
    if rows:
        total = rows[0][1]
    else:  # past the last row (or none at all): the total still counts the whole list
        total = session.scalar(sa.select(keyset.capped_count_column(statement))) if query.after or query.page > 1 else 0
    return {**paging.page_answer([row[0] for row in rows], query.per_page, total, read), "page": query.page}


def _filters(statement, model, query: ListQuery, search) -> sa.Select:
    if query.status:
        statement = statement.where(model.status == query.status)
    if query.region_code:
        statement = statement.where(
            in_region(model.region_code, query.region_code))
    if query.q:
        statement = statement.where(search(query.q))
    return statement


# What a search fragment can match: a name may hold anything; a resident ID only digits and a final
# X; a phone only digits; a credit code digits and capitals. A column the fragment cannot match is
# left out, so that its index is not scanned for nothing (pg_trgm finds no trigram in "张伟").
ID_NUMBER_FRAGMENT = re.compile(r"[0-9]*[0-9Xx]")
PHONE_FRAGMENT = re.compile(r"[0-9]+")
CREDIT_CODE_FRAGMENT = re.compile(r"[0-9A-Za-z]+")
CODE_LENGTH = 18  # a resident ID's and a credit code's
CODE_GRAM = 4  # the pieces of digits that registry_code_grams indexes


def _containing(column, fragment: str) -> sa.ColumnElement[bool]:
    """`column` holds `fragment` as typed, any case (% and _ are searched for, not wildcards)."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def _grams(*columns) -> sa.ColumnElement:
    """The expression the name indexes hold (migration 0003): every one- and two-character piece."""
    pieces = [sa.func.registry_grams(column) for column in columns]
    return pieces[0] if len(pieces) == 1 else pieces[0].op("||")(pieces[1])


def _text_containing(fragment: str, *columns) -> sa.ColumnElement[bool]:
    """Chinese text holding the fragment: found through the two-character index, checked by ILIKE."""
    holds = sa.or_(*(_containing(column, fragment) for column in columns))
    return sa.and_(holds, _grams(*columns).op("@>")(sa.func.registry_query_grams(fragment)))


def _code_containing(column, fragment: str, containing=_containing) -> sa.ColumnElement[bool]:
    """A code (stored in capitals) holding the fragment, found by `containing`; a whole code is looked
    up by its unique index (a whole code's trigrams include the few that nearly every code shares:
    its region's)."""
    if len(fragment) == CODE_LENGTH:
        return column == fragment.upper()
    return containing(column, fragment)


def _digits_containing(column, fragment: str) -> sa.ColumnElement[bool]:
    """Digits (a resident ID, a phone) holding the fragment. Ten digits make few trigrams, and a
    fragment that repeats itself ("101010", "880808") makes only two or three that nearly every row
    holds: pg_trgm then checked most of the table (0.5 s a search). Four-digit pieces
    (`registry_code_grams`, registry migration 0006) are a thousand times rarer each."""
    if len(fragment) < CODE_GRAM:
        return _containing(column, fragment)
    # strpos, not ILIKE, checks the rows (the columns hold capitals and digits): the planner counts
    # ILIKE's own guess again on top of the pieces' (1,148 rows expected of "1990", 32,635 found),
    # and would not walk the newest-first index for a fragment that thousands of rows hold
    # (strpos first: a row it refuses is not cut into pieces again)
    return sa.and_(sa.func.strpos(column, fragment.upper()) > 0,
                   sa.func.registry_code_grams(column).op("@>")(sa.func.registry_code_grams(fragment)))


def person_search(fragment: str) -> sa.ColumnElement[bool]:
    either = [_text_containing(fragment, Entrepreneur.name)]
    if ID_NUMBER_FRAGMENT.fullmatch(fragment):
        either.append(_code_containing(Entrepreneur.id_number, fragment, _digits_containing))
    if PHONE_FRAGMENT.fullmatch(fragment):
        either.append(_digits_containing(Entrepreneur.phone, fragment))
    return sa.or_(*either)


def enterprise_search(fragment: str) -> sa.ColumnElement[bool]:
    either = [_text_containing(fragment, Enterprise.name, Enterprise.industry)]
    if CREDIT_CODE_FRAGMENT.fullmatch(fragment):
        either.append(_code_containing(Enterprise.credit_code, fragment))
    return sa.or_(*either)


def entrepreneurs_query(actor: Actor, query: ListQuery) -> sa.Select:
    statement = _scope(sa.select(Entrepreneur), actor, Entrepreneur, Entrepreneur.account_id)
    return _filters(statement, Entrepreneur, query, person_search)


def enterprises_query(actor: Actor, query: ListQuery) -> sa.Select:
    visible = visible_to(actor, owner=Entrepreneur.account_id, region=Enterprise.region_code)
    statement = sa.select(Enterprise)
    # the join only where the rule reads the owner (an entrepreneur's own): without it here, the rule
    # would put the owners' table beside the enterprises' with no join condition
    if Entrepreneur.__table__ in sql_util.find_tables(visible, check_columns=True):
        statement = statement.join(Enterprise.owner)
    if query.owner_entrepreneur_id:
        statement = statement.where(Enterprise.owner_entrepreneur_id == query.owner_entrepreneur_id)
    return _filters(statement.where(visible), Enterprise, query, enterprise_search)


def claims_visible(actor: Actor) -> sa.ColumnElement[bool]:
    """Claims of records: a person's own requests; an official's region's."""
    return visible_to(actor, owner=ClaimRequest.account_id, region=ClaimRequest.region_code)


def todo(session: Session, actor: Actor) -> list[dict]:
    """An official's records in their region waiting for verification and claims waiting for their
    confirmation; a person's records returned for correction. Counted as the lists count them (no
    further than the cap: "1000+")."""
    if actor.role == "entrepreneur":
        returned = ListQuery(status="returned")
        kinds = (("entrepreneurs_returned", "登记信息被退回，待修改", entrepreneurs_query(actor, returned), "/me"),
                 ("enterprises_returned", "经营主体登记被退回，待修改", enterprises_query(actor, returned), "/me"))
    elif actor.is_official:
        waiting = ListQuery(status="registered")
        claims = sa.select(ClaimRequest).where(claims_visible(actor), ClaimRequest.status == "pending",
                                               ClaimRequest.method == "in_person")
        kinds = (("entrepreneurs_to_verify", "创业者登记，待核实", entrepreneurs_query(actor, waiting),
                  "/records/entrepreneurs?status=registered"),
                 ("enterprises_to_verify", "经营主体登记，待核实", enterprises_query(actor, waiting),
                  "/records/enterprises?status=registered"),
                 ("claims_to_confirm", "本人认领登记记录，待当面确认", claims, "/records/claims"))
    else:
        return []
    items = []
    for kind, title, statement, link in kinds:
        count = session.scalar(sa.select(keyset.capped_count_column(statement))) or 0
        items.append(TodoItem(kind=kind, title=title, count=min(count, TOTAL_CAP), count_capped=count > TOTAL_CAP,
                              link=link).as_json())
    return items


def list_entrepreneurs(session: Session, actor: Actor, query: ListQuery) -> dict:
    return _page(session, entrepreneurs_query(actor, query), Entrepreneur, query,
                 lambda r: entrepreneur_read(r, masked=True))


def list_enterprises(session: Session, actor: Actor, query: ListQuery) -> dict:
    # what each item shows, loaded for the whole page at once (not two queries per enterprise)
    related = (selectinload(Enterprise.owner), selectinload(Enterprise.liaisons),
               selectinload(Enterprise.headcount_reports))
    return _page(session, enterprises_query(actor, query).options(*related), Enterprise, query,
                 enterprise_read)
