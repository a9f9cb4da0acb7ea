"""Consultation tables: every fact of the other services (to rebuild from), quarters, their rosters,
agendas, meetings and resolutions with their follow-up."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared import clock


class Base(DeclarativeBase):
    pass


class StoredFact(Base):
    """An event of another service, kept whole: the read models are rebuilt from these."""

    __tablename__ = "facts"
    __table_args__ = (sa.Index("ix_facts_entrepreneur_id", sa.text("(payload ->> 'entrepreneur_id')")),)

    event_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    event_type: Mapped[str] = mapped_column(sa.String(60), index=True)
    producer: Mapped[str] = mapped_column(sa.String(40))
    occurred_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    enterprise_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    region_code: Mapped[str | None] = mapped_column(sa.String(12))
    payload: Mapped[dict] = mapped_column(JSONB)
    # when it reached consultation: a fact kept after a quarter closed, about that quarter, corrects its bulletin
    kept_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(), index=True)


class QuarterTotal(Base):
    """Loans paid out and subsidies paid per quarter and region, summed as their facts arrive: the
    dashboard's figures without reading a fact."""

    __tablename__ = "quarter_totals"

    event_type: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    quarter: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    region_code: Mapped[str] = mapped_column(sa.String(12), primary_key=True)  # "" for a fact without one
    facts: Mapped[int] = mapped_column(sa.BigInteger)
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)


class DifficultyState(Base):
    """Each difficulty as its facts so far leave it (`convening.difficulty_states`, kept as they arrive,
    in whatever order): where it is, at what level, and whether it is closed."""

    __tablename__ = "difficulty_states"

    difficulty_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(sa.String(12))
    category: Mapped[str] = mapped_column(sa.String(30))
    level: Mapped[str] = mapped_column(sa.String(10))
    last_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))  # its latest fact, which set the above
    last_event_id: Mapped[str] = mapped_column(sa.String(36))
    status: Mapped[str] = mapped_column(sa.String(10))  # open | answered | closed
    status_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))  # the fact that set it
    status_event_id: Mapped[str | None] = mapped_column(sa.String(36))


class Quarter(Base):
    """One round of the quarterly consultation: a city's, or a county's held before it (the region's
    own officials hold it; every other table of the round carries its region and quarter)."""

    __tablename__ = "quarters"

    region_code: Mapped[str] = mapped_column(sa.String(12), primary_key=True)  # a city or a county
    code: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(10))  # open | closed
    cutoff: Mapped[dt.date] = mapped_column(sa.Date)
    opened_by: Mapped[str] = mapped_column(sa.String(80))
    opened_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)
    closed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    closed_by: Mapped[str | None] = mapped_column(sa.String(80))
    bulletin: Mapped[dict | None] = mapped_column(JSONB)  # the round's bulletin as computed at closing
    checked_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))  # issued copies last checked

    entries: Mapped[list[RosterEntry]] = relationship(order_by="RosterEntry.enterprise_name", lazy="select",
                                                      cascade="all, delete-orphan")

    @property
    def level(self) -> str:
        return "city" if self.region_code[4:] == "0" * 8 else "county"


