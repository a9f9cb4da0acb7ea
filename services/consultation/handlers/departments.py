"""The department list's service layer: read it (officials, the administrator), add to it and change it
(the administrator), and load it as the lookup that turns what a form or client names into codes."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.consultation.domain.departments import Department, Directory, next_code, renamed
from services.consultation.models import Department as DepartmentRow
from shared import clock, regions
from shared.actors import Actor, require_role
from shared.contracts.consultation import DepartmentCreate, DepartmentUpdate
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound

FIELDS = ("code", "name", "short_name", "level", "region_code", "active")


def _department(row: DepartmentRow) -> Department:
    return Department(**{name: getattr(row, name) for name in FIELDS}, aliases=tuple(row.aliases))


def _ordered():
    return sa.select(DepartmentRow).order_by(DepartmentRow.level != "city", DepartmentRow.region_code,
                                             DepartmentRow.position, DepartmentRow.code)


def directory(session: Session, city: str | None = None) -> Directory:
    """The list, retired departments included (they still name what they led), in the list's order:
    one city's (its own departments and its counties'), each city's list being its own; or every city's."""
    statement = _ordered()
    if city is not None:
        statement = statement.where(DepartmentRow.region_code.startswith(city_prefix(city), autoescape=True))
    return Directory([_department(row) for row in session.scalars(statement)])


def city_prefix(region_code: str) -> str:
    return regions.jurisdiction_prefix(regions.city_of(region_code) or region_code)


def list_all(session: Session, actor: Actor) -> list[dict]:
    """An official's city's list (a province's officials and administrators read every city's)."""
    if not (actor.is_official or actor.role == "admin"):
        raise Forbidden("official_required", None, "只有工作人员和管理员可以查看部门名录")
    city = regions.city_of(actor.region_code) if actor.is_official and actor.region_code else None
    return [d.as_json() for d in directory(session, city).departments]


def _lock(session: Session, region_code: str) -> Directory:
    """The city's list, held against another administrator's change until this one commits (names stay
    unique within a city: 绵阳's 市财政局 is not 内江's)."""
    session.execute(sa.text("LOCK TABLE departments IN SHARE ROW EXCLUSIVE MODE"))
    return directory(session, region_code)


def _check_place(level: str, region_code: str) -> None:
    code = regions.check_known(region_code)
    if regions.level_of(code) != level:
        raise InvalidInput("region_level_mismatch", "region_code",
                           "市级部门填写市（州）的代码（如 511000），县级部门填写县（市、区）的代码（如 511011）")


def create(uow, actor: Actor, data: DepartmentCreate) -> dict:
    require_role(actor, "admin")
    session = uow.session
    _check_place(data.level, data.region_code)
    known = _lock(session, data.region_code)
    code = data.code or next_code(data.region_code, known.by_code)
    if (holder := session.get(DepartmentRow, code)) is not None:  # codes are unique across every city's list
        raise Conflict("department_code_taken", "code", f"部门代码{code}已被“{holder.name}”使用",
                       details={"code": code})
    department = Department(code=code, name=data.name, short_name=data.short_name, level=data.level,
                            region_code=data.region_code, aliases=tuple(dict.fromkeys(data.aliases)),
                            active=data.active)
    known.require_names_free(department)
    last = session.scalar(sa.select(sa.func.max(DepartmentRow.position))) or 0
    session.add(DepartmentRow(**{name: getattr(department, name) for name in FIELDS},
                              aliases=list(department.aliases), position=last + 1, changed_by=actor.username))
    session.flush()
    return department.as_json()


def update(uow, actor: Actor, code: str, data: DepartmentUpdate) -> dict:
    """A new name keeps the old among the aliases; `active` retires a department or brings it back."""
    require_role(actor, "admin")
    session = uow.session
    row = session.get(DepartmentRow, code)
    if row is None:
        raise NotFound("department_not_found", "code", "部门名录中没有这个部门代码")
    given = data.model_dump(exclude_none=True)
    changed = renamed(_department(row), **given)
    _check_place(changed.level, changed.region_code)
    if city_prefix(changed.region_code) != city_prefix(row.region_code):
        raise InvalidInput("department_city_changed", "region_code", "部门不能改到另一个市（州）的名录，请在那里新增")
    known = _lock(session, changed.region_code)
    known.require_names_free(changed)
    for name in FIELDS[1:]:
        setattr(row, name, getattr(changed, name))
    row.aliases, row.changed_by, row.changed_at = list(changed.aliases), actor.username, clock.stamp()
    session.flush()
    return changed.as_json()


def as_read(known: Directory, codes: list | None, texts: list) -> tuple[list[str], list[str | None]]:
    """Departments as stored (the names recorded, each code beside its name or None) as they read now:
    each by its list name, and a free-text one the list has come to know by its code as well."""
    codes = [*(codes or []), *[None] * (len(texts) - len(codes or []))]
    return ([known.name_of(code, text) for code, text in zip(codes, texts, strict=False)],
            [known.code_of(code, text) for code, text in zip(codes, texts, strict=False)])
