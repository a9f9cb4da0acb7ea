"""For the administrator: 账号管理 (the accounts, a form for staff accounts) and the parked messages
(待人工处理的消息: events a service could not apply, to replay or, if they can never be applied, discard)."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from services.gateway.handlers import auth
from services.gateway.handlers.accounts import open_staff_account
from services.gateway.http import status_for
from services.gateway.models import User
from services.gateway.web import forms
from services.gateway.web.http import page
from services.gateway.web.render import redirect
from services.gateway.web.support import PageSupport
from shared import parking
from shared.errors import Conflict, InvalidInput, NotFound
from shared.validation import parse

USER_LABELS = {"username": "用户名", "display_name": "姓名及单位", "password": "初始密码", "role": "角色",
               "region_code": "行政区划代码", "level": "层级", "bank_code": "所属银行", "unit_head": "单位负责人"}
STAFF_ROLES = [("official", "工作人员"), ("bank_liaison", "银行联络员"), ("admin", "管理员")]
LEVELS = [("village", "村"), ("township", "乡镇"), ("county", "县（区）"), ("city", "市"), ("province", "省")]


class AdminPages(PageSupport):
    """Mixed into GatewayService, which provides `db` and `finance`."""

    @page("GET", "/admin/users")
    def users_page(self, request):
        self.require(request, "admin")
        return self._users(request, MultiDict({"role": "official"}), {})

    def _users(self, request, values, errors: dict, status: int = 200):
        with self.db.read() as session:
            users = [auth.actor_of(u).model_dump() for u in
                     session.scalars(sa.select(User).order_by(User.role, User.username))]
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
