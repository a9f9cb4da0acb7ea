"""The consultation service's entrypoints: every other service's facts, the quarter from its roster
to its bulletin, the follow-up sweep, the timeline and the dashboard."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError

from services.consultation import readmodel
from services.consultation.domain import bulletin_file, convening, period_file
from services.consultation.handlers import bulletins, departments, issued, opening, quarters
from services.consultation.handlers.facts import FactHandlers
from shared import clock
from shared.actors import as_actor, require_city_official
from shared.contracts.consultation import (
    BulletinQuery,
    DepartmentCreate,
    DepartmentUpdate,
    ItemReferral,
    MeetingRecord,
    ProgressRecord,
    QuarterOpen,
    ResolutionAssign,
    RosterChange,
)
from shared.db import Database
from shared.errors import InvalidState
from shared.logging import get_logger
from shared.nameko_base import GuiyanService, Outbox, SteadyRpcProxy, json_rpc, sweep, sweep_each
from shared.validation import parse

command = json_rpc
log = get_logger(__name__)
AUTO_OPEN_DAYS = 10  # after a quarter ends, the timer still opens it for this many days
REPLAY_PAGE = 1000


def due_quarter(today: dt.date) -> str | None:
    """The quarter the timer should open today: this one on its last day, or the one just ended."""
    current = convening.quarter_of(today)
    first, last = convening.quarter_bounds(current)
    if today == last:
        return current
    if (today - first).days < AUTO_OPEN_DAYS:
        return convening.quarter_of(first - dt.timedelta(days=1))
    return None


def _code(value) -> str:
    return str(value)[:6]


class ConsultationService(FactHandlers, GuiyanService):
    name = "consultation"
    db = Database("consultation")
    outbox = Outbox("consultation")
    registry = SteadyRpcProxy("registry")
    finance = SteadyRpcProxy("finance")
    escalation = SteadyRpcProxy("escalation")
    projects = SteadyRpcProxy("projects")

    @command
    def open_quarter(self, actor, data):
        actor, data = as_actor(actor), parse(QuarterOpen, data)
        region = quarters.organised_round(actor, data.region)
        try:
            return self._transaction(lambda uow: opening.open_quarter(uow, actor, region, data.quarter, clock.today()))
        except IntegrityError:  # the cut-off timer (or another official) opened it at the same moment
            with self.db.read() as session:
                return quarters.view(session, actor, region, data.quarter)

    @command
    def get_quarter(self, actor, code, region=None):
        with self.db.read() as session:
            return quarters.view(session, as_actor(actor), region, _code(code))

    @command
    def change_roster(self, actor, code, data, add=True, region=None):
        actor, data = as_actor(actor), parse(RosterChange, data)

        def change():
            return self._transaction(lambda uow: quarters.adjust(
                uow, actor, region, _code(code), data.enterprise_id, bool(add), data.reason))
        try:
            return change()
        except IntegrityError:  # another official added it at the same moment: now it is there to change
            return change()

    @command
    def get_agenda(self, actor, code, region=None):
        with self.db.read() as session:
            return quarters.agenda(session, as_actor(actor), region, _code(code), clock.today())

    @command
    def record_meeting(self, actor, code, data, region=None):
        actor, data = as_actor(actor), parse(MeetingRecord, data)
        return self._transaction(lambda uow: quarters.record_meeting(
            uow, actor, region, _code(code), data, clock.today()))

    @command
    def assign_resolution(self, actor, code, data, key=None, region=None):
        actor, data = as_actor(actor), parse(ResolutionAssign, data)
        try:
            return self._once(actor, "resolution", key, data.model_dump(mode="json"),
                              lambda uow: quarters.assign(uow, actor, region, _code(code), data, clock.today()),
                              lambda session, result: quarters.assigned_by_organiser(session, actor, result["id"]))
        except IntegrityError:  # another official assigned this item at the same moment
            raise InvalidState("resolution_exists", "item_id", "该事项已交办，请跟进办理进度") from None

    @command
    def refer_item(self, actor, code, item_id, data, region=None):
        """A county's round sends an agenda item up to its city's round, with the county's note."""
        actor, data = as_actor(actor), parse(ItemReferral, data)
        return self._transaction(lambda uow: quarters.refer(
            uow, actor, region, _code(code), str(item_id)[:36], data.note, clock.today()))

    @command
    def list_resolutions(self, actor, code, region=None):
        with self.db.read() as session:
            return quarters.resolutions(session, as_actor(actor), region, _code(code), clock.today())

    @command
    def todo(self, actor):
        with self.db.read() as session:
            return quarters.todo(session, as_actor(actor), clock.today())

    @command
    def record_progress(self, actor, resolution_id, data, key=None):
        actor, data = as_actor(actor), parse(ProgressRecord, data)
        return self._once(actor, "progress", key, {"id": resolution_id, **data.model_dump()},
                          lambda uow: quarters.progress(uow, actor, str(resolution_id), data, clock.today()),
                          lambda session, result: quarters.get_resolution(session, actor, str(resolution_id)))

    @command
    def close_quarter(self, actor, code, region=None):
        actor = as_actor(actor)
        today = clock.today()

        return self._transaction(lambda uow: quarters.close(
            uow, actor, region, _code(code), today, lambda session, quarter: issued.issue(session, quarter, today)))

    @command
    def get_bulletin(self, actor, code, region=None):
        """The bulletin's figures for the caller's region, with its head worded as printed."""
        with self.db.read() as session:
            found = issued.read(session, as_actor(actor), region, _code(code), clock.today())
        return {**found, "head": bulletin_file.bulletin_head(found)}

    @command
    def bulletin_workbook(self, actor, code, region=None):
        """The bulletin as the spreadsheet the office files: {filename, content_type, content (base64)}."""
        with self.db.read() as session:
            return bulletin_file.bulletin_file(issued.read(session, as_actor(actor), region, _code(code),
                                                           clock.today()))

    # ---- bulletins for any period (今年以来, half-year, year) ------------------------------------------

    def _period(self, actor, query) -> dict:
        actor, query = as_actor(actor), parse(BulletinQuery, query or {})
        today = clock.today()
        with self.db.read() as session:
            return bulletins.period_bulletin(session, actor, query.region, query.month_from or f"{today.year}-01",
                                             query.month_to or today.strftime("%Y-%m"), today)

    @command
    def period_bulletin(self, actor, query):
        """The bulletin of a province, city or county for whole months of one year (今年以来 by default),
        with its lines and table as printed."""
        found = self._period(actor, query)
        return {**found, "printed": period_file.printed(found)}

    @command
    def period_bulletin_workbook(self, actor, query):
        """That bulletin as a spreadsheet: {filename, content_type, content (base64)}."""
        return period_file.period_file(self._period(actor, query))

    # ---- the department list (部门名录) -----------------------------------------------------------

    @command
    def list_departments(self, actor):
        """The department list, retired ones included (officials and the administrator)."""
        with self.db.read() as session:
            return departments.list_all(session, as_actor(actor))

    @command
    def create_department(self, actor, data):
        """Add a department to the list (administrator)."""
        actor, data = as_actor(actor), parse(DepartmentCreate, data)
        return self._transaction(lambda uow: departments.create(uow, actor, data))

    @command
    def update_department(self, actor, code, data):
        """Rename (the old name stays an alias), re-place, retire or bring back a department (administrator)."""
        actor, data = as_actor(actor), parse(DepartmentUpdate, data)
        return self._transaction(lambda uow: departments.update(uow, actor, str(code)[:40], data))

    @command
    def timeline(self, actor, enterprise_id):
        with self.db.read() as session:
            return readmodel.timeline(session, as_actor(actor), str(enterprise_id))

    @command
    def dashboard(self, actor):
        with self.db.read() as session:
            return readmodel.dashboard(session, as_actor(actor), clock.today())

    @command
    def rebuild(self, actor):
        """Replace every fact by a replay of every service's recorded events; report what came back."""
        actor = as_actor(actor)
        require_city_official(actor, "只有管理员或本市市级工作人员可以重建会商数据", allow_admin=True)

        def pages():  # every service's recorded events, a page at a time, never all in memory
            for read_page in (self.registry.outbox_page, self.finance.outbox_page, self.escalation.outbox_page,
                              self.projects.outbox_page, self.outbox_page):
                after = 0
                while page := read_page(after, REPLAY_PAGE):
                    yield [envelope for _, envelope in page]
                    after = page[-1][0]

        with self.db.unit_of_work() as uow:  # one transaction: readers see the old facts or the new
            counts = readmodel.replace_facts(uow.session, pages())
            uow.commit()
        with self.db.read() as session:
            rosters = readmodel.roster_check(session)
            closed = issued.closed_rounds(session)
        corrected = self.correct_bulletins(closed)  # a figure the replay changed corrects its issued bulletin
        log.info("consultation_rebuilt", facts=sum(counts.values()), bulletins_corrected=corrected)
        return {"facts": sum(counts.values()), "by_producer": counts, "rosters": rosters,
                "bulletins_corrected": corrected}

    @sweep(interval=3600)
    def quarter_cutoff(self):
        """At the quarter's cut-off the quarter opens by itself, with its roster and agenda (a twin
        instance that opened it first makes this tick fail, and the next one finds it open)."""
        self.open_due_rounds()

    @command
    def open_due_rounds(self, actor=None):
        """Open every round due today, as the cut-off timer does each hour: the programme city's, and
        every city's and county's that has held a round on this system (counties first)."""
        if actor is not None:
            require_city_official(as_actor(actor), "只有管理员或本市市级工作人员可以开启到期的会商", allow_admin=True)
        today = clock.today()
        code = due_quarter(today)
        if code is None:
            return {"quarter": None, "rounds": []}
        with self.db.read() as session:
            regions_ = quarters.rounds_holding(session)
        for region in regions_:
            try:
                self._transaction(lambda uow, region=region: opening.open_quarter(uow, None, region, code, today))
            except IntegrityError:  # a twin instance opened it at the same moment
                log.info("round_opened_elsewhere", quarter=code, region=region)
        return {"quarter": code, "rounds": regions_}

    @command
    def overdue_sweep(self, actor=None):
        """Flag every resolution past its deadline whose difficulty is still open (once each)."""
        if actor is not None:
            checked = as_actor(actor)
            require_city_official(checked, "只有本市市级工作人员可以运行逾期检查")
        today = clock.today()
        with self.db.read() as session:
            ids = quarters.overdue_ids(session, today)
        return sweep_each(self.db, ids, lambda uow, rid: quarters.flag_overdue(uow, rid, today))

    @sweep(interval=600)
    def bulletin_corrections(self):
        """Issued bulletins that facts arrived late for are counted again; a changed one gets a revision."""
        self.correct_bulletins()

    @command
    def check_bulletins(self, actor=None):
        """Count again now every issued bulletin that facts arrived late for (the sweep does so every
        ten minutes); report how many revisions were issued."""
        if actor is not None:
            require_city_official(as_actor(actor), "只有管理员或本市市级工作人员可以核对已印发的通报", allow_admin=True)
        return {"revisions": self.correct_bulletins()}

    def correct_bulletins(self, rounds=None) -> int:
        with self.db.read() as session:
            rounds = issued.late_rounds(session) if rounds is None else rounds
        added = 0
        for region, code in rounds:
            added += self._transaction(lambda uow, region=region, code=code: issued.recheck(
                uow.session, quarters.get(uow.session, region, code), clock.today()))
        if added:
            log.info("bulletins_corrected", revisions=added, rounds=len(rounds))
        return added

    @sweep(interval=1800)
    def overdue_tick(self):
        self.overdue_sweep()
