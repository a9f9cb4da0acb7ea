"""季度困难会商会 pages: a quarter's roster, agenda, meeting, resolutions and progress, closing, bulletin."""

from __future__ import annotations

from urllib.parse import urlencode

from services.gateway.http import file_response, status_for
from services.gateway.web import forms
from services.gateway.web.entrepreneur_pages import REFUSALS, new_key, submitted_key
from services.gateway.web.http import page
from services.gateway.web.render import redirect
from services.gateway.web.support import PageSupport
from shared import clock, regions
from shared.contracts.consultation import (
    ItemReferral,
    MeetingRecord,
    ProgressRecord,
    QuarterOpen,
    ResolutionAssign,
    RosterChange,
)
from shared.errors import InvalidInput, NotFound
from shared.money import wan_yuan, yi_yuan
from shared.quarters import QUARTER, quarter_of
from shared.validation import parse

QUARTER_LABELS = {"quarter": "季度", "enterprise_id": "经营主体", "reason": "理由", "held_on": "会商日期",
                  "chair": "主持人", "departments": "参会单位", "minutes": "会议纪要", "lead_department": "牵头单位",
                  "co_departments": "配合单位", "measure": "措施", "deadline": "完成时限", "progress": "办理进度（%）",
                  "note": "进展说明", "confirm": "确认"}
QUARTER_STATUS_NAMES = {"open": "进行中", "closed": "已结束"}
ITEM_STATUS_NAMES = {"open": "办理中", "closed": "已销号"}
RECENT_QUARTERS = 6


def checked_code(code: str) -> str:
    """A quarter in the address must look like 2026Q3; anything else is a page that does not exist."""
    if QUARTER.fullmatch(code or "") is None:
        raise NotFound("quarter_not_found", "quarter", "没有这个季度。季度应写作如 2026Q3。")
    return code


def round_named(request) -> str | None:
    """The round's region in the page's address (?region=), or None for the caller's own city's."""
    return (request.args.get("region") or "").strip() or None


def round_query(region: str | None) -> str:
    """`?region=…` for a round other than the caller's city's, to follow each of its addresses."""
    return f"?{urlencode({'region': region})}" if region else ""


def round_url(code: str, region: str | None, notice: str = "", path: str = "") -> str:
    """A round's page (or one of its addresses), with its region when it is not the caller's city's,
    and a notice to show (`notice#anchor`)."""
    notice, _, anchor = notice.partition("#")
    query = urlencode({k: v for k, v in (("region", region), ("notice", notice)) if v})
    return f"/quarters/{code}{path}" + (f"?{query}" if query else "") + (f"#{anchor}" if anchor else "")


def failure(action: str, form, exc, target: str = "") -> dict:
    """What a refused form needs to show itself again: its values, its messages and its key."""
    return {"action": action, "target": target, "values": form, "errors": forms.messages(exc),
            "key": submitted_key(form), "candidates": candidates_of(exc)}


def candidates_of(exc) -> list[dict]:
    """The enterprises a name matched when it matched several (the roster's refusal offers them)."""
    details = getattr(exc, "details", None)
    return details.get("candidates", []) if isinstance(details, dict) else []


def checked(model, data: dict) -> dict:
    """The body as the contract has it, checked here so that the form shows what the service would say."""
    return parse(model, data).model_dump(mode="json")


def roster_body(form) -> dict:
    return checked(RosterChange, forms.filled(form, ("enterprise_id", "reason")))


def picked(form, name: str) -> list[str]:
    """The departments ticked (their codes), or typed as names one per line or between commas (old forms)."""
    return [part for value in form.getlist(name) for part in forms.split_list(value)]


def meeting_body(form) -> dict:
    return {**forms.filled(form, ("held_on", "chair", "minutes")), "departments": picked(form, "departments")}


def resolution_body(form) -> dict:
    return {**forms.filled(form, ("item_id", "lead_department", "measure", "deadline")),
            "co_departments": picked(form, "co_departments")}


def department_groups(departments: list[dict]) -> list[tuple[str, list[dict]]]:
    """The active departments of the list for the pickers: the city's first, then each county's."""
    groups: dict[str, list[dict]] = {}
    for department in departments:
        if department["active"]:
            place = "市级部门" if department["level"] == "city" else regions.name_of(department["region_code"])
            groups.setdefault(place, []).append(department)
    return list(groups.items())


def agenda_resolution_ids(agenda: dict) -> set[str]:
    return {item["resolution"]["id"] for group in agenda["enterprises"] for category in group["categories"]
            for item in category["items"] if item["resolution"]}


def bulletin_choices(actor) -> list[tuple[str, str]]:
    """The regions an official may have a bulletin of: their own and each one a level below."""
    own = regions.normalize(actor.region_code or "")
    return [(own, regions.full_name(own).removeprefix("四川省") or regions.name_of(own)),
            *((code, "　" + name) for code, name in regions.children_of(own)
              if regions.level_of(code) != "village")]


