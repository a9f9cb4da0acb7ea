"""For the administrator: 账号管理 (the accounts, a form for staff accounts), 部门名录 (the departments the
quarterly consultation picks from: add, rename, retire) and the parked messages (待人工处理的消息: events a
service could not apply, to replay or, if they can never be applied, discard). 政策数据 (new policy versions,
four eyes) is in policy_pages.py."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from services.gateway.handlers import auth
from services.gateway.handlers.accounts import open_staff_account
from services.gateway.http import status_for
from services.gateway.web import forms
from services.gateway.web.http import page
from services.gateway.web.policy_pages import PolicyPages
from services.gateway.web.render import redirect
from services.gateway.web.support import PageSupport
from shared import parking, regions
from shared.actors import programme_city
from shared.contracts.consultation import DepartmentCreate, DepartmentUpdate
from shared.errors import Conflict, InvalidInput, InvalidState, NotFound
from shared.validation import parse

USER_LABELS = {"username": "用户名", "display_name": "姓名及单位", "password": "初始密码", "role": "角色",
               "region_code": "行政区划代码", "level": "层级", "bank_code": "所属银行", "unit_head": "单位负责人"}
STAFF_ROLES = [("official", "工作人员"), ("bank_liaison", "银行联络员"), ("admin", "管理员")]
LEVELS = [("village", "村"), ("township", "乡镇"), ("county", "县（区）"), ("city", "市"), ("province", "省")]
DEPARTMENT_LABELS = {"code": "部门代码", "name": "全称", "short_name": "简称", "aliases": "曾用名及其他写法",
                     "level": "层级", "region_code": "所在地区", "active": "状态"}
DEPARTMENT_LEVELS = [("city", "市级"), ("county", "县（市、区）级")]
DEPARTMENT_REFUSALS = (InvalidInput, InvalidState, Conflict, NotFound)


def department_body(form, *, fresh: bool) -> dict:
    """The form as the contract has it: aliases one per line (or between commas); an empty code is none."""
    data = {**forms.filled(form, ("name", "short_name", "level", "region_code") + (("code",) if fresh else ())),
            "aliases": forms.split_list(form.get("aliases", ""))}
    if fresh and not data.get("code"):
        data.pop("code", None)
    return parse(DepartmentCreate if fresh else DepartmentUpdate, data).model_dump(mode="json", exclude_none=True)


def department_places() -> list[tuple[str, str]]:
    """Every city of the province (the programme's first) and its counties, by their 6-digit codes: each
    city keeps its own department list."""
    first = programme_city()
    province = regions.parent_of(first) or first
    cities = sorted(regions.children_of(province), key=lambda city: city[0] != first)
    return [place for city, name in cities
            for place in [(city[:6], name), *((code[:6], "　" + county) for code, county in regions.children_of(city))]]


class AdminPages(PolicyPages, PageSupport):
    """Mixed into GatewayService, which provides `db`, `finance` and `consultation`; 政策数据 is PolicyPages."""

    @page("GET", "/admin/users")
    def users_page(self, request):
        self.require(request, "admin")
        return self._users(request, MultiDict({"role": "official"}), {})

    def _users(self, request, values, errors: dict, status: int = 200):
        with self.db.read() as session:
            users = [auth.actor_of(u).model_dump() for u in
                     auth.list_users(session)]
        return self.show(request, "admin_users.html", status, users=users, values=values, errors=errors,
                         labels=USER_LABELS, summary=forms.summary(errors, USER_LABELS), roles=STAFF_ROLES,
                         levels=LEVELS)

    @page("POST", "/admin/users")
    def users_create(self, request):
        self.require(request, "admin")
        form = request.form
        data = {**forms.filled(form, ("username", "display_name", "password", "role", "region_code", "level",
                                      "bank_code")), "unit_head": form.get("unit_head") == "yes"}
        try:
            open_staff_account(self.db, self.finance, parse(auth.UserCreate, data))
        except (InvalidInput, Conflict) as exc:
            return self._users(request, form, forms.messages(exc), status_for(exc))
        return redirect("/admin/users?notice=user_created")

    # ---- the department list (部门名录) ------------------------------------------------------------

    @page("GET", "/admin/departments")
    def departments_page(self, request):
        self.require(request, "admin")
        return self._departments(request, {})

    def _departments(self, request, failed: dict, status: int = 200):
        actor = self.require(request, "admin")
        listed = self.consultation.list_departments(actor.model_dump())
        return self.show(request, "admin_departments.html", status, departments=listed, failed=failed,
                         labels=DEPARTMENT_LABELS, levels=DEPARTMENT_LEVELS, places=department_places(),
                         summary=forms.summary(failed.get("errors", {}), DEPARTMENT_LABELS))

    def _change_department(self, request, target: str, command, done: str):
        """Run `command(me, form)`; a refusal shows the list again with that form open, values kept."""
        actor, form = self.require(request, "admin"), request.form
        try:
            command(actor.model_dump(), form)
        except DEPARTMENT_REFUSALS as exc:
            failed = {"target": target, "values": form, "errors": forms.messages(exc)}
            return self._departments(request, failed, status_for(exc))
        return redirect(f"/admin/departments?notice={done}")

    @page("POST", "/admin/departments")
    def department_create(self, request):
        return self._change_department(request, "", lambda me, form: self.consultation.create_department(
            me, department_body(form, fresh=True)), "department_created")

    @page("POST", "/admin/departments/<string:code>")
    def department_update(self, request, code):
        return self._change_department(request, code, lambda me, form: self.consultation.update_department(
            me, code, department_body(form, fresh=False)), "department_updated")

    @page("POST", "/admin/departments/<string:code>/active")
    def department_activate(self, request, code):
        active = request.form.get("active") == "yes"
        return self._change_department(request, code, lambda me, form: self.consultation.update_department(
            me, code, {"active": active}), "department_restored" if active else "department_retired")

    # ---- parked messages ----------------------------------------------------------------------

    @page("GET", "/admin/parking")
    def parking_page(self, request):
        self.require(request, "admin")
        parked = parking.list_parked(self.settings.amqp_uri)
        return self.show(request, "admin_parking.html", parked=parked)

    @page("POST", "/admin/parking/<string:action>")
    def parking_act(self, request, action):
        self.require(request, "admin")
        wanted = request.form.get("parking_id") or None
        if action == "replay":
            done = parking.replay(self.settings.amqp_uri, wanted)
        elif action == "discard" and wanted:
            done = parking.discard(self.settings.amqp_uri, wanted)
        else:
            raise NotFound("unknown_action", None, "不支持的操作")
        if wanted and not done:
            raise NotFound("parked_message_not_found", None, "这条消息已不在待处理列表中（可能已被重新投递）")
        return redirect(f"/admin/parking?notice=parking_{action}")