class IssuedBulletin(Base):
    """A closed round's bulletin as issued, for its region and (a city's) each county: what everyone reads
    and downloads afterwards. Late facts or a rebuild that change its figures add a revision (更正),
    shown with its date; an issued revision is never changed."""

    __tablename__ = "issued_bulletins"
    __table_args__ = (sa.ForeignKeyConstraint(["round_region", "quarter"], ["quarters.region_code", "quarters.code"]),)

    round_region: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    quarter: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    revision: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    issued_on: Mapped[dt.date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    content: Mapped[dict] = mapped_column(JSONB)


class RosterEntry(Base):
    """An enterprise convened this quarter: the facts that put it there, or an official's reason."""

    __tablename__ = "roster_entries"
    __table_args__ = (sa.ForeignKeyConstraint(["round_region", "quarter"], ["quarters.region_code", "quarters.code"]),)

    round_region: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    quarter: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    enterprise_name: Mapped[str] = mapped_column(sa.String(100))
    region_code: Mapped[str] = mapped_column(sa.String(12), index=True)
    reasons: Mapped[list] = mapped_column(JSONB, default=list)
    evidence: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")  # the facts, per reason
    source: Mapped[str] = mapped_column(sa.String(10))  # rules | official
    removed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    changed_by: Mapped[str | None] = mapped_column(sa.String(80))


class AgendaItem(Base):
    """One difficulty of a convened enterprise; open until its difficulty is closed."""

    __tablename__ = "agenda_items"
    __table_args__ = (sa.UniqueConstraint("round_region", "quarter", "difficulty_id"),
                      sa.UniqueConstraint("round_region", "quarter", "subject_key"),
                      sa.ForeignKeyConstraint(["round_region", "quarter"], ["quarters.region_code", "quarters.code"]),
                      sa.Index("ix_agenda_items_round", "round_region", "quarter"))

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    round_region: Mapped[str] = mapped_column(sa.String(12))
    quarter: Mapped[str] = mapped_column(sa.String(6))
    # difficulty: one of its difficulties; loan | headcount: an enterprise convened for a late loan or
    # fewer staff, which the meeting can assign a resolution too (`subject_key`: loan:<id> | staff:<enterprise>)
    kind: Mapped[str] = mapped_column(sa.String(12), default="difficulty", server_default="difficulty")
    difficulty_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    subject_key: Mapped[str | None] = mapped_column(sa.String(60), index=True)
    reference: Mapped[str] = mapped_column(sa.String(40))
    enterprise_id: Mapped[str] = mapped_column(sa.String(36))
    enterprise_name: Mapped[str] = mapped_column(sa.String(100))
    region_code: Mapped[str] = mapped_column(sa.String(12), index=True)
    category: Mapped[str] = mapped_column(sa.String(30))
    level: Mapped[str] = mapped_column(sa.String(10))
    reported_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    carried_over_from: Mapped[str | None] = mapped_column(sa.String(6))
    status: Mapped[str] = mapped_column(sa.String(10), default="open")  # open | closed
    closed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # sent up: on a county's item, the day its round sent it to the city's, with the county's note;
    # on the city's item, the county it came from as well
    referred_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    referral_note: Mapped[str | None] = mapped_column(sa.String(500))
    referred_from: Mapped[str | None] = mapped_column(sa.String(12))

    resolution: Mapped[Resolution | None] = relationship(back_populates="item", lazy="selectin", uselist=False)


class Department(Base):
    """A department of the list the administrator keeps (部门名录): retired, never deleted, once used."""

    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60), unique=True)
    short_name: Mapped[str] = mapped_column(sa.String(30))
    aliases: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")  # former names, other spellings
    level: Mapped[str] = mapped_column(sa.String(10))  # city | county
    region_code: Mapped[str] = mapped_column(sa.String(6))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())
    position: Mapped[int] = mapped_column(sa.Integer)  # the list's order within its region
    changed_by: Mapped[str] = mapped_column(sa.String(80))
    changed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (sa.ForeignKeyConstraint(["round_region", "quarter"], ["quarters.region_code", "quarters.code"]),)

    round_region: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    quarter: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    held_on: Mapped[dt.date] = mapped_column(sa.Date)
    chair: Mapped[str] = mapped_column(sa.String(60))
    departments: Mapped[list] = mapped_column(JSONB)  # their names as recorded
    department_codes: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")  # None: not in the list
    minutes: Mapped[str] = mapped_column(sa.Text)
    recorded_by: Mapped[str] = mapped_column(sa.String(80))
    recorded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)


class Resolution(Base):
    """The meeting's decision on one agenda item: who leads, who helps, what and by when."""

    __tablename__ = "resolutions"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    item_id: Mapped[str] = mapped_column(sa.ForeignKey("agenda_items.id"), unique=True)
    round_region: Mapped[str] = mapped_column(sa.String(12))
    quarter: Mapped[str] = mapped_column(sa.String(6), index=True)
    lead_department: Mapped[str] = mapped_column(sa.String(60))  # its name as recorded
    lead_department_code: Mapped[str | None] = mapped_column(sa.ForeignKey("departments.code"), index=True)
    co_departments: Mapped[list] = mapped_column(JSONB, default=list)
    co_department_codes: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")  # None: not in the list
    measure: Mapped[str] = mapped_column(sa.String(1000))
    deadline: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    progress: Mapped[int] = mapped_column(sa.Integer, default=0)
    overdue: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    assigned_by: Mapped[str] = mapped_column(sa.String(80))
    assigned_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)

    item: Mapped[AgendaItem] = relationship(back_populates="resolution", lazy="joined", innerjoin=True)
    notes: Mapped[list[ProgressNote]] = relationship(order_by="ProgressNote.id", lazy="selectin",
                                                     cascade="all, delete-orphan")


class ProgressNote(Base):
    __tablename__ = "progress_notes"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    resolution_id: Mapped[str] = mapped_column(sa.ForeignKey("resolutions.id"), index=True)
    noted_on: Mapped[dt.date] = mapped_column(sa.Date)
    progress: Mapped[int] = mapped_column(sa.Integer)
    note: Mapped[str] = mapped_column(sa.String(1000))
    noted_by: Mapped[str] = mapped_column(sa.String(80))