def period_presets(today) -> list[tuple[str, str]]:
    """今年以来, this year's half or last year's whole, as the printed bulletins report."""
    year = today.year
    spans = [("今年以来", f"from={year}-01&to={today:%Y-%m}")]
    if today.month > 6:
        spans.append(("上半年", f"from={year}-01&to={year}-06"))
    spans.append((f"{year - 1}年全年", f"from={year - 1}-01&to={year - 1}-12"))
    return spans


class QuarterPages(PageSupport):
    """Mixed into GatewayService, which provides `consultation`."""

    # ---- the list of quarters, and opening one ----------------------------------------------

    @page("GET", "/quarters")
    def quarters_page(self, request):
        return self._quarters(request, self.require(request, "official"))

    def _quarters(self, request, actor, failed: dict | None = None, status: int = 200):
        values = failed["values"] if failed else {"quarter": quarter_of(clock.today())}
        return self.show(request, "quarters.html", status, series=self._series(actor, round_named(request)),
                         values=values, errors=failed["errors"] if failed else {}, labels=QUARTER_LABELS)

    def _series(self, actor, named: str | None) -> list[dict]:
        """The rounds the official follows, each with its last quarters: their city's (or the one
        named), and their own county's; a province official chooses a city first."""
        own = regions.normalize(actor.region_code or "")
        if named:
            places = [regions.normalize(named)]
        elif regions.level_of(own) == "province":  # a province official chooses a city first
            return [{"region": "", "name": "", "level": "province", "organiser": False, "query": "", "recent": [],
                     "cities": regions.children_of(own)}]
        else:  # their city's rounds, and their own county's, held before the city's
            places = [regions.city_of(own) or own]
            if regions.level_of(own) in ("county", "township", "village"):
                places.append(own[:6].ljust(12, "0"))
        series = []
        for place in places:
            named_here = place if named or place != places[0] else None  # the caller's city needs no ?region=
            series.append({"region": place, "name": regions.name_of(place), "level": regions.level_of(place),
                           "organiser": place == own, "query": round_query(named_here),
                           "recent": self._recent(actor, named_here)})
        return series

    def _recent(self, actor, region: str | None) -> list[dict]:
        """The last quarters of a round, each with its status, or 未开启 when nobody has opened it."""
        rows = []
        for code in forms.recent_quarters(clock.today(), RECENT_QUARTERS):
            try:
                found = self.consultation.get_quarter(actor.model_dump(), code, region=region)
            except NotFound:
                found = None
            status = found["status"] if found else "none"
            rows.append({"code": code, "status": status, "status_name": QUARTER_STATUS_NAMES.get(status, "未开启")})
        return rows

    @page("POST", "/quarters/open")
    def quarter_open(self, request):
        actor = self.require(request, "official")
        form = request.form
        try:
            opened = self.consultation.open_quarter(actor.model_dump(),
                                                    checked(QuarterOpen, forms.filled(form, ("quarter", "region"))))
        except REFUSALS as exc:  # a refusal by role has no form to stand beside: the error page says it
            return self._quarters(request, actor, failure("open", form, exc), status_for(exc))
        region = opened["region_code"] if opened["level"] == "county" else None
        return redirect(round_url(opened["quarter"], region, "quarter_opened"))

    # ---- the quarter ------------------------------------------------------------------------

    @page("GET", "/quarters/<string:quarter>")
    def quarter_page(self, request, quarter):
        return self._quarter(request, self.require(request, "official"), checked_code(quarter))

    def _quarter(self, request, actor, code: str, failed: dict | None = None, status: int = 200):
        me, region = actor.model_dump(), round_named(request)
        found = self.consultation.get_quarter(me, code, region=region)
        agenda = self.consultation.get_agenda(me, code, region=region)
        shown = agenda_resolution_ids(agenda)
        # a resolution whose enterprise later left the roster still needs following up
        others = [r for r in self.consultation.list_resolutions(me, code, region=region) if r["id"] not in shown]
        organiser = regions.normalize(actor.region_code or "") == found["region_code"]
        groups = department_groups(self.consultation.list_departments(me)) if organiser else []
        adjuster = actor.level in ("county", "city") and (organiser or found["level"] == "city")
        return self.show(request, "quarter.html", status, q=found, agenda=agenda, others=others,
                         department_groups=groups, rq=round_query(region),
                         is_open=found["status"] == "open", organiser=organiser,
                         adjuster=adjuster, failed=failed or {}, labels=QUARTER_LABELS,
                         new_key=new_key, QUARTER_STATUS_NAMES=QUARTER_STATUS_NAMES,
                         ITEM_STATUS_NAMES=ITEM_STATUS_NAMES)

    def _act(self, request, code: str, failed_as: tuple[str, str], done: str, command, caught=REFUSALS):
        """Run `command(me, form)` and go back to the quarter with `done`; a refusal shows the quarter
        again with the form (`failed_as`: which one) open, its values kept and its messages beside them."""
        actor, form = self.require(request, "official"), request.form
        try:
            command(actor.model_dump(), form)
        except caught as exc:
            action, target = failed_as
            return self._quarter(request, actor, code, failure(action, form, exc, target), status_for(exc))
        return redirect(round_url(code, round_named(request), done))

    @page("POST", "/quarters/<string:quarter>/roster")
    def roster_add(self, request, quarter):
        code = checked_code(quarter)
        return self._act(request, code, ("roster_add", ""), "roster_added#roster", lambda me, form: (
            self.consultation.change_roster(me, code, roster_body(form), add=True, region=round_named(request))),
            (*REFUSALS, NotFound))

    @page("POST", "/quarters/<string:quarter>/roster/remove")
    def roster_remove(self, request, quarter):
        code = checked_code(quarter)
        target = ("roster_remove", request.form.get("enterprise_id", ""))
        return self._act(request, code, target, "roster_removed#roster", lambda me, form: (
            self.consultation.change_roster(me, code, roster_body(form), add=False, region=round_named(request))),
            (*REFUSALS, NotFound))

    @page("POST", "/quarters/<string:quarter>/meeting")
    def meeting_record(self, request, quarter):
        code = checked_code(quarter)
        return self._act(request, code, ("meeting", ""), "meeting_recorded#meeting", lambda me, form: (
            self.consultation.record_meeting(me, code, checked(MeetingRecord, meeting_body(form)),
                                             region=round_named(request))))

    @page("POST", "/quarters/<string:quarter>/resolutions")
    def resolution_assign(self, request, quarter):
        code = checked_code(quarter)
        target = ("resolution", request.form.get("item_id", ""))
        return self._act(request, code, target, "resolution_assigned#agenda", lambda me, form: (
            self.consultation.assign_resolution(me, code, checked(ResolutionAssign, resolution_body(form)),
                                                submitted_key(form), region=round_named(request))))

    @page("POST", "/quarters/<string:quarter>/agenda/<string:item_id>/refer")
    def item_refer(self, request, quarter, item_id):
        code = checked_code(quarter)
        return self._act(request, code, ("refer", item_id), f"item_referred#i-{item_id}", lambda me, form: (
            self.consultation.refer_item(me, code, item_id, checked(ItemReferral, forms.filled(form, ("note",))),
                                         region=round_named(request))), (*REFUSALS, NotFound))

    @page("POST", "/resolutions/<string:resolution_id>/progress")
    def progress_record(self, request, resolution_id):
        code = checked_code(request.form.get("quarter", ""))  # the quarter page the form was on
        return self._act(request, code, ("progress", resolution_id), f"progress_recorded#r-{resolution_id}",
                         lambda me, form: self.consultation.record_progress(
                             me, resolution_id, checked(ProgressRecord, forms.filled(form, ("progress", "note"))),
                             submitted_key(form)))

    @page("POST", "/quarters/<string:quarter>/close")
    def quarter_close(self, request, quarter):
        code = checked_code(quarter)

        def close(me, form):
            if form.get("confirm") != "yes":
                raise InvalidInput("confirm_required", "confirm", "请勾选确认后再结束本季度会商")
            self.consultation.close_quarter(me, code, region=round_named(request))

        return self._act(request, code, ("close", ""), "quarter_closed", close)

    # ---- bulletins for any period (今年以来, half-year, year) ------------------------------------

    @page("GET", "/bulletins")
    def period_bulletin_page(self, request):
        actor = self.require(request, "official")
        today = clock.today()
        values = {"region": request.args.get("region") or regions.normalize(actor.region_code or "")[:12],
                  "from": request.args.get("from") or f"{today.year}-01",
                  "to": request.args.get("to") or today.strftime("%Y-%m")}
        query = {k: v for k, v in request.args.items() if k in ("region", "from", "to") and v}
        found, errors, status = None, {}, 200
        try:
            found = self.consultation.period_bulletin(actor.model_dump(), query)
        except (*REFUSALS, InvalidInput) as exc:
            errors, status = forms.messages(exc), status_for(exc)
        return self.show(request, "bulletin_period.html", status, b=found, values=values, errors=errors,
                         choices=bulletin_choices(actor), presets=period_presets(today),
                         xlsx_url="/bulletins.xlsx?" + urlencode(query) if found else "")

    @page("GET", "/bulletins.xlsx")
    def period_bulletin_download(self, request):
        actor = self.require(request, "official")
        query = {k: v for k, v in request.args.items() if k in ("region", "from", "to") and v}
        return file_response(self.consultation.period_bulletin_workbook(actor.model_dump(), query))

    # ---- the bulletin -----------------------------------------------------------------------

    @page("GET", "/quarters/<string:quarter>/bulletin")
    def bulletin_page(self, request, quarter):
        actor, code, region = self.require(request, "official"), checked_code(quarter), round_named(request)
        found = self.consultation.get_bulletin(actor.model_dump(), code, region=region)
        return self.show(request, "bulletin.html", b=found, head=found["head"], money=wan_yuan, yi=yi_yuan,
                         xlsx_url=round_url(code, region, path="/bulletin.xlsx"))

    @page("GET", "/quarters/<string:quarter>/bulletin.xlsx")
    def bulletin_download(self, request, quarter):
        actor, code = self.require(request, "official"), checked_code(quarter)
        return file_response(self.consultation.bulletin_workbook(actor.model_dump(), code, region=round_named(request)))
